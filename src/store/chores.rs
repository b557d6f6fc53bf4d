//! The chores' durable jobs and the retention pruning itself. A community chore job has a
//! `community_id` instead of a slot or booking (migration 0005); the runner's claim takes it
//! with its platform's other jobs (`jobs.rs`, `of_platform!`).

use chrono::{DateTime, Utc};

use super::{unix, Result, Store};
use crate::core::chores::PruneCutoffs;
use crate::core::model::{CommunityId, JobId, JobKind, Platform};

/// What one community's pruning deleted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PruneReport {
    pub finished_jobs: u64,
    pub effects: u64,
    pub attendance: u64,
}

impl Store {
    /// Enqueues `kind` for every community of `platforms` under `{kind}:community:{id}:{period}`,
    /// due at `due_at`, in one statement; a key that exists already (another instance ticked
    /// first, or this tick repeats) is left alone. Returns how many were new.
    pub async fn schedule_community_chores(
        &self,
        kind: JobKind,
        period: &str,
        due_at: DateTime<Utc>,
        platforms: &[Platform],
    ) -> Result<u64> {
        let mut enqueued = 0;
        for platform in platforms {
            let done = sqlx::query(
                "INSERT INTO jobs (key, kind, community_id, due_at, status, attempts) \
                 SELECT $1 || ':community:' || CAST(c.id AS TEXT) || ':' || $2, $1, c.id, $3, \
                        'pending', 0 \
                 FROM communities c WHERE c.platform = $4 \
                 ON CONFLICT (key) DO NOTHING",
            )
            .bind(kind.as_str())
            .bind(period)
            .bind(unix(due_at))
            .bind(platform.as_str())
            .execute(&self.pool)
            .await?;
            enqueued += done.rows_affected();
        }
        Ok(enqueued)
    }

    /// The community a community chore job belongs to.
    pub async fn community_of_job(&self, job: JobId) -> Result<Option<CommunityId>> {
        let row: Option<(Option<i64>,)> =
            sqlx::query_as("SELECT community_id FROM jobs WHERE id = $1")
                .bind(job.0)
                .fetch_optional(&self.pool)
                .await?;
        Ok(row.and_then(|(id,)| id).map(CommunityId))
    }

    /// Deletes the community's finished jobs, effect records and attendance rows older than
    /// the cutoffs. Effect keys carry no community, so effects are pruned by age alone (a job
    /// that could redo them finished long before). Members' counters are untouched.
    pub async fn prune_community(
        &self,
        community: CommunityId,
        cutoffs: &PruneCutoffs,
    ) -> Result<PruneReport> {
        let jobs = sqlx::query(
            "DELETE FROM jobs WHERE status = 'done' AND finished_at < $2 AND ( \
                 community_id = $1 \
                 OR slot_id IN (SELECT id FROM slots WHERE community_id = $1) \
                 OR booking_id IN (SELECT id FROM bookings WHERE community_id = $1))",
        )
        .bind(community.0)
        .bind(unix(cutoffs.finished_jobs_before))
        .execute(&self.pool)
        .await?;
        let effects = sqlx::query("DELETE FROM effects WHERE recorded_at < $1")
            .bind(unix(cutoffs.effects_before))
            .execute(&self.pool)
            .await?;
        let attendance = sqlx::query(
            "DELETE FROM attendance WHERE slot_id IN \
                 (SELECT id FROM slots WHERE community_id = $1 AND starts_at < $2)",
        )
        .bind(community.0)
        .bind(unix(cutoffs.attendance_of_slots_before))
        .execute(&self.pool)
        .await?;
        // Erased members' anonymous counts of those sessions go with the rows (`store::privacy`).
        let erased = sqlx::query(
            "DELETE FROM erased_attendance WHERE slot_id IN \
                 (SELECT id FROM slots WHERE community_id = $1 AND starts_at < $2)",
        )
        .bind(community.0)
        .bind(unix(cutoffs.attendance_of_slots_before))
        .execute(&self.pool)
        .await?;
        Ok(PruneReport {
            finished_jobs: jobs.rows_affected(),
            effects: effects.rows_affected(),
            attendance: attendance.rows_affected() + erased.rows_affected(),
        })
    }
}
