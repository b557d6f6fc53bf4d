//! The engine: the one place where commands are handled and lifecycle jobs are run. It joins
//! the pure core, the store and a chat platform; it owns no state besides handles and a
//! short-lived cache of community settings (see [`Engine::community_for`]).

pub mod actor;
pub mod calendar_ics;
mod chores;
mod command_limit;
mod digest;
pub use command_limit::CommandLimits;
pub mod commands;
pub mod effect_key;
pub mod effects;
pub mod errors;
pub mod fan_out;
pub mod health;
mod member_cache;
mod member_stats;
pub use member_stats::{NamedMemberStats, FORMER_MEMBER};
pub mod metrics;
pub use member_cache::MEMBER_CACHE_TTL;
mod booking_tier;
pub mod jobs;
pub mod lifecycle;
mod platform_state;
pub mod port;
pub mod privacy;
mod queries;
mod rematch_choice;
pub mod reply;
mod session_choices;
mod setup;
pub mod social;
pub mod stats_image;
mod web_links;
pub use web_links::{CommunityPageView, MemberView};

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Duration, Utc};

use crate::clock::Clock;
use crate::core::matching::MatchingWeights;
use crate::core::model::{Community, CommunityId, CommunitySettings, Member, Platform, Slot};
use crate::core::schedule::{slot_jobs, PlannedJob};
use crate::engine::port::ChatPlatform;
use crate::store::Store;

pub use actor::Actor;
pub use effects::{FaultInjector, FaultPoint, NoFaults};
pub use platform_state::PlatformState;
pub use reply::{Attachment, CommandOutcome, Reply};

/// How the job runner behaves; from `[runner]` in the config.
#[derive(Debug, Clone)]
pub struct RunnerSettings {
    pub worker_id: String,
    /// A claimed job is someone else's until this runs out; a crashed worker's jobs come back.
    pub job_lease: Duration,
    /// The first wait after a failed attempt; it doubles per attempt up to a few minutes
    /// (`core::schedule::retry_delay`).
    pub retry_delay: Duration,
    pub max_idle_sleep: Duration,
    /// After this many attempts a job failing with an *unexpected* error is given up (and
    /// logged). Temporary platform failures are retried for as long as the job still matters.
    pub max_attempts: i64,
    /// The one platform whose communities' jobs this runner takes, sleeps towards and sweeps.
    /// One process runs one engine per platform, each with its own adapter.
    pub platform: Platform,
    /// How many of one job's effects (DMs, rooms) are in flight at once (see `fan_out`).
    pub effects_in_flight: usize,
    /// Abuse limits on members' commands and bookings, from `[limits]` in the config.
    pub limits: CommandLimits,
    /// On shutdown, how long the job in flight may take to finish before it is abandoned.
    pub shutdown_grace: std::time::Duration,
    /// What the nightly pruning keeps (`[chores]` in the config).
    pub retention: crate::core::chores::RetentionPolicy,
    /// Where the web pages and calendar feeds are served (`[web] public_url`), for the links
    /// in replies; `None` when no address is configured (replies give the paths).
    pub web_public_url: Option<String>,
}

impl RunnerSettings {
    /// The defaults for a runner of `platform`'s jobs.
    pub fn for_platform(platform: Platform) -> Self {
        RunnerSettings {
            worker_id: format!("worker-{}-{platform}", std::process::id()),
            job_lease: Duration::minutes(2),
            retry_delay: Duration::seconds(20),
            max_idle_sleep: Duration::seconds(30),
            max_attempts: 10,
            platform,
            effects_in_flight: fan_out::DEFAULT_EFFECTS_IN_FLIGHT,
            limits: CommandLimits::default(),
            shutdown_grace: std::time::Duration::from_secs(10),
            retention: Default::default(),
            web_public_url: None,
        }
    }
}

/// Everything an engine needs but its adapter: what the composition root (`main`, a test
/// harness) hands to an adapter's start-up function. The adapter takes its own
/// [`PlatformState`] from it, builds itself, then builds the engine around itself; it never
/// holds the store.
pub struct EngineSetup {
    store: Store,
    clock: Arc<dyn Clock>,
    community_defaults: CommunitySettings,
    runner: RunnerSettings,
    health: Arc<health::HealthBoard>,
}

impl EngineSetup {
    pub fn new(
        store: Store,
        clock: Arc<dyn Clock>,
        community_defaults: CommunitySettings,
        runner: RunnerSettings,
    ) -> Self {
        EngineSetup {
            store,
            clock,
            community_defaults,
            runner,
            health: Arc::default(),
        }
    }

    /// Reports this engine's runner and its adapter's connection to `board` (the one
    /// `/readyz` reads) instead of a board of its own.
    pub fn with_health(mut self, board: Arc<health::HealthBoard>) -> Self {
        self.health = board;
        self
    }

    /// The adapter's corner of the database, scoped to the runner's platform.
    pub fn platform_state(&self) -> PlatformState {
        PlatformState::new(self.store.clone(), self.runner.platform)
    }

    pub fn clock(&self) -> Arc<dyn Clock> {
        self.clock.clone()
    }

    pub fn build(self, platform: Arc<dyn ChatPlatform>) -> Engine {
        Engine::new(
            self.store,
            platform,
            self.clock,
            self.community_defaults,
            self.runner,
        )
        .with_health(self.health)
    }
}

/// The engine's fields are its own: adapters talk to it through commands
/// ([`Engine::handle_command`]), queries (`queries.rs`) and the port it calls them through.
#[derive(Clone)]
pub struct Engine {
    store: Store,
    platform: Arc<dyn ChatPlatform>,
    clock: Arc<dyn Clock>,
    /// Settings a new community starts with.
    community_defaults: CommunitySettings,
    weights: MatchingWeights,
    runner: RunnerSettings,
    /// Poked when a booking adds an earlier job than the runner is sleeping towards.
    wake_runner: Arc<tokio::sync::Notify>,
    faults: Arc<dyn FaultInjector>,
    /// Communities by (platform, platform community id), shared by clones of this engine.
    communities: Arc<Mutex<HashMap<(Platform, String), CachedCommunity>>>,
    /// Members for the `book` command, shared by clones of this engine.
    members: member_cache::MemberCache,
    /// Community id → platform community id. Never stale: a community's platform id is fixed.
    platform_community_ids: Arc<Mutex<HashMap<CommunityId, String>>>,
    /// Each member's command allowance (platform, community, user), on the engine's clock.
    command_limiter: Arc<command_limit::CommandLimiter>,
    /// How many times `run_forever` went round its loop: an idle runner goes round about once
    /// per `max_idle_sleep`, a spinning one thousands of times (what the tests watch).
    runner_turns: Arc<std::sync::atomic::AtomicU64>,
    /// Where the runner proves it is alive and the adapter says it is connected (`/readyz`).
    health: Arc<health::HealthBoard>,
}

/// How long a cached community is trusted, by the engine's clock. Another instance sharing the
/// database may change settings; its change shows here within this long. Local changes show at
/// once (the store's community generation moves).
pub const COMMUNITY_CACHE_TTL: Duration = Duration::seconds(30);

#[derive(Clone)]
struct CachedCommunity {
    community: Community,
    fetched_at: DateTime<Utc>,
    generation: u64,
}

impl Engine {
    pub fn new(
        store: Store,
        platform: Arc<dyn ChatPlatform>,
        clock: Arc<dyn Clock>,
        community_defaults: CommunitySettings,
        runner: RunnerSettings,
    ) -> Self {
        // The store resolves every community's settings against these (see `communities.rs`).
        store.use_community_defaults(&community_defaults);
        Engine {
            command_limiter: Arc::new(command_limit::CommandLimiter::new(
                &runner.limits,
                clock.clone(),
            )),
            store,
            platform,
            clock,
            community_defaults,
            weights: MatchingWeights::default(),
            runner,
            wake_runner: Arc::new(tokio::sync::Notify::new()),
            faults: Arc::new(NoFaults),
            communities: Arc::default(),
            members: Default::default(),
            platform_community_ids: Arc::default(),
            runner_turns: Arc::default(),
            health: Arc::default(),
        }
    }

    /// Shares `board` with the process (see [`EngineSetup::with_health`]).
    pub fn with_health(mut self, board: Arc<health::HealthBoard>) -> Self {
        board.expect_platform(self.runner.platform);
        self.health = board;
        self
    }

    /// The adapter reports its connection here: `true` once connected (again), `false` when
    /// it lost the connection.
    pub fn report_connected(&self, connected: bool) {
        self.health.set_connected(self.runner.platform, connected);
    }

    /// How long the runner may be silent before `/readyz` calls it dead: it proves alive at
    /// each turn (at least every `max_idle_sleep`) and each lease renewal (every third of a
    /// lease while a job runs), plus a margin for a slow database.
    fn runner_stale_after(&self) -> std::time::Duration {
        let between_proofs = self.runner.max_idle_sleep.max(self.runner.job_lease / 3);
        between_proofs.to_std().unwrap_or_default() * 2 + std::time::Duration::from_secs(30)
    }

    /// The store, for tests that seed or inspect the database behind an engine. Adapters get
    /// engine queries and their own platform-state corner instead.
    #[doc(hidden)]
    pub fn store_for_tests(&self) -> &Store {
        &self.store
    }

    /// How long, on shutdown, work in flight may take to finish (`[runner] shutdown_grace`).
    pub fn shutdown_grace(&self) -> std::time::Duration {
        self.runner.shutdown_grace
    }

    /// How many turns the runner loop has taken since this engine was built.
    pub fn runner_turns(&self) -> u64 {
        self.runner_turns.load(std::sync::atomic::Ordering::Relaxed)
    }

    pub fn with_faults(mut self, faults: Arc<dyn FaultInjector>) -> Self {
        self.faults = faults;
        self
    }

    /// The actor's community, created with the default settings on first contact. Every
    /// command needs it and settings rarely change, so it is cached for
    /// [`COMMUNITY_CACHE_TTL`] (engine clock); any settings change made through this process's
    /// store invalidates the cache at once.
    pub async fn community_for(&self, actor: &Actor) -> anyhow::Result<Community> {
        let key = (actor.platform, actor.platform_community_id.clone());
        let now = self.clock.now();
        // Read before the database, so an update that lands while we read marks our copy stale.
        let generation = self.store.community_generation();
        if let Some(cached) = self.cached_community(&key) {
            let age = now.signed_duration_since(cached.fetched_at);
            if cached.generation == generation
                && age >= Duration::zero()
                && age < COMMUNITY_CACHE_TTL
            {
                return Ok(cached.community);
            }
        }
        let community = self
            .store
            .ensure_community(
                actor.platform,
                &actor.platform_community_id,
                &self.community_defaults,
            )
            .await?;
        let entry = CachedCommunity {
            community: community.clone(),
            fetched_at: now,
            generation,
        };
        self.communities
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .insert(key, entry);
        Ok(community)
    }

    /// The platform's id of the member's community (a guild id, a Matrix room id).
    pub(crate) async fn platform_community_id_of(
        &self,
        member: &Member,
    ) -> Result<String, jobs::JobError> {
        let known = self
            .platform_community_ids
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .get(&member.community_id)
            .cloned();
        if let Some(id) = known {
            return Ok(id);
        }
        let community = self
            .store
            .community(member.community_id)
            .await
            .map_err(jobs::JobError::unexpected)?;
        self.platform_community_ids
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .insert(community.id, community.platform_community_id.clone());
        Ok(community.platform_community_id)
    }

    fn cached_community(&self, key: &(Platform, String)) -> Option<CachedCommunity> {
        self.communities
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .get(key)
            .cloned()
    }
}

/// Every job a new slot needs (see [`slot_jobs`]).
pub(crate) fn planned_jobs(settings: &CommunitySettings, slot: &Slot) -> Vec<PlannedJob> {
    slot_jobs(slot, settings)
}

/// The cutoff actually enforced: a booking made after the prepare job ran would miss matching,
/// so the cutoff is never shorter than the prepare lead.
pub fn effective_settings(settings: &CommunitySettings) -> CommunitySettings {
    let mut effective = settings.clone();
    effective.booking_cutoff = effective.booking_cutoff.max(settings.prepare_lead);
    effective
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;
    use crate::clock::ManualClock;
    use crate::platform::shell::ShellPlatform;

    /// The cache answers within its TTL, sees another instance's change after it, and sees a
    /// change made through its own store at once.
    #[tokio::test]
    async fn community_cache_expires_and_follows_local_updates() {
        let directory = tempfile::tempdir().unwrap();
        let url = format!(
            "sqlite://{}",
            directory.path().join("cache.sqlite").display()
        );
        let store = Store::connect_and_migrate(&url).await.unwrap();
        let other_instance = Store::connect(&url).await.unwrap();
        let start = Utc.with_ymd_and_hms(2030, 1, 7, 9, 0, 0).unwrap();
        let clock = Arc::new(ManualClock::new(start));
        let engine = Engine::new(
            store.clone(),
            Arc::new(ShellPlatform::new()),
            clock.clone(),
            CommunitySettings::default(),
            RunnerSettings::for_platform(Platform::Shell),
        );
        let actor = Actor::new(Platform::Shell, "cache", "ann", "Ann");
        let lengths = |community: Community| community.settings.allowed_lengths_minutes;

        let community = engine.community_for(&actor).await.unwrap();
        assert_eq!(lengths(community.clone()), vec![25, 50, 75]);

        let mut settings = community.settings.clone();
        settings.allowed_lengths_minutes = vec![25];
        other_instance
            .update_community_settings(community.id, &settings)
            .await
            .unwrap();
        clock.advance_by(COMMUNITY_CACHE_TTL - Duration::seconds(1));
        assert_eq!(
            lengths(engine.community_for(&actor).await.unwrap()),
            vec![25, 50, 75],
            "cached"
        );
        clock.advance_by(Duration::seconds(1));
        assert_eq!(
            lengths(engine.community_for(&actor).await.unwrap()),
            vec![25],
            "expired"
        );

        settings.allowed_lengths_minutes = vec![50];
        store
            .update_community_settings(community.id, &settings)
            .await
            .unwrap();
        assert_eq!(
            lengths(engine.clone().community_for(&actor).await.unwrap()),
            vec![50],
            "local update"
        );
    }
}
