//! Private web links (a member's calendar feed and page, a community's members-only page) and
//! the counts the web pages show. Tokens are found by their SHA-256, which the engine computes
//! (see `migrations/*/0006_web_links.sql` for why).

use chrono::{DateTime, Utc};
use sqlx::Row;

use super::members::from_row as member_from_row;
use super::{corrupt, int, minutes, text, time, unix, Result, Store};
use crate::core::model::{CommunityId, Member, MemberId, RelationKind};
use crate::core::web_page::{BookedSlot, PageVisibility};

/// A community's page setting: who may see it, and the members' link token.
#[derive(Debug, Clone, PartialEq)]
pub struct CommunityPage {
    pub community_id: CommunityId,
    pub visibility: PageVisibility,
    pub token: String,
}

/// Attendance outcomes recorded for sessions in a period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct AttendanceCounts {
    pub attended: i64,
    pub no_shows: i64,
    pub excused: i64,
}

impl Store {
    /// The member's live link token, if they have one.
    pub async fn live_member_link(&self, member_id: MemberId) -> Result<Option<String>> {
        let row = sqlx::query(
            "SELECT token FROM member_links WHERE member_id = $1 AND revoked_at IS NULL",
        )
        .bind(member_id.0)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|row| text(&row, "token")).transpose()
    }

    /// Makes `token` the member's live link unless they already have one (a concurrent
    /// `calendar` may have won); returns the live token either way.
    pub async fn create_member_link(
        &self,
        member_id: MemberId,
        token: &str,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<String> {
        sqlx::query(
            "INSERT INTO member_links (member_id, token, token_hash, created_at) \
             VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
        )
        .bind(member_id.0)
        .bind(token)
        .bind(token_hash)
        .bind(unix(now))
        .execute(&self.pool)
        .await?;
        self.live_member_link(member_id).await?.ok_or_else(|| {
            corrupt(format!(
                "member {} has no live link after insert",
                member_id.0
            ))
        })
    }

    /// Revokes the member's live link; `false` if there was none.
    pub async fn revoke_member_link(
        &self,
        member_id: MemberId,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE member_links SET revoked_at = $2 WHERE member_id = $1 AND revoked_at IS NULL",
        )
        .bind(member_id.0)
        .bind(unix(now))
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() > 0)
    }

    /// The member whose live link hashes to `token_hash`.
    pub async fn member_by_link_hash(&self, token_hash: &str) -> Result<Option<Member>> {
        let row = sqlx::query(
            "SELECT m.* FROM member_links l JOIN members m ON m.id = l.member_id \
             WHERE l.token_hash = $1 AND l.revoked_at IS NULL",
        )
        .bind(token_hash)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|row| member_from_row(&row)).transpose()
    }

    pub async fn community_page(&self, community_id: CommunityId) -> Result<Option<CommunityPage>> {
        let row = sqlx::query(
            "SELECT community_id, visibility, token FROM community_pages WHERE community_id = $1",
        )
        .bind(community_id.0)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|row| page_from_row(&row)).transpose()
    }

    /// The page whose members' token hashes to `token_hash`.
    pub async fn community_page_by_hash(&self, token_hash: &str) -> Result<Option<CommunityPage>> {
        let row = sqlx::query(
            "SELECT community_id, visibility, token FROM community_pages WHERE token_hash = $1",
        )
        .bind(token_hash)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|row| page_from_row(&row)).transpose()
    }

    /// Sets who may see the page; the token is kept when the page already has one.
    pub async fn set_community_page(
        &self,
        community_id: CommunityId,
        visibility: PageVisibility,
        token: &str,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<CommunityPage> {
        sqlx::query(
            "INSERT INTO community_pages (community_id, visibility, token, token_hash, updated_at) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (community_id) DO UPDATE \
             SET visibility = excluded.visibility, updated_at = excluded.updated_at",
        )
        .bind(community_id.0)
        .bind(visibility.as_str())
        .bind(token)
        .bind(token_hash)
        .bind(unix(now))
        .execute(&self.pool)
        .await?;
        self.community_page(community_id).await?.ok_or_else(|| {
            corrupt(format!(
                "community {} page missing after upsert",
                community_id.0
            ))
        })
    }

    /// Active bookings per slot of the community starting in `[from, to)` (counts, no names).
    pub async fn booked_slots(
        &self,
        community_id: CommunityId,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<BookedSlot>> {
        Ok(self
            .slot_booking_counts(community_id, from, to)
            .await?
            .into_iter()
            .map(|count| BookedSlot {
                starts_at: count.starts_at,
                length_minutes: count.length_minutes,
                booked: count.active_bookings,
            })
            .collect())
    }

    /// The member's own active bookings starting in `[from, to)`, one per slot.
    pub async fn member_booked_slots(
        &self,
        member_id: MemberId,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<BookedSlot>> {
        let rows = sqlx::query(
            "SELECT s.starts_at, s.length_minutes FROM bookings b JOIN slots s ON s.id = b.slot_id \
             WHERE b.member_id = $1 AND b.status = 'active' AND s.starts_at >= $2 AND s.starts_at < $3 \
             ORDER BY s.starts_at",
        )
        .bind(member_id.0)
        .bind(unix(from))
        .bind(unix(to))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(BookedSlot {
                    starts_at: time(int(row, "starts_at")?)?,
                    length_minutes: minutes(int(row, "length_minutes")?)?,
                    booked: 1,
                })
            })
            .collect()
    }

    /// Attendance outcomes of the community's sessions starting in `[from, to)`.
    pub async fn attendance_counts(
        &self,
        community_id: CommunityId,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<AttendanceCounts> {
        // With the erased members' anonymous counts (`store::privacy`).
        let sql = format!(
            "SELECT a.outcome, CAST(SUM(a.members) AS BIGINT) AS n FROM {} a \
             JOIN slots s ON s.id = a.slot_id \
             WHERE s.community_id = $1 AND s.starts_at >= $2 AND s.starts_at < $3 \
             GROUP BY a.outcome",
            super::privacy::ATTENDANCE_WITH_ERASED
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(community_id.0)
            .bind(unix(from))
            .bind(unix(to))
            .fetch_all(&self.pool)
            .await?;
        let mut counts = AttendanceCounts::default();
        for row in &rows {
            let n = int(row, "n")?;
            match text(row, "outcome")?.as_str() {
                "attended" => counts.attended = n,
                "no_show" => counts.no_shows = n,
                "excused" => counts.excused = n,
                other => return Err(corrupt(format!("attendance outcome {other:?}"))),
            }
        }
        Ok(counts)
    }

    /// The members `member_id` marked (friend, favourite, block), with the mark, by name.
    pub async fn marked_members(&self, member_id: MemberId) -> Result<Vec<(Member, RelationKind)>> {
        let rows = sqlx::query(
            "SELECT m.*, r.kind AS relation_kind FROM relations r JOIN members m ON m.id = r.other_id \
             WHERE r.member_id = $1 ORDER BY m.display_name_folded, r.kind",
        )
        .bind(member_id.0)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                let kind = row.try_get::<String, _>("relation_kind")?;
                let kind = RelationKind::parse(&kind)
                    .ok_or_else(|| corrupt(format!("relation kind {kind:?}")))?;
                Ok((member_from_row(row)?, kind))
            })
            .collect()
    }
}

fn page_from_row(row: &sqlx::any::AnyRow) -> Result<CommunityPage> {
    let visibility = text(row, "visibility")?;
    Ok(CommunityPage {
        community_id: CommunityId(int(row, "community_id")?),
        visibility: PageVisibility::parse(&visibility)
            .ok_or_else(|| corrupt(format!("page visibility {visibility:?}")))?,
        token: text(row, "token")?,
    })
}
