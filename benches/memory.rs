//! Memory of the real binary (`focusfolk run`), the figure an operator sizes a container by:
//! resident set size (VmRSS) and its peak (VmHWM) once the bot is ready and has idled 15 s,
//!
//! 1. idle, with both platforms configured: the fake Discord (one guild) and a real Synapse;
//! 2. with 100,000 future bookings in 20 Discord guilds of 1,000 members each (5 bookings per
//!    member over the next two weeks), both platforms configured.
//!
//! Goals (issue 12): < 40 MB idle, < 150 MB with the bookings. `cargo bench` builds the binary
//! in release, as the image does: `./scripts/test --bench memory -- --bench` (scripts/test
//! starts the Synapse). Under `cargo test` (no `--bench` argument) it runs a smoke pass with
//! 200 bookings on the debug binary and judges nothing. `FOCUSFOLK_MEMORY_BINARY=path` measures
//! another build of the binary instead.

#[path = "../tests/fake_discord/mod.rs"]
mod fake_discord;
#[path = "../tests/support/synapse.rs"]
mod synapse;
#[path = "../tests/support/wait.rs"]
mod wait;

use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{Duration as ChronoDuration, Utc};
use focusfolk::clock::ManualClock;
use focusfolk::core::model::{CommunitySettings, Platform};
use focusfolk::engine::{Actor, CommandLimits, Engine, RunnerSettings};
use focusfolk::platform::shell::ShellPlatform;
use focusfolk::store::Store;

use fake_discord::{perms, FakeDiscord, LimitConfig};
use synapse::Synapse;

fn full_run() -> bool {
    std::env::args().any(|arg| arg == "--bench")
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The binary measured: this build's, or `FOCUSFOLK_MEMORY_BINARY` (say, one built with other
/// release settings, or copied out of the image) to compare builds under the same load.
fn binary() -> std::ffi::OsString {
    std::env::var_os("FOCUSFOLK_MEMORY_BINARY")
        .unwrap_or_else(|| env!("CARGO_BIN_EXE_focusfolk").into())
}

struct Bot(Child);

impl Drop for Bot {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// (VmRSS, VmHWM, RssAnon, RssFile) in MB: the heap and stacks are `RssAnon`; `RssFile` is
/// the binary's code and data pages the kernel has mapped in (shared, and dropped first under
/// memory pressure).
fn memory_of(pid: u32) -> (f64, f64, f64, f64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let field = |name: &str| {
        status
            .lines()
            .find(|line| line.starts_with(name))
            .and_then(|line| line.split_whitespace().nth(1))
            .and_then(|kb| kb.parse::<f64>().ok())
            .unwrap_or(0.0)
            / 1024.0
    };
    (
        field("VmRSS:"),
        field("VmHWM:"),
        field("RssAnon:"),
        field("RssFile:"),
    )
}

/// Seeds `members_per_guild × bookings_each` future bookings per guild through the engine (the
/// same path `/book` takes), members that exist in the fake Discord.
async fn seed(
    database_url: &str,
    fake: &FakeDiscord,
    guilds: &[u64],
    members_per_guild: usize,
    bookings_each: usize,
) -> usize {
    let store = Store::connect_and_migrate(database_url).await.unwrap();
    let clock = Arc::new(ManualClock::new(Utc::now()));
    let engine = Engine::new(
        store,
        Arc::new(ShellPlatform::new()),
        clock,
        CommunitySettings::default(),
        RunnerSettings {
            limits: CommandLimits {
                command_interval: Duration::ZERO,
                ..CommandLimits::default()
            },
            ..RunnerSettings::for_platform(Platform::Discord)
        },
    );
    let today = Utc::now().date_naive();
    let mut booked = 0;
    for guild in guilds {
        let actors: Vec<Actor> = (0..members_per_guild)
            .map(|index| {
                let name = format!("member{index}");
                let user = fake.add_member(*guild, &name);
                Actor::new(
                    Platform::Discord,
                    &guild.to_string(),
                    &user.to_string(),
                    &name,
                )
            })
            .collect();
        for chunk in actors.chunks(16).map(|chunk| chunk.to_vec()) {
            let tasks: Vec<_> = chunk
                .into_iter()
                .enumerate()
                .map(|(offset, actor)| {
                    let engine = engine.clone();
                    let index = actor.platform_user_id.len() + offset;
                    tokio::spawn(async move {
                        let mut booked = 0;
                        for k in 0..bookings_each {
                            // Distinct days for one member (3k mod 13 differs for k < 13),
                            // spread over the day's quarter hours.
                            let day =
                                today + ChronoDuration::days(1 + ((index + 3 * k) % 13) as i64);
                            let quarter = (index * 7 + k) % 48;
                            let text = format!(
                                "book {} {}:{:02} 25m",
                                day.format("%Y-%m-%d"),
                                6 + quarter / 4,
                                (quarter % 4) * 15
                            );
                            let reply = engine.handle_text(&actor, &text).await.render_plain();
                            if reply.contains("Booked") {
                                booked += 1;
                            }
                        }
                        booked
                    })
                })
                .collect();
            for task in tasks {
                booked += task.await.unwrap();
            }
        }
    }
    booked
}

async fn measure(
    label: &str,
    database_url: &str,
    fake: &FakeDiscord,
    synapse: &Synapse,
) -> (f64, f64) {
    let bot_account = synapse.register("memorybot").await;
    let port = free_port();
    let log = tempfile::NamedTempFile::new().unwrap();
    // The bot keeps its Matrix store beside its working directory: a throwaway one.
    let workdir = tempfile::tempdir().unwrap();
    let child = Command::new(binary())
        .arg("run")
        .current_dir(workdir.path())
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("FOCUSFOLK_DATABASE__URL", database_url)
        .env("FOCUSFOLK_HTTP__LISTEN", format!("127.0.0.1:{port}"))
        .env("FOCUSFOLK_DISCORD__TOKEN", &fake.token)
        .env("FOCUSFOLK_DISCORD__API_BASE_URL", fake.base_url())
        .env("FOCUSFOLK_DISCORD__USE_SERENITY_RATELIMITER", "false")
        .env("FOCUSFOLK_MATRIX__HOMESERVER_URL", &synapse.url)
        .env("FOCUSFOLK_MATRIX__USER_ID", &bot_account.user_id)
        .env("FOCUSFOLK_MATRIX__PASSWORD", &bot_account.password)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(log.reopen().unwrap())
        .spawn()
        .expect("focusfolk run starts");
    let bot = Bot(child);
    let started = Instant::now();
    let readyz = format!("http://127.0.0.1:{port}/readyz");
    loop {
        if let Ok(response) = reqwest::get(&readyz).await {
            if response.status() == 200 {
                break;
            }
        }
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "{label}: never ready:\n{}",
            std::fs::read_to_string(log.path()).unwrap_or_default()
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let ready = started.elapsed();
    tokio::time::sleep(Duration::from_secs(15)).await;
    let (rss, peak, anonymous, file) = memory_of(bot.0.id());
    println!(
        "{label:<46} ready in {:>5.1} s · RSS {rss:>6.1} MB (heap & stacks {anonymous:.1}, \
         code & files {file:.1}) · peak {peak:>6.1} MB",
        ready.as_secs_f64()
    );
    (rss, peak)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let synapse = Synapse::from_env();
    let directory = tempfile::tempdir().unwrap();
    let build = match std::env::var("FOCUSFOLK_MEMORY_BINARY") {
        Ok(path) => path,
        Err(_) if cfg!(debug_assertions) => "debug build".to_string(),
        Err(_) => "release build".to_string(),
    };
    println!("focusfolk run ({build}), both platforms configured:");

    let fake = FakeDiscord::start(LimitConfig::default()).await;
    let guild = fake.add_guild_at("Focus Club", perms::BOT_DEFAULT, None);
    fake.add_member(guild, "ann");
    let idle_url = format!(
        "sqlite://{}",
        directory.path().join("idle.sqlite").display()
    );
    let (idle, _) = measure("idle (1 guild, 0 bookings)", &idle_url, &fake, &synapse).await;

    let (guild_count, members_per_guild, bookings_each) = if full_run() {
        (20, 1_000, 5)
    } else {
        (2, 20, 5)
    };
    let fake = FakeDiscord::start(LimitConfig::default()).await;
    let guilds: Vec<u64> = (0..guild_count)
        .map(|index| fake.add_guild_at(&format!("Guild {index}"), perms::BOT_DEFAULT, None))
        .collect();
    let busy_url = format!(
        "sqlite://{}",
        directory.path().join("busy.sqlite").display()
    );
    let seeding = Instant::now();
    let booked = seed(&busy_url, &fake, &guilds, members_per_guild, bookings_each).await;
    println!(
        "  seeded {booked} future bookings in {guild_count} guilds in {:.1} s",
        seeding.elapsed().as_secs_f64()
    );
    assert_eq!(
        booked,
        guild_count * members_per_guild * bookings_each,
        "every booking made"
    );
    let label = format!("{booked} future bookings, {guild_count} guilds");
    let (busy, _) = measure(&label, &busy_url, &fake, &synapse).await;

    if full_run() {
        println!(
            "goals: idle < 40 MB {} · bookings < 150 MB {}",
            if idle < 40.0 { "met" } else { "NOT met" },
            if busy < 150.0 { "met" } else { "NOT met" }
        );
    }
}
