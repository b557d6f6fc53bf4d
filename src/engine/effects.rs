//! Every external effect (a DM, a room opened or closed) goes through [`Engine::effect_once`]:
//! look up the idempotency record, perform the effect with the same key (so the platform
//! deduplicates a retry), then record it. A crash between "performed" and "recorded" is the
//! case the platform's deduplication covers.

use std::future::Future;

use super::jobs::JobError;
use super::Engine;
use crate::engine::port::PlatformError;

/// Where a test may simulate the process dying.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FaultPoint<'a> {
    /// The platform performed the effect; the store has not recorded it yet.
    AfterEffectBeforeRecord { key: &'a str },
    /// The job did all its work; it is not marked finished yet.
    BeforeFinishingJob { job_key: &'a str },
}

/// Test seam for crash tests. Production uses [`NoFaults`].
pub trait FaultInjector: Send + Sync {
    /// Returning true makes the engine stop right there, as if the process died.
    fn should_crash(&self, point: &FaultPoint<'_>) -> bool;
}

pub struct NoFaults;

impl FaultInjector for NoFaults {
    fn should_crash(&self, _point: &FaultPoint<'_>) -> bool {
        false
    }
}

/// What became of an effect.
#[derive(Debug, Clone, PartialEq)]
pub enum EffectResult {
    /// Performed now or earlier; the platform's result (e.g. a room reference).
    Done(String),
    /// The recipient cannot be reached; recorded so nobody retries it.
    Unreachable,
}

pub const UNREACHABLE_RESULT: &str = "unreachable";

impl Engine {
    pub async fn effect_once<F, Fut>(&self, key: &str, perform: F) -> Result<EffectResult, JobError>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<String, PlatformError>>,
    {
        if let Some(record) = self.store.effect(key).await.map_err(JobError::unexpected)? {
            return Ok(if record.result == UNREACHABLE_RESULT {
                EffectResult::Unreachable
            } else {
                EffectResult::Done(record.result)
            });
        }
        let result = match perform().await {
            Ok(result) => EffectResult::Done(result),
            Err(PlatformError::Unreachable(why)) => {
                tracing::warn!(key, %why, "recipient unreachable; recording so it is not retried");
                EffectResult::Unreachable
            }
            Err(PlatformError::Temporary(why)) => {
                return Err(JobError::Retry(format!("{key}: {why}")))
            }
            Err(PlatformError::Permanent(why)) => {
                return Err(JobError::Retry(format!("{key}: {why}")))
            }
        };
        if self
            .faults
            .should_crash(&FaultPoint::AfterEffectBeforeRecord { key })
        {
            return Err(JobError::Crashed);
        }
        let recorded = match &result {
            EffectResult::Done(text) => text.as_str(),
            EffectResult::Unreachable => UNREACHABLE_RESULT,
        };
        self.store
            .record_effect(key, recorded, self.clock.now())
            .await
            .map_err(JobError::unexpected)?;
        Ok(result)
    }
}
