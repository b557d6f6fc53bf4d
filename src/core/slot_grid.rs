//! The quarter-hour grid every session starts on.
//!
//! The grid is defined in UTC: instants whose Unix timestamp is a whole multiple of 15 minutes.
//! That is also every member's *local* grid, because every offset real zones use today is a
//! multiple of 15 minutes (India's +05:30 and Nepal's +05:45 included). So a member in
//! Kathmandu booking 09:15 local lands on the same UTC grid as one in Paris booking 04:30
//! local, and they can be matched. (Some historical local mean times had odd offsets, e.g.
//! Paris +00:09:21 before 1911; nobody books sessions then, and such a wall time simply reads
//! as off-grid.)
//!
//! Every function here saturates at chrono's representable range instead of panicking; the
//! times come from user input and a silly year must not take the bot down.

use chrono::{
    DateTime, Days, Duration, NaiveDate, NaiveDateTime, NaiveTime, Offset, TimeZone, Utc,
};
use chrono_tz::Tz;

/// Sessions start at :00, :15, :30 and :45.
pub const GRID_MINUTES: i64 = 15;

const GRID_SECONDS: i64 = GRID_MINUTES * 60;

fn grid_step() -> Duration {
    Duration::minutes(GRID_MINUTES)
}

/// True when `at` is a whole quarter hour with zero seconds and nanoseconds.
pub fn is_on_grid(at: DateTime<Utc>) -> bool {
    at.timestamp().rem_euclid(GRID_SECONDS) == 0 && at.timestamp_subsec_nanos() == 0
}

/// The latest grid instant at or before `at`.
fn floor_to_grid(at: DateTime<Utc>) -> DateTime<Utc> {
    let whole = at.timestamp();
    // rem_euclid keeps instants before 1970 flooring downwards too.
    let floored = whole - whole.rem_euclid(GRID_SECONDS);
    DateTime::from_timestamp(floored, 0).unwrap_or(at)
}

/// Adds one grid step, staying at the last representable instant rather than overflowing.
fn step_forward(at: DateTime<Utc>) -> DateTime<Utc> {
    at.checked_add_signed(grid_step())
        .unwrap_or(DateTime::<Utc>::MAX_UTC)
}

/// The grid instants just before and just after an off-grid instant, for "did you mean"
/// replies. For an instant already on the grid both halves are that instant.
pub fn nearest_grid_slots(at: DateTime<Utc>) -> (DateTime<Utc>, DateTime<Utc>) {
    if is_on_grid(at) {
        return (at, at);
    }
    let earlier = floor_to_grid(at);
    (earlier, step_forward(earlier))
}

/// The first grid instant strictly after `at` (so an on-grid `at` gives the next quarter hour,
/// which is what "book next" means: the slot that has not started yet).
pub fn next_grid_slot_after(at: DateTime<Utc>) -> DateTime<Utc> {
    step_forward(floor_to_grid(at))
}

/// Every grid instant in `[from, to)`, in order. Empty when `to <= from`.
pub fn grid_slots_between(from: DateTime<Utc>, to: DateTime<Utc>) -> Vec<DateTime<Utc>> {
    let mut slots = Vec::new();
    if to <= from {
        return slots;
    }
    let mut at = if is_on_grid(from) {
        from
    } else {
        next_grid_slot_after(from)
    };
    while at < to {
        slots.push(at);
        match at.checked_add_signed(grid_step()) {
            Some(next) => at = next,
            None => break,
        }
    }
    slots
}

/// The wall-clock time `at` shows in `zone`, or `None` when that falls outside chrono's
/// calendar (only within a day of its ends). chrono's own `naive_local` panics there, and
/// nothing fed by user input may panic.
pub fn wall_clock(at: DateTime<Utc>, zone: Tz) -> Option<NaiveDateTime> {
    let offset = zone.offset_from_utc_datetime(&at.naive_utc()).fix();
    at.naive_utc().checked_add_offset(offset)
}

/// The UTC instants at which local `day` starts in `zone`, and at which the following local
/// day starts. Not always 24 hours apart (23 or 25 on DST change days), and a local day does
/// not always start at 00:00: some zones (e.g. America/Santiago, Asia/Beirut) jump their
/// clocks at midnight, so the day starts at the first wall time that exists.
pub fn local_day_bounds(day: NaiveDate, zone: Tz) -> (DateTime<Utc>, DateTime<Utc>) {
    let start = start_of_local_day(day, zone);
    let end = match day.checked_add_days(Days::new(1)) {
        Some(next) => start_of_local_day(next, zone),
        None => DateTime::<Utc>::MAX_UTC,
    };
    (start, end)
}

fn start_of_local_day(day: NaiveDate, zone: Tz) -> DateTime<Utc> {
    // Walk forward minute by minute until a wall time exists; a gap at midnight ends at the
    // transition, which is exactly the first existing minute (all modern gaps are whole minutes).
    let midnight = day.and_time(NaiveTime::MIN);
    for minute in 0..(24 * 60) {
        let Some(wall) = midnight.checked_add_signed(Duration::minutes(minute)) else {
            break;
        };
        // Ambiguous midnight (a fall-back at 01:00 -> 00:00): the day starts at the earlier one.
        if let Some(instant) = zone.from_local_datetime(&wall).earliest() {
            return instant.with_timezone(&Utc);
        }
    }
    // Only reachable at the very edge of chrono's range; treat the wall time as UTC.
    midnight.and_utc()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .expect("test literal")
            .with_timezone(&Utc)
    }

    fn date(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").expect("test literal")
    }

    #[test]
    fn on_grid_table() {
        let cases = [
            ("2026-11-30T09:00:00Z", true),
            ("2026-11-30T09:15:00Z", true),
            ("2026-11-30T09:45:00Z", true),
            ("2026-11-30T09:07:00Z", false),
            ("2026-11-30T09:15:01Z", false),
            ("2026-11-30T09:15:00.5Z", false),
            ("1960-01-01T00:15:00Z", true),
            ("1960-01-01T00:14:00Z", false),
            // Kolkata 14:30 local and Kathmandu 14:45 local are both UTC grid instants.
            ("2026-11-30T14:30:00+05:30", true),
            ("2026-11-30T14:45:00+05:45", true),
            ("2026-11-30T14:40:00+05:45", false),
        ];
        for (input, expected) in cases {
            assert_eq!(is_on_grid(utc(input)), expected, "is_on_grid({input})");
        }
    }

    #[test]
    fn every_local_quarter_hour_in_odd_offset_zones_is_on_grid() {
        // Why the UTC grid is every member's grid: walk a whole local day in each zone.
        for zone in [
            chrono_tz::Asia::Kolkata,
            chrono_tz::Asia::Kathmandu,
            chrono_tz::Australia::Adelaide,
            chrono_tz::Australia::Eucla,
            chrono_tz::America::St_Johns,
            chrono_tz::Pacific::Chatham,
        ] {
            let day = date("2026-06-15");
            for quarter in 0..96 {
                let wall = day.and_time(NaiveTime::MIN) + Duration::minutes(quarter * GRID_MINUTES);
                let at = zone
                    .from_local_datetime(&wall)
                    .earliest()
                    .expect("no gap that day");
                assert!(is_on_grid(at.with_timezone(&Utc)), "{zone} {wall}");
            }
        }
    }

    #[test]
    fn nearest_and_next_table() {
        // input, nearest earlier, nearest later, next strictly after
        let cases = [
            (
                "2026-11-30T09:07:00Z",
                "2026-11-30T09:00:00Z",
                "2026-11-30T09:15:00Z",
                "2026-11-30T09:15:00Z",
            ),
            (
                "2026-11-30T09:00:00Z",
                "2026-11-30T09:00:00Z",
                "2026-11-30T09:00:00Z",
                "2026-11-30T09:15:00Z",
            ),
            (
                "2026-11-30T09:14:59.999Z",
                "2026-11-30T09:00:00Z",
                "2026-11-30T09:15:00Z",
                "2026-11-30T09:15:00Z",
            ),
            (
                "2026-11-30T23:59:00Z",
                "2026-11-30T23:45:00Z",
                "2026-12-01T00:00:00Z",
                "2026-12-01T00:00:00Z",
            ),
            (
                "1969-12-31T23:59:00Z",
                "1969-12-31T23:45:00Z",
                "1970-01-01T00:00:00Z",
                "1970-01-01T00:00:00Z",
            ),
        ];
        for (input, earlier, later, next) in cases {
            assert_eq!(
                nearest_grid_slots(utc(input)),
                (utc(earlier), utc(later)),
                "nearest({input})"
            );
            assert_eq!(next_grid_slot_after(utc(input)), utc(next), "next({input})");
        }
    }

    #[test]
    fn extremes_do_not_panic() {
        let max = DateTime::<Utc>::MAX_UTC;
        let min = DateTime::<Utc>::MIN_UTC;
        let _ = nearest_grid_slots(max);
        let _ = next_grid_slot_after(max);
        let _ = nearest_grid_slots(min);
        let _ = next_grid_slot_after(min);
        let _ = grid_slots_between(max - Duration::hours(1), max);
        let _ = local_day_bounds(NaiveDate::MAX, chrono_tz::Europe::Paris);
        let _ = local_day_bounds(NaiveDate::MIN, chrono_tz::Pacific::Kiritimati);
        assert_eq!(wall_clock(max, chrono_tz::Pacific::Kiritimati), None);
        assert_eq!(wall_clock(min, chrono_tz::America::New_York), None);
        assert_eq!(
            wall_clock(max, chrono_tz::America::New_York).map(|t| t < max.naive_utc()),
            Some(true)
        );
    }

    #[test]
    fn slots_between_table() {
        let cases: [(&str, &str, &[&str]); 4] = [
            (
                "2026-11-30T09:00:00Z",
                "2026-11-30T09:45:00Z",
                &[
                    "2026-11-30T09:00:00Z",
                    "2026-11-30T09:15:00Z",
                    "2026-11-30T09:30:00Z",
                ],
            ),
            (
                "2026-11-30T09:01:00Z",
                "2026-11-30T09:45:01Z",
                &[
                    "2026-11-30T09:15:00Z",
                    "2026-11-30T09:30:00Z",
                    "2026-11-30T09:45:00Z",
                ],
            ),
            ("2026-11-30T09:00:00Z", "2026-11-30T09:00:00Z", &[]),
            ("2026-11-30T10:00:00Z", "2026-11-30T09:00:00Z", &[]),
        ];
        for (from, to, expected) in cases {
            let expected: Vec<_> = expected.iter().map(|t| utc(t)).collect();
            assert_eq!(
                grid_slots_between(utc(from), utc(to)),
                expected,
                "[{from}, {to})"
            );
        }
    }

    #[test]
    fn local_day_bounds_table() {
        use chrono_tz::{America, Asia, Europe};
        let cases = [
            // Ordinary winter day in Paris: 24 h starting 23:00 UTC the day before.
            (
                Europe::Paris,
                "2026-11-30",
                "2026-11-29T23:00:00Z",
                "2026-11-30T23:00:00Z",
            ),
            // Spring forward: 23 hours.
            (
                Europe::Paris,
                "2026-03-29",
                "2026-03-28T23:00:00Z",
                "2026-03-29T22:00:00Z",
            ),
            // Fall back: 25 hours.
            (
                Europe::Paris,
                "2026-10-25",
                "2026-10-24T22:00:00Z",
                "2026-10-25T23:00:00Z",
            ),
            (
                America::New_York,
                "2026-03-08",
                "2026-03-08T05:00:00Z",
                "2026-03-09T04:00:00Z",
            ),
            (
                America::New_York,
                "2026-11-01",
                "2026-11-01T04:00:00Z",
                "2026-11-02T05:00:00Z",
            ),
            (
                Asia::Kolkata,
                "2026-11-30",
                "2026-11-29T18:30:00Z",
                "2026-11-30T18:30:00Z",
            ),
            (
                Asia::Kathmandu,
                "2026-11-30",
                "2026-11-29T18:15:00Z",
                "2026-11-30T18:15:00Z",
            ),
            // Santiago springs forward at midnight: 2026-09-06 starts at 01:00 local (-03).
            (
                America::Santiago,
                "2026-09-06",
                "2026-09-06T04:00:00Z",
                "2026-09-07T03:00:00Z",
            ),
        ];
        for (zone, day, start, end) in cases {
            assert_eq!(
                local_day_bounds(date(day), zone),
                (utc(start), utc(end)),
                "{zone} {day}"
            );
        }
    }
}
