//! The engine: the one place where commands are handled and lifecycle jobs are run. It joins
//! the pure core, the store and a chat platform; it owns no state besides handles.

pub mod actor;
pub mod commands;
pub mod effects;
pub mod errors;
pub mod jobs;
pub mod lifecycle;
mod setup;

use std::sync::Arc;

use chrono::Duration;

use crate::clock::Clock;
use crate::core::matching::MatchingWeights;
use crate::core::model::{Community, CommunitySettings};
use crate::platform::ChatPlatform;
use crate::store::Store;

pub use actor::Actor;
pub use effects::{FaultInjector, FaultPoint, NoFaults};

/// How the job runner behaves; from `[runner]` in the config.
#[derive(Debug, Clone)]
pub struct RunnerSettings {
    pub worker_id: String,
    /// A claimed job is someone else's until this runs out; a crashed worker's jobs come back.
    pub job_lease: Duration,
    pub retry_delay: Duration,
    pub max_idle_sleep: Duration,
    /// After this many attempts a failing job is given up (and logged) instead of retried.
    pub max_attempts: i64,
}

impl Default for RunnerSettings {
    fn default() -> Self {
        RunnerSettings {
            worker_id: format!("worker-{}", std::process::id()),
            job_lease: Duration::minutes(2),
            retry_delay: Duration::seconds(20),
            max_idle_sleep: Duration::seconds(30),
            max_attempts: 10,
        }
    }
}

#[derive(Clone)]
pub struct Engine {
    pub store: Store,
    pub platform: Arc<dyn ChatPlatform>,
    pub clock: Arc<dyn Clock>,
    /// Settings a new community starts with.
    pub community_defaults: CommunitySettings,
    pub weights: MatchingWeights,
    pub runner: RunnerSettings,
    /// Poked when a booking adds an earlier job than the runner is sleeping towards.
    pub wake_runner: Arc<tokio::sync::Notify>,
    pub faults: Arc<dyn FaultInjector>,
}

impl Engine {
    pub fn new(
        store: Store,
        platform: Arc<dyn ChatPlatform>,
        clock: Arc<dyn Clock>,
        community_defaults: CommunitySettings,
        runner: RunnerSettings,
    ) -> Self {
        Engine {
            store,
            platform,
            clock,
            community_defaults,
            weights: MatchingWeights::default(),
            runner,
            wake_runner: Arc::new(tokio::sync::Notify::new()),
            faults: Arc::new(NoFaults),
        }
    }

    pub fn with_faults(mut self, faults: Arc<dyn FaultInjector>) -> Self {
        self.faults = faults;
        self
    }

    pub async fn community_for(&self, actor: &Actor) -> anyhow::Result<Community> {
        Ok(self
            .store
            .ensure_community(&actor.platform, &actor.platform_community_id, &self.community_defaults)
            .await?)
    }
}

/// The cutoff actually enforced: a booking made after the prepare job ran would miss matching,
/// so the cutoff is never shorter than the prepare lead.
pub fn effective_settings(settings: &CommunitySettings) -> CommunitySettings {
    let mut effective = settings.clone();
    effective.booking_cutoff = effective.booking_cutoff.max(settings.prepare_lead);
    effective
}
