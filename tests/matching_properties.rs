//! Properties of `match_members`: a valid grouping, the optimal total weight (against an
//! exhaustive search on small slots and the general blossom algorithm on larger ones), the trio
//! rule, and determinism.

use std::collections::{HashMap, HashSet};

use focusfolk::core::matching::{
    match_members, match_members_general, match_members_with_diagnostics, pair_weight, Candidate,
    Experience, MatchingInput, MatchingOutcome, MatchingStrategy, MatchingWeights, PairNote,
    PairTie,
};
use focusfolk::core::model::MemberId;
use proptest::prelude::*;

// ---------------------------------------------------------------------------------------------
// Helpers

/// The candidates as `match_members` sees them: duplicates dropped, the first kept.
fn distinct_candidates(input: &MatchingInput) -> Vec<Candidate> {
    let mut seen = HashSet::new();
    input
        .candidates
        .iter()
        .filter(|candidate| seen.insert(candidate.member))
        .copied()
        .collect()
}

/// Pair weights looked up the slow, obvious way: every note naming exactly this pair.
struct WeightOracle<'a> {
    weights: &'a MatchingWeights,
    candidate_of: HashMap<MemberId, Candidate>,
    ties_of: HashMap<(MemberId, MemberId), Vec<PairTie>>,
}

impl<'a> WeightOracle<'a> {
    fn new(input: &MatchingInput, weights: &'a MatchingWeights) -> Self {
        let candidate_of: HashMap<MemberId, Candidate> = distinct_candidates(input)
            .into_iter()
            .map(|candidate| (candidate.member, candidate))
            .collect();
        let mut ties_of: HashMap<(MemberId, MemberId), Vec<PairTie>> = HashMap::new();
        for note in &input.notes {
            if note.a != note.b {
                ties_of
                    .entry((note.a.min(note.b), note.a.max(note.b)))
                    .or_default()
                    .push(note.tie);
            }
        }
        WeightOracle {
            weights,
            candidate_of,
            ties_of,
        }
    }

    fn weight(&self, a: MemberId, b: MemberId) -> Option<i64> {
        let ties = self
            .ties_of
            .get(&(a.min(b), a.max(b)))
            .cloned()
            .unwrap_or_default();
        pair_weight(
            self.weights,
            &self.candidate_of[&a],
            &self.candidate_of[&b],
            ties.into_iter(),
        )
    }
}

/// (pairs, weight) of the best matching: most pairs first, then the largest weight. Exhaustive
/// over subsets, so only for small slots.
fn brute_force_optimum(input: &MatchingInput, weights: &MatchingWeights) -> (usize, i64) {
    let members: Vec<MemberId> = distinct_candidates(input)
        .iter()
        .map(|candidate| candidate.member)
        .collect();
    let oracle = WeightOracle::new(input, weights);
    let count = members.len();
    assert!(count <= 12, "brute force is exponential");
    // best[mask]: the best matching of the members in `mask`.
    let mut best: Vec<(usize, i64)> = vec![(0, 0); 1 << count];
    for mask in 1usize..(1 << count) {
        let first = mask.trailing_zeros() as usize;
        let without_first = mask & !(1 << first);
        let mut best_here = best[without_first];
        for second in (first + 1)..count {
            if without_first & (1 << second) == 0 {
                continue;
            }
            if let Some(weight) = oracle.weight(members[first], members[second]) {
                let (pairs, total) = best[without_first & !(1 << second)];
                best_here = best_here.max((pairs + 1, total + weight));
            }
        }
        best[mask] = best_here;
    }
    best[(1 << count) - 1]
}

/// Everything that must hold for any outcome, optimal or not.
fn check_outcome_is_valid(
    input: &MatchingInput,
    weights: &MatchingWeights,
    outcome: &MatchingOutcome,
) {
    let candidates = distinct_candidates(input);
    let oracle = WeightOracle::new(input, weights);
    let mut seen = HashSet::new();
    for member in outcome.groups.iter().flatten().chain(&outcome.unmatched) {
        assert!(
            seen.insert(*member),
            "{member} appears twice in {outcome:?}"
        );
        assert!(
            oracle.candidate_of.contains_key(member),
            "{member} is not a candidate"
        );
    }
    assert_eq!(
        seen.len(),
        candidates.len(),
        "someone is missing from {outcome:?}"
    );

    let mut recomputed_total = 0i64;
    let mut pairs_still_pairs: Vec<(MemberId, MemberId)> = Vec::new();
    for group in &outcome.groups {
        assert!(
            group.len() == 2 || group.len() == 3,
            "group of {}: {group:?}",
            group.len()
        );
        for (index, &a) in group.iter().enumerate() {
            for &b in &group[index + 1..] {
                assert!(
                    oracle.weight(a, b).is_some(),
                    "blocked pair {a}–{b} in one group"
                );
            }
        }
        // The matched pair comes first; a third member is the one who joined.
        recomputed_total += oracle.weight(group[0], group[1]).unwrap_or(i64::MIN);
        if group.len() == 2 {
            pairs_still_pairs.push((group[0], group[1]));
        }
    }
    assert_eq!(
        recomputed_total, outcome.pair_weight_total,
        "the pairs do not add up to the total"
    );

    // Every member left over by the pair matching either joined a pair or stayed unmatched.
    let trio_count = outcome
        .groups
        .iter()
        .filter(|group| group.len() == 3)
        .count();
    let left_over_count = candidates.len() - 2 * outcome.groups.len();
    assert_eq!(trio_count + outcome.unmatched.len(), left_over_count);

    // The trio rule: the joiner's pair is at least as good as any pair still a pair at the end
    // (those were all pairs when the joiner chose), and the unmatched could join none of them.
    let added_weight = |joiner: MemberId, (a, b): (MemberId, MemberId)| -> Option<i64> {
        Some(oracle.weight(joiner, a)? + oracle.weight(joiner, b)?)
    };
    for trio in outcome.groups.iter().filter(|group| group.len() == 3) {
        let chosen = added_weight(trio[2], (trio[0], trio[1]));
        assert!(chosen.is_some());
        for &pair in &pairs_still_pairs {
            assert!(
                added_weight(trio[2], pair) <= chosen,
                "{} would rather join {pair:?}",
                trio[2]
            );
        }
    }
    for &member in &outcome.unmatched {
        for &pair in &pairs_still_pairs {
            assert!(
                added_weight(member, pair).is_none(),
                "unmatched {member} could join {pair:?}"
            );
        }
    }
    // Two unmatched members could have been a pair: the matching would not be maximum.
    for (index, &a) in outcome.unmatched.iter().enumerate() {
        for &b in &outcome.unmatched[index + 1..] {
            assert!(
                oracle.weight(a, b).is_none(),
                "unmatched {a} and {b} could be a pair"
            );
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Strategies

fn experience_strategy(class_mix: u8) -> BoxedStrategy<Experience> {
    match class_mix {
        // Newcomers and regulars about balanced: the case the fast path cannot certify.
        0 => prop_oneof![Just(Experience::Newcomer), Just(Experience::Regular)].boxed(),
        // A realistic community: few newcomers.
        1 => prop_oneof![
            15 => Just(Experience::Newcomer),
            40 => Just(Experience::Regular),
            45 => Just(Experience::Other)
        ]
        .boxed(),
        // Many newcomers, few regulars.
        2 => prop_oneof![
            6 => Just(Experience::Newcomer),
            1 => Just(Experience::Regular),
            2 => Just(Experience::Other)
        ]
        .boxed(),
        3 => Just(Experience::Other).boxed(),
        _ => prop_oneof![
            Just(Experience::Newcomer),
            Just(Experience::Regular),
            Just(Experience::Other)
        ]
        .boxed(),
    }
}

fn tie_strategy(with_blocks: bool) -> BoxedStrategy<PairTie> {
    let block_weight = if with_blocks { 2 } else { 0 };
    prop_oneof![
        3 => Just(PairTie::Friend),
        2 => Just(PairTie::Favourite),
        block_weight => Just(PairTie::Blocked),
        3 => (0u32..5).prop_map(|times| PairTie::RecentlyMet { times }),
        2 => Just(PairTie::DifferentModes),
    ]
    .boxed()
}

fn weights_strategy() -> BoxedStrategy<MatchingWeights> {
    prop_oneof![
        3 => Just(MatchingWeights::default()),
        // Base no longer dominating, negative pair weights, no class bonus: the matching must
        // still be maximum-cardinality first.
        1 => (
            (1i64..1500, -200i64..500, -200i64..400, 0i64..500, 0i64..900, 0i64..300),
            -200i64..400,
        )
            .prop_map(
                |((base, friend, favourite, penalty, cap, newcomer_with_regular), modes)| {
                    MatchingWeights {
                        base,
                        friend,
                        favourite,
                        recent_repeat_penalty_per_meeting: penalty,
                        recent_repeat_penalty_cap: cap,
                        newcomer_with_regular,
                        different_modes_penalty: modes,
                    }
                }
            ),
    ]
    .boxed()
}

/// `plain` members no note names, then `noted` members with random notes among themselves
/// (plus notes about people who are not candidates, and self-notes, which must be ignored).
fn slot_strategy(
    plain: std::ops::RangeInclusive<usize>,
    noted: std::ops::RangeInclusive<usize>,
    with_blocks: bool,
) -> impl Strategy<Value = MatchingInput> {
    (plain, noted, 0u8..5, 0u8..5, any::<u64>()).prop_flat_map(
        move |(plain, noted, plain_mix, noted_mix, seed)| {
            let noted_index = 0..noted.max(1);
            (
                proptest::collection::vec(experience_strategy(plain_mix), plain),
                proptest::collection::vec(experience_strategy(noted_mix), noted),
                proptest::collection::vec(
                    (noted_index.clone(), noted_index, tie_strategy(with_blocks)),
                    0..=noted * 2,
                ),
            )
                .prop_map(move |(plain_classes, noted_classes, raw_notes)| {
                    let candidates: Vec<Candidate> = plain_classes
                        .into_iter()
                        .chain(noted_classes)
                        .enumerate()
                        .map(|(index, experience)| Candidate {
                            member: MemberId(index as i64 + 1),
                            experience,
                        })
                        .collect();
                    let noted_id = |index: usize| MemberId((plain + index) as i64 + 1);
                    let mut notes: Vec<PairNote> = raw_notes
                        .into_iter()
                        .filter(|_| noted > 0)
                        .map(|(a, b, tie)| PairNote {
                            a: noted_id(a),
                            b: noted_id(b),
                            tie,
                        })
                        .collect();
                    if let Some(first) = candidates.first() {
                        notes.push(PairNote {
                            a: first.member,
                            b: MemberId(10_000),
                            tie: PairTie::Blocked,
                        });
                    }
                    MatchingInput {
                        candidates,
                        notes,
                        seed,
                    }
                })
        },
    )
}

/// Small slots, sometimes with a duplicate candidate (the first occurrence counts).
fn small_slot_strategy() -> impl Strategy<Value = MatchingInput> {
    (
        slot_strategy(0..=5, 0..=5, true),
        any::<bool>(),
        any::<usize>(),
    )
        .prop_map(|(mut input, duplicate, pick)| {
            if duplicate && !input.candidates.is_empty() {
                let original = input.candidates[pick % input.candidates.len()];
                input.candidates.push(Candidate {
                    member: original.member,
                    experience: Experience::Newcomer,
                });
            }
            input
        })
}

// ---------------------------------------------------------------------------------------------
// Properties

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1500))]

    #[test]
    fn small_slots_reach_the_exhaustive_optimum(
        input in small_slot_strategy(),
        weights in weights_strategy(),
    ) {
        prop_assume!(distinct_candidates(&input).len() <= 9);
        let outcome = match_members(&input, &weights);
        check_outcome_is_valid(&input, &weights, &outcome);
        let (best_pair_count, best_total) = brute_force_optimum(&input, &weights);
        prop_assert_eq!(outcome.groups.len(), best_pair_count);
        prop_assert_eq!(outcome.pair_weight_total, best_total);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    /// Mostly plain members, so the reductions actually kick in; compared with the blossom
    /// algorithm on the whole complete graph.
    #[test]
    fn larger_slots_match_the_general_algorithm(
        input in slot_strategy(30..=50, 2..=12, true),
        weights in weights_strategy(),
    ) {
        let (outcome, diagnostics) = match_members_with_diagnostics(&input, &weights);
        check_outcome_is_valid(&input, &weights, &outcome);
        let general = match_members_general(&input, &weights);
        check_outcome_is_valid(&input, &weights, &general);
        prop_assert_eq!(outcome.groups.len(), general.groups.len());
        prop_assert_eq!(outcome.pair_weight_total, general.pair_weight_total);
        prop_assert!(diagnostics.largest_blossom_run <= diagnostics.candidate_count);
    }

    #[test]
    fn without_blocks_everyone_is_grouped(input in slot_strategy(0..=30, 0..=10, false)) {
        let weights = MatchingWeights::default();
        let outcome = match_members(&input, &weights);
        check_outcome_is_valid(&input, &weights, &outcome);
        let count = input.candidates.len();
        let trio_count = outcome.groups.iter().filter(|group| group.len() == 3).count();
        if count >= 2 {
            prop_assert!(outcome.unmatched.is_empty());
            prop_assert_eq!(trio_count, count % 2);
        } else {
            prop_assert_eq!(outcome.unmatched.len(), count);
        }
    }

    #[test]
    fn the_same_seed_gives_the_same_groups(
        input in slot_strategy(0..=40, 0..=12, true),
        other_seed in any::<u64>(),
    ) {
        let weights = MatchingWeights::default();
        let first = match_members(&input, &weights);
        prop_assert_eq!(&first, &match_members(&input.clone(), &weights));
        // Another seed may pick another of the equally good matchings, never a worse one.
        let reseeded_input = MatchingInput { seed: other_seed, ..input.clone() };
        let reseeded = match_members(&reseeded_input, &weights);
        prop_assert_eq!(reseeded.pair_weight_total, first.pair_weight_total);
        prop_assert_eq!(reseeded.groups.len(), first.groups.len());
    }
}

// ---------------------------------------------------------------------------------------------
// Examples

fn candidate(id: i64, experience: Experience) -> Candidate {
    Candidate {
        member: MemberId(id),
        experience,
    }
}

#[test]
fn a_realistic_slot_takes_the_fast_path_and_is_optimal() {
    let weights = MatchingWeights::default();
    let candidates: Vec<Candidate> = (1..=60)
        .map(|id| {
            let experience = match id % 7 {
                0 => Experience::Newcomer,
                1..=3 => Experience::Regular,
                _ => Experience::Other,
            };
            candidate(id, experience)
        })
        .collect();
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
            a: MemberId(7),
            b: MemberId(8),
            tie: PairTie::Favourite,
        },
        PairNote {
            a: MemberId(14),
            b: MemberId(15),
            tie: PairTie::Blocked,
        },
        PairNote {
            a: MemberId(21),
            b: MemberId(22),
            tie: PairTie::RecentlyMet { times: 2 },
        },
    ];
    let input = MatchingInput {
        candidates,
        notes,
        seed: 42,
    };
    let (outcome, diagnostics) = match_members_with_diagnostics(&input, &weights);
    assert_eq!(diagnostics.strategy, MatchingStrategy::NoteGraphCertificate);
    assert_eq!(diagnostics.noted_member_count, 8);
    assert_eq!(
        outcome.pair_weight_total,
        match_members_general(&input, &weights).pair_weight_total
    );
    assert!(outcome.groups.contains(&vec![MemberId(1), MemberId(2)]));
    assert!(outcome.groups.contains(&vec![MemberId(7), MemberId(8)]));
    check_outcome_is_valid(&input, &weights, &outcome);
}

#[test]
fn balanced_classes_take_the_kernel_and_stay_optimal() {
    let weights = MatchingWeights::default();
    // As many newcomers as regulars (odd ids), favourites among regulars and among newcomers.
    // Either class bound alone picks favourites of one class only and unbalances the rest, so
    // neither can be certified; the kernel has to weigh them.
    let candidates: Vec<Candidate> = (1..=40)
        .map(|id| {
            candidate(
                id,
                if id % 2 == 0 {
                    Experience::Newcomer
                } else {
                    Experience::Regular
                },
            )
        })
        .collect();
    let notes: Vec<PairNote> = [(1, 3), (5, 7), (9, 11), (2, 4), (6, 8)]
        .into_iter()
        .map(|(a, b)| PairNote {
            a: MemberId(a),
            b: MemberId(b),
            tie: PairTie::Favourite,
        })
        .collect();
    let input = MatchingInput {
        candidates,
        notes,
        seed: 9,
    };
    let (outcome, diagnostics) = match_members_with_diagnostics(&input, &weights);
    assert_eq!(diagnostics.strategy, MatchingStrategy::TwinKernel);
    assert!(diagnostics.largest_blossom_run < 40);
    assert_eq!(
        outcome.pair_weight_total,
        match_members_general(&input, &weights).pair_weight_total
    );
    check_outcome_is_valid(&input, &weights, &outcome);
}

#[test]
fn a_member_blocked_by_everyone_stays_unmatched() {
    let weights = MatchingWeights::default();
    let candidates: Vec<Candidate> = (1..=6).map(|id| candidate(id, Experience::Other)).collect();
    let notes: Vec<PairNote> = (2..=6)
        .map(|other| PairNote {
            a: MemberId(other),
            b: MemberId(1),
            tie: PairTie::Blocked,
        })
        .collect();
    let input = MatchingInput {
        candidates,
        notes,
        seed: 1,
    };
    let outcome = match_members(&input, &weights);
    assert_eq!(outcome.unmatched, vec![MemberId(1)]);
    assert_eq!(outcome.groups.len(), 2);
    assert!(outcome.groups.iter().any(|group| group.len() == 3));
    check_outcome_is_valid(&input, &weights, &outcome);
}

// ---------------------------------------------------------------------------------------------
// Issue 11: newcomers get regulars, blocked pairs never meet (first matching and rematch alike:
// the rematch runs the same `match_members` over the stranded members).

/// The matched pairs: every group's first two members (a trio's third joined afterwards).
fn matched_pairs(outcome: &MatchingOutcome) -> Vec<(MemberId, MemberId)> {
    outcome
        .groups
        .iter()
        .filter(|group| group.len() >= 2)
        .map(|group| (group[0], group[1]))
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(600))]

    /// A newcomer is never left with a non-regular while a regular sits with a non-newcomer
    /// whom nothing ties them to: swapping partners would be allowed (no note names any of the
    /// four pairs) and strictly better, so the optimal matching never leaves it so.
    #[test]
    fn newcomers_get_regulars_whenever_one_is_free(
        input in slot_strategy(0..=24, 0..=8, true),
    ) {
        let weights = MatchingWeights::default();
        let outcome = match_members(&input, &weights);
        check_outcome_is_valid(&input, &weights, &outcome);
        let oracle = WeightOracle::new(&input, &weights);
        let class = |member: MemberId| oracle.candidate_of[&member].experience;
        let unnoted = |a: MemberId, b: MemberId| !oracle.ties_of.contains_key(&(a.min(b), a.max(b)));
        let pairs = matched_pairs(&outcome);
        for &(a, b) in &pairs {
            for (newcomer, other) in [(a, b), (b, a)] {
                if class(newcomer) != Experience::Newcomer || class(other) == Experience::Regular {
                    continue;
                }
                for &(c, d) in &pairs {
                    for (regular, partner) in [(c, d), (d, c)] {
                        if class(regular) != Experience::Regular
                            || class(partner) == Experience::Newcomer
                        {
                            continue;
                        }
                        let swap_allowed = unnoted(newcomer, other)
                            && unnoted(regular, partner)
                            && unnoted(newcomer, regular)
                            && unnoted(other, partner);
                        prop_assert!(
                            !swap_allowed,
                            "newcomer {newcomer} is with {other} while regular {regular} is free with {partner}: {outcome:?}"
                        );
                    }
                }
            }
        }
    }

    /// No group, pair or trio, ever holds two members one of whom blocked the other.
    #[test]
    fn blocked_pairs_are_never_grouped(
        input in slot_strategy(0..=20, 2..=10, true),
        weights in weights_strategy(),
    ) {
        let outcome = match_members(&input, &weights);
        let blocked: HashSet<(MemberId, MemberId)> = input
            .notes
            .iter()
            .filter(|note| note.tie == PairTie::Blocked)
            .map(|note| (note.a.min(note.b), note.a.max(note.b)))
            .collect();
        for group in &outcome.groups {
            for (i, a) in group.iter().enumerate() {
                for b in &group[i + 1..] {
                    prop_assert!(
                        !blocked.contains(&(*a.min(b), *a.max(b))),
                        "{a} and {b} are blocked but grouped: {outcome:?}"
                    );
                }
            }
        }
    }
}
