//! Two `focusfolk run` processes share one PostgreSQL and one (fake) Discord; the one that is
//! announcing a 40-member slot is killed with SIGKILL half way through its DMs. The other takes
//! the announce job over once the dead one's lease runs out and finishes it: every member gets
//! exactly one announcement, nobody a second reminder, and every job of the slot ran to the end.
//!
//! The processes run on the real clock, so the test books through an in-process engine on the
//! harness's manual clock first and then moves the slot (its start, its jobs' due times) so it
//! starts 50 s from now. The processes pace themselves at 8 requests/s so the
//! announcements take several seconds: long enough to kill one in the middle.

mod discord_common;
#[path = "support/postgres.rs"]
mod postgres;

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use discord_common::{at, spawn, Options};
use sqlx::{Connection, Executor, PgConnection, Row};

const ANNOUNCE: &str = "It's time!";
const REMINDER: &str = "starts in";
const MEMBERS: usize = 40;
const LEASE_SECONDS: u64 = 15;

/// The bot processes, killed when the test ends however it ends.
struct Instances(Vec<(String, Child)>);

impl Drop for Instances {
    fn drop(&mut self) {
        for (_, child) in &mut self.0 {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

fn start_instance(
    name: &str,
    shard: u32,
    database_url: &str,
    fake: &discord_common::fake_discord::FakeDiscord,
    log: &std::path::Path,
) -> Child {
    let log = std::fs::File::create(log).unwrap();
    Command::new(env!("CARGO_BIN_EXE_focusfolk"))
        .arg("run")
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("RUST_LOG", "info")
        .env("FOCUSFOLK_DATABASE__URL", database_url)
        .env("FOCUSFOLK_DISCORD__TOKEN", &fake.token)
        .env("FOCUSFOLK_DISCORD__API_BASE_URL", fake.base_url())
        .env("FOCUSFOLK_DISCORD__USE_SERENITY_RATELIMITER", "false")
        .env("FOCUSFOLK_DISCORD__REQUESTS_PER_SECOND", "8")
        .env("FOCUSFOLK_DISCORD__TOTAL_SHARDS", "2")
        .env("FOCUSFOLK_DISCORD__FIRST_SHARD", shard.to_string())
        .env("FOCUSFOLK_DISCORD__SHARD_COUNT", "1")
        .env("FOCUSFOLK_RUNNER__WORKER_ID", name)
        .env("FOCUSFOLK_RUNNER__JOB_LEASE", format!("{LEASE_SECONDS}s"))
        .env("FOCUSFOLK_RUNNER__MAX_IDLE_SLEEP", "1s")
        .env("FOCUSFOLK_HTTP__LISTEN", "")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .expect("focusfolk run starts")
}

async fn wait_until<T>(what: &str, limit: Duration, mut probe: impl FnMut() -> Option<T>) -> T {
    let started = Instant::now();
    loop {
        if let Some(value) = probe() {
            return value;
        }
        assert!(started.elapsed() < limit, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_instance_killed_mid_fan_out_is_taken_over_and_every_member_is_announced_once() {
    let database = postgres::TestDatabase::create().await;
    let mut app = spawn(Options {
        database_url: Some(database.url.clone()),
        ..Options::default()
    })
    .await;
    let members: Vec<u64> = (0..MEMBERS)
        .map(|index| app.member(&format!("member{index:02}")))
        .collect();
    for member in &members {
        app.book_through_engine(*member, "book 9:00 25m").await;
    }
    // The harness's own bot leaves: from here on only the two processes talk to Discord.
    app.bot.take().expect("the harness bot").shutdown().await;

    // Move the slot so it starts 50 s from now, with prepare (rooms) 35 s before the start:
    // 15 s for the processes to connect, time for 20 rooms at 8 requests/s, and a shorter
    // test than the default 2-minute lead would give. The reminder (T − 10 min) is late and
    // runs at once; the announcement is at T.
    let mut db = PgConnection::connect(&database.url).await.unwrap();
    let start = chrono::Utc::now().timestamp() + 50;
    let shift = start - at(9, 0).timestamp();
    for statement in [
        format!("UPDATE slots SET starts_at = starts_at + {shift}"),
        format!("UPDATE bookings SET created_at = created_at + {shift}"),
        format!("UPDATE jobs SET due_at = due_at + {shift} WHERE slot_id IS NOT NULL"),
        format!(
            "UPDATE jobs SET due_at = {} WHERE kind = 'prepare'",
            start - 35
        ),
        "UPDATE communities SET prepare_lead_secs = 35".to_string(),
    ] {
        db.execute(sqlx::AssertSqlSafe(statement)).await.unwrap();
    }

    let logs = tempfile::tempdir().unwrap();
    let mut instances = Instances(
        [("instance-a", 0), ("instance-b", 1)]
            .into_iter()
            .map(|(name, shard)| {
                let log = logs.path().join(format!("{name}.log"));
                (
                    name.to_string(),
                    start_instance(name, shard, &database.url, &app.fake, &log),
                )
            })
            .collect(),
    );
    let announced = |fake: &discord_common::fake_discord::FakeDiscord| {
        members
            .iter()
            .filter(|member| fake.dms_containing(**member, ANNOUNCE) > 0)
            .count()
    };

    // A quarter of the announcements are out: find who is sending them and kill it.
    wait_until(
        "the announcements to start",
        Duration::from_secs(240),
        || (announced(&app.fake) >= MEMBERS / 4).then_some(()),
    )
    .await;
    let owner: String = sqlx::query("SELECT lease_owner FROM jobs WHERE kind = 'announce'")
        .fetch_one(&mut db)
        .await
        .unwrap()
        .get::<Option<String>, _>(0)
        .expect("the announce job is leased while it runs");
    let victim = instances
        .0
        .iter_mut()
        .find(|(name, _)| owner.starts_with(name.as_str()))
        .unwrap_or_else(|| panic!("no instance owns {owner}"));
    let killed = Command::new("kill")
        .args(["-KILL", &victim.1.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let killed_at = Instant::now();
    victim.1.wait().unwrap();
    let announced_by_the_victim = announced(&app.fake);
    assert!(
        announced_by_the_victim < MEMBERS,
        "killed mid fan-out: {announced_by_the_victim} of {MEMBERS} already announced"
    );

    wait_until(
        "the survivor to finish the announcements",
        Duration::from_secs(LEASE_SECONDS + 90),
        || (announced(&app.fake) == MEMBERS).then_some(()),
    )
    .await;
    let takeover = killed_at.elapsed();

    // Exactly once per member: one announcement, at most one reminder.
    for member in &members {
        assert_eq!(
            app.fake.dms_containing(*member, ANNOUNCE),
            1,
            "member {member}"
        );
        assert!(
            app.fake.dms_containing(*member, REMINDER) <= 1,
            "member {member}"
        );
    }
    let row = sqlx::query("SELECT status, attempts, lease_owner FROM jobs WHERE kind = 'announce'")
        .fetch_one(&mut db)
        .await
        .unwrap();
    let (status, attempts, finisher): (String, i64, Option<String>) =
        (row.get(0), row.get(1), row.get(2));
    assert_eq!(status, "done");
    assert_eq!(
        attempts, 2,
        "claimed by the victim, then once by the survivor"
    );
    assert_ne!(
        finisher.as_deref(),
        Some(owner.as_str()),
        "the survivor finished it"
    );
    for kind in ["remind", "prepare"] {
        let row = sqlx::query("SELECT status, attempts FROM jobs WHERE kind = $1")
            .bind(kind)
            .fetch_one(&mut db)
            .await
            .unwrap();
        let (status, attempts): (String, i64) = (row.get(0), row.get(1));
        assert_eq!((status.as_str(), attempts), ("done", 1), "{kind} ran once");
    }
    let dedupes = app.fake.lock().nonce_dedupes;
    eprintln!(
        "killed {owner} with {announced_by_the_victim}/{MEMBERS} announced; the survivor \
         finished {:.1} s later (lease {LEASE_SECONDS} s); duplicates Discord's nonce \
         swallowed: {dedupes}",
        takeover.as_secs_f64()
    );
    assert!(
        takeover >= Duration::from_secs(LEASE_SECONDS - 2),
        "nobody took the job before the dead instance's lease ran out ({takeover:?})"
    );
    drop(instances);
    database.drop_database().await;
}
