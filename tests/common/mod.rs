//! Shared test harness: a real engine on a real SQLite file with the shell platform and a
//! manual clock (zero2prod's `spawn_app` shape). Each test gets its own database file.

#![allow(dead_code)]

#[path = "../support/wait.rs"]
pub mod wait;

use std::sync::Arc;

use chrono::{DateTime, TimeZone, Utc};

use focusfolk::clock::ManualClock;
use focusfolk::core::model::{CommunitySettings, Platform};
use focusfolk::engine::{Actor, CommandLimits, Engine, FaultInjector, NoFaults, RunnerSettings};
use focusfolk::fast_forward::fast_forward_to;
use focusfolk::platform::shell::ShellPlatform;
use focusfolk::store::Store;

pub const COMMUNITY: &str = "test-community";

pub struct TestApp {
    pub engine: Engine,
    pub platform: Arc<ShellPlatform>,
    pub clock: Arc<ManualClock>,
    pub database_url: String,
    pub directory: Arc<tempfile::TempDir>,
}

/// Mon 30 Nov 2026 08:00 UTC: far from any DST change unless a test wants one.
pub fn test_start() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 30, 8, 0, 0).unwrap()
}

pub fn at(hour: u32, minute: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 30, hour, minute, 0).unwrap()
}

/// The limits the harness runs with: the defaults, but no command rate. Its clock stands
/// still while a test talks, so a rate would refuse every member's eleventh line of a script;
/// `tests/abuse_limits.rs` turns it on.
pub fn test_limits() -> CommandLimits {
    CommandLimits {
        command_interval: std::time::Duration::ZERO,
        ..CommandLimits::default()
    }
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with_limits(test_limits()).await
}

pub async fn spawn_app_with_limits(limits: CommandLimits) -> TestApp {
    let directory = Arc::new(tempfile::tempdir().expect("temp dir"));
    let database_url = format!(
        "sqlite://{}",
        directory.path().join("focusfolk.sqlite").display()
    );
    let store = Store::connect_and_migrate(&database_url)
        .await
        .expect("store");
    build(
        store,
        Arc::new(ShellPlatform::new()),
        Arc::new(ManualClock::new(test_start())),
        database_url,
        directory,
        "worker-1",
        Arc::new(NoFaults),
        limits,
    )
}

pub fn build(
    store: Store,
    platform: Arc<ShellPlatform>,
    clock: Arc<ManualClock>,
    database_url: String,
    directory: Arc<tempfile::TempDir>,
    worker: &str,
    faults: Arc<dyn FaultInjector>,
    limits: CommandLimits,
) -> TestApp {
    let runner = RunnerSettings {
        worker_id: worker.to_string(),
        limits,
        ..RunnerSettings::for_platform(Platform::Shell)
    };
    let engine = Engine::new(
        store,
        platform.clone(),
        clock.clone(),
        CommunitySettings::default(),
        runner,
    )
    .with_faults(faults);
    TestApp {
        engine,
        platform,
        clock,
        database_url,
        directory,
    }
}

impl TestApp {
    /// A new process on the same database, platform and clock: what a restart looks like.
    pub async fn restart(&self, worker: &str, faults: Arc<dyn FaultInjector>) -> TestApp {
        let store = Store::connect_and_migrate(&self.database_url)
            .await
            .expect("store");
        let app = build(
            store,
            self.platform.clone(),
            self.clock.clone(),
            self.database_url.clone(),
            self.directory.clone(),
            worker,
            faults,
            test_limits(),
        );
        app.engine.startup_sweep().await.expect("startup sweep");
        app
    }

    pub async fn say(&self, member: &str, text: &str) -> String {
        let actor = Actor::new(Platform::Shell, COMMUNITY, member, member);
        self.engine.handle_text(&actor, text).await.render_plain()
    }

    pub async fn advance_to(&self, target: DateTime<Utc>) {
        fast_forward_to(&self.engine, &self.clock, target)
            .await
            .expect("jobs run");
    }

    /// Every member in `members` joins the open room they belong to.
    pub fn join(&self, members: &[&str]) {
        for member in members {
            let room = self
                .platform
                .open_room_of(member)
                .unwrap_or_else(|| panic!("{member} has no open room"));
            self.platform.join(&room, member).expect("join");
        }
    }

    pub fn dms(&self, member: &str) -> Vec<String> {
        self.platform.direct_messages_to(member)
    }

    pub fn dms_containing(&self, member: &str, needle: &str) -> usize {
        self.dms(member)
            .iter()
            .filter(|text| text.contains(needle))
            .count()
    }

    /// The members of each room, for finding who was paired with whom.
    pub fn room_memberships(&self) -> Vec<Vec<String>> {
        self.platform
            .rooms()
            .values()
            .map(|room| room.members.clone())
            .collect()
    }
}
