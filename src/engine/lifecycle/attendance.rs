//! Attendance check (T + grace): who is in their room? Absent members are no-shows — unless the
//! bot itself was late (downtime), which is never held against anyone. Members left alone are
//! re-paired among themselves, or told plainly that nobody is free.

use std::collections::{HashMap, HashSet};

use crate::core::message::OutgoingMessage;
use crate::core::model::{AttendanceOutcome, Group, GroupOrigin, Member, MemberId, Slot};
use crate::core::schedule::{Lateness, ON_TIME_TOLERANCE};
use crate::engine::effect_key::EffectKey;
use crate::engine::errors::JobError;
use crate::engine::port::PlatformError;
use crate::engine::Engine;

impl Engine {
    pub(crate) async fn run_attendance_check(
        &self,
        slot: &Slot,
        lateness: Lateness,
    ) -> Result<String, JobError> {
        let community = self
            .store
            .community(slot.community_id)
            .await
            .map_err(JobError::unexpected)?;
        let active: HashSet<MemberId> = self
            .store
            .active_bookings_for_slot(slot.id)
            .await
            .map_err(JobError::unexpected)?
            .into_iter()
            .map(|booking| booking.member_id)
            .collect();
        let groups = self
            .store
            .groups_for_slot(slot.id)
            .await
            .map_err(JobError::unexpected)?;
        let matched: Vec<&Group> = groups
            .iter()
            .filter(|group| group.origin == GroupOrigin::Matched)
            .collect();
        let all_ids: Vec<MemberId> = matched
            .iter()
            .flat_map(|group| group.members.iter().copied())
            .collect();
        let members = self.members_by_id(&all_ids).await?;

        // Recorded outcomes are the decision: a retry reads them back instead of asking the
        // platform again, so a crash mid-check cannot flip someone from present to absent.
        let mut outcomes: HashMap<MemberId, AttendanceOutcome> = self
            .store
            .attendance_for_slot(slot.id)
            .await
            .map_err(JobError::unexpected)?
            .into_iter()
            .collect();
        for group in &matched {
            let undecided: Vec<MemberId> = group
                .members
                .iter()
                .copied()
                .filter(|id| active.contains(id) && !outcomes.contains_key(id))
                .collect();
            if undecided.is_empty() {
                continue;
            }
            let present: HashSet<String> = match &group.room {
                Some(room) => self
                    .platform
                    .present_members(room)
                    .await
                    .map_err(platform_retry)?
                    .into_iter()
                    .collect(),
                None => HashSet::new(),
            };
            for member_id in undecided {
                let Some(member) = members.get(&member_id) else {
                    continue;
                };
                let outcome = if present.contains(&member.platform_user_id) {
                    AttendanceOutcome::Attended
                } else if lateness == Lateness::Delayed
                    || group.room.is_none()
                    || !self.announced_on_time(slot, group, member).await?
                {
                    AttendanceOutcome::Excused
                } else {
                    AttendanceOutcome::NoShow
                };
                self.store
                    .record_attendance(slot.id, member_id, outcome, self.clock.now())
                    .await
                    .map_err(JobError::unexpected)?;
                outcomes.insert(member_id, outcome);
            }
        }

        let stranded: Vec<Member> = matched
            .iter()
            .filter(|group| group.members.len() >= 2)
            .filter_map(|group| {
                let present: Vec<MemberId> = group
                    .members
                    .iter()
                    .copied()
                    .filter(|id| outcomes.get(id) == Some(&AttendanceOutcome::Attended))
                    .collect();
                (present.len() == 1)
                    .then(|| members.get(&present[0]).cloned())
                    .flatten()
            })
            .collect();

        let mut rematch_groups: Vec<Group> = groups
            .iter()
            .filter(|group| group.origin == GroupOrigin::Rematch)
            .cloned()
            .collect();
        if rematch_groups.is_empty() && stranded.len() >= 2 {
            let seed = (slot.id.0 as u64).wrapping_mul(31).wrapping_add(1);
            let outcome = self
                .match_these_members(&community, slot, &stranded, seed)
                .await?;
            rematch_groups = self
                .store
                .create_groups(slot.id, GroupOrigin::Rematch, &outcome.groups)
                .await
                .map_err(JobError::unexpected)?;
        }
        let stranded_map: HashMap<MemberId, Member> = stranded
            .iter()
            .map(|member| (member.id, member.clone()))
            .collect();
        for group in &rematch_groups {
            let Some(room) = self
                .ensure_group_room(&community, slot, group, &stranded_map)
                .await?
            else {
                continue;
            };
            let group_members: Vec<Member> = group
                .members
                .iter()
                .filter_map(|id| stranded_map.get(id).cloned())
                .collect();
            let title = super::room_title(slot, &group_members);
            for member in &group_members {
                let mut message = OutgoingMessage::new()
                    .text("🔁 Your partner didn't make it, so I re-paired you: you're now with ");
                for (index, partner) in group_members
                    .iter()
                    .filter(|other| other.id != member.id)
                    .enumerate()
                {
                    if index > 0 {
                        message = message.text(" and ");
                    }
                    message = message.mention(
                        partner.platform_user_id.clone(),
                        partner.display_name.clone(),
                    );
                }
                message = message
                    .text(" — join ")
                    .room(room.clone(), title.clone())
                    .text(". Same end time.");
                self.send_dm_once(
                    EffectKey::Rematch {
                        group: group.id,
                        member: member.id,
                    },
                    member,
                    message,
                )
                .await?;
            }
        }

        let rematched: HashSet<MemberId> = rematch_groups
            .iter()
            .flat_map(|group| group.members.iter().copied())
            .collect();
        for member in stranded
            .iter()
            .filter(|member| !rematched.contains(&member.id))
        {
            let message = OutgoingMessage::new().text(
                "Your partner didn't make it and nobody else is free right now. Keep going in your room — this session still counts for you.",
            );
            self.send_dm_once(
                EffectKey::Stranded {
                    slot: slot.id,
                    member: member.id,
                },
                member,
                message,
            )
            .await?;
        }
        for (member_id, _) in outcomes
            .iter()
            .filter(|(_, outcome)| **outcome == AttendanceOutcome::NoShow)
        {
            let Some(member) = members.get(member_id) else {
                continue;
            };
            let message = OutgoingMessage::new()
                .text("We missed you at ")
                .time(slot.starts_at, member.time_zone)
                .text(". Your partner has been looked after. If something came up, cancelling ahead frees them sooner.");
            self.send_dm_once(
                EffectKey::Missed {
                    slot: slot.id,
                    member: member.id,
                },
                member,
                message,
            )
            .await?;
        }

        let count = |wanted: AttendanceOutcome| {
            outcomes
                .values()
                .filter(|outcome| **outcome == wanted)
                .count()
        };
        Ok(format!(
            "{} present, {} no-show, {} excused, {} stranded, {} rematch groups",
            count(AttendanceOutcome::Attended),
            count(AttendanceOutcome::NoShow),
            count(AttendanceOutcome::Excused),
            stranded.len(),
            rematch_groups.len()
        ))
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
        Ok(record.is_some_and(|record| record.recorded_at <= slot.starts_at + ON_TIME_TOLERANCE))
    }
}

fn platform_retry(error: PlatformError) -> JobError {
    JobError::Retry(format!("presence: {error}"))
}
