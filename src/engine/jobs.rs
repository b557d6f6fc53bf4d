//! The job runner: claim a due job with a lease, decide whether it still matters, run it,
//! finish it. The shape is mini-redis' `purge_expired_tasks`: sleep until the next due job or a
//! wake-up. `run_due_jobs` is also the step function the shell, the demo and the tests drive.

use chrono::{DateTime, Utc};

use super::effects::FaultPoint;
use super::Engine;
use crate::core::message::OutgoingMessage;
use crate::core::model::{Job, JobKind, Slot};
use crate::core::schedule::{job_timing, retry_decision, retry_delay, JobTiming, RetryDecision};

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
    /// It failed and was given up (it no longer mattered, or an unexpected error repeated);
    /// the last error. Logged as an error and told to the community's moderators.
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
        self.health
            .runner_seen(self.runner.platform, self.runner_stale_after());
        super::metrics::job_started(self.runner.platform, job.kind, now - job.due_at);
        let outcome = match self.run_claimed_job(&job, now).await {
            Ok(outcome) => outcome,
            Err(JobError::Crashed) => return Err(JobError::Crashed),
            Err(error) => match self.after_failure(&job, &error).await? {
                Some(retry_at) => {
                    tracing::warn!(job = %job.key, attempts = job.attempts, %retry_at, effects = ?error.failed_effect_keys(), %error, "job failed; will retry");
                    self.store
                        .retry_job_at(job.id, &self.runner.worker_id, &error.to_string(), retry_at)
                        .await
                        .map_err(JobError::unexpected)?;
                    return Ok(Some(JobReport {
                        job,
                        outcome: JobOutcome::Retry(error.to_string()),
                    }));
                }
                None => JobOutcome::GaveUp(error.to_string()),
            },
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
        // One line per lifecycle step for the operator: "prepare:slot:7 done: 2 groups, …".
        tracing::info!(job = %job.key, lag_seconds = (now - job.due_at).num_seconds(), "{outcome}");
        Ok(Some(JobReport { job, outcome }))
    }

    /// Runs the claimed job's body, contained: a panic inside it becomes an error (logged, and
    /// retried or given up like any failure) instead of killing the runner, and while it runs a
    /// heartbeat keeps its lease alive, so a long job is not claimed a second time.
    async fn run_claimed_job(&self, job: &Job, now: DateTime<Utc>) -> Result<JobOutcome, JobError> {
        use futures_util::FutureExt;
        let body = std::panic::AssertUnwindSafe(self.run_job_body(job, now)).catch_unwind();
        tokio::pin!(body);
        let result = tokio::select! {
            result = &mut body => result,
            () = self.keep_lease_alive(job) => unreachable!("the heartbeat never ends"),
        };
        result.unwrap_or_else(|panic| {
            let what = panic_message(panic.as_ref());
            tracing::error!(job = %job.key, attempts = job.attempts, panic = %what, "job panicked");
            Err(JobError::unexpected(anyhow::anyhow!(
                "the job panicked: {what}"
            )))
        })
    }

    /// Every third of the lease, pushes `lease_until` a whole lease past now (K7). Never
    /// returns; dropped when the job ends.
    async fn keep_lease_alive(&self, job: &Job) {
        let lease = self.runner.job_lease;
        let every = (lease / 3)
            .to_std()
            .unwrap_or(std::time::Duration::from_secs(1))
            .max(std::time::Duration::from_millis(10));
        loop {
            tokio::time::sleep(every).await;
            self.health
                .runner_seen(self.runner.platform, self.runner_stale_after());
            let until = self.clock.now() + lease;
            match self
                .store
                .renew_lease(job.id, &self.runner.worker_id, until)
                .await
            {
                Ok(true) => {}
                Ok(false) => tracing::warn!(job = %job.key, "lease lost while running"),
                Err(error) => tracing::warn!(job = %job.key, %error, "lease not renewed"),
            }
        }
    }

    async fn run_job_body(&self, job: &Job, now: DateTime<Utc>) -> Result<JobOutcome, JobError> {
        // A community's chores have no slot; however late, they still matter.
        if job.kind == JobKind::Prune {
            return Ok(JobOutcome::Done(self.run_prune(job).await?));
        }
        let slot_id = job
            .slot_id
            .ok_or_else(|| JobError::unexpected(anyhow::anyhow!("job {} has no slot", job.key)))?;
        let slot = self
            .store
            .slot(slot_id)
            .await
            .map_err(JobError::unexpected)?;
        let lateness = match job_timing(job.kind, job.due_at, now, &slot) {
            // A job that had already failed and no longer matters (downtime between its
            // retries) ends as a visible give-up, not a quiet drop.
            JobTiming::Drop { reason } if job.attempts > 1 => {
                let error = format!("no longer matters after failed attempts: {reason}");
                self.give_up(job, Some(&slot), &error, reason, &[]).await;
                return Ok(JobOutcome::GaveUp(error));
            }
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
            JobKind::Prune => self.run_prune(job).await?,
            JobKind::PartnerCheck => self.run_partner_check(&slot).await?,
            JobKind::RematchNow => self.run_rematch_now(job, &slot).await?,
        };
        Ok(JobOutcome::Done(summary))
    }

    /// After a failed attempt: when to try again, or `None` once the job is given up (logged
    /// and told to the moderators). Temporary failures are retried with doubling delays for as
    /// long as the job still matters (the core decides: `core::schedule::retry_decision`); an
    /// unexpected error (a bug, the database) at most `max_attempts` times.
    async fn after_failure(
        &self,
        job: &Job,
        error: &JobError,
    ) -> Result<Option<DateTime<Utc>>, JobError> {
        let now = self.clock.now();
        let slot = match job.slot_id {
            Some(slot_id) => Some(
                self.store
                    .slot(slot_id)
                    .await
                    .map_err(JobError::unexpected)?,
            ),
            None => None,
        };
        let too_often =
            matches!(error, JobError::Unexpected(_)) && job.attempts >= self.runner.max_attempts;
        let decision = match &slot {
            _ if too_often => RetryDecision::GiveUp {
                reason: "failed too often",
            },
            Some(slot) => retry_decision(
                job.kind,
                job.due_at,
                now,
                slot,
                job.attempts,
                self.runner.retry_delay,
            ),
            None => {
                RetryDecision::RetryAt(now + retry_delay(self.runner.retry_delay, job.attempts))
            }
        };
        match decision {
            RetryDecision::RetryAt(at) => Ok(Some(at)),
            RetryDecision::GiveUp { reason } => {
                let keys = error.failed_effect_keys();
                self.give_up(job, slot.as_ref(), &error.to_string(), reason, &keys)
                    .await;
                Ok(None)
            }
        }
    }

    /// Makes a job given up visible: a structured error (slot, community, effect keys) and a
    /// note to the community's moderators where the platform has somewhere to post it.
    async fn give_up(
        &self,
        job: &Job,
        slot: Option<&Slot>,
        error: &str,
        reason: &str,
        effect_keys: &[String],
    ) {
        let community = match slot {
            Some(slot) => self.store.community(slot.community_id).await.ok(),
            None => None,
        };
        let community_id = community
            .as_ref()
            .map(|community| community.platform_community_id.clone())
            .unwrap_or_default();
        super::metrics::job_given_up(self.runner.platform, job.kind);
        tracing::error!(
            job = %job.key,
            slot = slot.map(|slot| slot.id.0),
            community = %community_id,
            effects = %effect_keys.join(","),
            attempts = job.attempts,
            reason,
            error,
            "job gave up"
        );
        let (Some(slot), Some(_)) = (slot, community) else {
            return;
        };
        let mut message = OutgoingMessage::new()
            .tone(crate::core::message::Tone::Problem)
            .text(format!(
                "⚠️ I gave up on the {} step of the session at ",
                job.kind.as_str()
            ))
            .time(slot.starts_at, chrono_tz::UTC)
            .text(format!(" after {} attempts ({reason}).", job.attempts));
        if !effect_keys.is_empty() {
            message = message.text(format!(" Not done: {}.", effect_keys.join(", ")));
        }
        message = message.text(format!(" Last error: {error}"));
        if let Err(note_error) = self
            .platform
            .notify_moderators(&community_id, &message, &format!("gave-up:{}", job.key))
            .await
        {
            tracing::warn!(job = %job.key, community = %community_id, %note_error, "cannot tell the moderators about a job given up");
        }
    }

    /// Runs every job that is due now; returns what ran. Retries scheduled for later stay.
    pub async fn run_due_jobs(&self) -> Result<Vec<JobReport>, JobError> {
        self.run_due_jobs_until(None).await
    }

    /// As [`Engine::run_due_jobs`], but claims no further job once `stop` is true: the job in
    /// hand finishes (its effects are not cut off), the rest stay pending for the next start.
    async fn run_due_jobs_until(
        &self,
        stop: Option<&tokio::sync::watch::Receiver<bool>>,
    ) -> Result<Vec<JobReport>, JobError> {
        let mut reports = Vec::new();
        // A retried job is due again only later, so this loop ends.
        while !stop.is_some_and(|stop| *stop.borrow()) {
            match self.run_one_due_job().await? {
                Some(report) => reports.push(report),
                None => break,
            }
        }
        Ok(reports)
    }

    /// The production loop: run what is due, then sleep until the next due job, a wake-up or
    /// `max_idle_sleep` (a cheap poll that also picks up jobs another instance scheduled).
    ///
    /// On shutdown it claims nothing more; the job in flight gets `shutdown_grace` to finish,
    /// then is abandoned (its lease runs out and its keyed effects make the retry safe), so the
    /// loop always returns within that bound.
    pub async fn run_forever(&self, mut shutdown: tokio::sync::watch::Receiver<bool>) {
        let stop = shutdown.clone();
        let turns = async {
            loop {
                if *shutdown.borrow() {
                    return;
                }
                self.runner_turns
                    .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                self.health
                    .runner_seen(self.runner.platform, self.runner_stale_after());
                if let Err(error) = self.run_due_jobs_until(Some(&stop)).await {
                    tracing::error!(%error, "job runner step failed");
                }
                if *shutdown.borrow() {
                    return;
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
        };
        let mut watching = stop.clone();
        let grace = self.runner.shutdown_grace;
        let out_of_grace = async move {
            // A closed channel means nobody can ask us to stop any more: wait for ever.
            if watching.wait_for(|stopping| *stopping).await.is_err() {
                std::future::pending::<()>().await;
            }
            tokio::time::sleep(grace).await;
        };
        tokio::select! {
            () = turns => {}
            () = out_of_grace => {
                tracing::warn!(grace = ?grace, "shutdown grace ran out; the job in flight is abandoned and will be retried");
            }
        }
        self.health.runner_stopped(self.runner.platform);
    }

    /// Runs [`Engine::run_forever`] in its own task and watches it: `Ok` once it stopped for
    /// `shutdown`, an error if it ended any other way (a panic, an unexpected return), so the
    /// platform's run function fails and the process exits instead of answering "Booked"
    /// while nothing runs the slot.
    pub async fn run_supervised(
        &self,
        mut shutdown: tokio::sync::watch::Receiver<bool>,
    ) -> anyhow::Result<()> {
        let engine = self.clone();
        let stop = shutdown.clone();
        let mut runner = tokio::spawn(async move { engine.run_forever(stop).await });
        let ended = tokio::select! {
            ended = &mut runner => ended,
            _ = async { shutdown.wait_for(|stopping| *stopping).await.map(|_| ()) } => {
                // run_forever bounds itself by the grace; the margin covers a stuck store.
                let bound = self.runner.shutdown_grace + std::time::Duration::from_secs(5);
                return match tokio::time::timeout(bound, &mut runner).await {
                    Ok(_) => Ok(()),
                    Err(_) => {
                        runner.abort();
                        tracing::error!("the job runner did not stop in time; aborted");
                        Ok(())
                    }
                };
            }
        };
        if *shutdown.borrow() {
            return Ok(());
        }
        let why = match ended {
            Ok(()) => "it returned".to_string(),
            Err(error) if error.is_panic() => {
                format!(
                    "it panicked: {}",
                    panic_message(error.into_panic().as_ref())
                )
            }
            Err(error) => format!("{error}"),
        };
        self.health.runner_stopped(self.runner.platform);
        tracing::error!(platform = %self.runner.platform, %why, "the job runner stopped unexpectedly");
        anyhow::bail!(
            "the {} job runner stopped unexpectedly: {why}",
            self.runner.platform
        )
    }
}

/// The text of a panic's payload (`panic!("…")` carries a `&str` or a `String`).
fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|text| text.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a non-text panic".to_string())
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
