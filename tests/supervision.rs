//! The runner survives what it can and stops when asked: a panicking job is contained and
//! retried, shutdown stops claiming between jobs, and a booking that commits just after prepare
//! read its slot is still told something.

mod common;

use std::time::{Duration, Instant};

use common::{at, spawn_app, COMMUNITY};
use focusfolk::core::model::{CommunitySettings, Platform};
use focusfolk::engine::jobs::JobOutcome;
use focusfolk::engine::Actor;
use focusfolk::store::NewBooking;

const REMINDER: &str = "starts in";

async fn book_in(app: &common::TestApp, community: &str, member: &str, text: &str) {
    let actor = Actor::new(Platform::Shell, community, member, member);
    let reply = app.engine.handle_text(&actor, text).await.render_plain();
    assert!(reply.contains("Booked"), "{community}/{member}: {reply}");
}

#[tokio::test]
async fn a_panicking_job_is_retried_and_the_runner_keeps_serving_other_jobs() {
    let app = spawn_app().await;
    book_in(&app, COMMUNITY, "ann", "book 9:00 25m").await;
    book_in(&app, "other-community", "ben", "book 9:00 25m").await;
    app.clock.advance_to(at(8, 50));

    app.platform.panic_next_calls(1);
    let reports = app
        .engine
        .run_due_jobs()
        .await
        .expect("the runner survives");
    let outcomes: Vec<&JobOutcome> = reports.iter().map(|report| &report.outcome).collect();
    assert_eq!(
        reports.len(),
        2,
        "both reminders were claimed: {outcomes:?}"
    );
    assert!(
        matches!(&reports[0].outcome, JobOutcome::Retry(error) if error.contains("panicked")),
        "{outcomes:?}"
    );
    assert!(
        matches!(&reports[1].outcome, JobOutcome::Done(_)),
        "the next job ran after the panic: {outcomes:?}"
    );

    app.clock.advance_to(at(8, 51));
    let retried = app.engine.run_due_jobs().await.expect("runs");
    assert!(
        matches!(retried.as_slice(), [report] if matches!(report.outcome, JobOutcome::Done(_))),
        "{retried:?}"
    );
    for member in ["ann", "ben"] {
        assert_eq!(app.dms_containing(member, REMINDER), 1, "{member}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_stops_claiming_between_jobs_and_leaves_the_rest_pending() {
    let app = spawn_app().await;
    let communities = ["c1", "c2", "c3", "c4", "c5"];
    for community in communities {
        book_in(&app, community, "ann", "book 9:00 25m").await;
    }
    app.clock.advance_to(at(8, 50));
    // Five due reminders, each one DM that takes a second.
    app.platform.set_call_delay(Duration::from_secs(1));

    let (stop, shutdown) = tokio::sync::watch::channel(false);
    let engine = app.engine.clone();
    let runner = tokio::spawn(async move { engine.run_forever(shutdown).await });
    common::wait::eventually("the first reminder to start", || async {
        (app.platform.calls_started() >= 1).then_some(())
    })
    .await;
    let asked = Instant::now();
    stop.send(true).unwrap();
    tokio::time::timeout(app.engine.shutdown_grace() + Duration::from_secs(2), runner)
        .await
        .expect("run_forever returns within the grace")
        .expect("no panic");
    let took = asked.elapsed();
    assert_eq!(
        app.dms_containing("ann", REMINDER),
        1,
        "the job in flight finished, no other was started"
    );
    assert_eq!(app.platform.calls_started(), 1);
    assert!(
        took < app.engine.shutdown_grace(),
        "it did not wait for the grace: {took:?}"
    );

    // The other four are still pending, for the next start.
    app.platform.set_call_delay(Duration::ZERO);
    let rest = app.engine.run_due_jobs().await.expect("runs");
    assert_eq!(rest.len(), 4, "{rest:?}");
    assert_eq!(app.dms_containing("ann", REMINDER), 5);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_booking_committed_after_prepare_read_the_slot_is_told_it_is_alone() {
    let app = spawn_app().await;
    for member in ["ann", "ben"] {
        book_in(&app, COMMUNITY, member, "book 9:00 25m").await;
    }
    // cat exists as a member (her booking is written below, as a late commit would land).
    assert!(app.say("cat", "prefs").await.contains("Reminders"));
    app.clock.advance_to(at(8, 58));

    let gate = app.platform.hold_room_openings();
    let engine = app.engine.clone();
    let prepare = tokio::spawn(async move { engine.run_due_jobs().await });
    // Prepare has read the slot (ann and ben), matched them and is opening their room.
    common::wait::eventually("prepare to open the room", || async {
        (app.platform.rooms_waiting() == 1).then_some(())
    })
    .await;

    let store = app.engine.store_for_tests();
    let community = store
        .ensure_community(Platform::Shell, COMMUNITY, &CommunitySettings::default())
        .await
        .unwrap();
    let cat = store
        .member_by_platform_id(community.id, "cat")
        .await
        .unwrap()
        .expect("cat");
    let slot = store.ensure_slot(community.id, at(9, 0), 25).await.unwrap();
    store
        .create_booking(&NewBooking {
            community_id: community.id,
            member_id: cat.id,
            slot_id: slot.id,
            recurring_weekly: false,
            created_at: at(8, 57),
        })
        .await
        .unwrap();

    gate.add_permits(10);
    prepare.await.unwrap().expect("prepare runs");
    let in_a_room = app
        .room_memberships()
        .iter()
        .any(|room| room.iter().any(|member| member == "cat"));
    assert!(
        in_a_room || app.dms_containing("cat", "Nobody else could be matched") == 1,
        "cat is neither grouped nor told: rooms {:?}, dms {:?}",
        app.room_memberships(),
        app.dms("cat")
    );
}
