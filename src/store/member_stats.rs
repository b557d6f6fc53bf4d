//! What `stats` and `leaderboard` read (issue 11): a member's checked sessions with the
//! partners who attended them too, the leaderboard opt-in (migration 0012), and the month's
//! minutes per member for the board. The rules (streaks, who may be shown) are
//! `core::member_stats`'.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use super::{int, minutes, text, time, unix, Result, Store};
use crate::core::member_stats::{LeaderboardRow, SessionRecord};
use crate::core::model::{AttendanceOutcome, CommunityId, MemberId};

impl Store {
    /// Every session the member was checked for (attended, no-show or excused) that starts in
    /// `[from, to)`, oldest first, each with the members who shared a group with them in that
    /// slot and attended it as well (a partner who never came is no partner).
    pub async fn member_session_records(
        &self,
        member: MemberId,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<SessionRecord>> {
        let sessions = sqlx::query(
            "SELECT a.slot_id, a.outcome, s.starts_at, s.length_minutes \
             FROM attendance a JOIN slots s ON s.id = a.slot_id \
             WHERE a.member_id = $1 AND s.starts_at >= $2 AND s.starts_at < $3 \
             ORDER BY s.starts_at, a.slot_id",
        )
        .bind(member.0)
        .bind(unix(from))
        .bind(unix(to))
        .fetch_all(&self.pool)
        .await?;
        let partners = sqlx::query(
            "SELECT DISTINCT g.slot_id, o.member_id \
             FROM group_members me \
             JOIN session_groups g ON g.id = me.group_id \
             JOIN slots s ON s.id = g.slot_id \
             JOIN group_members o ON o.group_id = g.id AND o.member_id <> me.member_id \
             JOIN attendance pa ON pa.slot_id = g.slot_id AND pa.member_id = o.member_id \
             WHERE me.member_id = $1 AND s.starts_at >= $2 AND s.starts_at < $3 \
               AND pa.outcome = 'attended' \
             ORDER BY g.slot_id, o.member_id",
        )
        .bind(member.0)
        .bind(unix(from))
        .bind(unix(to))
        .fetch_all(&self.pool)
        .await?;
        let mut by_slot: BTreeMap<i64, Vec<MemberId>> = BTreeMap::new();
        for row in &partners {
            by_slot
                .entry(int(row, "slot_id")?)
                .or_default()
                .push(MemberId(int(row, "member_id")?));
        }
        sessions
            .iter()
            .map(|row| {
                let outcome = text(row, "outcome")?;
                Ok(SessionRecord {
                    starts_at: time(int(row, "starts_at")?)?,
                    length_minutes: minutes(int(row, "length_minutes")?)?,
                    outcome: match outcome.as_str() {
                        "attended" => AttendanceOutcome::Attended,
                        "no_show" => AttendanceOutcome::NoShow,
                        "excused" => AttendanceOutcome::Excused,
                        other => {
                            return Err(super::corrupt(format!("attendance outcome {other:?}")))
                        }
                    },
                    partners: by_slot
                        .get(&int(row, "slot_id")?)
                        .cloned()
                        .unwrap_or_default(),
                })
            })
            .collect()
    }

    /// `prefs leaderboard on|off`.
    pub async fn set_leaderboard_opt_in(
        &self,
        member: MemberId,
        opted_in: bool,
        now: DateTime<Utc>,
    ) -> Result<()> {
        if opted_in {
            sqlx::query(
                "INSERT INTO leaderboard_opt_in (member_id, opted_in_at) VALUES ($1, $2) \
                 ON CONFLICT (member_id) DO NOTHING",
            )
            .bind(member.0)
            .bind(unix(now))
            .execute(&self.pool)
            .await?;
        } else {
            sqlx::query("DELETE FROM leaderboard_opt_in WHERE member_id = $1")
                .bind(member.0)
                .execute(&self.pool)
                .await?;
        }
        Ok(())
    }

    pub async fn leaderboard_opted_in(&self, member: MemberId) -> Result<bool> {
        let row = sqlx::query("SELECT COUNT(*) AS n FROM leaderboard_opt_in WHERE member_id = $1")
            .bind(member.0)
            .fetch_one(&self.pool)
            .await?;
        Ok(int(&row, "n")? > 0)
    }

    /// Attended minutes per member of the community in sessions starting in `[from, to)`, with
    /// whether each opted in. Only opted-in members are read: the core filters again, but a
    /// name that may not be shown never needs to leave the database.
    pub async fn leaderboard_rows(
        &self,
        community: CommunityId,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<LeaderboardRow>> {
        let rows = sqlx::query(
            "SELECT m.id, m.display_name, CAST(SUM(s.length_minutes) AS BIGINT) AS minutes \
             FROM leaderboard_opt_in l \
             JOIN members m ON m.id = l.member_id \
             JOIN attendance a ON a.member_id = m.id AND a.outcome = 'attended' \
             JOIN slots s ON s.id = a.slot_id \
             WHERE m.community_id = $1 AND s.starts_at >= $2 AND s.starts_at < $3 \
             GROUP BY m.id, m.display_name",
        )
        .bind(community.0)
        .bind(unix(from))
        .bind(unix(to))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(LeaderboardRow {
                    member: MemberId(int(row, "id")?),
                    display_name: text(row, "display_name")?,
                    opted_in: true,
                    minutes: minutes(int(row, "minutes")?)?,
                })
            })
            .collect()
    }
}
