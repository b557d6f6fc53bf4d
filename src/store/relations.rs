//! Relations between members (friend, favourite, block) and who met whom recently.

use chrono::{DateTime, Utc};

use super::{corrupt, int, placeholders, text, unix, Result, Store};
use crate::core::model::{MemberId, Relation, RelationKind};

impl Store {
    /// Stores the relation; setting it again is a no-op.
    pub async fn set_relation(&self, relation: Relation) -> Result<()> {
        sqlx::query(
            "INSERT INTO relations (member_id, other_id, kind) VALUES ($1, $2, $3) \
             ON CONFLICT (member_id, other_id, kind) DO NOTHING",
        )
        .bind(relation.member.0)
        .bind(relation.other.0)
        .bind(relation.kind.as_str())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// `false` if there was no such relation.
    pub async fn remove_relation(&self, relation: Relation) -> Result<bool> {
        let done = sqlx::query(
            "DELETE FROM relations WHERE member_id = $1 AND other_id = $2 AND kind = $3",
        )
        .bind(relation.member.0)
        .bind(relation.other.0)
        .bind(relation.kind.as_str())
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() > 0)
    }

    /// Every relation whose both ends are in `members`.
    pub async fn relations_among(&self, members: &[MemberId]) -> Result<Vec<Relation>> {
        if members.is_empty() {
            return Ok(Vec::new());
        }
        let set = placeholders(1, members.len());
        let sql = format!(
            "SELECT member_id, other_id, kind FROM relations \
             WHERE member_id IN ({set}) AND other_id IN ({set}) ORDER BY member_id, other_id, kind"
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for member in members {
            query = query.bind(member.0);
        }
        let rows = query.fetch_all(&self.pool).await?;
        rows.iter()
            .map(|row| {
                let kind = text(row, "kind")?;
                Ok(Relation {
                    member: MemberId(int(row, "member_id")?),
                    other: MemberId(int(row, "other_id")?),
                    kind: RelationKind::parse(&kind)
                        .ok_or_else(|| corrupt(format!("relation kind {kind:?}")))?,
                })
            })
            .collect()
    }

    /// Pairs `(a, b)` with `a < b`, both in `members`, who shared a group in slots starting at
    /// or after `since`, with the number of such slots. Ordered by `(a, b)`.
    pub async fn recent_meetings_among(
        &self,
        members: &[MemberId],
        since: DateTime<Utc>,
    ) -> Result<Vec<(MemberId, MemberId, u32)>> {
        if members.is_empty() {
            return Ok(Vec::new());
        }
        let set = placeholders(2, members.len());
        let sql = format!(
            "SELECT x.member_id AS a, y.member_id AS b, COUNT(DISTINCT g.slot_id) AS meetings \
             FROM group_members x \
             JOIN group_members y ON y.group_id = x.group_id AND x.member_id < y.member_id \
             JOIN session_groups g ON g.id = x.group_id \
             JOIN slots s ON s.id = g.slot_id \
             WHERE s.starts_at >= $1 AND x.member_id IN ({set}) AND y.member_id IN ({set}) \
             GROUP BY x.member_id, y.member_id ORDER BY x.member_id, y.member_id"
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(unix(since));
        for member in members {
            query = query.bind(member.0);
        }
        let rows = query.fetch_all(&self.pool).await?;
        rows.iter()
            .map(|row| {
                let count = int(row, "meetings")?;
                let count =
                    u32::try_from(count).map_err(|_| corrupt(format!("meeting count {count}")))?;
                Ok((MemberId(int(row, "a")?), MemberId(int(row, "b")?), count))
            })
            .collect()
    }
}
