//! Issue 12, community settings: every `[community_defaults]` key can be changed per community
//! by its admins with the config's own validation; a key never changed follows the config's
//! current default (after a restart with a new config); a changed lead moves the pending jobs
//! of slots already planned (SQLite and PostgreSQL).

mod common;
#[path = "support/postgres.rs"]
mod pg;

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};

use common::{at, test_limits, test_start, COMMUNITY};
use focusfolk::clock::ManualClock;
use focusfolk::config::Config;
use focusfolk::core::model::{CommunitySettings, JobKind, JobStatus, Platform};
use focusfolk::engine::{Actor, CommandOutcome, Engine, RunnerSettings};
use focusfolk::fast_forward::fast_forward_to;
use focusfolk::platform::shell::ShellPlatform;
use focusfolk::store::Store;

struct Instance {
    engine: Engine,
    store: Store,
    platform: Arc<ShellPlatform>,
    clock: Arc<ManualClock>,
}

/// One process: a store on `url` and an engine with the config's `[community_defaults]`.
async fn start(url: &str, config_toml: &str, clock: Arc<ManualClock>) -> Instance {
    let config = Config::from_toml_str_and_env(config_toml, &[]).expect("config");
    let store = Store::connect_and_migrate(url).await.expect("store");
    let platform = Arc::new(ShellPlatform::new());
    let runner = RunnerSettings {
        worker_id: "settings-test".to_string(),
        limits: test_limits(),
        ..RunnerSettings::for_platform(Platform::Shell)
    };
    let engine = Engine::new(
        store.clone(),
        platform.clone(),
        clock.clone(),
        config.community_settings().expect("community defaults"),
        runner,
    );
    Instance {
        engine,
        store,
        platform,
        clock,
    }
}

fn admin() -> Actor {
    Actor::new(Platform::Shell, COMMUNITY, "ann", "Ann").as_community_admin()
}

impl Instance {
    async fn say(&self, actor: &Actor, text: &str) -> (CommandOutcome, String) {
        let reply = self.engine.handle_text(actor, text).await;
        (reply.outcome, reply.render_plain())
    }

    async fn settings(&self) -> CommunitySettings {
        self.engine.community_for(&admin()).await.unwrap().settings
    }

    /// Every pending or done job of `kind` of the community's upcoming bookings' slots, by slot start.
    async fn jobs(&self, kind: JobKind) -> Vec<(DateTime<Utc>, DateTime<Utc>, JobStatus)> {
        let bookings = self
            .store
            .active_bookings_starting_after(test_start() - Duration::days(1), Platform::Shell)
            .await
            .unwrap();
        let mut slots: Vec<_> = bookings.iter().map(|b| (b.starts_at, b.slot_id)).collect();
        slots.sort();
        slots.dedup();
        let mut found = Vec::new();
        for (starts_at, slot) in slots {
            for (job, status) in self.store.jobs_for_slot(slot).await.unwrap() {
                if job.kind == kind {
                    found.push((starts_at, job.due_at, status));
                }
            }
        }
        found
    }
}

fn sqlite_url(directory: &tempfile::TempDir) -> String {
    format!(
        "sqlite://{}",
        directory.path().join("focusfolk.sqlite").display()
    )
}

#[tokio::test]
async fn a_key_never_changed_follows_a_changed_default_after_a_restart_and_a_changed_key_persists()
{
    let directory = tempfile::tempdir().unwrap();
    let url = sqlite_url(&directory);
    let clock = Arc::new(ManualClock::new(test_start()));
    let first = start(&url, "", clock.clone()).await;
    let (outcome, reply) = first.say(&admin(), "setup reminder_lead 15m").await;
    assert_eq!(outcome, CommandOutcome::Done, "{reply}");
    assert!(
        reply.contains("reminder_lead = 15m (changed here"),
        "{reply}"
    );
    assert!(reply.contains("close_delay = 5m (default"), "{reply}");
    drop(first);

    // The operator changes the config and restarts.
    let config = "[community_defaults]\nreminder_lead = \"20m\"\nclose_delay = \"7m\"\n";
    let second = start(&url, config, clock.clone()).await;
    let settings = second.settings().await;
    assert_eq!(
        settings.reminder_lead,
        Duration::minutes(15),
        "the community's choice stays"
    );
    assert_eq!(
        settings.close_delay,
        Duration::minutes(7),
        "never changed: follows the config"
    );
    let (_, listing) = second.say(&admin(), "setup").await;
    assert!(listing.contains("close_delay = 7m (default"), "{listing}");
    assert!(
        listing.contains("reminder_lead = 15m (changed here"),
        "{listing}"
    );

    // Back to the default: it follows the config again.
    let (outcome, reply) = second.say(&admin(), "setup reminder_lead default").await;
    assert_eq!(outcome, CommandOutcome::Done, "{reply}");
    assert!(reply.contains("reminder_lead = 20m (default"), "{reply}");
    assert_eq!(second.settings().await.reminder_lead, Duration::minutes(20));
}

#[tokio::test]
async fn invalid_values_are_refused_with_the_config_words_and_change_nothing() {
    let directory = tempfile::tempdir().unwrap();
    let url = sqlite_url(&directory);
    let app = start(&url, "", Arc::new(ManualClock::new(test_start()))).await;
    let (_, before) = app.say(&admin(), "setup").await;
    let cases = [
        ("reminder_lead", "30s", "\"30s\""),
        ("attendance_grace", "2h", "\"2h\""),
        ("booking_horizon", "0s", "\"0s\""),
        ("default_time_zone", "Europe/Pariss", "\"Europe/Pariss\""),
        ("allowed_lengths_minutes", "25,27", "[25, 27]"),
        ("recent_repeat_days", "-3", "-3"),
        ("close_delay", "soonish", "\"soonish\""),
    ];
    for (key, typed, in_file) in cases {
        let file = format!("[community_defaults]\n{key} = {in_file}\n");
        let config_words: Vec<String> = Config::from_toml_str_and_env(&file, &[])
            .expect_err("the config refuses it too")
            .problems
            .into_iter()
            .map(|problem| problem.message)
            .collect();
        let (outcome, reply) = app.say(&admin(), &format!("setup {key} {typed}")).await;
        assert_eq!(outcome, CommandOutcome::Refused, "{key} {typed}: {reply}");
        assert!(
            reply.contains(&config_words.join(" ")),
            "{key} {typed}: {reply:?} should say {config_words:?}"
        );
        assert_eq!(
            app.say(&admin(), "setup").await.1,
            before,
            "{key} changed nothing"
        );
    }
    let (outcome, reply) = app.say(&admin(), "setup reminder_leed 15m").await;
    assert_eq!(outcome, CommandOutcome::Refused);
    assert!(reply.contains("Did you mean `reminder_lead`?"), "{reply}");
    let member = Actor::new(Platform::Shell, COMMUNITY, "ben", "Ben");
    let (outcome, reply) = app.say(&member, "setup close_delay 10m").await;
    assert_eq!(outcome, CommandOutcome::Refused);
    assert!(reply.contains("Only community admins"), "{reply}");
    assert!(app
        .store
        .community_overrides(app.settings_id().await)
        .await
        .unwrap()
        .is_empty());
}

impl Instance {
    async fn settings_id(&self) -> focusfolk::core::model::CommunityId {
        self.engine.community_for(&admin()).await.unwrap().id
    }
}

/// Two upcoming slots; the reminder lead grows, prepare and close move, then one reminder runs
/// and a later change moves only the other (a job that ran keeps its time).
async fn a_changed_lead_moves_the_pending_jobs_of_planned_slots(url: String) {
    let clock = Arc::new(ManualClock::new(test_start()));
    let app = start(&url, "", clock.clone()).await;
    for (member, when) in [("ann", "book 9:00 25m"), ("ben", "book 10:00 50m")] {
        let actor = Actor::new(Platform::Shell, COMMUNITY, member, member);
        let (_, reply) = app.say(&actor, when).await;
        assert!(reply.contains("Booked"), "{reply}");
    }
    let dues = |jobs: Vec<(DateTime<Utc>, DateTime<Utc>, JobStatus)>| -> Vec<DateTime<Utc>> {
        jobs.into_iter().map(|(_, due, _)| due).collect()
    };
    assert_eq!(
        dues(app.jobs(JobKind::Remind).await),
        vec![at(8, 50), at(9, 50)]
    );

    let (_, reply) = app.say(&admin(), "setup reminder_lead 30m").await;
    assert!(
        reply.contains("Moved the reminder of 2 planned sessions"),
        "{reply}"
    );
    assert_eq!(
        dues(app.jobs(JobKind::Remind).await),
        vec![at(8, 30), at(9, 30)]
    );
    app.say(&admin(), "setup prepare_lead 5m").await;
    assert_eq!(
        dues(app.jobs(JobKind::Prepare).await),
        vec![at(8, 55), at(9, 55)]
    );
    app.say(&admin(), "setup close_delay 10m").await;
    assert_eq!(
        dues(app.jobs(JobKind::CloseRooms).await),
        vec![at(9, 35), at(11, 0)]
    );
    app.say(&admin(), "setup attendance_grace 4m").await;
    assert_eq!(
        dues(app.jobs(JobKind::AttendanceCheck).await),
        vec![at(9, 4), at(10, 4)]
    );
    // Announce and check-in are not leads: untouched.
    assert_eq!(
        dues(app.jobs(JobKind::Announce).await),
        vec![at(9, 0), at(10, 0)]
    );

    fast_forward_to(&app.engine, &clock, at(8, 40))
        .await
        .unwrap();
    assert_eq!(
        app.platform.direct_messages_to("ann").len(),
        1,
        "ann reminded at 8:30"
    );
    let (_, reply) = app.say(&admin(), "setup reminder_lead 5m").await;
    assert!(
        reply.contains("Moved the reminder of 1 planned session."),
        "{reply}"
    );
    let remind = app.jobs(JobKind::Remind).await;
    assert_eq!(
        remind[0],
        (at(9, 0), at(8, 30), JobStatus::Done),
        "a job that ran keeps its time"
    );
    assert_eq!(remind[1], (at(10, 0), at(9, 55), JobStatus::Pending));

    fast_forward_to(&app.engine, &clock, at(9, 54))
        .await
        .unwrap();
    let reminded = |member| {
        app.platform
            .direct_messages_to(member)
            .iter()
            .filter(|text| text.contains("starts in"))
            .count()
    };
    assert_eq!(reminded("ben"), 0, "not at the old 9:30 any more");
    fast_forward_to(&app.engine, &clock, at(9, 56))
        .await
        .unwrap();
    assert_eq!(reminded("ben"), 1, "at the new 9:55");
    let _ = &app.clock;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_changed_lead_moves_the_pending_jobs_of_planned_slots_on_sqlite() {
    let directory = tempfile::tempdir().unwrap();
    a_changed_lead_moves_the_pending_jobs_of_planned_slots(sqlite_url(&directory)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_changed_lead_moves_the_pending_jobs_of_planned_slots_on_postgres() {
    let database = pg::TestDatabase::create().await;
    a_changed_lead_moves_the_pending_jobs_of_planned_slots(database.url.clone()).await;
    database.drop_database().await;
}
