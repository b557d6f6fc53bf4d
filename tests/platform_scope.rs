//! A runner serves exactly one platform: it claims, sleeps towards, fast-forwards through and
//! sweeps only its own communities' jobs and rooms. Each test here failed while the scope
//! lived only in the claim query (a runner spun on another platform's overdue job, a shell
//! ran production jobs on the bot's database, a sweep tried to close another platform's rooms).

mod common;

use std::sync::Arc;
use std::time::Duration as StdDuration;

use chrono::Duration;
use focusfolk::clock::ManualClock;
use focusfolk::core::model::{CommunitySettings, GroupOrigin, JobKind, JobStatus, Platform};
use focusfolk::core::schedule::PlannedJob;
use focusfolk::engine::{Actor, Engine, RunnerSettings};
use focusfolk::platform::shell::ShellPlatform;
use focusfolk::store::Store;

use common::{at, spawn_app, test_start};

/// A Matrix community whose prepare job was due an hour ago and never ran (its instance is
/// down, or Matrix was removed from the config).
async fn overdue_matrix_job(store: &Store) {
    let matrix = store
        .ensure_community(
            Platform::Matrix,
            "!elsewhere:example.org",
            &CommunitySettings::default(),
        )
        .await
        .unwrap();
    let slot = store
        .ensure_slot(matrix.id, test_start() - Duration::minutes(45), 25)
        .await
        .unwrap();
    store
        .schedule_job(&PlannedJob {
            key: format!("prepare:s{}", slot.id.0),
            kind: JobKind::Prepare,
            slot_id: Some(slot.id),
            booking_id: None,
            due_at: test_start() - Duration::hours(1),
        })
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_runner_sleeps_while_another_platforms_job_is_overdue() {
    let app = spawn_app().await;
    overdue_matrix_job(app.engine.store_for_tests()).await;
    let (stop, shutdown) = tokio::sync::watch::channel(false);
    let runner = tokio::spawn({
        let engine = app.engine.clone();
        async move { engine.run_forever(shutdown).await }
    });
    // Real time, but the assertion is a count, not a duration: a slower machine only makes
    // fewer turns. An idle runner sleeps `max_idle_sleep` (30 s) after its first turn; a
    // spinning one goes round hundreds of times a second.
    tokio::time::sleep(StdDuration::from_secs(1)).await;
    let turns = app.engine.runner_turns();
    stop.send(true).unwrap();
    tokio::time::timeout(StdDuration::from_secs(30), runner)
        .await
        .expect("the runner stops on shutdown")
        .unwrap();
    assert!(
        turns <= 3,
        "the runner went round {turns} times in one idle second"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn run_forever_runs_what_is_due_when_woken_and_stops_on_shutdown() {
    let app = spawn_app().await;
    let (stop, shutdown) = tokio::sync::watch::channel(false);
    let runner = tokio::spawn({
        let engine = app.engine.clone();
        async move { engine.run_forever(shutdown).await }
    });
    assert!(app.say("ann", "book 9:00 25m").await.contains("Booked"));
    // The reminder is due at 8:50. Time passes on the engine's clock; a booking (for another
    // slot) wakes the runner, which then runs the reminder on its own: nobody steps it.
    app.clock.advance_to(at(8, 51));
    assert!(app.say("ben", "book 10:00 25m").await.contains("Booked"));
    common::wait::eventually("the runner to send ann's reminder", || async {
        (app.dms_containing("ann", "starts in") == 1).then_some(())
    })
    .await;
    stop.send(true).unwrap();
    tokio::time::timeout(StdDuration::from_secs(30), runner)
        .await
        .expect("the runner stops on shutdown")
        .unwrap();
}

#[tokio::test]
async fn another_platforms_overdue_job_does_not_disturb_the_fast_forward() {
    let app = spawn_app().await;
    overdue_matrix_job(app.engine.store_for_tests()).await;
    assert!(app.say("ann", "book 9:00 25m").await.contains("Booked"));
    assert!(app.say("ben", "book 9:00 25m").await.contains("Booked"));
    app.advance_to(at(9, 0)).await;
    // Every step ran at its own time: the reminder at 8:50 went out (at 9:00 it would have
    // been dropped as too late), then the announcement.
    for member in ["ann", "ben"] {
        assert_eq!(
            app.dms_containing(member, "starts in"),
            1,
            "{member}: {:?}",
            app.dms(member)
        );
        assert_eq!(
            app.dms_containing(member, "It's time"),
            1,
            "{member}: {:?}",
            app.dms(member)
        );
    }
}

#[tokio::test]
async fn a_shell_on_the_bots_database_runs_none_of_its_jobs() {
    let directory = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", directory.path().join("bot.sqlite").display());
    let store = Store::connect_and_migrate(&url).await.unwrap();
    // The bot's Discord engine takes two bookings (its adapter does not matter here).
    let discord = Engine::new(
        store.clone(),
        Arc::new(ShellPlatform::new()),
        Arc::new(ManualClock::new(test_start())),
        CommunitySettings::default(),
        RunnerSettings::for_platform(Platform::Discord),
    );
    for member in ["111", "222"] {
        let actor = Actor::new(Platform::Discord, "guild-1", member, member);
        let reply = discord.handle_text(&actor, "book 9:00 25m").await;
        assert!(format!("{reply:?}").contains("Booked"), "{reply:?}");
    }

    // Someone opens a shell on that database and lets the morning pass.
    let mut shell = focusfolk::demo::build_shell_session(
        &url,
        CommunitySettings::default(),
        test_start(),
        "sandbox",
    )
    .await
    .unwrap();
    shell.handle_line("/at 2026-11-30T11:00Z").await;

    assert!(
        shell.platform.all_events().is_empty(),
        "the shell delivered production DMs or opened rooms: {:?}",
        shell.platform.all_events()
    );
    let slot = store
        .active_bookings_starting_after(test_start(), Platform::Discord)
        .await
        .unwrap()[0]
        .slot_id;
    let jobs = store.jobs_for_slot(slot).await.unwrap();
    assert!(!jobs.is_empty());
    assert!(
        jobs.iter().all(|(_, status)| *status == JobStatus::Pending),
        "the Discord slot's jobs are the Discord runner's: {jobs:?}"
    );
    // And by default the shell does not even open the bot's database.
    assert_ne!(
        focusfolk::demo::SHELL_DATABASE_URL,
        focusfolk::config::Config::default().database.url
    );
}

#[tokio::test]
async fn a_startup_sweep_closes_its_own_rooms_leaves_others_and_reports_failures() {
    let app = spawn_app().await;
    let store = app.engine.store_for_tests().clone();
    let ended = test_start() - Duration::hours(3);
    let mut groups = Vec::new();
    for (platform, community, room) in [
        (Platform::Matrix, "!matrix:example.org", "!pair:example.org"),
        (Platform::Shell, "test-community", "no-such-room"),
        (Platform::Shell, "test-community", "shell-room-1"),
    ] {
        let community = store
            .ensure_community(platform, community, &CommunitySettings::default())
            .await
            .unwrap();
        let slot = store.ensure_slot(community.id, ended, 25).await.unwrap();
        let member = store
            .ensure_member(&community, &format!("{room}-member"), "M", ended)
            .await
            .unwrap();
        let group = store
            .create_groups(slot.id, GroupOrigin::Matched, &[vec![member.id]])
            .await
            .unwrap()
            .remove(0);
        store.set_group_room(group.id, room).await.unwrap();
        groups.push(group.id);
    }
    // The first close fails (the platform is briefly away), the second works.
    app.platform.fail_next_calls(1);

    let report = app
        .engine
        .startup_sweep()
        .await
        .expect("the sweep itself succeeds");
    assert_eq!(report.closed_rooms, 1, "{report}");
    assert_eq!(report.rooms_left_open, 1, "{report}");
    let still_open = |platform| {
        let store = store.clone();
        async move {
            store
                .open_groups_of_slots_ended_before(test_start(), platform)
                .await
                .unwrap()
                .into_iter()
                .map(|(group, _)| group.id)
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(
        still_open(Platform::Matrix).await,
        vec![groups[0]],
        "not this runner's room"
    );
    assert_eq!(
        still_open(Platform::Shell).await,
        vec![groups[1]],
        "retried at the next start"
    );
    // The engine still works after a partly failed sweep.
    assert!(app.say("ann", "book 9:00 25m").await.contains("Booked"));
}
