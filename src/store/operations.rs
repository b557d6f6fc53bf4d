//! What an operator asks of the database: is it reachable, is any job waiting past its due
//! time, which jobs are scheduled or gave up (`focusfolk jobs`), put a job back (`focusfolk
//! jobs retry`), and the community figures (`focusfolk stats`). Read-mostly; nothing here is
//! on a member's path.

use chrono::{DateTime, Utc};
use sqlx::Row;

use super::{int, text, time, unix, Result, Store};
use crate::core::model::{JobId, Platform};

/// Which jobs `focusfolk jobs` lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobListFilter {
    /// Pending jobs and the jobs that gave up (what an operator looks at first).
    Interesting,
    /// Only pending jobs, earliest first.
    Pending,
    /// Only jobs that gave up, latest first.
    Failed,
    /// Every job of one slot, whatever its state.
    Slot(i64),
}

/// One job as `focusfolk jobs` shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobListing {
    pub id: JobId,
    pub key: String,
    pub kind: String,
    pub platform: Option<Platform>,
    pub due_at: DateTime<Utc>,
    /// `pending`, `done` (its outcome starts `done:` or `dropped:`), or `gave up`.
    pub state: String,
    pub attempts: i64,
    pub lease_owner: Option<String>,
    /// The outcome of a finished job, else the last error of a pending one.
    pub detail: Option<String>,
}

/// What retrying a job by id did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobRetry {
    /// It is pending again, due now, with its attempts reset.
    Requeued,
    /// No job has that id.
    NoSuchJob,
    /// It finished normally (done or dropped): running it again could repeat a decision.
    AlreadyDone,
    /// It is pending and someone holds its lease now: it is running.
    Running,
}

/// One community's figures for `focusfolk stats`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommunityFigures {
    pub platform: String,
    pub platform_community_id: String,
    pub members: i64,
    /// Active bookings of slots that have not started.
    pub upcoming_bookings: i64,
    /// Sessions (slots with at least one attendance record) in the last 7 days.
    pub sessions_last_week: i64,
    /// Minutes attended (members present × session length) in the last 7 days.
    pub minutes_attended_last_week: i64,
    pub attended_total: i64,
    pub no_shows_total: i64,
}

/// The outcome text of a job given up starts with this (see `engine::jobs::JobOutcome`).
const GAVE_UP_PREFIX: &str = "gave up:";

const LISTING_COLUMNS: &str = "j.id, j.key, j.kind, c.platform, j.due_at, j.status, j.attempts, \
     j.lease_owner, j.outcome, j.last_error";

/// Jobs joined to their community through their slot or their booking's slot.
const LISTING_FROM: &str = "FROM jobs j \
     LEFT JOIN bookings b ON b.id = j.booking_id \
     LEFT JOIN slots s ON s.id = COALESCE(j.slot_id, b.slot_id) \
     LEFT JOIN communities c ON c.id = COALESCE(s.community_id, j.community_id)";

impl Store {
    /// One round trip to the database: `Ok` if it answers.
    pub async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1").fetch_one(&self.pool).await?;
        Ok(())
    }

    /// The due time of the earliest pending job of `platform` that a runner could claim at
    /// `now` and has not: `None` when nothing is waiting. A runner that keeps up claims a due
    /// job within moments, so an old one means it is behind (or dead).
    pub async fn oldest_waiting_job_due_at(
        &self,
        platform: Platform,
        now: DateTime<Utc>,
    ) -> Result<Option<DateTime<Utc>>> {
        let row = sqlx::query(
            "SELECT MIN(j.due_at) AS due_at FROM jobs j \
             WHERE j.status = 'pending' AND j.due_at <= $2 \
               AND (j.lease_until IS NULL OR j.lease_until <= $2) \
               AND (j.slot_id IN (SELECT s.id FROM slots s JOIN communities c \
                                  ON c.id = s.community_id WHERE c.platform = $1) \
                    OR j.community_id IN (SELECT c.id FROM communities c WHERE c.platform = $1))",
        )
        .bind(platform.as_str())
        .bind(unix(now))
        .fetch_one(&self.pool)
        .await?;
        row.try_get::<Option<i64>, _>("due_at")?
            .map(time)
            .transpose()
    }

    /// At most `limit` jobs matching `filter`.
    pub async fn list_jobs(&self, filter: JobListFilter, limit: i64) -> Result<Vec<JobListing>> {
        let (condition, order) = match filter {
            JobListFilter::Interesting => (
                "j.status = 'pending' OR j.outcome LIKE 'gave up:%'",
                "j.status DESC, j.due_at, j.id",
            ),
            JobListFilter::Pending => ("j.status = 'pending'", "j.due_at, j.id"),
            JobListFilter::Failed => ("j.outcome LIKE 'gave up:%'", "j.finished_at DESC, j.id"),
            JobListFilter::Slot(_) => ("COALESCE(j.slot_id, b.slot_id) = $2", "j.due_at, j.id"),
        };
        let sql = format!(
            "SELECT {LISTING_COLUMNS} {LISTING_FROM} WHERE {condition} ORDER BY {order} LIMIT $1"
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(limit);
        if let JobListFilter::Slot(slot) = filter {
            query = query.bind(slot);
        }
        let rows = query.fetch_all(&self.pool).await?;
        rows.iter()
            .map(|row| {
                let status = text(row, "status")?;
                let outcome: Option<String> = row.try_get("outcome")?;
                let gave_up = outcome
                    .as_deref()
                    .is_some_and(|outcome| outcome.starts_with(GAVE_UP_PREFIX));
                let state = match (status.as_str(), gave_up) {
                    (_, true) => "gave up".to_string(),
                    (other, false) => other.to_string(),
                };
                let detail = outcome.or(row.try_get("last_error")?);
                let platform: Option<String> = row.try_get("platform")?;
                Ok(JobListing {
                    id: JobId(int(row, "id")?),
                    key: text(row, "key")?,
                    kind: text(row, "kind")?,
                    platform: platform.as_deref().and_then(Platform::parse),
                    due_at: time(int(row, "due_at")?)?,
                    state,
                    attempts: int(row, "attempts")?,
                    lease_owner: row.try_get("lease_owner")?,
                    detail,
                })
            })
            .collect()
    }

    /// Puts a job that gave up (or a pending one waiting for its next retry) back: pending,
    /// due at `now`, attempts from zero, so the runner takes it at its next turn. A job that
    /// finished normally is left alone: its decision stands.
    pub async fn retry_job_now(&self, id: JobId, now: DateTime<Utc>) -> Result<JobRetry> {
        let done = sqlx::query(
            "UPDATE jobs SET status = 'pending', due_at = $2, attempts = 0, outcome = NULL, \
                 finished_at = NULL, lease_owner = NULL, lease_until = NULL \
             WHERE id = $1 AND ((status = 'done' AND outcome LIKE 'gave up:%') \
                 OR (status = 'pending' AND (lease_until IS NULL OR lease_until <= $2)))",
        )
        .bind(id.0)
        .bind(unix(now))
        .execute(&self.pool)
        .await?;
        if done.rows_affected() == 1 {
            return Ok(JobRetry::Requeued);
        }
        let row = sqlx::query("SELECT status FROM jobs WHERE id = $1")
            .bind(id.0)
            .fetch_optional(&self.pool)
            .await?;
        Ok(match row {
            None => JobRetry::NoSuchJob,
            Some(row) if text(&row, "status")? == "pending" => JobRetry::Running,
            Some(_) => JobRetry::AlreadyDone,
        })
    }

    /// Every community's figures as of `now`, by platform and id.
    pub async fn community_figures(&self, now: DateTime<Utc>) -> Result<Vec<CommunityFigures>> {
        let week_ago = unix(now - chrono::Duration::days(7));
        // Attendance with the erased members' anonymous counts (`store::privacy`), so a
        // `privacy delete` changes none of these figures.
        let attendance = super::privacy::ATTENDANCE_WITH_ERASED;
        let sql = format!(
            "SELECT c.platform, c.platform_community_id, \
               (SELECT COUNT(*) FROM members m WHERE m.community_id = c.id) AS members, \
               (SELECT COUNT(*) FROM bookings b JOIN slots s ON s.id = b.slot_id \
                 WHERE b.community_id = c.id AND b.status = 'active' AND s.starts_at > $1) \
                 AS upcoming, \
               (SELECT COUNT(DISTINCT s.id) FROM slots s JOIN {attendance} a ON a.slot_id = s.id \
                 WHERE s.community_id = c.id AND s.starts_at > $2 AND s.starts_at <= $1) \
                 AS sessions_last_week, \
               (SELECT CAST(COALESCE(SUM(s.length_minutes * a.members), 0) AS BIGINT) FROM slots s \
                 JOIN {attendance} a ON a.slot_id = s.id \
                 WHERE s.community_id = c.id AND a.outcome = 'attended' \
                   AND s.starts_at > $2 AND s.starts_at <= $1) AS minutes_last_week, \
               (SELECT CAST(COALESCE(SUM(a.members), 0) AS BIGINT) FROM {attendance} a \
                 JOIN slots s ON s.id = a.slot_id \
                 WHERE s.community_id = c.id AND a.outcome = 'attended') AS attended, \
               (SELECT CAST(COALESCE(SUM(a.members), 0) AS BIGINT) FROM {attendance} a \
                 JOIN slots s ON s.id = a.slot_id \
                 WHERE s.community_id = c.id AND a.outcome = 'no_show') AS no_shows \
             FROM communities c ORDER BY c.platform, c.platform_community_id"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(unix(now))
            .bind(week_ago)
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|row| {
                Ok(CommunityFigures {
                    platform: text(row, "platform")?,
                    platform_community_id: text(row, "platform_community_id")?,
                    members: int(row, "members")?,
                    upcoming_bookings: int(row, "upcoming")?,
                    sessions_last_week: int(row, "sessions_last_week")?,
                    minutes_attended_last_week: int(row, "minutes_last_week")?,
                    attended_total: int(row, "attended")?,
                    no_shows_total: int(row, "no_shows")?,
                })
            })
            .collect()
    }
}
