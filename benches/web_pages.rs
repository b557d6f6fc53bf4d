//! Web page speed (issue 13's goal: < 50 ms server time for a 2,000-member community). Seeds
//! a SQLite community of 2,000 members with five bookings each (four weeks back and the coming
//! week; 10,000 bookings) and attendance for the past ones, serves the web router on loopback,
//! and times GETs of the community page, a member page and a member's feed. The times include
//! the loopback round trip and the client, so they bound the server time from above. Prints
//! medians and 95th percentiles.
//!
//! `cargo test --all-targets` runs this unoptimised with 50 members as a smoke run.

use std::sync::Arc;
use std::time::Instant;

use chrono::{Duration, TimeZone, Utc};

use focusfolk::clock::ManualClock;
use focusfolk::core::model::{AttendanceOutcome, CommunitySettings, Platform};
use focusfolk::engine::{Actor, Engine, RunnerSettings};
use focusfolk::platform::shell::ShellPlatform;
use focusfolk::store::{NewBooking, Store};
use focusfolk::web::{router, WebState};

fn full_run() -> bool {
    std::env::args().any(|arg| arg == "--bench")
}

fn members() -> usize {
    if full_run() {
        2_000
    } else {
        50
    }
}

const REQUESTS: usize = 40;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let directory = tempfile::tempdir()?;
    let url = format!("sqlite://{}", directory.path().join("web.sqlite").display());
    let store = Store::connect_and_migrate(&url).await?;
    let now = Utc.with_ymd_and_hms(2026, 11, 30, 8, 0, 0).unwrap();
    let clock = Arc::new(ManualClock::new(now));
    let engine = Engine::new(
        store.clone(),
        Arc::new(ShellPlatform::new()),
        clock,
        CommunitySettings::default(),
        RunnerSettings::for_platform(Platform::Shell),
    );
    let owner = Actor::new(Platform::Shell, "bench", "owner", "owner").as_community_admin();
    let answer = engine
        .handle_text(&owner, "setup page public")
        .await
        .render_plain();
    let page = answer[answer.find("/c/").expect("page link")..].to_string();
    let community = store
        .ensure_community(Platform::Shell, "bench", &CommunitySettings::default())
        .await?;

    let seeding = Instant::now();
    let count = members();
    let mut first_member = None;
    for n in 0..count {
        let member = store
            .ensure_member(&community, &format!("m{n}"), &format!("Member {n}"), now)
            .await?;
        first_member.get_or_insert(member.clone());
        // Five sessions: four in the past four weeks, one in the coming week, at quarter
        // hours spread over the day (a few hundred distinct slots, as a busy community has).
        for k in 0..5i64 {
            let day = if k < 4 {
                -7 * (k + 1) + (n as i64 % 7)
            } else {
                n as i64 % 7
            };
            let quarter = ((n as i64 * 7 + k * 13) % 56) + 28; // 07:00 to 20:45
            let starts_at = now + Duration::days(day) + Duration::minutes(quarter * 15 - 8 * 60);
            let slot = store
                .ensure_slot(community.id, starts_at, [25, 50][n % 2])
                .await?;
            store
                .create_booking(&NewBooking {
                    community_id: community.id,
                    member_id: member.id,
                    slot_id: slot.id,
                    recurring_weekly: false,
                    created_at: now - Duration::days(40),
                })
                .await?;
            if k == 0 && starts_at < now {
                let outcome = if n % 5 == 0 {
                    AttendanceOutcome::NoShow
                } else {
                    AttendanceOutcome::Attended
                };
                store
                    .record_attendance(slot.id, member.id, outcome, starts_at)
                    .await?;
            }
        }
    }
    println!(
        "seeded {count} members, {} bookings in {:.1} s",
        count * 5,
        seeding.elapsed().as_secs_f64()
    );
    let first = first_member.expect("a member");
    let actor = Actor::new(
        Platform::Shell,
        "bench",
        &first.platform_user_id,
        "Member 0",
    );
    let answer = engine.handle_text(&actor, "calendar").await.render_plain();
    let feed = answer[answer.find("/ical/").unwrap()..]
        .split_whitespace()
        .next()
        .unwrap()
        .to_string();
    let me = feed.replace("/ical/", "/me/").replace(".ics", "");

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let address = listener.local_addr()?;
    let app = router(WebState::new(engine.clone()));
    tokio::spawn(async move { axum::serve(listener, app).await });
    let client = reqwest::Client::new();
    for (name, path) in [
        ("community page", &page),
        ("member page", &me),
        ("feed", &feed),
    ] {
        let mut times = Vec::with_capacity(REQUESTS);
        let mut bytes = 0;
        for _ in 0..REQUESTS {
            let started = Instant::now();
            let response = client.get(format!("http://{address}{path}")).send().await?;
            assert_eq!(response.status(), 200, "{name}");
            bytes = response.bytes().await?.len();
            times.push(started.elapsed().as_secs_f64() * 1000.0);
        }
        times.sort_by(f64::total_cmp);
        println!(
            "{name}: median {:.1} ms, p95 {:.1} ms ({} requests, {bytes} bytes)",
            times[times.len() / 2],
            times[times.len() * 95 / 100],
            REQUESTS
        );
    }
    Ok(())
}
