//! Crash tests: the runner dies at every possible point — between effects, after an effect but
//! before it is recorded, after a job's work but before it is marked done — and restarts on the
//! same database. Every member must end up with exactly the DMs of an uncrashed run.

mod common;

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use common::{at, spawn_app, TestApp};
use focusfolk::core::model::{JobKind, Platform};
use focusfolk::engine::jobs::JobError;
use focusfolk::engine::{FaultInjector, FaultPoint, NoFaults};
use focusfolk::fast_forward::fast_forward_to;
use sqlx::Connection;

const MEMBERS: [&str; 7] = ["ann", "ben", "cat", "dan", "eve", "fay", "gus"];

/// Crashes at the `target`-th fault point it is asked about, and remembers which one it was.
struct CrashAtPoint {
    target: usize,
    seen: AtomicUsize,
    crashed_at: Mutex<Option<String>>,
}

impl FaultInjector for CrashAtPoint {
    fn should_crash(&self, point: &FaultPoint<'_>) -> bool {
        if self.seen.fetch_add(1, Ordering::SeqCst) != self.target {
            return false;
        }
        *self.crashed_at.lock().unwrap() = Some(format!("{point:?}"));
        true
    }
}

/// Runs the scenario; on a simulated crash, restarts (same worker identity, as a restarted
/// instance has) and carries on with the step that was interrupted.
async fn run_scenario(mut app: TestApp) -> (TestApp, usize) {
    let mut restarts = 0;
    for member in MEMBERS {
        assert!(app.say(member, "book 9:00 25m").await.contains("Booked"));
    }
    let steps: [(u32, u32); 3] = [(9, 0), (9, 3), (10, 0)];
    for (index, (hour, minute)) in steps.into_iter().enumerate() {
        loop {
            match fast_forward_to(&app.engine, &app.clock, at(hour, minute)).await {
                Ok(_) => break,
                Err(JobError::Crashed) => {
                    restarts += 1;
                    app = app.restart("worker-1", Arc::new(NoFaults)).await;
                }
                Err(other) => panic!("unexpected job error: {other}"),
            }
        }
        if index == 0 {
            // Everyone shows except the first member of each of the two pairs.
            let rooms = app.room_memberships();
            let pairs: Vec<&Vec<String>> =
                rooms.iter().filter(|members| members.len() == 2).collect();
            assert_eq!(pairs.len(), 2, "two pairs and a trio: {rooms:?}");
            for member in MEMBERS {
                if pairs.iter().all(|pair| pair[0] != member) {
                    app.join(&[member]);
                }
            }
        }
        if index == 1 {
            for member in MEMBERS {
                if app.dms_containing(member, "re-paired you") == 1 {
                    app.join(&[member]);
                }
            }
        }
    }
    (app, restarts)
}

fn dms_by_member(app: &TestApp) -> BTreeMap<String, Vec<String>> {
    MEMBERS
        .iter()
        .map(|member| (member.to_string(), app.dms(member)))
        .collect()
}

#[tokio::test]
async fn every_dm_is_delivered_exactly_once_whatever_the_crash_point() {
    // A counting run finds how many fault points the scenario passes, and the expected DMs.
    let counter = Arc::new(CrashAtPoint {
        target: usize::MAX,
        seen: AtomicUsize::new(0),
        crashed_at: Mutex::new(None),
    });
    let app = spawn_app().await;
    let app = app.restart("worker-1", counter.clone()).await;
    let (baseline_app, restarts) = run_scenario(app).await;
    assert_eq!(restarts, 0);
    let expected = dms_by_member(&baseline_app);
    let points = counter.seen.load(Ordering::SeqCst);
    // Every effect and every job is a fault point: 7 members' DMs and rooms, and the jobs of
    // one slot (its reminder is one job for everyone) — 37 when this was last counted.
    assert!(
        points > 30,
        "the scenario passes many fault points ({points})"
    );
    assert!(
        expected.values().all(|dms| dms.len() >= 3),
        "reminder, announcement, check-in at least: {expected:?}"
    );

    let mut deduplicated_by_platform = 0;
    for target in 0..points {
        let injector = Arc::new(CrashAtPoint {
            target,
            seen: AtomicUsize::new(0),
            crashed_at: Mutex::new(None),
        });
        let app = spawn_app()
            .await
            .restart("worker-1", injector.clone())
            .await;
        let (app, restarts) = run_scenario(app).await;
        let crashed_at = injector
            .crashed_at
            .lock()
            .unwrap()
            .clone()
            .expect("crashed");
        assert_eq!(restarts, 1, "crash point {target}: {crashed_at}");
        assert_eq!(
            dms_by_member(&app),
            expected,
            "crash point {target}: {crashed_at}"
        );
        // Only a crash between a DM and its record makes the platform see a retry.
        let duplicates = app.platform.duplicate_deliveries();
        if crashed_at.contains("AfterEffectBeforeRecord") && crashed_at.contains("dm:") {
            assert_eq!(duplicates, 1, "crash point {target}: {crashed_at}");
            deduplicated_by_platform += 1;
        } else {
            assert_eq!(duplicates, 0, "crash point {target}: {crashed_at}");
        }
        assert!(
            app.platform.rooms().values().all(|room| !room.open),
            "rooms closed after crash {target}"
        );
    }
    assert!(
        deduplicated_by_platform > 10,
        "the after-effect-before-record case was exercised"
    );
}

/// The jobs of every upcoming slot, as (key, kind, due) per slot: what a sweep must restore.
async fn planned_jobs_by_slot(app: &TestApp) -> BTreeMap<i64, Vec<(String, String, i64)>> {
    let store = app.engine.store_for_tests();
    let bookings = store
        .active_bookings_starting_after(at(8, 0), Platform::Shell)
        .await
        .unwrap();
    let mut jobs = BTreeMap::new();
    for booking in bookings {
        let mut of_slot: Vec<(String, String, i64)> = store
            .jobs_for_slot(booking.slot_id)
            .await
            .unwrap()
            .into_iter()
            .map(|(job, _)| (job.key, format!("{:?}", job.kind), job.due_at.timestamp()))
            .collect();
        of_slot.sort();
        jobs.insert(booking.slot_id.0, of_slot);
    }
    jobs
}

/// Jobs a database lost (a restore from an older backup, a crash before the booking's jobs
/// existed) are planned again by the next start, once each: every booked slot's jobs and a
/// weekly booking's roll-forward, however many slots there are.
#[tokio::test]
async fn a_restart_plans_again_the_jobs_the_database_lost_and_only_once() {
    let app = spawn_app().await;
    assert!(app
        .say("ann", "book 9:00 25m weekly")
        .await
        .contains("Booked"));
    // More slots than the sweep writes in one go (a thousand jobs, seven per slot).
    let slots = 150;
    for index in 0..slots {
        let starts_at = at(9, 0) + chrono::Duration::minutes(15 * index);
        let when = format!("book {} 50m", starts_at.format("%Y-%m-%d %H:%M"));
        let reply = app.say(&format!("member{index}"), &when).await;
        assert!(reply.contains("Booked"), "{when}: {reply}");
    }
    let planned = planned_jobs_by_slot(&app).await;
    assert_eq!(planned.len(), slots as usize + 1, "booked slots");
    let per_slot = JobKind::PER_SLOT.len();
    let roll_forwards = |jobs: &BTreeMap<i64, Vec<(String, String, i64)>>| {
        jobs.values()
            .flatten()
            .filter(|(_, kind, _)| kind == "RollForward")
            .count()
    };
    assert_eq!(roll_forwards(&planned), 1, "{planned:?}");
    assert!(planned.values().all(|jobs| jobs.len() >= per_slot));

    let mut database = sqlx::SqliteConnection::connect(&app.database_url)
        .await
        .unwrap();
    sqlx::query("DELETE FROM jobs")
        .execute(&mut database)
        .await
        .unwrap();
    assert!(planned_jobs_by_slot(&app)
        .await
        .values()
        .all(|jobs| jobs.is_empty()));

    let app = app.restart("worker-1", Arc::new(NoFaults)).await;
    assert_eq!(planned_jobs_by_slot(&app).await, planned);
    // A second start finds them all and adds none.
    let app = app.restart("worker-1", Arc::new(NoFaults)).await;
    assert_eq!(planned_jobs_by_slot(&app).await, planned);
}
