//! The bodies of the lifecycle jobs, one file per step. Each is idempotent: it derives what to
//! do from the database, and every external effect goes through `effect_once` with a key built
//! from database ids, so running a job twice (retry, crash, second instance) changes nothing.

mod announce;
mod attendance;
mod close;
mod community_post;
mod departed;
mod first_session;
mod late_bookings;
mod locked_pairs;
mod prepare;
mod rematch;
mod remind;
mod roll_forward;
mod sweep;

pub use sweep::StartupSweepReport;

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Duration, Utc};

use super::effect_key::EffectKey;
use super::errors::JobError;
use super::Engine;
use crate::core::matching::{
    match_members, Candidate, MatchingInput, MatchingOutcome, PairNote, PairTie,
};
use crate::core::message::{OutgoingMessage, Tone};
use crate::core::model::{
    Booking, Community, Group, GroupOrigin, Member, MemberId, RelationKind, Slot,
};
use crate::core::reliability::experience;
use crate::engine::port::{PairRoomRequest, Recipient};

/// What the slot's jobs start from, read once: its community, active bookings, groups and the
/// members of both.
pub(crate) struct SlotSnapshot {
    pub community: Community,
    /// The slot's active bookings.
    pub bookings: Vec<Booking>,
    /// Who holds an active booking (a member who cancelled after matching is not here).
    pub active: HashSet<MemberId>,
    /// Every group of the slot, matched and rematch.
    pub groups: Vec<Group>,
    /// The booked members and every member of the slot's matched groups, by id.
    pub members: HashMap<MemberId, Member>,
}

impl SlotSnapshot {
    /// The groups the prepare job matched (not the attendance check's rematches).
    pub fn matched_groups(&self) -> Vec<&Group> {
        self.groups
            .iter()
            .filter(|group| group.origin == GroupOrigin::Matched)
            .collect()
    }

    /// These members, in this order, skipping any not in the snapshot.
    pub fn members_of<'a>(&self, ids: impl IntoIterator<Item = &'a MemberId>) -> Vec<Member> {
        ids.into_iter()
            .filter_map(|id| self.members.get(id).cloned())
            .collect()
    }
}

pub fn recipient(member: &Member) -> Recipient {
    Recipient {
        platform_user_id: member.platform_user_id.clone(),
        display_name: member.display_name.clone(),
        time_zone: member.time_zone,
        platform_community_id: None,
    }
}

/// "😕 I couldn't open a room for you and @ben. Meet @ben in the community's main room (the
/// lobby) instead …": for members whose room the platform refused for good. Never a no-show.
pub fn no_room_message<'a>(
    member: &Member,
    slot: &Slot,
    partners: impl IntoIterator<Item = &'a Member>,
) -> OutgoingMessage {
    let partners: Vec<&Member> = partners.into_iter().collect();
    let mention_all =
        |message: OutgoingMessage| mention_partners(message, partners.iter().copied());
    let message = OutgoingMessage::new()
        .titled("Your room couldn't be opened")
        .tone(Tone::Problem)
        .text("Sorry — your room for ");
    let message = message.time(slot.starts_at, member.time_zone);
    if partners.is_empty() {
        return message.text(
            " couldn't be opened. Please focus in the community's main room (the lobby) instead — this session still counts for you, and you won't be marked absent.",
        );
    }
    let message = mention_all(message.text(" couldn't be opened. You're with "));
    mention_all(message.text(" — please meet "))
        .text(" in the community's main room (the lobby) instead. This session still counts, and nobody will be marked absent.")
}

/// The longest room title, in characters: Matrix and most clients cap room names at 255.
pub const MAX_ROOM_TITLE_CHARS: usize = 255;

/// "Focus 09:00–09:50 UTC · alice & bob": the slot in UTC because a room is shared across zones;
/// DMs show each member their own zone. Each name is clamped like an actor's, and the whole
/// title to [`MAX_ROOM_TITLE_CHARS`], whatever names the store holds.
pub fn room_title(slot: &Slot, members: &[Member]) -> String {
    let names: Vec<String> = members
        .iter()
        .map(|member| super::actor::clamp_display_name(&member.display_name))
        .collect();
    let names = match names.split_last() {
        Some((last, [])) => last.to_string(),
        Some((last, rest)) => format!("{} & {last}", rest.join(", ")),
        None => String::new(),
    };
    let title = format!(
        "Focus {}–{} UTC · {names}",
        slot.starts_at.format("%H:%M"),
        slot.ends_at().format("%H:%M")
    );
    super::actor::clamp_chars(&title, MAX_ROOM_TITLE_CHARS)
}

impl Engine {
    /// Reads the slot's [`SlotSnapshot`].
    pub(crate) async fn slot_snapshot(&self, slot: &Slot) -> Result<SlotSnapshot, JobError> {
        let community = self
            .store
            .community(slot.community_id)
            .await
            .map_err(JobError::unexpected)?;
        let bookings = self
            .store
            .active_bookings_for_slot(slot.id)
            .await
            .map_err(JobError::unexpected)?;
        let active: HashSet<MemberId> = bookings.iter().map(|booking| booking.member_id).collect();
        let groups = self
            .store
            .groups_for_slot(slot.id)
            .await
            .map_err(JobError::unexpected)?;
        let mut ids: Vec<MemberId> = bookings.iter().map(|booking| booking.member_id).collect();
        ids.extend(
            groups
                .iter()
                .filter(|group| group.origin == GroupOrigin::Matched)
                .flat_map(|group| group.members.iter().copied())
                .filter(|id| !active.contains(id)),
        );
        let members = self.members_by_id(&ids).await?;
        Ok(SlotSnapshot {
            community,
            bookings,
            active,
            groups,
            members,
        })
    }

    /// Sends one DM at most once, keyed by `key`. Unreachable members and DMs the platform
    /// refuses for good are logged, recorded and skipped (see the returned result).
    pub(crate) async fn send_dm_once(
        &self,
        key: EffectKey,
        member: &Member,
        message: OutgoingMessage,
    ) -> Result<super::effects::EffectResult, JobError> {
        let mut to = recipient(member);
        to.platform_community_id = Some(self.platform_community_id_of(member).await?);
        let platform = self.platform.clone();
        self.effect_once(key, |key| async move {
            platform
                .send_direct_message(&to, &message, &key)
                .await
                .map(|()| String::new())
        })
        .await
    }

    pub(crate) async fn members_by_id(
        &self,
        ids: &[MemberId],
    ) -> Result<HashMap<MemberId, Member>, JobError> {
        let members = self
            .store
            .members_by_ids(ids)
            .await
            .map_err(JobError::unexpected)?;
        Ok(members
            .into_iter()
            .map(|member| (member.id, member))
            .collect())
    }

    /// What the matcher knows about pairs among `ids` for a session starting at `starts_at`:
    /// relations, recent meetings, the members' own choices (friends-only, quiet with talk) and
    /// running snoozes. The prepare and the rematch read the same, so a rematch never breaks what
    /// a member asked for at booking (issue 11).
    pub(crate) async fn pair_notes(
        &self,
        community: &Community,
        starts_at: DateTime<Utc>,
        ids: &[MemberId],
    ) -> Result<Vec<PairNote>, JobError> {
        let relations = self
            .store
            .relations_among(ids)
            .await
            .map_err(JobError::unexpected)?;
        let since = starts_at - Duration::days(community.settings.recent_repeat_days);
        let meetings = self
            .store
            .recent_meetings_among(ids, since)
            .await
            .map_err(JobError::unexpected)?;
        let mut notes: Vec<PairNote> = relations
            .iter()
            .map(|relation| PairNote {
                a: relation.member,
                b: relation.other,
                tie: match relation.kind {
                    RelationKind::Friend => PairTie::Friend,
                    RelationKind::Favourite => PairTie::Favourite,
                    RelationKind::Block => PairTie::Blocked,
                },
            })
            .collect();
        notes.extend(meetings.iter().map(|&(a, b, times)| PairNote {
            a,
            b,
            tie: PairTie::RecentlyMet { times },
        }));
        // Availability and session modes (issue 11): `engine::session_choices`.
        notes.extend(
            self.session_choice_notes(community, starts_at, ids, &relations)
                .await?,
        );
        // A snooze running at the start keeps the pair apart like a block (issue 11).
        notes.extend(self.snooze_notes(ids, starts_at).await?);
        Ok(notes)
    }

    /// Builds the matcher's view of these members: relations, recent meetings, experience.
    pub(crate) async fn match_these_members(
        &self,
        community: &Community,
        slot: &Slot,
        members: &[Member],
        seed: u64,
    ) -> Result<MatchingOutcome, JobError> {
        let ids: Vec<MemberId> = members.iter().map(|member| member.id).collect();
        let notes = self.pair_notes(community, slot.starts_at, &ids).await?;
        let candidates = members
            .iter()
            .map(|member| Candidate {
                member: member.id,
                experience: experience(member),
            })
            .collect();
        Ok(match_members(
            &MatchingInput {
                candidates,
                notes,
                seed,
            },
            &self.weights,
        ))
    }

    /// Opens the group's room unless it is open already; returns the room reference, or `None`
    /// when the platform refused it for good (recorded: it is not retried, and the members are
    /// told to meet elsewhere).
    pub(crate) async fn ensure_group_room(
        &self,
        community: &Community,
        slot: &Slot,
        group: &Group,
        members: &HashMap<MemberId, Member>,
    ) -> Result<Option<String>, JobError> {
        if let Some(room) = &group.room {
            return Ok(Some(room.clone()));
        }
        let group_members: Vec<Member> = group
            .members
            .iter()
            .filter_map(|id| members.get(id).cloned())
            .collect();
        let request = PairRoomRequest {
            platform_community_id: community.platform_community_id.clone(),
            title: room_title(slot, &group_members),
            members: group_members.iter().map(recipient).collect(),
            starts_at: slot.starts_at,
            ends_at: slot.ends_at(),
        };
        let platform = self.platform.clone();
        match self
            .effect_once(EffectKey::OpenRoom { group: group.id }, |key| async move {
                platform.open_pair_room(&request, &key).await
            })
            .await?
        {
            super::effects::EffectResult::Done(room) => {
                self.store
                    .set_group_room(group.id, &room)
                    .await
                    .map_err(JobError::unexpected)?;
                Ok(Some(room))
            }
            super::effects::EffectResult::Unreachable => Ok(None),
            super::effects::EffectResult::Failed(why) => {
                tracing::warn!(group = group.id.0, slot = slot.id.0, %why, "the group's room could not be opened");
                Ok(None)
            }
        }
    }
}

/// "ann", "ann and ben": the partners as mentions, joined the way every DM names them.
pub(super) fn mention_partners<'a>(
    mut message: OutgoingMessage,
    partners: impl IntoIterator<Item = &'a Member>,
) -> OutgoingMessage {
    for (index, partner) in partners.into_iter().enumerate() {
        if index > 0 {
            message = message.text(" and ");
        }
        message = message.mention(
            partner.platform_user_id.clone(),
            partner.display_name.clone(),
        );
    }
    message
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::model::{CommunityId, MemberId, SlotId};
    use chrono::TimeZone;

    fn member(id: i64, name: &str) -> Member {
        Member {
            id: MemberId(id),
            community_id: CommunityId(1),
            platform_user_id: format!("user-{id}"),
            display_name: name.to_string(),
            time_zone: chrono_tz::UTC,
            reminders_enabled: true,
            sessions_attended: 0,
            no_shows: 0,
            late_cancels: 0,
            created_at: chrono::Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap(),
        }
    }

    #[test]
    fn room_titles_stay_within_255_chars_whatever_the_names() {
        let slot = Slot {
            id: SlotId(1),
            community_id: CommunityId(1),
            starts_at: chrono::Utc.with_ymd_and_hms(2026, 11, 30, 9, 0, 0).unwrap(),
            length_minutes: 25,
        };
        let huge = "ü".repeat(70_000);
        for members in [
            vec![member(1, &huge)],
            vec![member(1, &huge), member(2, "ann")],
            vec![member(1, &huge), member(2, &huge), member(3, &huge)],
            (1..=10).map(|id| member(id, &huge)).collect(),
        ] {
            let title = room_title(&slot, &members);
            assert!(
                title.chars().count() <= MAX_ROOM_TITLE_CHARS,
                "{} chars",
                title.chars().count()
            );
            assert!(title.starts_with("Focus 09:00–09:25 UTC · üü"), "{title}");
        }
        let pair = room_title(&slot, &[member(1, &huge), member(2, "ann")]);
        assert!(pair.ends_with("… & ann"), "{pair}");
        assert_eq!(
            room_title(&slot, &[member(1, "ann"), member(2, "bob")]),
            "Focus 09:00–09:25 UTC · ann & bob"
        );
    }
}
