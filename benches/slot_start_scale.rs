//! Issue 12's slot-start figures on the shell platform and SQLite: 1,000 members across 20
//! communities book one slot (command latency p50/p99, 16 members at a time), then the slot
//! starts: every community's prepare (matching + rooms) and announce jobs come due at once,
//! and one runner works through them. Printed: how long after their due moment the jobs
//! started (job lag p50/p99 — the last community waits for the others) and each prepare's
//! duration (matching 50 members, opening their rooms, writing groups). Matching alone, by
//! member count, is `benches/matching.rs`. Also the process' RSS after.
//!
//! The engine's clock is manual: it is set to each due moment and the runner's wall time is
//! measured, which is what a real clock would see on this machine. The shell platform's effects
//! are in memory, so the figures are the engine and the database, not a chat platform's rate.
//! `cargo bench --no-default-features --bench slot_start_scale`; under `cargo test` it runs as
//! a small smoke run (figures meaningless).

use std::sync::Arc;
use std::time::{Duration as StdDuration, Instant};

use chrono::{Duration, TimeZone, Utc};

use focusfolk::clock::{Clock, ManualClock};
use focusfolk::core::model::{CommunitySettings, JobKind, Platform};
use focusfolk::engine::{Actor, CommandLimits, Engine, RunnerSettings};
use focusfolk::platform::shell::ShellPlatform;
use focusfolk::store::Store;

fn full_run() -> bool {
    std::env::args().any(|arg| arg == "--bench")
}

fn percentile(sorted: &[StdDuration], p: f64) -> StdDuration {
    if sorted.is_empty() {
        return StdDuration::ZERO;
    }
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index]
}

fn millis(duration: StdDuration) -> String {
    format!("{:.1} ms", duration.as_secs_f64() * 1000.0)
}

fn rss() -> String {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find(|line| line.starts_with("VmRSS:"))
                .map(|line| {
                    line.split_whitespace()
                        .skip(1)
                        .collect::<Vec<_>>()
                        .join(" ")
                })
        })
        .unwrap_or_else(|| "?".into())
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let directory = tempfile::tempdir().unwrap();
    let url = format!(
        "sqlite://{}",
        directory.path().join("scale.sqlite").display()
    );
    run("SQLite", &url, BigSchedule::Yes).await;
    // PostgreSQL too when a server is at hand (`./scripts/test --bench slot_start_scale --
    // --bench` provides one): a fresh database, the slot start only.
    if let Ok(server) = std::env::var("FOCUSFOLK_TEST_POSTGRES_URL") {
        use sqlx::{Connection, Executor};
        let name = format!("bench_scale_{}", std::process::id());
        let mut admin = sqlx::PgConnection::connect(&server).await.unwrap();
        admin
            .execute(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .await
            .unwrap();
        let (base, _) = server.rsplit_once('/').unwrap();
        run("PostgreSQL", &format!("{base}/{name}"), BigSchedule::No).await;
        admin
            .execute(sqlx::AssertSqlSafe(format!(
                "DROP DATABASE {name} WITH (FORCE)"
            )))
            .await
            .unwrap();
    }
}

#[derive(PartialEq)]
enum BigSchedule {
    Yes,
    No,
}

async fn run(backend: &str, url: &str, big_schedule: BigSchedule) {
    let (communities, members_per_community) = if full_run() { (20, 50) } else { (2, 4) };
    let store = Store::connect_and_migrate(url).await.unwrap();
    let start = Utc.with_ymd_and_hms(2030, 1, 7, 8, 0, 0).unwrap();
    let clock = Arc::new(ManualClock::new(start));
    let engine = Engine::new(
        store,
        Arc::new(ShellPlatform::new()),
        clock.clone(),
        CommunitySettings::default(),
        RunnerSettings {
            // Each big member books 20 times in a row: no per-member command rate here.
            limits: CommandLimits {
                command_interval: StdDuration::ZERO,
                ..CommandLimits::default()
            },
            ..RunnerSettings::for_platform(Platform::Shell)
        },
    );

    // Bookings: 16 members at a time, as a busy top of the hour brings them.
    let actors: Vec<Actor> = (0..communities)
        .flat_map(|community| {
            (0..members_per_community).map(move |member| {
                let name = format!("m{community}x{member}");
                Actor::new(Platform::Shell, &format!("c{community}"), &name, &name)
            })
        })
        .collect();
    let mut latencies = Vec::new();
    for chunk in actors.chunks(16) {
        let tasks: Vec<_> = chunk
            .iter()
            .cloned()
            .map(|actor| {
                let engine = engine.clone();
                tokio::spawn(async move {
                    let began = Instant::now();
                    let reply = engine.handle_text(&actor, "book 9:00").await;
                    assert!(
                        reply.render_plain().contains("Booked"),
                        "{}",
                        reply.render_plain()
                    );
                    began.elapsed()
                })
            })
            .collect();
        for task in tasks {
            latencies.push(task.await.unwrap());
        }
    }
    latencies.sort();

    // The slot starts: run each due moment's jobs and time when each one started.
    let slot_start = start + Duration::hours(1);
    let mut lags = Vec::new();
    let mut prepares = Vec::new();
    for due in [
        slot_start - Duration::minutes(10),
        slot_start - Duration::minutes(2),
        slot_start,
    ] {
        clock.advance_to(due);
        let moment = Instant::now();
        loop {
            let claimed_after = moment.elapsed();
            let Some(report) = engine.run_one_due_job().await.unwrap() else {
                break;
            };
            let finished_after = moment.elapsed();
            lags.push(claimed_after);
            if report.job.kind == JobKind::Prepare {
                prepares.push(finished_after - claimed_after);
            }
        }
    }
    lags.sort();
    prepares.sort();

    println!(
        "slot start at scale (shell platform, {backend}): {} members in {communities} communities",
        actors.len()
    );
    println!(
        "  book command latency (16 at a time): p50 {}, p99 {}, max {}",
        millis(percentile(&latencies, 0.5)),
        millis(percentile(&latencies, 0.99)),
        millis(*latencies.last().unwrap())
    );
    println!(
        "  job lag over {} reminder/prepare/announce jobs: p50 {}, p99 {}, max {}",
        lags.len(),
        millis(percentile(&lags, 0.5)),
        millis(percentile(&lags, 0.99)),
        millis(*lags.last().unwrap())
    );
    println!(
        "  prepare per community ({members_per_community} members: matching, rooms, DMs): p50 {}, max {}",
        millis(percentile(&prepares, 0.5)),
        millis(*prepares.last().unwrap())
    );
    println!("  RSS after: {}", rss());
    if big_schedule == BigSchedule::No {
        return;
    }

    // Memory with a big schedule: 100,000 future bookings in the same 20 communities (250 more
    // members each, 20 bookings each, 8 h apart), then the startup sweep that re-plans the
    // jobs of every upcoming booking, as each start of `focusfolk run` does.
    let (big_members, bookings_each) = if full_run() { (250, 20) } else { (2, 3) };
    let first = clock.now() + Duration::days(1);
    let big: Vec<(Actor, usize)> = (0..communities)
        .flat_map(|community| {
            (0..big_members).map(move |member| {
                let name = format!("b{community}x{member}");
                (
                    Actor::new(Platform::Shell, &format!("c{community}"), &name, &name),
                    member,
                )
            })
        })
        .collect();
    let booking_began = Instant::now();
    let mut made = 0usize;
    for chunk in big.chunks(16) {
        let tasks: Vec<_> = chunk
            .iter()
            .cloned()
            .map(|(actor, member)| {
                let engine = engine.clone();
                tokio::spawn(async move {
                    for booking in 0..bookings_each {
                        let at = first
                            + Duration::hours(8 * booking as i64)
                            + Duration::minutes(15 * (member % 32) as i64);
                        let text = format!("book {}", at.format("%Y-%m-%dT%H:%M:%SZ"));
                        let reply = engine.handle_text(&actor, &text).await.render_plain();
                        assert!(reply.contains("Booked"), "{text}: {reply}");
                    }
                    bookings_each
                })
            })
            .collect();
        for task in tasks {
            made += task.await.unwrap();
        }
    }
    let booking_took = booking_began.elapsed();
    let before_sweep = rss();
    let sweep_began = Instant::now();
    engine.startup_sweep().await.unwrap();
    println!(
        "  {made} future bookings made in {:.1} s ({:.0}/s); RSS {before_sweep}; startup sweep {} ms, RSS after it {}",
        booking_took.as_secs_f64(),
        made as f64 / booking_took.as_secs_f64(),
        sweep_began.elapsed().as_millis(),
        rss()
    );
}
