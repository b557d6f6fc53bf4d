//! Matching choices (issue 11): a member's availability and mode mixing
//! (`member_match_preferences`), and the mode a booking named (`booking_modes`). A missing row
//! is the default, so members and bookings that never chose cost no write.

use std::collections::HashMap;

use sqlx::Row;

use super::bookings::{booking_columns, booking_from_row};
use super::{boolean, flag, int, placeholders, text, unix, Result, Store};
use crate::core::model::{Booking, BookingId, MemberId, SlotId};
use crate::core::session_choice::{Availability, MatchPreferences};

/// A booking's columns, its named mode and its member's choices (no row: NULL, the defaults).
const SLOT_BOOKINGS_WITH_CHOICES: &str = concat!(
    "SELECT ",
    booking_columns!(),
    ", m.mode AS named_mode, p.availability, p.mix_modes \
     FROM bookings b JOIN slots s ON s.id = b.slot_id \
     LEFT JOIN booking_modes m ON m.booking_id = b.id \
     LEFT JOIN member_match_preferences p ON p.member_id = b.member_id \
     WHERE b.slot_id = $1 AND b.status = 'active' ORDER BY b.id"
);

/// An active booking of a slot with the choices the notes at booking look at.
#[derive(Debug, Clone, PartialEq)]
pub struct SlotBookingWithChoices {
    pub booking: Booking,
    /// The mode the booking named; `None`: the community's first mode.
    pub named_mode: Option<String>,
    /// The member's matching choices (the defaults when they never changed one).
    pub preferences: MatchPreferences,
}

fn preferences_from_row(row: &sqlx::any::AnyRow) -> Result<MatchPreferences> {
    let availability = text(row, "availability")?;
    Ok(MatchPreferences {
        availability: Availability::parse(&availability)
            .ok_or_else(|| super::corrupt(format!("availability {availability:?}")))?,
        mix_modes: boolean(int(row, "mix_modes")?, "mix_modes")?,
    })
}

impl Store {
    /// The member's matching choices; the defaults unless they changed one.
    pub async fn match_preferences(&self, member: MemberId) -> Result<MatchPreferences> {
        let row = sqlx::query(
            "SELECT availability, mix_modes FROM member_match_preferences WHERE member_id = $1",
        )
        .bind(member.0)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|row| preferences_from_row(&row))
            .transpose()
            .map(Option::unwrap_or_default)
    }

    /// The choices of those members who changed a default (the others are absent).
    pub async fn match_preferences_of(
        &self,
        members: &[MemberId],
    ) -> Result<HashMap<MemberId, MatchPreferences>> {
        if members.is_empty() {
            return Ok(HashMap::new());
        }
        let sql = format!(
            "SELECT member_id, availability, mix_modes FROM member_match_preferences \
             WHERE member_id IN ({})",
            placeholders(1, members.len())
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for member in members {
            query = query.bind(member.0);
        }
        let rows = query.fetch_all(&self.pool).await?;
        rows.iter()
            .map(|row| Ok((MemberId(int(row, "member_id")?), preferences_from_row(row)?)))
            .collect()
    }

    pub async fn set_match_preferences(
        &self,
        member: MemberId,
        preferences: MatchPreferences,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO member_match_preferences (member_id, availability, mix_modes) \
             VALUES ($1, $2, $3) ON CONFLICT (member_id) DO UPDATE SET \
             availability = excluded.availability, mix_modes = excluded.mix_modes",
        )
        .bind(member.0)
        .bind(preferences.availability.as_str())
        .bind(flag(preferences.mix_modes))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Records the mode the member named for this booking.
    pub async fn set_booking_mode(&self, booking: BookingId, mode: &str) -> Result<()> {
        sqlx::query(
            "INSERT INTO booking_modes (booking_id, mode) VALUES ($1, $2) \
             ON CONFLICT (booking_id) DO UPDATE SET mode = excluded.mode",
        )
        .bind(booking.0)
        .bind(mode)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The slot's active bookings by id, each with its named mode and its member's matching
    /// choices: one statement whose text never changes.
    ///
    /// Why one read: a `/book` answers with notes about who else is booked (alone? anyone
    /// whose mode and availability fit?). Reading the bookings, then [`Store::booking_modes`]
    /// and [`Store::match_preferences_of`] with `IN (…)` lists as long as the slot took three
    /// round trips, and each new slot size was a new statement to prepare (on PostgreSQL a
    /// parse and a plan). At the top of the hour that cost more than the booking itself.
    pub async fn active_bookings_with_choices_for_slot(
        &self,
        slot_id: SlotId,
    ) -> Result<Vec<SlotBookingWithChoices>> {
        let rows = sqlx::query(SLOT_BOOKINGS_WITH_CHOICES)
            .bind(slot_id.0)
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|row| {
                let chose_preferences = row.try_get::<Option<String>, _>("availability")?.is_some();
                Ok(SlotBookingWithChoices {
                    booking: booking_from_row(row)?,
                    named_mode: row.try_get::<Option<String>, _>("named_mode")?,
                    preferences: if chose_preferences {
                        preferences_from_row(row)?
                    } else {
                        MatchPreferences::default()
                    },
                })
            })
            .collect()
    }

    /// The modes these bookings named (bookings that named none are absent).
    pub async fn booking_modes(
        &self,
        bookings: &[BookingId],
    ) -> Result<HashMap<BookingId, String>> {
        if bookings.is_empty() {
            return Ok(HashMap::new());
        }
        let sql = format!(
            "SELECT booking_id, mode FROM booking_modes WHERE booking_id IN ({})",
            placeholders(1, bookings.len())
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for booking in bookings {
            query = query.bind(booking.0);
        }
        let rows = query.fetch_all(&self.pool).await?;
        rows.iter()
            .map(|row| Ok((BookingId(int(row, "booking_id")?), text(row, "mode")?)))
            .collect()
    }

    /// The named modes of these members' active bookings that start at `starts_at` (a member
    /// holds at most one: bookings never overlap). Members whose booking named none are absent.
    pub async fn named_modes_starting_at(
        &self,
        members: &[MemberId],
        starts_at: chrono::DateTime<chrono::Utc>,
    ) -> Result<HashMap<MemberId, String>> {
        if members.is_empty() {
            return Ok(HashMap::new());
        }
        let sql = format!(
            "SELECT b.member_id, m.mode FROM bookings b \
             JOIN slots s ON s.id = b.slot_id \
             JOIN booking_modes m ON m.booking_id = b.id \
             WHERE b.status = 'active' AND s.starts_at = $1 AND b.member_id IN ({})",
            placeholders(2, members.len())
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(unix(starts_at));
        for member in members {
            query = query.bind(member.0);
        }
        let rows = query.fetch_all(&self.pool).await?;
        rows.iter()
            .map(|row| Ok((MemberId(int(row, "member_id")?), text(row, "mode")?)))
            .collect()
    }
}
