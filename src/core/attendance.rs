//! The attendance check's decisions: who attended, who was a no-show, who is stranded. The
//! engine gathers the facts (who is in the room, who was told on time) and records the result.
//!
//! The rule that matters: the bot's lateness is never a member's fault. A no-show is decided
//! only when the member was told their room on time and the check itself runs on time.

use std::collections::HashMap;

use super::model::{AttendanceOutcome, Group, MemberId};
use super::schedule::Lateness;

/// One member's outcome. `told_room_on_time` is whether the member's room exists and they were
/// told it on time (it is not consulted for a member who is present).
pub fn attendance_outcome(
    present: bool,
    check: Lateness,
    told_room_on_time: bool,
) -> AttendanceOutcome {
    if present {
        AttendanceOutcome::Attended
    } else if check == Lateness::Delayed || !told_room_on_time {
        AttendanceOutcome::Excused
    } else {
        AttendanceOutcome::NoShow
    }
}

/// The outcome of a member whose room's presence the platform refused to show for good (a
/// deleted room, a revoked permission): the bot cannot tell, so it is never held against them.
pub fn outcome_when_presence_unknown() -> AttendanceOutcome {
    AttendanceOutcome::Excused
}

/// Members left alone: the one attendee of a pair or trio whose other members did not come,
/// in the groups' order. `groups` are the slot's matched groups.
pub fn stranded_members<'a>(
    groups: impl IntoIterator<Item = &'a Group>,
    outcomes: &HashMap<MemberId, AttendanceOutcome>,
) -> Vec<MemberId> {
    groups
        .into_iter()
        .filter(|group| group.members.len() >= 2)
        .filter_map(|group| {
            let mut present = group
                .members
                .iter()
                .copied()
                .filter(|id| outcomes.get(id) == Some(&AttendanceOutcome::Attended));
            match (present.next(), present.next()) {
                (Some(alone), None) => Some(alone),
                _ => None,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::model::{GroupId, GroupOrigin, GroupState, SlotId};
    use AttendanceOutcome::{Attended, Excused, NoShow};

    #[test]
    fn a_no_show_needs_an_on_time_check_and_an_on_time_announcement() {
        // (present, check, told on time, outcome)
        let table = [
            (true, Lateness::OnTime, true, Attended),
            (true, Lateness::Delayed, false, Attended),
            (false, Lateness::OnTime, true, NoShow),
            (false, Lateness::OnTime, false, Excused),
            (false, Lateness::Delayed, true, Excused),
            (false, Lateness::Delayed, false, Excused),
        ];
        for (present, check, told, expected) in table {
            assert_eq!(
                attendance_outcome(present, check, told),
                expected,
                "present {present}, {check:?}, told {told}"
            );
        }
    }

    #[test]
    fn a_member_the_bot_could_not_see_is_excused() {
        assert_eq!(outcome_when_presence_unknown(), Excused);
    }

    #[test]
    fn only_a_lone_attendee_of_a_pair_or_trio_is_stranded() {
        let group = |id: i64, members: &[i64]| Group {
            id: GroupId(id),
            slot_id: SlotId(1),
            origin: GroupOrigin::Matched,
            state: GroupState::Open,
            room: None,
            members: members.iter().copied().map(MemberId).collect(),
        };
        let groups = [
            group(1, &[1, 2]),    // 1 alone
            group(2, &[3, 4]),    // both came
            group(3, &[5, 6, 7]), // 7 alone
            group(4, &[8, 9, 10]),
            group(5, &[11]), // a group of one is not stranded by anyone
            group(6, &[12, 13]),
        ];
        let outcomes: HashMap<MemberId, AttendanceOutcome> = [
            (1, Attended),
            (2, NoShow),
            (3, Attended),
            (4, Attended),
            (5, Excused),
            (6, NoShow),
            (7, Attended),
            (8, Attended),
            (9, Attended),
            (10, NoShow),
            (11, Attended),
            (12, NoShow),
            (13, Excused),
        ]
        .into_iter()
        .map(|(id, outcome)| (MemberId(id), outcome))
        .collect();
        assert_eq!(
            stranded_members(&groups, &outcomes),
            vec![MemberId(1), MemberId(7)]
        );
    }
}
