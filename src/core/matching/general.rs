//! Path 3, and the blossom runs the other paths make: rustworkx's maximum-weight matching.

use std::convert::Infallible;

use rustworkx_core::max_weight_matching::max_weight_matching;
use rustworkx_core::petgraph::graph::UnGraph;

use super::prepared_slot::PreparedSlot;
use super::{MatchingStrategy, PairSolution};

pub(super) fn solve_with_general_blossom(slot: &PreparedSlot) -> PairSolution {
    let everyone: Vec<usize> = (0..slot.member_count()).collect();
    PairSolution {
        pairs: blossom_on_complete_graph(slot, &everyone),
        strategy: MatchingStrategy::General,
        blossom_member_count: everyone.len(),
        largest_blossom_run: everyone.len(),
    }
}

/// rustworkx's blossom algorithm; its answer comes as a hash set, so we sort it.
pub(super) fn run_blossom(
    graph: &UnGraph<(), i128>,
    maximum_cardinality: bool,
) -> Vec<(usize, usize)> {
    let result = max_weight_matching(
        graph,
        maximum_cardinality,
        |edge| Ok::<i128, Infallible>(*edge.weight()),
        false,
    );
    let matched = match result {
        Ok(matched) => matched,
        Err(never) => match never {},
    };
    let mut pairs: Vec<(usize, usize)> = matched
        .into_iter()
        .map(|(a, b)| (a.min(b), a.max(b)))
        .collect();
    pairs.sort_unstable();
    pairs
}

/// The maximum-weight matching among maximum-cardinality ones on the complete graph of
/// `members`, blocked pairs left out.
pub(super) fn blossom_on_complete_graph(
    slot: &PreparedSlot,
    members: &[usize],
) -> Vec<(usize, usize)> {
    let mut graph: UnGraph<(), i128> = UnGraph::with_capacity(
        members.len(),
        members.len() * members.len().saturating_sub(1) / 2,
    );
    let nodes: Vec<_> = members.iter().map(|_| graph.add_node(())).collect();
    let mut smallest_weight = i128::MAX;
    for (local_a, &a) in members.iter().enumerate() {
        for (local_b, &b) in members.iter().enumerate().skip(local_a + 1) {
            if let Some(weight) = slot.weight_between(a, b) {
                smallest_weight = smallest_weight.min(i128::from(weight));
                graph.add_edge(nodes[local_a], nodes[local_b], i128::from(weight));
            }
        }
    }
    // All maximum-cardinality matchings have the same number of pairs, so adding a constant to
    // every weight changes no comparison; keeping weights positive keeps the algorithm on its
    // well-trodden path (its dual variables start from the largest weight).
    if smallest_weight < 1 {
        let shift = 1 - smallest_weight;
        for weight in graph.edge_weights_mut() {
            *weight += shift;
        }
    }
    run_blossom(&graph, true)
        .into_iter()
        .map(|(local_a, local_b)| {
            let (a, b) = (members[local_a], members[local_b]);
            (a.min(b), a.max(b))
        })
        .collect()
}
