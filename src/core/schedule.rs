//! What is due when: the durable jobs a slot and a booking create, and whether a job that is
//! overdue (after downtime) still matters.
//!
//! Why here and not in the runner: these are the product's rules ("a reminder for a session that
//! already started is dropped", "downtime never counts as a no-show"), so they are pure functions
//! with `now` as a parameter and tested without a database.

use chrono::{DateTime, Duration, Utc};

use super::model::{Booking, BookingId, CommunitySettings, JobKind, MemberId, Slot, SlotId};

/// A job the store should hold; `key` makes scheduling idempotent.
#[derive(Debug, Clone, PartialEq)]
pub struct PlannedJob {
    pub key: String,
    pub kind: JobKind,
    pub slot_id: Option<SlotId>,
    pub booking_id: Option<BookingId>,
    pub due_at: DateTime<Utc>,
}

/// A job that runs this much after its due time is treated as delayed by downtime.
pub const ON_TIME_TOLERANCE: Duration = Duration::seconds(60);

/// Check-ins older than this after the session's end are no longer worth a DM.
pub const CHECK_IN_STALE_AFTER: Duration = Duration::hours(6);

pub fn slot_job_key(kind: JobKind, slot_id: SlotId) -> String {
    format!("{}:slot:{}", kind.as_str(), slot_id)
}

/// The slot's jobs, in lifecycle order (with the default settings). They are written with
/// the slot's first booking, so later bookings write nothing but themselves. Prepare runs
/// early enough that rooms exist at T.
///
/// The reminder is one job for the whole slot rather than one per booking: it reminds every
/// member booked at that moment, checking each one's opt-out when it runs (so changing the
/// preference after booking is honoured). Someone who books after it ran booked minutes
/// before the start and needs no reminder.
pub fn slot_jobs(slot: &Slot, settings: &CommunitySettings) -> Vec<PlannedJob> {
    let start = slot.starts_at;
    let end = slot.ends_at();
    [
        (JobKind::Remind, start - settings.reminder_lead),
        (JobKind::Prepare, start - settings.prepare_lead),
        (JobKind::Announce, start),
        (JobKind::PartnerCheck, partner_check_at(start, settings)),
        (JobKind::AttendanceCheck, start + settings.attendance_grace),
        (JobKind::CheckIn, end),
        (JobKind::CloseRooms, end + settings.close_delay),
    ]
    .into_iter()
    .map(|(kind, due_at)| PlannedJob {
        key: slot_job_key(kind, slot.id),
        kind,
        slot_id: Some(slot.id),
        booking_id: None,
        due_at,
    })
    .collect()
}

/// How long after the start a member whose partner has not arrived is offered "Keep waiting"
/// or "Rematch now".
pub const PARTNER_CHECK_AFTER: Duration = Duration::minutes(2);

/// When the partner check runs: T + 2 min, or halfway to the attendance check where a
/// community's grace is that short, so the choice always comes before the check it affects.
pub fn partner_check_at(starts_at: DateTime<Utc>, settings: &CommunitySettings) -> DateTime<Utc> {
    if PARTNER_CHECK_AFTER < settings.attendance_grace {
        starts_at + PARTNER_CHECK_AFTER
    } else {
        starts_at + settings.attendance_grace / 2
    }
}

/// A member's "Rematch now" job: one per member and slot, so clicking twice rematches once.
pub fn rematch_now_job(
    slot: &Slot,
    member: MemberId,
    booking: BookingId,
    now: DateTime<Utc>,
) -> PlannedJob {
    PlannedJob {
        key: format!(
            "{}:slot:{}:member:{}",
            JobKind::RematchNow.as_str(),
            slot.id,
            member
        ),
        kind: JobKind::RematchNow,
        slot_id: Some(slot.id),
        booking_id: Some(booking),
        due_at: now,
    }
}

pub fn booking_job_key(kind: JobKind, booking_id: BookingId) -> String {
    format!("{}:booking:{}", kind.as_str(), booking_id)
}

/// A booking's own jobs, written in the same transaction as the booking: a weekly booking
/// rolls itself a week forward at its start. Its own job rather than a step of the slot's
/// prepare, so downtime through the whole session, a prepare that gave up or returned early,
/// or a cancelled occurrence never ends the series. At the start (not before) so that until
/// then the booking is the only occurrence `cancel` has to think about.
pub fn booking_jobs(booking: &Booking) -> Vec<PlannedJob> {
    if !booking.recurring_weekly {
        return Vec::new();
    }
    vec![PlannedJob {
        key: booking_job_key(JobKind::RollForward, booking.id),
        kind: JobKind::RollForward,
        slot_id: Some(booking.slot_id),
        booking_id: Some(booking.id),
        due_at: booking.starts_at,
    }]
}

/// Announcements never start more than this before T: "it's time" should still be true.
pub const MAX_ANNOUNCE_LEAD: Duration = Duration::seconds(60);

/// The shortest reminder lead a community may set. A reminder at T would be dropped as "the
/// session already started" — and were it sent, it would say "I'll tell you your partner when
/// it starts" next to the "It's time" announcement that does just that (and a large slot's
/// announcements start up to [`MAX_ANNOUNCE_LEAD`] before T). So the lead is at least that.
pub const MIN_REMINDER_LEAD: Duration = MAX_ANNOUNCE_LEAD;

/// When a slot's announcements start, so that `recipients` DMs at `messages_per_second` end
/// by T (within a second) instead of trickling in for seconds after it. Whole seconds, as
/// the job table stores them; rounded down, so a small slot is still announced at T.
pub fn announce_due_at(
    starts_at: DateTime<Utc>,
    recipients: usize,
    messages_per_second: Option<f64>,
) -> DateTime<Utc> {
    let Some(rate) = messages_per_second.filter(|rate| rate.is_finite() && *rate > 0.0) else {
        return starts_at;
    };
    let seconds = (recipients as f64 / rate).floor();
    let lead = Duration::seconds(seconds.min(MAX_ANNOUNCE_LEAD.num_seconds() as f64) as i64);
    starts_at - lead
}

/// How soon a session starts, as a reminder says it: "starts in 3 min" for 2m59.9s (the
/// nearest minute, not the minutes already full), "starts in under a minute" below a minute,
/// "starts now" in the last few seconds (or after the start), and hours from an hour on
/// ("starts in 1 h 30 min").
pub fn starts_in_words(until_start: Duration) -> String {
    let millis = until_start.num_milliseconds();
    if millis < 10_000 {
        return "starts now".to_string();
    }
    if millis < 60_000 {
        return "starts in under a minute".to_string();
    }
    // Half a minute or more rounds up, as a person reading a clock would.
    let minutes = (millis + 30_000) / 60_000;
    match (minutes / 60, minutes % 60) {
        (0, minutes) => format!("starts in {minutes} min"),
        (hours, 0) => format!("starts in {hours} h"),
        (hours, minutes) => format!("starts in {hours} h {minutes} min"),
    }
}

/// Whether a job runs close enough to its due time to count as on time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lateness {
    /// Within [`ON_TIME_TOLERANCE`] of its due time.
    OnTime,
    /// Late enough (downtime) that it must not be held against members.
    Delayed,
}

/// What to do with a claimed job, given how late it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JobTiming {
    /// Run it, knowing how late it is.
    Run { lateness: Lateness },
    /// It no longer matters; finish it with this reason.
    Drop { reason: &'static str },
}

pub fn job_timing(
    kind: JobKind,
    due_at: DateTime<Utc>,
    now: DateTime<Utc>,
    slot: &Slot,
) -> JobTiming {
    let lateness = if now - due_at > ON_TIME_TOLERANCE {
        Lateness::Delayed
    } else {
        Lateness::OnTime
    };
    let started = now >= slot.starts_at;
    let ended = now >= slot.ends_at();
    match kind {
        JobKind::Remind if started => JobTiming::Drop {
            reason: "session already started",
        },
        JobKind::Prepare
        | JobKind::Announce
        | JobKind::AttendanceCheck
        | JobKind::PartnerCheck
        | JobKind::RematchNow
            if ended =>
        {
            JobTiming::Drop {
                reason: "session already ended",
            }
        }
        JobKind::CheckIn if now - slot.ends_at() > CHECK_IN_STALE_AFTER => JobTiming::Drop {
            reason: "check-in too long after the session",
        },
        // Closing rooms always matters: a room left open is a leak. Rolling a weekly series
        // forward always matters too: it books the next week still ahead, however late.
        _ => JobTiming::Run { lateness },
    }
}

/// The longest wait between two attempts of a failing job: a temporary outage is retried at
/// least this often for as long as the job still matters.
pub const MAX_RETRY_DELAY: Duration = Duration::minutes(5);

/// What to do with a job whose attempt failed temporarily.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RetryDecision {
    /// Try again then.
    RetryAt(DateTime<Utc>),
    /// The next attempt would no longer matter (see [`job_timing`]); give up, and say so.
    GiveUp { reason: &'static str },
}

/// The wait before attempt `attempts + 1`: `base` doubled per failed attempt, capped at
/// [`MAX_RETRY_DELAY`] (20 s, 40 s, 80 s, 160 s, 5 min, 5 min, …).
pub fn retry_delay(base: Duration, attempts: i64) -> Duration {
    let doublings = attempts.saturating_sub(1).clamp(0, 20) as u32;
    let cap = MAX_RETRY_DELAY.max(base);
    base.checked_mul(1 << doublings)
        .map_or(cap, |delay| delay.min(cap))
}

/// After a temporary failure at `now` (the job's `attempts`-th attempt): retry with growing
/// delays for as long as the job still matters at the retry time — a room close until it is
/// closed, an announcement until the session is over — never "n tries, then dropped".
pub fn retry_decision(
    kind: JobKind,
    due_at: DateTime<Utc>,
    now: DateTime<Utc>,
    slot: &Slot,
    attempts: i64,
    base_delay: Duration,
) -> RetryDecision {
    let retry_at = now + retry_delay(base_delay, attempts);
    match job_timing(kind, due_at, retry_at, slot) {
        JobTiming::Run { .. } => RetryDecision::RetryAt(retry_at),
        JobTiming::Drop { reason } => RetryDecision::GiveUp { reason },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::model::CommunityId;
    use chrono::TimeZone;

    #[test]
    fn starts_in_words_rounds_to_the_nearest_minute() {
        let ms = Duration::milliseconds;
        let cases = [
            (ms(2 * 60_000 + 59_900), "starts in 3 min"),
            (Duration::minutes(10), "starts in 10 min"),
            (ms(9 * 60_000 + 59_000), "starts in 10 min"),
            (ms(10 * 60_000 + 29_999), "starts in 10 min"),
            (Duration::seconds(2 * 60 + 30), "starts in 3 min"),
            (Duration::seconds(2 * 60 + 29), "starts in 2 min"),
            (Duration::seconds(60), "starts in 1 min"),
            (Duration::seconds(89), "starts in 1 min"),
            (Duration::seconds(59), "starts in under a minute"),
            (Duration::seconds(10), "starts in under a minute"),
            (ms(9_999), "starts now"),
            (Duration::zero(), "starts now"),
            (Duration::seconds(-3), "starts now"),
            (
                Duration::minutes(59) + Duration::seconds(40),
                "starts in 1 h",
            ),
            (Duration::minutes(90), "starts in 1 h 30 min"),
            (Duration::hours(24), "starts in 24 h"),
        ];
        for (until_start, expected) in cases {
            assert_eq!(starts_in_words(until_start), expected, "{until_start}");
        }
    }

    #[test]
    fn the_shortest_reminder_lead_outlasts_the_earliest_announcement() {
        assert!(MIN_REMINDER_LEAD >= MAX_ANNOUNCE_LEAD);
        assert!(MIN_REMINDER_LEAD > Duration::zero());
    }

    fn slot() -> Slot {
        Slot {
            id: SlotId(7),
            community_id: CommunityId(1),
            starts_at: Utc.with_ymd_and_hms(2026, 12, 1, 9, 0, 0).unwrap(),
            length_minutes: 50,
        }
    }

    #[test]
    fn slot_jobs_follow_the_lifecycle_order() {
        let settings = CommunitySettings::default();
        let jobs = slot_jobs(&slot(), &settings);
        let kinds: Vec<_> = jobs.iter().map(|job| job.kind).collect();
        assert_eq!(
            kinds,
            [
                JobKind::Remind,
                JobKind::Prepare,
                JobKind::Announce,
                JobKind::PartnerCheck,
                JobKind::AttendanceCheck,
                JobKind::CheckIn,
                JobKind::CloseRooms
            ]
        );
        assert!(jobs.windows(2).all(|pair| pair[0].due_at < pair[1].due_at));
        assert_eq!(jobs[0].key, "remind:slot:7");
        assert_eq!(jobs[1].key, "prepare:slot:7");
        assert_eq!(jobs[3].due_at, slot().starts_at + Duration::minutes(2));
        assert_eq!(jobs[5].due_at, slot().ends_at());
        // A grace of two minutes or less: the choice still comes before the check.
        let short = CommunitySettings {
            attendance_grace: Duration::minutes(2),
            ..settings
        };
        let jobs = slot_jobs(&slot(), &short);
        assert!(jobs.windows(2).all(|pair| pair[0].due_at < pair[1].due_at));
        assert_eq!(jobs[3].due_at, slot().starts_at + Duration::minutes(1));
    }

    #[test]
    fn announcements_start_early_enough_to_end_by_t_but_never_a_minute_before() {
        let t = slot().starts_at;
        // (recipients, rate, seconds before T)
        let table = [
            (4, Some(47.0), 0),
            (46, Some(47.0), 0),
            (47, Some(47.0), 1),
            (400, Some(47.0), 8),
            (400, Some(45.0), 8),
            (100_000, Some(47.0), 60),
            (400, None, 0),
            (400, Some(0.0), 0),
            (400, Some(f64::NAN), 0),
            (0, Some(47.0), 0),
        ];
        for (recipients, rate, lead) in table {
            assert_eq!(
                announce_due_at(t, recipients, rate),
                t - Duration::seconds(lead),
                "{recipients} recipients at {rate:?}/s"
            );
        }
    }

    #[test]
    fn overdue_jobs_are_dropped_only_when_they_no_longer_matter() {
        let slot = slot();
        let at = |minutes: i64| slot.starts_at + Duration::minutes(minutes);
        // (kind, due, now, expected)
        let table = [
            (
                JobKind::Remind,
                at(-10),
                at(-10),
                JobTiming::Run {
                    lateness: Lateness::OnTime,
                },
            ),
            (
                JobKind::Remind,
                at(-10),
                at(-5),
                JobTiming::Run {
                    lateness: Lateness::Delayed,
                },
            ),
            (
                JobKind::Remind,
                at(-10),
                at(0),
                JobTiming::Drop {
                    reason: "session already started",
                },
            ),
            (
                JobKind::Prepare,
                at(-2),
                at(10),
                JobTiming::Run {
                    lateness: Lateness::Delayed,
                },
            ),
            (
                JobKind::Announce,
                at(0),
                at(0),
                JobTiming::Run {
                    lateness: Lateness::OnTime,
                },
            ),
            (
                JobKind::Announce,
                at(0),
                at(50),
                JobTiming::Drop {
                    reason: "session already ended",
                },
            ),
            (
                JobKind::AttendanceCheck,
                at(3),
                at(3) + Duration::seconds(59),
                JobTiming::Run {
                    lateness: Lateness::OnTime,
                },
            ),
            (
                JobKind::AttendanceCheck,
                at(3),
                at(20),
                JobTiming::Run {
                    lateness: Lateness::Delayed,
                },
            ),
            (
                JobKind::CheckIn,
                at(50),
                at(50 + 6 * 60 + 1),
                JobTiming::Drop {
                    reason: "check-in too long after the session",
                },
            ),
            (
                JobKind::CloseRooms,
                at(55),
                at(60 * 24),
                JobTiming::Run {
                    lateness: Lateness::Delayed,
                },
            ),
        ];
        for (kind, due, now, expected) in table {
            assert_eq!(
                job_timing(kind, due, now, &slot),
                expected,
                "{kind:?} due {due} at {now}"
            );
        }
    }

    #[test]
    fn retry_delays_double_up_to_a_cap() {
        let base = Duration::seconds(20);
        let delays: Vec<i64> = (1..=8)
            .map(|attempts| retry_delay(base, attempts).num_seconds())
            .collect();
        assert_eq!(delays, [20, 40, 80, 160, 300, 300, 300, 300]);
        assert_eq!(retry_delay(base, 10_000), MAX_RETRY_DELAY);
    }

    #[test]
    fn a_failing_job_is_retried_for_as_long_as_it_matters() {
        let slot = slot();
        let base = Duration::seconds(20);
        let end = slot.ends_at();
        // A room close always matters, however many attempts have failed.
        let close_due = end + Duration::minutes(5);
        let late = close_due + Duration::hours(3);
        assert_eq!(
            retry_decision(JobKind::CloseRooms, close_due, late, &slot, 50, base),
            RetryDecision::RetryAt(late + MAX_RETRY_DELAY)
        );
        // An announcement matters until the session is over, then it is given up.
        let soon = slot.starts_at + Duration::minutes(10);
        assert_eq!(
            retry_decision(JobKind::Announce, slot.starts_at, soon, &slot, 12, base),
            RetryDecision::RetryAt(soon + MAX_RETRY_DELAY)
        );
        let near_end = end - Duration::seconds(30);
        assert_eq!(
            retry_decision(JobKind::Announce, slot.starts_at, near_end, &slot, 3, base),
            RetryDecision::GiveUp {
                reason: "session already ended"
            }
        );
    }
}
