//! Booking throughput through the whole app (parse → rules → store → job scheduling) on SQLite,
//! next to a bare SQLite insert of one row per booking (one row per transaction) on the same
//! kind of database in the same run. Goal: the app sustains at least half the bare insert rate.
//! Prints figures.
//!
//! Throughput is measured the way bookings arrive in a community: many members at once (the
//! engine handles each command in its own task, as the Discord and Matrix adapters do), with
//! [`CONCURRENT_MEMBERS`] members booking at the same time. The bare side is measured both one
//! insert at a time and with the same number of concurrent writers, and the app is compared
//! with the faster of the two. One-member-at-a-time app figures are printed too: there no
//! commit can be shared, so they show the cost of a single booking.
//!
//! The machine this runs on is often busy (other builds), so bare and app runs alternate for a
//! few rounds, each on a fresh file, and the medians are compared. Both sides use the same file
//! settings (WAL, synchronous NORMAL, default page size and auto-checkpoint) and the same pool
//! setting the store uses for SQLite (no ping before each acquire).
//!
//! The "first booking" figure is the goal metric: every command comes from a new member, so
//! the app also creates the member. The "second booking" figure is the same members booking
//! again (no member row to write), for context.

use std::sync::Arc;
use std::time::Instant;

use chrono::{Duration, TimeZone, Utc};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};

use focusfolk::clock::ManualClock;
use focusfolk::core::model::{CommunitySettings, Platform};
use focusfolk::engine::{Actor, Engine, RunnerSettings};
use focusfolk::platform::shell::ShellPlatform;
use focusfolk::store::Store;

/// How many members book at the same moment in the concurrent runs (a busy community at the top
/// of the hour; also the number of concurrent bare writers).
const CONCURRENT_MEMBERS: usize = 16;

/// `cargo bench` passes --bench; `cargo test --all-targets` runs this binary unoptimised as a
/// short smoke run, where the figures mean nothing but the code path is exercised.
fn full_run() -> bool {
    std::env::args().any(|arg| arg == "--bench")
}

fn bookings() -> usize {
    if full_run() {
        3_000
    } else {
        100
    }
}

/// One round's rates, bookings per second.
#[derive(Default)]
struct Round {
    bare_one_at_a_time: f64,
    bare_concurrent: f64,
    app_first_one_at_a_time: f64,
    app_second_one_at_a_time: f64,
    app_first_concurrent: f64,
    app_second_concurrent: f64,
    /// Writes per SQLite commit in the concurrent app run (1.0 = no grouping).
    writes_per_commit_concurrent: f64,
}

impl Round {
    fn best_bare(&self) -> f64 {
        self.bare_one_at_a_time.max(self.bare_concurrent)
    }
}

fn main() {
    let rounds: usize = if full_run() { 3 } else { 1 };
    let booking_count = bookings();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let directory = tempfile::tempdir().expect("temp dir");
        let file = |name: &str, round: usize| directory.path().join(format!("{name}{round}.sqlite"));
        let mut results = Vec::new();
        for round in 0..rounds {
            let mut figures = Round {
                bare_one_at_a_time: bare_inserts(&file("bare", round), 1).await,
                bare_concurrent: bare_inserts(&file("bare-concurrent", round), CONCURRENT_MEMBERS)
                    .await,
                ..Round::default()
            };
            (figures.app_first_one_at_a_time, figures.app_second_one_at_a_time, _) =
                app_bookings(&file("app", round), 1).await;
            (
                figures.app_first_concurrent,
                figures.app_second_concurrent,
                figures.writes_per_commit_concurrent,
            ) = app_bookings(&file("app-concurrent", round), CONCURRENT_MEMBERS).await;
            println!(
                "round {}: bare {:>6.0}/s one at a time, {:>6.0}/s with {CONCURRENT_MEMBERS} writers · \
                 app, first booking {:>6.0}/s one at a time, {:>6.0}/s with {CONCURRENT_MEMBERS} members \
                 (ratio {:.2}) · app, second booking {:>6.0}/s, {:>6.0}/s · {:.1} writes per commit",
                round + 1,
                figures.bare_one_at_a_time,
                figures.bare_concurrent,
                figures.app_first_one_at_a_time,
                figures.app_first_concurrent,
                figures.app_first_concurrent / figures.best_bare(),
                figures.app_second_one_at_a_time,
                figures.app_second_concurrent,
                figures.writes_per_commit_concurrent,
            );
            results.push(figures);
        }
        let median_of = |rate: fn(&Round) -> f64| median(results.iter().map(rate).collect());
        let bare = median_of(Round::best_bare);
        let app = median_of(|round| round.app_first_concurrent);
        println!("medians of {rounds} rounds, {booking_count} bookings each:");
        println!(
            "bare SQLite insert, one row per transaction:   {:>8.0}/s one at a time · {:>8.0}/s with {CONCURRENT_MEMBERS} writers",
            median_of(|round| round.bare_one_at_a_time),
            median_of(|round| round.bare_concurrent),
        );
        println!(
            "whole app `book …`, each member's first:      {:>8.0}/s one at a time · {:>8.0}/s with {CONCURRENT_MEMBERS} members",
            median_of(|round| round.app_first_one_at_a_time),
            app,
        );
        println!(
            "  (same members booking again, no new member: {:>8.0}/s one at a time · {:>8.0}/s with {CONCURRENT_MEMBERS} members)",
            median_of(|round| round.app_second_one_at_a_time),
            median_of(|round| round.app_second_concurrent),
        );
        println!(
            "ratio app ({CONCURRENT_MEMBERS} members) / bare (faster of the two): {:.2} (goal ≥ 0.50)",
            app / bare
        );
    });
}

fn median(mut rates: Vec<f64>) -> f64 {
    rates.sort_by(f64::total_cmp);
    rates[rates.len() / 2]
}

/// Bare inserts per second with `writers` tasks inserting at once, one row per statement.
async fn bare_inserts(path: &std::path::Path, writers: usize) -> f64 {
    // The same durability settings the store uses: WAL, synchronous NORMAL, and the same busy
    // timeout (concurrent writers wait for SQLite's write lock).
    let options = SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal)
        .busy_timeout(std::time::Duration::from_secs(5));
    // No ping before each acquire, like the store's SQLite pool (sqlx's default pings, which
    // would make this side slower for a reason that has nothing to do with the insert).
    let pool = SqlitePoolOptions::new()
        .max_connections(5)
        .test_before_acquire(false)
        .connect_with(options)
        .await
        .expect("bare pool");
    sqlx::query(
        "CREATE TABLE bookings (id INTEGER PRIMARY KEY, member TEXT NOT NULL, starts_at INTEGER NOT NULL, \
         length_minutes INTEGER NOT NULL, created_at INTEGER NOT NULL)",
    )
    .execute(&pool)
    .await
    .expect("bare table");
    let started = Instant::now();
    let tasks: Vec<_> = (0..writers)
        .map(|writer| {
            let pool = pool.clone();
            tokio::spawn(async move {
                for index in (writer..bookings()).step_by(writers) {
                    sqlx::query(
                        "INSERT INTO bookings (member, starts_at, length_minutes, created_at) VALUES ($1, $2, $3, $4)",
                    )
                    .bind(format!("member{index}"))
                    .bind(1_800_000_000_i64 + (index as i64 % 96) * 900)
                    .bind(50_i64)
                    .bind(1_700_000_000_i64)
                    .execute(&pool)
                    .await
                    .expect("bare insert");
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.expect("bare writer");
    }
    bookings() as f64 / started.elapsed().as_secs_f64()
}

/// Bookings per second with `members_at_once` members booking at the same time: (each member's
/// first booking, the same members' second booking, SQLite writes per commit over both).
async fn app_bookings(path: &std::path::Path, members_at_once: usize) -> (f64, f64, f64) {
    let url = format!("sqlite://{}", path.display());
    let store = Store::connect_and_migrate(&url).await.expect("store");
    let clock = Arc::new(ManualClock::new(
        Utc.with_ymd_and_hms(2026, 11, 30, 0, 0, 0).unwrap(),
    ));
    let engine = Engine::new(
        store.clone(),
        Arc::new(ShellPlatform::new()),
        clock,
        CommunitySettings::default(),
        RunnerSettings::for_platform(Platform::Shell),
    );
    // Commands as members type them: each member books one of 96 quarter-hour slots on a day.
    let commands = |day: u32| -> Vec<(Actor, String)> {
        (0..bookings())
            .map(|index| {
                let name = format!("member{index}");
                let start = Utc.with_ymd_and_hms(2026, 12, day, 0, 0, 0).unwrap()
                    + Duration::minutes(15 * (index as i64 % 96));
                (
                    Actor::new(Platform::Shell, "bench", &name, &name),
                    format!("book {} 50m", start.format("%Y-%m-%dT%H:%MZ")),
                )
            })
            .collect()
    };
    let mut rates = [0.0; 2];
    for (rate, commands) in rates.iter_mut().zip([commands(1), commands(2)]) {
        let commands = Arc::new(commands);
        let started = Instant::now();
        let members: Vec<_> = (0..members_at_once)
            .map(|member| {
                let (engine, commands) = (engine.clone(), commands.clone());
                tokio::spawn(async move {
                    for (actor, text) in commands.iter().skip(member).step_by(members_at_once) {
                        let reply = engine.handle_text(actor, text).await.render_plain();
                        assert!(reply.contains("Booked"), "{reply}");
                    }
                })
            })
            .collect();
        for member in members {
            member.await.expect("booking member");
        }
        *rate = bookings() as f64 / started.elapsed().as_secs_f64();
    }
    let grouping = store
        .group_commit_stats()
        .expect("a SQLite file groups its commits");
    let writes_per_commit = grouping.statements as f64 / grouping.commits.max(1) as f64;
    (rates[0], rates[1], writes_per_commit)
}
