//! Command latency under a burst: 200 members issue `/book` at the same moment through the
//! fake Discord, into the real bot (serenity + poise + the adapter + the engine). For each
//! interaction we measure from the moment the fake's gateway delivered it to the moment the
//! member saw the answer (the response, or the edit of a deferred one), on SQLite and, when
//! `FOCUSFOLK_TEST_POSTGRES_URL` names a server, on a fresh PostgreSQL database. Each backend
//! runs two bursts: 200 newcomers (each member's first command also records the member), then
//! the same 200 booking the next hour, as a community's regulars do at the top of the hour.
//! Discord drops an interaction not acknowledged within 3 s; the goal is p99 < 100 ms.
//!
//! `./scripts/test --bench discord_book_latency -- --bench` (scripts/test provides PostgreSQL).
//! Under `cargo test` (no `--bench` argument) it runs a 10-member smoke pass.

#[path = "../tests/discord_common/mod.rs"]
mod discord_common;

use std::time::Duration;

use discord_common::{spawn, Options};
use serde_json::Value;

fn full_run() -> bool {
    std::env::args().any(|arg| arg == "--bench")
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index.min(sorted.len() - 1)]
}

/// CPU seconds this process (the fake Discord, serenity, the adapter, the engine, SQLite) has
/// used so far: the figure that does not depend on what else the machine is doing.
fn cpu_seconds() -> f64 {
    process_cpu_seconds(&std::fs::read_to_string("/proc/self/stat").unwrap_or_default())
}

/// User + system CPU seconds from a `/proc/PID/stat` line.
fn process_cpu_seconds(stat: &str) -> f64 {
    // Fields after the command name (which ends with the last ')'): utime is the 12th, stime
    // the 13th, in clock ticks (100 per second on Linux).
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map(|(_, rest)| rest.split_whitespace().collect())
        .unwrap_or_default();
    let ticks = |index: usize| {
        fields
            .get(index)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    (ticks(11) + ticks(12)) / 100.0
}

/// CPU seconds the whole machine has spent busy (every process: with PostgreSQL, its server's
/// share of a `/book` too), from the first line of `/proc/stat`, in clock ticks (100 per s).
fn machine_cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/stat").unwrap_or_default();
    let ticks: Vec<f64> = stat
        .lines()
        .next()
        .unwrap_or_default()
        .split_whitespace()
        .skip(1)
        .filter_map(|field| field.parse().ok())
        .collect();
    // user nice system idle iowait irq softirq steal …: the work done, not idle, iowait or
    // steal (time the hypervisor gave to other machines).
    let busy: f64 = ticks
        .iter()
        .enumerate()
        .filter(|(index, _)| *index != 3 && *index != 4)
        .take(5)
        .map(|(_, value)| value)
        .sum();
    busy / 100.0
}

/// CPU seconds every `postgres` process on the machine (the server's backends and its
/// background workers) has used so far: with the PostgreSQL burst, the server's share of a
/// `/book`, apart from the kernel's and this process's.
fn postgres_server_cpu_seconds() -> f64 {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return 0.0;
    };
    entries
        .flatten()
        .filter(|entry| {
            entry
                .file_name()
                .to_string_lossy()
                .bytes()
                .all(|b| b.is_ascii_digit())
        })
        .filter_map(|entry| std::fs::read_to_string(entry.path().join("stat")).ok())
        .filter(|stat| stat.contains("(postgres)"))
        .map(|stat| process_cpu_seconds(&stat))
        .sum()
}

fn millis(duration: Duration) -> String {
    format!("{:.1} ms", duration.as_secs_f64() * 1000.0)
}

/// Two bursts on one bot: `members` newcomers book (their first command: the bot records
/// each member as it answers), then the same members book the next hour (the steady state of
/// a community at the top of the hour). Returns each burst's (p99, all answered "Booked").
async fn bursts(
    backend: &str,
    database_url: Option<String>,
    members: usize,
) -> Vec<(Duration, bool)> {
    let app = spawn(Options {
        database_url,
        ..Options::default()
    })
    .await;
    let users: Vec<u64> = (0..members)
        .map(|index| app.member(&format!("member{index:03}")))
        .collect();
    vec![
        burst(&app, &format!("{backend}, newcomers"), &users, 9).await,
        burst(&app, &format!("{backend}, returning"), &users, 10).await,
    ]
}

/// Every member books a slot of `hour` at once; returns (p99, all answered "Booked").
async fn burst(
    app: &discord_common::DiscordApp,
    label: &str,
    users: &[u64],
    hour: u32,
) -> (Duration, bool) {
    let members = users.len();
    // Four slots and two lengths, as a busy hour's bookings spread.
    let cpu_before = cpu_seconds();
    let machine_before = machine_cpu_seconds();
    let server_before = postgres_server_cpu_seconds();
    let interactions: Vec<u64> = users
        .iter()
        .enumerate()
        .map(|(index, user)| {
            let when = format!("{hour}:{:02}", [0, 15, 30, 45][index % 4]);
            let minutes = [25, 50][index % 2];
            app.fake.invoke(
                app.guild,
                *user,
                app.general,
                "book",
                &[
                    ("when", Value::from(when.as_str())),
                    ("duration", Value::from(minutes)),
                ],
            )
        })
        .collect();
    let mut latencies = Vec::new();
    let mut all_booked = true;
    for id in &interactions {
        let answer = app.fake.answer(*id).await;
        all_booked &= answer.content().contains("Booked");
        let interaction = app.fake.interaction(*id);
        let delivered = interaction
            .delivered
            .expect("delivered before it was answered");
        let answered = interaction.answered_at.expect("answered");
        latencies.push(answered.saturating_duration_since(delivered));
    }
    let cpu_per_book = (cpu_seconds() - cpu_before) / members as f64;
    let machine_per_book = (machine_cpu_seconds() - machine_before) / members as f64;
    let server_per_book = (postgres_server_cpu_seconds() - server_before) / members as f64;
    latencies.sort();
    let p99 = percentile(&latencies, 0.99);
    println!(
        "{label:<22} {members} × /book at once: p50 {} · p90 {} · p99 {} · max {} · \
         CPU per /book {:.2} ms in this process, {:.2} ms in PostgreSQL's processes, {:.2} ms on \
         the machine · all booked: {all_booked}",
        millis(percentile(&latencies, 0.50)),
        millis(percentile(&latencies, 0.90)),
        millis(p99),
        millis(*latencies.last().unwrap()),
        cpu_per_book * 1000.0,
        server_per_book * 1000.0,
        machine_per_book * 1000.0,
    );
    (p99, all_booked)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let members = if full_run() { 200 } else { 10 };
    let mut results = bursts("SQLite", None, members).await;
    if let Ok(server) = std::env::var("FOCUSFOLK_TEST_POSTGRES_URL") {
        use sqlx::{Connection, Executor};
        let name = format!("bench_book_latency_{}", std::process::id());
        let mut admin = sqlx::PgConnection::connect(&server).await.unwrap();
        admin
            .execute(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .await
            .unwrap();
        let (base, _) = server.rsplit_once('/').unwrap();
        results.extend(bursts("PostgreSQL", Some(format!("{base}/{name}")), members).await);
        admin
            .execute(sqlx::AssertSqlSafe(format!(
                "DROP DATABASE {name} WITH (FORCE)"
            )))
            .await
            .unwrap();
    }
    // The smoke pass checks the bench works; only a full run judges the goal.
    assert!(
        results.iter().all(|(_, booked)| *booked),
        "every /book was answered Booked"
    );
    if full_run() {
        let met = results
            .iter()
            .all(|(p99, _)| *p99 < Duration::from_millis(100));
        println!("goal p99 < 100 ms: {}", if met { "met" } else { "NOT met" });
    }
}
