//! Abuse limits through the engine, the same on every platform: the per-member command rate,
//! the cap on future bookings, and names that more than one member goes by.

mod common;

use chrono::Duration;

use common::{spawn_app, spawn_app_with_limits, test_limits, TestApp, COMMUNITY};
use focusfolk::command::{Command, MemberRef};
use focusfolk::core::model::{Platform, RelationKind};
use focusfolk::engine::{Actor, CommandLimits, CommandOutcome};

const SLOW_DOWN: &str = "You're sending commands faster than I can take them; wait a few seconds.";

fn actor(user: &str) -> Actor {
    Actor::new(Platform::Shell, COMMUNITY, user, user)
}

/// Ten quick commands are fine, the eleventh is told to slow down (and does nothing), another
/// member is not held back, and once the engine's clock has moved on the first is served again.
/// Text (Matrix, the shell) and typed commands (Discord) draw on one allowance.
#[tokio::test]
async fn an_eleventh_quick_command_is_told_to_slow_down() {
    let app = spawn_app_with_limits(CommandLimits::default()).await; // burst 10, then 1 per 2 s
    let ann = actor("ann");
    for _ in 0..5 {
        let reply = app.engine.handle_text(&ann, "sessions").await;
        assert_eq!(
            reply.outcome,
            CommandOutcome::Done,
            "{}",
            reply.render_plain()
        );
    }
    for _ in 0..5 {
        let reply = app.engine.handle_command(&ann, Command::Sessions).await;
        assert_eq!(
            reply.outcome,
            CommandOutcome::Done,
            "{}",
            reply.render_plain()
        );
    }

    let eleventh = app.engine.handle_text(&ann, "book 9:00 50m").await;
    assert_eq!(eleventh.outcome, CommandOutcome::Refused);
    assert_eq!(eleventh.render_plain(), SLOW_DOWN);
    let typed = app.engine.handle_command(&ann, Command::Sessions).await;
    assert_eq!(typed.outcome, CommandOutcome::Refused);
    assert_eq!(typed.render_plain(), SLOW_DOWN);

    assert!(app.say("ben", "book 9:00 50m").await.contains("Booked #1"));

    app.clock.advance_by(Duration::milliseconds(1999));
    assert_eq!(app.say("ann", "sessions").await, SLOW_DOWN, "not quite yet");
    app.clock.advance_by(Duration::milliseconds(1));
    let served = app.say("ann", "sessions").await;
    assert!(
        served.contains("No upcoming sessions"),
        "the refused booking was not made: {served}"
    );
    assert_eq!(app.say("ann", "sessions").await, SLOW_DOWN, "one per 2 s");
}

/// The same user in another community has an allowance of their own.
#[tokio::test]
async fn the_allowance_is_per_community() {
    let app = spawn_app_with_limits(CommandLimits::default()).await;
    for _ in 0..10 {
        app.say("ann", "help").await;
    }
    assert_eq!(app.say("ann", "help").await, SLOW_DOWN);
    let elsewhere = Actor::new(Platform::Shell, "another-community", "ann", "ann");
    let reply = app.engine.handle_text(&elsewhere, "help").await;
    assert_eq!(reply.outcome, CommandOutcome::Done);
}

async fn sessions_listed(app: &TestApp, member: &str) -> usize {
    app.say(member, "sessions").await.matches("\n  • #").count()
}

/// At the cap, the next booking is refused in plain words, whether it would open a new slot
/// or join one that exists (SQLite's fast path); a cancel makes room again.
#[tokio::test]
async fn the_booking_cap_refuses_the_next_booking_until_one_is_cancelled() {
    let app = spawn_app_with_limits(CommandLimits {
        max_future_bookings: 3,
        ..test_limits()
    })
    .await;
    assert!(app.say("ben", "book 12:00 50m").await.contains("Booked"));
    for time in ["9:00", "10:00", "11:00"] {
        let reply = app.say("ann", &format!("book {time} 50m")).await;
        assert!(reply.contains("Booked"), "{time}: {reply}");
    }
    let refused = "You already have 3 upcoming sessions booked, the most one member can hold \
                   here. Cancel one you no longer need (`sessions` lists them) or book again \
                   after your next session.";
    assert_eq!(
        app.say("ann", "book 13:00 50m").await,
        refused,
        "a new slot"
    );
    assert_eq!(
        app.say("ann", "book 12:00 50m").await,
        refused,
        "ben's existing slot"
    );
    assert_eq!(sessions_listed(&app, "ann").await, 3);

    assert!(app.say("ann", "cancel 11:00").await.contains("Cancelled"));
    assert!(app.say("ann", "book 12:00 50m").await.contains("Booked"));
    assert_eq!(sessions_listed(&app, "ann").await, 3);

    // A session that has started no longer counts.
    app.advance_to(common::at(9, 5)).await;
    assert!(app.say("ann", "book 14:00 50m").await.contains("Booked"));
    assert_eq!(app.say("ann", "book 15:00 50m").await, refused);
}

/// A weekly series counts once per booked week: it is one booking until it rolls forward.
#[tokio::test]
async fn a_weekly_series_counts_as_its_booked_weeks() {
    let app = spawn_app_with_limits(CommandLimits {
        max_future_bookings: 2,
        ..test_limits()
    })
    .await;
    assert!(app
        .say("ann", "book 9:00 50m weekly")
        .await
        .contains("every week"));
    assert!(app.say("ann", "book 10:00 50m").await.contains("Booked"));
    assert!(app
        .say("ann", "book 11:00 50m")
        .await
        .starts_with("You already have 2 upcoming sessions"));
}

/// L1: two members called Alice. `block Alice` asks which one (by their handles, public on
/// the shell and Matrix) and blocks nobody; `block @handle` blocks exactly that one.
#[tokio::test]
async fn an_ambiguous_name_asks_which_one_and_blocks_nobody() {
    let app = spawn_app().await;
    let say_as = |user: &'static str, name: &'static str, text: &'static str| {
        let engine = app.engine.clone();
        async move {
            let actor = Actor::new(Platform::Shell, COMMUNITY, user, name);
            engine.handle_text(&actor, text).await
        }
    };
    say_as("alice-one", "Alice", "help").await;
    say_as("alice-two", "alice", "help").await;
    say_as("ben", "Ben", "help").await;

    let reply = say_as("ben", "Ben", "block Alice").await;
    assert_eq!(reply.outcome, CommandOutcome::Refused);
    assert_eq!(
        reply.render_plain(),
        "Two members here are called Alice: @alice-one, @alice-two. Say it again with the \
         handle of the one you mean."
    );
    let store = app.engine.store_for_tests();
    let community = app
        .engine
        .community_for(&actor("ben"))
        .await
        .expect("community");
    let member = |user: &'static str| async move {
        store
            .member_by_platform_id(community.id, user)
            .await
            .unwrap()
            .unwrap()
            .id
    };
    let (ben, one, two) = (
        member("ben").await,
        member("alice-one").await,
        member("alice-two").await,
    );
    assert_eq!(
        store.relations_among(&[ben, one, two]).await.unwrap(),
        vec![],
        "nobody blocked"
    );

    let reply = say_as("ben", "Ben", "block @alice-two").await;
    assert_eq!(
        reply.outcome,
        CommandOutcome::Done,
        "{}",
        reply.render_plain()
    );
    let relations = store.relations_among(&[ben, one, two]).await.unwrap();
    assert_eq!(relations.len(), 1, "{relations:?}");
    assert_eq!(
        (relations[0].member, relations[0].other, relations[0].kind),
        (ben, two, RelationKind::Block)
    );
    // A name only one member has is still enough.
    assert!(say_as("alice-one", "Alice", "friend ben")
        .await
        .render_plain()
        .contains("Ben is now your friend"));
}

/// Where the platform hands over a user id (Discord's `/partner member:`), it is looked up as
/// an id only: a display name that happens to read like it is no match.
#[tokio::test]
async fn a_platform_id_is_never_matched_by_display_name() {
    let app = spawn_app().await;
    app.engine
        .handle_text(
            &Actor::new(Platform::Shell, COMMUNITY, "impostor", "123456"),
            "help",
        )
        .await;
    let block = |target: MemberRef| Command::Relate {
        kind: RelationKind::Block,
        target,
        change: focusfolk::command::RelationChange::Set,
    };
    let by_id = app
        .engine
        .handle_command(&actor("ben"), block(MemberRef::PlatformId("123456".into())))
        .await;
    assert_eq!(by_id.outcome, CommandOutcome::Refused);
    assert!(
        by_id
            .render_plain()
            .contains("I don't know anyone called \"123456\""),
        "{}",
        by_id.render_plain()
    );
    let by_id = app
        .engine
        .handle_command(
            &actor("ben"),
            block(MemberRef::PlatformId("impostor".into())),
        )
        .await;
    assert_eq!(
        by_id.outcome,
        CommandOutcome::Done,
        "{}",
        by_id.render_plain()
    );
}
