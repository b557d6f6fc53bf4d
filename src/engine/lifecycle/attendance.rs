//! Attendance check (T + grace): who is in their room? Absent members are no-shows — unless the
//! bot itself was late (downtime), which is never held against anyone. Members left alone are
//! re-paired among themselves, or told plainly that nobody is free.
//!
//! The decisions (outcome per member, who is stranded) are the core's (`core::attendance`);
//! this file gathers their facts, records them, and performs the effects.

use std::collections::{HashMap, HashSet};

use super::SlotSnapshot;
use crate::core::attendance::{
    attendance_outcome, outcome_when_presence_unknown, stranded_members,
};
use crate::core::message::{MessageAction, OutgoingMessage, Tone};
use crate::core::model::{AttendanceOutcome, Group, GroupOrigin, Member, MemberId, Slot};
use crate::core::schedule::{Lateness, ON_TIME_TOLERANCE};
use crate::engine::effect_key::EffectKey;
use crate::engine::effects::EffectResult;
use crate::engine::errors::{JobError, Shortfall};
use crate::engine::fan_out::run_each;
use crate::engine::port::PlatformError;
use crate::engine::Engine;

/// One DM of the attendance check, ready to send.
type Dm<'a> = (EffectKey, &'a Member, OutgoingMessage);

impl Engine {
    pub(crate) async fn run_attendance_check(
        &self,
        slot: &Slot,
        lateness: Lateness,
    ) -> Result<String, JobError> {
        let snapshot = self.slot_snapshot(slot).await?;
        // Every group and every DM is carried to its own end; what failed is retried alone.
        let mut shortfall = Shortfall::default();
        let outcomes = self
            .decide_attendance(&snapshot, slot, lateness, &mut shortfall)
            .await?;
        let matched = snapshot.matched_groups();
        let stranded: Vec<Member> =
            snapshot.members_of(&stranded_members(matched.iter().copied(), &outcomes));
        let stranded_by_id: HashMap<MemberId, Member> = stranded
            .iter()
            .map(|member| (member.id, member.clone()))
            .collect();
        let (rematch_groups, rematch_dms) = self
            .rematch_stranded(&snapshot, slot, &stranded, &stranded_by_id, &mut shortfall)
            .await?;
        let mut dms = rematch_dms;
        dms.extend(tell_the_missing(
            &snapshot,
            slot,
            &stranded,
            &rematch_groups,
            &outcomes,
        ));
        shortfall.take_all(
            run_each(
                self.runner.effects_in_flight,
                dms,
                |(key, member, message)| async move { self.send_dm_once(key, member, message).await },
            )
            .await,
        )?;

        let count = |wanted: AttendanceOutcome| {
            outcomes
                .values()
                .filter(|outcome| **outcome == wanted)
                .count()
        };
        shortfall.finish(format!(
            "{} present, {} no-show, {} excused, {} stranded, {} rematch groups",
            count(AttendanceOutcome::Attended),
            count(AttendanceOutcome::NoShow),
            count(AttendanceOutcome::Excused),
            stranded.len(),
            rematch_groups.len()
        ))
    }

    /// Every booked member of a matched group gets an outcome, recorded before anything is
    /// done about it. Recorded outcomes are the decision: a retry reads them back instead of
    /// asking the platform again, so a crash mid-check cannot flip someone from present to
    /// absent.
    async fn decide_attendance(
        &self,
        snapshot: &SlotSnapshot,
        slot: &Slot,
        lateness: Lateness,
        shortfall: &mut Shortfall,
    ) -> Result<HashMap<MemberId, AttendanceOutcome>, JobError> {
        let mut outcomes: HashMap<MemberId, AttendanceOutcome> = self
            .store
            .attendance_for_slot(slot.id)
            .await
            .map_err(JobError::unexpected)?
            .into_iter()
            .collect();
        for group in snapshot.matched_groups() {
            let undecided: Vec<MemberId> = group
                .members
                .iter()
                .copied()
                .filter(|id| snapshot.active.contains(id) && !outcomes.contains_key(id))
                .collect();
            if undecided.is_empty() {
                continue;
            }
            // `None`: the platform refused for good to say who is there.
            let present: Option<HashSet<String>> = match &group.room {
                Some(room) => match self.platform.present_members(room).await {
                    Ok(present) => Some(present.into_iter().collect()),
                    Err(PlatformError::Temporary(why)) => {
                        // This group is decided at the retry; the others are not held up.
                        shortfall
                            .take::<()>(Err(JobError::effect(format!("presence:{room}"), why)))?;
                        continue;
                    }
                    Err(error) => {
                        tracing::warn!(group = group.id.0, %room, %error, "cannot see who is in the room; its members are excused");
                        None
                    }
                },
                None => Some(HashSet::new()),
            };
            for member_id in undecided {
                let Some(member) = snapshot.members.get(&member_id) else {
                    continue;
                };
                let Some(present) = &present else {
                    let outcome = outcome_when_presence_unknown();
                    self.store
                        .record_attendance(slot.id, member_id, outcome, self.clock.now())
                        .await
                        .map_err(JobError::unexpected)?;
                    outcomes.insert(member_id, outcome);
                    continue;
                };
                let is_present = present.contains(&member.platform_user_id);
                // Asked only where it can matter: an absent member with a room, checked on time.
                let told_room_on_time = !is_present
                    && lateness == Lateness::OnTime
                    && group.room.is_some()
                    && self.announced_on_time(slot, group, member).await?;
                let outcome = attendance_outcome(is_present, lateness, told_room_on_time);
                self.store
                    .record_attendance(slot.id, member_id, outcome, self.clock.now())
                    .await
                    .map_err(JobError::unexpected)?;
                outcomes.insert(member_id, outcome);
            }
        }
        Ok(outcomes)
    }

    /// Pairs the stranded members among themselves (once per slot: stored rematch groups are
    /// the decision), opens their rooms, and returns the rematch groups with the DMs telling
    /// their members.
    async fn rematch_stranded<'a>(
        &self,
        snapshot: &SlotSnapshot,
        slot: &Slot,
        stranded: &[Member],
        stranded_by_id: &'a HashMap<MemberId, Member>,
        shortfall: &mut Shortfall,
    ) -> Result<(Vec<Group>, Vec<Dm<'a>>), JobError> {
        let mut rematch_groups: Vec<Group> = snapshot
            .groups
            .iter()
            .filter(|group| group.origin == GroupOrigin::Rematch)
            .cloned()
            .collect();
        if rematch_groups.is_empty() && stranded.len() >= 2 {
            let seed = (slot.id.0 as u64).wrapping_mul(31).wrapping_add(1);
            let outcome = self
                .match_these_members(&snapshot.community, slot, stranded, seed)
                .await?;
            rematch_groups = self
                .store
                .create_groups(slot.id, GroupOrigin::Rematch, &outcome.groups)
                .await
                .map_err(JobError::unexpected)?;
        }
        let rooms = shortfall.take_all(
            run_each(self.runner.effects_in_flight, &rematch_groups, |group| {
                self.ensure_group_room(&snapshot.community, slot, group, stranded_by_id)
            })
            .await,
        )?;
        let mut dms = Vec::new();
        for (group, room) in rematch_groups.iter().zip(rooms) {
            // `None`: failed for now, retried later.
            let Some(room) = room else {
                continue;
            };
            let group_members: Vec<&Member> = group
                .members
                .iter()
                .filter_map(|id| stranded_by_id.get(id))
                .collect();
            let title = super::room_title(
                slot,
                &group_members.iter().copied().cloned().collect::<Vec<_>>(),
            );
            for member in &group_members {
                let partners = group_members.iter().filter(|other| other.id != member.id);
                let (key, message) = match &room {
                    Some(room) => (
                        EffectKey::Rematch {
                            group: group.id,
                            member: member.id,
                        },
                        rematch_message(partners.copied(), room, &title),
                    ),
                    // Refused for good: tell them plainly where to meet instead.
                    None => (
                        EffectKey::NoRoom {
                            group: group.id,
                            member: member.id,
                        },
                        super::no_room_message(member, slot, partners.copied()),
                    ),
                };
                dms.push((key, *member, message));
            }
        }
        Ok((rematch_groups, dms))
    }

    /// A member only owes attendance if they were told their room on time.
    async fn announced_on_time(
        &self,
        slot: &Slot,
        group: &Group,
        member: &Member,
    ) -> Result<bool, JobError> {
        let key = EffectKey::Announce {
            group: group.id,
            member: member.id,
        };
        let record = self
            .store
            .effect(&key.to_string())
            .await
            .map_err(JobError::unexpected)?;
        // Told means delivered: an unreachable member, or a DM the platform refused, was not.
        Ok(record.is_some_and(|record| {
            record.recorded_at <= slot.starts_at + ON_TIME_TOLERANCE
                && EffectResult::from_record(record.result).is_done()
        }))
    }
}

/// The DMs for those not rematched: stranded members nobody was free for, and no-shows.
fn tell_the_missing<'a>(
    snapshot: &'a SlotSnapshot,
    slot: &Slot,
    stranded: &'a [Member],
    rematch_groups: &[Group],
    outcomes: &HashMap<MemberId, AttendanceOutcome>,
) -> Vec<Dm<'a>> {
    let rematched: HashSet<MemberId> = rematch_groups
        .iter()
        .flat_map(|group| group.members.iter().copied())
        .collect();
    let alone = stranded
        .iter()
        .filter(|member| !rematched.contains(&member.id))
        .map(|member| {
            let message = OutgoingMessage::new()
                .titled("Your partner didn't make it")
                .tone(Tone::Problem)
                .text(
                    "Nobody else is free right now. Keep going in your room — this session still counts for you.",
                );
            let key = EffectKey::Stranded {
                slot: slot.id,
                member: member.id,
            };
            (key, member, message)
        });
    let missed = outcomes
        .iter()
        .filter(|(_, outcome)| **outcome == AttendanceOutcome::NoShow)
        .filter_map(|(member_id, _)| snapshot.members.get(member_id))
        .map(|member| {
            let message = OutgoingMessage::new()
                .titled("We missed you")
                .tone(Tone::Problem)
                .text("We missed you at ")
                .time(slot.starts_at, member.time_zone)
                .text(". Your partner has been looked after. If something came up, cancelling ahead frees them sooner.")
                .action(MessageAction::BookAnother);
            let key = EffectKey::Missed {
                slot: slot.id,
                member: member.id,
            };
            (key, member, message)
        });
    alone.chain(missed).collect()
}

/// "New partner — join your room": the new partner(s) and room, and one button.
fn rematch_message<'a>(
    partners: impl Iterator<Item = &'a Member>,
    room: &str,
    title: &str,
) -> OutgoingMessage {
    OutgoingMessage::new()
        .titled("New partner! Join your room")
        .tone(Tone::Start)
        .text("Your partner didn't make it, so I re-paired you. Same end time.")
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
