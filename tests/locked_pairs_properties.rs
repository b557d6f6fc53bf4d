//! Properties of `match_members_keeping_locked_pairs` (issue 11) over random slots, in the
//! style of `matching_properties.rs`: a locked pair (both booked, no block between them) is
//! never broken, whatever the notes and weights; the grouping stays valid (each member once,
//! no blocked pair together, nobody left alone who could be grouped); and everyone else gets
//! exactly what the matcher gives them on their own.

use std::collections::HashSet;

use focusfolk::core::locked_pairs::{match_members_keeping_locked_pairs, usable_locked_pairs};
use focusfolk::core::matching::{
    match_members, Candidate, Experience, MatchingInput, MatchingWeights, PairNote, PairTie,
};
use focusfolk::core::model::MemberId;
use proptest::prelude::*;

fn experience() -> impl Strategy<Value = Experience> {
    prop_oneof![
        Just(Experience::Newcomer),
        Just(Experience::Regular),
        Just(Experience::Other)
    ]
}

fn tie(with_blocks: bool) -> BoxedStrategy<PairTie> {
    let block_weight = if with_blocks { 2 } else { 0 };
    prop_oneof![
        3 => Just(PairTie::Friend),
        2 => Just(PairTie::Favourite),
        block_weight => Just(PairTie::Blocked),
        3 => (0u32..5).prop_map(|times| PairTie::RecentlyMet { times }),
    ]
    .boxed()
}

fn weights() -> BoxedStrategy<MatchingWeights> {
    prop_oneof![
        3 => Just(MatchingWeights::default()),
        1 => (1i64..1500, -200i64..500, -200i64..400, 0i64..300).prop_map(
            |(base, friend, favourite, newcomer_with_regular)| MatchingWeights {
                base,
                friend,
                favourite,
                newcomer_with_regular,
                ..MatchingWeights::default()
            }
        ),
    ]
    .boxed()
}

/// A slot of `members` candidates with random notes among them, and random locks: disjoint
/// pairs from a shuffle of the members, plus a few arbitrary (possibly overlapping, absent or
/// self) pairs that `usable_locked_pairs` must sort out.
fn slot_with_locks(
    members: std::ops::RangeInclusive<usize>,
    with_blocks: bool,
) -> impl Strategy<Value = (MatchingInput, Vec<(MemberId, MemberId)>)> {
    members.prop_flat_map(move |count| {
        let index = 0..count.max(1);
        (
            proptest::collection::vec(experience(), count),
            proptest::collection::vec(
                (index.clone(), index.clone(), tie(with_blocks)),
                0..=count * 2,
            ),
            Just((1..=count as i64).collect::<Vec<i64>>()).prop_shuffle(),
            0..=count / 2,
            proptest::collection::vec((0..count as i64 + 3, 0..count as i64 + 3), 0..3),
            any::<u64>(),
        )
            .prop_map(
                move |(classes, raw_notes, shuffled, lock_count, stray, seed)| {
                    let candidates: Vec<Candidate> = classes
                        .into_iter()
                        .enumerate()
                        .map(|(index, experience)| Candidate {
                            member: MemberId(index as i64 + 1),
                            experience,
                        })
                        .collect();
                    let notes: Vec<PairNote> = raw_notes
                        .into_iter()
                        .filter(|_| count > 0)
                        .map(|(a, b, tie)| PairNote {
                            a: MemberId(a as i64 + 1),
                            b: MemberId(b as i64 + 1),
                            tie,
                        })
                        .collect();
                    let mut locked: Vec<(MemberId, MemberId)> = shuffled
                        .chunks(2)
                        .filter(|pair| pair.len() == 2)
                        .take(lock_count)
                        .map(|pair| (MemberId(pair[0]), MemberId(pair[1])))
                        .collect();
                    locked.extend(stray.into_iter().map(|(a, b)| (MemberId(a), MemberId(b))));
                    (
                        MatchingInput {
                            candidates,
                            notes,
                            seed,
                        },
                        locked,
                    )
                },
            )
    })
}

fn blocked_pairs(input: &MatchingInput) -> Vec<(MemberId, MemberId)> {
    input
        .notes
        .iter()
        .filter(|note| note.tie == PairTie::Blocked)
        .map(|note| (note.a, note.b))
        .collect()
}

fn present(input: &MatchingInput) -> HashSet<MemberId> {
    input
        .candidates
        .iter()
        .map(|candidate| candidate.member)
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(800))]

    /// Every lock that holds (both present, not blocked, the member's first lock) ends with
    /// both members in one group, whatever the notes and weights say.
    #[test]
    fn locked_pairs_are_never_broken(
        (input, locked) in slot_with_locks(0..=24, true),
        weights in weights(),
    ) {
        let outcome = match_members_keeping_locked_pairs(&input, &locked, &weights);
        let holding = usable_locked_pairs(&locked, &present(&input), &blocked_pairs(&input));
        for &(a, b) in &holding {
            prop_assert!(
                outcome.groups.iter().any(|group| group.contains(&a) && group.contains(&b)),
                "{a} and {b} are locked but apart: {outcome:?}"
            );
        }
        // Without blocks every disjoint lock among present members holds.
        if blocked_pairs(&input).is_empty() {
            let mut seen = HashSet::new();
            for &(a, b) in &locked {
                let valid = a != b && present(&input).contains(&a) && present(&input).contains(&b);
                if valid && !seen.contains(&a) && !seen.contains(&b) {
                    prop_assert!(holding.contains(&(a.min(b), a.max(b))), "{a}–{b} dropped");
                    seen.insert(a);
                    seen.insert(b);
                }
            }
        }
    }

    /// Each member appears once, in a group of two or three or as unmatched; no blocked pair
    /// shares a group; and without blocks nobody is left over in a slot of two or more.
    #[test]
    fn the_grouping_stays_valid(
        (input, locked) in slot_with_locks(0..=24, true),
        weights in weights(),
    ) {
        let outcome = match_members_keeping_locked_pairs(&input, &locked, &weights);
        let mut seen = HashSet::new();
        for group in &outcome.groups {
            prop_assert!((2..=3).contains(&group.len()), "{group:?}");
            for member in group {
                prop_assert!(seen.insert(*member), "{member} twice: {outcome:?}");
            }
        }
        for member in &outcome.unmatched {
            prop_assert!(seen.insert(*member), "{member} twice: {outcome:?}");
        }
        prop_assert_eq!(seen, present(&input));
        let blocked: HashSet<(MemberId, MemberId)> = blocked_pairs(&input)
            .into_iter()
            .map(|(a, b)| (a.min(b), a.max(b)))
            .collect();
        for group in &outcome.groups {
            for (i, a) in group.iter().enumerate() {
                for b in &group[i + 1..] {
                    prop_assert!(!blocked.contains(&(*a.min(b), *a.max(b))), "{a}, {b}: {outcome:?}");
                }
            }
        }
    }

    /// Without blocks nobody is left alone in a slot of two or more.
    #[test]
    fn without_blocks_everyone_is_grouped(
        (input, locked) in slot_with_locks(2..=24, false),
        weights in weights(),
    ) {
        let outcome = match_members_keeping_locked_pairs(&input, &locked, &weights);
        prop_assert!(outcome.unmatched.is_empty(), "{outcome:?}");
    }

    /// The members outside the locks get exactly the matcher's own answer for them (its
    /// optimality is `matching_properties.rs`'s business): the lock changes nothing else.
    #[test]
    fn everyone_else_is_matched_as_the_matcher_would(
        (input, locked) in slot_with_locks(0..=24, true),
        weights in weights(),
    ) {
        let holding = usable_locked_pairs(&locked, &present(&input), &blocked_pairs(&input));
        let in_lock: HashSet<MemberId> = holding.iter().flat_map(|&(a, b)| [a, b]).collect();
        let rest = MatchingInput {
            candidates: input.candidates.iter().filter(|c| !in_lock.contains(&c.member)).copied().collect(),
            notes: input.notes.iter().filter(|n| !in_lock.contains(&n.a) && !in_lock.contains(&n.b)).copied().collect(),
            seed: input.seed,
        };
        let alone = match_members(&rest, &weights);
        let outcome = match_members_keeping_locked_pairs(&input, &locked, &weights);
        for group in &alone.groups {
            prop_assert!(outcome.groups.contains(group), "{group:?} missing from {outcome:?}");
        }
    }
}
