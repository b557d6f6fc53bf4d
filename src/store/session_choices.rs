//! Matching choices (issue 11): a member's availability and mode mixing
//! (`member_match_preferences`), and the mode a booking named (`booking_modes`). A missing row
//! is the default, so members and bookings that never chose cost no write.

use std::collections::HashMap;

use super::{boolean, flag, int, placeholders, text, unix, Result, Store};
use crate::core::model::{BookingId, MemberId};
use crate::core::session_choice::{Availability, MatchPreferences};

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
