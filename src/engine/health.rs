//! What the process knows about its own health, per platform: is the adapter connected, is
//! its job runner turning. The engines and adapters write it; the HTTP endpoint (`/readyz`)
//! reads it together with the database. One board is shared by every engine of a process.
//!
//! Instants are the monotonic clock's, not the engine's [`crate::clock::Clock`]: liveness is
//! about real seconds passing, even when a test drives the engine's clock by hand.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::core::model::Platform;

/// The health of every platform this process runs (or is configured to run).
#[derive(Debug, Default)]
pub struct HealthBoard {
    platforms: Mutex<BTreeMap<Platform, PlatformHealth>>,
}

/// One platform's adapter and runner, as last reported.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PlatformHealth {
    /// The adapter is connected now (Discord gateway ready, Matrix sync succeeding).
    pub connected: bool,
    /// It was connected at least once; a later connection is a reconnect.
    pub ever_connected: bool,
    pub runner: RunnerHealth,
}

/// Whether a platform's job runner is turning.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum RunnerHealth {
    /// Not started yet (the adapter is still connecting, or this is a shell/test engine).
    #[default]
    NotStarted,
    /// Turning: it last proved alive at `last_seen`, and is dead if silent for `stale_after`
    /// (its idle sleep and a lease renewal between proofs, with a margin).
    Running {
        last_seen: Instant,
        stale_after: Duration,
    },
    /// It stopped (shutdown, or it died and the process is about to exit).
    Stopped,
}

impl RunnerHealth {
    /// Alive at `now`: running and heard from recently enough.
    pub fn is_alive(&self, now: Instant) -> bool {
        match self {
            RunnerHealth::Running {
                last_seen,
                stale_after,
            } => now.saturating_duration_since(*last_seen) <= *stale_after,
            RunnerHealth::NotStarted | RunnerHealth::Stopped => false,
        }
    }
}

impl HealthBoard {
    pub fn new() -> Self {
        HealthBoard::default()
    }

    /// Names a platform the process is configured to run, so `/readyz` reports it as not
    /// ready until it connects (rather than not knowing it exists).
    pub fn expect_platform(&self, platform: Platform) {
        self.update(platform, |_| {});
    }

    /// The adapter connected (`true`) or lost its connection (`false`). Returns `true` when
    /// this connection is a reconnect (it had been connected before), for the metrics.
    pub fn set_connected(&self, platform: Platform, connected: bool) -> bool {
        let mut reconnected = false;
        self.update(platform, |health| {
            reconnected = connected && !health.connected && health.ever_connected;
            health.connected = connected;
            health.ever_connected |= connected;
        });
        if reconnected {
            super::metrics::platform_reconnected(platform);
        }
        reconnected
    }

    /// The runner proved alive now (a turn of its loop, a job claimed, a lease renewed).
    pub fn runner_seen(&self, platform: Platform, stale_after: Duration) {
        let now = Instant::now();
        self.update(platform, |health| {
            health.runner = RunnerHealth::Running {
                last_seen: now,
                stale_after,
            };
        });
    }

    pub fn runner_stopped(&self, platform: Platform) {
        self.update(platform, |health| health.runner = RunnerHealth::Stopped);
    }

    /// Every platform known to the board, in a stable order.
    pub fn snapshot(&self) -> Vec<(Platform, PlatformHealth)> {
        self.lock()
            .iter()
            .map(|(platform, health)| (*platform, health.clone()))
            .collect()
    }

    fn update(&self, platform: Platform, change: impl FnOnce(&mut PlatformHealth)) {
        change(self.lock().entry(platform).or_default());
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<Platform, PlatformHealth>> {
        self.platforms
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_connection_is_a_reconnect_and_the_first_is_not() {
        let board = HealthBoard::new();
        board.expect_platform(Platform::Matrix);
        assert!(!board.snapshot()[0].1.connected);
        assert!(!board.set_connected(Platform::Matrix, true), "first");
        assert!(!board.set_connected(Platform::Matrix, true), "still up");
        board.set_connected(Platform::Matrix, false);
        assert!(board.set_connected(Platform::Matrix, true), "back");
    }

    #[test]
    fn a_runner_silent_for_longer_than_its_staleness_is_not_alive() {
        let seen = Instant::now();
        let runner = RunnerHealth::Running {
            last_seen: seen,
            stale_after: Duration::from_secs(60),
        };
        assert!(runner.is_alive(seen + Duration::from_secs(60)));
        assert!(!runner.is_alive(seen + Duration::from_secs(61)));
        assert!(!RunnerHealth::Stopped.is_alive(seen));
        assert!(!RunnerHealth::NotStarted.is_alive(seen));
    }
}
