//! Announce (T): each member learns their partner(s) and room.

use super::SlotSnapshot;
use crate::core::message::{OutgoingMessage, Tone};
use crate::core::model::{Member, Slot};
use crate::engine::effect_key::EffectKey;
use crate::engine::errors::{JobError, Shortfall};
use crate::engine::fan_out::run_each;
use crate::engine::Engine;

impl Engine {
    /// Every group is carried to its own end: a group whose room fails temporarily is retried
    /// later (alone), a group whose room the platform refused for good is told to meet in the
    /// lobby, and every other group is announced regardless.
    pub(crate) async fn run_announce(&self, slot: &Slot) -> Result<String, JobError> {
        let snapshot = self.slot_snapshot(slot).await?;
        let SlotSnapshot {
            community,
            active,
            members,
            ..
        } = &snapshot;
        let matched = snapshot.matched_groups();
        // The session modes members named, for the card (issue 11).
        let named_modes = self
            .named_session_modes_by_member(&snapshot.bookings)
            .await?;
        let mut shortfall = Shortfall::default();
        // The prepare job normally opened them; after downtime it may not have.
        let rooms = shortfall.take_all(
            run_each(self.runner.effects_in_flight, &matched, |group| {
                self.ensure_group_room(community, slot, group, members)
            })
            .await,
        )?;
        let mut messages = Vec::new();
        // Each group with its room, for the one community post when DMs cannot all arrive in time.
        let mut post_lines = Vec::new();
        let mut without_room = 0;
        for (group, room) in matched.iter().zip(rooms) {
            // `None`: this group's room failed for now; the retry comes back for it.
            let Some(room) = room else {
                continue;
            };
            let title = super::room_title(slot, &snapshot.members_of(&group.members));
            if let Some(room) = &room {
                let present: Vec<&Member> = group
                    .members
                    .iter()
                    .filter(|id| active.contains(id))
                    .filter_map(|id| members.get(id))
                    .collect();
                if !present.is_empty() {
                    post_lines.push((present, room.clone(), title.clone()));
                }
            }
            for member_id in group.members.iter().filter(|id| active.contains(id)) {
                let Some(member) = members.get(member_id) else {
                    continue;
                };
                let partners: Vec<_> = group
                    .members
                    .iter()
                    .filter(|id| *id != member_id && active.contains(id))
                    .filter_map(|id| members.get(id))
                    .collect();
                let (key, message) = match &room {
                    Some(room) => (
                        EffectKey::Announce {
                            group: group.id,
                            member: member.id,
                        },
                        crate::engine::session_choices::session_mode_field(
                            announcement(slot, member, &partners, room, &title),
                            community,
                            &named_modes,
                            member,
                            &partners,
                        ),
                    ),
                    None => {
                        without_room += 1;
                        (
                            EffectKey::NoRoom {
                                group: group.id,
                                member: member.id,
                            },
                            super::no_room_message(member, slot, partners.iter().copied()),
                        )
                    }
                };
                messages.push((key, member, message));
            }
        }
        let announced = messages.len() - without_room;
        let post = EffectKey::CommunityAnnounce { slot: slot.id };
        let mut by_post = false;
        if self
            .use_community_post(post, announced, slot.starts_at + ANNOUNCE_DEADLINE)
            .await?
        {
            let covered: Vec<EffectKey> = messages
                .iter()
                .map(|(key, _, _)| *key)
                .filter(|key| matches!(key, EffectKey::Announce { .. }))
                .collect();
            by_post = self
                .post_once_covering(
                    community,
                    post,
                    announcement_post(slot, &post_lines),
                    &covered,
                )
                .await?;
            if by_post {
                messages.retain(|(key, _, _)| !covered.contains(key));
            }
        }
        shortfall.take_all(
            run_each(
                self.runner.effects_in_flight,
                messages,
                |(key, member, message)| async move { self.send_dm_once(key, member, message).await },
            )
            .await,
        )?;
        let mut summary = format!("announced to {announced} members");
        if by_post {
            summary.push_str(" in one community post");
        }
        if without_room > 0 {
            summary.push_str(&format!(
                "; {without_room} told their room couldn't be opened"
            ));
        }
        shortfall.finish(summary)
    }
}

/// Announcements are due at T; a plan that cannot deliver every DM within this of T posts once
/// in the community room instead.
const ANNOUNCE_DEADLINE: chrono::Duration = chrono::Duration::seconds(30);

/// "🎯 It's time! Partners and rooms: • @ann and @ben — join #room …", one line per group.
fn announcement_post(slot: &Slot, groups: &[(Vec<&Member>, String, String)]) -> OutgoingMessage {
    let mut message = OutgoingMessage::new().text(format!(
        "🎯 It's time! The {}-minute focus session starts now. Your partners and rooms:",
        slot.length_minutes
    ));
    for (group, room, title) in groups {
        message = super::mention_partners(message.text("\n• "), group.iter().copied())
            .text(" — join ")
            .room(room.clone(), title.clone());
    }
    message.text("\n(Too many of you for a DM each in time on this homeserver, so it's all here.)")
}

/// "It's time! Join your room": the partner(s), the room and the end time, and one button.
fn announcement(
    slot: &Slot,
    member: &Member,
    partners: &[&Member],
    room: &str,
    title: &str,
) -> OutgoingMessage {
    let message = OutgoingMessage::new()
        .titled("It's time! Join your room")
        .tone(Tone::Start);
    let message = if partners.is_empty() {
        // Everyone else cancelled after matching: the attendance check re-pairs stranded
        // members, so say that instead of naming a partner who won't come.
        message.text(
            "Your partner cancelled at the last minute. Join anyway — if anyone else is left without a partner, I'll pair you in a few minutes.",
        )
    } else {
        message.field(
            "With",
            super::mention_partners(OutgoingMessage::new(), partners.iter().copied()),
        )
    };
    message
        .field(
            "Room",
            OutgoingMessage::new().room(room.to_string(), title.to_string()),
        )
        .field(
            "Until",
            OutgoingMessage::new()
                .time(slot.ends_at(), member.time_zone)
                .text(format!(" ({} min)", slot.length_minutes)),
        )
        .join_room(room.to_string(), title.to_string())
}
