//! What the check-in, `report`, `snooze` and the reliability tiers keep (issue 11, migration
//! 0011): check-in verdicts, "partner absent" claims and the attendance they correct, reports,
//! snoozes, and each member's recent booked sessions.

use chrono::{DateTime, Utc};

use super::{int, placeholders, text, time, unix, Result, Store};
use crate::core::check_in::{AbsenceClaim, SessionVerdict};
use crate::core::model::{MemberId, SlotId};
use crate::core::reliability::BookedSession;

/// A snooze still running: `member` is not matched with `other` until `until`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Snooze {
    pub member: MemberId,
    pub other: MemberId,
    pub until: DateTime<Utc>,
}

impl Store {
    /// The member's answer to "how did it go?" for the slot; a later answer replaces it.
    pub async fn record_check_in_verdict(
        &self,
        slot: SlotId,
        member: MemberId,
        verdict: SessionVerdict,
        at: DateTime<Utc>,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO check_in_answers (slot_id, member_id, verdict, answered_at) \
             VALUES ($1, $2, $3, $4) ON CONFLICT (slot_id, member_id) \
             DO UPDATE SET verdict = excluded.verdict, answered_at = excluded.answered_at",
        )
        .bind(slot.0)
        .bind(member.0)
        .bind(verdict.as_str())
        .bind(unix(at))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The verdict the member gave for the slot, if any.
    pub async fn check_in_verdict(
        &self,
        slot: SlotId,
        member: MemberId,
    ) -> Result<Option<SessionVerdict>> {
        let row = sqlx::query(
            "SELECT verdict FROM check_in_answers WHERE slot_id = $1 AND member_id = $2",
        )
        .bind(slot.0)
        .bind(member.0)
        .fetch_optional(&self.pool)
        .await?;
        match row {
            None => Ok(None),
            Some(row) => {
                let verdict = text(&row, "verdict")?;
                SessionVerdict::parse(&verdict)
                    .map(Some)
                    .ok_or_else(|| super::corrupt(format!("check-in verdict {verdict:?}")))
            }
        }
    }

    /// Stores "`member` says `absent` was not there"; `false` if it was stored already.
    pub async fn record_absence_claim(
        &self,
        slot: SlotId,
        claim: AbsenceClaim,
        at: DateTime<Utc>,
    ) -> Result<bool> {
        let done = sqlx::query(
            "INSERT INTO absence_claims (slot_id, member_id, absent_id, claimed_at) \
             VALUES ($1, $2, $3, $4) ON CONFLICT (slot_id, member_id, absent_id) DO NOTHING",
        )
        .bind(slot.0)
        .bind(claim.claimant.0)
        .bind(claim.absent.0)
        .bind(unix(at))
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Every absence claim made about the slot.
    pub async fn absence_claims_for_slot(&self, slot: SlotId) -> Result<Vec<AbsenceClaim>> {
        let rows = sqlx::query(
            "SELECT member_id, absent_id FROM absence_claims WHERE slot_id = $1 \
             ORDER BY member_id, absent_id",
        )
        .bind(slot.0)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(AbsenceClaim {
                    claimant: MemberId(int(row, "member_id")?),
                    absent: MemberId(int(row, "absent_id")?),
                })
            })
            .collect()
    }

    /// Turns the member's *attended* outcome for the slot into *excused* and takes the session
    /// off their attended counter, in one transaction. `false` when there was no attended
    /// outcome to change (already excused, a no-show, or nothing recorded).
    pub async fn excuse_attended_session(&self, slot: SlotId, member: MemberId) -> Result<bool> {
        let mut tx = self.begin_write().await?;
        let changed = sqlx::query(
            "UPDATE attendance SET outcome = 'excused' \
             WHERE slot_id = $1 AND member_id = $2 AND outcome = 'attended'",
        )
        .bind(slot.0)
        .bind(member.0)
        .execute(&mut *tx)
        .await?
        .rows_affected()
            == 1;
        if changed {
            sqlx::query(
                "UPDATE members SET sessions_attended = sessions_attended - 1 \
                 WHERE id = $1 AND sessions_attended > 0",
            )
            .bind(member.0)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(changed)
    }

    /// Files a report and returns its id (which keys the moderators' note).
    pub async fn record_report(
        &self,
        reporter: MemberId,
        reported: MemberId,
        slot: Option<SlotId>,
        reason: &str,
        at: DateTime<Utc>,
    ) -> Result<i64> {
        let row = sqlx::query(
            "INSERT INTO member_reports (reporter_id, reported_id, slot_id, reason, created_at) \
             VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(reporter.0)
        .bind(reported.0)
        .bind(slot.map(|slot| slot.0))
        .bind(reason)
        .bind(unix(at))
        .fetch_one(&self.pool)
        .await?;
        int(&row, "id")
    }

    /// When the member filed reports at or after `since`, oldest first (the report rate).
    pub async fn reports_filed_since(
        &self,
        reporter: MemberId,
        since: DateTime<Utc>,
    ) -> Result<Vec<DateTime<Utc>>> {
        let rows = sqlx::query(
            "SELECT created_at FROM member_reports WHERE reporter_id = $1 AND created_at >= $2 \
             ORDER BY created_at",
        )
        .bind(reporter.0)
        .bind(unix(since))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| time(int(row, "created_at")?))
            .collect()
    }

    /// `member` is not matched with `other` until `until` (a new snooze replaces the old).
    pub async fn set_snooze(
        &self,
        member: MemberId,
        other: MemberId,
        until: DateTime<Utc>,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO snoozes (member_id, other_id, snoozed_until) VALUES ($1, $2, $3) \
             ON CONFLICT (member_id, other_id) DO UPDATE SET snoozed_until = excluded.snoozed_until",
        )
        .bind(member.0)
        .bind(other.0)
        .bind(unix(until))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Ends a snooze early; `false` if there was none.
    pub async fn remove_snooze(&self, member: MemberId, other: MemberId) -> Result<bool> {
        let done = sqlx::query("DELETE FROM snoozes WHERE member_id = $1 AND other_id = $2")
            .bind(member.0)
            .bind(other.0)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    /// The member's own snoozes still running at `now`, soonest to end first.
    pub async fn snoozes_of(&self, member: MemberId, now: DateTime<Utc>) -> Result<Vec<Snooze>> {
        let rows = sqlx::query(
            "SELECT member_id, other_id, snoozed_until FROM snoozes \
             WHERE member_id = $1 AND snoozed_until > $2 ORDER BY snoozed_until, other_id",
        )
        .bind(member.0)
        .bind(unix(now))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(snooze_of_row).collect()
    }

    /// Snoozes running at `now` whose both ends are in `members` (what the matcher avoids).
    pub async fn snoozes_among(
        &self,
        members: &[MemberId],
        now: DateTime<Utc>,
    ) -> Result<Vec<Snooze>> {
        if members.is_empty() {
            return Ok(Vec::new());
        }
        let set = placeholders(2, members.len());
        let sql = format!(
            "SELECT member_id, other_id, snoozed_until FROM snoozes \
             WHERE snoozed_until > $1 AND member_id IN ({set}) AND other_id IN ({set}) \
             ORDER BY member_id, other_id"
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(unix(now));
        for member in members {
            query = query.bind(member.0);
        }
        let rows = query.fetch_all(&self.pool).await?;
        rows.iter().map(snooze_of_row).collect()
    }

    /// Whom the member blocked (their own one-way marks, for `blocked`), by member id.
    pub async fn blocked_by(&self, member: MemberId) -> Result<Vec<MemberId>> {
        let rows = sqlx::query(
            "SELECT other_id FROM relations WHERE member_id = $1 AND kind = 'block' \
             ORDER BY other_id",
        )
        .bind(member.0)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| Ok(MemberId(int(row, "other_id")?)))
            .collect()
    }

    /// The member's most recent booked sessions, newest first, at most `limit`: attended and
    /// no-show outcomes and late cancels. Excused sessions (the bot's downtime or lateness, a
    /// room it could not open, a session both partners say did not happen) are left out.
    pub async fn recent_booked_sessions(
        &self,
        member: MemberId,
        limit: usize,
    ) -> Result<Vec<BookedSession>> {
        let rows = sqlx::query(
            "SELECT s.starts_at AS starts_at, a.outcome AS outcome FROM attendance a \
             JOIN slots s ON s.id = a.slot_id \
             WHERE a.member_id = $1 AND a.outcome IN ('attended', 'no_show') \
             UNION ALL \
             SELECT s.starts_at AS starts_at, 'late_cancel' AS outcome FROM bookings b \
             JOIN slots s ON s.id = b.slot_id \
             WHERE b.member_id = $1 AND b.status = 'cancelled' AND b.cancelled_late = 1 \
             ORDER BY starts_at DESC LIMIT $2",
        )
        .bind(member.0)
        .bind(limit as i64)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| match text(row, "outcome")?.as_str() {
                "attended" => Ok(BookedSession::AttendedOnTime),
                "no_show" => Ok(BookedSession::NoShow),
                "late_cancel" => Ok(BookedSession::LateCancel),
                other => Err(super::corrupt(format!("booked session {other:?}"))),
            })
            .collect()
    }
}

fn snooze_of_row(row: &sqlx::any::AnyRow) -> Result<Snooze> {
    Ok(Snooze {
        member: MemberId(int(row, "member_id")?),
        other: MemberId(int(row, "other_id")?),
        until: time(int(row, "snoozed_until")?)?,
    })
}
