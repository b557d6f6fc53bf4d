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

use super::message::{MessageAction, OutgoingMessage, PartnerActionKind, Tone};
use super::model::{AttendanceOutcome, BookingId, Member, MemberId, Slot};

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

/// The check-in DM after a session: how it went, one set of actions per partner (a pair has
/// one partner, a trio two), and the same time next week. `partners` are the member's group
/// partners; none (a member left alone) leaves out the partner actions.
pub fn check_in_message(
    slot: &Slot,
    member: &Member,
    booking: BookingId,
    partners: &[Member],
) -> OutgoingMessage {
    let mut message = OutgoingMessage::new()
        .titled("Session done. Nice work!")
        .tone(Tone::Confirmed)
        .text(format!(
            "{} minutes of focus. How did it go?",
            slot.length_minutes
        ))
        .action(MessageAction::CheckInVerdict {
            booking,
            verdict: SessionVerdict::Done,
        })
        .action(MessageAction::CheckInVerdict {
            booking,
            verdict: SessionVerdict::Partly,
        });
    let trio = partners.len() > 1;
    for partner in partners {
        message = message.action(MessageAction::PartnerAbsent {
            booking,
            partner_platform_user_id: partner.platform_user_id.clone(),
            partner_name: trio.then(|| partner.display_name.clone()),
        });
    }
    if !partners.is_empty() {
        message = message.text(
            " Liked working with your partner? Friends are paired together first; a block or \
             a report is never told to them.",
        );
    }
    for partner in partners {
        for kind in [
            PartnerActionKind::AddFriend,
            PartnerActionKind::Favourite,
            PartnerActionKind::Block,
            PartnerActionKind::Report,
        ] {
            message = message.action(MessageAction::AboutPartner {
                kind,
                partner_platform_user_id: partner.platform_user_id.clone(),
                partner_name: partner.display_name.clone(),
            });
        }
    }
    message.action(MessageAction::BookSameTimeNextWeek {
        local_time: same_time_next_week(slot.starts_at, member.time_zone),
        length_minutes: slot.length_minutes,
    })
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
        assert_eq!(report_rate_check(&[hours_ago(1), hours_ago(2)], now), Ok(()));
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

    fn member(id: i64, name: &str) -> Member {
        Member {
            id: MemberId(id),
            community_id: crate::core::model::CommunityId(1),
            platform_user_id: format!("user{id}"),
            display_name: name.to_string(),
            time_zone: chrono_tz::UTC,
            reminders_enabled: true,
            sessions_attended: 0,
            no_shows: 0,
            late_cancels: 0,
            created_at: Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap(),
        }
    }

    #[test]
    fn a_trio_gets_one_set_of_partner_actions_per_partner() {
        let slot = Slot {
            id: crate::core::model::SlotId(1),
            community_id: crate::core::model::CommunityId(1),
            starts_at: Utc.with_ymd_and_hms(2026, 11, 30, 9, 0, 0).unwrap(),
            length_minutes: 50,
        };
        let me = member(1, "ann");
        let pair = check_in_message(&slot, &me, BookingId(7), &[member(2, "bob")]);
        let commands: Vec<String> = pair
            .actions()
            .map(|action| {
                let (word, arguments) = action.as_command();
                format!("{} {arguments}", word.as_str())
            })
            .collect();
        assert_eq!(
            commands,
            [
                "checkin 7 done",
                "checkin 7 partly",
                "checkin 7 absent",
                "friend @user2",
                "favourite @user2",
                "block @user2",
                "report @user2 <what happened>",
                "book 2026-12-07 09:00 50m",
            ]
        );
        let trio = check_in_message(&slot, &me, BookingId(7), &[member(2, "bob"), member(3, "cy")]);
        let labels: Vec<String> = trio.actions().map(MessageAction::label).collect();
        assert_eq!(labels.len(), 2 + 2 + 8 + 1);
        assert!(labels.contains(&"Say cy was absent".to_string()), "{labels:?}");
        assert!(labels.contains(&"Report bob".to_string()), "{labels:?}");
        assert!(labels.contains(&"Add cy as a friend".to_string()), "{labels:?}");
        // Left alone: how it went and next week only.
        let alone = check_in_message(&slot, &me, BookingId(7), &[]);
        assert_eq!(alone.actions().count(), 3);
    }
}
