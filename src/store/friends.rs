//! Friend requests and mutual friendships (issue 11), and what a member lets others see.
//!
//! A friendship is two `relations` rows of kind `friend`, one each way, written and removed
//! together in one transaction, so the matching (which reads `relations`) sees both notes or
//! neither. A request waits in `friend_requests` until it is accepted or declined.

use chrono::{DateTime, Utc};

use super::{int, text, unix, Result, Store};
use crate::core::friends::{FriendRequestId, Friendship, ShowBookings};
use crate::core::model::MemberId;

/// A member's friends and pending requests both ways, as member ids in the order they came.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FriendLists {
    pub friends: Vec<MemberId>,
    /// Requests the member sent that wait for an answer.
    pub sent: Vec<MemberId>,
    /// Requests others sent to the member.
    pub received: Vec<MemberId>,
}

impl Store {
    /// Where `member` and `other` stand, seen from `member`.
    pub async fn friendship(&self, member: MemberId, other: MemberId) -> Result<Friendship> {
        let friends = sqlx::query(
            "SELECT COUNT(*) AS n FROM relations WHERE kind = 'friend' \
             AND ((member_id = $1 AND other_id = $2) OR (member_id = $2 AND other_id = $1))",
        )
        .bind(member.0)
        .bind(other.0)
        .fetch_one(&self.pool)
        .await?;
        if int(&friends, "n")? > 0 {
            return Ok(Friendship::Friends);
        }
        let requests = sqlx::query(
            "SELECT from_member_id FROM friend_requests \
             WHERE (from_member_id = $1 AND to_member_id = $2) \
                OR (from_member_id = $2 AND to_member_id = $1) ORDER BY id LIMIT 1",
        )
        .bind(member.0)
        .bind(other.0)
        .fetch_optional(&self.pool)
        .await?;
        Ok(match requests {
            None => Friendship::Strangers,
            Some(row) if int(&row, "from_member_id")? == member.0 => Friendship::RequestSent,
            Some(_) => Friendship::RequestReceived,
        })
    }

    /// Stores `from`'s request to `to` and returns its id; asking twice returns the first id.
    pub async fn create_friend_request(
        &self,
        from: MemberId,
        to: MemberId,
        now: DateTime<Utc>,
    ) -> Result<FriendRequestId> {
        sqlx::query(
            "INSERT INTO friend_requests (from_member_id, to_member_id, created_at) \
             VALUES ($1, $2, $3) ON CONFLICT (from_member_id, to_member_id) DO NOTHING",
        )
        .bind(from.0)
        .bind(to.0)
        .bind(unix(now))
        .execute(&self.pool)
        .await?;
        let row = sqlx::query(
            "SELECT id FROM friend_requests WHERE from_member_id = $1 AND to_member_id = $2",
        )
        .bind(from.0)
        .bind(to.0)
        .fetch_one(&self.pool)
        .await?;
        Ok(FriendRequestId(int(&row, "id")?))
    }

    /// `from`'s request to `to` becomes a friendship: the request (and any request back) is
    /// removed and both friend rows written, in one transaction. Returns the accepted
    /// request's id, or `None` when there was no such request (answered meanwhile).
    pub async fn accept_friend_request(
        &self,
        from: MemberId,
        to: MemberId,
    ) -> Result<Option<FriendRequestId>> {
        let mut tx = self.begin_write().await?;
        let row = sqlx::query(
            "DELETE FROM friend_requests WHERE from_member_id = $1 AND to_member_id = $2 \
             RETURNING id",
        )
        .bind(from.0)
        .bind(to.0)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        let id = FriendRequestId(int(&row, "id")?);
        sqlx::query("DELETE FROM friend_requests WHERE from_member_id = $1 AND to_member_id = $2")
            .bind(to.0)
            .bind(from.0)
            .execute(&mut *tx)
            .await?;
        for (a, b) in [(from, to), (to, from)] {
            sqlx::query(
                "INSERT INTO relations (member_id, other_id, kind) VALUES ($1, $2, 'friend') \
                 ON CONFLICT (member_id, other_id, kind) DO NOTHING",
            )
            .bind(a.0)
            .bind(b.0)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(Some(id))
    }

    /// Drops `from`'s request to `to`; `false` if there was none.
    pub async fn delete_friend_request(&self, from: MemberId, to: MemberId) -> Result<bool> {
        let done = sqlx::query(
            "DELETE FROM friend_requests WHERE from_member_id = $1 AND to_member_id = $2",
        )
        .bind(from.0)
        .bind(to.0)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() > 0)
    }

    /// Ends a friendship for both; `false` if they were not friends.
    pub async fn remove_friendship(&self, a: MemberId, b: MemberId) -> Result<bool> {
        let done = sqlx::query(
            "DELETE FROM relations WHERE kind = 'friend' \
             AND ((member_id = $1 AND other_id = $2) OR (member_id = $2 AND other_id = $1))",
        )
        .bind(a.0)
        .bind(b.0)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() > 0)
    }

    /// The member's friends and pending requests both ways.
    pub async fn friend_lists(&self, member: MemberId) -> Result<FriendLists> {
        let ids = |rows: Vec<sqlx::any::AnyRow>, column: &str| -> Result<Vec<MemberId>> {
            rows.iter()
                .map(|row| Ok(MemberId(int(row, column)?)))
                .collect()
        };
        let friends = sqlx::query(
            "SELECT other_id FROM relations WHERE member_id = $1 AND kind = 'friend' \
             ORDER BY other_id",
        )
        .bind(member.0)
        .fetch_all(&self.pool)
        .await?;
        let sent = sqlx::query(
            "SELECT to_member_id FROM friend_requests WHERE from_member_id = $1 ORDER BY id",
        )
        .bind(member.0)
        .fetch_all(&self.pool)
        .await?;
        let received = sqlx::query(
            "SELECT from_member_id FROM friend_requests WHERE to_member_id = $1 ORDER BY id",
        )
        .bind(member.0)
        .fetch_all(&self.pool)
        .await?;
        Ok(FriendLists {
            friends: ids(friends, "other_id")?,
            sent: ids(sent, "to_member_id")?,
            received: ids(received, "from_member_id")?,
        })
    }

    /// Whether `member` has blocked `other`.
    pub async fn has_blocked(&self, member: MemberId, other: MemberId) -> Result<bool> {
        let row = sqlx::query(
            "SELECT COUNT(*) AS n FROM relations \
             WHERE member_id = $1 AND other_id = $2 AND kind = 'block'",
        )
        .bind(member.0)
        .bind(other.0)
        .fetch_one(&self.pool)
        .await?;
        Ok(int(&row, "n")? > 0)
    }

    /// Who may see the member's upcoming bookings; nobody unless they said otherwise.
    pub async fn show_bookings(&self, member: MemberId) -> Result<ShowBookings> {
        let row = sqlx::query("SELECT show_bookings FROM member_privacy WHERE member_id = $1")
            .bind(member.0)
            .fetch_optional(&self.pool)
            .await?;
        match row {
            None => Ok(ShowBookings::default()),
            Some(row) => {
                let value = text(&row, "show_bookings")?;
                ShowBookings::parse(&value)
                    .ok_or_else(|| super::corrupt(format!("show_bookings {value:?}")))
            }
        }
    }

    pub async fn set_show_bookings(&self, member: MemberId, show: ShowBookings) -> Result<()> {
        sqlx::query(
            "INSERT INTO member_privacy (member_id, show_bookings) VALUES ($1, $2) \
             ON CONFLICT (member_id) DO UPDATE SET show_bookings = excluded.show_bookings",
        )
        .bind(member.0)
        .bind(show.as_str())
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}
