//! Runs a job's independent effects (one DM per member, one room per group) a few at a time.
//!
//! Why: a slot start sends hundreds of DMs and opens dozens of rooms. One at a time, the
//! fan-out lasts the sum of every round trip; the adapters pace themselves (Discord's buckets,
//! Matrix's 429 back-off) and are safe to call concurrently, so the engine only has to keep a
//! few requests in flight.
//!
//! Every effect runs to completion even when a sibling fails: abandoning a future that already
//! reached the platform would leave an effect performed but not recorded — harmless thanks to
//! idempotency keys, but a needless duplicate request on the next attempt.

use std::future::Future;

use futures_util::stream::{self, StreamExt};

use super::errors::JobError;

/// Effects in flight at once per job, by default (`[runner] effects_in_flight`). Enough to
/// hide round trips behind the platforms' own pacing; small enough that a burst of 429s stays
/// a small burst.
pub const DEFAULT_EFFECTS_IN_FLIGHT: usize = 16;

/// Performs `effect` for every item, at most `limit` at a time (at least one), and returns
/// every item's own result, in the items' order: one failure never hides another's success.
pub async fn run_each<T, O, F, Fut>(
    limit: usize,
    items: impl IntoIterator<Item = T>,
    effect: F,
) -> Vec<Result<O, JobError>>
where
    F: FnMut(T) -> Fut,
    Fut: Future<Output = Result<O, JobError>>,
{
    let mut effect = effect;
    let futures: Vec<_> = items
        .into_iter()
        .enumerate()
        .map(|(index, item)| {
            let future = effect(item);
            async move { (index, future.await) }
        })
        .collect();
    let mut finished: Vec<(usize, Result<O, JobError>)> = stream::iter(futures)
        .buffer_unordered(limit.max(1))
        .collect()
        .await;
    finished.sort_by_key(|(index, _)| *index);
    finished.into_iter().map(|(_, result)| result).collect()
}

/// Performs `effect` for every item, at most `limit` at a time (at least one), and returns the
/// outputs in the items' order — or, once all have finished, the most serious error (a crash
/// over an unexpected error over temporary failures, which add up: see [`JobError::merge`]).
pub async fn run_concurrently<T, O, F, Fut>(
    limit: usize,
    items: impl IntoIterator<Item = T>,
    effect: F,
) -> Result<Vec<O>, JobError>
where
    F: FnMut(T) -> Fut,
    Fut: Future<Output = Result<O, JobError>>,
{
    let mut outputs = Vec::new();
    let mut worst: Option<JobError> = None;
    for result in run_each(limit, items, effect).await {
        match result {
            Ok(output) => outputs.push(output),
            Err(error) => {
                worst = Some(match worst.take() {
                    Some(current) => current.merge(error),
                    None => error,
                })
            }
        }
    }
    match worst {
        Some(error) => Err(error),
        None => Ok(outputs),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    use std::time::Duration;

    #[tokio::test]
    async fn outputs_keep_the_items_order_and_concurrency_stays_bounded() {
        let in_flight = Arc::new(AtomicUsize::new(0));
        let peak = Arc::new(AtomicUsize::new(0));
        let outputs = run_concurrently(DEFAULT_EFFECTS_IN_FLIGHT, 0..100u64, |item| {
            let (in_flight, peak) = (in_flight.clone(), peak.clone());
            async move {
                let now = in_flight.fetch_add(1, Ordering::SeqCst) + 1;
                peak.fetch_max(now, Ordering::SeqCst);
                // Later items finish first, so order must be restored, not inherited.
                tokio::time::sleep(Duration::from_millis(100 - item)).await;
                in_flight.fetch_sub(1, Ordering::SeqCst);
                Ok(item * 2)
            }
        })
        .await
        .unwrap();
        assert_eq!(outputs, (0..100).map(|item| item * 2).collect::<Vec<_>>());
        assert_eq!(peak.load(Ordering::SeqCst), DEFAULT_EFFECTS_IN_FLIGHT);
    }

    #[tokio::test]
    async fn every_effect_finishes_and_the_most_serious_error_wins() {
        let finished = Arc::new(AtomicUsize::new(0));
        let result = run_concurrently(4, 0..40u64, |item| {
            let finished = finished.clone();
            async move {
                tokio::time::sleep(Duration::from_millis(item % 7)).await;
                finished.fetch_add(1, Ordering::SeqCst);
                match item {
                    3 => Err(JobError::Retry("busy".into())),
                    17 => Err(JobError::Crashed),
                    29 => Err(JobError::unexpected(anyhow::anyhow!("odd"))),
                    _ => Ok(()),
                }
            }
        })
        .await;
        assert!(matches!(result, Err(JobError::Crashed)), "{result:?}");
        assert_eq!(finished.load(Ordering::SeqCst), 40, "no effect abandoned");
    }
}
