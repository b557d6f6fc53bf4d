//! Moving the pending jobs of slots already planned when a community changes a lead
//! (`setup reminder_lead 15m`): which slots have such a job, and the new due times the core
//! computed (`schedule::slot_jobs`) written in one transaction.

use chrono::{DateTime, Utc};

use super::bookings::slot_from_row;
use super::{unix, Result, Store};
use crate::core::model::{CommunityId, JobKind, Slot};

impl Store {
    /// The community's slots that still have a pending `kind` job.
    pub async fn slots_with_pending_job(
        &self,
        community: CommunityId,
        kind: JobKind,
    ) -> Result<Vec<Slot>> {
        let rows = sqlx::query(
            "SELECT s.id, s.community_id, s.starts_at, s.length_minutes \
             FROM slots s JOIN jobs j ON j.slot_id = s.id \
             WHERE s.community_id = $1 AND j.kind = $2 AND j.status = 'pending' \
             ORDER BY s.starts_at, s.id",
        )
        .bind(community.0)
        .bind(kind.as_str())
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(slot_from_row).collect()
    }

    /// Sets each job's due time, for jobs still pending and not held by a worker (a job that
    /// is running keeps its time: it is already doing what the lead was for). Returns how many
    /// moved.
    pub async fn reschedule_pending_jobs(&self, jobs: &[(String, DateTime<Utc>)]) -> Result<u64> {
        if jobs.is_empty() {
            return Ok(0);
        }
        let mut moved = 0;
        let mut tx = self.begin_write().await?;
        for (key, due_at) in jobs {
            let done = sqlx::query(
                "UPDATE jobs SET due_at = $2 \
                 WHERE key = $1 AND status = 'pending' AND lease_owner IS NULL AND due_at <> $2",
            )
            .bind(key.as_str())
            .bind(unix(*due_at))
            .execute(&mut *tx)
            .await?;
            moved += done.rows_affected();
        }
        tx.commit().await?;
        Ok(moved)
    }
}
