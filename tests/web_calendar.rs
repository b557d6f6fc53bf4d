//! Calendars (issue 13): a booking's reply carries an `.ics` invite, a cancel a CANCEL for the
//! same UID, and `calendar` gives a private feed that an independent parser reads back, with
//! the partner and room once matched, and the right instants on both sides of a DST change.

mod common;
#[path = "support/web.rs"]
mod web;

use chrono::{TimeZone, Timelike, Utc};
use chrono_tz::Tz;
use common::{at, spawn_app, COMMUNITY};
use focusfolk::core::model::Platform;
use focusfolk::engine::{Actor, Reply};
use web::{calendar_property, parse_events, path_in, utc_value, WebServer};

async fn reply(app: &common::TestApp, member: &str, text: &str) -> Reply {
    let actor = Actor::new(Platform::Shell, COMMUNITY, member, member);
    app.engine.handle_text(&actor, text).await
}

fn ics(reply: &Reply) -> String {
    assert_eq!(reply.attachments.len(), 1, "{reply:?}");
    let attachment = &reply.attachments[0];
    assert!(attachment.file_name.ends_with(".ics"));
    assert!(attachment.media_type.starts_with("text/calendar"));
    String::from_utf8(attachment.bytes.clone()).expect("utf-8")
}

#[tokio::test]
async fn a_booking_carries_an_invite_and_its_cancel_a_cancellation_for_the_same_uid() {
    let app = spawn_app().await;
    let booked = reply(&app, "ann", "book 9:00 50m").await;
    let invite = ics(&booked);
    let events = parse_events(&invite);
    assert_eq!(events.len(), 1);
    let event = &events[0];
    assert_eq!(
        calendar_property(&invite, "METHOD").as_deref(),
        Some("PUBLISH")
    );
    assert_eq!(utc_value(&event["DTSTART"]), at(9, 0));
    assert_eq!(utc_value(&event["DTEND"]), at(9, 50));
    assert!(event["SUMMARY"].contains("50 min"), "{event:?}");
    assert!(
        event["DESCRIPTION"].contains("room link comes"),
        "{event:?}"
    );
    let uid = event["UID"].clone();
    assert!(uid.starts_with("booking-"), "{uid}");

    // A refused booking carries nothing.
    let refused = reply(&app, "ann", "book 9:00 50m").await;
    assert!(refused.attachments.is_empty());

    let cancelled = reply(&app, "ann", "cancel").await;
    let cancel = ics(&cancelled);
    assert_eq!(
        calendar_property(&cancel, "METHOD").as_deref(),
        Some("CANCEL")
    );
    let events = parse_events(&cancel);
    assert_eq!(events[0]["UID"], uid);
    assert_eq!(events[0]["STATUS"], "CANCELLED");
    assert!(events[0]["SEQUENCE"].parse::<u32>().unwrap() > 0);
}

#[tokio::test]
async fn the_shell_writes_the_invite_and_names_its_path() {
    let directory = tempfile::tempdir().unwrap();
    let mut session = focusfolk::demo::build_shell_session(
        &format!("sqlite://{}", directory.path().join("s.sqlite").display()),
        Default::default(),
        at(8, 0),
        "demo",
    )
    .await
    .unwrap();
    session.attachment_dir = directory.path().join("files");
    let output = session.handle_line("book 9:00 25m").await.unwrap();
    let path = output
        .lines()
        .find_map(|line| line.strip_prefix("📎 calendar file: "))
        .unwrap_or_else(|| panic!("no file in {output:?}"));
    let text = std::fs::read_to_string(path).expect("the file is there");
    assert_eq!(utc_value(&parse_events(&text)[0]["DTSTART"]), at(9, 0));
}

#[tokio::test]
async fn the_feed_lists_upcoming_sessions_with_partner_and_room_once_matched() {
    let app = spawn_app().await;
    let server = WebServer::start(app.engine.clone()).await;
    reply(&app, "ann", "book 9:00 25m").await;
    reply(&app, "bob", "book 9:00 25m").await;
    reply(&app, "ann", "book 11:00 50m").await;
    let answer = reply(&app, "ann", "calendar").await.render_plain();
    let feed = path_in(&answer, "/ical/");
    assert!(feed.ends_with(".ics"), "{answer}");
    assert!(answer.contains("/me/"), "{answer}");

    let (status, headers, text) = server.get(&feed).await;
    assert_eq!(status, 200);
    assert!(headers["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/calendar"));
    assert_eq!(headers["cache-control"], "private, no-store");
    let events = parse_events(&text);
    let starts: Vec<_> = events.iter().map(|e| utc_value(&e["DTSTART"])).collect();
    assert_eq!(starts, vec![at(9, 0), at(11, 0)]);
    assert!(!text.contains("bob"), "not matched yet: {text}");

    // The session starts: ann and bob are paired and their room opens.
    app.advance_to(at(9, 0)).await;
    let room = app.platform.open_room_of("ann").expect("ann has a room");
    let (_, _, text) = server.get(&feed).await;
    let events = parse_events(&text);
    assert!(
        events[0]["DESCRIPTION"].contains("With bob"),
        "{:?}",
        events[0]
    );
    assert_eq!(events[0]["LOCATION"], room);
    // The same `calendar` shows the same link again.
    let again = reply(&app, "ann", "calendar").await.render_plain();
    assert_eq!(path_in(&again, "/ical/"), feed);
}

#[tokio::test]
async fn the_feed_keeps_local_times_on_both_sides_of_a_dst_change() {
    let app = spawn_app().await;
    let server = WebServer::start(app.engine.clone()).await;
    // Europe/Berlin springs forward on Sun 28 Mar 2027.
    app.clock
        .advance_to(Utc.with_ymd_and_hms(2027, 3, 20, 12, 0, 0).unwrap());
    reply(&app, "ann", "timezone Europe/Berlin").await;
    reply(&app, "ann", "book 2027-03-26 9:00 25m").await;
    reply(&app, "ann", "book 2027-03-29 9:00 25m").await;
    let answer = reply(&app, "ann", "calendar").await.render_plain();
    let (_, _, text) = server.get(&path_in(&answer, "/ical/")).await;
    assert_eq!(
        calendar_property(&text, "X-WR-TIMEZONE").as_deref(),
        Some("Europe/Berlin")
    );
    let berlin: Tz = "Europe/Berlin".parse().unwrap();
    let starts: Vec<_> = parse_events(&text)
        .iter()
        .map(|e| utc_value(&e["DTSTART"]))
        .collect();
    // 09:00 CET is 08:00 UTC, 09:00 CEST is 07:00 UTC; both read 09:00 in Berlin.
    assert_eq!(
        starts,
        vec![
            Utc.with_ymd_and_hms(2027, 3, 26, 8, 0, 0).unwrap(),
            Utc.with_ymd_and_hms(2027, 3, 29, 7, 0, 0).unwrap()
        ]
    );
    for start in starts {
        assert_eq!(start.with_timezone(&berlin).hour(), 9);
    }
}

#[tokio::test]
async fn calendar_reset_revokes_the_old_link_and_unknown_links_are_not_found() {
    let app = spawn_app().await;
    let server = WebServer::start(app.engine.clone()).await;
    reply(&app, "ann", "book 9:00 25m").await;
    let old = path_in(
        &reply(&app, "ann", "calendar").await.render_plain(),
        "/ical/",
    );
    assert_eq!(server.get(&old).await.0, 200);
    let answer = reply(&app, "ann", "calendar reset").await.render_plain();
    assert!(answer.contains("old links no longer work"), "{answer}");
    let new = path_in(&answer, "/ical/");
    assert_ne!(new, old);
    assert_eq!(server.get(&old).await.0, 404);
    let old_page = old.replace("/ical/", "/me/").replace(".ics", "");
    assert_eq!(server.get(&old_page).await.0, 404);
    assert_eq!(server.get(&new).await.0, 200);
    // Unknown, malformed and suffix-less tokens.
    let token = new.trim_start_matches("/ical/").trim_end_matches(".ics");
    let mut flipped: Vec<char> = token.chars().collect();
    flipped[0] = if flipped[0] == '0' { '1' } else { '0' };
    let flipped: String = flipped.into_iter().collect();
    for path in [
        format!("/ical/{flipped}.ics"),
        "/ical/not-a-token.ics".to_string(),
        format!("/ical/{token}"),
        format!("/ical/{}.ics", token.to_uppercase()),
    ] {
        assert_eq!(server.get(&path).await.0, 404, "{path}");
    }
    // Another member's link is their own.
    reply(&app, "bob", "book 10:00 25m").await;
    let bob = path_in(
        &reply(&app, "bob", "calendar").await.render_plain(),
        "/ical/",
    );
    let (_, _, text) = server.get(&bob).await;
    let starts: Vec<_> = parse_events(&text)
        .iter()
        .map(|e| utc_value(&e["DTSTART"]))
        .collect();
    assert_eq!(starts, vec![at(10, 0)]);
}

#[tokio::test]
async fn with_a_public_url_replies_link_to_full_addresses() {
    use std::sync::Arc;

    use focusfolk::clock::ManualClock;
    use focusfolk::engine::{Engine, RunnerSettings};
    use focusfolk::platform::shell::ShellPlatform;
    use focusfolk::store::Store;

    let directory = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", directory.path().join("f.sqlite").display());
    let engine = Engine::new(
        Store::connect_and_migrate(&url).await.unwrap(),
        Arc::new(ShellPlatform::new()),
        Arc::new(ManualClock::new(at(8, 0))),
        Default::default(),
        RunnerSettings {
            web_public_url: Some("https://focus.example.org/".to_string()),
            ..RunnerSettings::for_platform(Platform::Shell)
        },
    );
    let actor = Actor::new(Platform::Shell, COMMUNITY, "ann", "ann").as_community_admin();
    let answer = engine.handle_text(&actor, "calendar").await.render_plain();
    assert!(
        answer.contains("https://focus.example.org/ical/"),
        "{answer}"
    );
    assert!(answer.contains("https://focus.example.org/me/"), "{answer}");
    assert!(!answer.contains("no public web address"), "{answer}");
    let page = engine
        .handle_text(&actor, "setup page public")
        .await
        .render_plain();
    assert!(page.contains("https://focus.example.org/c/"), "{page}");
}
