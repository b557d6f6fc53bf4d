//! Path 1: the note-graph certificate (see the module documentation of `matching`).

use std::collections::{HashMap, HashSet};

use rustworkx_core::petgraph::graph::UnGraph;

use super::class_count_pairing::pair_by_class_counts_avoiding_notes;
use super::general::run_blossom;
use super::prepared_slot::{total_weight_of_pairs, PreparedSlot};
use super::weights::{NEWCOMER_CLASS, REGULAR_CLASS};
use super::{MatchingStrategy, PairSolution};

pub(super) fn solve_with_note_graph_certificate(slot: &PreparedSlot) -> Option<PairSolution> {
    let weights = slot.weights;
    // With a negative class bonus the best generic pairing avoids newcomer–regular pairs and
    // the class formula is no longer an upper bound.
    if weights.newcomer_with_regular < 0 {
        return None;
    }
    let member_count = slot.member_count();
    let class_counts = slot.class_counts(0..member_count);
    // The minority class first: its bound is the one the class formula usually reaches.
    let bound_classes = if class_counts[NEWCOMER_CLASS] <= class_counts[REGULAR_CLASS] {
        [NEWCOMER_CLASS, REGULAR_CLASS]
    } else {
        [REGULAR_CLASS, NEWCOMER_CLASS]
    };
    for bound_class in bound_classes {
        let helpful_pairs: Vec<(usize, usize, i128)> = slot
            .noted_pairs
            .iter()
            .filter_map(|pair| {
                let weight = i128::from(slot.pair_weight_of(pair)?);
                let members_in_bound_class = [pair.lower, pair.higher]
                    .iter()
                    .filter(|&&member| slot.classes[member] == bound_class)
                    .count() as i128;
                let gain = weight
                    - i128::from(weights.base)
                    - i128::from(weights.newcomer_with_regular) * members_in_bound_class;
                (gain > 0).then_some((pair.lower, pair.higher, gain))
            })
            .collect();
        let sparse = best_matching_on_sparse_pairs(member_count, &helpful_pairs);

        let mut in_chosen_pair = vec![false; member_count];
        for &(a, b) in &sparse.pairs {
            in_chosen_pair[a] = true;
            in_chosen_pair[b] = true;
        }
        let everyone_else: Vec<usize> = (0..member_count)
            .filter(|&member| !in_chosen_pair[member])
            .collect();
        let Some(generic) = pair_by_class_counts_avoiding_notes(slot, &everyone_else) else {
            continue;
        };
        let mut pairs = sparse.pairs.clone();
        pairs.extend(generic.pairs);
        if pairs.len() != member_count / 2 {
            continue;
        }
        let Some(realised_weight) = total_weight_of_pairs(slot, &pairs) else {
            continue;
        };
        let chosen: HashSet<(usize, usize)> = sparse.pairs.iter().copied().collect();
        let chosen_gain: i128 = helpful_pairs
            .iter()
            .filter(|&&(a, b, _)| chosen.contains(&(a, b)))
            .map(|&(_, _, gain)| gain)
            .sum();
        let upper_bound = i128::from(weights.base) * (member_count / 2) as i128
            + i128::from(weights.newcomer_with_regular) * class_counts[bound_class] as i128
            + chosen_gain;
        if realised_weight == upper_bound {
            return Some(PairSolution {
                pairs,
                strategy: MatchingStrategy::NoteGraphCertificate,
                blossom_member_count: sparse.blossom_member_count,
                largest_blossom_run: sparse.largest_blossom_run,
            });
        }
    }
    None
}

struct SparseMatching {
    /// Each pair as (lower, higher).
    pairs: Vec<(usize, usize)>,
    blossom_member_count: usize,
    largest_blossom_run: usize,
}

/// Maximum-weight matching (not maximum-cardinality) of a sparse graph with positive weights,
/// one connected component at a time: a component of one pair needs no algorithm, and the
/// blossom algorithm's cubic cost only applies to the (small) larger components.
fn best_matching_on_sparse_pairs(
    member_count: usize,
    weighted_pairs: &[(usize, usize, i128)],
) -> SparseMatching {
    let mut component_parent: Vec<usize> = (0..member_count).collect();
    fn find_root(component_parent: &mut [usize], member: usize) -> usize {
        let mut root = member;
        while component_parent[root] != root {
            root = component_parent[root];
        }
        let mut current = member;
        while component_parent[current] != root {
            let next = component_parent[current];
            component_parent[current] = root;
            current = next;
        }
        root
    }
    for &(a, b, _) in weighted_pairs {
        let root_a = find_root(&mut component_parent, a);
        let root_b = find_root(&mut component_parent, b);
        if root_a != root_b {
            component_parent[root_a.max(root_b)] = root_a.min(root_b);
        }
    }
    // Components in order of their first pair, so the result never depends on hashing.
    let mut component_of_root: HashMap<usize, usize> = HashMap::new();
    let mut components: Vec<Vec<(usize, usize, i128)>> = Vec::new();
    for &(a, b, weight) in weighted_pairs {
        let root = find_root(&mut component_parent, a);
        let component = *component_of_root.entry(root).or_insert_with(|| {
            components.push(Vec::new());
            components.len() - 1
        });
        components[component].push((a.min(b), a.max(b), weight));
    }

    let mut matching = SparseMatching {
        pairs: Vec::new(),
        blossom_member_count: 0,
        largest_blossom_run: 0,
    };
    for component in components {
        if let [(a, b, _)] = component.as_slice() {
            matching.pairs.push((*a, *b));
            continue;
        }
        let mut members: Vec<usize> = component.iter().flat_map(|&(a, b, _)| [a, b]).collect();
        members.sort_unstable();
        members.dedup();
        let local_index: HashMap<usize, usize> = members
            .iter()
            .enumerate()
            .map(|(local, &member)| (member, local))
            .collect();
        let mut graph: UnGraph<(), i128> = UnGraph::with_capacity(members.len(), component.len());
        let nodes: Vec<_> = members.iter().map(|_| graph.add_node(())).collect();
        for &(a, b, weight) in &component {
            graph.add_edge(nodes[local_index[&a]], nodes[local_index[&b]], weight);
        }
        matching.blossom_member_count += members.len();
        matching.largest_blossom_run = matching.largest_blossom_run.max(members.len());
        for (local_a, local_b) in run_blossom(&graph, false) {
            let (a, b) = (members[local_a], members[local_b]);
            matching.pairs.push((a.min(b), a.max(b)));
        }
    }
    matching.pairs.sort_unstable();
    matching
}
