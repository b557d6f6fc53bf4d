//! The weekly community digest: one post in the community's lobby with the coming week's
//! busiest slots (where company is likely) and last week's sessions and hours. Pure: the
//! figures come in as booked slots, the period and the week from `now`.

use chrono::{DateTime, Datelike, Duration, Utc};
use chrono_tz::Tz;

use super::message::{CommandWord, OutgoingMessage, Tone};
use super::web_page::{period_figures, BookedSlot, PeriodFigures};

/// How many of the coming week's slots the digest names.
pub const BUSIEST_SLOTS_SHOWN: usize = 5;

/// A digest that could not be posted within this long of its tick (downtime) is dropped: by
/// then "this week" has half gone by and the next tick is nearer than the last.
pub const DIGEST_STALE_AFTER: Duration = Duration::days(1);

/// The ISO week `at` falls in, as a chore period: `2026-W49`. Every instance ticking in the
/// same week enqueues the same job key.
pub fn weekly_period(at: DateTime<Utc>) -> String {
    let week = at.iso_week();
    format!("{}-W{:02}", week.year(), week.week())
}

/// What the digest says.
#[derive(Debug, Clone, PartialEq)]
pub struct WeeklyDigest {
    /// Sessions booked (and not cancelled) that started in the 7 days before `now`, and their hours.
    pub last_week: PeriodFigures,
    /// The coming 7 days' slots with the most bookings, most first (then earliest).
    pub busiest: Vec<BookedSlot>,
}

/// The digest from the community's booked slots around `now` (at least the 7 days either side).
pub fn weekly_digest(slots: &[BookedSlot], now: DateTime<Utc>) -> WeeklyDigest {
    let week = Duration::days(7);
    let mut coming: Vec<BookedSlot> = slots
        .iter()
        .filter(|slot| slot.starts_at >= now && slot.starts_at < now + week && slot.booked > 0)
        .cloned()
        .collect();
    coming.sort_by(|a, b| {
        b.booked
            .cmp(&a.booked)
            .then(a.starts_at.cmp(&b.starts_at))
            .then(a.length_minutes.cmp(&b.length_minutes))
    });
    coming.truncate(BUSIEST_SLOTS_SHOWN);
    WeeklyDigest {
        last_week: period_figures(slots, now - week, now),
        busiest: coming,
    }
}

/// The digest as a card, times in `zone` (the community's; Discord shows each reader theirs).
pub fn weekly_digest_card(digest: &WeeklyDigest, zone: Tz) -> OutgoingMessage {
    let hours = digest.last_week.hours();
    let hours = if hours.fract() == 0.0 {
        format!("{hours:.0}")
    } else {
        format!("{hours:.1}")
    };
    let sessions = digest.last_week.sessions;
    let mut card = OutgoingMessage::new()
        .titled("This week in focus")
        .tone(Tone::Plain)
        .field(
            "Last week",
            OutgoingMessage::new().text(format!(
                "{sessions} session{} · {hours} hours of focus",
                if sessions == 1 { "" } else { "s" }
            )),
        );
    if digest.busiest.is_empty() {
        card = card
            .text("Nothing is booked for the coming week yet: be the first. ")
            .command(CommandWord::Book, "next")
            .text(" books the next free slot.");
    } else {
        card =
            card.text("The busiest sessions of the coming week — join one and you won't be alone:");
        for slot in &digest.busiest {
            card = card.item(
                OutgoingMessage::new()
                    .time(slot.starts_at, zone)
                    .text(format!(
                        " · {} min · {} booked",
                        slot.length_minutes, slot.booked
                    )),
            );
        }
        card = card
            .text(" ")
            .command(CommandWord::Slots, "")
            .text(" shows every slot.");
    }
    card
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn slot(at: DateTime<Utc>, length: u32, booked: i64) -> BookedSlot {
        BookedSlot {
            starts_at: at,
            length_minutes: length,
            booked,
        }
    }

    #[test]
    fn the_period_is_the_iso_week_even_across_a_new_year() {
        let monday = Utc.with_ymd_and_hms(2026, 11, 30, 9, 0, 0).unwrap();
        let sunday = Utc.with_ymd_and_hms(2026, 12, 6, 23, 59, 59).unwrap();
        assert_eq!(weekly_period(monday), "2026-W49");
        assert_eq!(weekly_period(sunday), "2026-W49");
        assert_eq!(weekly_period(sunday + Duration::seconds(1)), "2026-W50");
        let new_year = Utc.with_ymd_and_hms(2027, 1, 1, 9, 0, 0).unwrap();
        assert_eq!(weekly_period(new_year), "2026-W53");
    }

    #[test]
    fn busiest_coming_slots_first_and_last_week_summed() {
        let now = Utc.with_ymd_and_hms(2026, 11, 30, 9, 0, 0).unwrap();
        let slots = vec![
            slot(now - Duration::days(8), 50, 9),
            slot(now - Duration::days(2), 50, 3),
            slot(now - Duration::hours(1), 25, 2),
            slot(now + Duration::hours(1), 25, 2),
            slot(now + Duration::days(1), 50, 4),
            slot(now + Duration::days(2), 25, 4),
            slot(now + Duration::days(8), 25, 9),
        ];
        let digest = weekly_digest(&slots, now);
        assert_eq!(digest.last_week.sessions, 5);
        assert_eq!(digest.last_week.minutes, 3 * 50 + 2 * 25);
        let order: Vec<i64> = digest.busiest.iter().map(|s| s.booked).collect();
        assert_eq!(order, vec![4, 4, 2]);
        assert_eq!(digest.busiest[0].starts_at, now + Duration::days(1));
        let text = weekly_digest_card(&digest, chrono_tz::UTC).render_plain();
        assert!(text.contains("This week in focus"), "{text}");
        assert!(text.contains("5 sessions · 3.3 hours"), "{text}");
        assert!(text.contains("50 min · 4 booked"), "{text}");
    }

    #[test]
    fn a_quiet_week_invites_the_first_booking() {
        let now = Utc.with_ymd_and_hms(2026, 11, 30, 9, 0, 0).unwrap();
        let text = weekly_digest_card(&weekly_digest(&[], now), chrono_tz::UTC).render_plain();
        assert!(text.contains("0 sessions · 0 hours"), "{text}");
        assert!(text.contains("Nothing is booked"), "{text}");
    }
}
