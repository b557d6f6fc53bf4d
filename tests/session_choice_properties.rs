//! Properties of the members' matching choices (issue 11: `prefs availability`, session modes,
//! `prefs mix-modes`) over random populations, through the same notes the engine builds
//! (`core::session_choice::choice_notes` added to the relation notes):
//! - a friends-only member is only ever grouped with (mutual) friends and their own favourites;
//! - `quiet` and `talk` are never grouped unless both members allowed mixing;
//! - the matching is still optimal: the same number of pairs and total weight as the general
//!   reference `match_members_general` on the same notes.

use std::collections::HashSet;

use focusfolk::core::matching::{
    match_members, match_members_general, match_members_with_diagnostics, Candidate, Experience,
    MatchingInput, MatchingOutcome, MatchingStrategy, MatchingWeights, PairNote, PairTie,
};
use focusfolk::core::model::{MemberId, Relation, RelationKind};
use focusfolk::core::session_choice::{
    choice_notes, friend_or_favourite_lists, modes_clash, Availability, MatchPreferences,
    SlotMemberChoice,
};
use proptest::prelude::*;

/// One random slot: who is booked, in which mode, with which choices, and how they relate.
#[derive(Debug, Clone)]
struct Population {
    candidates: Vec<Candidate>,
    choices: Vec<SlotMemberChoice>,
    relations: Vec<Relation>,
    seed: u64,
}

impl Population {
    /// The matcher's input as `Engine::match_these_members` builds it.
    fn input(&self) -> MatchingInput {
        let mut notes: Vec<PairNote> = self
            .relations
            .iter()
            .map(|relation| PairNote {
                a: relation.member,
                b: relation.other,
                tie: match relation.kind {
                    RelationKind::Friend => PairTie::Friend,
                    RelationKind::Favourite => PairTie::Favourite,
                    RelationKind::Block => PairTie::Blocked,
                },
            })
            .collect();
        notes.extend(choice_notes(&self.choices, &self.relations));
        MatchingInput {
            candidates: self.candidates.clone(),
            notes,
            seed: self.seed,
        }
    }
}

const MODES: [&str; 3] = ["quiet", "talk", "moving"];

/// `members` people; `picky_percent` of them friends-only; modes drawn with `mode_weights`.
fn population_strategy(
    members: std::ops::RangeInclusive<usize>,
    picky_percent: u32,
) -> impl Strategy<Value = Population> {
    (members, any::<u64>()).prop_flat_map(move |(count, seed)| {
        let ids = 0..count.max(1);
        let member = (
            0u8..3,
            prop_oneof![6 => Just(0usize), 2 => Just(1usize), 2 => Just(2usize)],
            0u32..100,
            any::<bool>(),
        );
        let relation = (
            ids.clone(),
            ids,
            prop_oneof![
                3 => Just(RelationKind::Friend),
                3 => Just(RelationKind::Favourite),
                1 => Just(RelationKind::Block),
            ],
        );
        (
            proptest::collection::vec(member, count),
            proptest::collection::vec(relation, 0..=count * 2),
        )
            .prop_map(move |(members, raw_relations)| {
                let id = |index: usize| MemberId(index as i64 + 1);
                let candidates = members
                    .iter()
                    .enumerate()
                    .map(|(index, (class, _, _, _))| Candidate {
                        member: id(index),
                        experience: match class {
                            0 => Experience::Newcomer,
                            1 => Experience::Regular,
                            _ => Experience::Other,
                        },
                    })
                    .collect();
                let choices = members
                    .iter()
                    .enumerate()
                    .map(|(index, (_, mode, draw, mix_modes))| SlotMemberChoice {
                        member: id(index),
                        mode: MODES[*mode].to_string(),
                        preferences: MatchPreferences {
                            availability: if *draw < picky_percent {
                                Availability::Friends
                            } else {
                                Availability::Everyone
                            },
                            mix_modes: *mix_modes,
                        },
                    })
                    .collect();
                let mut relations = Vec::new();
                for (a, b, kind) in raw_relations {
                    if a == b {
                        continue;
                    }
                    relations.push(Relation {
                        member: id(a),
                        other: id(b),
                        kind,
                    });
                    // Friends are mutual: both relations, as the store writes them.
                    if kind == RelationKind::Friend {
                        relations.push(Relation {
                            member: id(b),
                            other: id(a),
                            kind,
                        });
                    }
                }
                Population {
                    candidates,
                    choices,
                    relations,
                    seed,
                }
            })
    })
}

/// Every two members of one group, pair or trio.
fn grouped_pairs(outcome: &MatchingOutcome) -> Vec<(MemberId, MemberId)> {
    let mut pairs = Vec::new();
    for group in &outcome.groups {
        for (index, a) in group.iter().enumerate() {
            for b in &group[index + 1..] {
                pairs.push((*a, *b));
            }
        }
    }
    pairs
}

fn check_choices_hold(population: &Population, outcome: &MatchingOutcome) {
    let lists = friend_or_favourite_lists(&population.relations);
    let on_list = |x: MemberId, y: MemberId| lists.get(&x).is_some_and(|list| list.contains(&y));
    let choice_of = |member: MemberId| {
        population
            .choices
            .iter()
            .find(|choice| choice.member == member)
            .expect("a candidate")
    };
    let blocked: HashSet<(MemberId, MemberId)> = population
        .relations
        .iter()
        .filter(|relation| relation.kind == RelationKind::Block)
        .map(|relation| (relation.member, relation.other))
        .collect();
    for (a, b) in grouped_pairs(outcome) {
        let (first, second) = (choice_of(a), choice_of(b));
        for (x, y) in [(first, second), (second, first)] {
            if x.preferences.availability == Availability::Friends {
                assert!(
                    on_list(x.member, y.member),
                    "friends-only {} grouped with {}, who is neither a friend nor a favourite: {outcome:?}",
                    x.member,
                    y.member
                );
            }
            assert!(
                !blocked.contains(&(x.member, y.member)),
                "a block was ignored"
            );
        }
        if modes_clash(&first.mode, &second.mode) {
            assert!(
                first.preferences.mix_modes && second.preferences.mix_modes,
                "{} ({}) grouped with {} ({}) without both allowing it",
                a,
                first.mode,
                b,
                second.mode
            );
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(600))]

    /// Small and middling slots, a fifth of the members friends-only.
    #[test]
    fn choices_hold_and_the_matching_stays_optimal(
        population in population_strategy(2..=40, 20),
    ) {
        let weights = MatchingWeights::default();
        let input = population.input();
        let outcome = match_members(&input, &weights);
        check_choices_hold(&population, &outcome);
        let general = match_members_general(&input, &weights);
        check_choices_hold(&population, &general);
        prop_assert_eq!(outcome.groups.len(), general.groups.len());
        prop_assert_eq!(outcome.pair_weight_total, general.pair_weight_total);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(120))]

    /// Larger slots with few friends-only members, where the fast paths can apply.
    #[test]
    fn larger_slots_keep_the_choices_and_the_optimum(
        population in population_strategy(60..=120, 3),
    ) {
        let weights = MatchingWeights::default();
        let input = population.input();
        let outcome = match_members(&input, &weights);
        check_choices_hold(&population, &outcome);
        let general = match_members_general(&input, &weights);
        prop_assert_eq!(outcome.groups.len(), general.groups.len());
        prop_assert_eq!(outcome.pair_weight_total, general.pair_weight_total);
    }
}

/// Equal modes are preferred: four members, two quiet and two moving, nothing else between
/// them, are paired by mode.
#[test]
fn equal_modes_are_paired_together() {
    let population = Population {
        candidates: (1..=4)
            .map(|id| Candidate {
                member: MemberId(id),
                experience: Experience::Other,
            })
            .collect(),
        choices: ["quiet", "moving", "quiet", "moving"]
            .iter()
            .enumerate()
            .map(|(index, mode)| SlotMemberChoice {
                member: MemberId(index as i64 + 1),
                mode: mode.to_string(),
                preferences: MatchPreferences::default(),
            })
            .collect(),
        relations: Vec::new(),
        seed: 7,
    };
    for seed in 0..20 {
        let mut input = population.input();
        input.seed = seed;
        let outcome = match_members(&input, &MatchingWeights::default());
        let mut groups = outcome.groups.clone();
        groups.sort();
        assert_eq!(
            groups,
            vec![
                vec![MemberId(1), MemberId(3)],
                vec![MemberId(2), MemberId(4)]
            ],
            "seed {seed}"
        );
    }
}

/// A friends-only member with no friend or favourite booked stays unmatched (told at the
/// start), while the others are paired; the one quiet member who allowed mixing does not
/// meet a talk member who did not.
#[test]
fn a_friends_only_member_without_friends_in_the_slot_is_left_out() {
    let choice = |id: i64, mode: &str, availability, mix_modes| SlotMemberChoice {
        member: MemberId(id),
        mode: mode.to_string(),
        preferences: MatchPreferences {
            availability,
            mix_modes,
        },
    };
    let population = Population {
        candidates: (1..=3)
            .map(|id| Candidate {
                member: MemberId(id),
                experience: Experience::Other,
            })
            .collect(),
        choices: vec![
            choice(1, "quiet", Availability::Friends, false),
            choice(2, "quiet", Availability::Everyone, false),
            choice(3, "quiet", Availability::Everyone, false),
        ],
        relations: Vec::new(),
        seed: 1,
    };
    let outcome = match_members(&population.input(), &MatchingWeights::default());
    assert_eq!(outcome.groups, vec![vec![MemberId(2), MemberId(3)]]);
    assert_eq!(outcome.unmatched, vec![MemberId(1)]);

    let clash = Population {
        choices: vec![
            choice(1, "quiet", Availability::Everyone, true),
            choice(2, "talk", Availability::Everyone, false),
            choice(3, "moving", Availability::Everyone, false),
        ],
        ..population
    };
    let outcome = match_members(&clash.input(), &MatchingWeights::default());
    check_choices_hold(&clash, &outcome);
    // Three members make one pair and a trio only where nobody clashes: 1–3 and 2–3 are
    // allowed, 1–2 is not, so someone is left out of a trio and 3 pairs with one of them.
    assert_eq!(outcome.groups.len(), 1);
    assert!(outcome.groups[0].contains(&MemberId(3)));
}

/// How a large, realistic slot fares: 400 members, a few friends-only, modes mixed. The
/// answer must be optimal whichever path it took; the path is printed for the report.
#[test]
fn a_large_mixed_slot_is_optimal() {
    let count = 400i64;
    let choices: Vec<SlotMemberChoice> = (1..=count)
        .map(|id| SlotMemberChoice {
            member: MemberId(id),
            mode: MODES[(id % 7 % 3) as usize].to_string(),
            preferences: MatchPreferences {
                availability: if id % 50 == 0 {
                    Availability::Friends
                } else {
                    Availability::Everyone
                },
                mix_modes: id % 3 == 0,
            },
        })
        .collect();
    let relations: Vec<Relation> = (1..count)
        .step_by(9)
        .flat_map(|id| {
            [
                Relation {
                    member: MemberId(id),
                    other: MemberId(id + 1),
                    kind: RelationKind::Friend,
                },
                Relation {
                    member: MemberId(id + 1),
                    other: MemberId(id),
                    kind: RelationKind::Friend,
                },
            ]
        })
        .collect();
    let population = Population {
        candidates: (1..=count)
            .map(|id| Candidate {
                member: MemberId(id),
                experience: match id % 5 {
                    0 => Experience::Newcomer,
                    1 | 2 => Experience::Regular,
                    _ => Experience::Other,
                },
            })
            .collect(),
        choices,
        relations,
        seed: 3,
    };
    let input = population.input();
    let started = std::time::Instant::now();
    let (outcome, diagnostics) =
        match_members_with_diagnostics(&input, &MatchingWeights::default());
    let fast = started.elapsed();
    let started = std::time::Instant::now();
    let general = match_members_general(&input, &MatchingWeights::default());
    let reference = started.elapsed();
    eprintln!(
        "400 members, {} notes: {:?} in {fast:?} (general reference {reference:?})",
        input.notes.len(),
        diagnostics.strategy
    );
    check_choices_hold(&population, &outcome);
    assert_eq!(outcome.pair_weight_total, general.pair_weight_total);
    assert_eq!(outcome.groups.len(), general.groups.len());
    assert_ne!(diagnostics.strategy, MatchingStrategy::NothingToMatch);
}
