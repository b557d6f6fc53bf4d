//! The check-in's rules (issue 11): what a member may answer after a session, when "partner
//! absent" corrects attendance, whom a member may report and how often, and how long a snooze
//! lasts. The engine gathers the facts and records the results.
//!
//! # Decision: only mutual "partner absent" claims change attendance
//!
//! The bot saw both members in the room at the attendance check (a check-in goes only to
//! members it recorded as attended). When *both* members of a pair say the other was absent,
//! the two accounts contradict each other and the bot's own view: nobody can tell who is right,
//! and by both accounts the session did not happen. So both outcomes become *excused*: the
//! session counts neither for nor against either reliability. A single claim changes nothing
//! (it is stored, and a moderator can read it with a report): otherwise one click could hurt a
//! partner's standing, and "partner absent" would become a weapon. In a trio the same holds
//! for every two members who each name the other.

use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;

use super::model::{AttendanceOutcome, MemberId};

/// How the session went, as the member says (the check-in's first row of actions).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionVerdict {
    /// Did what I set out to do.
    Done,
    /// Got some of it done.
    Partly,
}

impl SessionVerdict {
    pub const fn as_str(self) -> &'static str {
        match self {
            SessionVerdict::Done => "done",
            SessionVerdict::Partly => "partly",
        }
    }

    pub fn parse(word: &str) -> Option<SessionVerdict> {
        match word.to_lowercase().as_str() {
            "done" => Some(SessionVerdict::Done),
            "partly" | "partially" => Some(SessionVerdict::Partly),
            _ => None,
        }
    }
}

/// One "partner absent" claim: `claimant` says `absent` was not there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AbsenceClaim {
    pub claimant: MemberId,
    pub absent: MemberId,
}

/// The members of one group whose outcome becomes excused: both sides of every mutual claim,
/// where the bot had recorded them as attended (a no-show or excused member is left alone).
/// Sorted, each once.
pub fn mutual_absence_corrections(
    claims: &[AbsenceClaim],
    outcomes: &[(MemberId, AttendanceOutcome)],
) -> Vec<MemberId> {
    let attended = |id: MemberId| {
        outcomes
            .iter()
            .any(|(member, outcome)| *member == id && *outcome == AttendanceOutcome::Attended)
    };
    let mut corrected: Vec<MemberId> = claims
        .iter()
        .filter(|claim| {
            claims
                .iter()
                .any(|other| other.claimant == claim.absent && other.absent == claim.claimant)
        })
        .flat_map(|claim| [claim.claimant, claim.absent])
        .filter(|id| attended(*id))
        .collect();
    corrected.sort();
    corrected.dedup();
    corrected
}

/// How far back a shared session lets a member report a partner: long enough to think it
/// over, short enough that the moderators get a session they can still look into.
pub const REPORT_WINDOW: Duration = Duration::days(14);
/// Reports one member may file per [`REPORT_RATE_PERIOD`].
pub const MAX_REPORTS_PER_PERIOD: usize = 3;
pub const REPORT_RATE_PERIOD: Duration = Duration::hours(24);
/// The longest reason a report carries (a moderator reads it; longer is cut, not refused).
pub const MAX_REPORT_REASON_CHARS: usize = 1000;

/// `Err(when the next report is allowed)` when the member already filed the most reports in
/// the period. `earlier_reports` are the times of the member's reports, any order.
pub fn report_rate_check(
    earlier_reports: &[DateTime<Utc>],
    now: DateTime<Utc>,
) -> Result<(), DateTime<Utc>> {
    let mut recent: Vec<DateTime<Utc>> = earlier_reports
        .iter()
        .copied()
        .filter(|at| *at > now - REPORT_RATE_PERIOD)
        .collect();
    if recent.len() < MAX_REPORTS_PER_PERIOD {
        return Ok(());
    }
    recent.sort();
    // The oldest report of the period leaves it first.
    let leaves_at = recent[recent.len() - MAX_REPORTS_PER_PERIOD] + REPORT_RATE_PERIOD;
    Err(leaves_at)
}

/// The reason as a moderator gets it: trimmed and cut to [`MAX_REPORT_REASON_CHARS`].
pub fn clean_report_reason(reason: &str) -> String {
    let reason = reason.trim();
    if reason.chars().count() <= MAX_REPORT_REASON_CHARS {
        reason.to_string()
    } else {
        let mut cut: String = reason.chars().take(MAX_REPORT_REASON_CHARS).collect();
        cut.push('…');
        cut
    }
}

/// The longest snooze: longer than that is a block, and `block` says so.
pub const MAX_SNOOZE_DAYS: u32 = 90;

/// Until when a snooze of `days` from `now` lasts, or `Err(the maximum)` when out of range.
pub fn snooze_until(now: DateTime<Utc>, days: u32) -> Result<DateTime<Utc>, u32> {
    if days == 0 || days > MAX_SNOOZE_DAYS {
        return Err(MAX_SNOOZE_DAYS);
    }
    Ok(now + Duration::days(days as i64))
}

/// "2026-12-07 09:00": the same wall time a week later in the member's zone, as a member
/// types it (`book` resolves it, DST gaps included, with its usual rules).
pub fn same_time_next_week(starts_at: DateTime<Utc>, zone: Tz) -> String {
    let local = starts_at.with_timezone(&zone).naive_local() + Duration::days(7);
    local.format("%Y-%m-%d %H:%M").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use AttendanceOutcome::{Attended, Excused, NoShow};

    fn claim(claimant: i64, absent: i64) -> AbsenceClaim {
        AbsenceClaim {
            claimant: MemberId(claimant),
            absent: MemberId(absent),
        }
    }

    fn outcomes(list: &[(i64, AttendanceOutcome)]) -> Vec<(MemberId, AttendanceOutcome)> {
        list.iter().map(|(id, o)| (MemberId(*id), *o)).collect()
    }

    #[test]
    fn only_mutual_absence_claims_excuse_both_sides() {
        let both_attended = outcomes(&[(1, Attended), (2, Attended)]);
        assert_eq!(
            mutual_absence_corrections(&[claim(1, 2)], &both_attended),
            vec![],
            "one side's word changes nothing"
        );
        assert_eq!(
            mutual_absence_corrections(&[claim(1, 2), claim(2, 1)], &both_attended),
            vec![MemberId(1), MemberId(2)]
        );
        // A trio: 1 and 3 name each other, 2 names 1 alone.
        let trio = outcomes(&[(1, Attended), (2, Attended), (3, Attended)]);
        assert_eq!(
            mutual_absence_corrections(&[claim(1, 3), claim(3, 1), claim(2, 1)], &trio),
            vec![MemberId(1), MemberId(3)]
        );
        // Only attended outcomes change: an excused or no-show member stays as recorded.
        let mixed = outcomes(&[(1, Attended), (2, NoShow), (3, Excused)]);
        assert_eq!(
            mutual_absence_corrections(&[claim(1, 2), claim(2, 1)], &mixed),
            vec![MemberId(1)]
        );
    }

    #[test]
    fn three_reports_a_day_then_the_oldest_must_age_out() {
        let now = Utc.with_ymd_and_hms(2026, 11, 30, 12, 0, 0).unwrap();
        let hours_ago = |h: i64| now - Duration::hours(h);
        assert_eq!(report_rate_check(&[], now), Ok(()));
        assert_eq!(
            report_rate_check(&[hours_ago(1), hours_ago(2)], now),
            Ok(())
        );
        assert_eq!(
            report_rate_check(&[hours_ago(1), hours_ago(2), hours_ago(25)], now),
            Ok(())
        );
        assert_eq!(
            report_rate_check(&[hours_ago(1), hours_ago(20), hours_ago(2)], now),
            Err(hours_ago(20) + REPORT_RATE_PERIOD)
        );
    }

    #[test]
    fn reasons_are_trimmed_and_cut() {
        assert_eq!(clean_report_reason("  rude \n"), "rude");
        let long = "x".repeat(5000);
        assert_eq!(
            clean_report_reason(&long).chars().count(),
            MAX_REPORT_REASON_CHARS + 1
        );
    }

    #[test]
    fn snoozes_last_one_to_ninety_days() {
        let now = Utc.with_ymd_and_hms(2026, 11, 30, 12, 0, 0).unwrap();
        assert_eq!(snooze_until(now, 7), Ok(now + Duration::days(7)));
        assert_eq!(snooze_until(now, 0), Err(MAX_SNOOZE_DAYS));
        assert_eq!(snooze_until(now, 91), Err(MAX_SNOOZE_DAYS));
    }

    #[test]
    fn next_week_keeps_the_wall_time_across_a_dst_change() {
        let zone: Tz = "Europe/Berlin".parse().unwrap();
        // Sat 2026-10-24 09:00 CEST (07:00 UTC); a week later is after the change to CET.
        let starts = Utc.with_ymd_and_hms(2026, 10, 24, 7, 0, 0).unwrap();
        assert_eq!(same_time_next_week(starts, zone), "2026-10-31 09:00");
    }
}
