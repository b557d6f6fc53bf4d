//! The rematch: who is re-paired when a partner does not come, and with whom.
//!
//! The pool is every member of one community whose session starts at one moment and who is
//! left alone: stranded at the attendance check (their partner did not come), or who chose
//! "Rematch now" at T + 2 min; never one who chose "Keep waiting", nor one who already holds a
//! rematch seat. Members of slots with different lengths are in the same pool, and two of them
//! may share a room for the minutes their sessions share when both allow it
//! (`prefs mixed-lengths`); otherwise the pair is handed to the matcher as blocked.
//!
//! The pairing itself is [`match_members`], with the newcomer–regular bonus raised above
//! anything notes can add or take away: in a rematch a newcomer gets a reliable regular
//! whenever one is free (`rematch::tests` and `matching_properties`), friends and favourites
//! only break ties among equally good answers.

use std::collections::{HashMap, HashSet};

use super::matching::{
    match_members, Candidate, Experience, MatchingInput, MatchingWeights, PairNote, PairTie,
};
use super::model::{MemberId, SlotId};

/// What a member whose partner is late chose at T + 2 min.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RematchChoice {
    /// Leave me with my partner: no rematch at the attendance check.
    KeepWaiting,
    /// Find me someone else now.
    RematchNow,
}

impl RematchChoice {
    pub fn as_str(self) -> &'static str {
        match self {
            RematchChoice::KeepWaiting => "keep_waiting",
            RematchChoice::RematchNow => "rematch_now",
        }
    }
    pub fn parse(text: &str) -> Option<Self> {
        [RematchChoice::KeepWaiting, RematchChoice::RematchNow]
            .into_iter()
            .find(|choice| choice.as_str() == text)
    }
}

/// Whether a member may be re-paired with someone whose session has another length, for the
/// minutes both sessions share, when nothing was said: yes. Being paired for the shared 25
/// minutes of a 50-minute session is better than sitting alone for all 50 (the reason people
/// book at all), and the rematch message says plainly when the shared part ends; a member who
/// would rather stay alone says `prefs mixed-lengths off`.
pub const MIXED_LENGTHS_BY_DEFAULT: bool = true;

/// One member of the rematch pool.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RematchCandidate {
    pub member: MemberId,
    pub experience: Experience,
    /// The member's own slot, and its length.
    pub slot: SlotId,
    pub length_minutes: u32,
    /// `prefs mixed-lengths`: may share a room with a member of another length.
    pub allows_mixed_lengths: bool,
}

/// A rematch group, held by the slot of its shortest session: its room lasts the minutes its
/// members share.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RematchGroup {
    pub slot: SlotId,
    pub length_minutes: u32,
    pub members: Vec<MemberId>,
}

/// Two members of the pool may share a room: same length, or both allow mixed lengths.
pub fn may_share_a_room(a: &RematchCandidate, b: &RematchCandidate) -> bool {
    a.length_minutes == b.length_minutes || (a.allows_mixed_lengths && b.allows_mixed_lengths)
}

/// The matcher's weights for a rematch: the newcomer–regular bonus outweighs every note on
/// the two pairs a swap gives up and the two it makes (friends and favourites both ways, the
/// largest recent-meeting penalty), so swapping a newcomer towards a free regular always wins.
/// Pairs still come first: the matching stays maximum-cardinality whatever the weights.
pub fn rematch_weights(weights: &MatchingWeights) -> MatchingWeights {
    let notes_on_one_pair = weights
        .friend
        .max(0)
        .saturating_mul(2)
        .saturating_add(weights.favourite.max(0).saturating_mul(2));
    let largest_swing = notes_on_one_pair
        .saturating_add(weights.recent_repeat_penalty_cap.max(0))
        .saturating_mul(2);
    MatchingWeights {
        newcomer_with_regular: weights
            .newcomer_with_regular
            .max(0)
            .max(largest_swing.saturating_add(1)),
        ..weights.clone()
    }
}

/// The pool: stranded members and those who asked to be rematched now, in that order and
/// each once, less those who chose to keep waiting and those already in a rematch group.
pub fn rematch_pool(
    stranded: &[MemberId],
    asked_now: &[MemberId],
    choices: &HashMap<MemberId, RematchChoice>,
    seated: &HashSet<MemberId>,
) -> Vec<MemberId> {
    let mut seen = HashSet::new();
    stranded
        .iter()
        .chain(asked_now)
        .copied()
        .filter(|id| choices.get(id) != Some(&RematchChoice::KeepWaiting))
        .filter(|id| !seated.contains(id))
        .filter(|id| seen.insert(*id))
        .collect()
}

/// Who is offered the choice at T + 2 min: in a pair or trio, the members who are present
/// while every other member is not. `present` are the group's members seen in the room.
pub fn waiting_for_a_partner(group: &[MemberId], present: &HashSet<MemberId>) -> Vec<MemberId> {
    if group.len() < 2 {
        return Vec::new();
    }
    let here: Vec<MemberId> = group
        .iter()
        .copied()
        .filter(|id| present.contains(id))
        .collect();
    match here.as_slice() {
        [alone] => vec![*alone],
        _ => Vec::new(),
    }
}

/// Pairs the pool: [`match_members`] with [`rematch_weights`], members who may not share a
/// room (lengths differ and one of them keeps to their own length) noted as blocked. Each
/// group goes to the slot of its shortest member. Members nobody can take are left out.
pub fn plan_rematch(
    pool: &[RematchCandidate],
    mut notes: Vec<PairNote>,
    seed: u64,
    weights: &MatchingWeights,
) -> Vec<RematchGroup> {
    for (index, a) in pool.iter().enumerate() {
        for b in &pool[index + 1..] {
            if !may_share_a_room(a, b) {
                notes.push(PairNote {
                    a: a.member,
                    b: b.member,
                    tie: PairTie::Blocked,
                });
            }
        }
    }
    let input = MatchingInput {
        candidates: pool
            .iter()
            .map(|candidate| Candidate {
                member: candidate.member,
                experience: candidate.experience,
            })
            .collect(),
        notes,
        seed,
    };
    let by_member: HashMap<MemberId, &RematchCandidate> = pool
        .iter()
        .map(|candidate| (candidate.member, candidate))
        .collect();
    match_members(&input, &rematch_weights(weights))
        .groups
        .into_iter()
        .filter_map(|members| {
            let shortest = members
                .iter()
                .filter_map(|id| by_member.get(id))
                .min_by_key(|candidate| (candidate.length_minutes, candidate.slot))?;
            Some(RematchGroup {
                slot: shortest.slot,
                length_minutes: shortest.length_minutes,
                members,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn candidate(id: i64, experience: Experience, length: u32, mixed: bool) -> RematchCandidate {
        RematchCandidate {
            member: MemberId(id),
            experience,
            slot: SlotId(length as i64),
            length_minutes: length,
            allows_mixed_lengths: mixed,
        }
    }

    fn group_of(groups: &[RematchGroup], id: i64) -> Option<&RematchGroup> {
        groups
            .iter()
            .find(|group| group.members.contains(&MemberId(id)))
    }

    #[test]
    fn a_newcomer_gets_the_free_regular_even_over_a_mutual_friend() {
        use Experience::{Newcomer, Regular};
        let pool = [
            candidate(1, Newcomer, 25, true),
            candidate(2, Newcomer, 25, true),
            candidate(3, Regular, 25, true),
            candidate(4, Regular, 25, true),
        ];
        // 1 and 2 are friends both ways, favourites both ways, and 1 met 3 recently.
        let notes = vec![
            PairNote {
                a: MemberId(1),
                b: MemberId(2),
                tie: PairTie::Friend,
            },
            PairNote {
                a: MemberId(2),
                b: MemberId(1),
                tie: PairTie::Friend,
            },
            PairNote {
                a: MemberId(1),
                b: MemberId(2),
                tie: PairTie::Favourite,
            },
            PairNote {
                a: MemberId(2),
                b: MemberId(1),
                tie: PairTie::Favourite,
            },
            PairNote {
                a: MemberId(1),
                b: MemberId(3),
                tie: PairTie::RecentlyMet { times: 9 },
            },
        ];
        let groups = plan_rematch(&pool, notes, 7, &MatchingWeights::default());
        assert_eq!(groups.len(), 2, "{groups:?}");
        for newcomer in [1, 2] {
            let group = group_of(&groups, newcomer).expect("grouped");
            assert!(
                group.members.iter().any(|id| id.0 == 3 || id.0 == 4),
                "newcomer {newcomer} has no regular: {groups:?}"
            );
        }
    }

    #[test]
    fn lengths_mix_only_when_both_allow_it_and_the_shortest_slot_holds_the_group() {
        use Experience::Other;
        let both = plan_rematch(
            &[candidate(1, Other, 25, true), candidate(2, Other, 50, true)],
            Vec::new(),
            1,
            &MatchingWeights::default(),
        );
        assert_eq!(
            both,
            vec![RematchGroup {
                slot: SlotId(25),
                length_minutes: 25,
                members: vec![MemberId(1), MemberId(2)]
            }]
        );
        for (a, b) in [(true, false), (false, true), (false, false)] {
            let groups = plan_rematch(
                &[candidate(1, Other, 25, a), candidate(2, Other, 50, b)],
                Vec::new(),
                1,
                &MatchingWeights::default(),
            );
            assert!(groups.is_empty(), "{a}/{b}: {groups:?}");
        }
        // The same length needs nobody's permission.
        let same = plan_rematch(
            &[
                candidate(1, Other, 50, false),
                candidate(2, Other, 50, false),
            ],
            Vec::new(),
            1,
            &MatchingWeights::default(),
        );
        assert_eq!(same.len(), 1);
    }

    #[test]
    fn the_pool_keeps_order_drops_waiters_and_the_seated_and_counts_each_once() {
        let ids = |list: &[i64]| list.iter().copied().map(MemberId).collect::<Vec<_>>();
        let choices = HashMap::from([
            (MemberId(2), RematchChoice::KeepWaiting),
            (MemberId(5), RematchChoice::RematchNow),
        ]);
        let seated = HashSet::from([MemberId(3)]);
        assert_eq!(
            rematch_pool(&ids(&[1, 2, 3]), &ids(&[5, 1, 6]), &choices, &seated),
            ids(&[1, 5, 6])
        );
    }

    #[test]
    fn only_the_one_member_present_waits_for_a_partner() {
        let ids = |list: &[i64]| list.iter().copied().map(MemberId).collect::<Vec<_>>();
        let present = |list: &[i64]| list.iter().copied().map(MemberId).collect::<HashSet<_>>();
        assert_eq!(
            waiting_for_a_partner(&ids(&[1, 2]), &present(&[1])),
            ids(&[1])
        );
        assert_eq!(
            waiting_for_a_partner(&ids(&[1, 2]), &present(&[1, 2])),
            ids(&[])
        );
        assert_eq!(
            waiting_for_a_partner(&ids(&[1, 2]), &present(&[])),
            ids(&[])
        );
        assert_eq!(
            waiting_for_a_partner(&ids(&[1, 2, 3]), &present(&[3])),
            ids(&[3])
        );
        assert_eq!(
            waiting_for_a_partner(&ids(&[1, 2, 3]), &present(&[2, 3])),
            ids(&[])
        );
        assert_eq!(waiting_for_a_partner(&ids(&[1]), &present(&[1])), ids(&[]));
    }

    #[test]
    fn choices_round_trip_through_their_stored_names() {
        for choice in [RematchChoice::KeepWaiting, RematchChoice::RematchNow] {
            assert_eq!(RematchChoice::parse(choice.as_str()), Some(choice));
        }
        assert_eq!(RematchChoice::parse("maybe"), None);
    }

    fn pool_strategy() -> impl Strategy<Value = (Vec<RematchCandidate>, Vec<PairNote>)> {
        let member = (
            0..3usize,
            prop::sample::select(vec![25u32, 50, 75]),
            any::<bool>(),
        );
        (prop::collection::vec(member, 0..=16), any::<u64>()).prop_flat_map(|(members, _)| {
            let count = members.len() as i64;
            let pool: Vec<RematchCandidate> = members
                .into_iter()
                .enumerate()
                .map(|(index, (class, length, mixed))| {
                    let experience =
                        [Experience::Newcomer, Experience::Regular, Experience::Other][class];
                    candidate(index as i64 + 1, experience, length, mixed)
                })
                .collect();
            let note =
                (1..=count.max(1), 1..=count.max(1), 0..3usize).prop_map(|(a, b, kind)| PairNote {
                    a: MemberId(a),
                    b: MemberId(b),
                    tie: [
                        PairTie::Friend,
                        PairTie::Favourite,
                        PairTie::RecentlyMet { times: 2 },
                    ][kind],
                });
            (Just(pool), prop::collection::vec(note, 0..=12))
        })
    }

    proptest! {
        /// In a rematch, whatever friendships, favourites and recent meetings say: a newcomer
        /// in a group without a regular means no regular sits in a group without a newcomer
        /// whom the newcomer could share a room with. Every group may share a room, and no
        /// member appears twice.
        #[test]
        fn newcomers_get_regulars_whenever_any_is_free_in_the_rematch(
            (pool, notes) in pool_strategy(),
            seed in any::<u64>(),
        ) {
            let groups = plan_rematch(&pool, notes, seed, &MatchingWeights::default());
            let by_id: HashMap<MemberId, &RematchCandidate> =
                pool.iter().map(|candidate| (candidate.member, candidate)).collect();
            let mut seen = HashSet::new();
            for group in &groups {
                prop_assert!(group.members.len() == 2 || group.members.len() == 3, "{groups:?}");
                for (index, a) in group.members.iter().enumerate() {
                    prop_assert!(seen.insert(*a), "{a} twice: {groups:?}");
                    for b in &group.members[index + 1..] {
                        prop_assert!(may_share_a_room(by_id[a], by_id[b]), "{a} and {b}: {groups:?}");
                    }
                }
                let shortest = group.members.iter().map(|id| by_id[id].length_minutes).min();
                prop_assert_eq!(Some(group.length_minutes), shortest);
            }
            let has = |group: &RematchGroup, wanted: Experience| {
                group.members.iter().any(|id| by_id[id].experience == wanted)
            };
            for lacking in groups.iter().filter(|group| has(group, Experience::Newcomer) && !has(group, Experience::Regular)) {
                for spare in groups.iter().filter(|group| has(group, Experience::Regular) && !has(group, Experience::Newcomer)) {
                    for newcomer in lacking.members.iter().filter(|id| by_id[id].experience == Experience::Newcomer) {
                        for regular in spare.members.iter().filter(|id| by_id[id].experience == Experience::Regular) {
                            // The swap must be possible: the two left behind must be able to
                            // share a room too.
                            let newcomer_partners: Vec<&MemberId> = lacking.members.iter().filter(|id| *id != newcomer).collect();
                            let regular_partners: Vec<&MemberId> = spare.members.iter().filter(|id| *id != regular).collect();
                            let swap_possible = may_share_a_room(by_id[newcomer], by_id[regular])
                                && lacking.members.len() == 2 && spare.members.len() == 2
                                && may_share_a_room(by_id[newcomer_partners[0]], by_id[regular_partners[0]]);
                            prop_assert!(
                                !swap_possible,
                                "newcomer {newcomer} lacks a regular while {regular} is free: {groups:?}"
                            );
                        }
                    }
                }
            }
        }
    }
}
