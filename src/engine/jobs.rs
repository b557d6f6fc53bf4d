//! The job runner: claim a due job with a lease, decide whether it still matters, run it,
//! finish it. The shape is mini-redis' `purge_expired_tasks`: sleep until the next due job or a
//! wake-up. `run_due_jobs` is also the step function the shell, the demo and the tests drive.

use chrono::{DateTime, Utc};

use super::effects::FaultPoint;
use super::Engine;
use crate::core::model::{Job, JobKind};
use crate::core::schedule::{job_timing, JobTiming};

pub use super::errors::JobError;

/// What one step of the runner did.
#[derive(Debug, Clone, PartialEq)]
pub struct JobReport {
    pub job: Job,
    pub outcome: JobOutcome,
}

/// How a claimed job ended. Its text ("done: …", "dropped: …", "retry: …", "gave up: …") is
/// what a finished job's row keeps as its outcome, and what the shell shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JobOutcome {
    /// It ran; what it did.
    Done(String),
    /// It no longer mattered (see `core::schedule::job_timing`); why.
    Dropped(&'static str),
    /// It failed and is due again later; the error.
    Retry(String),
    /// It failed too often and is finished without having run; the last error.
    GaveUp(String),
}

impl std::fmt::Display for JobOutcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            JobOutcome::Done(summary) => write!(f, "done: {summary}"),
            JobOutcome::Dropped(reason) => write!(f, "dropped: {reason}"),
            JobOutcome::Retry(error) => write!(f, "retry: {error}"),
            JobOutcome::GaveUp(error) => write!(f, "gave up: {error}"),
        }
    }
}

impl Engine {
    /// Claims and runs at most one due job.
    pub async fn run_one_due_job(&self) -> Result<Option<JobReport>, JobError> {
        let now = self.clock.now();
        let Some(job) = self
            .store
            .claim_due_job(
                &self.runner.worker_id,
                now,
                self.runner.job_lease,
                self.runner.platform,
            )
            .await
            .map_err(JobError::unexpected)?
        else {
            return Ok(None);
        };
        let outcome = match self.run_claimed_job(&job, now).await {
            Ok(outcome) => outcome,
            Err(JobError::Crashed) => return Err(JobError::Crashed),
            Err(error) if job.attempts >= self.runner.max_attempts => {
                tracing::error!(job = %job.key, attempts = job.attempts, %error, "job failed too often; giving up");
                JobOutcome::GaveUp(error.to_string())
            }
            Err(error) => {
                tracing::warn!(job = %job.key, attempts = job.attempts, %error, "job failed; will retry");
                let retry_at = self.clock.now() + self.runner.retry_delay;
                self.store
                    .retry_job_at(job.id, &self.runner.worker_id, &error.to_string(), retry_at)
                    .await
                    .map_err(JobError::unexpected)?;
                return Ok(Some(JobReport {
                    job,
                    outcome: JobOutcome::Retry(error.to_string()),
                }));
            }
        };
        if self
            .faults
            .should_crash(&FaultPoint::BeforeFinishingJob { job_key: &job.key })
        {
            return Err(JobError::Crashed);
        }
        let finished = self
            .store
            .finish_job(
                job.id,
                &self.runner.worker_id,
                &outcome.to_string(),
                self.clock.now(),
            )
            .await
            .map_err(JobError::unexpected)?;
        if !finished {
            // Our lease ran out and another worker took the job; its effects are keyed, so the
            // work we did is not doubled. Nothing to undo.
            tracing::warn!(job = %job.key, "lease lost before finishing");
        }
        Ok(Some(JobReport { job, outcome }))
    }

    async fn run_claimed_job(&self, job: &Job, now: DateTime<Utc>) -> Result<JobOutcome, JobError> {
        let slot_id = job
            .slot_id
            .ok_or_else(|| JobError::unexpected(anyhow::anyhow!("job {} has no slot", job.key)))?;
        let slot = self
            .store
            .slot(slot_id)
            .await
            .map_err(JobError::unexpected)?;
        let lateness = match job_timing(job.kind, job.due_at, now, &slot) {
            JobTiming::Drop { reason } => return Ok(JobOutcome::Dropped(reason)),
            JobTiming::Run { lateness } => lateness,
        };
        let summary = match job.kind {
            JobKind::Remind => self.run_reminder(job, &slot).await?,
            JobKind::Prepare => self.run_prepare(&slot).await?,
            JobKind::Announce => self.run_announce(&slot).await?,
            JobKind::AttendanceCheck => self.run_attendance_check(&slot, lateness).await?,
            JobKind::CheckIn => self.run_check_in(&slot).await?,
            JobKind::CloseRooms => self.run_close_rooms(&slot).await?,
            JobKind::RollForward => self.run_roll_forward(job).await?,
        };
        Ok(JobOutcome::Done(summary))
    }

    /// Runs every job that is due now; returns what ran. Retries scheduled for later stay.
    pub async fn run_due_jobs(&self) -> Result<Vec<JobReport>, JobError> {
        let mut reports = Vec::new();
        // A retried job is due again only later, so this loop ends.
        while let Some(report) = self.run_one_due_job().await? {
            reports.push(report);
        }
        Ok(reports)
    }

    /// The production loop: run what is due, then sleep until the next due job, a wake-up or
    /// `max_idle_sleep` (a cheap poll that also picks up jobs another instance scheduled).
    pub async fn run_forever(&self, mut shutdown: tokio::sync::watch::Receiver<bool>) {
        loop {
            if *shutdown.borrow() {
                return;
            }
            self.runner_turns
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            if let Err(error) = self.run_due_jobs().await {
                tracing::error!(%error, "job runner step failed");
            }
            let now = self.clock.now();
            let next_due = match self.store.next_pending_due_at(self.runner.platform).await {
                Ok(next) => next,
                Err(error) => {
                    tracing::error!(%error, "cannot read the next due job");
                    None
                }
            };
            let max_sleep = self.runner.max_idle_sleep;
            let sleep_for = next_due
                .map(|due| (due - now).clamp(chrono::Duration::zero(), max_sleep))
                .unwrap_or(max_sleep);
            let sleep_for = sleep_for
                .to_std()
                .unwrap_or(std::time::Duration::from_secs(1));
            tokio::select! {
                _ = tokio::time::sleep(sleep_for) => {}
                _ = self.wake_runner.notified() => {}
                _ = shutdown.changed() => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::JobOutcome;

    /// The text is stored as a finished job's outcome and shown by the shell.
    #[test]
    fn outcomes_display_as_stored() {
        let table = [
            (
                JobOutcome::Done("closed 2 rooms".into()),
                "done: closed 2 rooms",
            ),
            (
                JobOutcome::Dropped("session already started"),
                "dropped: session already started",
            ),
            (
                JobOutcome::Retry("will retry: busy".into()),
                "retry: will retry: busy",
            ),
            (
                JobOutcome::GaveUp("unexpected: odd".into()),
                "gave up: unexpected: odd",
            ),
        ];
        for (outcome, text) in table {
            assert_eq!(outcome.to_string(), text);
        }
    }
}
