//! Whether a member may book or cancel, decided from plain values.
//!
//! The handler loads the member's bookings and the community settings, passes `now`, and
//! gets back either "yes" or a reason it can show the member. The same rules therefore hold
//! for every platform and are unit-testable without a store or a clock.

use std::fmt;

use chrono::{DateTime, Duration, MappedLocalTime, TimeZone, Utc};
use chrono_tz::Tz;

use crate::core::message::{CommandWord, OutgoingMessage};
use crate::core::model::{Booking, BookingId, BookingStatus, CommunitySettings, MemberId};
use crate::core::slot_grid;

/// Why a new booking was refused, with what the member needs to pick a better one.
#[derive(Debug, Clone, PartialEq)]
pub enum BookingRejection {
    InPast,
    TooSoon {
        cutoff_minutes: i64,
    },
    /// `latest` is the last grid slot that could be booked right now.
    BeyondHorizon {
        latest: DateTime<Utc>,
    },
    /// The grid slots either side of the requested start.
    OffGrid {
        earlier: DateTime<Utc>,
        later: DateTime<Utc>,
    },
    LengthNotAllowed {
        requested: u32,
        allowed: Vec<u32>,
    },
    /// The first (earliest) of the member's active bookings the new one would overlap.
    Overlaps {
        booking_id: BookingId,
        starts_at: DateTime<Utc>,
        length_minutes: u32,
    },
    /// The member already holds `max` upcoming bookings, the most one member may hold.
    TooManyBookings {
        max: usize,
    },
    /// The member's reliability tier allows `limit` upcoming bookings and they hold that many
    /// (issue 11): their show-up rate `percent` over `sessions` recent booked sessions is
    /// under `threshold_percent`; `to_recover` sessions attended on time lift it back.
    ReliabilityTier {
        limit: usize,
        percent: u32,
        sessions: usize,
        threshold_percent: u32,
        to_recover: usize,
    },
}

impl BookingRejection {
    /// Plain words for the member, with times as time parts (each platform shows them its
    /// own way: Discord in each viewer's zone, Matrix and the shell in the member's `zone`).
    pub fn describe(&self, zone: Tz) -> OutgoingMessage {
        let text = OutgoingMessage::new();
        match self {
            BookingRejection::InPast => text.text("That time has already passed. Pick a time later today or another day."),
            BookingRejection::TooSoon { cutoff_minutes } => text.text(format!(
                "That session starts too soon: bookings close {} before the start. Try the next quarter hour.",
                minutes_phrase(*cutoff_minutes)
            )),
            BookingRejection::BeyondHorizon { latest } => text
                .text("That's too far ahead. You can book up to ")
                .time(*latest, zone)
                .text("."),
            // The variant carries only the neighbouring slots, so the wording names the
            // rule rather than echoing the requested time.
            BookingRejection::OffGrid { earlier, later } => text
                .text("That time is off the quarter-hour grid: sessions start at :00, :15, :30 and :45. The nearest slots are ")
                .time(*earlier, zone)
                .text(" and ")
                .time(*later, zone)
                .text("."),
            BookingRejection::LengthNotAllowed { requested, allowed } if allowed.is_empty() => {
                text.text(format!("This community has no session lengths open for booking right now, so {requested} minutes isn't available."))
            }
            BookingRejection::LengthNotAllowed { requested, allowed } => text.text(format!(
                "Sessions here are {} minutes long, so {requested} minutes isn't available.",
                or_list(allowed)
            )),
            BookingRejection::Overlaps { booking_id, starts_at, length_minutes } => text
                .text(format!("That overlaps your booking #{booking_id} at "))
                .time(*starts_at, zone)
                .text(format!(" ({length_minutes} min). Cancel it first or pick another time.")),
            BookingRejection::TooManyBookings { max } => text
                .text(format!("You already have {max} upcoming sessions booked, the most one member can hold here. Cancel one you no longer need ("))
                .command(CommandWord::Sessions, "")
                .text(" lists them) or book again after your next session."),
            BookingRejection::ReliabilityTier {
                limit,
                percent,
                sessions,
                threshold_percent,
                to_recover,
            } => text.text(format!(
                "You've shown up on time for {percent}% of your last {sessions} booked sessions, \
                 under the {threshold_percent}% that lets members book freely, so for now you can \
                 hold {limit} upcoming {} at a time, and you have that many. Only you see this. \
                 To recover: attend your booked sessions on time — {to_recover} more in a row lift \
                 you above {threshold_percent}%. Cancelling early never counts against you; a \
                 late cancel or a missed session does.",
                if *limit == 1 { "session" } else { "sessions" }
            )),
        }
    }
}

fn minutes_phrase(minutes: i64) -> String {
    match minutes {
        // A sub-minute cutoff rounds down to 0 whole minutes.
        ..=0 => "a few seconds".to_string(),
        1 => "1 minute".to_string(),
        _ => format!("{minutes} minutes"),
    }
}

/// "25", "25 or 50", "25, 50 or 75".
fn or_list(values: &[u32]) -> String {
    match values {
        [] => String::new(),
        [only] => only.to_string(),
        [init @ .., last] => {
            let init: Vec<String> = init.iter().map(u32::to_string).collect();
            format!("{} or {last}", init.join(", "))
        }
    }
}

/// Checks a new booking of `length_minutes` at `starts_at` for a member whose bookings are
/// `members_active_bookings` (cancelled ones in the slice are ignored, so the caller may pass
/// whatever it loaded).
///
/// The order matters for the message: a wrong length or an off-grid time is a typo the
/// member can fix right away, so it is reported before when-problems, and overlaps last
/// because they are the only check that depends on other bookings.
pub fn check_new_booking(
    now: DateTime<Utc>,
    starts_at: DateTime<Utc>,
    length_minutes: u32,
    settings: &CommunitySettings,
    members_active_bookings: &[Booking],
) -> Result<(), BookingRejection> {
    if !settings.allowed_lengths_minutes.contains(&length_minutes) {
        let mut allowed = settings.allowed_lengths_minutes.clone();
        allowed.sort_unstable();
        allowed.dedup();
        return Err(BookingRejection::LengthNotAllowed {
            requested: length_minutes,
            allowed,
        });
    }
    if !slot_grid::is_on_grid(starts_at) {
        let (earlier, later) = slot_grid::nearest_grid_slots(starts_at);
        return Err(BookingRejection::OffGrid { earlier, later });
    }
    if starts_at <= now {
        return Err(BookingRejection::InPast);
    }
    if starts_at.signed_duration_since(now) < settings.booking_cutoff {
        return Err(BookingRejection::TooSoon {
            cutoff_minutes: settings.booking_cutoff.num_minutes(),
        });
    }
    // Saturating: a horizon past the end of time means "no limit", not a panic.
    let horizon_end = now
        .checked_add_signed(settings.booking_horizon)
        .unwrap_or(DateTime::<Utc>::MAX_UTC);
    if starts_at > horizon_end {
        // The last on-grid start not beyond the horizon, so the message names a real slot.
        let latest = if slot_grid::is_on_grid(horizon_end) {
            horizon_end
        } else {
            slot_grid::nearest_grid_slots(horizon_end).0
        };
        return Err(BookingRejection::BeyondHorizon { latest });
    }
    let ends_at = starts_at
        .checked_add_signed(Duration::minutes(length_minutes as i64))
        .unwrap_or(DateTime::<Utc>::MAX_UTC);
    // Half-open [start, end) intervals: a session ending at 10:00 and one starting at 10:00
    // do not overlap, so back-to-back sessions are fine.
    let clash = members_active_bookings
        .iter()
        .filter(|booking| booking.status == BookingStatus::Active)
        .filter(|booking| booking.starts_at < ends_at && starts_at < booking_end(booking))
        .min_by_key(|booking| (booking.starts_at, booking.id));
    if let Some(booking) = clash {
        return Err(BookingRejection::Overlaps {
            booking_id: booking.id,
            starts_at: booking.starts_at,
            length_minutes: booking.length_minutes,
        });
    }
    Ok(())
}

/// The cap on a member's future bookings: `members_active_bookings` are what the member holds
/// (whatever the caller loaded; cancelled and already started ones do not count). A weekly
/// series counts as the weeks it has booked so far, which are active bookings like any other.
pub fn check_booking_cap(
    now: DateTime<Utc>,
    max_future_bookings: usize,
    members_active_bookings: &[Booking],
) -> Result<(), BookingRejection> {
    let upcoming = members_active_bookings
        .iter()
        .filter(|booking| booking.status == BookingStatus::Active && booking.starts_at > now)
        .count();
    if upcoming >= max_future_bookings {
        return Err(BookingRejection::TooManyBookings {
            max: max_future_bookings,
        });
    }
    Ok(())
}

/// `Booking::ends_at` without its overflow panic for stored nonsense.
fn booking_end(booking: &Booking) -> DateTime<Utc> {
    booking
        .starts_at
        .checked_add_signed(Duration::minutes(booking.length_minutes as i64))
        .unwrap_or(DateTime::<Utc>::MAX_UTC)
}

/// A cancel that is allowed, and whether it counts against the member's reliability.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CancelKind {
    OnTime,
    /// Within the late-cancel window: the partner may already be planning around it.
    Late,
}

#[derive(Debug, Clone, PartialEq)]
pub enum CancelRejection {
    NotYours,
    AlreadyStarted,
    AlreadyCancelled,
}

impl CancelRejection {
    pub fn describe(&self) -> String {
        match self {
            CancelRejection::NotYours => "That booking isn't yours, so you can't cancel it. Say sessions to see your bookings.",
            CancelRejection::AlreadyStarted => "That session has already started, so it can't be cancelled any more.",
            CancelRejection::AlreadyCancelled => "That booking is already cancelled.",
        }
        .to_string()
    }
}

/// Whether `actor` may cancel `booking` at `now`, and whether it is a late cancel.
///
/// Ownership is checked first so nobody learns anything about someone else's booking;
/// "already cancelled" comes before "already started" because it is the truer answer for an
/// old cancelled booking.
pub fn check_cancel(
    now: DateTime<Utc>,
    booking: &Booking,
    actor: MemberId,
    settings: &CommunitySettings,
) -> Result<CancelKind, CancelRejection> {
    if booking.member_id != actor {
        return Err(CancelRejection::NotYours);
    }
    if booking.status == BookingStatus::Cancelled {
        return Err(CancelRejection::AlreadyCancelled);
    }
    if booking.starts_at <= now {
        return Err(CancelRejection::AlreadyStarted);
    }
    if booking.starts_at.signed_duration_since(now) < settings.late_cancel_window {
        Ok(CancelKind::Late)
    } else {
        Ok(CancelKind::OnTime)
    }
}

/// The next week's start of a weekly booking: the same local wall time seven days later, so a
/// member's "Monday 09:00" stays 09:00 across DST changes (the UTC instant moves by an hour).
/// A wall time that happens twice that day takes the earlier instant; one that does not exist
/// gives `None` (see [`weekly_occurrence`] for the week's nearest valid time).
pub fn next_weekly_occurrence(starts_at: DateTime<Utc>, zone: Tz) -> Option<DateTime<Utc>> {
    match weekly_occurrence(starts_at, zone, 1)? {
        WeeklyOccurrence::Exact(at) => Some(at),
        WeeklyOccurrence::Moved { .. } => None,
    }
}

/// One week's occurrence of a weekly series.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WeeklyOccurrence {
    /// At the series' wall time.
    Exact(DateTime<Utc>),
    /// The wall time does not exist that day (clocks spring forward through it): the first
    /// valid quarter-hour after it, e.g. 03:00 instead of 02:30.
    Moved {
        at: DateTime<Utc>,
        wanted: chrono::NaiveDateTime,
    },
}

impl WeeklyOccurrence {
    pub fn at(self) -> DateTime<Utc> {
        match self {
            WeeklyOccurrence::Exact(at) | WeeklyOccurrence::Moved { at, .. } => at,
        }
    }
}

/// The occurrence `weeks` weeks after `starts_at` at the same local wall time in `zone`.
/// `None` only at the ends of the calendar.
pub fn weekly_occurrence(
    starts_at: DateTime<Utc>,
    zone: Tz,
    weeks: u32,
) -> Option<WeeklyOccurrence> {
    let wall = slot_grid::wall_clock(starts_at, zone)?;
    let wanted = wall.checked_add_days(chrono::Days::new(7 * u64::from(weeks)))?;
    let valid = |local: chrono::NaiveDateTime| match zone.from_local_datetime(&local) {
        MappedLocalTime::Single(at) | MappedLocalTime::Ambiguous(at, _) => {
            Some(at.with_timezone(&Utc))
        }
        MappedLocalTime::None => None,
    };
    if let Some(at) = valid(wanted) {
        return Some(WeeklyOccurrence::Exact(at));
    }
    // Gaps are at most a few hours (usually one); step over them on the quarter-hour.
    (1..=4 * 4)
        .filter_map(|quarters| wanted.checked_add_signed(Duration::minutes(15 * quarters)))
        .find_map(valid)
        .map(|at| WeeklyOccurrence::Moved { at, wanted })
}

/// The longest session a community may allow, in minutes: three hours. Body-doubling sessions
/// are 25, 50 or 75 minutes (with breaks between); a longer stretch is better booked as several.
pub const LONGEST_SESSION_MINUTES: u32 = 180;

/// Session lengths are whole multiples of this many minutes (25, 50, 75). Starts are on the
/// quarter-hour grid (`slot_grid`); ends are start + length and need not be, but a multiple of 5
/// keeps every end time a round one (09:00–09:25).
pub const SESSION_LENGTH_STEP_MINUTES: u32 = 5;

/// Why a community's list of allowed session lengths is refused. Each variant carries every
/// offending length, so one message can name them all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SessionLengthProblem {
    /// No length at all: nobody could book.
    Empty,
    /// 0 is listed.
    Zero,
    /// Lengths that are not a multiple of [`SESSION_LENGTH_STEP_MINUTES`].
    NotAStep(Vec<u32>),
    /// Lengths over [`LONGEST_SESSION_MINUTES`].
    TooLong(Vec<u32>),
    /// Lengths listed more than once.
    Repeated(Vec<u32>),
}

impl fmt::Display for SessionLengthProblem {
    /// Plain words, without a capital or a full stop, so callers can prefix a config key or
    /// make a sentence of it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let cannot_be = |lengths: &[u32]| {
            if lengths.len() == 1 {
                format!("{} minutes can't be a session length", lengths[0])
            } else {
                format!("{} minutes can't be session lengths", and_list(lengths))
            }
        };
        match self {
            SessionLengthProblem::Empty => write!(
                f,
                "no session length is given; give at least one, e.g. 25, 50 and 75 minutes"
            ),
            SessionLengthProblem::Zero => write!(
                f,
                "0 minutes can't be a session length; a session lasts at least \
                 {SESSION_LENGTH_STEP_MINUTES} minutes"
            ),
            SessionLengthProblem::NotAStep(lengths) => write!(
                f,
                "{}; use multiples of {SESSION_LENGTH_STEP_MINUTES} minutes, e.g. 25, 50 or 75",
                cannot_be(lengths)
            ),
            SessionLengthProblem::TooLong(lengths) => write!(
                f,
                "{}; the longest session is {LONGEST_SESSION_MINUTES} minutes ({} hours)",
                cannot_be(lengths),
                LONGEST_SESSION_MINUTES / 60
            ),
            SessionLengthProblem::Repeated(lengths) => write!(
                f,
                "{} minutes {} listed more than once",
                and_list(lengths),
                if lengths.len() == 1 { "is" } else { "are" }
            ),
        }
    }
}

/// "25", "25 and 50", "25, 50 and 75".
fn and_list(values: &[u32]) -> String {
    match values {
        [] => String::new(),
        [only] => only.to_string(),
        [init @ .., last] => {
            let init: Vec<String> = init.iter().map(u32::to_string).collect();
            format!("{} and {last}", init.join(", "))
        }
    }
}

/// Every problem with a community's allowed session lengths (empty when they are fine): at
/// least one, none 0, each a multiple of [`SESSION_LENGTH_STEP_MINUTES`] and at most
/// [`LONGEST_SESSION_MINUTES`], none twice. Config validation reports them all; `/setup` too.
pub fn session_length_problems(lengths: &[u32]) -> Vec<SessionLengthProblem> {
    let mut problems = Vec::new();
    if lengths.is_empty() {
        problems.push(SessionLengthProblem::Empty);
    }
    if lengths.contains(&0) {
        problems.push(SessionLengthProblem::Zero);
    }
    let distinct = |filter: &dyn Fn(u32) -> bool| -> Vec<u32> {
        let mut found: Vec<u32> = lengths.iter().copied().filter(|m| filter(*m)).collect();
        found.sort_unstable();
        found.dedup();
        found
    };
    let not_a_step = distinct(&|m| m % SESSION_LENGTH_STEP_MINUTES != 0);
    if !not_a_step.is_empty() {
        problems.push(SessionLengthProblem::NotAStep(not_a_step));
    }
    let too_long = distinct(&|m| m > LONGEST_SESSION_MINUTES);
    if !too_long.is_empty() {
        problems.push(SessionLengthProblem::TooLong(too_long));
    }
    let repeated = distinct(&|m| lengths.iter().filter(|other| **other == m).count() > 1);
    if !repeated.is_empty() {
        problems.push(SessionLengthProblem::Repeated(repeated));
    }
    problems
}

/// The length of a booking that names none: 50 minutes, the classic length, where allowed;
/// otherwise the first allowed one.
pub fn default_length(allowed: &[u32]) -> u32 {
    if allowed.contains(&50) {
        50
    } else {
        allowed.first().copied().unwrap_or(50)
    }
}

/// `Ok` when a community may allow exactly these session lengths, else the first problem
/// (see [`session_length_problems`] for all of them).
pub fn check_session_lengths(lengths: &[u32]) -> Result<(), SessionLengthProblem> {
    match session_length_problems(lengths).into_iter().next() {
        Some(problem) => Err(problem),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::model::{CommunityId, SlotId};
    use chrono_tz::{America, Asia, Europe};

    fn utc(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .expect("test literal")
            .with_timezone(&Utc)
    }

    fn booking(id: i64, starts_at: &str, length_minutes: u32, status: BookingStatus) -> Booking {
        Booking {
            id: BookingId(id),
            community_id: CommunityId(1),
            member_id: MemberId(7),
            slot_id: SlotId(id),
            starts_at: utc(starts_at),
            length_minutes,
            status,
            recurring_weekly: false,
            created_at: utc("2026-11-01T00:00:00Z"),
        }
    }

    const NOW: &str = "2026-11-30T08:00:00Z";

    #[test]
    fn new_booking_table() {
        use BookingStatus::*;
        let settings = CommunitySettings::default(); // 25/50/75, horizon 14 d, cutoff 1 min
        let cutoff = |minutes| CommunitySettings {
            booking_cutoff: Duration::minutes(minutes),
            ..CommunitySettings::default()
        };
        let (cutoff_5, cutoff_15, cutoff_16) = (cutoff(5), cutoff(15), cutoff(16));
        let only_50 = CommunitySettings {
            allowed_lengths_minutes: vec![50],
            ..CommunitySettings::default()
        };
        let existing = vec![
            booking(1, "2026-11-30T10:00:00Z", 50, Active), // 10:00-10:50
            booking(2, "2026-11-30T12:00:00Z", 25, Cancelled), // ignored
            booking(3, "2026-11-30T14:00:00Z", 75, Active), // 14:00-15:15
        ];
        let overlaps_1 = Err(BookingRejection::Overlaps {
            booking_id: BookingId(1),
            starts_at: utc("2026-11-30T10:00:00Z"),
            length_minutes: 50,
        });
        let overlaps_3 = Err(BookingRejection::Overlaps {
            booking_id: BookingId(3),
            starts_at: utc("2026-11-30T14:00:00Z"),
            length_minutes: 75,
        });
        // (starts_at, length, settings, expected)
        let cases: Vec<(&str, u32, &CommunitySettings, Result<(), BookingRejection>)> = vec![
            ("2026-11-30T09:00:00Z", 50, &settings, Ok(())),
            (
                "2026-11-30T09:00:00Z",
                30,
                &settings,
                Err(BookingRejection::LengthNotAllowed {
                    requested: 30,
                    allowed: vec![25, 50, 75],
                }),
            ),
            (
                "2026-11-30T09:00:00Z",
                25,
                &only_50,
                Err(BookingRejection::LengthNotAllowed {
                    requested: 25,
                    allowed: vec![50],
                }),
            ),
            // Length is reported before the off-grid time.
            (
                "2026-11-30T09:07:00Z",
                30,
                &settings,
                Err(BookingRejection::LengthNotAllowed {
                    requested: 30,
                    allowed: vec![25, 50, 75],
                }),
            ),
            (
                "2026-11-30T09:07:00Z",
                50,
                &settings,
                Err(BookingRejection::OffGrid {
                    earlier: utc("2026-11-30T09:00:00Z"),
                    later: utc("2026-11-30T09:15:00Z"),
                }),
            ),
            (
                "2026-11-30T09:00:30Z",
                50,
                &settings,
                Err(BookingRejection::OffGrid {
                    earlier: utc("2026-11-30T09:00:00Z"),
                    later: utc("2026-11-30T09:15:00Z"),
                }),
            ),
            // Off-grid in the past: the grid is reported first.
            (
                "2026-11-29T09:07:00Z",
                50,
                &settings,
                Err(BookingRejection::OffGrid {
                    earlier: utc("2026-11-29T09:00:00Z"),
                    later: utc("2026-11-29T09:15:00Z"),
                }),
            ),
            // Kolkata 14:30 / Kathmandu 14:45 local are on the grid.
            ("2026-11-30T14:30:00+05:30", 25, &settings, Ok(())),
            ("2026-11-30T14:45:00+05:45", 25, &settings, Ok(())),
            // Past and now.
            (
                "2026-11-30T07:45:00Z",
                50,
                &settings,
                Err(BookingRejection::InPast),
            ),
            (
                "2026-11-30T08:00:00Z",
                50,
                &settings,
                Err(BookingRejection::InPast),
            ),
            // Cutoff edges: exactly the cutoff ahead is allowed.
            ("2026-11-30T08:15:00Z", 50, &settings, Ok(())),
            ("2026-11-30T08:15:00Z", 50, &cutoff_5, Ok(())),
            ("2026-11-30T08:15:00Z", 50, &cutoff_15, Ok(())),
            (
                "2026-11-30T08:15:00Z",
                50,
                &cutoff_16,
                Err(BookingRejection::TooSoon { cutoff_minutes: 16 }),
            ),
            // Horizon edges: exactly now + 14 days is allowed, one slot later is not.
            ("2026-12-14T08:00:00Z", 50, &settings, Ok(())),
            (
                "2026-12-14T08:15:00Z",
                50,
                &settings,
                Err(BookingRejection::BeyondHorizon {
                    latest: utc("2026-12-14T08:00:00Z"),
                }),
            ),
            (
                "2027-06-01T08:00:00Z",
                50,
                &settings,
                Err(BookingRejection::BeyondHorizon {
                    latest: utc("2026-12-14T08:00:00Z"),
                }),
            ),
            // Overlap edges with 10:00-10:50: back-to-back both ways is fine.
            ("2026-11-30T09:15:00Z", 25, &settings, Ok(())), // 09:15-09:40
            ("2026-11-30T09:15:00Z", 50, &settings, overlaps_1.clone()), // 09:15-10:05 ends after 10:00
            ("2026-11-30T09:15:00Z", 75, &settings, overlaps_1.clone()), // 09:15-10:30
            ("2026-11-30T09:30:00Z", 50, &settings, overlaps_1.clone()), // 09:30-10:20
            ("2026-11-30T09:30:00Z", 25, &settings, Ok(())),             // 09:30-09:55
            ("2026-11-30T09:45:00Z", 25, &settings, overlaps_1.clone()), // 09:45-10:10
            ("2026-11-30T10:00:00Z", 25, &settings, overlaps_1.clone()), // same start
            ("2026-11-30T10:45:00Z", 25, &settings, overlaps_1.clone()), // inside the tail
            ("2026-11-30T11:00:00Z", 50, &settings, Ok(())),             // after 10:50
            // Cancelled bookings never block.
            ("2026-11-30T12:00:00Z", 25, &settings, Ok(())),
            // Ending exactly when booking 3 starts, and starting exactly when it ends.
            ("2026-11-30T13:15:00Z", 25, &settings, Ok(())), // 13:15-13:40
            ("2026-11-30T13:15:00Z", 75, &settings, overlaps_3.clone()), // 13:15-14:30
            ("2026-11-30T15:15:00Z", 75, &settings, Ok(())),
            ("2026-11-30T15:00:00Z", 25, &settings, overlaps_3.clone()),
        ];
        for (starts_at, length, settings, expected) in cases {
            let got = check_new_booking(utc(NOW), utc(starts_at), length, settings, &existing);
            assert_eq!(got, expected, "book {starts_at} for {length} min");
        }
        // Spanning two bookings names the earlier one.
        let long = CommunitySettings {
            allowed_lengths_minutes: vec![300],
            ..CommunitySettings::default()
        };
        assert_eq!(
            check_new_booking(utc(NOW), utc("2026-11-30T09:45:00Z"), 300, &long, &existing),
            overlaps_1
        );
    }

    #[test]
    fn booking_cap_table() {
        use BookingStatus::*;
        let weekly = |id, starts_at| Booking {
            recurring_weekly: true,
            ..booking(id, starts_at, 50, Active)
        };
        let upcoming = |count: i64| -> Vec<Booking> {
            (0..count)
                .map(|day| {
                    booking(
                        100 + day,
                        &format!("2026-12-{:02}T09:00:00Z", day + 1),
                        50,
                        Active,
                    )
                })
                .collect()
        };
        let with = |mut bookings: Vec<Booking>, extra: Vec<Booking>| {
            bookings.extend(extra);
            bookings
        };
        let refused = |max| Err(BookingRejection::TooManyBookings { max });
        // (what, max, the member's bookings, expected)
        let cases: Vec<(&str, usize, Vec<Booking>, Result<(), BookingRejection>)> = vec![
            ("none yet", 20, vec![], Ok(())),
            ("one below the cap", 20, upcoming(19), Ok(())),
            ("at the cap", 20, upcoming(20), refused(20)),
            ("above the cap (a lowered cap)", 5, upcoming(8), refused(5)),
            (
                "cancelled ones do not count",
                3,
                with(
                    upcoming(2),
                    vec![booking(1, "2026-12-20T09:00:00Z", 50, Cancelled)],
                ),
                Ok(()),
            ),
            (
                "one under way now does not count",
                3,
                with(
                    upcoming(2),
                    vec![booking(1, "2026-11-30T07:45:00Z", 50, Active)],
                ),
                Ok(()),
            ),
            (
                "one starting exactly now does not count",
                3,
                with(upcoming(2), vec![booking(1, NOW, 50, Active)]),
                Ok(()),
            ),
            (
                "a weekly series counts its booked weeks",
                3,
                with(
                    upcoming(1),
                    vec![
                        weekly(1, "2026-12-20T09:00:00Z"),
                        weekly(2, "2026-12-27T09:00:00Z"),
                    ],
                ),
                refused(3),
            ),
            ("a cap of one", 1, upcoming(1), refused(1)),
        ];
        for (what, max, bookings, expected) in cases {
            assert_eq!(
                check_booking_cap(utc(NOW), max, &bookings),
                expected,
                "{what}"
            );
        }
    }

    #[test]
    fn cutoff_with_an_off_grid_now() {
        // 30 seconds before a slot, the default one-minute cutoff has passed.
        let settings = CommunitySettings::default();
        let now = utc("2026-11-30T08:14:30Z");
        assert_eq!(
            check_new_booking(now, utc("2026-11-30T08:15:00Z"), 25, &settings, &[]),
            Err(BookingRejection::TooSoon { cutoff_minutes: 1 })
        );
        assert_eq!(
            check_new_booking(
                utc("2026-11-30T08:14:00Z"),
                utc("2026-11-30T08:15:00Z"),
                25,
                &settings,
                &[]
            ),
            Ok(())
        );
    }

    #[test]
    fn horizon_latest_is_a_grid_slot() {
        let settings = CommunitySettings {
            booking_horizon: Duration::days(14),
            ..CommunitySettings::default()
        };
        let now = utc("2026-11-30T08:07:00Z");
        assert_eq!(
            check_new_booking(now, utc("2026-12-14T08:15:00Z"), 25, &settings, &[]),
            Err(BookingRejection::BeyondHorizon {
                latest: utc("2026-12-14T08:00:00Z")
            })
        );
        assert_eq!(
            check_new_booking(now, utc("2026-12-14T08:00:00Z"), 25, &settings, &[]),
            Ok(())
        );
    }

    #[test]
    fn cancel_table() {
        use BookingStatus::*;
        let settings = CommunitySettings::default(); // late window 60 min
        let me = MemberId(7);
        let cases: Vec<(&str, Booking, MemberId, Result<CancelKind, CancelRejection>)> = vec![
            (
                "2026-11-30T08:00:00Z",
                booking(1, "2026-11-30T10:00:00Z", 50, Active),
                me,
                Ok(CancelKind::OnTime),
            ),
            // Exactly the window ahead is on time; a second inside it is late.
            (
                "2026-11-30T09:00:00Z",
                booking(1, "2026-11-30T10:00:00Z", 50, Active),
                me,
                Ok(CancelKind::OnTime),
            ),
            (
                "2026-11-30T09:00:01Z",
                booking(1, "2026-11-30T10:00:00Z", 50, Active),
                me,
                Ok(CancelKind::Late),
            ),
            (
                "2026-11-30T09:59:59Z",
                booking(1, "2026-11-30T10:00:00Z", 50, Active),
                me,
                Ok(CancelKind::Late),
            ),
            (
                "2026-11-30T10:00:00Z",
                booking(1, "2026-11-30T10:00:00Z", 50, Active),
                me,
                Err(CancelRejection::AlreadyStarted),
            ),
            (
                "2026-11-30T10:20:00Z",
                booking(1, "2026-11-30T10:00:00Z", 50, Active),
                me,
                Err(CancelRejection::AlreadyStarted),
            ),
            (
                "2026-11-30T08:00:00Z",
                booking(1, "2026-11-30T10:00:00Z", 50, Cancelled),
                me,
                Err(CancelRejection::AlreadyCancelled),
            ),
            (
                "2026-11-30T11:00:00Z",
                booking(1, "2026-11-30T10:00:00Z", 50, Cancelled),
                me,
                Err(CancelRejection::AlreadyCancelled),
            ),
            (
                "2026-11-30T08:00:00Z",
                booking(1, "2026-11-30T10:00:00Z", 50, Active),
                MemberId(8),
                Err(CancelRejection::NotYours),
            ),
            (
                "2026-11-30T08:00:00Z",
                booking(1, "2026-11-30T10:00:00Z", 50, Cancelled),
                MemberId(8),
                Err(CancelRejection::NotYours),
            ),
        ];
        for (now, booking, actor, expected) in cases {
            assert_eq!(
                check_cancel(utc(now), &booking, actor, &settings),
                expected,
                "cancel {booking:?} at {now} by {actor}"
            );
        }
    }

    #[test]
    fn weekly_table() {
        let cases: Vec<(&str, Tz, Option<&str>)> = vec![
            (
                "2026-11-30T08:00:00Z",
                Europe::Paris,
                Some("2026-12-07T08:00:00Z"),
            ),
            // Across Paris spring forward (29 Mar): Mon 23 Mar 09:00 CET -> Mon 30 Mar 09:00 CEST.
            (
                "2026-03-23T08:00:00Z",
                Europe::Paris,
                Some("2026-03-30T07:00:00Z"),
            ),
            // Across fall back (25 Oct): 09:00 CEST -> 09:00 CET.
            (
                "2026-10-19T07:00:00Z",
                Europe::Paris,
                Some("2026-10-26T08:00:00Z"),
            ),
            // Sun 22 Mar 02:30 CET -> Sun 29 Mar 02:30 does not exist.
            ("2026-03-22T01:30:00Z", Europe::Paris, None),
            // Sun 18 Oct 02:30 CEST -> Sun 25 Oct 02:30 happens twice: the earlier (CEST).
            (
                "2026-10-18T00:30:00Z",
                Europe::Paris,
                Some("2026-10-25T00:30:00Z"),
            ),
            ("2026-03-01T07:15:00Z", America::New_York, None), // Sun 02:15 EST -> 8 Mar gap
            (
                "2026-03-01T14:00:00Z",
                America::New_York,
                Some("2026-03-08T13:00:00Z"),
            ),
            (
                "2026-10-25T05:30:00Z",
                America::New_York,
                Some("2026-11-01T05:30:00Z"),
            ), // 01:30 EDT twice -> EDT
            (
                "2026-11-30T03:30:00Z",
                Asia::Kolkata,
                Some("2026-12-07T03:30:00Z"),
            ),
            (
                "2026-11-30T03:30:00Z",
                Asia::Kathmandu,
                Some("2026-12-07T03:30:00Z"),
            ),
        ];
        for (starts_at, zone, expected) in cases {
            assert_eq!(
                next_weekly_occurrence(utc(starts_at), zone),
                expected.map(utc),
                "{starts_at} in {zone}"
            );
        }
        assert_eq!(
            next_weekly_occurrence(DateTime::<Utc>::MAX_UTC, Europe::Paris),
            None
        );
    }

    #[test]
    fn describe_texts() {
        let paris = Europe::Paris;
        let cases = [
            (
                BookingRejection::OffGrid { earlier: utc("2026-11-30T08:00:00Z"), later: utc("2026-11-30T08:15:00Z") },
                "That time is off the quarter-hour grid: sessions start at :00, :15, :30 and :45. The nearest slots are Mon 30 Nov 09:00 CET and Mon 30 Nov 09:15 CET.",
            ),
            (
                BookingRejection::LengthNotAllowed { requested: 30, allowed: vec![25, 50, 75] },
                "Sessions here are 25, 50 or 75 minutes long, so 30 minutes isn't available.",
            ),
            (BookingRejection::TooSoon { cutoff_minutes: 1 }, "That session starts too soon: bookings close 1 minute before the start. Try the next quarter hour."),
            (
                BookingRejection::BeyondHorizon { latest: utc("2026-12-14T08:00:00Z") },
                "That's too far ahead. You can book up to Mon 14 Dec 09:00 CET.",
            ),
            (
                BookingRejection::Overlaps { booking_id: BookingId(12), starts_at: utc("2026-11-30T09:00:00Z"), length_minutes: 50 },
                "That overlaps your booking #12 at Mon 30 Nov 10:00 CET (50 min). Cancel it first or pick another time.",
            ),
        ];
        for (rejection, expected) in cases {
            assert_eq!(rejection.describe(paris).render_plain(), expected);
        }
        assert_eq!(
            BookingRejection::TooManyBookings { max: 20 }
                .describe(paris)
                .render_plain(),
            "You already have 20 upcoming sessions booked, the most one member can hold here. \
             Cancel one you no longer need (`sessions` lists them) or book again after your next \
             session."
        );
        assert!(BookingRejection::InPast
            .describe(paris)
            .render_plain()
            .contains("passed"));
        assert!(CancelRejection::NotYours.describe().contains("isn't yours"));
        // The ends of chrono's range render in UTC instead of panicking.
        let _ = BookingRejection::BeyondHorizon {
            latest: DateTime::<Utc>::MAX_UTC,
        }
        .describe(chrono_tz::Pacific::Kiritimati)
        .render_plain();
        let _ = BookingRejection::InPast
            .describe(chrono_tz::Pacific::Kiritimati)
            .render_plain();
        let at_the_end = check_new_booking(
            DateTime::<Utc>::MAX_UTC,
            DateTime::<Utc>::MAX_UTC,
            25,
            &CommunitySettings::default(),
            &[],
        );
        assert!(
            matches!(at_the_end, Err(BookingRejection::OffGrid { .. })),
            "{at_the_end:?}"
        );
        let _ = at_the_end.map_err(|rejection| {
            rejection
                .describe(chrono_tz::Pacific::Kiritimati)
                .render_plain()
        });
        assert_eq!(
            BookingRejection::LengthNotAllowed { requested: 25, allowed: vec![] }
                .describe(paris)
                .render_plain(),
            "This community has no session lengths open for booking right now, so 25 minutes isn't available."
        );
        assert!(BookingRejection::TooSoon { cutoff_minutes: 0 }
            .describe(paris)
            .render_plain()
            .contains("a few seconds"));
        // Kathmandu renders the same instant on its own :45 grid.
        assert_eq!(
            BookingRejection::BeyondHorizon {
                latest: utc("2026-12-14T08:00:00Z")
            }
            .describe(Asia::Kathmandu)
            .render_plain(),
            "That's too far ahead. You can book up to Mon 14 Dec 13:45 +0545."
        );
    }

    #[test]
    fn a_weekly_occurrence_in_a_dst_gap_moves_to_the_next_valid_quarter_hour() {
        // Sun 21 Mar 2027 02:30 CET; a week later 02:30 does not exist in Berlin.
        let start = utc("2027-03-21T01:30:00Z");
        assert_eq!(
            weekly_occurrence(start, Europe::Berlin, 1),
            Some(WeeklyOccurrence::Moved {
                at: utc("2027-03-28T01:00:00Z"),
                wanted: chrono::NaiveDate::from_ymd_opt(2027, 3, 28)
                    .unwrap()
                    .and_hms_opt(2, 30, 0)
                    .unwrap(),
            })
        );
        assert_eq!(next_weekly_occurrence(start, Europe::Berlin), None);
        // Two weeks later the wall time exists again (now in CEST).
        assert_eq!(
            weekly_occurrence(start, Europe::Berlin, 2),
            Some(WeeklyOccurrence::Exact(utc("2027-04-04T00:30:00Z")))
        );
        assert_eq!(
            weekly_occurrence(DateTime::<Utc>::MAX_UTC, Europe::Berlin, 1),
            None
        );
    }

    #[test]
    fn session_lengths_one_rule() {
        use SessionLengthProblem::*;
        let cases: Vec<(&[u32], Vec<SessionLengthProblem>)> = vec![
            (&[25, 50, 75], vec![]),
            (&[5, 180], vec![]),
            (&[15, 45, 90, 120], vec![]),
            (&[], vec![Empty]),
            (&[0], vec![Zero]),
            (
                &[0, 27, 33, 50, 27],
                vec![Zero, NotAStep(vec![27, 33]), Repeated(vec![27])],
            ),
            (&[185, 240, 1440], vec![TooLong(vec![185, 240, 1440])]),
            (&[181], vec![NotAStep(vec![181]), TooLong(vec![181])]),
            (&[50, 25, 50, 25], vec![Repeated(vec![25, 50])]),
            (&[u32::MAX], vec![TooLong(vec![u32::MAX])]),
        ];
        for (lengths, expected) in cases {
            assert_eq!(session_length_problems(lengths), expected, "{lengths:?}");
            assert_eq!(
                check_session_lengths(lengths),
                expected.first().cloned().map_or(Ok(()), Err),
                "{lengths:?}"
            );
        }
    }

    #[test]
    fn session_length_problems_in_plain_words() {
        use SessionLengthProblem::*;
        let cases = [
            (Empty, "no session length is given; give at least one, e.g. 25, 50 and 75 minutes"),
            (Zero, "0 minutes can't be a session length; a session lasts at least 5 minutes"),
            (
                NotAStep(vec![27]),
                "27 minutes can't be a session length; use multiples of 5 minutes, e.g. 25, 50 or 75",
            ),
            (
                NotAStep(vec![27, 33, 52]),
                "27, 33 and 52 minutes can't be session lengths; use multiples of 5 minutes, e.g. 25, 50 or 75",
            ),
            (
                TooLong(vec![240]),
                "240 minutes can't be a session length; the longest session is 180 minutes (3 hours)",
            ),
            (Repeated(vec![25]), "25 minutes is listed more than once"),
            (Repeated(vec![25, 50]), "25 and 50 minutes are listed more than once"),
        ];
        for (problem, text) in cases {
            assert_eq!(problem.to_string(), text);
        }
    }

    #[test]
    fn the_default_lengths_are_allowed() {
        assert_eq!(
            check_session_lengths(&CommunitySettings::default().allowed_lengths_minutes),
            Ok(())
        );
    }
}
