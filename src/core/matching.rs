//! Pairing the members of one slot: the maximum-weight matching among the maximum-cardinality
//! ones, then every member left over joins the pair that suits them best (a trio).
//!
//! # The objective
//!
//! An allowed pair {a, b} weighs `base + class term + note terms` (see [`pair_weight`]); a pair
//! with a `Blocked` note is not allowed at all. We want as many pairs as possible and, among
//! those matchings, the largest total weight. [`match_members_general`] hands exactly that to
//! rustworkx's blossom algorithm over the complete graph. It is the reference, and it is O(n³):
//! on the bench machine 5–12 ms for 200 members and 9–30 s for 2,000, depending on the slot,
//! far too slow for a big slot that is matched two minutes before it starts.
//! [`match_members`] returns a matching of the same, optimal, weight by using the structure of
//! the weights. It tries three paths in order; the first two prove their answer optimal or
//! decline.
//!
//! # Vocabulary
//!
//! A pair is *noted* when any note names it (a block, a friendship, a recent meeting…), *generic*
//! otherwise. A generic pair weighs `base + nr·[one newcomer and one regular]` (`nr` =
//! `newcomer_with_regular`): only the two classes matter. A member with no note at all is
//! *plain*; plain members of one class are interchangeable twins. Any matching M splits into F,
//! its noted pairs, and generic pairs among U = everyone not in F. A generic matching of U has at
//! most ⌊|U|/2⌋ pairs, of which at most min(N_U, R_U) are newcomer–regular (N_U, R_U: newcomers
//! and regulars in U). So, when `nr ≥ 0`, the generic part is worth at most
//!
//! > CF(U) = ⌊|U|/2⌋ pairs weighing `base·⌊|U|/2⌋ + nr·min(N_U, R_U)`   (the *class formula*).
//!
//! Both reductions need `nr ≥ 0`; with a negative class bonus everything goes to path 3.
//!
//! # Path 1: the note-graph certificate (the usual case; near-linear)
//!
//! min(N_U, R_U) ≤ Y_U for either class Y ∈ {newcomer, regular}, where Y_U = Y − Y_F. Hence no
//! matching (and none has more than ⌊n/2⌋ pairs) weighs more than
//!
//! > UB_Y = `base·⌊n/2⌋ + nr·Y + max_F Σ_{e∈F} gain_Y(e)`,
//! > where `gain_Y(e) = w(e) − base − nr·(members of e in class Y)`,
//!
//! and F ranges over matchings of the allowed noted pairs. Only pairs with a positive gain can
//! help (in practice the friend and favourite pairs), so this is a maximum-weight matching of
//! a sparse graph, solved one connected component at a time: mostly single pairs, which need
//! no algorithm; larger components go to the blossom algorithm. We take that best F, pair
//! everyone else by class counts alone (⌊|U|/2⌋ pairs, min(N_U, R_U) of them newcomer–regular,
//! noted members next to plain ones where possible), and then repair each pair that happens to
//! be noted: for a noted pair (u, v) we look for a member x of v's class (or of u's, roles
//! swapped) whose pair (x, y) lets (u, x) and (v, y) be generic, and swap partners. The swap
//! keeps the classes of the pairs, so the weight, and removes a noted pair without creating one.
//! If the result has ⌊n/2⌋ pairs and weighs exactly UB_Y, nothing can beat it. That equality is
//! checked at run time, so this path never returns a matching that is not optimal. It declines
//! when newcomers and regulars are nearly balanced (the best F can leave class Y in the
//! majority, so min(N_U, R_U) < Y_U and the bound is out of reach, for both choices of Y), or
//! when the repairs run out of partners (tiny or very dense slots).
//!
//! Cost: O(n + notes) hashing, plus the blossom algorithm on each component with more than one
//! helpful pair (O(c³) for c members), plus the repairs: a scan of one class per noted pair
//! left in the class-count pairing, usually a step or two.
//!
//! # Path 2: the twin kernel (balanced classes)
//!
//! A noted pair that weighs no more than the same pair would if generic (a recent meeting, a
//! block) never helps: putting its two members back into U raises the class formula by at
//! least their generic weight (min(a+c, b+d) ≥ min(a, b) + min(c, d)), so dropping it from F
//! never lowers max_F [w(F) + CF(U)]. Call the members of the helpful noted pairs the *core*.
//! The kernel K is the core plus a *buffer* of a few plain members of each class. Every other
//! member (D, including members whose notes are all unhelpful) is paired ahead of time (Q):
//! newcomer–regular pairs as far as the counts go, then the rest, never a noted pair. For every
//! matching F of helpful pairs:
//!
//! 1. CF(everyone ∖ F) = CF(K ∖ F) + weight(Q). The pair counts add because |D| is even (when it
//!    is odd, one more plain member joins the buffer). The newcomer–regular counts add when the
//!    class in excess in D is not the minority in K ∖ F, whatever F is: we make the buffer of
//!    that class at least the other class's buffer plus the other class's core members.
//! 2. The kernel reaches the class formula on K ∖ F: take the class-count pairing and repair its
//!    noted pairs using buffer members, which have no notes inside K. A noted pair (u, v) can be
//!    repaired around v when the buffer holds at least deg(v) members of v's class (deg = noted
//!    partners in the core): at most deg(v) − 1 of them are paired with a noted partner of v.
//!    We check that every noted pair of the core can be repaired around one of its ends.
//!
//! So OPT(all) ≤ max_F [w(F) + CF(all ∖ F)] = max_F [w(F) + CF(K ∖ F)] + w(Q) ≤ OPT(K) + w(Q) ≤
//! OPT(all), and the blossom algorithm on the kernel's complete graph, plus Q, is optimal. The
//! buffer per class is the largest, over the core's noted pairs, of the smaller degree (1 for
//! disjoint friend pairs), raised by the rule in 1. when the classes in D are lopsided. Cost:
//! O(k³) with k = |core| + buffers ≈ the members of friend/favourite pairs + a few. The
//! path declines when a class has too few plain members for its buffer, or D cannot be paired
//! without a noted pair.
//!
//! # Path 3: the general algorithm
//!
//! When neither reduction applies (typically everyone has notes with many others and the
//! classes are balanced, so the kernel would be everyone) we run the blossom algorithm on
//! everyone: O(n³), the cost of [`match_members_general`]. Honest worst case: a large slot in
//! which nearly everyone has friends or favourites among the others and the classes balance
//! exactly takes the general algorithm's time.
//!
//! # Trios and determinism
//!
//! After the pairs are fixed, each member left over (odd count, or blocked by everyone) joins
//! the pair where w(x,a) + w(x,b) is largest among pairs that are still pairs and where neither
//! edge is blocked; ties go to the first such pair. The candidates are shuffled with
//! `ChaCha8Rng::seed_from_u64(seed)` before anything else, so the seed only decides between
//! equally good answers, and the same input and seed give the same output.

use std::collections::{HashMap, HashSet};
use std::convert::Infallible;

use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rustworkx_core::max_weight_matching::max_weight_matching;
use rustworkx_core::petgraph::graph::UnGraph;

use crate::core::model::MemberId;

/// How experienced a member is, as far as matching cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Experience {
    /// Few sessions so far.
    Newcomer,
    /// Many sessions and reliable: a good first partner for a newcomer.
    Regular,
    Other,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Candidate {
    pub member: MemberId,
    pub experience: Experience,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PairTie {
    Friend,
    Favourite,
    Blocked,
    RecentlyMet { times: u32 },
}

/// A note about an (unordered) pair. Several notes for one pair add up (a directed friend
/// relation in both directions = two Friend notes); any Blocked note forbids the pair.
/// Recent meetings add up too, and the penalty cap applies to the pair's total.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PairNote {
    pub a: MemberId,
    pub b: MemberId,
    pub tie: PairTie,
}

#[derive(Debug, Clone, PartialEq)]
pub struct MatchingWeights {
    /// Every allowed pair gets this. It dominates the other terms, but the matching is
    /// maximum-cardinality regardless: pairs come first, preferences second.
    pub base: i64,
    pub friend: i64,
    pub favourite: i64,
    pub recent_repeat_penalty_per_meeting: i64,
    pub recent_repeat_penalty_cap: i64,
    /// Added when one member is a newcomer and the other a regular.
    pub newcomer_with_regular: i64,
}

impl Default for MatchingWeights {
    fn default() -> Self {
        MatchingWeights {
            base: 1000,
            friend: 300,
            favourite: 200,
            recent_repeat_penalty_per_meeting: 150,
            recent_repeat_penalty_cap: 600,
            newcomer_with_regular: 100,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct MatchingInput {
    /// When a member appears twice, the first entry counts.
    pub candidates: Vec<Candidate>,
    /// Notes naming a member who is not a candidate are ignored.
    pub notes: Vec<PairNote>,
    /// Only breaks ties between equally good matchings.
    pub seed: u64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct MatchingOutcome {
    /// Pairs, and trios where a left-over member joined a pair. Each group lists the matched
    /// pair first (lower id first); a third member is the one who joined. Groups are sorted by
    /// their first member; every member appears at most once.
    pub groups: Vec<Vec<MemberId>>,
    /// Only members no group can take (alone in the slot, or blocked by everyone), sorted.
    pub unmatched: Vec<MemberId>,
    /// Sum of pair weights of the maximum-weight matching (before trio placement).
    pub pair_weight_total: i64,
}

/// Which path [`match_members`] took; see the module documentation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MatchingStrategy {
    /// Fewer than two candidates.
    NothingToMatch,
    /// Path 1: best matching of the helpful noted pairs, the rest paired by class counts.
    NoteGraphCertificate,
    /// Path 2: the blossom algorithm on the core plus a buffer of plain members.
    TwinKernel,
    /// Path 3: the blossom algorithm on everyone.
    General,
}

/// What [`match_members_with_diagnostics`] reports besides the outcome (for benches and logs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MatchingDiagnostics {
    pub strategy: MatchingStrategy,
    /// Candidates after removing duplicates.
    pub candidate_count: usize,
    /// Candidates named by at least one note with another candidate.
    pub noted_member_count: usize,
    /// Members handed to the blossom algorithm, summed over its runs (the kernel size on path 2).
    pub blossom_member_count: usize,
    /// Members in the largest single blossom run: what the O(k³) cost depends on.
    pub largest_blossom_run: usize,
}

/// The weight of the pair {a, b} given every note about it, or None when a note blocks it.
pub fn pair_weight(
    weights: &MatchingWeights,
    a: &Candidate,
    b: &Candidate,
    notes_for_pair: impl Iterator<Item = PairTie>,
) -> Option<i64> {
    weight_from_summary(
        weights,
        a.experience,
        b.experience,
        &TieSummary::from_ties(notes_for_pair),
    )
}

/// The maximum-weight matching among the maximum-cardinality ones, computed with the exact
/// reductions described in the module documentation, then trios for members left over.
pub fn match_members(input: &MatchingInput, weights: &MatchingWeights) -> MatchingOutcome {
    match_members_with_diagnostics(input, weights).0
}

/// [`match_members`], also saying which path it took and how big the blossom runs were.
pub fn match_members_with_diagnostics(
    input: &MatchingInput,
    weights: &MatchingWeights,
) -> (MatchingOutcome, MatchingDiagnostics) {
    let slot = PreparedSlot::new(input, weights);
    let solution = solve_with_best_strategy(&slot);
    let diagnostics = MatchingDiagnostics {
        strategy: solution.strategy,
        candidate_count: slot.member_count(),
        noted_member_count: slot.noted_member_count(),
        blossom_member_count: solution.blossom_member_count,
        largest_blossom_run: solution.largest_blossom_run,
    };
    (assemble_outcome(&slot, &solution.pairs), diagnostics)
}

/// Reference: rustworkx-core max_weight_matching (max_cardinality = true) over the complete
/// graph of all candidates (blocked pairs left out). Used by tests and the bench.
pub fn match_members_general(input: &MatchingInput, weights: &MatchingWeights) -> MatchingOutcome {
    let slot = PreparedSlot::new(input, weights);
    let everyone: Vec<usize> = (0..slot.member_count()).collect();
    let pairs = blossom_on_complete_graph(&slot, &everyone);
    assemble_outcome(&slot, &pairs)
}

// ---------------------------------------------------------------------------------------------
// Weights

const NEWCOMER_CLASS: usize = 0;
const REGULAR_CLASS: usize = 1;
const OTHER_CLASS: usize = 2;
const CLASS_COUNT: usize = 3;

fn class_index(experience: Experience) -> usize {
    match experience {
        Experience::Newcomer => NEWCOMER_CLASS,
        Experience::Regular => REGULAR_CLASS,
        Experience::Other => OTHER_CLASS,
    }
}

/// Every note about one pair, added up.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct TieSummary {
    friend_notes: u64,
    favourite_notes: u64,
    blocked: bool,
    recent_meetings: u64,
}

impl TieSummary {
    fn add(&mut self, tie: PairTie) {
        match tie {
            PairTie::Friend => self.friend_notes = self.friend_notes.saturating_add(1),
            PairTie::Favourite => self.favourite_notes = self.favourite_notes.saturating_add(1),
            PairTie::Blocked => self.blocked = true,
            PairTie::RecentlyMet { times } => {
                self.recent_meetings = self.recent_meetings.saturating_add(u64::from(times))
            }
        }
    }

    fn from_ties(ties: impl Iterator<Item = PairTie>) -> Self {
        let mut summary = TieSummary::default();
        for tie in ties {
            summary.add(tie);
        }
        summary
    }
}

fn count_as_i64(count: u64) -> i64 {
    i64::try_from(count).unwrap_or(i64::MAX)
}

fn class_term(weights: &MatchingWeights, a: Experience, b: Experience) -> i64 {
    let newcomer_with_regular = matches!(
        (a, b),
        (Experience::Newcomer, Experience::Regular) | (Experience::Regular, Experience::Newcomer)
    );
    if newcomer_with_regular {
        weights.newcomer_with_regular
    } else {
        0
    }
}

fn generic_weight(weights: &MatchingWeights, a: Experience, b: Experience) -> i64 {
    weights.base.saturating_add(class_term(weights, a, b))
}

fn weight_from_summary(
    weights: &MatchingWeights,
    a: Experience,
    b: Experience,
    summary: &TieSummary,
) -> Option<i64> {
    if summary.blocked {
        return None;
    }
    let recent_penalty = weights
        .recent_repeat_penalty_per_meeting
        .saturating_mul(count_as_i64(summary.recent_meetings))
        .min(weights.recent_repeat_penalty_cap);
    Some(
        generic_weight(weights, a, b)
            .saturating_add(
                weights
                    .friend
                    .saturating_mul(count_as_i64(summary.friend_notes)),
            )
            .saturating_add(
                weights
                    .favourite
                    .saturating_mul(count_as_i64(summary.favourite_notes)),
            )
            .saturating_sub(recent_penalty),
    )
}

// ---------------------------------------------------------------------------------------------
// The slot, indexed

/// The notes about one pair of candidates (by index, `lower < higher`).
#[derive(Debug, Clone, Copy)]
struct NotedPair {
    lower: usize,
    higher: usize,
    summary: TieSummary,
}

/// The candidates in seeded shuffled order (indices are positions in it), with the notes
/// between them aggregated per pair. All the paths work on indices; ties between equally good
/// choices fall to the lower index, which is how the seed breaks ties.
struct PreparedSlot<'weights> {
    weights: &'weights MatchingWeights,
    members: Vec<Candidate>,
    classes: Vec<usize>,
    /// Sorted by (lower, higher), so iterating it never depends on hashing.
    noted_pairs: Vec<NotedPair>,
    noted_pair_position: HashMap<(usize, usize), usize>,
    /// For each member, the distinct members it shares a note with, ascending.
    noted_partners: Vec<Vec<usize>>,
}

impl<'weights> PreparedSlot<'weights> {
    fn new(input: &MatchingInput, weights: &'weights MatchingWeights) -> Self {
        let mut already_seen = HashSet::new();
        let mut members: Vec<Candidate> = input
            .candidates
            .iter()
            .filter(|candidate| already_seen.insert(candidate.member))
            .copied()
            .collect();
        let mut rng = ChaCha8Rng::seed_from_u64(input.seed);
        members.shuffle(&mut rng);

        let position_of_member: HashMap<MemberId, usize> = members
            .iter()
            .enumerate()
            .map(|(position, candidate)| (candidate.member, position))
            .collect();
        let mut indexed_notes: Vec<(usize, usize, PairTie)> = input
            .notes
            .iter()
            .filter_map(|note| {
                let a = *position_of_member.get(&note.a)?;
                let b = *position_of_member.get(&note.b)?;
                // A note about oneself names no pair.
                (a != b).then(|| (a.min(b), a.max(b), note.tie))
            })
            .collect();
        indexed_notes.sort_by_key(|&(lower, higher, _)| (lower, higher));

        let mut noted_pairs: Vec<NotedPair> = Vec::new();
        for (lower, higher, tie) in indexed_notes {
            match noted_pairs.last_mut() {
                Some(last) if last.lower == lower && last.higher == higher => last.summary.add(tie),
                _ => {
                    let mut summary = TieSummary::default();
                    summary.add(tie);
                    noted_pairs.push(NotedPair {
                        lower,
                        higher,
                        summary,
                    });
                }
            }
        }

        let mut noted_partners = vec![Vec::new(); members.len()];
        let mut noted_pair_position = HashMap::with_capacity(noted_pairs.len());
        for (position, pair) in noted_pairs.iter().enumerate() {
            noted_pair_position.insert((pair.lower, pair.higher), position);
            noted_partners[pair.lower].push(pair.higher);
            noted_partners[pair.higher].push(pair.lower);
        }
        for partners in &mut noted_partners {
            partners.sort_unstable();
        }

        let classes = members
            .iter()
            .map(|candidate| class_index(candidate.experience))
            .collect();
        PreparedSlot {
            weights,
            members,
            classes,
            noted_pairs,
            noted_pair_position,
            noted_partners,
        }
    }

    fn member_count(&self) -> usize {
        self.members.len()
    }

    fn noted_member_count(&self) -> usize {
        self.noted_partners
            .iter()
            .filter(|partners| !partners.is_empty())
            .count()
    }

    fn is_plain(&self, member: usize) -> bool {
        self.noted_partners[member].is_empty()
    }

    fn is_noted_pair(&self, a: usize, b: usize) -> bool {
        self.noted_pair_position.contains_key(&(a.min(b), a.max(b)))
    }

    fn pair_weight_of(&self, pair: &NotedPair) -> Option<i64> {
        weight_from_summary(
            self.weights,
            self.members[pair.lower].experience,
            self.members[pair.higher].experience,
            &pair.summary,
        )
    }

    fn generic_weight_between(&self, a: usize, b: usize) -> i64 {
        generic_weight(
            self.weights,
            self.members[a].experience,
            self.members[b].experience,
        )
    }

    /// None when the pair is blocked.
    fn weight_between(&self, a: usize, b: usize) -> Option<i64> {
        match self.noted_pair_position.get(&(a.min(b), a.max(b))) {
            Some(&position) => self.pair_weight_of(&self.noted_pairs[position]),
            None => Some(self.generic_weight_between(a, b)),
        }
    }

    fn class_counts(&self, members: impl Iterator<Item = usize>) -> [usize; CLASS_COUNT] {
        let mut counts = [0; CLASS_COUNT];
        for member in members {
            counts[self.classes[member]] += 1;
        }
        counts
    }
}

// ---------------------------------------------------------------------------------------------
// Choosing a path

struct PairSolution {
    pairs: Vec<(usize, usize)>,
    strategy: MatchingStrategy,
    blossom_member_count: usize,
    largest_blossom_run: usize,
}

fn solve_with_best_strategy(slot: &PreparedSlot) -> PairSolution {
    if slot.member_count() < 2 {
        return PairSolution {
            pairs: Vec::new(),
            strategy: MatchingStrategy::NothingToMatch,
            blossom_member_count: 0,
            largest_blossom_run: 0,
        };
    }
    solve_with_note_graph_certificate(slot)
        .or_else(|| solve_with_twin_kernel(slot))
        .unwrap_or_else(|| solve_with_general_blossom(slot))
}

fn solve_with_general_blossom(slot: &PreparedSlot) -> PairSolution {
    let everyone: Vec<usize> = (0..slot.member_count()).collect();
    PairSolution {
        pairs: blossom_on_complete_graph(slot, &everyone),
        strategy: MatchingStrategy::General,
        blossom_member_count: everyone.len(),
        largest_blossom_run: everyone.len(),
    }
}

fn total_weight_of_pairs(slot: &PreparedSlot, pairs: &[(usize, usize)]) -> Option<i128> {
    pairs.iter().try_fold(0i128, |total, &(a, b)| {
        Some(total + i128::from(slot.weight_between(a, b)?))
    })
}

// ---------------------------------------------------------------------------------------------
// Path 1: the note-graph certificate

fn solve_with_note_graph_certificate(slot: &PreparedSlot) -> Option<PairSolution> {
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

/// rustworkx's blossom algorithm; its answer comes as a hash set, so we sort it.
fn run_blossom(graph: &UnGraph<(), i128>, maximum_cardinality: bool) -> Vec<(usize, usize)> {
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
fn blossom_on_complete_graph(slot: &PreparedSlot, members: &[usize]) -> Vec<(usize, usize)> {
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

struct ClassCountPairing {
    pairs: Vec<(usize, usize)>,
    left_over: Option<usize>,
}

/// Pairs `members` with ⌊len/2⌋ pairs, min(newcomers, regulars) of them newcomer–regular, and
/// no noted pair — the class formula, reached — or None when the repairs run out of partners.
///
/// First a pairing by class counts alone, putting noted members next to plain ones where it
/// can; then each noted pair (u, v) is repaired by swapping partners with a pair (x, y), x of
/// v's class (or of u's class, roles swapped), such that (u, x) and (v, y) are not noted. The
/// classes of the pairs stay the same (so does the weight) and no noted pair appears.
fn pair_by_class_counts_avoiding_notes(
    slot: &PreparedSlot,
    members: &[usize],
) -> Option<ClassCountPairing> {
    // Plain members first in each class list: they are the partners every repair can use.
    let mut plain_by_class: [Vec<usize>; CLASS_COUNT] = Default::default();
    let mut noted_by_class: [Vec<usize>; CLASS_COUNT] = Default::default();
    for &member in members {
        if slot.is_plain(member) {
            plain_by_class[slot.classes[member]].push(member);
        } else {
            noted_by_class[slot.classes[member]].push(member);
        }
    }
    let class_size = |class: usize| plain_by_class[class].len() + noted_by_class[class].len();
    let (minority_class, majority_class) =
        if class_size(NEWCOMER_CLASS) <= class_size(REGULAR_CLASS) {
            (NEWCOMER_CLASS, REGULAR_CLASS)
        } else {
            (REGULAR_CLASS, NEWCOMER_CLASS)
        };
    let minority: Vec<usize> = noted_by_class[minority_class]
        .iter()
        .chain(&plain_by_class[minority_class])
        .copied()
        .collect();
    let majority: Vec<usize> = plain_by_class[majority_class]
        .iter()
        .chain(&noted_by_class[majority_class])
        .copied()
        .collect();

    let mut partner_of: HashMap<usize, usize> = HashMap::with_capacity(members.len());
    let mut initial_pairs: Vec<(usize, usize)> = Vec::with_capacity(members.len() / 2);
    for (&a, &b) in minority.iter().zip(&majority) {
        initial_pairs.push((a, b));
    }
    // Whatever is left of the majority class, and the "other" class, pair among themselves
    // (every such pair weighs `base`): noted ones with plain ones first.
    let rest = &majority[minority.len().min(majority.len())..];
    let (mut rest_noted, mut rest_plain): (Vec<usize>, Vec<usize>) = rest
        .iter()
        .copied()
        .partition(|&member| !slot.is_plain(member));
    rest_noted.extend(&noted_by_class[OTHER_CLASS]);
    rest_plain.extend(&plain_by_class[OTHER_CLASS]);
    let common = rest_noted.len().min(rest_plain.len());
    for index in 0..common {
        initial_pairs.push((rest_noted[index], rest_plain[index]));
    }
    let remaining: Vec<usize> = rest_noted[common..]
        .iter()
        .chain(&rest_plain[common..])
        .copied()
        .collect();
    for couple in remaining.chunks(2) {
        if let [a, b] = couple {
            initial_pairs.push((*a, *b));
        }
    }
    let mut left_over = (remaining.len() % 2 == 1).then(|| remaining[remaining.len() - 1]);
    for &(a, b) in &initial_pairs {
        partner_of.insert(a, b);
        partner_of.insert(b, a);
    }

    let noted_initial_pairs: Vec<(usize, usize)> = initial_pairs
        .iter()
        .copied()
        .filter(|&(a, b)| slot.is_noted_pair(a, b))
        .collect();
    for (u, v) in noted_initial_pairs {
        // An earlier repair may already have broken this pair up (it swapped with it).
        if partner_of.get(&u) != Some(&v) {
            continue;
        }
        let repair = [(u, v), (v, u)]
            .into_iter()
            .find_map(|(keeper, displaced)| {
                let displaced_class = slot.classes[displaced];
                plain_by_class[displaced_class]
                    .iter()
                    .chain(&noted_by_class[displaced_class])
                    .copied()
                    .find(|&x| {
                        if x == keeper || x == displaced || slot.is_noted_pair(keeper, x) {
                            return false;
                        }
                        match partner_of.get(&x) {
                            Some(&y) => !slot.is_noted_pair(displaced, y),
                            None => left_over == Some(x),
                        }
                    })
                    .map(|x| (keeper, displaced, x))
            });
        let (keeper, displaced, x) = repair?;
        match partner_of.get(&x).copied() {
            Some(y) => {
                partner_of.insert(displaced, y);
                partner_of.insert(y, displaced);
            }
            None => {
                partner_of.remove(&displaced);
                left_over = Some(displaced);
            }
        }
        partner_of.insert(keeper, x);
        partner_of.insert(x, keeper);
    }

    let mut pairs: Vec<(usize, usize)> = partner_of
        .iter()
        .filter(|&(&a, &b)| a < b)
        .map(|(&a, &b)| (a, b))
        .collect();
    pairs.sort_unstable();
    Some(ClassCountPairing { pairs, left_over })
}

// ---------------------------------------------------------------------------------------------
// Path 2: the twin kernel

fn solve_with_twin_kernel(slot: &PreparedSlot) -> Option<PairSolution> {
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

// ---------------------------------------------------------------------------------------------
// Trios and the outcome

fn assemble_outcome(slot: &PreparedSlot, pairs: &[(usize, usize)]) -> MatchingOutcome {
    let member_id = |member: usize| slot.members[member].member;
    let pair_weight_total = total_weight_of_pairs(slot, pairs)
        .map(|total| i64::try_from(total).unwrap_or(if total < 0 { i64::MIN } else { i64::MAX }))
        .unwrap_or(0);

    // Lower member id first inside a pair, pairs by their first member: the order the output
    // shows, and the order trio ties are broken in.
    let mut groups: Vec<Vec<usize>> = pairs
        .iter()
        .map(|&(a, b)| {
            if member_id(a) <= member_id(b) {
                vec![a, b]
            } else {
                vec![b, a]
            }
        })
        .collect();
    groups.sort_by_key(|group| member_id(group[0]));

    let mut matched = vec![false; slot.member_count()];
    for &(a, b) in pairs {
        matched[a] = true;
        matched[b] = true;
    }
    let mut unmatched: Vec<MemberId> = Vec::new();
    for left_over in (0..slot.member_count()).filter(|&member| !matched[member]) {
        let mut best_group: Option<(usize, i128)> = None;
        for (group_index, group) in groups.iter().enumerate() {
            let [a, b] = group.as_slice() else {
                continue;
            };
            let (Some(weight_with_a), Some(weight_with_b)) = (
                slot.weight_between(left_over, *a),
                slot.weight_between(left_over, *b),
            ) else {
                continue;
            };
            let added = i128::from(weight_with_a) + i128::from(weight_with_b);
            if best_group.is_none_or(|(_, best_added)| added > best_added) {
                best_group = Some((group_index, added));
            }
        }
        match best_group {
            Some((group_index, _)) => groups[group_index].push(left_over),
            None => unmatched.push(member_id(left_over)),
        }
    }
    unmatched.sort_unstable();
    MatchingOutcome {
        groups: groups
            .into_iter()
            .map(|group| group.into_iter().map(member_id).collect())
            .collect(),
        unmatched,
        pair_weight_total,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use proptest::strategy::ValueTree;

    fn candidate(id: i64, experience: Experience) -> Candidate {
        Candidate {
            member: MemberId(id),
            experience,
        }
    }

    fn note(a: i64, b: i64, tie: PairTie) -> PairNote {
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

    /// A slot of `plain` members without notes and `noted` members with random notes among
    /// themselves, classes drawn from `class_weights`.
    fn slot_strategy(
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
                        .map(|(a, b, tie)| {
                            note((plain + a) as i64 + 1, (plain + b) as i64 + 1, tie)
                        })
                        .collect(),
                    seed,
                })
        })
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

    fn experience_from(code: u8) -> Experience {
        match code % 3 {
            0 => Experience::Newcomer,
            1 => Experience::Regular,
            _ => Experience::Other,
        }
    }

    /// Adversarial slots: separate class mixes for plain and noted members, hubs, and random
    /// weights (a small base, negative pair weights, no class bonus).
    fn adversarial_strategy() -> impl Strategy<Value = (MatchingInput, MatchingWeights)> {
        let weights = prop_oneof![
            Just(MatchingWeights::default()),
            (
                1i64..2000,
                -100i64..600,
                -100i64..400,
                0i64..400,
                0i64..900,
                0i64..300
            )
                .prop_map(
                    |(base, friend, favourite, penalty, cap, newcomer_with_regular)| {
                        MatchingWeights {
                            base,
                            friend,
                            favourite,
                            recent_repeat_penalty_per_meeting: penalty,
                            recent_repeat_penalty_cap: cap,
                            newcomer_with_regular,
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
                    ];
                    (
                        proptest::collection::vec(class_of(plain_mix), plain),
                        proptest::collection::vec(class_of(noted_mix), noted),
                        proptest::collection::vec(
                            (0..noted, 0..noted, tie.clone()),
                            0..noted * 3 + 1,
                        ),
                        proptest::collection::vec(
                            (0..hubs.max(1), 0..noted, tie),
                            0..hubs * 12 + 1,
                        ),
                    )
                        .prop_map(
                            move |(plain_classes, noted_classes, raw_notes, hub_notes)| {
                                let candidates: Vec<Candidate> = plain_classes
                                    .into_iter()
                                    .chain(noted_classes)
                                    .enumerate()
                                    .map(|(index, experience)| {
                                        candidate(index as i64 + 1, experience)
                                    })
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
}
