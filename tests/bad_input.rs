//! Every bad command gets a clear, specific answer and changes nothing.

mod common;

use common::{spawn_app, COMMUNITY};
use focusfolk::engine::Actor;

async fn bookings_of(app: &common::TestApp, member: &str) -> String {
    app.say(member, "sessions").await
}

#[tokio::test]
async fn bad_commands_answer_plainly_and_change_nothing() {
    let app = spawn_app().await;
    assert!(app.say("ann", "book 9:00 50m").await.contains("Booked #1"));
    let before = bookings_of(&app, "ann").await;

    // (who, input, a phrase the answer must contain)
    let table = [
        (
            "ann",
            "timezone Europe/Pariss",
            "Did you mean Europe/Paris?",
        ),
        ("ann", "book 7:00 50m today", "already"),
        ("ann", "book 2027-03-01 09:00 50m", "ahead"),
        ("ann", "book 9:07 50m", "quarter-hour"),
        ("ann", "book 10:00 40m", "40"),
        ("ann", "book 9:15 50m", "overlap"),
        ("ann", "book 9:00 50m", "overlaps your booking #1"),
        ("ben", "cancel 1", "isn't yours"),
        ("ann", "cancel 999", "no booking #999"),
        ("ann", "bok 9:00", "Did you mean book?"),
        ("ann", "book", "Which time?"),
        ("ann", "book 9ish", "couldn't read"),
        ("ann", "friend nobody-here", "don't know anyone"),
        ("ann", "friend ann", "That's you"),
        ("ben", "setup lengths 10", "Only community admins"),
        ("ann", "", "Tell me what to do"),
    ];
    for (who, input, expected) in table {
        let reply = app.say(who, input).await;
        assert!(
            reply.to_lowercase().contains(&expected.to_lowercase()),
            "{input:?} → {reply:?} (wanted {expected:?})"
        );
    }
    assert_eq!(bookings_of(&app, "ann").await, before, "nothing changed");
    assert!(app
        .say("ben", "sessions")
        .await
        .contains("No upcoming sessions"));
    assert!(
        app.say("ann", "timezone").await.contains("UTC"),
        "zone unchanged"
    );
}

/// `setup lengths` follows the same rule as the config file: no 0, multiples of 5, at most
/// 180 minutes, none twice; a refused change leaves the rules as they were.
#[tokio::test]
async fn setup_refuses_session_lengths_the_rule_forbids() {
    let app = spawn_app().await;
    let admin = Actor::new(
        focusfolk::core::model::Platform::Shell,
        COMMUNITY,
        "ann",
        "Ann",
    )
    .as_community_admin();
    let say = |text: &'static str| {
        let engine = app.engine.clone();
        let admin = admin.clone();
        async move { engine.handle_text(&admin, text).await.render_plain() }
    };
    let before = say("setup").await;
    assert!(before.contains("sessions of 25/50/75"), "{before}");
    let refused = [
        ("setup lengths 0", "0 minutes can't be a session length"),
        ("setup lengths 0 25", "0 minutes can't be a session length"),
        (
            "setup lengths 25 27",
            "27 minutes can't be a session length; use multiples of 5",
        ),
        ("setup lengths 25 240", "the longest session is 180 minutes"),
        (
            "setup lengths 25 50 25",
            "25 minutes is listed more than once",
        ),
    ];
    for (input, expected) in refused {
        let reply = say(input).await;
        assert!(
            reply.contains(expected),
            "{input:?} → {reply:?} (wanted {expected:?})"
        );
        assert_eq!(say("setup").await, before, "{input:?} changed nothing");
    }
    let changed = say("setup lengths 180, 25m").await;
    assert!(changed.contains("sessions of 25/180"), "{changed}");
}

/// `setup reminder 0` would silence every reminder (a reminder due at the start is dropped
/// as "already started"); it is refused with the reason, in chat and through the command
/// Discord's `/setup reminder:0` sends, and the rules stay as they were.
#[tokio::test]
async fn setup_refuses_a_reminder_at_the_start_and_says_why() {
    let app = spawn_app().await;
    let admin = Actor::new(
        focusfolk::core::model::Platform::Shell,
        COMMUNITY,
        "ann",
        "Ann",
    )
    .as_community_admin();
    let before = app.engine.handle_text(&admin, "setup").await.render_plain();
    assert!(before.contains("reminder 10 min before"), "{before}");
    let explained = |reply: &str| {
        // The config's own words for the same value (`check-config` says the same).
        reply.contains("would remind members as the session starts")
            && reply.contains("\"It's time\"")
            && reply.contains("at least \"1m\" before the start")
    };
    for input in ["setup reminder 0", "setup reminder 0m"] {
        let reply = app.engine.handle_text(&admin, input).await;
        assert_eq!(
            reply.outcome,
            focusfolk::engine::CommandOutcome::Refused,
            "{input}"
        );
        let text = reply.render_plain();
        assert!(explained(&text), "{input:?} → {text:?}");
        let after = app.engine.handle_text(&admin, "setup").await.render_plain();
        assert_eq!(after, before, "{input:?} changed nothing");
    }
    let reply = app
        .engine
        .handle_command(
            &admin,
            focusfolk::command::Command::Setup {
                change: Some(focusfolk::command::SetupChange::ReminderLeadMinutes(0)),
            },
        )
        .await
        .render_plain();
    assert!(explained(&reply), "{reply}");
    let changed = app
        .engine
        .handle_text(&admin, "setup reminder 1m")
        .await
        .render_plain();
    assert!(changed.contains("reminder 1 min before"), "{changed}");
}

/// A name pasted into `friend` (5,000 characters) is not echoed back whole: the reply carries
/// only a short excerpt, so it can never outgrow a platform's message limit.
#[tokio::test]
async fn an_unknown_member_reply_echoes_only_a_short_excerpt_of_the_typed_name() {
    let app = spawn_app().await;
    let pasted = "x".repeat(5_000);
    for command in ["friend", "unfavourite", "block"] {
        let reply = app.say("ann", &format!("{command} {pasted}")).await;
        assert!(reply.contains("don't know anyone"), "{reply}");
        assert!(
            reply.chars().count() < 300,
            "{command}: {} characters",
            reply.chars().count()
        );
    }
}

/// Help shows the session lengths this community allows, not the defaults: after
/// `setup lengths 25 50`, both `help book` and the overall help say "[25m|50m]".
#[tokio::test]
async fn help_shows_the_lengths_the_community_allows() {
    let app = spawn_app().await;
    let overall = app.say("ben", "help").await;
    assert!(overall.contains("book <time> [25m|50m|75m]"), "{overall}");
    let admin = Actor::new(
        focusfolk::core::model::Platform::Shell,
        COMMUNITY,
        "ann",
        "Ann",
    )
    .as_community_admin();
    let rules = app
        .engine
        .handle_text(&admin, "setup lengths 25 50")
        .await
        .render_plain();
    assert!(rules.contains("sessions of 25/50"), "{rules}");
    for input in ["help", "help book"] {
        let help = app.say("ben", input).await;
        assert!(
            help.contains("book <time> [25m|50m] [weekly]"),
            "{input}: {help}"
        );
        assert!(!help.contains("75m"), "{input}: {help}");
    }
    app.engine
        .handle_text(&admin, "setup lengths 30 90")
        .await
        .render_plain();
    let help = app.say("ben", "help book").await;
    assert!(
        help.contains("book <time> [30m|90m] [weekly] [mode] (e.g. book tomorrow 9:00 30m talk)"),
        "{help}"
    );
    // A `book` the parser cannot read answers with the same lengths.
    for input in ["book", "book 9 50 25"] {
        let refused = app.say("ben", input).await;
        assert!(
            refused.contains("Usage: book <time> [30m|90m] [weekly]"),
            "{input}: {refused}"
        );
        assert!(!refused.contains("25m|50m|75m"), "{input}: {refused}");
    }
}
