//! What `msg` needs (issue 11): the sessions a member sat in lately, with everyone in them, and
//! the log of partner messages (who to whom and when, never the text) that keys each relay and
//! counts the per-member rate.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Utc};

use super::{int, time, unix, Result, Store};
use crate::core::model::{GroupId, MemberId, SlotId};
use crate::core::partner_messages::SatIn;

impl Store {
    /// Every group the member sat in whose slot starts at or after `since`, with all of the
    /// group's members (by seat), ordered by slot start then group id.
    pub async fn sessions_sat_in(
        &self,
        member: MemberId,
        since: DateTime<Utc>,
    ) -> Result<Vec<SatIn>> {
        let rows = sqlx::query(
            "SELECT g.id AS group_id, g.slot_id, s.starts_at, s.length_minutes, o.member_id \
             FROM group_members me \
             JOIN session_groups g ON g.id = me.group_id \
             JOIN slots s ON s.id = g.slot_id \
             JOIN group_members o ON o.group_id = g.id \
             WHERE me.member_id = $1 AND s.starts_at >= $2 \
             ORDER BY s.starts_at, g.id, o.seat",
        )
        .bind(member.0)
        .bind(unix(since))
        .fetch_all(&self.pool)
        .await?;
        let mut groups: BTreeMap<(i64, i64), SatIn> = BTreeMap::new();
        for row in &rows {
            let group = int(row, "group_id")?;
            let starts_at = time(int(row, "starts_at")?)?;
            let entry = groups.entry((unix(starts_at), group)).or_insert(SatIn {
                group: GroupId(group),
                slot: SlotId(int(row, "slot_id")?),
                starts_at,
                ends_at: starts_at + Duration::minutes(int(row, "length_minutes")?),
                members: Vec::new(),
            });
            entry.members.push(MemberId(int(row, "member_id")?));
        }
        Ok(groups.into_values().collect())
    }

    /// Logs one message and returns its id (which keys its relay DM).
    pub async fn record_partner_message(
        &self,
        from: MemberId,
        to: MemberId,
        at: DateTime<Utc>,
        delivered: bool,
    ) -> Result<i64> {
        let row = sqlx::query(
            "INSERT INTO partner_messages (from_member_id, to_member_id, sent_at, delivered) \
             VALUES ($1, $2, $3, $4) RETURNING id",
        )
        .bind(from.0)
        .bind(to.0)
        .bind(unix(at))
        .bind(i64::from(delivered))
        .fetch_one(&self.pool)
        .await?;
        int(&row, "id")
    }

    /// When the member's messages since `since` were sent (delivered or not), oldest first.
    pub async fn partner_messages_sent_since(
        &self,
        from: MemberId,
        since: DateTime<Utc>,
    ) -> Result<Vec<DateTime<Utc>>> {
        let rows = sqlx::query(
            "SELECT sent_at FROM partner_messages WHERE from_member_id = $1 AND sent_at >= $2 \
             ORDER BY sent_at",
        )
        .bind(from.0)
        .bind(unix(since))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(|row| time(int(row, "sent_at")?)).collect()
    }
}
