//! Path 2: the twin kernel (see the module documentation of `matching`).

use super::class_count_pairing::pair_by_class_counts_avoiding_notes;
use super::general::blossom_on_complete_graph;
use super::prepared_slot::PreparedSlot;
use super::weights::{CLASS_COUNT, NEWCOMER_CLASS, OTHER_CLASS, REGULAR_CLASS};
use super::{MatchingStrategy, PairSolution};

pub(super) fn solve_with_twin_kernel(slot: &PreparedSlot) -> Option<PairSolution> {
    let weights = slot.weights;
    if weights.newcomer_with_regular < 0 {
        return None;
    }
    let member_count = slot.member_count();

    // The core: members of a noted pair that weighs more than the same pair would if generic.
    let mut in_core = vec![false; member_count];
    for pair in &slot.noted_pairs {
        let helpful = slot
            .pair_weight_of(pair)
            .is_some_and(|weight| weight > slot.generic_weight_between(pair.lower, pair.higher));
        if helpful {
            in_core[pair.lower] = true;
            in_core[pair.higher] = true;
        }
    }
    let core: Vec<usize> = (0..member_count)
        .filter(|&member| in_core[member])
        .collect();
    let core_class_counts = slot.class_counts(core.iter().copied());
    let mut plain_outside_core: [Vec<usize>; CLASS_COUNT] = Default::default();
    let mut noted_outside_core: Vec<usize> = Vec::new();
    for member in (0..member_count).filter(|&member| !in_core[member]) {
        if slot.is_plain(member) {
            plain_outside_core[slot.classes[member]].push(member);
        } else {
            noted_outside_core.push(member);
        }
    }
    let noted_outside_core_counts = slot.class_counts(noted_outside_core.iter().copied());

    // Repairs inside the kernel need, for each noted pair of the core, buffer members of one
    // end's class at least as many as that end's noted partners in the core.
    let core_degree = |member: usize| {
        slot.noted_partners[member]
            .iter()
            .filter(|&&partner| in_core[partner])
            .count()
    };
    let core_noted_pairs: Vec<(usize, usize)> = slot
        .noted_pairs
        .iter()
        .filter(|pair| in_core[pair.lower] && in_core[pair.higher])
        .map(|pair| (pair.lower, pair.higher))
        .collect();
    let repair_buffer = core_noted_pairs
        .iter()
        .map(|&(a, b)| core_degree(a).min(core_degree(b)))
        .max()
        .unwrap_or(0);

    let plain_counts: [usize; CLASS_COUNT] = [
        plain_outside_core[NEWCOMER_CLASS].len(),
        plain_outside_core[REGULAR_CLASS].len(),
        plain_outside_core[OTHER_CLASS].len(),
    ];
    let mut buffer: [usize; CLASS_COUNT] = plain_counts.map(|count| count.min(repair_buffer));
    let paired_ahead = |buffer: &[usize; CLASS_COUNT], class: usize| {
        plain_counts[class] - buffer[class] + noted_outside_core_counts[class]
    };
    // The class in excess among the members paired ahead must not become the minority in the
    // kernel, whatever F takes out of the core: its buffer must exceed the other's by the
    // other class's core members.
    let sign_rule_holds = |buffer: &[usize; CLASS_COUNT]| {
        let ahead_newcomers = paired_ahead(buffer, NEWCOMER_CLASS);
        let ahead_regulars = paired_ahead(buffer, REGULAR_CLASS);
        match ahead_newcomers.cmp(&ahead_regulars) {
            std::cmp::Ordering::Equal => true,
            std::cmp::Ordering::Greater => {
                buffer[NEWCOMER_CLASS] >= buffer[REGULAR_CLASS] + core_class_counts[REGULAR_CLASS]
            }
            std::cmp::Ordering::Less => {
                buffer[REGULAR_CLASS] >= buffer[NEWCOMER_CLASS] + core_class_counts[NEWCOMER_CLASS]
            }
        }
    };
    for (excess_class, other_class) in [
        (NEWCOMER_CLASS, REGULAR_CLASS),
        (REGULAR_CLASS, NEWCOMER_CLASS),
    ] {
        let excess =
            paired_ahead(&buffer, excess_class).saturating_sub(paired_ahead(&buffer, other_class));
        if excess == 0 {
            continue;
        }
        let wanted = buffer[other_class] + core_class_counts[other_class];
        let raise = wanted
            .saturating_sub(buffer[excess_class])
            .min(excess)
            .min(plain_counts[excess_class] - buffer[excess_class]);
        buffer[excess_class] += raise;
    }
    if !sign_rule_holds(&buffer) {
        return None;
    }
    // Members paired ahead must come in pairs: move one more plain member into the buffer,
    // of a class whose move keeps the sign rule.
    let paired_ahead_total = |buffer: &[usize; CLASS_COUNT]| {
        (0..CLASS_COUNT)
            .map(|class| paired_ahead(buffer, class))
            .sum::<usize>()
    };
    if paired_ahead_total(&buffer) % 2 == 1 {
        let parity_fix = [OTHER_CLASS, NEWCOMER_CLASS, REGULAR_CLASS]
            .into_iter()
            .find_map(|class| {
                if buffer[class] == plain_counts[class] {
                    return None;
                }
                let mut adjusted = buffer;
                adjusted[class] += 1;
                sign_rule_holds(&adjusted).then_some(adjusted)
            });
        buffer = parity_fix?;
    }
    if paired_ahead_total(&buffer) == 0 {
        // The kernel would be everyone.
        return None;
    }
    let every_core_noted_pair_repairable = core_noted_pairs.iter().all(|&(a, b)| {
        buffer[slot.classes[a]] >= core_degree(a) || buffer[slot.classes[b]] >= core_degree(b)
    });
    if !every_core_noted_pair_repairable {
        return None;
    }

    let mut kernel = core;
    let mut paired_ahead_members = noted_outside_core.clone();
    for class in 0..CLASS_COUNT {
        kernel.extend(&plain_outside_core[class][..buffer[class]]);
        paired_ahead_members.extend(&plain_outside_core[class][buffer[class]..]);
    }
    kernel.sort_unstable();
    paired_ahead_members.sort_unstable();
    let ahead = pair_by_class_counts_avoiding_notes(slot, &paired_ahead_members)?;
    if ahead.left_over.is_some() || ahead.pairs.len() * 2 != paired_ahead_members.len() {
        return None;
    }
    let mut pairs = blossom_on_complete_graph(slot, &kernel);
    pairs.extend(ahead.pairs);
    pairs.sort_unstable();
    Some(PairSolution {
        pairs,
        strategy: MatchingStrategy::TwinKernel,
        blossom_member_count: kernel.len(),
        largest_blossom_run: kernel.len(),
    })
}
