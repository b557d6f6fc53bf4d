//! Two bot instances on one PostgreSQL database: every job runs once and no DM is sent twice —
//! without leaning on the platform's deduplication.

mod common;
#[path = "support/postgres.rs"]
mod postgres;

use std::collections::HashMap;
use std::sync::Arc;

use chrono::Duration;

use common::{at, build, test_start};
use focusfolk::clock::ManualClock;
use focusfolk::engine::NoFaults;
use focusfolk::platform::shell::ShellPlatform;
use focusfolk::store::Store;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_instances_on_one_postgres_run_each_job_once() {
    let database = postgres::TestDatabase::create().await;
    let platform = Arc::new(ShellPlatform::new());
    let clock = Arc::new(ManualClock::new(test_start()));
    let directory = Arc::new(tempfile::tempdir().unwrap());
    let first = build(
        Store::connect_and_migrate(&database.url).await.unwrap(),
        platform.clone(),
        clock.clone(),
        database.url.clone(),
        directory.clone(),
        "instance-a",
        Arc::new(NoFaults),
        common::test_limits(),
    );
    let second = build(
        Store::connect_and_migrate(&database.url).await.unwrap(),
        platform.clone(),
        clock.clone(),
        database.url.clone(),
        directory.clone(),
        "instance-b",
        Arc::new(NoFaults),
        common::test_limits(),
    );

    // 24 members over three slots and two lengths; bookings go through both instances.
    let mut members = Vec::new();
    for index in 0..24 {
        let member = format!("member{index:02}");
        let app = if index % 2 == 0 { &first } else { &second };
        let when = ["book 9:00 25m", "book 9:00 50m", "book 9:15 50m"][index % 3];
        let reply = app.say(&member, when).await;
        assert!(reply.contains("Booked"), "{reply}");
        members.push(member);
    }

    // Both instances run side by side while the clock moves in 20-second steps; everyone who
    // has a room joins it, so the whole lifecycle runs.
    let mut ran: HashMap<i64, Vec<&str>> = HashMap::new();
    let mut now = test_start();
    while now < at(10, 30) {
        now += Duration::seconds(20);
        clock.advance_to(now);
        let (a, b) = tokio::join!(first.engine.run_due_jobs(), second.engine.run_due_jobs());
        for (name, reports) in [("a", a.unwrap()), ("b", b.unwrap())] {
            for report in reports {
                ran.entry(report.job.id.0).or_default().push(name);
            }
        }
        for member in &members {
            if let Some(room) = platform.open_room_of(member) {
                platform.join(&room, member).unwrap();
            }
        }
    }

    // Three slots, seven jobs each (reminder, prepare, announce, partner check, attendance,
    // check-in, close).
    assert_eq!(
        ran.len(),
        3 * focusfolk::core::model::JobKind::PER_SLOT.len(),
        "every slot job ran"
    );
    let doubled: Vec<_> = ran
        .iter()
        .filter(|(_, runners)| runners.len() != 1)
        .collect();
    assert!(doubled.is_empty(), "jobs run more than once: {doubled:?}");
    let by_a = ran.values().filter(|runners| runners[0] == "a").count();
    assert!(
        by_a > 0 && by_a < ran.len(),
        "both instances did work ({by_a} of {})",
        ran.len()
    );
    assert_eq!(
        platform.duplicate_deliveries(),
        0,
        "no DM was even attempted twice"
    );
    for member in &members {
        let dms = platform.direct_messages_to(member);
        for needle in ["starts in", "It's time!", "Session done"] {
            assert_eq!(
                dms.iter().filter(|text| text.contains(needle)).count(),
                1,
                "{member}: {needle} in {dms:?}"
            );
        }
    }
    database.drop_database().await;
}
