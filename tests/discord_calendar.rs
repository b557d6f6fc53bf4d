//! Calendars on Discord (issue 13): `/book` answers with the `.ics` invite attached (a
//! multipart interaction response, read back by the fake and parsed by the `ical` crate),
//! `/cancel` with the cancellation for the same UID, and `/calendar` with the feed link.

mod discord_common;
#[path = "support/web.rs"]
mod web;

use discord_common::{at, spawn, Options};
use serde_json::Value;
use web::{calendar_property, parse_events, utc_value};

/// The one file on an answer: its name and text.
fn only_file(answer: &Value) -> (String, String) {
    let files = answer["_files"].as_array().expect("files on the answer");
    assert_eq!(files.len(), 1, "{answer}");
    (
        files[0]["filename"].as_str().unwrap().to_string(),
        files[0]["content"].as_str().unwrap().to_string(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn book_attaches_the_invite_cancel_the_cancellation_and_calendar_gives_the_feed() {
    let app = spawn(Options::default()).await;
    let ann = app.member("ann");
    let booked = app.fake.invoke(
        app.guild,
        ann,
        app.general,
        "book",
        &[("when", Value::from("9:00")), ("duration", Value::from(25))],
    );
    let answer = app.fake.answer(booked).await;
    assert!(answer.content().contains("Booked"), "{:?}", answer.data);
    assert!(answer.ephemeral());
    let (name, invite) = only_file(&answer.data);
    assert!(name.ends_with(".ics"), "{name}");
    let event = &parse_events(&invite)[0];
    assert_eq!(utc_value(&event["DTSTART"]), at(9, 0));
    let uid = event["UID"].clone();

    let cancelled = app.fake.invoke(app.guild, ann, app.general, "cancel", &[]);
    let answer = app.fake.answer(cancelled).await;
    let (_, cancel) = only_file(&answer.data);
    assert_eq!(
        calendar_property(&cancel, "METHOD").as_deref(),
        Some("CANCEL")
    );
    assert_eq!(parse_events(&cancel)[0]["UID"], uid);

    let link = app.command(ann, "calendar", &[]).await;
    assert!(link.contains("/ical/") && link.contains(".ics"), "{link}");
    let reset = app
        .command(ann, "calendar", &[("reset", Value::from(true))])
        .await;
    assert!(reset.contains("old links no longer work"), "{reset}");

    // An admin opens the community page; /slots then links to it.
    let opened = app
        .command(app.owner, "setup", &[("page", Value::from(0))])
        .await;
    assert!(
        opened.contains("The community page is public: /c/"),
        "{opened}"
    );
    let slots = app.command(ann, "slots", &[]).await;
    assert!(slots.contains("The whole week at a glance: /c/"), "{slots}");
}
