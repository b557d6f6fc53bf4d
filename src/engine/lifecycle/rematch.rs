//! The rematch, pooled across the community's sessions that start at one moment (issue 11).
//!
//! Three steps use it: the partner check at T + 2 min offers a member whose partner has not
//! arrived "Keep waiting" or "Rematch now"; a member's "Rematch now" job re-pairs them at once;
//! the attendance check re-pairs whoever is stranded. Each reads the pool afresh from the
//! database (recorded attendance, choices, seats), asks the core to pair it
//! (`core::rematch::plan_rematch`: regulars first, lengths mixed only where both members allow
//! it), stores the groups with one seat per member and start moment, and then sees every
//! rematch group of that moment through: its room opened, its members told. Both are keyed
//! by ids, so any of the three running twice (or at once: the seats' key refuses a second
//! seat, and the retry reads the first) tells nobody twice.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};

use crate::core::attendance::stranded_members;
use crate::core::message::{MessageAction, OutgoingMessage, Tone};
use crate::core::model::{Community, Group, GroupOrigin, Job, Member, MemberId, Slot, SlotId};
use crate::core::reliability::experience;
use crate::core::rematch::{
    plan_rematch, rematch_pool, waiting_for_a_partner, RematchCandidate, RematchChoice,
};
use crate::engine::effect_key::EffectKey;
use crate::engine::errors::{JobError, Shortfall};
use crate::engine::fan_out::run_each;
use crate::engine::port::PlatformError;
use crate::engine::Engine;

/// One DM of a rematch step, ready to send.
pub(super) type RematchDm = (EffectKey, Member, OutgoingMessage);

/// What the pool of one start moment looks like, read once.
struct StartMoment {
    community: Community,
    slots: Vec<Slot>,
    /// Each booked or matched member's own slot at this moment.
    slot_of: HashMap<MemberId, SlotId>,
    /// Matched groups of every slot, for presence checks.
    matched: Vec<Group>,
    choices: HashMap<MemberId, RematchChoice>,
    seated: HashSet<MemberId>,
    /// Stranded members of the slots whose attendance is decided, in slot order.
    stranded: Vec<MemberId>,
    /// Slots whose attendance check has recorded outcomes.
    checked: HashSet<SlotId>,
}

impl Engine {
    /// T + 2 min: each member present in their room while their partner(s) are not gets the
    /// choice. Skipped once the attendance check has run (the choice would come too late).
    pub(crate) async fn run_partner_check(&self, slot: &Slot) -> Result<String, JobError> {
        let snapshot = self.slot_snapshot(slot).await?;
        let decided = self
            .store
            .attendance_for_slot(slot.id)
            .await
            .map_err(JobError::unexpected)?;
        if !decided.is_empty() {
            return Ok("attendance already checked".to_string());
        }
        let choices = self
            .store
            .rematch_choices_in(&[slot.id])
            .await
            .map_err(JobError::unexpected)?;
        let by_user: HashMap<&str, MemberId> = snapshot
            .members
            .values()
            .map(|member| (member.platform_user_id.as_str(), member.id))
            .collect();
        let mut shortfall = Shortfall::default();
        let mut waiting: Vec<Member> = Vec::new();
        for group in snapshot.matched_groups() {
            let Some(room) = &group.room else { continue };
            let present = match self.platform.present_members(room).await {
                Ok(present) => present,
                Err(PlatformError::Temporary(why)) => {
                    shortfall.take::<()>(Err(JobError::effect(format!("presence:{room}"), why)))?;
                    continue;
                }
                Err(error) => {
                    tracing::warn!(group = group.id.0, %room, %error, "cannot see who is in the room; no choice offered");
                    continue;
                }
            };
            let present: HashSet<MemberId> = present
                .iter()
                .filter_map(|user| by_user.get(user.as_str()).copied())
                .collect();
            // A partner who cancelled after matching is as absent as one who is late.
            for id in waiting_for_a_partner(&group.members, &present) {
                if choices.contains_key(&id) || !snapshot.active.contains(&id) {
                    continue;
                }
                if let Some(member) = snapshot.members.get(&id) {
                    waiting.push(member.clone());
                }
            }
        }
        let count = waiting.len();
        let sent = run_each(
            self.runner.effects_in_flight,
            waiting,
            |member| async move {
                let key = EffectKey::PartnerLate {
                    slot: slot.id,
                    member: member.id,
                };
                self.send_dm_once(key, &member, partner_late_message())
                    .await
            },
        )
        .await;
        shortfall.take_all(sent)?;
        shortfall.finish(format!("{count} offered the choice"))
    }

    /// A member's "Rematch now": re-pair them with whoever else is left alone at this moment,
    /// unless they are seated already or their partner has arrived since.
    pub(crate) async fn run_rematch_now(&self, job: &Job, slot: &Slot) -> Result<String, JobError> {
        let Some(booking_id) = job.booking_id else {
            return Err(JobError::unexpected(anyhow::anyhow!(
                "job {} has no booking",
                job.key
            )));
        };
        let Some(booking) = self
            .store
            .booking(booking_id)
            .await
            .map_err(JobError::unexpected)?
        else {
            return Ok("booking gone".to_string());
        };
        let member_id = booking.member_id;
        let community = self
            .store
            .community(slot.community_id)
            .await
            .map_err(JobError::unexpected)?;
        let moment = self.start_moment(&community, slot.starts_at).await?;
        if moment.seated.contains(&member_id) {
            return Ok("already rematched".to_string());
        }
        let seed = (slot.id.0 as u64)
            .wrapping_mul(31)
            .wrapping_add(member_id.0 as u64);
        let own_slot_checked = moment
            .slot_of
            .get(&member_id)
            .is_some_and(|slot| moment.checked.contains(slot));
        let asked_now = self.still_waiting_askers(&moment).await?;
        let in_a_group = moment
            .matched
            .iter()
            .any(|group| group.members.contains(&member_id));
        // A member the prepare left alone has nobody to wait for: their ask stands.
        let still_alone = if own_slot_checked && in_a_group {
            moment.stranded.contains(&member_id)
        } else {
            asked_now.contains(&member_id)
        };
        if !still_alone {
            // Their partner came after all: they stay together.
            return Ok("partner arrived".to_string());
        }
        let mut shortfall = Shortfall::default();
        let groups = self.rematch_the_pool(moment, &asked_now, seed).await?;
        let dms = self
            .see_rematch_groups_through(&groups, &mut shortfall)
            .await?;
        let rematched = groups
            .iter()
            .any(|group| group.members.contains(&member_id));
        let mut dms = dms;
        if !rematched {
            let member = self
                .store
                .member(member_id)
                .await
                .map_err(JobError::unexpected)?;
            let check_at = slot.starts_at + community.settings.attendance_grace;
            let message = nobody_free_yet_message(&member, check_at);
            dms.push((
                EffectKey::NobodyFreeYet {
                    slot: slot.id,
                    member: member_id,
                },
                member,
                message,
            ));
        }
        self.send_rematch_dms(dms, &mut shortfall).await?;
        shortfall.finish(if rematched {
            "rematched now".to_string()
        } else {
            "nobody free yet".to_string()
        })
    }

    /// Re-pairs the pool of `slot`'s start moment and returns every rematch group of that
    /// moment; the attendance check opens their rooms and tells their members.
    pub(super) async fn rematch_at_attendance_check(
        &self,
        community: &Community,
        slot: &Slot,
    ) -> Result<(Vec<Group>, HashMap<MemberId, RematchChoice>), JobError> {
        let moment = self.start_moment(community, slot.starts_at).await?;
        let choices = moment.choices.clone();
        let seed = (slot.id.0 as u64).wrapping_mul(31).wrapping_add(1);
        let asked_now = self.still_waiting_askers(&moment).await?;
        Ok((
            self.rematch_the_pool(moment, &asked_now, seed).await?,
            choices,
        ))
    }

    /// Reads the community's sessions starting at `starts_at`: slots, who is in which, the
    /// choices, the seats, and who is stranded where attendance is decided.
    async fn start_moment(
        &self,
        community: &Community,
        starts_at: DateTime<Utc>,
    ) -> Result<StartMoment, JobError> {
        let slots = self
            .store
            .slots_starting_at(community.id, starts_at)
            .await
            .map_err(JobError::unexpected)?;
        let slot_ids: Vec<SlotId> = slots.iter().map(|slot| slot.id).collect();
        let mut slot_of = HashMap::new();
        let mut matched = Vec::new();
        let mut stranded = Vec::new();
        let mut checked = HashSet::new();
        for slot in &slots {
            for booking in self
                .store
                .active_bookings_for_slot(slot.id)
                .await
                .map_err(JobError::unexpected)?
            {
                slot_of.insert(booking.member_id, slot.id);
            }
            let groups: Vec<Group> = self
                .store
                .groups_for_slot(slot.id)
                .await
                .map_err(JobError::unexpected)?
                .into_iter()
                .filter(|group| group.origin == GroupOrigin::Matched)
                .collect();
            for group in &groups {
                for id in &group.members {
                    slot_of.entry(*id).or_insert(slot.id);
                }
            }
            let outcomes: HashMap<_, _> = self
                .store
                .attendance_for_slot(slot.id)
                .await
                .map_err(JobError::unexpected)?
                .into_iter()
                .collect();
            if !outcomes.is_empty() {
                checked.insert(slot.id);
                stranded.extend(stranded_members(groups.iter(), &outcomes));
            }
            matched.extend(groups);
        }
        let choices = self
            .store
            .rematch_choices_in(&slot_ids)
            .await
            .map_err(JobError::unexpected)?;
        let seated = self
            .store
            .rematched_members_in(&slot_ids)
            .await
            .map_err(JobError::unexpected)?;
        Ok(StartMoment {
            community: community.clone(),
            slots,
            slot_of,
            matched,
            choices,
            seated,
            stranded,
            checked,
        })
    }

    /// Pairs the moment's pool, stores the new groups with their seats, and returns every
    /// rematch group of the moment (new and earlier ones).
    async fn rematch_the_pool(
        &self,
        moment: StartMoment,
        asked_now: &[MemberId],
        seed: u64,
    ) -> Result<Vec<Group>, JobError> {
        let pool = rematch_pool(&moment.stranded, asked_now, &moment.choices, &moment.seated);
        if pool.len() >= 2 {
            let members = self.members_by_id(&pool).await?;
            let mixed = self
                .store
                .mixed_lengths_of(&pool)
                .await
                .map_err(JobError::unexpected)?;
            let length_of: HashMap<SlotId, u32> = moment
                .slots
                .iter()
                .map(|slot| (slot.id, slot.length_minutes))
                .collect();
            let candidates: Vec<RematchCandidate> = pool
                .iter()
                .filter_map(|id| {
                    let member = members.get(id)?;
                    let slot = *moment.slot_of.get(id)?;
                    Some(RematchCandidate {
                        member: *id,
                        experience: experience(member),
                        slot,
                        length_minutes: *length_of.get(&slot)?,
                        allows_mixed_lengths: mixed.get(id).copied().unwrap_or(true),
                    })
                })
                .collect();
            let starts_at = moment
                .slots
                .first()
                .map(|slot| slot.starts_at)
                .unwrap_or_else(|| self.clock.now());
            let notes = self.pair_notes(&moment.community, starts_at, &pool).await?;
            let planned = plan_rematch(&candidates, notes, seed, &self.weights);
            if !planned.is_empty() {
                // A member seated meanwhile by another job fails this write; the retry reads
                // the seats afresh.
                let created = self
                    .store
                    .create_rematch_groups(starts_at, &planned)
                    .await
                    .map_err(JobError::unexpected)?;
                let rematched = created.iter().map(|group| group.members.len()).sum();
                crate::engine::metrics::rematched(self.runner.platform, rematched);
                tracing::info!(community = %moment.community.platform_community_id, pool = pool.len(), groups = created.len(), "rematched");
            }
        }
        let mut groups = Vec::new();
        for slot in &moment.slots {
            groups.extend(
                self.store
                    .groups_for_slot(slot.id)
                    .await
                    .map_err(JobError::unexpected)?
                    .into_iter()
                    .filter(|group| group.origin == GroupOrigin::Rematch),
            );
        }
        Ok(groups)
    }

    /// Members who chose "Rematch now" and are still alone: in a slot not yet checked, their
    /// partner still absent from the room (whoever has arrived since keeps their partner).
    /// In a checked slot the attendance outcomes already say who is stranded. A member the
    /// prepare left in no group is alone whatever the slot's state: nobody can arrive.
    async fn still_waiting_askers(&self, moment: &StartMoment) -> Result<Vec<MemberId>, JobError> {
        let grouped: HashSet<MemberId> = moment
            .matched
            .iter()
            .flat_map(|group| group.members.iter().copied())
            .collect();
        let asked: Vec<MemberId> = moment
            .choices
            .iter()
            .filter(|(id, choice)| {
                **choice == RematchChoice::RematchNow && !moment.seated.contains(id)
            })
            .map(|(id, _)| *id)
            .filter(|id| moment.slot_of.contains_key(id))
            .collect();
        let (mut alone, askers): (Vec<MemberId>, Vec<MemberId>) =
            asked.into_iter().partition(|id| !grouped.contains(id));
        let askers: Vec<MemberId> = askers
            .into_iter()
            .filter(|id| {
                moment
                    .slot_of
                    .get(id)
                    .is_some_and(|slot| !moment.checked.contains(slot))
            })
            .collect();
        if askers.is_empty() {
            alone.sort();
            return Ok(alone);
        }
        for group in &moment.matched {
            let askers_here: Vec<MemberId> = askers
                .iter()
                .copied()
                .filter(|id| group.members.contains(id))
                .collect();
            if askers_here.is_empty() {
                continue;
            }
            let Some(room) = &group.room else {
                // No room to meet in: nobody can arrive, so they are alone.
                alone.extend(askers_here);
                continue;
            };
            let present_users: HashSet<String> = match self.platform.present_members(room).await {
                Ok(present) => present.into_iter().collect(),
                Err(PlatformError::Temporary(why)) => {
                    return Err(JobError::effect(format!("presence:{room}"), why))
                }
                // The bot cannot see the room: it takes the member's word for it.
                Err(_) => {
                    alone.extend(askers_here);
                    continue;
                }
            };
            let members = self.members_by_id(&group.members).await?;
            let present: HashSet<MemberId> = members
                .values()
                .filter(|member| present_users.contains(&member.platform_user_id))
                .map(|member| member.id)
                .collect();
            for id in askers_here {
                let partners_here = group
                    .members
                    .iter()
                    .any(|other| *other != id && present.contains(other));
                if !partners_here {
                    alone.push(id);
                }
            }
        }
        alone.sort();
        Ok(alone)
    }

    /// Opens each rematch group's room (once) and returns the DMs telling its members, keyed
    /// per group and member so a member is told once whichever job gets there first.
    pub(super) async fn see_rematch_groups_through(
        &self,
        groups: &[Group],
        shortfall: &mut Shortfall,
    ) -> Result<Vec<RematchDm>, JobError> {
        let ids: Vec<MemberId> = groups
            .iter()
            .flat_map(|group| group.members.iter().copied())
            .collect();
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let members = self.members_by_id(&ids).await?;
        let mut slots: HashMap<SlotId, Slot> = HashMap::new();
        for group in groups {
            if !slots.contains_key(&group.slot_id) {
                let slot = self
                    .store
                    .slot(group.slot_id)
                    .await
                    .map_err(JobError::unexpected)?;
                slots.insert(slot.id, slot);
            }
        }
        let Some(any_slot) = slots.values().next() else {
            return Ok(Vec::new());
        };
        let community = self
            .store
            .community(any_slot.community_id)
            .await
            .map_err(JobError::unexpected)?;
        // Each member's own session length, to say when a shorter shared session ends.
        let mut own_length: HashMap<MemberId, u32> = HashMap::new();
        let mut bookings_starting_then = Vec::new();
        // Who had a partner from the prepare: the others were left alone, not let down.
        let mut had_a_partner: HashSet<MemberId> = HashSet::new();
        for slot in self
            .store
            .slots_starting_at(community.id, any_slot.starts_at)
            .await
            .map_err(JobError::unexpected)?
        {
            for group in self
                .store
                .groups_for_slot(slot.id)
                .await
                .map_err(JobError::unexpected)?
                .into_iter()
                .filter(|group| group.origin == GroupOrigin::Matched && group.members.len() >= 2)
            {
                had_a_partner.extend(group.members);
            }
            for booking in self
                .store
                .active_bookings_for_slot(slot.id)
                .await
                .map_err(JobError::unexpected)?
            {
                own_length.insert(booking.member_id, slot.length_minutes);
                bookings_starting_then.push(booking);
            }
        }
        // The modes members named, for the card, as on the first announcement (issue 11).
        let named_modes = self
            .named_session_modes_by_member(&bookings_starting_then)
            .await?;
        let rooms = shortfall.take_all(
            run_each(self.runner.effects_in_flight, groups, |group| {
                let slot = &slots[&group.slot_id];
                self.ensure_group_room(&community, slot, group, &members)
            })
            .await,
        )?;
        let mut dms = Vec::new();
        for (group, room) in groups.iter().zip(rooms) {
            // `None`: failed for now, retried later.
            let Some(room) = room else { continue };
            let slot = &slots[&group.slot_id];
            let group_members: Vec<Member> = group
                .members
                .iter()
                .filter_map(|id| members.get(id).cloned())
                .collect();
            let title = super::room_title(slot, &group_members);
            for member in &group_members {
                let partners = group_members.iter().filter(|other| other.id != member.id);
                let (key, message) = match &room {
                    Some(room) => {
                        let longer = own_length
                            .get(&member.id)
                            .is_some_and(|own| *own > slot.length_minutes);
                        let partner_list: Vec<&Member> = partners.clone().collect();
                        (
                            EffectKey::Rematch {
                                group: group.id,
                                member: member.id,
                            },
                            crate::engine::session_choices::session_mode_field(
                                rematch_message(
                                    partners,
                                    room,
                                    &title,
                                    member,
                                    slot,
                                    longer,
                                    had_a_partner.contains(&member.id),
                                ),
                                &community,
                                &named_modes,
                                member,
                                &partner_list,
                            ),
                        )
                    }
                    None => (
                        EffectKey::NoRoom {
                            group: group.id,
                            member: member.id,
                        },
                        super::no_room_message(member, slot, partners),
                    ),
                };
                dms.push((key, member.clone(), message));
            }
        }
        Ok(dms)
    }

    /// Sends the DMs, each to its own end.
    pub(super) async fn send_rematch_dms(
        &self,
        dms: Vec<RematchDm>,
        shortfall: &mut Shortfall,
    ) -> Result<(), JobError> {
        shortfall.take_all(
            run_each(
                self.runner.effects_in_flight,
                dms,
                |(key, member, message)| async move {
                    self.send_dm_once(key, &member, message).await
                },
            )
            .await,
        )?;
        Ok(())
    }
}

/// "Your partner isn't here yet" with the two actions.
pub fn partner_late_message() -> OutgoingMessage {
    OutgoingMessage::new()
        .titled("Your partner isn't here yet")
        .tone(Tone::Problem)
        .text("Your partner hasn't joined the room yet. Keep waiting for them, or I can pair you with someone else who is free right now (they may be on a longer or shorter session; you'd share the minutes you have in common).")
        .action(MessageAction::KeepWaiting)
        .action(MessageAction::RematchNow)
}

/// "Nobody else is free yet — I'll look again at HH:MM."
fn nobody_free_yet_message(member: &Member, check_at: DateTime<Utc>) -> OutgoingMessage {
    OutgoingMessage::new()
        .titled("Nobody else is free yet")
        .tone(Tone::Problem)
        .text("Nobody else is free at the moment. Stay in your room: I'll look again at ")
        .time(check_at, member.time_zone)
        .text(", and if your partner comes in the meantime, you're all set.")
}

/// "New partner — join your room": the new partner(s), the room, and when a shorter shared
/// session ends for the member whose own session is longer.
pub(super) fn rematch_message<'a>(
    partners: impl Iterator<Item = &'a Member>,
    room: &str,
    title: &str,
    member: &Member,
    slot: &Slot,
    longer_than_the_room: bool,
    had_a_partner: bool,
) -> OutgoingMessage {
    let mut message = OutgoingMessage::new()
        .titled("New partner! Join your room")
        .tone(Tone::Start);
    // A member the prepare left alone was not let down: they were found someone after all.
    let why = if had_a_partner {
        "Your partner didn't make it, so I re-paired you"
    } else {
        "I found you a partner after all"
    };
    message = if longer_than_the_room {
        message
            .text(format!(
                "{why}{} on a {}-minute session: you share the room until ",
                if had_a_partner {
                    " with someone"
                } else {
                    ", someone"
                },
                slot.length_minutes
            ))
            .time(slot.ends_at(), member.time_zone)
            .text(", then your own session goes on.")
    } else {
        message.text(format!("{why}. Same end time."))
    };
    message
        .field(
            "With",
            super::mention_partners(OutgoingMessage::new(), partners),
        )
        .field(
            "Room",
            OutgoingMessage::new().room(room.to_string(), title.to_string()),
        )
        .join_room(room.to_string(), title.to_string())
}

/// "Still waiting, as you asked" at the attendance check, with the other choice.
pub(super) fn kept_waiting_message() -> OutgoingMessage {
    OutgoingMessage::new()
        .titled("Still waiting for your partner")
        .tone(Tone::Problem)
        .text("Your partner hasn't come yet. As you asked, your room stays yours to wait in; this session still counts for you. Changed your mind?")
        .action(MessageAction::RematchNow)
}
