//! Nobody is ever alone without warning (issue 11): a member who is the only booker of a slot
//! (at booking time, and again at the reminder) is told so and offered the nearest slots of
//! the same length that already have someone, as actions that move the booking in one step.

use chrono::{DateTime, Duration, Utc};

/// How far from the lonely slot the offers may be.
pub const COMPANY_SEARCH_WINDOW: Duration = Duration::hours(3);
/// At most this many offers (Discord shows them as buttons, five per row).
pub const MAX_COMPANY_OFFERS: usize = 3;

/// One slot and how many are booked in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BookedSlot {
    pub starts_at: DateTime<Utc>,
    pub length_minutes: u32,
    pub booked: i64,
}

/// The slots to offer a lone booker of (`alone_at`, `length_minutes`): same length, someone
/// booked, still bookable (`starts_at >= earliest_bookable`), within the search window;
/// nearest first (earlier first on a tie).
pub fn slots_with_company(
    alone_at: DateTime<Utc>,
    length_minutes: u32,
    slots: &[BookedSlot],
    earliest_bookable: DateTime<Utc>,
) -> Vec<DateTime<Utc>> {
    let mut offers: Vec<DateTime<Utc>> = slots
        .iter()
        .filter(|slot| slot.length_minutes == length_minutes && slot.booked > 0)
        .filter(|slot| slot.starts_at != alone_at && slot.starts_at >= earliest_bookable)
        .filter(|slot| (slot.starts_at - alone_at).abs() <= COMPANY_SEARCH_WINDOW)
        .map(|slot| slot.starts_at)
        .collect();
    offers.sort_by_key(|start| ((*start - alone_at).abs(), *start));
    offers.dedup();
    offers.truncate(MAX_COMPANY_OFFERS);
    offers
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(hour: u32, minute: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 30, hour, minute, 0).unwrap()
    }

    fn slot(hour: u32, minute: u32, length_minutes: u32, booked: i64) -> BookedSlot {
        BookedSlot {
            starts_at: at(hour, minute),
            length_minutes,
            booked,
        }
    }

    #[test]
    fn nearest_bookable_slots_of_the_same_length_with_someone_in_them() {
        let slots = [
            slot(9, 0, 50, 1),  // the lone booker's own slot
            slot(9, 15, 50, 2), // nearest
            slot(8, 45, 50, 1), // as near, earlier: first
            slot(9, 30, 25, 3), // other length
            slot(10, 0, 50, 0), // nobody
            slot(8, 15, 50, 1), // before the cutoff
            slot(13, 0, 50, 1), // too far
            slot(11, 0, 50, 4),
            slot(11, 30, 50, 4), // a fourth offer: cut
        ];
        assert_eq!(
            slots_with_company(at(9, 0), 50, &slots, at(8, 30)),
            vec![at(8, 45), at(9, 15), at(11, 0)]
        );
        assert!(slots_with_company(at(9, 0), 75, &slots, at(8, 30)).is_empty());
    }
}
