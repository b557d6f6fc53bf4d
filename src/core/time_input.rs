//! Reading the times members type ("tomorrow 9:00", "mon 9:15pm", "next", an ISO timestamp)
//! and turning them into instants in the member's zone.
//!
//! Parsing and resolving are separate steps: parsing needs only the text, so the command
//! parser can reject nonsense before touching the store; resolving needs `now` and the
//! member's zone, which only the handler knows. Nothing here reads a clock.
//!
//! Nothing here may panic on any input: all text handling goes through `str` methods that
//! respect char boundaries, chrono's parsers return `Result`, and date arithmetic is checked.

use std::fmt;

use chrono::{
    DateTime, Datelike, Days, FixedOffset, MappedLocalTime, NaiveDate, NaiveDateTime, NaiveTime,
    TimeZone, Timelike, Utc, Weekday,
};
use chrono_tz::Tz;

use crate::core::slot_grid;

/// A day as a member names it, resolved against "today" in their zone later.
#[derive(Debug, Clone, PartialEq)]
pub enum DaySpec {
    Today,
    Tomorrow,
    Weekday(Weekday),
    Date(NaiveDate),
}

/// A time as a member typed it.
#[derive(Debug, Clone, PartialEq)]
pub enum TimeSpec {
    /// "next": the next quarter-hour slot.
    NextSlot,
    /// A wall-clock time in the member's zone, optionally on a named day. Without a day it
    /// means the next time the clock shows that time.
    Local {
        day: Option<DaySpec>,
        time: NaiveTime,
    },
    /// A timestamp with an explicit offset; the member's zone does not matter.
    Absolute(DateTime<FixedOffset>),
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum TimeInputError {
    Unrecognised {
        input: String,
    },
    NonexistentLocalTime {
        zone: String,
        date: NaiveDate,
        time: NaiveTime,
    },
    UnknownTimeZone {
        input: String,
        suggestion: Option<String>,
    },
}

// Hand-written rather than `#[error(...)]` because the texts format dates and optional parts.
impl fmt::Display for TimeInputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TimeInputError::Unrecognised { input } => write!(
                f,
                "I couldn't read \"{}\" as a time. Try 9:00, 9am, tomorrow 14:30, mon 9:15, next, or 2026-12-01T09:00.",
                shorten(input)
            ),
            TimeInputError::NonexistentLocalTime { zone, date, time } => write!(
                f,
                "{} doesn't exist on {} in {zone}: the clocks jump forward past it that night. Pick another time.",
                time.format("%H:%M"),
                date.format("%a %-d %b %Y"),
            ),
            TimeInputError::UnknownTimeZone { input, suggestion } => {
                write!(f, "\"{}\" isn't a time zone I know.", shorten(input))?;
                match suggestion {
                    Some(name) => write!(f, " Did you mean {name}?"),
                    None => write!(f, " Use a name like Europe/Paris or America/New_York."),
                }
            }
        }
    }
}

/// Echoing a 10 kB paste back into the chat helps nobody; cut by chars, never by bytes.
fn shorten(input: &str) -> String {
    const MAX_CHARS: usize = 60;
    if input.chars().count() <= MAX_CHARS {
        input.to_string()
    } else {
        let mut cut: String = input.chars().take(MAX_CHARS).collect();
        cut.push('…');
        cut
    }
}

/// Words that read naturally but carry no meaning: "tomorrow at 9", "on mon at 9:15".
const FILLER_WORDS: &[&str] = &["at", "on"];

/// Parses what a member typed as a time. Case-insensitive; words may be separated by any
/// whitespace. See the module tests for the accepted forms.
pub fn parse_time_spec(text: &str) -> Result<TimeSpec, TimeInputError> {
    let unrecognised = || TimeInputError::Unrecognised {
        input: text.trim().to_string(),
    };
    let lowered = text.to_lowercase();
    let words: Vec<&str> = lowered
        .split_whitespace()
        .filter(|word| !FILLER_WORDS.contains(word))
        .collect();
    if words.is_empty() {
        return Err(unrecognised());
    }
    let joined = words.join(" ");

    if joined == "next" || joined == "next slot" {
        return Ok(TimeSpec::NextSlot);
    }
    if let Some(absolute) = parse_absolute(&joined) {
        return Ok(TimeSpec::Absolute(absolute));
    }
    if let [single] = words.as_slice() {
        if let Some(local) = parse_local_datetime(single) {
            return Ok(TimeSpec::Local {
                day: Some(DaySpec::Date(local.date())),
                time: local.time(),
            });
        }
    }

    // Otherwise: one clock time and at most one day, in either order ("9:00 tomorrow" reads
    // as naturally as "tomorrow 9:00"). A lone "am"/"pm" belongs to the number before it.
    let mut pieces: Vec<String> = Vec::new();
    for word in words {
        match (is_meridiem(word), pieces.last_mut()) {
            (true, Some(previous)) => previous.push_str(word),
            _ => pieces.push(word.to_string()),
        }
    }
    let mut day = None;
    let mut time = None;
    for piece in &pieces {
        if let Some(clock) = parse_clock(piece) {
            if time.replace(clock).is_some() {
                return Err(unrecognised());
            }
        } else if let Some(named_day) = parse_day_spec_word(piece) {
            if day.replace(named_day).is_some() {
                return Err(unrecognised());
            }
        } else {
            return Err(unrecognised());
        }
    }
    match time {
        Some(time) => Ok(TimeSpec::Local { day, time }),
        None => Err(unrecognised()),
    }
}

/// Parses a day on its own, as `slots tomorrow` takes it: today, tomorrow, a weekday
/// (mon, monday, tues...) or an ISO date (2026-12-01).
pub fn parse_day_spec(text: &str) -> Result<DaySpec, TimeInputError> {
    let lowered = text.trim().to_lowercase();
    parse_day_spec_word(&lowered).ok_or_else(|| TimeInputError::Unrecognised {
        input: text.trim().to_string(),
    })
}

fn parse_day_spec_word(word: &str) -> Option<DaySpec> {
    match word {
        "today" => return Some(DaySpec::Today),
        "tomorrow" | "tmrw" | "tmr" => return Some(DaySpec::Tomorrow),
        // chrono knows three-letter and full names; these are the common extra abbreviations.
        "tue" | "tues" => return Some(DaySpec::Weekday(Weekday::Tue)),
        "weds" => return Some(DaySpec::Weekday(Weekday::Wed)),
        "thur" | "thurs" => return Some(DaySpec::Weekday(Weekday::Thu)),
        _ => {}
    }
    if let Ok(weekday) = word.parse::<Weekday>() {
        return Some(DaySpec::Weekday(weekday));
    }
    parse_iso_date(word).map(DaySpec::Date)
}

/// `YYYY-MM-DD` with a four-digit year. The shape check keeps chrono's lenient year parsing
/// ("+2026", "-001") out: those are never what a member meant.
fn parse_iso_date(word: &str) -> Option<NaiveDate> {
    let mut parts = word.split('-');
    let (year, month, day) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some()
        || !all_digits(year, 4, 4)
        || !all_digits(month, 1, 2)
        || !all_digits(day, 1, 2)
    {
        return None;
    }
    NaiveDate::parse_from_str(word, "%Y-%m-%d").ok()
}

/// `2026-12-01t09:00` (already lower-cased): an ISO date and time without an offset, read in
/// the member's zone.
fn parse_local_datetime(word: &str) -> Option<NaiveDateTime> {
    let (date_part, time_part) = word.split_once('t')?;
    let date = parse_iso_date(date_part)?;
    let time = parse_clock(time_part)?;
    Some(date.and_time(time))
}

/// A timestamp with an offset or `Z`: RFC 3339 ("2026-12-01T09:00:00+01:00", also with a
/// space instead of the T) or the same without seconds ("2026-12-01T09:00Z").
fn parse_absolute(joined: &str) -> Option<DateTime<FixedOffset>> {
    // The caller lower-cased the text; chrono wants an upper-case T and Z for some formats.
    let upper = joined.to_ascii_uppercase();
    if !upper.starts_with(|c: char| c.is_ascii_digit()) {
        return None;
    }
    let parsed = DateTime::parse_from_rfc3339(&upper)
        .or_else(|_| DateTime::parse_from_str(&upper, "%Y-%m-%dT%H:%M%#z"))
        .or_else(|_| DateTime::parse_from_str(&upper, "%Y-%m-%d %H:%M%#z"))
        .ok()?;
    // Same rule as local dates: a four-digit year, nothing chrono merely tolerates.
    let year_digits = upper.chars().take_while(|c| c.is_ascii_digit()).count();
    (year_digits == 4 && parsed.nanosecond() < 1_000_000_000).then_some(parsed)
}

fn is_meridiem(word: &str) -> bool {
    matches!(word, "am" | "pm" | "a.m." | "p.m.")
}

/// One clock-time word (lower-cased): "9:00", "09:00", "9:00:00", "9am", "9:15pm", "12am",
/// "14h30", "14h", "noon", "midnight". A bare number is not a time: "cancel 12" means booking
/// 12 and "book 9 50" would be a guess between 09:00 and 21:00.
fn parse_clock(word: &str) -> Option<NaiveTime> {
    match word {
        "noon" => return NaiveTime::from_hms_opt(12, 0, 0),
        "midnight" => return NaiveTime::from_hms_opt(0, 0, 0),
        _ => {}
    }
    let (body, meridiem) = if let Some(body) = word
        .strip_suffix("a.m.")
        .or_else(|| word.strip_suffix("am"))
    {
        (body, Some("AM"))
    } else if let Some(body) = word
        .strip_suffix("p.m.")
        .or_else(|| word.strip_suffix("pm"))
    {
        (body, Some("PM"))
    } else {
        (word, None)
    };

    // Normalise to H:MM or H:MM:SS, checking the shape first so chrono's leniency (one-digit
    // minutes, leading spaces) never lets "9:5" through as 09:05.
    let canonical = if let Some((hours, minutes)) = body.split_once('h') {
        if meridiem.is_some() || !all_digits(hours, 1, 2) {
            return None;
        }
        match minutes {
            "" => format!("{hours}:00"),
            _ if all_digits(minutes, 2, 2) => format!("{hours}:{minutes}"),
            _ => return None,
        }
    } else if body.contains(':') {
        let mut parts = body.split(':');
        let hours = parts.next()?;
        let minutes = parts.next()?;
        let seconds = parts.next();
        if parts.next().is_some()
            || !all_digits(hours, 1, 2)
            || !all_digits(minutes, 2, 2)
            || !seconds.is_none_or(|s| all_digits(s, 2, 2))
        {
            return None;
        }
        body.to_string()
    } else if meridiem.is_some() && all_digits(body, 1, 2) {
        format!("{body}:00")
    } else {
        return None;
    };

    let with_seconds = canonical.matches(':').count() == 2;
    let time = match (meridiem, with_seconds) {
        (Some(m), false) => NaiveTime::parse_from_str(&format!("{canonical} {m}"), "%I:%M %p"),
        (Some(m), true) => NaiveTime::parse_from_str(&format!("{canonical} {m}"), "%I:%M:%S %p"),
        (None, false) => NaiveTime::parse_from_str(&canonical, "%H:%M"),
        (None, true) => NaiveTime::parse_from_str(&canonical, "%H:%M:%S"),
    }
    .ok()?;
    // chrono accepts second 60 as a leap second; no session starts in one.
    (time.nanosecond() < 1_000_000_000).then_some(time)
}

fn all_digits(text: &str, min_len: usize, max_len: usize) -> bool {
    (min_len..=max_len).contains(&text.len()) && text.bytes().all(|b| b.is_ascii_digit())
}

/// The member's local calendar date at `now` (the UTC date at the very ends of chrono's
/// range, where the local one cannot be represented).
fn local_today(now: DateTime<Utc>, zone: Tz) -> NaiveDate {
    slot_grid::wall_clock(now, zone).map_or(now.date_naive(), |wall| wall.date())
}

fn add_days(date: NaiveDate, days: u64) -> Option<NaiveDate> {
    date.checked_add_days(Days::new(days))
}

/// Days from `from` to the next `weekday`, 0 when `from` is that weekday.
fn days_until(from: NaiveDate, weekday: Weekday) -> u64 {
    let delta =
        weekday.num_days_from_monday() as i64 - from.weekday().num_days_from_monday() as i64;
    delta.rem_euclid(7) as u64
}

/// The calendar date a day word means for a member at `now`. A weekday is the next such
/// day, today included ("slots mon" on a Monday shows today's slots).
pub fn resolve_day(day: &DaySpec, now: DateTime<Utc>, zone: Tz) -> NaiveDate {
    let today = local_today(now, zone);
    let resolved = match day {
        DaySpec::Today => Some(today),
        DaySpec::Tomorrow => add_days(today, 1),
        DaySpec::Weekday(weekday) => add_days(today, days_until(today, *weekday)),
        DaySpec::Date(date) => Some(*date),
    };
    // Only fails at the end of chrono's calendar; today is the least surprising answer there.
    resolved.unwrap_or(today)
}

/// Where a wall time on a given local date lands.
enum WallTime {
    /// The instants showing that wall time, earliest first (two on a fall-back night).
    At(Vec<DateTime<Utc>>),
    /// Skipped by a spring-forward jump.
    Skipped,
}

fn wall_time(date: NaiveDate, time: NaiveTime, zone: Tz) -> WallTime {
    match zone.from_local_datetime(&date.and_time(time)) {
        MappedLocalTime::Single(at) => WallTime::At(vec![at.with_timezone(&Utc)]),
        MappedLocalTime::Ambiguous(earlier, later) => {
            WallTime::At(vec![earlier.with_timezone(&Utc), later.with_timezone(&Utc)])
        }
        MappedLocalTime::None => WallTime::Skipped,
    }
}

fn nonexistent(zone: Tz, date: NaiveDate, time: NaiveTime) -> TimeInputError {
    TimeInputError::NonexistentLocalTime {
        zone: zone.name().to_string(),
        date,
        time,
    }
}

/// The wall time on `date`: on a fall-back night the earlier instant, unless only the later
/// one is still ahead of `now` (a member typing "2:30" at 02:40 summer time means the 02:30
/// that is coming, not the one that has gone).
fn resolve_on_date(
    date: NaiveDate,
    time: NaiveTime,
    now: DateTime<Utc>,
    zone: Tz,
) -> Result<DateTime<Utc>, TimeInputError> {
    match wall_time(date, time, zone) {
        WallTime::At(instants) => {
            let first = instants[0];
            Ok(instants.into_iter().find(|at| *at > now).unwrap_or(first))
        }
        WallTime::Skipped => Err(nonexistent(zone, date, time)),
    }
}

/// The wall time today if it is still ahead of `now`, else on the date `days_later` days on.
fn resolve_from_today(
    time: NaiveTime,
    days_later: u64,
    now: DateTime<Utc>,
    zone: Tz,
) -> Result<DateTime<Utc>, TimeInputError> {
    let today = local_today(now, zone);
    match wall_time(today, time, zone) {
        WallTime::At(instants) => {
            if let Some(ahead) = instants.into_iter().find(|at| *at > now) {
                return Ok(ahead);
            }
        }
        // The gap is still ahead today when the wall clock has not reached it yet: the
        // member asked for a time that will not exist, so say so rather than skip a day.
        WallTime::Skipped => {
            if slot_grid::wall_clock(now, zone).is_some_and(|wall| wall < today.and_time(time)) {
                return Err(nonexistent(zone, today, time));
            }
        }
    }
    let later = add_days(today, days_later).ok_or_else(|| TimeInputError::Unrecognised {
        input: time.format("%H:%M").to_string(),
    })?;
    resolve_on_date(later, time, now, zone)
}

/// Turns a parsed time into an instant for a member in `zone` at `now`.
///
/// - `NextSlot`: the next grid instant strictly after `now`.
/// - `Local` without a day: the next time the member's clock shows it (today if still ahead,
///   else tomorrow).
/// - `Local` on a weekday: the next such weekday; today counts if the time is still ahead.
/// - `Local` on today / tomorrow / a date: that date, even if already past (the booking
///   rules then say "that has passed", which is clearer than silently moving it).
/// - A wall time skipped by a spring-forward jump is an error naming the zone and date; one
///   that happens twice (fall back) is the earlier instant, unless only the later is ahead.
/// - `Absolute`: as given.
pub fn resolve_time_spec(
    spec: &TimeSpec,
    now: DateTime<Utc>,
    zone: Tz,
) -> Result<DateTime<Utc>, TimeInputError> {
    match spec {
        TimeSpec::NextSlot => Ok(slot_grid::next_grid_slot_after(now)),
        TimeSpec::Absolute(at) => Ok(at.with_timezone(&Utc)),
        TimeSpec::Local { day: None, time } => resolve_from_today(*time, 1, now, zone),
        TimeSpec::Local {
            day: Some(DaySpec::Weekday(weekday)),
            time,
        } => {
            let today = local_today(now, zone);
            match days_until(today, *weekday) {
                0 => resolve_from_today(*time, 7, now, zone),
                days => {
                    let date = add_days(today, days).unwrap_or(today);
                    resolve_on_date(date, *time, now, zone)
                }
            }
        }
        TimeSpec::Local {
            day: Some(day),
            time,
        } => resolve_on_date(resolve_day(day, now, zone), *time, now, zone),
    }
}

/// Reads an IANA zone name, case-insensitively ("europe/paris" works; spaces may stand for
/// underscores). On failure the error suggests the closest known name.
pub fn parse_time_zone(text: &str) -> Result<Tz, TimeInputError> {
    let wanted = text.split_whitespace().collect::<Vec<_>>().join("_");
    if let Some(zone) = chrono_tz::TZ_VARIANTS
        .iter()
        .find(|zone| zone.name().eq_ignore_ascii_case(&wanted))
    {
        return Ok(*zone);
    }
    Err(TimeInputError::UnknownTimeZone {
        input: text.trim().to_string(),
        suggestion: closest_zone_name(&wanted),
    })
}

/// The known zone most like `wanted`, comparing against both the full name and its city part
/// so "pariss" finds Europe/Paris as well as "Europe/Pariss" does.
fn closest_zone_name(wanted: &str) -> Option<String> {
    // Similarity is O(n·m); a long paste gets no suggestion rather than a slow reply.
    const MAX_CHARS: usize = 64;
    const MIN_SIMILARITY: f64 = 0.85;
    if wanted.is_empty() || wanted.chars().count() > MAX_CHARS {
        return None;
    }
    let wanted = wanted.to_lowercase();
    let mut best: Option<(f64, &'static str)> = None;
    for zone in chrono_tz::TZ_VARIANTS.iter() {
        let name = zone.name();
        let lower = name.to_lowercase();
        let city = lower.rsplit('/').next().unwrap_or(&lower);
        let score = strsim::jaro_winkler(&wanted, &lower).max(strsim::jaro_winkler(&wanted, city));
        // Strictly greater keeps the first (alphabetically earliest) of equal scores, so the
        // suggestion is deterministic.
        if best.is_none_or(|(best_score, _)| score > best_score) {
            best = Some((score, name));
        }
    }
    best.filter(|(score, _)| *score >= MIN_SIMILARITY)
        .map(|(_, name)| name.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono_tz::{America, Asia, Australia, Europe};

    fn utc(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .expect("test literal")
            .with_timezone(&Utc)
    }
    fn hm(h: u32, m: u32) -> NaiveTime {
        NaiveTime::from_hms_opt(h, m, 0).expect("test literal")
    }
    fn date(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").expect("test literal")
    }
    fn local(day: Option<DaySpec>, h: u32, m: u32) -> TimeSpec {
        TimeSpec::Local {
            day,
            time: hm(h, m),
        }
    }
    fn unrecognised(input: &str) -> TimeInputError {
        TimeInputError::Unrecognised {
            input: input.to_string(),
        }
    }

    #[test]
    fn parse_table() {
        use DaySpec::*;
        let ok = |spec: TimeSpec| Ok::<_, TimeInputError>(spec);
        let cases: Vec<(&str, Result<TimeSpec, TimeInputError>)> = vec![
            ("next", ok(TimeSpec::NextSlot)),
            ("NEXT", ok(TimeSpec::NextSlot)),
            ("next slot", ok(TimeSpec::NextSlot)),
            ("9:00", ok(local(None, 9, 0))),
            ("09:00", ok(local(None, 9, 0))),
            ("  9:00  ", ok(local(None, 9, 0))),
            ("23:45", ok(local(None, 23, 45))),
            ("0:00", ok(local(None, 0, 0))),
            (
                "9:00:30",
                ok(TimeSpec::Local {
                    day: None,
                    time: NaiveTime::from_hms_opt(9, 0, 30).unwrap(),
                }),
            ),
            ("9am", ok(local(None, 9, 0))),
            ("9AM", ok(local(None, 9, 0))),
            ("9 am", ok(local(None, 9, 0))),
            ("9 p.m.", ok(local(None, 21, 0))),
            ("9:15pm", ok(local(None, 21, 15))),
            ("12am", ok(local(None, 0, 0))),
            ("12pm", ok(local(None, 12, 0))),
            ("12:30am", ok(local(None, 0, 30))),
            ("14h30", ok(local(None, 14, 30))),
            ("14h", ok(local(None, 14, 0))),
            ("noon", ok(local(None, 12, 0))),
            ("tomorrow 14:30", ok(local(Some(Tomorrow), 14, 30))),
            ("Tomorrow at 2pm", ok(local(Some(Tomorrow), 14, 0))),
            ("14:30 tomorrow", ok(local(Some(Tomorrow), 14, 30))),
            ("tmrw 8:00", ok(local(Some(Tomorrow), 8, 0))),
            ("today 9:00", ok(local(Some(Today), 9, 0))),
            (
                "mon 9:15",
                ok(local(Some(Weekday(chrono::Weekday::Mon)), 9, 15)),
            ),
            (
                "monday 9:15",
                ok(local(Some(Weekday(chrono::Weekday::Mon)), 9, 15)),
            ),
            (
                "on Tues at 7pm",
                ok(local(Some(Weekday(chrono::Weekday::Tue)), 19, 0)),
            ),
            (
                "THURS 10:45",
                ok(local(Some(Weekday(chrono::Weekday::Thu)), 10, 45)),
            ),
            (
                "sun\t6:00",
                ok(local(Some(Weekday(chrono::Weekday::Sun)), 6, 0)),
            ),
            (
                "2026-12-01 09:00",
                ok(local(Some(Date(date("2026-12-01"))), 9, 0)),
            ),
            (
                "2026-12-01T09:00",
                ok(local(Some(Date(date("2026-12-01"))), 9, 0)),
            ),
            (
                "2026-12-01t09:00:00",
                ok(local(Some(Date(date("2026-12-01"))), 9, 0)),
            ),
            (
                "2026-12-01T09:00:00+01:00",
                ok(TimeSpec::Absolute(
                    DateTime::parse_from_rfc3339("2026-12-01T09:00:00+01:00").unwrap(),
                )),
            ),
            (
                "2026-12-01T09:00:00Z",
                ok(TimeSpec::Absolute(
                    DateTime::parse_from_rfc3339("2026-12-01T09:00:00Z").unwrap(),
                )),
            ),
            (
                "2026-12-01t09:00:00z",
                ok(TimeSpec::Absolute(
                    DateTime::parse_from_rfc3339("2026-12-01T09:00:00Z").unwrap(),
                )),
            ),
            (
                "2026-12-01 09:00:00-05:00",
                ok(TimeSpec::Absolute(
                    DateTime::parse_from_rfc3339("2026-12-01T09:00:00-05:00").unwrap(),
                )),
            ),
            (
                "2026-12-01T09:00+05:45",
                ok(TimeSpec::Absolute(
                    DateTime::parse_from_rfc3339("2026-12-01T09:00:00+05:45").unwrap(),
                )),
            ),
            (
                "2026-12-01T09:00Z",
                ok(TimeSpec::Absolute(
                    DateTime::parse_from_rfc3339("2026-12-01T09:00:00Z").unwrap(),
                )),
            ),
            // Not times.
            ("", Err(unrecognised(""))),
            ("   ", Err(unrecognised(""))),
            ("9ish", Err(unrecognised("9ish"))),
            ("9", Err(unrecognised("9"))),
            ("12", Err(unrecognised("12"))),
            ("9:5", Err(unrecognised("9:5"))),
            ("24:00", Err(unrecognised("24:00"))),
            ("23:60", Err(unrecognised("23:60"))),
            ("23:59:60", Err(unrecognised("23:59:60"))),
            ("13pm", Err(unrecognised("13pm"))),
            ("0am", Err(unrecognised("0am"))),
            ("am", Err(unrecognised("am"))),
            ("+9:00", Err(unrecognised("+9:00"))),
            ("9h30pm", Err(unrecognised("9h30pm"))),
            ("tomorrow", Err(unrecognised("tomorrow"))),
            (
                "tomorrow today 9:00",
                Err(unrecognised("tomorrow today 9:00")),
            ),
            ("9:00 10:00", Err(unrecognised("9:00 10:00"))),
            ("2026-02-30 9:00", Err(unrecognised("2026-02-30 9:00"))),
            ("+2026-12-01 9:00", Err(unrecognised("+2026-12-01 9:00"))),
            (
                "12026-12-01T09:00:00Z",
                Err(unrecognised("12026-12-01T09:00:00Z")),
            ),
            ("９:００", Err(unrecognised("９:００"))),
            ("ßam", Err(unrecognised("ßam"))),
        ];
        for (input, expected) in cases {
            assert_eq!(
                parse_time_spec(input),
                expected,
                "parse_time_spec({input:?})"
            );
        }
    }

    #[test]
    fn resolve_table() {
        use DaySpec::*;
        let mon = chrono::Weekday::Mon;
        let sun = chrono::Weekday::Sun;
        // (now, zone, spec, expected instant or error)
        let cases: Vec<(&str, Tz, TimeSpec, Result<&str, TimeInputError>)> = vec![
            // Monday 30 Nov 2026, 08:00 in Paris (07:00Z).
            (
                "2026-11-30T07:00:00Z",
                Europe::Paris,
                local(None, 9, 0),
                Ok("2026-11-30T08:00:00Z"),
            ),
            (
                "2026-11-30T07:00:00Z",
                Europe::Paris,
                local(None, 8, 0),
                Ok("2026-12-01T07:00:00Z"),
            ),
            (
                "2026-11-30T07:00:00Z",
                Europe::Paris,
                local(None, 7, 59),
                Ok("2026-12-01T06:59:00Z"),
            ),
            (
                "2026-11-30T07:00:00Z",
                Europe::Paris,
                local(Some(Today), 7, 0),
                Ok("2026-11-30T06:00:00Z"),
            ),
            (
                "2026-11-30T07:00:00Z",
                Europe::Paris,
                local(Some(Tomorrow), 9, 0),
                Ok("2026-12-01T08:00:00Z"),
            ),
            // Weekday: today counts if still ahead, otherwise a week later.
            (
                "2026-11-30T07:00:00Z",
                Europe::Paris,
                local(Some(Weekday(mon)), 9, 0),
                Ok("2026-11-30T08:00:00Z"),
            ),
            (
                "2026-11-30T07:00:00Z",
                Europe::Paris,
                local(Some(Weekday(mon)), 8, 0),
                Ok("2026-12-07T07:00:00Z"),
            ),
            (
                "2026-11-30T07:00:00Z",
                Europe::Paris,
                local(Some(Weekday(sun)), 8, 0),
                Ok("2026-12-06T07:00:00Z"),
            ),
            // Local date rollover: 23:30Z Sunday is already Monday 00:30 in Paris.
            (
                "2026-11-29T23:30:00Z",
                Europe::Paris,
                local(Some(Weekday(mon)), 9, 0),
                Ok("2026-11-30T08:00:00Z"),
            ),
            (
                "2026-11-29T23:30:00Z",
                Europe::Paris,
                local(Some(Today), 9, 0),
                Ok("2026-11-30T08:00:00Z"),
            ),
            (
                "2026-11-29T23:30:00Z",
                Europe::Paris,
                local(Some(Tomorrow), 9, 0),
                Ok("2026-12-01T08:00:00Z"),
            ),
            // ...while it is still Sunday evening in New York.
            (
                "2026-11-29T23:30:00Z",
                America::New_York,
                local(Some(Weekday(mon)), 9, 0),
                Ok("2026-11-30T14:00:00Z"),
            ),
            (
                "2026-11-29T23:30:00Z",
                America::New_York,
                local(Some(Weekday(sun)), 19, 0),
                Ok("2026-11-30T00:00:00Z"),
            ),
            (
                "2026-11-29T23:30:00Z",
                America::New_York,
                local(Some(Weekday(sun)), 18, 0),
                Ok("2026-12-06T23:00:00Z"),
            ),
            (
                "2026-11-30T07:00:00Z",
                Europe::Paris,
                local(Some(Date(date("2026-12-24"))), 9, 0),
                Ok("2026-12-24T08:00:00Z"),
            ),
            // :30 and :45 offsets.
            (
                "2026-11-30T00:00:00Z",
                Asia::Kolkata,
                local(None, 9, 0),
                Ok("2026-11-30T03:30:00Z"),
            ),
            (
                "2026-11-30T00:00:00Z",
                Asia::Kathmandu,
                local(None, 9, 15),
                Ok("2026-11-30T03:30:00Z"),
            ),
            (
                "2026-11-30T00:00:00Z",
                Australia::Eucla,
                local(None, 9, 0),
                Ok("2026-11-30T00:15:00Z"),
            ),
            // Next slot is strictly after now.
            (
                "2026-11-30T07:00:00Z",
                Europe::Paris,
                TimeSpec::NextSlot,
                Ok("2026-11-30T07:15:00Z"),
            ),
            (
                "2026-11-30T07:00:01Z",
                Europe::Paris,
                TimeSpec::NextSlot,
                Ok("2026-11-30T07:15:00Z"),
            ),
            (
                "2026-11-30T07:14:59Z",
                Asia::Kathmandu,
                TimeSpec::NextSlot,
                Ok("2026-11-30T07:15:00Z"),
            ),
            (
                "2026-11-30T07:00:00Z",
                Europe::Paris,
                TimeSpec::Absolute(
                    DateTime::parse_from_rfc3339("2026-12-01T09:00:00+01:00").unwrap(),
                ),
                Ok("2026-12-01T08:00:00Z"),
            ),
            // Paris spring forward, Sun 29 Mar 2026: 02:00 -> 03:00.
            (
                "2026-03-28T12:00:00Z",
                Europe::Paris,
                local(Some(Tomorrow), 2, 30),
                Err(TimeInputError::NonexistentLocalTime {
                    zone: "Europe/Paris".into(),
                    date: date("2026-03-29"),
                    time: hm(2, 30),
                }),
            ),
            (
                "2026-03-28T12:00:00Z",
                Europe::Paris,
                local(Some(Tomorrow), 3, 0),
                Ok("2026-03-29T01:00:00Z"),
            ),
            (
                "2026-03-28T12:00:00Z",
                Europe::Paris,
                local(Some(Tomorrow), 1, 45),
                Ok("2026-03-29T00:45:00Z"),
            ),
            // "2:30" with no day, asked at 00:30 on the night: the gap is still ahead -> error.
            (
                "2026-03-28T23:30:00Z",
                Europe::Paris,
                local(None, 2, 30),
                Err(TimeInputError::NonexistentLocalTime {
                    zone: "Europe/Paris".into(),
                    date: date("2026-03-29"),
                    time: hm(2, 30),
                }),
            ),
            // Asked at 04:00 local, the gap is behind: tomorrow's 02:30 exists.
            (
                "2026-03-29T02:00:00Z",
                Europe::Paris,
                local(None, 2, 30),
                Ok("2026-03-30T00:30:00Z"),
            ),
            // Paris fall back, Sun 25 Oct 2026: 03:00 CEST -> 02:00 CET; 02:30 happens twice.
            (
                "2026-10-24T12:00:00Z",
                Europe::Paris,
                local(Some(Tomorrow), 2, 30),
                Ok("2026-10-25T00:30:00Z"),
            ),
            (
                "2026-10-24T23:00:00Z",
                Europe::Paris,
                local(None, 2, 30),
                Ok("2026-10-25T00:30:00Z"),
            ),
            // At 02:40 CEST the first 02:30 has gone; the coming one is the CET one.
            (
                "2026-10-25T00:40:00Z",
                Europe::Paris,
                local(None, 2, 30),
                Ok("2026-10-25T01:30:00Z"),
            ),
            // After both: tomorrow.
            (
                "2026-10-25T01:40:00Z",
                Europe::Paris,
                local(None, 2, 30),
                Ok("2026-10-26T01:30:00Z"),
            ),
            // New York spring forward, Sun 8 Mar 2026: 02:00 -> 03:00.
            (
                "2026-03-07T17:00:00Z",
                America::New_York,
                local(Some(Weekday(sun)), 2, 15),
                Err(TimeInputError::NonexistentLocalTime {
                    zone: "America/New_York".into(),
                    date: date("2026-03-08"),
                    time: hm(2, 15),
                }),
            ),
            (
                "2026-03-07T17:00:00Z",
                America::New_York,
                local(Some(Weekday(sun)), 9, 0),
                Ok("2026-03-08T13:00:00Z"),
            ),
            // New York fall back, Sun 1 Nov 2026: 01:30 happens twice, the earlier (EDT) wins.
            (
                "2026-10-31T17:00:00Z",
                America::New_York,
                local(Some(Date(date("2026-11-01"))), 1, 30),
                Ok("2026-11-01T05:30:00Z"),
            ),
            (
                "2026-10-31T17:00:00Z",
                America::New_York,
                local(Some(Weekday(sun)), 1, 30),
                Ok("2026-11-01T05:30:00Z"),
            ),
        ];
        for (now, zone, spec, expected) in cases {
            let expected = expected.map(utc);
            assert_eq!(
                resolve_time_spec(&spec, utc(now), zone),
                expected,
                "{spec:?} at {now} in {zone}"
            );
        }
    }

    #[test]
    fn resolve_day_table() {
        use DaySpec::*;
        let cases = [
            ("2026-11-30T07:00:00Z", Europe::Paris, Today, "2026-11-30"),
            (
                "2026-11-30T07:00:00Z",
                Europe::Paris,
                Tomorrow,
                "2026-12-01",
            ),
            (
                "2026-11-30T07:00:00Z",
                Europe::Paris,
                Weekday(chrono::Weekday::Mon),
                "2026-11-30",
            ),
            (
                "2026-11-30T07:00:00Z",
                Europe::Paris,
                Weekday(chrono::Weekday::Sun),
                "2026-12-06",
            ),
            ("2026-11-29T23:30:00Z", Europe::Paris, Today, "2026-11-30"),
            (
                "2026-11-29T23:30:00Z",
                America::New_York,
                Today,
                "2026-11-29",
            ),
            (
                "2026-11-29T23:30:00Z",
                America::New_York,
                Weekday(chrono::Weekday::Mon),
                "2026-11-30",
            ),
            (
                "2026-11-30T07:00:00Z",
                Europe::Paris,
                Date(date("2027-01-01")),
                "2027-01-01",
            ),
        ];
        for (now, zone, day, expected) in cases {
            assert_eq!(
                resolve_day(&day, utc(now), zone),
                date(expected),
                "{day:?} at {now} in {zone}"
            );
        }
    }

    #[test]
    fn parse_time_zone_table() {
        let cases: Vec<(&str, Result<Tz, Option<&str>>)> = vec![
            ("Europe/Paris", Ok(Europe::Paris)),
            ("europe/paris", Ok(Europe::Paris)),
            (" AMERICA/NEW_YORK ", Ok(America::New_York)),
            ("America/New York", Ok(America::New_York)),
            ("Asia/Kathmandu", Ok(Asia::Kathmandu)),
            ("UTC", Ok(chrono_tz::UTC)),
            ("Europe/Pariss", Err(Some("Europe/Paris"))),
            ("paris", Err(Some("Europe/Paris"))),
            ("America/New_Yrok", Err(Some("America/New_York"))),
            ("Asia/Kathmandoo", Err(Some("Asia/Kathmandu"))),
            ("Asia/Katmandu", Ok(Asia::Katmandu)),
            ("qqqqqqqq", Err(None)),
            ("", Err(None)),
        ];
        for (input, expected) in cases {
            let got = parse_time_zone(input);
            match expected {
                Ok(zone) => assert_eq!(got, Ok(zone), "{input:?}"),
                Err(suggestion) => assert_eq!(
                    got,
                    Err(TimeInputError::UnknownTimeZone {
                        input: input.trim().to_string(),
                        suggestion: suggestion.map(str::to_string)
                    }),
                    "{input:?}"
                ),
            }
        }
    }

    #[test]
    fn error_texts() {
        assert_eq!(
            parse_time_spec("9ish").unwrap_err().to_string(),
            "I couldn't read \"9ish\" as a time. Try 9:00, 9am, tomorrow 14:30, mon 9:15, next, or 2026-12-01T09:00."
        );
        assert_eq!(
            parse_time_zone("Europe/Pariss").unwrap_err().to_string(),
            "\"Europe/Pariss\" isn't a time zone I know. Did you mean Europe/Paris?"
        );
        assert_eq!(
            nonexistent(Europe::Paris, date("2026-03-29"), hm(2, 30)).to_string(),
            "02:30 doesn't exist on Sun 29 Mar 2026 in Europe/Paris: the clocks jump forward past it that night. Pick another time."
        );
        let long = "é".repeat(500);
        let text = parse_time_spec(&long).unwrap_err().to_string();
        assert!(text.chars().count() < 200, "{text}");
    }

    #[test]
    fn extreme_dates_do_not_panic() {
        let far = [
            "0000-01-01T00:00:00+23:59",
            "9999-12-31T23:59:59-23:59",
            "0000-01-01 00:00",
            "9999-12-31 23:59",
            "9999-12-31T23:59",
            "0000-01-01T00:00",
        ];
        for now in [
            DateTime::<Utc>::MIN_UTC,
            DateTime::<Utc>::MAX_UTC,
            utc("2026-11-30T07:00:00Z"),
        ] {
            for text in far
                .iter()
                .chain(["mon 9:00", "tomorrow 9:00", "9:00", "next"].iter())
            {
                let spec = parse_time_spec(text).expect("parses");
                for zone in [
                    Europe::Paris,
                    Asia::Kathmandu,
                    chrono_tz::Pacific::Kiritimati,
                    chrono_tz::Etc::GMTPlus12,
                ] {
                    let _ = resolve_time_spec(&spec, now, zone);
                }
            }
        }
    }
}
