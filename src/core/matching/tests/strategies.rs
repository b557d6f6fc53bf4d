//! Random slots for the unit tests.

use proptest::prelude::*;

use super::{candidate, note};
use crate::core::matching::{Candidate, Experience, MatchingInput, MatchingWeights, PairTie};

/// A slot of `plain` members without notes and `noted` members with random notes among
/// themselves, classes drawn from `class_weights`.
pub(super) fn slot_strategy(
    plain: std::ops::Range<usize>,
    noted: std::ops::Range<usize>,
) -> impl Strategy<Value = MatchingInput> {
    (plain, noted, any::<u64>(), 0u8..4).prop_flat_map(|(plain, noted, seed, class_mix)| {
        let total = plain + noted;
        let class_strategy = move || match class_mix {
            // Balanced newcomers and regulars: path 1 tends to decline here.
            0 => prop_oneof![Just(Experience::Newcomer), Just(Experience::Regular)].boxed(),
            1 => prop_oneof![
                1 => Just(Experience::Newcomer),
                3 => Just(Experience::Regular),
                3 => Just(Experience::Other)
            ]
            .boxed(),
            2 => prop_oneof![
                3 => Just(Experience::Newcomer),
                1 => Just(Experience::Regular),
                1 => Just(Experience::Other)
            ]
            .boxed(),
            _ => prop_oneof![
                Just(Experience::Newcomer),
                Just(Experience::Regular),
                Just(Experience::Other)
            ]
            .boxed(),
        };
        let tie = prop_oneof![
            3 => Just(PairTie::Friend),
            2 => Just(PairTie::Favourite),
            2 => Just(PairTie::Blocked),
            3 => (1u32..5).prop_map(|times| PairTie::RecentlyMet { times }),
            2 => Just(PairTie::DifferentModes),
        ];
        let note_count = if noted < 2 { 0..1 } else { noted..noted * 3 };
        (
            proptest::collection::vec(class_strategy(), total),
            proptest::collection::vec((0..noted.max(1), 0..noted.max(1), tie), note_count),
        )
            .prop_map(move |(classes, raw_notes)| MatchingInput {
                candidates: classes
                    .into_iter()
                    .enumerate()
                    .map(|(index, experience)| candidate(index as i64 + 1, experience))
                    .collect(),
                // The noted members are the last `noted` ids.
                notes: raw_notes
                    .into_iter()
                    .map(|(a, b, tie)| note((plain + a) as i64 + 1, (plain + b) as i64 + 1, tie))
                    .collect(),
                seed,
            })
    })
}

fn experience_from(code: u8) -> Experience {
    match code % 3 {
        0 => Experience::Newcomer,
        1 => Experience::Regular,
        _ => Experience::Other,
    }
}

/// Adversarial slots: separate class mixes for plain and noted members, hubs, and random
/// weights (a small base, negative pair weights, no class bonus).
pub(super) fn adversarial_strategy() -> impl Strategy<Value = (MatchingInput, MatchingWeights)> {
    let weights = prop_oneof![
        Just(MatchingWeights::default()),
        (
            1i64..2000,
            -100i64..600,
            -100i64..400,
            0i64..400,
            0i64..900,
            0i64..300,
            -100i64..400
        )
            .prop_map(
                |(base, friend, favourite, penalty, cap, newcomer_with_regular, modes)| {
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
    ];
    (
        0usize..60,
        1usize..16,
        0u8..9,
        0u8..9,
        0usize..3,
        any::<u64>(),
        weights,
    )
        .prop_flat_map(
            |(plain, noted, plain_mix, noted_mix, hubs, seed, weights)| {
                let class_of = |mix: u8| {
                    // Mixes 0..3: one class only; 3..6: two classes; 6..9: all three.
                    (0u8..3).prop_map(move |draw| match mix {
                        0..=2 => experience_from(mix),
                        3..=5 => experience_from(mix + draw % 2),
                        _ => experience_from(draw),
                    })
                };
                let tie = prop_oneof![
                    3 => Just(PairTie::Friend),
                    2 => Just(PairTie::Favourite),
                    2 => Just(PairTie::Blocked),
                    3 => (0u32..5).prop_map(|times| PairTie::RecentlyMet { times }),
                    2 => Just(PairTie::DifferentModes),
                ];
                (
                    proptest::collection::vec(class_of(plain_mix), plain),
                    proptest::collection::vec(class_of(noted_mix), noted),
                    proptest::collection::vec((0..noted, 0..noted, tie.clone()), 0..noted * 3 + 1),
                    proptest::collection::vec((0..hubs.max(1), 0..noted, tie), 0..hubs * 12 + 1),
                )
                    .prop_map(
                        move |(plain_classes, noted_classes, raw_notes, hub_notes)| {
                            let candidates: Vec<Candidate> = plain_classes
                                .into_iter()
                                .chain(noted_classes)
                                .enumerate()
                                .map(|(index, experience)| candidate(index as i64 + 1, experience))
                                .collect();
                            let noted_id = |index: usize| (plain + index) as i64 + 1;
                            let notes = raw_notes
                                .into_iter()
                                .chain(hub_notes.into_iter().filter(|_| hubs > 0))
                                .map(|(a, b, tie)| note(noted_id(a), noted_id(b), tie))
                                .collect();
                            (
                                MatchingInput {
                                    candidates,
                                    notes,
                                    seed,
                                },
                                weights.clone(),
                            )
                        },
                    )
            },
        )
}
