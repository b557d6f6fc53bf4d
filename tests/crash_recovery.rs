//! Crash tests: the runner dies at every possible point — between effects, after an effect but
//! before it is recorded, after a job's work but before it is marked done — and restarts on the
//! same database. Every member must end up with exactly the DMs of an uncrashed run.

mod common;

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use common::{at, spawn_app, TestApp};
use focusfolk::engine::jobs::JobError;
use focusfolk::engine::{FaultInjector, FaultPoint, NoFaults};
use focusfolk::fast_forward::fast_forward_to;

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
