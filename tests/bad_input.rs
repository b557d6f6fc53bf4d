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
