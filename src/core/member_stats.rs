//! A member's own figures for `stats` and their page (issue 11): sessions, hours, the current
//! weekly streak, the show-up rate, the partners they sat with most, and a weekday × hour
//! heatmap of when they focused; and the community's opt-in `leaderboard`. Pure: the store's
//! rows, "now" and the member's zone are parameters. Weeks start on Monday in the member's own
//! zone, so a session late on a Sunday evening counts for the week it felt like to them.

use std::collections::{BTreeSet, HashMap};

use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeZone, Timelike, Utc};
use chrono_tz::Tz;

use super::model::{AttendanceOutcome, MemberId};
use super::slot_grid::local_day_bounds;
use super::web_page::{local_monday, show_up_rate};

/// How many weeks the heatmap covers.
pub const HEATMAP_WEEKS: i64 = 12;
/// How many partners `stats` names.
pub const TOP_PARTNERS: usize = 3;
/// How many members the leaderboard lists.
pub const LEADERBOARD_SIZE: usize = 10;

/// One session the member was checked for, as the store reads it: when, how long, what the
/// attendance check found, and who else in their group(s) attended it too.
#[derive(Debug, Clone, PartialEq)]
pub struct SessionRecord {
    pub starts_at: DateTime<Utc>,
    pub length_minutes: u32,
    pub outcome: AttendanceOutcome,
    pub partners: Vec<MemberId>,
}

/// Focus minutes per local weekday (Monday first) and hour.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FocusHeatmap {
    pub minutes: [[u32; 24]; 7],
}

impl FocusHeatmap {
    pub fn max(&self) -> u32 {
        self.minutes.iter().flatten().copied().max().unwrap_or(0)
    }

    pub fn total(&self) -> u32 {
        self.minutes.iter().flatten().sum()
    }
}

/// Everything `stats` shows, before partner ids become names.
#[derive(Debug, Clone, PartialEq)]
pub struct MemberStats {
    /// Sessions attended.
    pub sessions: u32,
    /// Minutes of those sessions.
    pub minutes: u32,
    /// Consecutive weeks (Monday to Sunday, the member's zone) with an attended session,
    /// ending with this week, or last week while this one has none yet.
    pub weekly_streak: u32,
    /// Attended ÷ (attended + no-shows); excused sessions count for neither.
    pub show_up_rate: Option<f64>,
    /// The partners sat with most, most often first (ties: the most recent first), with how
    /// many sessions.
    pub top_partners: Vec<(MemberId, u32)>,
    /// The last [`HEATMAP_WEEKS`] weeks of attended sessions.
    pub heatmap: FocusHeatmap,
}

impl MemberStats {
    pub fn hours(&self) -> f64 {
        f64::from(self.minutes) / 60.0
    }
}

pub fn member_stats(records: &[SessionRecord], now: DateTime<Utc>, zone: Tz) -> MemberStats {
    let attended: Vec<&SessionRecord> = records
        .iter()
        .filter(|record| record.outcome == AttendanceOutcome::Attended && record.starts_at <= now)
        .collect();
    let no_shows = records
        .iter()
        .filter(|record| record.outcome == AttendanceOutcome::NoShow)
        .count();
    let starts: Vec<DateTime<Utc>> = attended.iter().map(|record| record.starts_at).collect();
    MemberStats {
        sessions: attended.len() as u32,
        minutes: attended.iter().map(|record| record.length_minutes).sum(),
        weekly_streak: weekly_streak(&starts, now, zone),
        show_up_rate: show_up_rate(attended.len() as i64, no_shows as i64),
        top_partners: top_partners(&attended, TOP_PARTNERS),
        heatmap: focus_heatmap(&attended, now, zone),
    }
}

/// The Monday that starts the local week holding `at`.
fn week_of(at: DateTime<Utc>, zone: Tz) -> NaiveDate {
    local_monday(at, zone)
}

/// Weeks in a row, ending now, with at least one session in `starts`. This week counts once
/// it has a session; until then the streak is last week's (it is not broken before Sunday
/// night is over).
pub fn weekly_streak(starts: &[DateTime<Utc>], now: DateTime<Utc>, zone: Tz) -> u32 {
    let weeks: BTreeSet<NaiveDate> = starts
        .iter()
        .filter(|at| **at <= now)
        .map(|at| week_of(*at, zone))
        .collect();
    let mut week = week_of(now, zone);
    if !weeks.contains(&week) {
        week -= Duration::days(7);
    }
    let mut streak = 0;
    while weeks.contains(&week) {
        streak += 1;
        week -= Duration::days(7);
    }
    streak
}

fn top_partners(attended: &[&SessionRecord], n: usize) -> Vec<(MemberId, u32)> {
    let mut counts: HashMap<MemberId, (u32, DateTime<Utc>)> = HashMap::new();
    for record in attended {
        // A member rematched within one session may share it with a partner twice: once.
        let partners: BTreeSet<MemberId> = record.partners.iter().copied().collect();
        for partner in partners {
            let entry = counts.entry(partner).or_insert((0, record.starts_at));
            entry.0 += 1;
            entry.1 = entry.1.max(record.starts_at);
        }
    }
    let mut ranked: Vec<(MemberId, u32, DateTime<Utc>)> = counts
        .into_iter()
        .map(|(member, (count, last))| (member, count, last))
        .collect();
    ranked.sort_by(|a, b| b.1.cmp(&a.1).then(b.2.cmp(&a.2)).then(a.0.cmp(&b.0)));
    ranked
        .into_iter()
        .take(n)
        .map(|(member, count, _)| (member, count))
        .collect()
}

/// Where the heatmap's window starts: the local Monday [`HEATMAP_WEEKS`] − 1 weeks before
/// this week's, so the picture is whole weeks, this one included.
pub fn heatmap_window_start(now: DateTime<Utc>, zone: Tz) -> DateTime<Utc> {
    let first = week_of(now, zone) - Duration::weeks(HEATMAP_WEEKS - 1);
    local_day_bounds(first, zone).0
}

/// Each attended minute in the window, at its local weekday and hour: a 50-minute session from
/// 9:30 adds 30 minutes to 9:00 and 20 to 10:00. Across a DST change each minute lands at the
/// wall-clock hour it really had.
fn focus_heatmap(attended: &[&SessionRecord], now: DateTime<Utc>, zone: Tz) -> FocusHeatmap {
    let from = heatmap_window_start(now, zone);
    let mut minutes = [[0u32; 24]; 7];
    for record in attended.iter().filter(|record| record.starts_at >= from) {
        for minute in 0..i64::from(record.length_minutes) {
            let local =
                zone.from_utc_datetime(&(record.starts_at + Duration::minutes(minute)).naive_utc());
            minutes[local.weekday().num_days_from_monday() as usize][local.hour() as usize] += 1;
        }
    }
    FocusHeatmap { minutes }
}

/// The heatmap as text for the shell: one row per weekday, one character per hour, darker
/// characters for more minutes, with an hour ruler above.
pub fn heatmap_text(map: &FocusHeatmap) -> String {
    const SHADES: [char; 5] = ['·', '░', '▒', '▓', '█'];
    let max = map.max();
    let mut text = String::from("     0     6     12    18   \n");
    for (day, hours) in map.minutes.iter().enumerate() {
        let weekday = super::web_page::weekday_from_monday(day);
        text.push_str(&format!("{weekday}  "));
        for minutes in hours {
            text.push(SHADES[shade(*minutes, max, SHADES.len() - 1)]);
        }
        text.push('\n');
    }
    text
}

/// 0 for an empty cell, else 1..=`steps` in proportion to `max` (any minute shows).
pub fn shade(minutes: u32, max: u32, steps: usize) -> usize {
    if minutes == 0 || max == 0 {
        return 0;
    }
    let scaled = (minutes as u64 * steps as u64).div_ceil(max as u64) as usize;
    scaled.clamp(1, steps)
}

/// The local month holding `now`, as instants `[from, to)`.
pub fn month_bounds(now: DateTime<Utc>, zone: Tz) -> (DateTime<Utc>, DateTime<Utc>) {
    let today = now.with_timezone(&zone).date_naive();
    let first = today.with_day(1).unwrap_or(today);
    let next = if first.month() == 12 {
        NaiveDate::from_ymd_opt(first.year() + 1, 1, 1)
    } else {
        NaiveDate::from_ymd_opt(first.year(), first.month() + 1, 1)
    }
    .unwrap_or(first + Duration::days(31));
    (
        local_day_bounds(first, zone).0,
        local_day_bounds(next, zone).0,
    )
}

/// One member's minutes this month as the store reads them, with whether they opted in.
#[derive(Debug, Clone, PartialEq)]
pub struct LeaderboardRow {
    pub member: MemberId,
    pub display_name: String,
    pub opted_in: bool,
    pub minutes: u32,
}

/// The leaderboard: opted-in members with any minutes, most first (ties by name), at most
/// [`LEADERBOARD_SIZE`]. Whoever did not opt in is left out whatever their minutes: the
/// store may hand us everyone, the rule is here.
pub fn leaderboard(rows: &[LeaderboardRow]) -> Vec<LeaderboardRow> {
    let mut shown: Vec<LeaderboardRow> = rows
        .iter()
        .filter(|row| row.opted_in && row.minutes > 0)
        .cloned()
        .collect();
    shown.sort_by(|a, b| {
        b.minutes
            .cmp(&a.minutes)
            .then(a.display_name.cmp(&b.display_name))
            .then(a.member.cmp(&b.member))
    });
    shown.truncate(LEADERBOARD_SIZE);
    shown
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, mo, d, h, mi, 0).unwrap()
    }

    fn attended(at: DateTime<Utc>, length: u32, partners: &[i64]) -> SessionRecord {
        SessionRecord {
            starts_at: at,
            length_minutes: length,
            outcome: AttendanceOutcome::Attended,
            partners: partners.iter().map(|id| MemberId(*id)).collect(),
        }
    }

    #[test]
    fn the_streak_counts_weeks_in_a_row_and_survives_until_the_week_is_over() {
        let zone = chrono_tz::UTC;
        // Weeks of Monday 2, 9 and 16 Nov 2026 (the last on its Sunday evening); now is
        // Wednesday 25 Nov.
        let starts = [
            utc(2026, 11, 3, 9, 0),
            utc(2026, 11, 10, 9, 0),
            utc(2026, 11, 22, 20, 0),
        ];
        let now = utc(2026, 11, 25, 12, 0);
        // This week has nothing yet: last week's streak of 3 still stands.
        assert_eq!(weekly_streak(&starts, now, zone), 3);
        // A session this week adds to it.
        let mut more = starts.to_vec();
        more.push(utc(2026, 11, 24, 9, 0));
        assert_eq!(weekly_streak(&more, now, zone), 4);
        // Once a whole week passes without one, it is gone.
        assert_eq!(weekly_streak(&starts, utc(2026, 12, 1, 9, 0), zone), 0);
        // A gap breaks it: only the weeks after the gap count.
        let gap = [
            utc(2026, 11, 2, 9, 0),
            utc(2026, 11, 16, 9, 0),
            utc(2026, 11, 23, 9, 0),
        ];
        assert_eq!(weekly_streak(&gap, now, zone), 2);
        // Sessions still ahead of `now` don't count.
        assert_eq!(weekly_streak(&[utc(2026, 11, 26, 9, 0)], now, zone), 0);
    }

    #[test]
    fn weeks_are_the_members_own_monday_to_sunday() {
        // Sunday 22 Nov 23:30 in New York is Monday 04:30 UTC: in New York it belongs to the
        // week of 16 Nov, in UTC to the week of 23 Nov.
        let late_sunday = utc(2026, 11, 23, 4, 30);
        let earlier = utc(2026, 11, 17, 15, 0); // Tuesday 17 Nov, either zone
        let now = utc(2026, 11, 25, 12, 0);
        let new_york: Tz = "America/New_York".parse().unwrap();
        // New York: weeks of 16 Nov (twice); this week empty → streak 1.
        assert_eq!(weekly_streak(&[earlier, late_sunday], now, new_york), 1);
        // UTC: weeks of 16 Nov and 23 Nov → streak 2.
        assert_eq!(
            weekly_streak(&[earlier, late_sunday], now, chrono_tz::UTC),
            2
        );
        // Tokyo: Monday 08:00 on the 23rd local is Sunday 23:00 UTC.
        let tokyo: Tz = "Asia/Tokyo".parse().unwrap();
        let monday_morning_tokyo = utc(2026, 11, 22, 23, 0);
        assert_eq!(
            weekly_streak(&[earlier, monday_morning_tokyo], now, tokyo),
            2
        );
        assert_eq!(
            weekly_streak(&[earlier, monday_morning_tokyo], now, chrono_tz::UTC),
            1
        );
    }

    #[test]
    fn the_streak_and_heatmap_hold_across_a_dst_change() {
        let berlin: Tz = "Europe/Berlin".parse().unwrap();
        // Summer time ends Sunday 25 Oct 2026 at 03:00 CEST → 02:00 CET: that week is 169 h.
        // Sunday 25 Oct 23:30 CET = 22:30 UTC, still in the week of Monday 19 Oct.
        let sunday_night = utc(2026, 10, 25, 22, 30);
        let next_monday = utc(2026, 10, 25, 23, 0); // Monday 26 Oct 00:00 CET
        let week_before = utc(2026, 10, 12, 7, 0);
        let now = utc(2026, 10, 28, 12, 0);
        assert_eq!(
            weekly_streak(&[week_before, sunday_night], now, berlin),
            2,
            "this week empty, the two weeks before count"
        );
        assert_eq!(
            weekly_streak(&[week_before, sunday_night, next_monday], now, berlin),
            3
        );
        // 09:00 local on both sides of the change lands in the same heatmap hour.
        let records = [
            attended(utc(2026, 10, 23, 7, 0), 50, &[]), // Fri 09:00 CEST
            attended(utc(2026, 10, 27, 8, 0), 50, &[]), // Tue 09:00 CET
        ];
        let stats = member_stats(&records, now, berlin);
        assert_eq!(stats.heatmap.minutes[4][9], 50);
        assert_eq!(stats.heatmap.minutes[1][9], 50);
        assert_eq!(stats.heatmap.total(), 100);
    }

    #[test]
    fn figures_count_attended_sessions_and_rank_partners() {
        let now = utc(2026, 11, 30, 12, 0);
        let no_show = SessionRecord {
            outcome: AttendanceOutcome::NoShow,
            ..attended(utc(2026, 11, 20, 9, 0), 50, &[9])
        };
        let excused = SessionRecord {
            outcome: AttendanceOutcome::Excused,
            ..attended(utc(2026, 11, 21, 9, 0), 50, &[9])
        };
        let records = [
            attended(utc(2026, 11, 23, 9, 30), 50, &[2, 3]),
            attended(utc(2026, 11, 24, 9, 0), 25, &[3]),
            attended(utc(2026, 11, 25, 9, 0), 25, &[4]),
            attended(utc(2026, 11, 26, 9, 0), 25, &[4, 4]),
            no_show,
            excused,
        ];
        let stats = member_stats(&records, now, chrono_tz::UTC);
        assert_eq!(stats.sessions, 4);
        assert_eq!(stats.minutes, 125);
        assert!((stats.hours() - 125.0 / 60.0).abs() < 1e-9);
        assert_eq!(stats.show_up_rate, Some(0.8));
        // 4 and 3 twice each; 4 sat with them most recently. 9 only in sessions not attended.
        assert_eq!(
            stats.top_partners,
            vec![(MemberId(4), 2), (MemberId(3), 2), (MemberId(2), 1)]
        );
        // 9:30 + 50 min: 30 minutes at 9:00 and 20 at 10:00 on Monday.
        assert_eq!(stats.heatmap.minutes[0][9], 30);
        assert_eq!(stats.heatmap.minutes[0][10], 20);
        assert_eq!(stats.heatmap.max(), 30);
        assert_eq!(member_stats(&[], now, chrono_tz::UTC).show_up_rate, None);
    }

    #[test]
    fn the_heatmap_keeps_twelve_whole_weeks() {
        let now = utc(2026, 11, 25, 12, 0); // Wednesday
        let start = heatmap_window_start(now, chrono_tz::UTC);
        assert_eq!(start, utc(2026, 9, 7, 0, 0)); // Monday, 11 weeks before 23 Nov
        let records = [
            attended(start - Duration::minutes(30), 25, &[]),
            attended(start, 25, &[]),
        ];
        let stats = member_stats(&records, now, chrono_tz::UTC);
        assert_eq!(stats.heatmap.total(), 25);
        assert_eq!(
            stats.sessions, 2,
            "the figures are not limited to the window"
        );
    }

    #[test]
    fn the_text_heatmap_shades_busier_hours_darker() {
        let mut map = FocusHeatmap {
            minutes: [[0; 24]; 7],
        };
        map.minutes[0][9] = 100;
        map.minutes[0][10] = 10;
        let text = heatmap_text(&map);
        let monday = text.lines().nth(1).unwrap();
        assert!(monday.starts_with("Mon  "), "{text}");
        let cells: Vec<char> = monday.chars().skip(5).collect();
        assert_eq!(cells.len(), 24);
        assert_eq!(cells[9], '█');
        assert_eq!(cells[10], '░');
        assert_eq!(cells[11], '·');
        assert_eq!(text.lines().count(), 8);
        assert_eq!(shade(1, 1000, 4), 1);
        assert_eq!(shade(0, 0, 4), 0);
    }

    #[test]
    fn month_bounds_are_local() {
        let berlin: Tz = "Europe/Berlin".parse().unwrap();
        let (from, to) = month_bounds(utc(2026, 12, 31, 23, 30), berlin); // 1 Jan 00:30 local
        assert_eq!(from, utc(2026, 12, 31, 23, 0));
        assert_eq!(to, utc(2027, 1, 31, 23, 0));
        let (from, to) = month_bounds(utc(2026, 3, 15, 12, 0), berlin);
        assert_eq!(from, utc(2026, 2, 28, 23, 0));
        assert_eq!(to, utc(2026, 3, 31, 22, 0)); // after the spring change
    }

    #[test]
    fn the_leaderboard_shows_only_members_who_opted_in() {
        let row = |id: i64, name: &str, opted_in: bool, minutes: u32| LeaderboardRow {
            member: MemberId(id),
            display_name: name.to_string(),
            opted_in,
            minutes,
        };
        let rows = vec![
            row(1, "ann", true, 100),
            row(2, "ben", false, 500),
            row(3, "cat", true, 300),
            row(4, "dan", true, 0),
            row(5, "eve", true, 100),
        ];
        let board = leaderboard(&rows);
        let names: Vec<&str> = board.iter().map(|r| r.display_name.as_str()).collect();
        assert_eq!(names, ["cat", "ann", "eve"]);
        let many: Vec<LeaderboardRow> = (0..30).map(|n| row(n, "x", true, 10)).collect();
        assert_eq!(leaderboard(&many).len(), LEADERBOARD_SIZE);
    }
}
