//! The pages as maud templates: server-rendered HTML, one small inline stylesheet, no
//! JavaScript. Tables have headers; the heatmap has a text alternative (see `heatmap.rs`).

use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;
use maud::{html, Markup, PreEscaped, DOCTYPE};

use super::heatmap::{busiest_text, heatmap_figure};
use crate::core::model::RelationKind;
use crate::core::reliability::reliability;
use crate::core::web_page::{
    heatmap, local_monday, local_today, period_figures, show_up_rate, week_bounds, week_grid,
    WeekGrid, QUARTERS_PER_DAY,
};
use crate::engine::{CommunityPageView, MemberView};

const STYLE: &str = include_str!("style.css");

/// The grid always shows these rows (07:00 to 22:00), and any booked row outside them.
const FIRST_USUAL_QUARTER: usize = 7 * 4;
const LAST_USUAL_QUARTER: usize = 22 * 4;

fn layout(title: &str, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) }
                style { (PreEscaped(STYLE)) }
            }
            body {
                main { (body) }
                footer { "focusfolk — body doubling for chat communities" }
            }
        }
    }
}

pub fn not_found() -> Markup {
    layout(
        "Not found",
        html! {
            h1 { "Nothing here" }
            p { "This page does not exist, is not public, or its link was replaced. Ask the bot for a fresh link." }
        },
    )
}

fn zone_picker(zone: Tz, key: Option<&str>) -> Markup {
    html! {
        form.zone method="get" {
            label for="tz" { "Times in " }
            select id="tz" name="tz" {
                @for candidate in chrono_tz::TZ_VARIANTS.iter() {
                    option value=(candidate.name()) selected[*candidate == zone] { (candidate.name()) }
                }
            }
            @if let Some(key) = key {
                input type="hidden" name="key" value=(key);
            }
            " "
            button type="submit" { "Show" }
        }
    }
}

fn local(at: DateTime<Utc>, zone: Tz, format: &str) -> String {
    at.with_timezone(&zone).format(format).to_string()
}

pub fn community_page(view: &CommunityPageView, zone: Tz, key: Option<&str>) -> Markup {
    let today = local_today(view.now, zone);
    let grid = week_grid(today, zone, &view.slots);
    let monday = local_monday(view.now, zone);
    let (this_from, this_to) = week_bounds(monday, zone);
    let (last_from, last_to) = week_bounds(monday - Duration::days(7), zone);
    let this_week = period_figures(&view.slots, this_from, this_to);
    let last_week = period_figures(&view.slots, last_from, last_to);
    let map = heatmap(zone, &view.slots);
    let rate = show_up_rate(view.attendance.attended, view.attendance.no_shows);
    layout(
        "Focus sessions this week",
        html! {
            h1 { "Focus sessions this week" }
            p.lead { "Who is booked stays private: this page shows how many, never who." }
            (zone_picker(zone, key))
            section aria-labelledby="figures" {
                h2 id="figures" { "Figures" }
                table.figures {
                    caption { "Sessions booked and hours of focus (weeks from Monday, " (zone.name()) ")" }
                    thead { tr { th scope="col" { "Week" } th scope="col" { "Sessions" } th scope="col" { "Hours" } } }
                    tbody {
                        tr { th scope="row" { "This week" } td data-figure="sessions-this-week" { (this_week.sessions) } td { (format!("{:.1}", this_week.hours())) } }
                        tr { th scope="row" { "Last week" } td data-figure="sessions-last-week" { (last_week.sessions) } td { (format!("{:.1}", last_week.hours())) } }
                    }
                }
                dl {
                    dt { "Show-up rate (past 4 weeks)" }
                    dd data-figure="show-up-rate" {
                        @match rate {
                            Some(rate) => (format!("{:.0}%", rate * 100.0)),
                            None => "not measured yet",
                        }
                    }
                    dt { "Busiest hours (past 4 weeks and the coming week)" }
                    dd data-figure="busiest" { (busiest_text(&map, 3)) }
                }
            }
            section aria-labelledby="heat" {
                h2 id="heat" { "When people focus" }
                (heatmap_figure(&map, "Bookings by weekday and hour"))
            }
            section aria-labelledby="week" {
                h2 id="week" { "The coming week" }
                (grid_table(&grid))
            }
        },
    )
}

fn grid_table(grid: &WeekGrid) -> Markup {
    let booked = |quarter: usize| grid.cells[quarter].iter().any(|cell| cell.booked > 0);
    let first = (0..QUARTERS_PER_DAY)
        .find(|q| booked(*q))
        .map_or(FIRST_USUAL_QUARTER, |q| q.min(FIRST_USUAL_QUARTER));
    let last = (0..QUARTERS_PER_DAY)
        .rev()
        .find(|q| booked(*q))
        .map_or(LAST_USUAL_QUARTER, |q| q.max(LAST_USUAL_QUARTER));
    html! {
        div.scroll {
            table.grid {
                caption {
                    "Booked per quarter hour, " (grid.days[0].format("%a %-d %b")) " – "
                    (grid.days[6].format("%a %-d %b")) ", times in " (grid.zone.name())
                    ". Each booked cell says how many and for which lengths (minutes)."
                }
                thead {
                    tr {
                        th scope="col" { "Time" }
                        @for day in &grid.days {
                            th scope="col" { (day.format("%a %-d")) }
                        }
                    }
                }
                tbody {
                    @for quarter in first..=last {
                        tr.hour[quarter % 4 == 0] {
                            th scope="row" { (WeekGrid::row_time(quarter).format("%H:%M")) }
                            @for cell in &grid.cells[quarter] {
                                @if cell.booked > 0 {
                                    td.booked data-booked=(cell.booked) {
                                        strong { (cell.booked) }
                                        " "
                                        span.len { (cell.lengths.iter().map(u32::to_string).collect::<Vec<_>>().join("/")) " min" }
                                    }
                                } @else {
                                    td {}
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

pub fn member_page(view: &MemberView, zone: Tz, feed_url: &str) -> Markup {
    let member = &view.member;
    let map = heatmap(zone, &view.recent);
    layout(
        "Your focus sessions",
        html! {
            h1 { "Your focus sessions" }
            p.lead { "Hi " (member.display_name) ". This page is yours: anyone with its link sees it, so keep the link to yourself." }
            (zone_picker(zone, None))
            section aria-labelledby="upcoming" {
                h2 id="upcoming" { "Upcoming" }
                @if view.upcoming.is_empty() {
                    p { "No upcoming sessions. Book one in chat with “book next”." }
                } @else {
                    div.scroll {
                        table.sessions {
                            caption { "Your booked sessions, times in " (zone.name()) }
                            thead { tr { th scope="col" { "When" } th scope="col" { "Length" } th scope="col" { "Partner" } th scope="col" { "Room" } } }
                            tbody {
                                @for session in &view.upcoming {
                                    tr data-booking=(session.booking.id.0) {
                                        td { (local(session.booking.starts_at, zone, "%a %-d %b %H:%M")) @if session.booking.recurring_weekly { " (weekly)" } }
                                        td { (session.booking.length_minutes) " min" }
                                        td { @if session.partners.is_empty() { "paired at the start" } @else { (session.partners.join(", ")) } }
                                        td { @match &session.room { Some(room) => (room), None => "link comes at the start" } }
                                    }
                                }
                            }
                        }
                    }
                }
                p { "Calendar feed (add it to your calendar app by URL): " a href=(feed_url) { (feed_url) } }
            }
            section aria-labelledby="stats" {
                h2 id="stats" { "Your record" }
                dl {
                    dt { "Sessions attended" } dd data-figure="attended" { (member.sessions_attended) }
                    dt { "No-shows" } dd { (member.no_shows) }
                    dt { "Late cancels" } dd { (member.late_cancels) }
                    dt { "Reliability" } dd { (format!("{:.0}%", reliability(member) * 100.0)) }
                }
                (stats_list(view))
                (heatmap_figure(&map, "Your bookings by weekday and hour, past 8 weeks and the coming one"))
            }
            section aria-labelledby="marked" {
                h2 id="marked" { "People you marked" }
                @if view.marked.is_empty() {
                    p { "Nobody yet. Say “friend @name” or “favourite @name” in chat to be paired with them more often." }
                } @else {
                    ul {
                        @for (name, kind) in &view.marked {
                            li { (name) " — " (match kind { RelationKind::Friend => "friend", RelationKind::Favourite => "favourite", RelationKind::Block => "blocked" }) }
                        }
                    }
                }
            }
        },
    )
}

/// What `stats` says in chat, on the page: hours, streak, show-up rate, partners (issue 11).
fn stats_list(view: &MemberView) -> Markup {
    let stats = &view.stats.stats;
    html! {
        dl.stats {
            dt { "Hours of focus" } dd data-figure="hours" { (format!("{:.1}", stats.hours())) " in " (stats.sessions) " sessions" }
            dt { "Weekly streak" } dd data-figure="streak" {
                (stats.weekly_streak) @if stats.weekly_streak == 1 { " week" } @else { " weeks" }
                " (Monday to Sunday, " (view.member.time_zone.name()) ")"
            }
            dt { "Show-up rate" } dd data-figure="member-show-up-rate" {
                @match stats.show_up_rate {
                    Some(rate) => (format!("{:.0}%", rate * 100.0)),
                    None => "not measured yet",
                }
            }
            dt { "Most frequent partners" } dd data-figure="partners" {
                @if view.stats.partners.is_empty() {
                    "nobody yet"
                } @else {
                    (view.stats.partners.iter().map(|(name, count)| format!("{name} ({count})")).collect::<Vec<_>>().join(", "))
                }
            }
        }
    }
}
