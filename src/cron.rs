//! The chores' clock: `tokio-cron-scheduler` ticks on `[chores]` cron expressions, and each
//! tick only enqueues durable jobs (`prune:community:3:2026-11-30`,
//! `digest:community:3:2026-W49`). The runners do the work, so a tick that several instances
//! share runs once, a tick missed by a restart runs at the next one, and a chore that fails is
//! retried like any job.

use chrono::{DateTime, Utc};
use tokio_cron_scheduler::{Job, JobScheduler};

use crate::core::chores::nightly_period;
use crate::core::digest::weekly_period;
use crate::core::model::{JobKind, Platform};
use crate::store::Store;

/// Enqueues the nightly pruning of every community of `platforms`, for the UTC day of `now`.
/// Returns how many jobs were new (0 when another instance, or an earlier tick, already did).
pub async fn enqueue_prune(
    store: &Store,
    now: DateTime<Utc>,
    platforms: &[Platform],
) -> anyhow::Result<u64> {
    Ok(store
        .schedule_community_chores(JobKind::Prune, &nightly_period(now), now, platforms)
        .await?)
}

/// Enqueues the weekly digest of every community of `platforms`, for the ISO week of `now`.
/// Returns how many jobs were new (0 when another instance already did this week).
pub async fn enqueue_digest(
    store: &Store,
    now: DateTime<Utc>,
    platforms: &[Platform],
) -> anyhow::Result<u64> {
    Ok(store
        .schedule_community_chores(JobKind::Digest, &weekly_period(now), now, platforms)
        .await?)
}

/// When each chore is enqueued: cron expressions with seconds, in UTC; `None` is off.
#[derive(Debug, Clone, Copy, Default)]
pub struct ChoreSchedules<'a> {
    pub prune: Option<&'a str>,
    pub digest: Option<&'a str>,
}

/// Starts ticking the `schedules` (UTC) for `platforms`; the returned scheduler must be kept
/// and shut down at the end.
pub async fn start_chores(
    store: Store,
    schedules: ChoreSchedules<'_>,
    platforms: Vec<Platform>,
) -> anyhow::Result<JobScheduler> {
    let scheduler = JobScheduler::new().await?;
    if let Some(cron) = schedules.prune {
        let (store, platforms) = (store.clone(), platforms.clone());
        let tick = Job::new_async(cron, move |_, _| {
            let (store, platforms) = (store.clone(), platforms.clone());
            Box::pin(async move {
                match enqueue_prune(&store, Utc::now(), &platforms).await {
                    Ok(enqueued) => tracing::info!(enqueued, "nightly pruning enqueued"),
                    Err(error) => {
                        tracing::warn!(%error, "cannot enqueue the nightly pruning; the next tick tries again")
                    }
                }
            })
        })?;
        scheduler.add(tick).await?;
    }
    if let Some(cron) = schedules.digest {
        let tick = Job::new_async(cron, move |_, _| {
            let (store, platforms) = (store.clone(), platforms.clone());
            Box::pin(async move {
                match enqueue_digest(&store, Utc::now(), &platforms).await {
                    Ok(enqueued) => tracing::info!(enqueued, "weekly digest enqueued"),
                    Err(error) => {
                        tracing::warn!(%error, "cannot enqueue the weekly digest; the next tick tries again")
                    }
                }
            })
        })?;
        scheduler.add(tick).await?;
    }
    scheduler.start().await?;
    Ok(scheduler)
}
