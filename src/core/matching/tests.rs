//! Unit tests: small hand-made slots, and every path checked against the general algorithm.

mod strategies;

use std::collections::HashSet;

use proptest::prelude::*;
use proptest::strategy::ValueTree;

use super::*;
use strategies::{adversarial_strategy, slot_strategy};

pub(super) fn candidate(id: i64, experience: Experience) -> Candidate {
    Candidate {
        member: MemberId(id),
        experience,
    }
}

pub(super) fn note(a: i64, b: i64, tie: PairTie) -> PairNote {
    PairNote {
        a: MemberId(a),
        b: MemberId(b),
        tie,
    }
}

#[test]
fn pair_weight_adds_notes_and_caps_the_repeat_penalty() {
    let weights = MatchingWeights::default();
    let newcomer = candidate(1, Experience::Newcomer);
    let regular = candidate(2, Experience::Regular);
    let other = candidate(3, Experience::Other);
    assert_eq!(
        pair_weight(&weights, &newcomer, &regular, std::iter::empty()),
        Some(1100)
    );
    assert_eq!(
        pair_weight(&weights, &newcomer, &other, std::iter::empty()),
        Some(1000)
    );
    assert_eq!(
        pair_weight(
            &weights,
            &other,
            &regular,
            [PairTie::Friend, PairTie::Friend].into_iter()
        ),
        Some(1600)
    );
    assert_eq!(
        pair_weight(&weights, &other, &regular, [PairTie::Favourite].into_iter()),
        Some(1200)
    );
    assert_eq!(
        pair_weight(
            &weights,
            &other,
            &regular,
            [PairTie::RecentlyMet { times: 2 }].into_iter()
        ),
        Some(700)
    );
    // Two notes of three meetings each: six meetings, capped at 600.
    let repeats = [
        PairTie::RecentlyMet { times: 3 },
        PairTie::RecentlyMet { times: 3 },
    ];
    assert_eq!(
        pair_weight(&weights, &other, &regular, repeats.into_iter()),
        Some(400)
    );
    assert_eq!(
        pair_weight(
            &weights,
            &other,
            &regular,
            [PairTie::Friend, PairTie::Blocked].into_iter()
        ),
        None
    );
}

#[test]
fn tiny_slots() {
    let weights = MatchingWeights::default();
    let empty = MatchingInput {
        candidates: vec![],
        notes: vec![],
        seed: 1,
    };
    let outcome = match_members(&empty, &weights);
    assert!(outcome.groups.is_empty() && outcome.unmatched.is_empty());
    assert_eq!(outcome.pair_weight_total, 0);

    let alone = MatchingInput {
        candidates: vec![candidate(7, Experience::Other)],
        notes: vec![],
        seed: 1,
    };
    let outcome = match_members(&alone, &weights);
    assert!(outcome.groups.is_empty());
    assert_eq!(outcome.unmatched, vec![MemberId(7)]);

    // Duplicates keep the first; the pair is blocked, so nobody is matched.
    let blocked = MatchingInput {
        candidates: vec![
            candidate(1, Experience::Other),
            candidate(2, Experience::Other),
            candidate(1, Experience::Regular),
        ],
        notes: vec![
            note(1, 2, PairTie::Blocked),
            note(1, 99, PairTie::Friend),
            note(2, 2, PairTie::Blocked),
        ],
        seed: 3,
    };
    let outcome = match_members(&blocked, &weights);
    assert!(outcome.groups.is_empty());
    assert_eq!(outcome.unmatched, vec![MemberId(1), MemberId(2)]);
}

#[test]
fn friends_are_paired_and_the_odd_member_joins_the_best_pair() {
    let weights = MatchingWeights::default();
    let input = MatchingInput {
        candidates: vec![
            candidate(1, Experience::Other),
            candidate(2, Experience::Other),
            candidate(3, Experience::Newcomer),
            candidate(4, Experience::Regular),
            candidate(5, Experience::Regular),
        ],
        notes: vec![
            note(1, 2, PairTie::Friend),
            note(2, 1, PairTie::Friend),
            note(3, 4, PairTie::Blocked),
        ],
        seed: 11,
    };
    let outcome = match_members(&input, &weights);
    assert_eq!(outcome.pair_weight_total, 1600 + 1100);
    // Member 4 cannot join 3 (blocked), so it joins the friends' pair.
    assert!(outcome.groups.contains(&vec![MemberId(3), MemberId(5)]));
    assert!(outcome
        .groups
        .contains(&vec![MemberId(1), MemberId(2), MemberId(4)]));
    assert!(outcome.unmatched.is_empty());
}

fn kernel_outcome(input: &MatchingInput, weights: &MatchingWeights) -> Option<MatchingOutcome> {
    let slot = PreparedSlot::new(input, weights);
    let solution = solve_with_twin_kernel(&slot)?;
    Some(assemble_outcome(&slot, &solution.pairs))
}

fn certificate_outcome(
    input: &MatchingInput,
    weights: &MatchingWeights,
) -> Option<MatchingOutcome> {
    let slot = PreparedSlot::new(input, weights);
    let solution = solve_with_note_graph_certificate(&slot)?;
    Some(assemble_outcome(&slot, &solution.pairs))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    /// Path 2 is tried on its own (even where path 1 would answer) so its argument is tested.
    #[test]
    fn twin_kernel_matches_the_general_algorithm(input in slot_strategy(4..40, 2..10)) {
        let weights = MatchingWeights::default();
        let general = match_members_general(&input, &weights);
        if let Some(kernel) = kernel_outcome(&input, &weights) {
            prop_assert_eq!(kernel.pair_weight_total, general.pair_weight_total);
            let pairs = kernel.groups.iter().filter(|group| group.len() >= 2).count();
            let general_pairs = general.groups.len();
            prop_assert_eq!(pairs, general_pairs);
        }
    }

    #[test]
    fn certificate_matches_the_general_algorithm(input in slot_strategy(0..30, 2..10)) {
        let weights = MatchingWeights::default();
        let general = match_members_general(&input, &weights);
        if let Some(certified) = certificate_outcome(&input, &weights) {
            prop_assert_eq!(certified.pair_weight_total, general.pair_weight_total);
            prop_assert_eq!(certified.groups.len(), general.groups.len());
        }
    }
}

#[test]
fn both_reductions_are_exercised() {
    let weights = MatchingWeights::default();
    let mut seen = HashSet::new();
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let strategy = slot_strategy(10..40, 2..10);
    for _ in 0..200 {
        let Ok(tree) = strategy.new_tree(&mut runner) else {
            continue;
        };
        let input = tree.current();
        let (outcome, diagnostics) = match_members_with_diagnostics(&input, &weights);
        assert_eq!(
            outcome.pair_weight_total,
            match_members_general(&input, &weights).pair_weight_total
        );
        seen.insert(format!("{:?}", diagnostics.strategy));
    }
    for strategy in ["NoteGraphCertificate", "TwinKernel"] {
        assert!(seen.contains(strategy), "{strategy} never taken: {seen:?}");
    }
}

/// Adversarial random slots on every path. A modest count runs every time; set
/// `MATCHING_STRESS=5000` for a deep run before touching the reduction.
#[test]
fn stress_every_path_against_the_general_algorithm() {
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let mut kernel_taken = 0;
    let mut certificate_taken = 0;
    let mut kernel_reduced_by_six_or_more = 0;
    let iterations: usize = std::env::var("MATCHING_STRESS")
        .ok()
        .and_then(|text| text.parse().ok())
        .unwrap_or(150);
    let strategy = adversarial_strategy();
    for _ in 0..iterations {
        let Ok(tree) = strategy.new_tree(&mut runner) else {
            continue;
        };
        let (input, weights) = tree.current();
        let general = match_members_general(&input, &weights);
        let slot = PreparedSlot::new(&input, &weights);
        if let Some(solution) = solve_with_twin_kernel(&slot) {
            if solution.blossom_member_count + 6 <= slot.member_count() {
                kernel_reduced_by_six_or_more += 1;
            }
        }
        if let Some(kernel) = kernel_outcome(&input, &weights) {
            kernel_taken += 1;
            assert_eq!(
                kernel.pair_weight_total, general.pair_weight_total,
                "kernel {input:?} {weights:?}"
            );
            assert_eq!(
                kernel.groups.len(),
                general.groups.len(),
                "kernel {input:?} {weights:?}"
            );
        }
        if let Some(certified) = certificate_outcome(&input, &weights) {
            certificate_taken += 1;
            assert_eq!(
                certified.pair_weight_total, general.pair_weight_total,
                "certificate {input:?} {weights:?}"
            );
            assert_eq!(
                certified.groups.len(),
                general.groups.len(),
                "certificate {input:?} {weights:?}"
            );
        }
        assert_eq!(
            match_members(&input, &weights).pair_weight_total,
            general.pair_weight_total
        );
    }
    println!(
        "kernel {kernel_taken} (reduced by 6+: {kernel_reduced_by_six_or_more}), \
         certificate {certificate_taken} of {iterations}"
    );
}

#[test]
fn everyone_noted_with_everyone_falls_back_to_the_general_algorithm() {
    let weights = MatchingWeights::default();
    let candidates: Vec<Candidate> = (1..=9)
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
    let mut notes = Vec::new();
    for a in 1..=9 {
        for b in a + 1..=9 {
            notes.push(note(
                a,
                b,
                PairTie::RecentlyMet {
                    times: ((a + b) % 3) as u32 + 1,
                },
            ));
        }
    }
    notes.push(note(1, 2, PairTie::Friend));
    let input = MatchingInput {
        candidates,
        notes,
        seed: 5,
    };
    let (outcome, diagnostics) = match_members_with_diagnostics(&input, &weights);
    assert_eq!(diagnostics.strategy, MatchingStrategy::General);
    assert_eq!(diagnostics.largest_blossom_run, 9);
    assert_eq!(outcome, match_members_general(&input, &weights));
}
