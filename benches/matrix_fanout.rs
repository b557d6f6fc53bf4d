//! Slot-start fan-out on a local Synapse (rate limits raised): for 10 and 50 pairs booked in
//! advance, the time from the prepare job (match, open every pair room with its invites and
//! widget) to the last announcement DM, next to Synapse's own room-creation rate measured in
//! the same run with bare `createRoom` calls (private room, two invites) from a plain HTTP
//! client. The bound for N pairs is N rooms at that rate; the goal is within 1.2× of it.
//!
//!   cargo bench --bench matrix_fanout        (`cargo test` runs it with 2 pairs as a smoke test)
//!
//! Uses the Synapse named by FOCUSFOLK_TEST_SYNAPSE_URL / _SECRET (as ./scripts/test exports),
//! or starts one with scripts/synapse and stops it afterwards.

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{TimeZone, Utc};
use hmac::{Hmac, Mac};
use serde_json::{json, Value};

use focusfolk::clock::ManualClock;
use focusfolk::config::MatrixConfig;
use focusfolk::core::message::OutgoingMessage;
use focusfolk::core::model::{CommunitySettings, Platform};
use focusfolk::engine::jobs::JobOutcome;
use focusfolk::engine::port::{ChatPlatform, Recipient};
use focusfolk::engine::{Actor, Engine, RunnerSettings};
use focusfolk::fast_forward::fast_forward_to;
use focusfolk::platform::matrix::MatrixPlatform;
use focusfolk::store::Store;

struct Synapse {
    url: String,
    secret: String,
    /// Set when this bench started the server itself.
    directory: Option<tempfile::TempDir>,
}

impl Drop for Synapse {
    fn drop(&mut self) {
        if let Some(directory) = &self.directory {
            let _ = std::process::Command::new("scripts/synapse")
                .arg("stop")
                .arg(directory.path())
                .status();
        }
    }
}

fn synapse() -> Synapse {
    if let (Ok(url), Ok(secret)) = (
        std::env::var("FOCUSFOLK_TEST_SYNAPSE_URL"),
        std::env::var("FOCUSFOLK_TEST_SYNAPSE_SECRET"),
    ) {
        return Synapse {
            url,
            secret,
            directory: None,
        };
    }
    let directory = tempfile::tempdir().expect("temp dir");
    eprintln!("starting a Synapse with scripts/synapse (set FOCUSFOLK_TEST_SYNAPSE_URL/_SECRET to reuse one)");
    let output = std::process::Command::new("scripts/synapse")
        .arg("start")
        .arg(directory.path())
        .output()
        .expect("scripts/synapse");
    assert!(
        output.status.success(),
        "scripts/synapse start failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let text = String::from_utf8_lossy(&output.stdout);
    let get = |name: &str| {
        text.lines()
            .find_map(|line| line.strip_prefix(&format!("{name}=")))
            .expect(name)
            .to_string()
    };
    Synapse {
        url: get("SYNAPSE_URL"),
        secret: get("SYNAPSE_SECRET"),
        directory: Some(directory),
    }
}

struct User {
    user_id: String,
    password: String,
    token: String,
}

async fn register(http: &reqwest::Client, synapse: &Synapse, localpart: &str) -> User {
    let endpoint = format!("{}/_synapse/admin/v1/register", synapse.url);
    let nonce: Value = http
        .get(&endpoint)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let nonce = nonce["nonce"].as_str().unwrap().to_string();
    let password = format!("pw-{localpart}");
    let mut mac = Hmac::<sha1::Sha1>::new_from_slice(synapse.secret.as_bytes()).unwrap();
    mac.update(format!("{nonce}\0{localpart}\0{password}\0notadmin").as_bytes());
    let body = json!({"nonce": nonce, "username": localpart, "password": password, "admin": false,
                      "mac": hex::encode(mac.finalize().into_bytes())});
    let reply: Value = http
        .post(&endpoint)
        .json(&body)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    User {
        user_id: reply["user_id"].as_str().expect("registered").to_string(),
        password,
        token: reply["access_token"].as_str().unwrap().to_string(),
    }
}

/// Synapse's own pace for plain messages, `count` back to back into one room.
async fn message_rate(
    http: &reqwest::Client,
    synapse: &Synapse,
    token: &str,
    count: usize,
    run_id: &str,
) -> f64 {
    let room: Value = http
        .post(format!("{}/_matrix/client/v3/createRoom", synapse.url))
        .bearer_auth(token)
        .json(&json!({"preset": "private_chat"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let room = room["room_id"].as_str().unwrap().to_string();
    let started = Instant::now();
    for index in 0..count {
        let url = format!(
            "{}/_matrix/client/v3/rooms/{room}/send/m.room.message/probe{run_id}-{index}",
            synapse.url
        );
        let response = http
            .put(url)
            .bearer_auth(token)
            .json(&json!({"msgtype": "m.text", "body": "probe"}))
            .send()
            .await
            .unwrap();
        assert!(
            response.status().is_success(),
            "send: {}",
            response.status()
        );
    }
    count as f64 / started.elapsed().as_secs_f64()
}

/// Synapse's own pace: `count` private rooms with two invites each, back to back.
async fn room_creation_rate(
    http: &reqwest::Client,
    synapse: &Synapse,
    token: &str,
    invitees: &[&User],
    count: usize,
) -> f64 {
    let started = Instant::now();
    for index in 0..count {
        let body = json!({"preset": "private_chat", "invite": [invitees[(2 * index) % invitees.len()].user_id, invitees[(2 * index + 1) % invitees.len()].user_id]});
        let response = http
            .post(format!("{}/_matrix/client/v3/createRoom", synapse.url))
            .bearer_auth(token)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert!(
            response.status().is_success(),
            "createRoom: {}",
            response.status()
        );
    }
    count as f64 / started.elapsed().as_secs_f64()
}

async fn run(synapse: &Synapse, pairs: usize, run_id: &str) {
    let http = reqwest::Client::new();
    let bot = register(&http, synapse, &format!("fanbot_{run_id}_{pairs}")).await;
    let mut members = Vec::new();
    for index in 0..2 * pairs {
        members.push(register(&http, synapse, &format!("fan_{run_id}_{pairs}_{index}")).await);
    }
    let directory = tempfile::tempdir().unwrap();
    let database_url = format!(
        "sqlite://{}",
        directory.path().join("bench.sqlite").display()
    );
    let store = Store::connect_and_migrate(&database_url).await.unwrap();
    let clock = Arc::new(ManualClock::new(
        Utc.with_ymd_and_hms(2026, 11, 30, 8, 0, 0).unwrap(),
    ));
    let config = MatrixConfig {
        homeserver_url: synapse.url.clone(),
        user_id: bot.user_id.clone(),
        password: Some(bot.password.clone()),
        store_path: directory.path().join("store").display().to_string(),
        ..MatrixConfig::default()
    };
    let platform = MatrixPlatform::connect(
        config,
        focusfolk::engine::PlatformState::new(
            store.clone(),
            focusfolk::core::model::Platform::Matrix,
        ),
        clock.clone(),
    )
    .await
    .unwrap();
    let engine = Engine::new(
        store,
        platform.clone(),
        clock.clone(),
        CommunitySettings::default(),
        RunnerSettings::for_platform(Platform::Matrix),
    );
    for member in &members {
        let actor = Actor::new(
            Platform::Matrix,
            "!bench-community",
            &member.user_id,
            &member.user_id,
        );
        let reply = engine
            .handle_text(&actor, "book 9:00 25m")
            .await
            .render_plain();
        assert!(reply.contains("Booked"), "{reply}");
        // What a booking through Matrix does: open the member's DM room ahead of the slot.
        let to = Recipient {
            platform_user_id: member.user_id.clone(),
            display_name: member.user_id.clone(),
            time_zone: chrono_tz::UTC,
            platform_community_id: None,
        };
        platform
            .send_direct_message(
                &to,
                &OutgoingMessage::new().text("welcome"),
                &format!("bench:welcome:{}", member.user_id),
            )
            .await
            .unwrap();
    }
    fast_forward_to(
        &engine,
        &clock,
        Utc.with_ymd_and_hms(2026, 11, 30, 8, 57, 0).unwrap(),
    )
    .await
    .unwrap(); // reminders

    let invitees: Vec<&User> = members.iter().collect();
    let sample = pairs.min(20);
    let rate = room_creation_rate(&http, synapse, &bot.token, &invitees, sample).await;
    let messages_per_second = message_rate(
        &http,
        synapse,
        &bot.token,
        2 * sample,
        &format!("{run_id}-{pairs}"),
    )
    .await;

    let started = Instant::now();
    let prepare_reports = fast_forward_to(
        &engine,
        &clock,
        Utc.with_ymd_and_hms(2026, 11, 30, 8, 58, 0).unwrap(),
    )
    .await
    .unwrap();
    let prepare = started.elapsed();
    assert!(
        prepare_reports
            .iter()
            .any(|report| report.job.key.starts_with("prepare")),
        "prepare ran"
    );
    let announce_reports = fast_forward_to(
        &engine,
        &clock,
        Utc.with_ymd_and_hms(2026, 11, 30, 9, 0, 0).unwrap(),
    )
    .await
    .unwrap();
    let fan_out = started.elapsed();
    let announced: usize = announce_reports
        .iter()
        .filter_map(|report| {
            let JobOutcome::Done(summary) = &report.outcome else {
                return None;
            };
            summary
                .strip_prefix("announced to ")?
                .split(' ')
                .next()?
                .parse::<usize>()
                .ok()
        })
        .sum();
    assert_eq!(announced, 2 * pairs, "every member announced");
    let bound = Duration::from_secs_f64(pairs as f64 / rate);
    // What Synapse alone needs for the same work: N rooms and 2N DMs, back to back.
    let work =
        Duration::from_secs_f64(pairs as f64 / rate + 2.0 * pairs as f64 / messages_per_second);
    println!(
        "{pairs:>3} pairs: fan-out {:>6.2} s (prepare {:>6.2} s → rooms ready {} T; announce {:>5.2} s) | Synapse: createRoom {:.2}/s, \
         messages {:.1}/s → room bound {:>6.2} s, rooms+DMs {:>6.2} s | ratio {:.2}× room bound, {:.2}× rooms+DMs",
        fan_out.as_secs_f64(),
        prepare.as_secs_f64(),
        if prepare < Duration::from_secs(120) { "before" } else { "AFTER" },
        (fan_out - prepare).as_secs_f64(),
        rate,
        messages_per_second,
        bound.as_secs_f64(),
        work.as_secs_f64(),
        fan_out.as_secs_f64() / bound.as_secs_f64(),
        fan_out.as_secs_f64() / work.as_secs_f64(),
    );
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let synapse = synapse();
    let run_id = format!("{}", std::process::id());
    println!(
        "Matrix slot-start fan-out on {} (prepare → last announcement; 2 cores, SQLite Synapse)",
        synapse.url
    );
    // `cargo bench` passes --bench; `cargo test --all-targets` runs this too, as a quick smoke run.
    let sizes: &[usize] = if std::env::args().any(|arg| arg == "--bench") {
        &[10, 50]
    } else {
        &[2]
    };
    runtime.block_on(async {
        for &pairs in sizes {
            run(&synapse, pairs, &run_id).await;
        }
    });
}
