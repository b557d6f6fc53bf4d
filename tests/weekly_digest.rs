//! Issue 12, the weekly community digest: a cron tick enqueues one durable job per community
//! and ISO week; the runner posts it in the community's lobby (the shell prints it) with the
//! coming week's busiest slots and last week's sessions and hours, once, however many
//! instances tick (PostgreSQL) or however often the job runs.

mod common;
#[path = "support/postgres.rs"]
mod pg;

use std::sync::Arc;

use chrono::{DateTime, Duration, TimeZone, Utc};

use common::{build, spawn_app, test_limits, test_start, COMMUNITY};
use focusfolk::clock::ManualClock;
use focusfolk::core::model::Platform;
use focusfolk::engine::NoFaults;
use focusfolk::platform::shell::{ShellEvent, ShellPlatform};
use focusfolk::shell_repl::describe_event;
use focusfolk::store::Store;
use sqlx::{Connection, Executor};

/// Mon 7 Dec 2026 09:00 UTC: the default digest tick a week after the harness's start.
fn next_monday_nine() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 7, 9, 0, 0).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_digest_is_printed_in_the_shell_lobby_once_with_last_week_and_the_busiest_slots() {
    let app = spawn_app().await;
    // Last week: ann and ben at 9:00 today (25 min each), cara on Thursday (50 min).
    for (member, when) in [
        ("ann", "book 9:00 25m"),
        ("ben", "book 9:00 25m"),
        ("cara", "book 2026-12-03T10:00 50m"),
        // The coming week: two at Tuesday 10:00, one on Wednesday.
        ("ann", "book 2026-12-08T10:00 25m"),
        ("ben", "book 2026-12-08T10:00 25m"),
        ("cara", "book 2026-12-09T11:00 50m"),
    ] {
        let reply = app.say(member, when).await;
        assert!(reply.contains("Booked"), "{member} {when}: {reply}");
    }
    app.advance_to(next_monday_nine()).await;
    let store = app.engine.store_for_tests().clone();
    let tick = next_monday_nine();
    let new = focusfolk::cron::enqueue_digest(&store, tick, &[Platform::Shell])
        .await
        .unwrap();
    assert_eq!(new, 1, "one community, one job");
    assert_eq!(
        focusfolk::cron::enqueue_digest(&store, tick + Duration::hours(3), &[Platform::Shell])
            .await
            .unwrap(),
        0,
        "a second tick in the same week adds nothing"
    );
    let reports = app.engine.run_due_jobs().await.unwrap();
    let digest: Vec<_> = reports
        .iter()
        .filter(|report| report.job.key.starts_with("digest:community:"))
        .collect();
    assert_eq!(digest.len(), 1);
    assert!(
        digest[0].job.key.ends_with(":2026-W50"),
        "{}",
        digest[0].job.key
    );
    assert!(
        digest[0]
            .outcome
            .to_string()
            .starts_with("done: digest posted: 3 sessions last week"),
        "{}",
        digest[0].outcome
    );

    let posts = app.platform.community_posts();
    assert_eq!(posts.len(), 1, "{posts:?}");
    let (community, text) = &posts[0];
    assert_eq!(community, COMMUNITY);
    assert!(text.contains("This week in focus"), "{text}");
    assert!(
        text.contains("Last week: 3 sessions · 1.7 hours of focus"),
        "{text}"
    );
    let tuesday = text.find("Tue 8 Dec 10:00").expect("Tuesday's slot named");
    let wednesday = text
        .find("Wed 9 Dec 11:00")
        .expect("Wednesday's slot named");
    assert!(tuesday < wednesday, "busiest first: {text}");
    assert!(text.contains("25 min · 2 booked"), "{text}");
    // What the shell prints for it.
    let printed: Vec<String> = app
        .platform
        .all_events()
        .iter()
        .filter(|event| matches!(event, ShellEvent::CommunityPost { .. }))
        .map(describe_event)
        .collect();
    assert_eq!(printed.len(), 1);
    assert!(
        printed[0].starts_with(&format!(
            "  📣 in the {COMMUNITY} lobby: This week in focus"
        )),
        "{}",
        printed[0]
    );

    // The job run again (as after a crash between the post and the job's end) posts nothing
    // new: the post is an effect keyed by community and week.
    let job = digest[0].job.id;
    let mut raw = sqlx::AnyConnection::connect(&app.database_url)
        .await
        .unwrap();
    raw.execute(sqlx::AssertSqlSafe(format!(
        "UPDATE jobs SET status = 'pending', outcome = NULL, finished_at = NULL WHERE id = {}",
        job.0
    )))
    .await
    .unwrap();
    raw.close().await.unwrap();
    app.clock.advance_to(tick + Duration::hours(1));
    let again = app.engine.run_due_jobs().await.unwrap();
    assert_eq!(again.len(), 1, "the digest job ran again");
    assert_eq!(app.platform.community_posts().len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_digest_more_than_a_day_late_is_dropped() {
    let app = spawn_app().await;
    assert!(app.say("ann", "book 9:00 25m").await.contains("Booked"));
    let store = app.engine.store_for_tests().clone();
    focusfolk::cron::enqueue_digest(&store, test_start(), &[Platform::Shell])
        .await
        .unwrap();
    app.clock.advance_to(test_start() + Duration::hours(25));
    let reports = app.engine.run_due_jobs().await.unwrap();
    let digest = reports
        .iter()
        .find(|report| report.job.key.starts_with("digest:"))
        .expect("the digest job ran");
    assert!(
        digest.outcome.to_string().starts_with("dropped:"),
        "{}",
        digest.outcome
    );
    assert!(app.platform.community_posts().is_empty());
}

/// Two instances on one PostgreSQL both tick and both run their runners: one post.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_instances_on_one_postgres_post_the_digest_once() {
    let database = pg::TestDatabase::create().await;
    let clock = Arc::new(ManualClock::new(test_start()));
    let directory = Arc::new(tempfile::tempdir().unwrap());
    let instance = |name: &'static str, platform: Arc<ShellPlatform>| {
        let (url, clock, directory) = (database.url.clone(), clock.clone(), directory.clone());
        async move {
            build(
                Store::connect_and_migrate(&url).await.unwrap(),
                platform,
                clock,
                url,
                directory,
                name,
                Arc::new(NoFaults),
                test_limits(),
            )
        }
    };
    // Each instance its own platform connection, so a post through either is counted apart.
    let first = instance("instance-a", Arc::new(ShellPlatform::new())).await;
    let second = instance("instance-b", Arc::new(ShellPlatform::new())).await;
    assert!(first.say("ann", "book 9:00 25m").await.contains("Booked"));
    assert!(second
        .say("ben", "book 2026-12-01T09:00 25m")
        .await
        .contains("Booked"));

    let tick = test_start() + Duration::hours(1);
    clock.advance_to(tick);
    let (a, b) = tokio::join!(
        focusfolk::cron::enqueue_digest(first.engine.store_for_tests(), tick, &[Platform::Shell]),
        focusfolk::cron::enqueue_digest(second.engine.store_for_tests(), tick, &[Platform::Shell]),
    );
    assert_eq!(
        a.unwrap() + b.unwrap(),
        1,
        "one job for the community and week"
    );
    let (a, b) = tokio::join!(first.engine.run_due_jobs(), second.engine.run_due_jobs());
    let ran: Vec<_> = a
        .unwrap()
        .into_iter()
        .chain(b.unwrap())
        .filter(|report| report.job.key.starts_with("digest:"))
        .collect();
    assert_eq!(ran.len(), 1, "{ran:?}");
    let posts: Vec<_> = first
        .platform
        .community_posts()
        .into_iter()
        .chain(second.platform.community_posts())
        .collect();
    assert_eq!(posts.len(), 1, "{posts:?}");
    assert!(posts[0].1.contains("25 min · 1 booked"), "{}", posts[0].1);
    database.drop_database().await;
}
