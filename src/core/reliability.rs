//! Reliability and experience: who counts as a newcomer, who as a dependable regular.
//! Matching adds `newcomer_with_regular` to a newcomer–regular pair, so a newcomer is never
//! left with a non-regular while a regular sits, untied, with a non-newcomer: the optimal
//! matching would swap them (`matching_properties::newcomers_get_regulars_whenever_one_is_free`).
//! The rematch (`core::rematch`) runs the same matching over a wider pool: everyone left alone
//! at that start moment in the community, every session length (lengths mix where both members
//! allow it), the members who chose "Rematch now" at T + 2 min among them. There the bonus is
//! raised above anything notes add, so a newcomer gets a free regular even over a friend
//! (`rematch::tests::newcomers_get_regulars_whenever_any_is_free_in_the_rematch`).

use super::matching::Experience;
use super::model::Member;

/// Fewer attended sessions than this: still learning the routine.
pub const NEWCOMER_BELOW_SESSIONS: i64 = 3;
/// A regular has at least this many sessions…
pub const REGULAR_FROM_SESSIONS: i64 = 5;
/// …and shows up at least this often (no-shows and late cancels count against it).
pub const REGULAR_MIN_RELIABILITY: f64 = 0.8;

/// Share of commitments kept, 1.0 for someone with no history (innocent until proven late).
pub fn reliability(member: &Member) -> f64 {
    let kept = member.sessions_attended as f64;
    let broken = (member.no_shows + member.late_cancels) as f64;
    if kept + broken == 0.0 {
        1.0
    } else {
        kept / (kept + broken)
    }
}

/// A member before their first attended session: their reminder carries the etiquette note.
pub fn is_first_timer(member: &Member) -> bool {
    member.sessions_attended == 0
}

pub fn experience(member: &Member) -> Experience {
    if member.sessions_attended < NEWCOMER_BELOW_SESSIONS {
        Experience::Newcomer
    } else if member.sessions_attended >= REGULAR_FROM_SESSIONS
        && reliability(member) >= REGULAR_MIN_RELIABILITY
    {
        Experience::Regular
    } else {
        Experience::Other
    }
}

/// How many of a member's most recent sessions the booking tiers look at.
pub const RELIABILITY_WINDOW_SESSIONS: usize = 20;

/// One booked session in a member's recent history, as the booking tiers count it. Sessions
/// the bot excused (its own downtime or lateness, a room it could not open or see, a session
/// both partners say did not happen) are not in the history at all: they count neither way.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BookedSession {
    /// In the room at the attendance check.
    AttendedOnTime,
    NoShow,
    /// Cancelled within the community's late-cancel window.
    LateCancel,
}

/// A member's show-up rate over their last [`RELIABILITY_WINDOW_SESSIONS`] booked sessions.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RecentReliability {
    /// Attended on time ÷ booked, 1.0 with no history.
    pub rate: f64,
    /// How many sessions the rate is over (at most the window).
    pub sessions: usize,
}

/// `history` is newest first; only the first [`RELIABILITY_WINDOW_SESSIONS`] count.
pub fn recent_reliability(history: &[BookedSession]) -> RecentReliability {
    let window = &history[..history.len().min(RELIABILITY_WINDOW_SESSIONS)];
    let kept = window
        .iter()
        .filter(|session| **session == BookedSession::AttendedOnTime)
        .count();
    RecentReliability {
        rate: if window.is_empty() {
            1.0
        } else {
            kept as f64 / window.len() as f64
        },
        sessions: window.len(),
    }
}

// The tiers' type lives in `model` (a leaf), since `CommunitySettings` holds it.
pub use super::model::ReliabilityTiers;

/// The most upcoming bookings the member's tier allows: `None` is unlimited (the community's
/// own cap still applies).
pub fn tier_booking_limit(recent: RecentReliability, tiers: &ReliabilityTiers) -> Option<usize> {
    if recent.sessions < tiers.min_sessions {
        None
    } else if recent.rate < tiers.restricted_below {
        Some(tiers.restricted_bookings)
    } else if recent.rate < tiers.limited_below {
        Some(tiers.limited_bookings)
    } else {
        None
    }
}

/// How many sessions in a row the member must attend on time to climb above `target` (the
/// oldest sessions of the window drop out as new ones come in). `None` when already there.
pub fn sessions_to_recover(history: &[BookedSession], target: f64) -> Option<usize> {
    let mut history: Vec<BookedSession> = history
        .iter()
        .take(RELIABILITY_WINDOW_SESSIONS)
        .copied()
        .collect();
    for attended in 0..=RELIABILITY_WINDOW_SESSIONS {
        if recent_reliability(&history).rate >= target {
            return (attended > 0).then_some(attended);
        }
        history.insert(0, BookedSession::AttendedOnTime);
        history.truncate(RELIABILITY_WINDOW_SESSIONS);
    }
    Some(RELIABILITY_WINDOW_SESSIONS)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::model::{CommunityId, MemberId};
    use chrono::TimeZone;

    fn member(attended: i64, no_shows: i64, late_cancels: i64) -> Member {
        Member {
            id: MemberId(1),
            community_id: CommunityId(1),
            platform_user_id: "x".into(),
            display_name: "x".into(),
            time_zone: chrono_tz::UTC,
            reminders_enabled: true,
            sessions_attended: attended,
            no_shows,
            late_cancels,
            created_at: chrono::Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap(),
        }
    }

    #[test]
    fn experience_classes() {
        let table = [
            ((0, 0, 0), Experience::Newcomer),
            ((2, 0, 0), Experience::Newcomer),
            ((3, 0, 0), Experience::Other),
            ((5, 0, 0), Experience::Regular),
            ((8, 2, 0), Experience::Regular),
            ((8, 1, 2), Experience::Other),
        ];
        for ((attended, no_shows, late), expected) in table {
            assert_eq!(
                experience(&member(attended, no_shows, late)),
                expected,
                "{attended}/{no_shows}/{late}"
            );
        }
        assert_eq!(reliability(&member(0, 0, 0)), 1.0);
        assert_eq!(reliability(&member(3, 1, 0)), 0.75);
    }

    #[test]
    fn recent_reliability_counts_the_last_twenty_booked_sessions() {
        use BookedSession::*;
        assert_eq!(recent_reliability(&[]).rate, 1.0);
        let mut history = vec![NoShow, LateCancel];
        history.extend([AttendedOnTime; 2]);
        let recent = recent_reliability(&history);
        assert_eq!((recent.rate, recent.sessions), (0.5, 4));
        // Twenty attended sessions push older no-shows out of the window.
        let mut long = vec![AttendedOnTime; 20];
        long.extend([NoShow; 10]);
        let recent = recent_reliability(&long);
        assert_eq!((recent.rate, recent.sessions), (1.0, 20));
    }

    #[test]
    fn tiers_follow_the_thresholds_after_the_minimum_sessions() {
        let tiers = ReliabilityTiers::default();
        let at = |rate: f64, sessions: usize| {
            tier_booking_limit(RecentReliability { rate, sessions }, &tiers)
        };
        assert_eq!(at(0.0, 2), None, "too few sessions to judge");
        assert_eq!(at(1.0, 20), None);
        assert_eq!(at(0.8, 20), None, "the threshold itself is not below it");
        assert_eq!(at(0.79, 20), Some(3));
        assert_eq!(at(0.5, 20), Some(3));
        assert_eq!(at(0.49, 20), Some(1));
        assert_eq!(at(0.0, 3), Some(1));
    }

    #[test]
    fn recovering_takes_the_sessions_that_lift_the_rate_over_the_threshold() {
        use BookedSession::*;
        // 2 of 4: two more attended sessions make 4 of 6 (0.67), four make 6 of 8 (0.75),
        // six make 8 of 10 = 0.8.
        let history = [NoShow, NoShow, AttendedOnTime, AttendedOnTime];
        assert_eq!(sessions_to_recover(&history, 0.8), Some(6));
        assert_eq!(sessions_to_recover(&history, 0.5), None);
        // A full window of no-shows: 16 attended sessions make 16 of 20.
        assert_eq!(sessions_to_recover(&[NoShow; 20], 0.8), Some(16));
    }
}
