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
}
