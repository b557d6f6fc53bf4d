//! Pair weights: the three experience classes, and every note about a pair added up.

use super::{Experience, MatchingWeights, PairTie};

pub(super) const NEWCOMER_CLASS: usize = 0;
pub(super) const REGULAR_CLASS: usize = 1;
pub(super) const OTHER_CLASS: usize = 2;
pub(super) const CLASS_COUNT: usize = 3;

pub(super) fn class_index(experience: Experience) -> usize {
    match experience {
        Experience::Newcomer => NEWCOMER_CLASS,
        Experience::Regular => REGULAR_CLASS,
        Experience::Other => OTHER_CLASS,
    }
}

/// Every note about one pair, added up.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) struct TieSummary {
    friend_notes: u64,
    favourite_notes: u64,
    blocked: bool,
    recent_meetings: u64,
    different_modes: bool,
}

impl TieSummary {
    pub(super) fn add(&mut self, tie: PairTie) {
        match tie {
            PairTie::Friend => self.friend_notes = self.friend_notes.saturating_add(1),
            PairTie::Favourite => self.favourite_notes = self.favourite_notes.saturating_add(1),
            PairTie::Blocked => self.blocked = true,
            PairTie::RecentlyMet { times } => {
                self.recent_meetings = self.recent_meetings.saturating_add(u64::from(times))
            }
            PairTie::DifferentModes => self.different_modes = true,
        }
    }

    pub(super) fn from_ties(ties: impl Iterator<Item = PairTie>) -> Self {
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

pub(super) fn generic_weight(weights: &MatchingWeights, a: Experience, b: Experience) -> i64 {
    weights.base.saturating_add(class_term(weights, a, b))
}

pub(super) fn weight_from_summary(
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
            .saturating_sub(recent_penalty)
            .saturating_sub(if summary.different_modes {
                weights.different_modes_penalty
            } else {
                0
            }),
    )
}
