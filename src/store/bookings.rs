//! Slots and bookings.

use chrono::{DateTime, Utc};
use sqlx::any::AnyRow;

use super::{
    boolean, corrupt, flag, int, is_unique_violation, minutes, text, time, unix, Result, Store,
    StoreError,
};
use crate::core::model::{Booking, BookingId, BookingStatus, CommunityId, MemberId, Slot, SlotId};

pub struct NewBooking {
    pub community_id: CommunityId,
    pub member_id: MemberId,
    pub slot_id: SlotId,
    pub recurring_weekly: bool,
    pub created_at: DateTime<Utc>,
}

/// How many active bookings one slot has (for the "who's booked when" view).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlotBookingCount {
    pub starts_at: DateTime<Utc>,
    pub length_minutes: u32,
    pub active_bookings: i64,
}

/// A booking row joined with its slot (`b` = bookings, `s` = slots).
const BOOKING_SELECT: &str = "SELECT b.id, b.community_id, b.member_id, b.slot_id, s.starts_at, \
    s.length_minutes, b.status, b.recurring_weekly, b.created_at \
    FROM bookings b JOIN slots s ON s.id = b.slot_id";

impl Store {
    /// The slot (community, start, length), created if missing. Race-safe: concurrent callers
    /// get the same row.
    pub async fn ensure_slot(
        &self,
        community_id: CommunityId,
        starts_at: DateTime<Utc>,
        length_minutes: u32,
    ) -> Result<Slot> {
        if let Some(slot) = self
            .find_slot(community_id, starts_at, length_minutes)
            .await?
        {
            return Ok(slot);
        }
        sqlx::query(
            "INSERT INTO slots (community_id, starts_at, length_minutes) VALUES ($1, $2, $3) \
             ON CONFLICT (community_id, starts_at, length_minutes) DO NOTHING",
        )
        .bind(community_id.0)
        .bind(unix(starts_at))
        .bind(i64::from(length_minutes))
        .execute(&self.pool)
        .await?;
        self.find_slot(community_id, starts_at, length_minutes)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("slot {starts_at} ({length_minutes} min)")))
    }

    pub async fn slot(&self, id: SlotId) -> Result<Slot> {
        let row = sqlx::query(
            "SELECT id, community_id, starts_at, length_minutes FROM slots WHERE id = $1",
        )
        .bind(id.0)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|row| slot_from_row(&row))
            .transpose()?
            .ok_or_else(|| StoreError::NotFound(format!("slot {id}")))
    }

    /// Inserts an active booking; [`StoreError::BookingConflict`] if the member already has an
    /// active booking for this slot (the partial unique index decides, so races are safe too).
    pub async fn create_booking(&self, new: &NewBooking) -> Result<Booking> {
        let inserted = sqlx::query(
            "INSERT INTO bookings (community_id, member_id, slot_id, status, recurring_weekly, created_at) \
             VALUES ($1, $2, $3, 'active', $4, $5) RETURNING id",
        )
        .bind(new.community_id.0)
        .bind(new.member_id.0)
        .bind(new.slot_id.0)
        .bind(flag(new.recurring_weekly))
        .bind(unix(new.created_at))
        .fetch_one(&self.pool)
        .await;
        let row = match inserted {
            Ok(row) => row,
            Err(error) if is_unique_violation(&error) => return Err(StoreError::BookingConflict),
            Err(error) => return Err(error.into()),
        };
        let id = BookingId(int(&row, "id")?);
        self.booking(id)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("booking {id}")))
    }

    /// Active -> cancelled; a late cancel also bumps the member's `late_cancels`, in the same
    /// transaction. `false` if the booking was not active (or does not exist).
    pub async fn cancel_booking(&self, id: BookingId, late: bool) -> Result<bool> {
        let mut tx = self.pool.begin().await?;
        let row = sqlx::query(
            "UPDATE bookings SET status = 'cancelled' WHERE id = $1 AND status = 'active' RETURNING member_id",
        )
        .bind(id.0)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(row) = row else {
            return Ok(false); // dropping `tx` rolls back the (empty) transaction
        };
        if late {
            sqlx::query("UPDATE members SET late_cancels = late_cancels + 1 WHERE id = $1")
                .bind(int(&row, "member_id")?)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(true)
    }

    pub async fn booking(&self, id: BookingId) -> Result<Option<Booking>> {
        let sql = format!("{BOOKING_SELECT} WHERE b.id = $1");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(id.0)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|row| booking_from_row(&row)).transpose()
    }

    /// The member's active bookings whose session ends after `ending_after`, by start time.
    pub async fn active_bookings_for_member(
        &self,
        member_id: MemberId,
        ending_after: DateTime<Utc>,
    ) -> Result<Vec<Booking>> {
        let sql = format!(
            "{BOOKING_SELECT} WHERE b.member_id = $1 AND b.status = 'active' \
             AND s.starts_at + s.length_minutes * 60 > $2 ORDER BY s.starts_at, s.length_minutes, b.id"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(member_id.0)
            .bind(unix(ending_after))
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(booking_from_row).collect()
    }

    /// Active bookings of every community whose session starts after `t`, by start time: the
    /// startup sweep re-ensures their jobs.
    pub async fn active_bookings_starting_after(&self, t: DateTime<Utc>) -> Result<Vec<Booking>> {
        let sql = format!(
            "{BOOKING_SELECT} WHERE b.status = 'active' AND s.starts_at > $1 \
             ORDER BY s.starts_at, s.length_minutes, b.id"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(unix(t))
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(booking_from_row).collect()
    }

    /// The slot's active bookings, by id (booking order).
    pub async fn active_bookings_for_slot(&self, slot_id: SlotId) -> Result<Vec<Booking>> {
        let sql =
            format!("{BOOKING_SELECT} WHERE b.slot_id = $1 AND b.status = 'active' ORDER BY b.id");
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(slot_id.0)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(booking_from_row).collect()
    }

    /// Slots of the community starting in `[from, to)` with at least one active booking, by
    /// start time then length.
    pub async fn slot_booking_counts(
        &self,
        community_id: CommunityId,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<SlotBookingCount>> {
        let rows = sqlx::query(
            "SELECT s.starts_at, s.length_minutes, COUNT(*) AS active_bookings \
             FROM slots s JOIN bookings b ON b.slot_id = s.id AND b.status = 'active' \
             WHERE s.community_id = $1 AND s.starts_at >= $2 AND s.starts_at < $3 \
             GROUP BY s.id, s.starts_at, s.length_minutes \
             ORDER BY s.starts_at, s.length_minutes",
        )
        .bind(community_id.0)
        .bind(unix(from))
        .bind(unix(to))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(SlotBookingCount {
                    starts_at: time(int(row, "starts_at")?)?,
                    length_minutes: minutes(int(row, "length_minutes")?)?,
                    active_bookings: int(row, "active_bookings")?,
                })
            })
            .collect()
    }

    async fn find_slot(
        &self,
        community_id: CommunityId,
        starts_at: DateTime<Utc>,
        length_minutes: u32,
    ) -> Result<Option<Slot>> {
        let row = sqlx::query(
            "SELECT id, community_id, starts_at, length_minutes FROM slots \
             WHERE community_id = $1 AND starts_at = $2 AND length_minutes = $3",
        )
        .bind(community_id.0)
        .bind(unix(starts_at))
        .bind(i64::from(length_minutes))
        .fetch_optional(&self.pool)
        .await?;
        row.map(|row| slot_from_row(&row)).transpose()
    }
}

fn slot_from_row(row: &AnyRow) -> Result<Slot> {
    Ok(Slot {
        id: SlotId(int(row, "id")?),
        community_id: CommunityId(int(row, "community_id")?),
        starts_at: time(int(row, "starts_at")?)?,
        length_minutes: minutes(int(row, "length_minutes")?)?,
    })
}

fn booking_from_row(row: &AnyRow) -> Result<Booking> {
    let status = match text(row, "status")?.as_str() {
        "active" => BookingStatus::Active,
        "cancelled" => BookingStatus::Cancelled,
        other => return Err(corrupt(format!("booking status {other:?}"))),
    };
    Ok(Booking {
        id: BookingId(int(row, "id")?),
        community_id: CommunityId(int(row, "community_id")?),
        member_id: MemberId(int(row, "member_id")?),
        slot_id: SlotId(int(row, "slot_id")?),
        starts_at: time(int(row, "starts_at")?)?,
        length_minutes: minutes(int(row, "length_minutes")?)?,
        status,
        recurring_weekly: boolean(int(row, "recurring_weekly")?, "recurring_weekly")?,
        created_at: time(int(row, "created_at")?)?,
    })
}
