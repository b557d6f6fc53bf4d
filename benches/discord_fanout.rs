//! Slot-start fan-out on the fake Discord with Discord's limits on (global 50 requests/s,
//! per-route buckets), through the real bot in proxy mode: 50 and 200 pairs booked in advance.
//! Prints, per phase, the requests made, the time taken and the lower bound the limits imply
//! (requests ÷ 50/s); then the goal: rooms ready before T, announcements out by T + 5 s, the
//! fan-out (T−prepare to the last announcement, phases back to back) within 1.2× its bound.
//!
//! `cargo bench --bench discord_fanout`. Under `cargo test` (no `--bench` argument) it runs a
//! 5-pair smoke pass so the test suite stays fast.

#[path = "../tests/discord_common/mod.rs"]
mod discord_common;

use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use discord_common::{at, spawn, Options};

const GLOBAL_PER_SECOND: f64 = 50.0;

struct Phase {
    name: &'static str,
    requests: usize,
    seconds: f64,
}

impl Phase {
    fn bound(&self) -> f64 {
        self.requests as f64 / GLOBAL_PER_SECOND
    }
    fn print(&self) {
        println!(
            "  {:<28} {:>5} requests in {:>6.2} s · bound {:>6.2} s · {:.2}×",
            self.name,
            self.requests,
            self.seconds,
            self.bound(),
            self.seconds / self.bound().max(0.001)
        );
    }
}

async fn run_phase(
    app: &discord_common::DiscordApp,
    name: &'static str,
    until: DateTime<Utc>,
) -> Phase {
    let before = app.fake.lock().request_log.len();
    let started = Instant::now();
    app.advance_to(until).await;
    let seconds = started.elapsed().as_secs_f64();
    let requests = app.fake.lock().request_log.len() - before;
    Phase {
        name,
        requests,
        seconds,
    }
}

async fn fan_out(pairs: usize) -> bool {
    let app = spawn(Options::default()).await;
    let members: Vec<u64> = (0..pairs * 2)
        .map(|i| app.member(&format!("member{i}")))
        .collect();
    // Booked in advance through the engine (the slash-command path is measured elsewhere).
    for member in &members {
        app.book_through_engine(*member, "book 9:00 25m").await;
    }
    println!("{pairs} pairs ({} members), one guild:", members.len());
    let reminders = run_phase(&app, "reminders (T−10 min)", at(8, 50)).await;
    reminders.print();
    let prepare = run_phase(&app, "prepare (T−2 min)", at(8, 58)).await;
    prepare.print();
    // The prepare job moved the announcement ahead of T so the last DM lands by T: the
    // fast-forward clock runs it at that moment, so its wall time counts from there.
    let announce_starts = app
        .engine
        .next_due_at()
        .await
        .expect("store")
        .expect("the announce job is pending");
    let announce_offset = (announce_starts - at(9, 0)).num_milliseconds() as f64 / 1000.0;
    println!("  announcements start at T{announce_offset:+.0} s");
    let announce = run_phase(&app, "announce", at(9, 0)).await;
    announce.print();

    let stats = app.fake.stats();
    let announced = members
        .iter()
        .filter(|m| app.fake.dms_containing(**m, "It's time!") == 1)
        .count();
    let rooms = app
        .fake
        .channels(app.guild)
        .iter()
        .filter(|c| c.name.starts_with("focus-"))
        .count();
    let fan_out = Phase {
        name: "fan-out (T−prepare→last DM)",
        requests: prepare.requests + announce.requests,
        seconds: prepare.seconds + announce.seconds,
    };
    fan_out.print();
    println!(
        "  rooms {rooms}/{pairs}, announced {announced}/{} · 429s {} · violations {} · peak {} requests in one second",
        members.len(),
        stats.rate_limited,
        stats.violations,
        stats.peak_per_second
    );
    let ready_before_t = prepare.seconds < 120.0;
    let announced_by = announce_offset + announce.seconds;
    println!(
        "  goal: rooms ready before T: {} ({:.1} s of the 120 s lead) · announcements by T+5 s: {} (last at T{announced_by:+.1} s; {} DMs need ≥ {:.1} s at 50/s) · fan-out ≤ 1.2× bound: {}",
        if ready_before_t { "yes" } else { "NO" },
        prepare.seconds,
        if announced_by <= 5.0 { "yes" } else { "NO" },
        announce.requests,
        announce.bound(),
        if fan_out.seconds <= 1.2 * fan_out.bound() { "yes" } else { "NO" },
    );
    if let Some(bot) = app.bot {
        bot.shutdown().await;
    }
    rooms == pairs && announced == members.len() && stats.violations == 0
}

fn main() {
    let full = std::env::args().any(|arg| arg == "--bench");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let sizes: &[usize] = if full { &[50, 200] } else { &[5] };
        for &pairs in sizes {
            let started = Instant::now();
            let complete = fan_out(pairs).await;
            assert!(
                complete,
                "every room made and every member announced, within limits"
            );
            println!("  (whole run {:.1} s)\n", started.elapsed().as_secs_f64());
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    });
}
