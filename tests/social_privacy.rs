//! Issue 11, "Privacy and bad input": no command lets a member learn another member's
//! bookings, relations, blocks, reports or reliability unless that member allowed it.
//!
//! Proved by difference: two communities with the same history, except that in one ann has
//! kept private things (a block of eve, a favourite of ben, a snooze of cat, a report about dan
//! and a "partner absent" claim about him, friends-only availability, upcoming bookings her
//! friends may not see). Every other member then runs every command of `help`, aimed at ann
//! where it takes a member, in both communities. A leak is any answer, file or message that
//! differs between the two.

mod common;

use common::{at, spawn_app, TestApp, COMMUNITY};
use focusfolk::core::model::Platform;
use focusfolk::engine::Actor;

const SPIES: [&str; 4] = ["ben", "cat", "dan", "eve"];

/// What both communities share: five members; ann and dan paired at 9:00, dan never comes;
/// ann books tomorrow at 14:45 (her bookings are hers: `show-bookings` stays `nobody`).
async fn shared_history(app: &TestApp) {
    for member in ["ann", "ben", "cat", "dan", "eve"] {
        app.say(member, "help").await;
    }
    for member in ["ann", "dan"] {
        let booked = app.say(member, "book 9:00 25m").await;
        assert!(booked.contains("Booked"), "{booked}");
    }
    app.advance_to(at(9, 0)).await;
    app.join(&["ann"]);
    app.advance_to(at(9, 30)).await;
    let later = app.say("ann", "book tomorrow 14:45 50m").await;
    assert!(later.contains("Booked"), "{later}");
}

/// What ann keeps to herself, in one community only.
async fn anns_private_marks(app: &TestApp) {
    for (command, expected) in [
        ("block @eve", "eve"),
        ("favourite @ben", "ben"),
        ("snooze @cat 7d", "cat"),
        ("report @dan never came and never said why", "moderators"),
        ("checkin 1 absent @dan", "dan"),
        ("prefs availability friends", "friends"),
    ] {
        let reply = app.say("ann", command).await;
        assert!(
            reply.contains(expected) && !reply.contains("Usage"),
            "{command}: {reply}"
        );
    }
}

/// Each command a member can say, aimed at ann where it names a member. `covers` below checks
/// this list against `help`, so a new command must join it.
const BATTERY: &[&str] = &[
    "help",
    "help report",
    "book tomorrow 15:00 with @ann",
    "book tomorrow 14:45 50m",
    "sessions",
    "slots",
    "slots tomorrow",
    "timezone",
    "prefs",
    "friend @ann",
    "friends",
    "msg @ann are you there?",
    "msg hello",
    "move 2 tomorrow 16:00",
    "unfriend @ann",
    "favourite @ann",
    "unfavourite @ann",
    "block @ann",
    "unblock @ann",
    "calendar",
    "setup",
    "stats",
    "leaderboard",
    "rematch now",
    "privacy export",
    "checkin 1 absent @ann",
    "report @ann was rude",
    "snooze @ann 3d",
    "snooze @ann off",
    "blocked",
    "cancel",
];

/// An answer with its attachments, the calendar's secret token masked (it is random per run).
async fn answer(app: &TestApp, member: &str, command: &str) -> String {
    let actor = Actor::new(Platform::Shell, COMMUNITY, member, member);
    let reply = app.engine.handle_text(&actor, command).await;
    let mut text = reply.render_plain();
    for file in &reply.attachments {
        text.push_str(&format!(
            "\n[{}]\n{}",
            file.file_name,
            String::from_utf8_lossy(&file.bytes)
        ));
    }
    mask_tokens(&text)
}

/// Runs of 20 or more letters, digits, `-` or `_` (secret tokens) become `<token>`.
fn mask_tokens(text: &str) -> String {
    let mut masked = String::new();
    let mut run = String::new();
    let flush = |run: &mut String, masked: &mut String| {
        if run.len() >= 20 {
            masked.push_str("<token>");
        } else {
            masked.push_str(run);
        }
        run.clear();
    };
    for c in text.chars() {
        if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
            run.push(c);
        } else {
            flush(&mut run, &mut masked);
            masked.push(c);
        }
    }
    flush(&mut run, &mut masked);
    masked
}

/// Every spy runs the battery; then the clock moves on past tomorrow's sessions, so every
/// message the spies could be sent (reminders, announcements, check-ins) is sent.
async fn what_the_spies_see(app: &TestApp) -> Vec<(String, String, String)> {
    let mut seen = Vec::new();
    for spy in SPIES {
        for command in BATTERY {
            seen.push((
                spy.to_string(),
                command.to_string(),
                answer(app, spy, command).await,
            ));
        }
    }
    app.advance_to(at(9, 30) + chrono::Duration::days(1)).await;
    for spy in SPIES {
        for (index, dm) in app.dms(spy).iter().enumerate() {
            seen.push((spy.to_string(), format!("DM {index}"), mask_tokens(dm)));
        }
    }
    seen
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_command_tells_anyone_what_ann_kept_to_herself() {
    let (plain, private) = (spawn_app().await, spawn_app().await);
    shared_history(&plain).await;
    shared_history(&private).await;
    anns_private_marks(&private).await;

    let seen_plain = what_the_spies_see(&plain).await;
    let seen_private = what_the_spies_see(&private).await;
    assert_eq!(
        seen_plain.len(),
        seen_private.len(),
        "as many answers and messages"
    );
    for (plain, private) in seen_plain.iter().zip(&seen_private) {
        assert_eq!(
            plain, private,
            "{} learns something from `{}`",
            plain.0, plain.1
        );
    }
    // The battery did reach ann: some answers name her, and the report did happen.
    assert!(seen_private
        .iter()
        .any(|(_, command, text)| command.starts_with("friend @ann") && text.contains("ann")));
    assert!(private.say("ann", "blocked").await.contains("eve"));
}

#[tokio::test]
async fn the_battery_covers_every_command_of_help() {
    let app = spawn_app().await;
    let help = app.say("ann", "help").await;
    let names: Vec<&str> = help
        .lines()
        .skip_while(|line| !line.starts_with("Commands:"))
        .skip(1)
        .filter_map(|line| line.strip_prefix("  "))
        .filter_map(|line| line.split_whitespace().next())
        .collect();
    assert!(names.len() > 20, "{help}");
    for name in names {
        assert!(
            BATTERY
                .iter()
                .any(|command| command.split_whitespace().next() == Some(name)),
            "the battery never says {name}"
        );
    }
}

/// Each social command refuses with its own plain reason, never a generic one.
#[tokio::test]
async fn each_refusal_names_its_reason() {
    let app = spawn_app().await;
    shared_history(&app).await;
    app.say("ben", "friend @cat").await;
    app.say("cat", "friend accept @ben").await;
    app.say("ann", "block @eve").await;
    let mut wrong = Vec::new();
    for (member, command, reason) in [
        ("ben", "friend @nobody-here", "don't know anyone called"),
        ("ben", "friend @cat", "already friends"),
        ("eve", "msg @ann hello", "friends only"),
        ("eve", "report @ann rude", "partner"),
        ("ann", "block @dan", "dan"),
        ("ann", "msg @dan hello", "you blocked them"),
        ("ann", "report @dan one", "moderators"),
        ("ann", "report @dan two", "moderators"),
        ("ann", "report @dan three", "moderators"),
        (
            "ann",
            "report @dan four",
            "you've sent 3 reports in the last 24 hours",
        ),
        ("ben", "book tomorrow 9:00 with @ann", "friends"),
        ("ben", "checkin 1 done", "booking"),
        ("ben", "rematch now", "session"),
        ("ben", "snooze @ben 7d", "that's you"),
    ] {
        let reply = app.say(member, command).await;
        if !reply.to_lowercase().contains(reason) || reply.contains("Something went wrong") {
            wrong.push(format!(
                "{member}: `{command}` should say {reason:?}: {reply}"
            ));
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
}
