//! The durable schedule: one `jobs` row per lifecycle step, claimed with a lease.
//!
//! A job is `pending` until a worker finishes it (`done`, with an outcome text). Claiming sets
//! `lease_owner`/`lease_until` in one statement, so two workers never hold the same job while
//! a lease is live; a worker that crashes simply lets its lease expire and the job is claimed
//! again (with `attempts` counting every claim). Finishing and retrying require that the worker
//! still owns the lease.

use chrono::{DateTime, Duration, Utc};
use sqlx::any::AnyRow;
use sqlx::Row;

use super::{corrupt, int, text, time, unix, Backend, Result, Store};
use crate::core::model::{BookingId, Job, JobId, JobKind, JobStatus, Platform, SlotId};
use crate::core::schedule::PlannedJob;

const COLUMNS: &str = "id, key, kind, slot_id, booking_id, due_at, attempts";

/// The jobs of one platform's communities: an instance that serves only Discord must never
/// take, wait for or spin on a Matrix community's jobs. The argument is the platform's
/// placeholder. The claim and [`Store::next_pending_due_at`] share it, so what a runner sleeps
/// towards is what it can claim.
macro_rules! of_platform {
    ($placeholder:literal) => {
        concat!(
            "(slot_id IN (SELECT s.id FROM slots s JOIN communities c ON c.id = s.community_id \
                         WHERE c.platform = ",
            $placeholder,
            ") OR community_id IN (SELECT c.id FROM communities c WHERE c.platform = ",
            $placeholder,
            "))"
        )
    };
}

/// `$1` worker, `$2` lease end, `$3` now, `$4` the platform whose jobs to take. The inner
/// SELECT picks the earliest claimable job; the outer WHERE re-checks it, so a row changed
/// concurrently is never claimed twice.
const CLAIM_SQLITE: &str = concat!("UPDATE jobs SET lease_owner = $1, lease_until = $2, attempts = attempts + 1 \
    WHERE id = (SELECT id FROM jobs \
                WHERE status = 'pending' AND due_at <= $3 AND (lease_until IS NULL OR lease_until <= $3) \
                  AND ", of_platform!("$4"), " \
                ORDER BY due_at, id LIMIT 1) \
      AND status = 'pending' AND due_at <= $3 AND (lease_until IS NULL OR lease_until <= $3) \
    RETURNING id, key, kind, slot_id, booking_id, due_at, attempts");

/// As [`CLAIM_SQLITE`], but rows another transaction is claiming right now are skipped rather
/// than waited for, so concurrent workers each get a different job.
const CLAIM_POSTGRES: &str = concat!("UPDATE jobs SET lease_owner = $1, lease_until = $2, attempts = attempts + 1 \
    WHERE id = (SELECT id FROM jobs \
                WHERE status = 'pending' AND due_at <= $3 AND (lease_until IS NULL OR lease_until <= $3) \
                  AND ", of_platform!("$4"), " \
                ORDER BY due_at, id LIMIT 1 FOR UPDATE SKIP LOCKED) \
      AND status = 'pending' AND due_at <= $3 AND (lease_until IS NULL OR lease_until <= $3) \
    RETURNING id, key, kind, slot_id, booking_id, due_at, attempts");

impl Store {
    /// Inserts the job unless one with the same key exists; `true` if inserted.
    pub async fn schedule_job(&self, job: &PlannedJob) -> Result<bool> {
        let done = sqlx::query(
            "INSERT INTO jobs (key, kind, slot_id, booking_id, due_at, status, attempts) \
             VALUES ($1, $2, $3, $4, $5, 'pending', 0) ON CONFLICT (key) DO NOTHING",
        )
        .bind(job.key.as_str())
        .bind(job.kind.as_str())
        .bind(job.slot_id.map(|id| id.0))
        .bind(job.booking_id.map(|id| id.0))
        .bind(unix(job.due_at))
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Claims the earliest-due pending job of `platform`'s communities with `due_at <= now`
    /// whose lease is free or expired: sets `lease_owner = worker`,
    /// `lease_until = now + lease`, `attempts + 1`, atomically.
    pub async fn claim_due_job(
        &self,
        worker: &str,
        now: DateTime<Utc>,
        lease: Duration,
        platform: Platform,
    ) -> Result<Option<Job>> {
        let sql = match self.backend {
            Backend::Sqlite => CLAIM_SQLITE,
            Backend::Postgres => CLAIM_POSTGRES,
        };
        let row = sqlx::query(sql)
            .bind(worker)
            .bind(unix(now + lease))
            .bind(unix(now))
            .bind(platform.as_str())
            .fetch_optional(&self.pool)
            .await?;
        row.map(|row| job_from_row(&row)).transpose()
    }

    /// Marks the job done with `outcome` (the runner's `JobOutcome` as text, e.g.
    /// `"dropped: session already started"`)
    /// if `worker` still holds its lease; `false` otherwise (someone else claimed it, or it is
    /// finished already).
    pub async fn finish_job(
        &self,
        id: JobId,
        worker: &str,
        outcome: &str,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE jobs SET status = 'done', outcome = $3, finished_at = $4 \
             WHERE id = $1 AND status = 'pending' AND lease_owner = $2",
        )
        .bind(id.0)
        .bind(worker)
        .bind(outcome)
        .bind(unix(now))
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Extends the lease `worker` holds on a pending job to `until` (a heartbeat while a long
    /// job runs); `false` if the job is finished or someone else holds it now.
    pub async fn renew_lease(&self, id: JobId, worker: &str, until: DateTime<Utc>) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE jobs SET lease_until = $3 \
             WHERE id = $1 AND status = 'pending' AND lease_owner = $2",
        )
        .bind(id.0)
        .bind(worker)
        .bind(unix(until))
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Voids every lease `worker` holds. Called at startup: an instance that restarts under the
    /// same `runner.worker_id` knows its old leases belong to a dead process, so its jobs are
    /// claimable at once instead of after the lease runs out. Returns how many were released.
    pub async fn release_leases_held_by(&self, worker: &str) -> Result<u64> {
        let done = sqlx::query(
            "UPDATE jobs SET lease_owner = NULL, lease_until = NULL \
             WHERE status = 'pending' AND lease_owner = $1",
        )
        .bind(worker)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected())
    }

    /// Releases the lease and makes the job due again at `retry_at`, keeping `error` as
    /// `last_error`. Does nothing if `worker` no longer holds the lease.
    pub async fn retry_job_at(
        &self,
        id: JobId,
        worker: &str,
        error: &str,
        retry_at: DateTime<Utc>,
    ) -> Result<()> {
        sqlx::query(
            "UPDATE jobs SET lease_owner = NULL, lease_until = NULL, due_at = $3, last_error = $4 \
             WHERE id = $1 AND status = 'pending' AND lease_owner = $2",
        )
        .bind(id.0)
        .bind(worker)
        .bind(unix(retry_at))
        .bind(error)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Moves a pending job's due time earlier (never later, never a job already done or
    /// leased); `true` if it moved.
    pub async fn move_job_earlier(&self, key: &str, due_at: DateTime<Utc>) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE jobs SET due_at = $2 \
             WHERE key = $1 AND status = 'pending' AND lease_owner IS NULL AND due_at > $2",
        )
        .bind(key)
        .bind(unix(due_at))
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// The earliest time a pending job of `platform`'s communities becomes claimable: its
    /// `due_at`, or for a job leased by someone, the later of `due_at` and the lease end. A
    /// runner sleeps until then; another platform's overdue job must not wake it.
    pub async fn next_pending_due_at(&self, platform: Platform) -> Result<Option<DateTime<Utc>>> {
        let row = sqlx::query(concat!(
            "SELECT MIN(CASE WHEN lease_until > due_at THEN lease_until ELSE due_at END) AS next_at \
             FROM jobs WHERE status = 'pending' AND ",
            of_platform!("$1")
        ))
        .bind(platform.as_str())
        .fetch_one(&self.pool)
        .await?;
        row.try_get::<Option<i64>, _>("next_at")?
            .map(time)
            .transpose()
    }

    /// The slot's jobs, including the per-booking jobs of its bookings, with their status, by
    /// due time.
    pub async fn jobs_for_slot(&self, slot_id: SlotId) -> Result<Vec<(Job, JobStatus)>> {
        let sql = format!(
            "SELECT {COLUMNS}, status FROM jobs \
             WHERE slot_id = $1 OR booking_id IN (SELECT id FROM bookings WHERE slot_id = $1) \
             ORDER BY due_at, id"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(slot_id.0)
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|row| {
                let status = text(row, "status")?;
                let status = JobStatus::parse(&status)
                    .ok_or_else(|| corrupt(format!("job status {status:?}")))?;
                Ok((job_from_row(row)?, status))
            })
            .collect()
    }
}

fn job_from_row(row: &AnyRow) -> Result<Job> {
    let kind = text(row, "kind")?;
    Ok(Job {
        id: JobId(int(row, "id")?),
        key: text(row, "key")?,
        kind: JobKind::parse(&kind).ok_or_else(|| corrupt(format!("job kind {kind:?}")))?,
        slot_id: row.try_get::<Option<i64>, _>("slot_id")?.map(SlotId),
        booking_id: row.try_get::<Option<i64>, _>("booking_id")?.map(BookingId),
        due_at: time(int(row, "due_at")?)?,
        attempts: int(row, "attempts")?,
    })
}
