//! Every external effect (a DM, a room opened or closed) goes through [`Engine::effect_once`]:
//! look up the idempotency record, perform the effect with the same key (so the platform
//! deduplicates a retry), then record it. A crash between "performed" and "recorded" is the
//! case the platform's deduplication covers.

use std::future::Future;

use super::effect_key::EffectKey;
use super::errors::JobError;
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
    /// The platform refused for good (`PlatformError::Permanent`: a 403/404 it will not take
    /// back, an oversize event); recorded with the reason so nobody retries it.
    Failed(String),
}

impl EffectResult {
    /// The stored result text that means [`EffectResult::Unreachable`]. A platform result is
    /// never this text: DMs record an empty result, rooms a room reference.
    pub const UNREACHABLE_RECORD: &'static str = "unreachable";

    /// How the stored result of a [`EffectResult::Failed`] effect starts; the reason follows.
    /// No platform result starts with it (DMs record an empty result, rooms a Discord channel
    /// id, a Matrix room id or a shell room name).
    pub const FAILED_RECORD_PREFIX: &'static str = "failed: ";

    /// The result as the effect record stores it.
    pub fn record_text(&self) -> String {
        match self {
            EffectResult::Done(text) => text.clone(),
            EffectResult::Unreachable => Self::UNREACHABLE_RECORD.to_string(),
            EffectResult::Failed(why) => format!("{}{why}", Self::FAILED_RECORD_PREFIX),
        }
    }

    /// The result an effect record holds (the inverse of [`EffectResult::record_text`]).
    pub fn from_record(text: String) -> Self {
        if text == Self::UNREACHABLE_RECORD {
            EffectResult::Unreachable
        } else if let Some(why) = text.strip_prefix(Self::FAILED_RECORD_PREFIX) {
            EffectResult::Failed(why.to_string())
        } else {
            EffectResult::Done(text)
        }
    }

    /// Whether the effect really happened (not unreachable, not refused).
    pub fn is_done(&self) -> bool {
        matches!(self, EffectResult::Done(_))
    }
}

impl Engine {
    /// Performs the effect named by `key` unless it is recorded already. `perform` gets the
    /// key's text, to hand to the platform (nonce, transaction id, room name).
    pub async fn effect_once<F, Fut>(
        &self,
        key: EffectKey,
        perform: F,
    ) -> Result<EffectResult, JobError>
    where
        F: FnOnce(String) -> Fut,
        Fut: Future<Output = Result<String, PlatformError>>,
    {
        let effect = key;
        let key = effect.to_string();
        let key = key.as_str();
        if let Some(record) = self.store.effect(key).await.map_err(JobError::unexpected)? {
            return Ok(EffectResult::from_record(record.result));
        }
        let result = match perform(key.to_string()).await {
            Ok(result) => EffectResult::Done(result),
            Err(PlatformError::Unreachable(why)) => {
                tracing::warn!(key, %why, "recipient unreachable; recording so it is not retried");
                EffectResult::Unreachable
            }
            // Retried (only this effect: the rest of the job carries on and is not redone).
            Err(PlatformError::Temporary(why)) => {
                super::metrics::effect_performed(self.runner.platform, &effect, Some("temporary"));
                return Err(JobError::effect(key, why));
            }
            // Retrying cannot help: record why, so the job carries on and never retries it.
            Err(PlatformError::Permanent(why)) => {
                tracing::warn!(key, %why, "platform refused for good; recording so it is not retried");
                EffectResult::Failed(why)
            }
        };
        if self
            .faults
            .should_crash(&FaultPoint::AfterEffectBeforeRecord { key })
        {
            return Err(JobError::Crashed);
        }
        let failure = match &result {
            EffectResult::Done(_) => None,
            EffectResult::Unreachable => Some("unreachable"),
            EffectResult::Failed(_) => Some("refused"),
        };
        super::metrics::effect_performed(self.runner.platform, &effect, failure);
        self.store
            .record_effect(key, &result.record_text(), self.clock.now())
            .await
            .map_err(JobError::unexpected)?;
        Ok(result)
    }
}

#[cfg(test)]
mod tests {
    use super::EffectResult;

    #[test]
    fn every_result_reads_back_from_its_record() {
        for result in [
            EffectResult::Done(String::new()),
            EffectResult::Done("room-g12".into()),
            EffectResult::Unreachable,
            EffectResult::Failed("403 Missing Access".into()),
        ] {
            assert_eq!(EffectResult::from_record(result.record_text()), result);
        }
    }
}
