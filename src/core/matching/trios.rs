//! Trios and the outcome: members left over join the pair that suits them best, and the
//! pairs are put in the order the outcome shows.

use crate::core::model::MemberId;

use super::prepared_slot::{total_weight_of_pairs, PreparedSlot};
use super::MatchingOutcome;

pub(super) fn assemble_outcome(slot: &PreparedSlot, pairs: &[(usize, usize)]) -> MatchingOutcome {
    let member_id = |member: usize| slot.members[member].member;
    let pair_weight_total = total_weight_of_pairs(slot, pairs)
        .map(|total| i64::try_from(total).unwrap_or(if total < 0 { i64::MIN } else { i64::MAX }))
        .unwrap_or(0);

    // Lower member id first inside a pair, pairs by their first member: the order the output
    // shows, and the order trio ties are broken in.
    let mut groups: Vec<Vec<usize>> = pairs
        .iter()
        .map(|&(a, b)| {
            if member_id(a) <= member_id(b) {
                vec![a, b]
            } else {
                vec![b, a]
            }
        })
        .collect();
    groups.sort_by_key(|group| member_id(group[0]));

    let mut matched = vec![false; slot.member_count()];
    for &(a, b) in pairs {
        matched[a] = true;
        matched[b] = true;
    }
    let mut unmatched: Vec<MemberId> = Vec::new();
    for left_over in (0..slot.member_count()).filter(|&member| !matched[member]) {
        let mut best_group: Option<(usize, i128)> = None;
        for (group_index, group) in groups.iter().enumerate() {
            let [a, b] = group.as_slice() else {
                continue;
            };
            let (Some(weight_with_a), Some(weight_with_b)) = (
                slot.weight_between(left_over, *a),
                slot.weight_between(left_over, *b),
            ) else {
                continue;
            };
            let added = i128::from(weight_with_a) + i128::from(weight_with_b);
            if best_group.is_none_or(|(_, best_added)| added > best_added) {
                best_group = Some((group_index, added));
            }
        }
        match best_group {
            Some((group_index, _)) => groups[group_index].push(left_over),
            None => unmatched.push(member_id(left_over)),
        }
    }
    unmatched.sort_unstable();
    MatchingOutcome {
        groups: groups
            .into_iter()
            .map(|group| group.into_iter().map(member_id).collect())
            .collect(),
        unmatched,
        pair_weight_total,
    }
}
