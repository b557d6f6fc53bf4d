//! Matching figures: `cargo bench --bench matching`.
//!
//! Slots of 200, 2,000 and 20,000 members with a realistic sparse structure (about 3% of members
//! in friend/favourite pairs, 1% blocking someone, 3% in a recent repeat; 15% newcomers, 40%
//! regulars), slots with exactly as many newcomers as regulars (the kernel path), and a dense-notes
//! slot of 200 where everyone has notes with many others (the general fallback). For each: the
//! path `match_members` took, how many members the blossom algorithm saw, the median time, and
//! the total weight, checked against the general algorithm where that finishes in reasonable
//! time.

use std::time::{Duration, Instant};

use focusfolk::core::matching::{
    match_members, match_members_general, match_members_with_diagnostics, Candidate, Experience,
    MatchingInput, MatchingOutcome, MatchingWeights, PairNote, PairTie,
};
use focusfolk::core::model::MemberId;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Longest we let the general algorithm run for one figure (estimated from the 200-member run,
/// scaled by n³).
const GENERAL_ALGORITHM_BUDGET: Duration = Duration::from_secs(60);

struct ClassMix {
    newcomer_share: f64,
    regular_share: f64,
}

const REALISTIC_CLASSES: ClassMix = ClassMix {
    newcomer_share: 0.15,
    regular_share: 0.40,
};

fn candidates(member_count: usize, classes: &ClassMix, rng: &mut ChaCha8Rng) -> Vec<Candidate> {
    (1..=member_count)
        .map(|id| {
            let draw: f64 = rng.random();
            let experience = if draw < classes.newcomer_share {
                Experience::Newcomer
            } else if draw < classes.newcomer_share + classes.regular_share {
                Experience::Regular
            } else {
                Experience::Other
            };
            Candidate {
                member: MemberId(id as i64),
                experience,
            }
        })
        .collect()
}

fn random_other(member: i64, member_count: usize, rng: &mut ChaCha8Rng) -> i64 {
    loop {
        let other = rng.random_range(1..=member_count as i64);
        if other != member {
            return other;
        }
    }
}

fn sparse_slot(member_count: usize, classes: &ClassMix, seed: u64) -> MatchingInput {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let candidates = candidates(member_count, classes, &mut rng);
    let mut ids: Vec<i64> = (1..=member_count as i64).collect();
    ids.shuffle(&mut rng);
    let mut notes = Vec::new();
    // ~3% of members in friend or favourite pairs.
    let liked_pair_count = (member_count * 3 / 100 / 2).max(1);
    for couple in ids.chunks(2).take(liked_pair_count) {
        let [a, b] = couple else { continue };
        let (a, b) = (MemberId(*a), MemberId(*b));
        if rng.random_bool(0.5) {
            notes.push(PairNote {
                a,
                b,
                tie: PairTie::Friend,
            });
            notes.push(PairNote {
                a: b,
                b: a,
                tie: PairTie::Friend,
            });
        } else {
            notes.push(PairNote {
                a,
                b,
                tie: PairTie::Favourite,
            });
        }
    }
    // ~1% of members block someone.
    for _ in 0..(member_count / 100).max(1) {
        let member = rng.random_range(1..=member_count as i64);
        let other = random_other(member, member_count, &mut rng);
        notes.push(PairNote {
            a: MemberId(member),
            b: MemberId(other),
            tie: PairTie::Blocked,
        });
    }
    // ~3% of members in a recent repeat.
    for _ in 0..(member_count * 3 / 100 / 2).max(1) {
        let member = rng.random_range(1..=member_count as i64);
        let other = random_other(member, member_count, &mut rng);
        let times = rng.random_range(1..=3);
        notes.push(PairNote {
            a: MemberId(member),
            b: MemberId(other),
            tie: PairTie::RecentlyMet { times },
        });
    }
    MatchingInput {
        candidates,
        notes,
        seed,
    }
}

/// Exactly as many newcomers as regulars (30% each), and the liked pairs are favourites within
/// one class. Either class bound then picks the favourites of one class only and leaves the
/// rest unbalanced, so the fast path cannot certify its answer: the twin kernel runs.
fn balanced_slot(member_count: usize, seed: u64) -> MatchingInput {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let class_size = member_count * 3 / 10;
    let mut experiences: Vec<Experience> = (0..member_count)
        .map(|index| {
            if index < class_size {
                Experience::Newcomer
            } else if index < 2 * class_size {
                Experience::Regular
            } else {
                Experience::Other
            }
        })
        .collect();
    experiences.shuffle(&mut rng);
    let candidates: Vec<Candidate> = experiences
        .iter()
        .enumerate()
        .map(|(index, &experience)| Candidate {
            member: MemberId(index as i64 + 1),
            experience,
        })
        .collect();
    let mut notes = Vec::new();
    for class in [Experience::Newcomer, Experience::Regular] {
        let mut ids: Vec<i64> = candidates
            .iter()
            .filter(|candidate| candidate.experience == class)
            .map(|candidate| candidate.member.0)
            .collect();
        ids.shuffle(&mut rng);
        for couple in ids.chunks(2).take((member_count * 3 / 100 / 4).max(1)) {
            if let [a, b] = couple {
                notes.push(PairNote {
                    a: MemberId(*a),
                    b: MemberId(*b),
                    tie: PairTie::Favourite,
                });
            }
        }
    }
    for _ in 0..(member_count / 100).max(1) {
        let member = rng.random_range(1..=member_count as i64);
        let other = random_other(member, member_count, &mut rng);
        notes.push(PairNote {
            a: MemberId(member),
            b: MemberId(other),
            tie: PairTie::Blocked,
        });
    }
    for _ in 0..(member_count * 3 / 100 / 2).max(1) {
        let member = rng.random_range(1..=member_count as i64);
        let other = random_other(member, member_count, &mut rng);
        let times = rng.random_range(1..=3);
        notes.push(PairNote {
            a: MemberId(member),
            b: MemberId(other),
            tie: PairTie::RecentlyMet { times },
        });
    }
    MatchingInput {
        candidates,
        notes,
        seed,
    }
}

/// Everyone has met ~15 others recently and likes two; newcomers and regulars balanced.
fn dense_slot(member_count: usize, seed: u64) -> MatchingInput {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let candidates = candidates(
        member_count,
        &ClassMix {
            newcomer_share: 0.45,
            regular_share: 0.45,
        },
        &mut rng,
    );
    let mut notes = Vec::new();
    for member in 1..=member_count as i64 {
        for _ in 0..15 {
            let other = random_other(member, member_count, &mut rng);
            let times = rng.random_range(1..=4);
            notes.push(PairNote {
                a: MemberId(member),
                b: MemberId(other),
                tie: PairTie::RecentlyMet { times },
            });
        }
        for _ in 0..2 {
            let other = random_other(member, member_count, &mut rng);
            notes.push(PairNote {
                a: MemberId(member),
                b: MemberId(other),
                tie: PairTie::Friend,
            });
        }
    }
    MatchingInput {
        candidates,
        notes,
        seed,
    }
}

fn median(mut durations: Vec<Duration>) -> Duration {
    durations.sort_unstable();
    durations[durations.len() / 2]
}

fn time_runs(runs: usize, mut run: impl FnMut() -> MatchingOutcome) -> (Duration, MatchingOutcome) {
    let mut durations = Vec::with_capacity(runs);
    let mut last = None;
    for _ in 0..runs {
        let started = Instant::now();
        let outcome = run();
        durations.push(started.elapsed());
        last = Some(outcome);
    }
    match last {
        Some(outcome) => (median(durations), outcome),
        None => (Duration::ZERO, run()),
    }
}

fn milliseconds(duration: Duration) -> String {
    format!("{:.2} ms", duration.as_secs_f64() * 1000.0)
}

/// One figure: `match_members` timed; the general algorithm too when `general_runs` > 0.
fn report(
    label: &str,
    input: &MatchingInput,
    runs: usize,
    general_runs: usize,
) -> Option<Duration> {
    let weights = MatchingWeights::default();
    let (_, diagnostics) = match_members_with_diagnostics(input, &weights);
    let (fast_time, fast) = time_runs(runs, || match_members(input, &weights));
    println!(
        "{label:<34} {:>6} members  path {:<21} noted {:>5}  blossom saw {:>5} (largest run {:>5})  median {:>11}  total {}",
        diagnostics.candidate_count,
        format!("{:?}", diagnostics.strategy),
        diagnostics.noted_member_count,
        diagnostics.blossom_member_count,
        diagnostics.largest_blossom_run,
        milliseconds(fast_time),
        fast.pair_weight_total,
    );
    if general_runs == 0 {
        return None;
    }
    let (general_time, general) =
        time_runs(general_runs, || match_members_general(input, &weights));
    let optimal = fast.pair_weight_total == general.pair_weight_total
        && fast.groups.len() == general.groups.len();
    println!(
        "{:<34} {:>6} members  general algorithm: median {:>11} over {general_runs} run(s), total {}  optimal: {}",
        "",
        diagnostics.candidate_count,
        milliseconds(general_time),
        general.pair_weight_total,
        if optimal { "yes" } else { "NO" },
    );
    Some(general_time)
}

fn main() {
    let bench_started = Instant::now();
    // `cargo bench` passes --bench; `cargo test --all-targets` runs this binary too (unoptimised),
    // where a quick check that the exact path still equals the general algorithm is enough.
    if !std::env::args().any(|arg| arg == "--bench") {
        let small = sparse_slot(200, &REALISTIC_CLASSES, 200);
        report("smoke: realistic sparse", &small, 1, 1);
        return;
    }
    println!("match_members (exact reductions) vs match_members_general (blossom on the complete graph)\n");

    let small = sparse_slot(200, &REALISTIC_CLASSES, 200);
    let general_time_200 = report("realistic sparse", &small, 15, 3);

    let medium = sparse_slot(2_000, &REALISTIC_CLASSES, 2_000);
    let estimate_2000 = general_time_200.map(|time| time.mul_f64(1000.0));
    match estimate_2000 {
        Some(estimate) if estimate < GENERAL_ALGORITHM_BUDGET => {
            report("realistic sparse", &medium, 9, 1);
        }
        Some(estimate) => {
            report("realistic sparse", &medium, 9, 0);
            println!(
                "{:<34} general algorithm skipped: estimated {:.0} s from the 200-member run (n³), over the {} s budget",
                "",
                estimate.as_secs_f64(),
                GENERAL_ALGORITHM_BUDGET.as_secs()
            );
        }
        None => {
            report("realistic sparse", &medium, 9, 0);
        }
    }

    let large = sparse_slot(20_000, &REALISTIC_CLASSES, 20_000);
    report("realistic sparse", &large, 5, 0);
    println!(
        "{:<34} general algorithm skipped: O(n³) on 20,000 members is hours",
        ""
    );

    println!();
    report(
        "balanced classes, favourites",
        &balanced_slot(200, 201),
        15,
        3,
    );
    let balanced_general_runs = match estimate_2000 {
        Some(estimate) if estimate < GENERAL_ALGORITHM_BUDGET => 1,
        _ => 0,
    };
    report(
        "balanced classes, favourites",
        &balanced_slot(2_000, 2_001),
        9,
        balanced_general_runs,
    );
    report(
        "balanced classes, favourites",
        &balanced_slot(20_000, 20_001),
        1,
        0,
    );

    println!();
    report("dense notes (17 per member)", &dense_slot(200, 202), 5, 3);

    println!(
        "\nbench finished in {:.1} s",
        bench_started.elapsed().as_secs_f64()
    );
}
