//! Booking throughput through the whole app (parse → rules → store → job scheduling) on SQLite,
//! next to a bare SQLite insert of one row per booking on the same kind of database in the same
//! run. Goal: the app sustains at least half the bare insert rate. Prints figures.
//!
//! The machine this runs on is often busy (other builds), so bare and app runs alternate for a
//! few rounds, each on a fresh file, and the medians are compared. Both sides use the same file
//! settings (WAL, synchronous NORMAL, default page size and auto-checkpoint) and the same pool
//! setting the store uses for SQLite (no ping before each acquire).
//!
//! The "first booking" figure is the goal metric: every command comes from a new member, so
//! the app also creates the member. The "second booking" line is the same members booking again
//! (no member row to write), for context.

use std::sync::Arc;
use std::time::Instant;

use chrono::{Duration, TimeZone, Utc};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};

use cofocus::clock::ManualClock;
use cofocus::core::model::CommunitySettings;
use cofocus::engine::{Actor, Engine, RunnerSettings};
use cofocus::platform::shell::ShellPlatform;
use cofocus::store::Store;

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

fn main() {
    let rounds: usize = if full_run() { 3 } else { 1 };
    let booking_count = bookings();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let directory = tempfile::tempdir().expect("temp dir");
        let (mut bare, mut first, mut second) = (Vec::new(), Vec::new(), Vec::new());
        for round in 0..rounds {
            let bare_rate = bare_inserts(&directory.path().join(format!("bare{round}.sqlite"))).await;
            let (first_rate, second_rate) = app_bookings(&directory.path().join(format!("app{round}.sqlite"))).await;
            println!(
                "round {}: bare {bare_rate:>6.0}/s · app {first_rate:>6.0}/s (ratio {:.2}) · app, second booking {second_rate:>6.0}/s",
                round + 1,
                first_rate / bare_rate
            );
            bare.push(bare_rate);
            first.push(first_rate);
            second.push(second_rate);
        }
        let (bare_rate, app_rate, second_rate) = (median(bare), median(first), median(second));
        println!("medians of {rounds} rounds, {booking_count} bookings each:");
        println!("bare SQLite insert (WAL, one row per statement): {bare_rate:>8.0} bookings/s");
        println!("whole app `book …` through the engine:            {app_rate:>8.0} bookings/s");
        println!("  (same members booking again, no new member:   {second_rate:>8.0} bookings/s)");
        println!("ratio app / bare: {:.2} (goal ≥ 0.50)", app_rate / bare_rate);
    });
}

fn median(mut rates: Vec<f64>) -> f64 {
    rates.sort_by(f64::total_cmp);
    rates[rates.len() / 2]
}

async fn bare_inserts(path: &std::path::Path) -> f64 {
    // The same durability settings the store uses: WAL, synchronous NORMAL.
    let options = SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal);
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
    for index in 0..bookings() {
        sqlx::query("INSERT INTO bookings (member, starts_at, length_minutes, created_at) VALUES ($1, $2, $3, $4)")
            .bind(format!("member{index}"))
            .bind(1_800_000_000_i64 + (index as i64 % 96) * 900)
            .bind(50_i64)
            .bind(1_700_000_000_i64)
            .execute(&pool)
            .await
            .expect("bare insert");
    }
    bookings() as f64 / started.elapsed().as_secs_f64()
}

/// Bookings per second: (each member's first booking, the same members' second booking).
async fn app_bookings(path: &std::path::Path) -> (f64, f64) {
    let url = format!("sqlite://{}", path.display());
    let store = Store::connect_and_migrate(&url).await.expect("store");
    let clock = Arc::new(ManualClock::new(
        Utc.with_ymd_and_hms(2026, 11, 30, 0, 0, 0).unwrap(),
    ));
    let engine = Engine::new(
        store,
        Arc::new(ShellPlatform::new()),
        clock,
        CommunitySettings::default(),
        RunnerSettings::default(),
    );
    // Commands as members type them: each member books one of 96 quarter-hour slots on a day.
    let commands = |day: u32| -> Vec<(Actor, String)> {
        (0..bookings())
            .map(|index| {
                let name = format!("member{index}");
                let start = Utc.with_ymd_and_hms(2026, 12, day, 0, 0, 0).unwrap()
                    + Duration::minutes(15 * (index as i64 % 96));
                (
                    Actor::new("shell", "bench", &name, &name),
                    format!("book {} 50m", start.format("%Y-%m-%dT%H:%MZ")),
                )
            })
            .collect()
    };
    let mut rates = [0.0; 2];
    for (rate, commands) in rates.iter_mut().zip([commands(1), commands(2)]) {
        let started = Instant::now();
        for (actor, text) in &commands {
            let reply = engine.handle_text(actor, text).await.render_plain();
            assert!(reply.contains("Booked"), "{reply}");
        }
        *rate = bookings() as f64 / started.elapsed().as_secs_f64();
    }
    (rates[0], rates[1])
}
