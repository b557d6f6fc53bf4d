//! What the web pages show, computed from booked slots: the coming week as a grid of quarter
//! hours in the viewer's zone, a weekday × hour heatmap, the busiest hours, and the week's
//! figures. Pure: the instants, the zone and "now" are parameters; rendering lives in
//! `src/web/`.

use std::collections::BTreeSet;

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, Timelike, Utc, Weekday};
use chrono_tz::Tz;

use crate::core::slot_grid::{local_day_bounds, wall_clock};

/// Who may see a community's page; chosen with `setup page …`. Off until an admin opens it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PageVisibility {
    /// Anyone with the address.
    Public,
    /// Anyone with the members' link (a token), which `slots` shows to members.
    Members,
    #[default]
    Off,
}

impl PageVisibility {
    pub fn as_str(self) -> &'static str {
        match self {
            PageVisibility::Public => "public",
            PageVisibility::Members => "members",
            PageVisibility::Off => "off",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "public" => Some(PageVisibility::Public),
            "members" => Some(PageVisibility::Members),
            "off" => Some(PageVisibility::Off),
            _ => None,
        }
    }
}

/// One slot with its number of active bookings (no names: pages show counts only).
#[derive(Debug, Clone, PartialEq)]
pub struct BookedSlot {
    pub starts_at: DateTime<Utc>,
    pub length_minutes: u32,
    pub booked: i64,
}

/// Quarter hours in a wall-clock day.
pub const QUARTERS_PER_DAY: usize = 96;

/// One cell of the week grid: how many are booked at this quarter hour, and for which lengths.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct GridCell {
    pub booked: i64,
    pub lengths: BTreeSet<u32>,
}

/// Seven local days from `days[0]`, each with [`QUARTERS_PER_DAY`] cells by wall-clock time.
#[derive(Debug, Clone, PartialEq)]
pub struct WeekGrid {
    pub zone: Tz,
    pub days: Vec<NaiveDate>,
    /// `cells[quarter][day]`: rows are times of day, columns are days (a table a phone can
    /// scroll down).
    pub cells: Vec<Vec<GridCell>>,
}

impl WeekGrid {
    /// The wall-clock time a row stands for.
    pub fn row_time(quarter: usize) -> NaiveTime {
        NaiveTime::from_hms_opt((quarter / 4) as u32, (quarter % 4) as u32 * 15, 0)
            .unwrap_or(NaiveTime::MIN)
    }

    /// Rows with at least one booking.
    pub fn booked_rows(&self) -> usize {
        self.cells
            .iter()
            .filter(|row| row.iter().any(|cell| cell.booked > 0))
            .count()
    }
}

/// The instants `[from, to)` that the week starting on `first_day` (local, in `zone`) covers.
pub fn week_bounds(first_day: NaiveDate, zone: Tz) -> (DateTime<Utc>, DateTime<Utc>) {
    let (from, _) = local_day_bounds(first_day, zone);
    let (_, to) = local_day_bounds(first_day + Duration::days(6), zone);
    (from, to)
}

/// The local date of `now` in `zone`.
pub fn local_today(now: DateTime<Utc>, zone: Tz) -> NaiveDate {
    now.with_timezone(&zone).date_naive()
}

/// The Monday of the local week holding `now`.
pub fn local_monday(now: DateTime<Utc>, zone: Tz) -> NaiveDate {
    let today = local_today(now, zone);
    today - Duration::days(today.weekday().num_days_from_monday() as i64)
}

/// Lays `slots` out on the week from `first_day` in `zone`. A slot outside the week is left
/// out; in the autumn's repeated hour two instants share a wall-clock cell and add up.
pub fn week_grid(first_day: NaiveDate, zone: Tz, slots: &[BookedSlot]) -> WeekGrid {
    let days: Vec<NaiveDate> = (0..7).map(|n| first_day + Duration::days(n)).collect();
    let mut cells = vec![vec![GridCell::default(); 7]; QUARTERS_PER_DAY];
    for slot in slots {
        let Some(wall) = wall_clock(slot.starts_at, zone) else {
            continue;
        };
        let day = (wall.date() - first_day).num_days();
        if !(0..7).contains(&day) {
            continue;
        }
        let quarter = (wall.hour() * 4 + wall.minute() / 15) as usize;
        let cell = &mut cells[quarter][day as usize];
        cell.booked += slot.booked;
        cell.lengths.insert(slot.length_minutes);
    }
    WeekGrid { zone, days, cells }
}

/// Bookings per local weekday (Monday first) and hour.
#[derive(Debug, Clone, PartialEq)]
pub struct Heatmap {
    pub counts: [[i64; 24]; 7],
}

impl Heatmap {
    pub fn max(&self) -> i64 {
        self.counts.iter().flatten().copied().max().unwrap_or(0)
    }

    pub fn total(&self) -> i64 {
        self.counts.iter().flatten().sum()
    }

    /// The `n` busiest (weekday, hour) cells with their counts, busiest first; ties by time.
    pub fn busiest(&self, n: usize) -> Vec<(Weekday, u32, i64)> {
        let mut cells: Vec<(Weekday, u32, i64)> = (0..7)
            .flat_map(|day| {
                (0..24).map(move |hour| (weekday_from_monday(day), hour as u32, day, hour))
            })
            .map(|(weekday, hour, day, h)| (weekday, hour, self.counts[day][h]))
            .filter(|(_, _, count)| *count > 0)
            .collect();
        cells.sort_by(|a, b| {
            b.2.cmp(&a.2)
                .then(a.0.num_days_from_monday().cmp(&b.0.num_days_from_monday()))
                .then(a.1.cmp(&b.1))
        });
        cells.truncate(n);
        cells
    }
}

pub fn weekday_from_monday(day: usize) -> Weekday {
    Weekday::try_from(day as u8).unwrap_or(Weekday::Mon)
}

/// Counts every booking of `slots` at its local weekday and hour in `zone`.
pub fn heatmap(zone: Tz, slots: &[BookedSlot]) -> Heatmap {
    let mut counts = [[0; 24]; 7];
    for slot in slots {
        if let Some(wall) = wall_clock(slot.starts_at, zone) {
            counts[wall.weekday().num_days_from_monday() as usize][wall.hour() as usize] +=
                slot.booked;
        }
    }
    Heatmap { counts }
}

/// Sessions booked and the hours they add up to, in `[from, to)`.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct PeriodFigures {
    pub sessions: i64,
    pub minutes: i64,
}

impl PeriodFigures {
    pub fn hours(&self) -> f64 {
        self.minutes as f64 / 60.0
    }
}

pub fn period_figures(
    slots: &[BookedSlot],
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> PeriodFigures {
    slots
        .iter()
        .filter(|slot| slot.starts_at >= from && slot.starts_at < to)
        .fold(PeriodFigures::default(), |sum, slot| PeriodFigures {
            sessions: sum.sessions + slot.booked,
            minutes: sum.minutes + slot.booked * slot.length_minutes as i64,
        })
}

/// Attended out of attended plus no-shows (excused ones count for neither); `None` before
/// anyone was checked.
pub fn show_up_rate(attended: i64, no_shows: i64) -> Option<f64> {
    let checked = attended + no_shows;
    (checked > 0).then(|| attended as f64 / checked as f64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn slot(at: DateTime<Utc>, length: u32, booked: i64) -> BookedSlot {
        BookedSlot {
            starts_at: at,
            length_minutes: length,
            booked,
        }
    }

    #[test]
    fn the_grid_places_slots_at_their_wall_clock_quarter_across_a_dst_change() {
        let zone: Tz = "Europe/Berlin".parse().unwrap();
        // Week from Friday 2026-03-27; summer time starts on Sunday 29 March.
        let first = NaiveDate::from_ymd_opt(2026, 3, 27).unwrap();
        let before = Utc.with_ymd_and_hms(2026, 3, 28, 8, 0, 0).unwrap(); // 09:00 CET
        let after = Utc.with_ymd_and_hms(2026, 3, 30, 7, 0, 0).unwrap(); // 09:00 CEST
        let grid = week_grid(
            first,
            zone,
            &[slot(before, 25, 2), slot(before, 50, 1), slot(after, 50, 3)],
        );
        let nine = 9 * 4;
        assert_eq!(grid.cells[nine][1].booked, 3);
        assert_eq!(grid.cells[nine][1].lengths, BTreeSet::from([25, 50]));
        assert_eq!(grid.cells[nine][3].booked, 3);
        assert_eq!(grid.booked_rows(), 1);
        let (from, to) = week_bounds(first, zone);
        assert_eq!(to - from, Duration::hours(7 * 24 - 1));
    }

    #[test]
    fn the_heatmap_and_figures_count_bookings() {
        let zone: Tz = "UTC".parse().unwrap();
        let monday = Utc.with_ymd_and_hms(2026, 11, 30, 9, 0, 0).unwrap();
        let slots = [slot(monday, 50, 4), slot(monday + Duration::days(1), 25, 1)];
        let map = heatmap(zone, &slots);
        assert_eq!(map.counts[0][9], 4);
        assert_eq!(map.busiest(1), vec![(Weekday::Mon, 9, 4)]);
        let figures = period_figures(&slots, monday, monday + Duration::days(7));
        assert_eq!(figures.sessions, 5);
        assert_eq!(figures.minutes, 225);
        assert_eq!(show_up_rate(3, 1), Some(0.75));
        assert_eq!(show_up_rate(0, 0), None);
    }
}
