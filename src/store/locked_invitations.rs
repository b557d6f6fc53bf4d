//! Invitations to lock in a session with a friend (issue 11, migration 0010). An invitation
//! moves once, from `pending` to `accepted` / `declined` (the invitee) or `expired` (the slot's
//! prepare, at the cutoff); each move is one conditional `UPDATE … WHERE state = 'pending'`, so
//! an answer racing the prepare either lands before it or is refused, never both.

use chrono::{DateTime, Utc};
use sqlx::any::AnyRow;
use sqlx::Row;

use super::{boolean, corrupt, flag, int, text, time, unix, Result, Store};
use crate::core::locked_pairs::{InvitationId, InvitationState, LockedInvitation};
use crate::core::model::{BookingId, MemberId, SlotId};

const INVITATION_SELECT: &str = "SELECT id, slot_id, inviter_member_id, invitee_member_id, \
     inviter_booking_id, invitee_booking_id, state, delivered, created_at FROM locked_invitations";

/// What a new invitation is about.
#[derive(Debug, Clone)]
pub struct NewInvitation {
    pub slot_id: SlotId,
    pub inviter: MemberId,
    pub invitee: MemberId,
    pub inviter_booking: BookingId,
    pub delivered: bool,
    pub created_at: DateTime<Utc>,
}

impl Store {
    /// Stores a pending invitation and returns its id.
    pub async fn create_locked_invitation(&self, new: &NewInvitation) -> Result<InvitationId> {
        let row = sqlx::query(
            "INSERT INTO locked_invitations (slot_id, inviter_member_id, invitee_member_id, \
             inviter_booking_id, state, delivered, created_at) \
             VALUES ($1, $2, $3, $4, 'pending', $5, $6) RETURNING id",
        )
        .bind(new.slot_id.0)
        .bind(new.inviter.0)
        .bind(new.invitee.0)
        .bind(new.inviter_booking.0)
        .bind(flag(new.delivered))
        .bind(unix(new.created_at))
        .fetch_one(&self.pool)
        .await?;
        Ok(InvitationId(int(&row, "id")?))
    }

    pub async fn locked_invitation(&self, id: InvitationId) -> Result<Option<LockedInvitation>> {
        let sql = format!("{INVITATION_SELECT} WHERE id = $1");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(id.0)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|row| invitation_from_row(&row)).transpose()
    }

    /// The slot's invitations, by id.
    pub async fn locked_invitations_for_slot(
        &self,
        slot_id: SlotId,
    ) -> Result<Vec<LockedInvitation>> {
        let sql = format!("{INVITATION_SELECT} WHERE slot_id = $1 ORDER BY id");
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(slot_id.0)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(invitation_from_row).collect()
    }

    /// The accepted invitation that locks this booking (as the inviter's or the invitee's), if
    /// any; the earliest when, against the rules, there are several.
    pub async fn accepted_lock_of_booking(
        &self,
        booking: BookingId,
    ) -> Result<Option<LockedInvitation>> {
        let sql = format!(
            "{INVITATION_SELECT} WHERE state = 'accepted' \
             AND (inviter_booking_id = $1 OR invitee_booking_id = $1) ORDER BY id LIMIT 1"
        );
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(booking.0)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|row| invitation_from_row(&row)).transpose()
    }

    /// For each of these bookings locked in with a partner who is still booked, that partner's
    /// display name (one read for a whole `sessions` list). A booking's lock is its earliest
    /// accepted invitation, as [`Store::accepted_lock_of_booking`] reads it.
    pub async fn locked_partner_names(
        &self,
        bookings: &[BookingId],
    ) -> Result<std::collections::HashMap<BookingId, String>> {
        let mut names = std::collections::HashMap::new();
        if bookings.is_empty() {
            return Ok(names);
        }
        let sql = format!(
            "SELECT b.id AS booking_id, partner_booking.status, partner.display_name \
             FROM locked_invitations i \
             JOIN bookings b ON b.id = i.inviter_booking_id OR b.id = i.invitee_booking_id \
             LEFT JOIN bookings partner_booking ON partner_booking.id = CASE \
                 WHEN b.id = i.inviter_booking_id THEN i.invitee_booking_id \
                 ELSE i.inviter_booking_id END \
             LEFT JOIN members partner ON partner.id = partner_booking.member_id \
             WHERE i.state = 'accepted' AND b.id IN ({}) ORDER BY i.id",
            super::placeholders(1, bookings.len())
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for booking in bookings {
            query = query.bind(booking.0);
        }
        let mut seen = std::collections::HashSet::new();
        for row in query.fetch_all(&self.pool).await? {
            let booking = BookingId(int(&row, "booking_id")?);
            // Only the earliest lock of a booking counts.
            if !seen.insert(booking) {
                continue;
            }
            let still_booked =
                row.try_get::<Option<String>, _>("status")?.as_deref() == Some("active");
            if let (true, Some(name)) = (
                still_booked,
                row.try_get::<Option<String>, _>("display_name")?,
            ) {
                names.insert(booking, name);
            }
        }
        Ok(names)
    }

    /// Pending → accepted with the invitee's booking; `false` when it was no longer pending.
    pub async fn accept_locked_invitation(
        &self,
        id: InvitationId,
        invitee_booking: BookingId,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE locked_invitations SET state = 'accepted', invitee_booking_id = $2, \
             answered_at = $3 WHERE id = $1 AND state = 'pending'",
        )
        .bind(id.0)
        .bind(invitee_booking.0)
        .bind(unix(now))
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Pending → declined; `false` when it was no longer pending.
    pub async fn decline_locked_invitation(
        &self,
        id: InvitationId,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE locked_invitations SET state = 'declined', answered_at = $2 \
             WHERE id = $1 AND state = 'pending'",
        )
        .bind(id.0)
        .bind(unix(now))
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Every invitation of the slot still pending becomes expired (the slot's cutoff); returns
    /// how many.
    pub async fn expire_pending_invitations(
        &self,
        slot_id: SlotId,
        now: DateTime<Utc>,
    ) -> Result<u64> {
        let done = sqlx::query(
            "UPDATE locked_invitations SET state = 'expired', answered_at = $2 \
             WHERE slot_id = $1 AND state = 'pending'",
        )
        .bind(slot_id.0)
        .bind(unix(now))
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected())
    }
}

fn invitation_from_row(row: &AnyRow) -> Result<LockedInvitation> {
    let state_text = text(row, "state")?;
    let state = InvitationState::parse(&state_text)
        .ok_or_else(|| corrupt(format!("invitation state {state_text:?}")))?;
    let invitee_booking = row.try_get::<Option<i64>, _>("invitee_booking_id")?;
    Ok(LockedInvitation {
        id: InvitationId(int(row, "id")?),
        slot_id: SlotId(int(row, "slot_id")?),
        inviter: MemberId(int(row, "inviter_member_id")?),
        invitee: MemberId(int(row, "invitee_member_id")?),
        inviter_booking: BookingId(int(row, "inviter_booking_id")?),
        invitee_booking: invitee_booking.map(BookingId),
        state,
        delivered: boolean(int(row, "delivered")?, "invitation delivered")?,
        created_at: time(int(row, "created_at")?)?,
    })
}
