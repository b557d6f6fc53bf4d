//! The operator's commands: `focusfolk jobs [--failed|--pending|--slot N]`, `focusfolk jobs
//! retry ID`, `focusfolk stats`. Each returns its text, so `main` prints it and tests read it.

use chrono::{DateTime, Utc};

use crate::core::model::JobId;
use crate::store::{JobListFilter, JobRetry, Store};

/// How many jobs `focusfolk jobs` prints at most.
pub const JOB_LIST_LIMIT: i64 = 200;

/// The jobs matching `filter`, one line each, with a header; or a sentence saying there are
/// none.
pub async fn list_jobs(store: &Store, filter: JobListFilter) -> anyhow::Result<String> {
    let jobs = store.list_jobs(filter, JOB_LIST_LIMIT).await?;
    if jobs.is_empty() {
        return Ok(match filter {
            JobListFilter::Interesting => "no pending job and none gave up".to_string(),
            JobListFilter::Pending => "no pending job".to_string(),
            JobListFilter::Failed => "no job gave up".to_string(),
            JobListFilter::Slot(slot) => format!("slot {slot} has no job"),
        });
    }
    let mut out = format!(
        "{:>7}  {:<8}  {:<20}  {:<8}  {:>3}  {:<32}  detail\n",
        "id", "platform", "due (UTC)", "state", "try", "key"
    );
    for job in &jobs {
        let mut detail = job.detail.clone().unwrap_or_default();
        if let Some(owner) = &job.lease_owner {
            detail = format!("running on {owner}; {detail}");
        }
        out.push_str(&format!(
            "{:>7}  {:<8}  {:<20}  {:<8}  {:>3}  {:<32}  {}\n",
            job.id.0,
            job.platform
                .map(|platform| platform.as_str())
                .unwrap_or("-"),
            job.due_at.format("%Y-%m-%d %H:%M:%S"),
            job.state,
            job.attempts,
            job.key,
            detail.trim_end()
        ));
    }
    if jobs.len() as i64 == JOB_LIST_LIMIT {
        out.push_str(&format!("(the first {JOB_LIST_LIMIT} only)\n"));
    }
    Ok(out.trim_end().to_string())
}

/// Puts job `id` back to run now; the answer says what happened. A job that cannot be retried
/// is an error (non-zero exit), with the reason.
pub async fn retry_job(store: &Store, id: i64, now: DateTime<Utc>) -> anyhow::Result<String> {
    match store.retry_job_now(JobId(id), now).await? {
        JobRetry::Requeued => Ok(format!(
            "job {id} is pending again and due now; a running bot takes it at its next turn \
             (within [runner] max_idle_sleep)"
        )),
        JobRetry::NoSuchJob => anyhow::bail!("there is no job {id}; `focusfolk jobs` lists them"),
        JobRetry::AlreadyDone => anyhow::bail!(
            "job {id} finished normally (done or dropped); running it again could repeat its \
             decision, so it is left alone"
        ),
        JobRetry::Running => {
            anyhow::bail!("job {id} is running right now (a worker holds its lease); wait for it")
        }
    }
}

/// Every community's figures, one block each.
pub async fn stats(store: &Store, now: DateTime<Utc>) -> anyhow::Result<String> {
    let figures = store.community_figures(now).await?;
    if figures.is_empty() {
        return Ok("no community yet".to_string());
    }
    let mut out = String::new();
    for community in figures {
        out.push_str(&format!(
            "{} {}: {} members, {} upcoming bookings; last 7 days: {} sessions, {:.1} hours \
             attended; all time: {} attended, {} no-shows\n",
            community.platform,
            community.platform_community_id,
            community.members,
            community.upcoming_bookings,
            community.sessions_last_week,
            community.minutes_attended_last_week as f64 / 60.0,
            community.attended_total,
            community.no_shows_total
        ));
    }
    Ok(out.trim_end().to_string())
}
