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

mod certificate;
mod class_count_pairing;
mod general;
mod prepared_slot;
#[cfg(test)]
mod tests;
mod trios;
mod twin_kernel;
mod weights;

use crate::core::model::MemberId;

use certificate::solve_with_note_graph_certificate;
use general::{blossom_on_complete_graph, solve_with_general_blossom};
use prepared_slot::PreparedSlot;
use trios::assemble_outcome;
use twin_kernel::solve_with_twin_kernel;
use weights::{weight_from_summary, TieSummary};

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
    RecentlyMet {
        times: u32,
    },
    /// The two booked different session modes (`core::session_choice`): a penalty, so equal
    /// modes are preferred. Counted once per pair however many such notes name it.
    DifferentModes,
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
    /// Subtracted from a pair whose session modes differ (below a favourite, so a favourite
    /// in another mode still helps; above the newcomer–regular bonus, so equal modes come
    /// first).
    pub different_modes_penalty: i64,
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
            different_modes_penalty: 150,
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
