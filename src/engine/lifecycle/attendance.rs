//! Attendance check (T + grace): who is in their room? Absent members are no-shows — unless the
//! bot itself was late (downtime), which is never held against anyone. Members left alone are
//! re-paired with the others left alone at that moment (`rematch.rs`: every session length,
//! regulars first), or told plainly that nobody is free.
//!
//! The decisions (outcome per member, who is stranded) are the core's (`core::attendance`);
//! this file gathers their facts, records them, and performs the effects.

use std::collections::{HashMap, HashSet};

use super::SlotSnapshot;
use crate::core::attendance::{
    attendance_outcome, outcome_when_presence_unknown, stranded_members,
};
use crate::core::message::{MessageAction, OutgoingMessage, Tone};
use crate::core::model::{AttendanceOutcome, Group, Member, MemberId, Slot};
use crate::core::rematch::RematchChoice;
use crate::core::schedule::{Lateness, ON_TIME_TOLERANCE};
use crate::engine::effect_key::EffectKey;
use crate::engine::effects::EffectResult;
use crate::engine::errors::{JobError, Shortfall};
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
        // Sessions of other lengths that start at this moment are checked now too (their own
        // checks read the recorded outcomes back), so whoever is stranded in any of them is in
        // this rematch's pool rather than told "nobody is free" first.
        for sibling in self
            .store
            .slots_starting_at(slot.community_id, slot.starts_at)
            .await
            .map_err(JobError::unexpected)?
            .into_iter()
            .filter(|sibling| sibling.id != slot.id)
        {
            let sibling_snapshot = self.slot_snapshot(&sibling).await?;
            self.decide_attendance(&sibling_snapshot, &sibling, lateness, &mut shortfall)
                .await?;
        }
        let matched = snapshot.matched_groups();
        let stranded: Vec<Member> =
            snapshot.members_of(&stranded_members(matched.iter().copied(), &outcomes));
        // The pool is the whole start moment: stranded members of every length, and those who
        // chose "Rematch now"; not those who chose to keep waiting.
        let (rematch_groups, choices) = self
            .rematch_at_attendance_check(&snapshot.community, slot)
            .await?;
        let mut dms = self
            .see_rematch_groups_through(&rematch_groups, &mut shortfall)
            .await?;
        dms.extend(
            tell_the_missing(
                &snapshot,
                slot,
                &stranded,
                &rematch_groups,
                &outcomes,
                &choices,
            )
            .into_iter()
            .map(|(key, member, message)| (key, member.clone(), message)),
        );
        self.send_rematch_dms(dms, &mut shortfall).await?;

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
                if outcome == AttendanceOutcome::NoShow {
                    crate::engine::metrics::no_shows(self.runner.platform, 1);
                }
                outcomes.insert(member_id, outcome);
            }
        }
        Ok(outcomes)
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
    choices: &HashMap<MemberId, RematchChoice>,
) -> Vec<Dm<'a>> {
    let rematched: HashSet<MemberId> = rematch_groups
        .iter()
        .flat_map(|group| group.members.iter().copied())
        .collect();
    let kept_waiting =
        |member: &&Member| choices.get(&member.id) == Some(&RematchChoice::KeepWaiting);
    let waiting = stranded
        .iter()
        .filter(|member| !rematched.contains(&member.id))
        .filter(kept_waiting)
        .map(|member| {
            let key = EffectKey::KeptWaiting {
                slot: slot.id,
                member: member.id,
            };
            (key, member, super::rematch::kept_waiting_message())
        });
    let alone = stranded
        .iter()
        .filter(|member| !rematched.contains(&member.id))
        .filter(|member| !kept_waiting(member))
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
    alone.chain(waiting).chain(missed).collect()
}
