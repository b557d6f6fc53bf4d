//! The slot, indexed: candidates deduplicated and shuffled by the seed, notes aggregated per
//! pair. Every path works on this.

use std::collections::{HashMap, HashSet};

use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use crate::core::model::MemberId;

use super::weights::{class_index, generic_weight, weight_from_summary, TieSummary, CLASS_COUNT};
use super::{Candidate, MatchingInput, MatchingWeights, PairTie};

/// The notes about one pair of candidates (by index, `lower < higher`).
#[derive(Debug, Clone, Copy)]
pub(super) struct NotedPair {
    pub(super) lower: usize,
    pub(super) higher: usize,
    summary: TieSummary,
}

/// The candidates in seeded shuffled order (indices are positions in it), with the notes
/// between them aggregated per pair. All the paths work on indices; ties between equally good
/// choices fall to the lower index, which is how the seed breaks ties.
pub(super) struct PreparedSlot<'weights> {
    pub(super) weights: &'weights MatchingWeights,
    pub(super) members: Vec<Candidate>,
    pub(super) classes: Vec<usize>,
    /// Sorted by (lower, higher), so iterating it never depends on hashing.
    pub(super) noted_pairs: Vec<NotedPair>,
    noted_pair_position: HashMap<(usize, usize), usize>,
    /// For each member, the distinct members it shares a note with, ascending.
    pub(super) noted_partners: Vec<Vec<usize>>,
}

impl<'weights> PreparedSlot<'weights> {
    pub(super) fn new(input: &MatchingInput, weights: &'weights MatchingWeights) -> Self {
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

    pub(super) fn member_count(&self) -> usize {
        self.members.len()
    }

    pub(super) fn noted_member_count(&self) -> usize {
        self.noted_partners
            .iter()
            .filter(|partners| !partners.is_empty())
            .count()
    }

    pub(super) fn is_plain(&self, member: usize) -> bool {
        self.noted_partners[member].is_empty()
    }

    pub(super) fn is_noted_pair(&self, a: usize, b: usize) -> bool {
        self.noted_pair_position.contains_key(&(a.min(b), a.max(b)))
    }

    pub(super) fn pair_weight_of(&self, pair: &NotedPair) -> Option<i64> {
        weight_from_summary(
            self.weights,
            self.members[pair.lower].experience,
            self.members[pair.higher].experience,
            &pair.summary,
        )
    }

    pub(super) fn generic_weight_between(&self, a: usize, b: usize) -> i64 {
        generic_weight(
            self.weights,
            self.members[a].experience,
            self.members[b].experience,
        )
    }

    /// None when the pair is blocked.
    pub(super) fn weight_between(&self, a: usize, b: usize) -> Option<i64> {
        match self.noted_pair_position.get(&(a.min(b), a.max(b))) {
            Some(&position) => self.pair_weight_of(&self.noted_pairs[position]),
            None => Some(self.generic_weight_between(a, b)),
        }
    }

    pub(super) fn class_counts(
        &self,
        members: impl Iterator<Item = usize>,
    ) -> [usize; CLASS_COUNT] {
        let mut counts = [0; CLASS_COUNT];
        for member in members {
            counts[self.classes[member]] += 1;
        }
        counts
    }
}

pub(super) fn total_weight_of_pairs(slot: &PreparedSlot, pairs: &[(usize, usize)]) -> Option<i128> {
    pairs.iter().try_fold(0i128, |total, &(a, b)| {
        Some(total + i128::from(slot.weight_between(a, b)?))
    })
}
