//! Reliability tiers (issue 11), on the shell: the show-up rate over the last 20 booked
//! sessions (no-shows and late cancels count against it, the bot's downtime never does) caps
//! upcoming bookings at 3 or 1 below 80 % or 50 %, and `book` says why and how to recover.

mod common;

use common::{at, spawn_app, TestApp};

/// `member` is paired with `partner` at each hour and never comes; the partner does.
async fn miss_sessions(app: &TestApp, member: &str, partner: &str, hours: &[u32]) {
    for hour in hours {
        for who in [member, partner] {
            let booked = app.say(who, &format!("book {hour}:00 25m")).await;
            assert!(booked.contains("Booked"), "{who} {hour}: {booked}");
        }
    }
    for hour in hours {
        app.advance_to(at(*hour, 0)).await;
        let room = app.platform.open_room_of(partner).expect("a room");
        app.platform.join(&room, partner).unwrap();
        app.advance_to(at(*hour, 30)).await;
    }
}

#[tokio::test]
async fn three_no_shows_leave_one_booking_and_the_reply_says_how_to_recover() {
    let app = spawn_app().await;
    miss_sessions(&app, "ann", "ben", &[9, 10, 11]).await;
    let prefs = app.say("ann", "prefs").await;
    assert!(prefs.contains("No-shows: 3"), "{prefs}");
    assert!(
        prefs.contains("Reliability: 0% over your last 3 sessions"),
        "prefs shows the rate the tiers use: {prefs}"
    );
    let partners_prefs = app.say("ben", "prefs").await;
    assert!(
        partners_prefs.contains("Reliability: 100% over your last 3 sessions"),
        "{partners_prefs}"
    );

    let first = app.say("ann", "book tomorrow 9:00").await;
    assert!(first.contains("Booked"), "{first}");
    let second = app.say("ann", "book tomorrow 10:00").await;
    for expected in [
        "0% of your last 3 booked sessions",
        "under the 80%",
        "hold 1 upcoming session at a time",
        "Only you see this",
        "12 more in a row lift you above 80%",
    ] {
        assert!(
            second.contains(expected),
            "{expected} missing from: {second}"
        );
    }
    assert!(!app.say("ann", "sessions").await.contains("10:00"));

    // The partner who came is not held back, and never learns ann's rate.
    for hour in [9, 10, 11, 12] {
        let booked = app.say("ben", &format!("book tomorrow {hour}:00")).await;
        assert!(booked.contains("Booked"), "{booked}");
        assert!(!booked.contains("ann") && !booked.contains('%'), "{booked}");
    }
}

#[tokio::test]
async fn late_cancels_count_and_early_ones_do_not() {
    let app = spawn_app().await;
    // Three early cancels: more than an hour ahead, never against the member.
    for hour in [12, 13, 14] {
        app.say("cat", &format!("book {hour}:00 25m")).await;
        let cancelled = app.say("cat", &format!("cancel {hour}:00")).await;
        assert!(!cancelled.contains("late cancel"), "{cancelled}");
    }
    for hour in [15, 16, 17, 18] {
        let booked = app.say("cat", &format!("book tomorrow {hour}:00")).await;
        assert!(booked.contains("Booked"), "{booked}");
    }
    // Now one attended session and two late cancels: 1 of 3 is 33%, under 50%: one booking,
    // and cat already holds four.
    app.say("cat", "book 9:00 25m").await;
    app.say("dan", "book 9:00 25m").await;
    app.advance_to(at(9, 0)).await;
    app.join(&["cat", "dan"]);
    for hour in [11, 12] {
        app.say("cat", &format!("book {hour}:00 25m")).await;
        app.advance_to(at(hour - 1, 30)).await;
        let late = app.say("cat", &format!("cancel {hour}:00")).await;
        assert!(late.contains("late cancel"), "{late}");
    }
    let refused = app.say("cat", "book tomorrow 19:00").await;
    assert!(
        refused.contains("33% of your last 3 booked sessions")
            && refused.contains("hold 1 upcoming session"),
        "{refused}"
    );
}

#[tokio::test]
async fn sessions_the_bot_was_down_for_never_count() {
    let app = spawn_app().await;
    // Two real no-shows: too few sessions to judge (3 are needed).
    miss_sessions(&app, "ann", "ben", &[9, 10]).await;
    // The bot is down through the 12:00 session, which ann also misses: excused.
    for who in ["ann", "ben"] {
        app.say(who, "book 12:00 25m").await;
    }
    app.clock.advance_to(at(12, 20));
    app.advance_to(at(12, 30)).await;
    assert!(app.say("ann", "prefs").await.contains("No-shows: 2"));
    for hour in [9, 10, 11, 12] {
        let booked = app.say("ann", &format!("book tomorrow {hour}:00")).await;
        assert!(booked.contains("Booked"), "{hour}: {booked}");
    }
    // A third real no-show makes three sessions, 0 of 3: one booking, and ann holds four.
    miss_sessions(&app, "ann", "ben", &[14]).await;
    let refused = app.say("ann", "book tomorrow 15:00").await;
    assert!(
        refused.contains("0% of your last 3 booked sessions"),
        "{refused}"
    );
    // Cancelling early does not lift the tier, but it makes room under it.
    for hour in [10, 11, 12] {
        app.say("ann", &format!("cancel tomorrow {hour}:00")).await;
    }
    let still_one = app.say("ann", "book tomorrow 15:00").await;
    assert!(still_one.contains("hold 1 upcoming session"), "{still_one}");
    app.say("ann", "cancel tomorrow 9:00").await;
    assert!(app
        .say("ann", "book tomorrow 15:00")
        .await
        .contains("Booked"));
}

#[tokio::test]
async fn a_community_that_set_its_own_tier_applies_it() {
    let app = spawn_app().await;
    // The community's admin allows 2 upcoming bookings (not 1) under 50 %, as `setup` does
    // for any `[community_defaults]` key.
    let admin = focusfolk::engine::Actor::new(
        focusfolk::core::model::Platform::Shell,
        common::COMMUNITY,
        "zoe",
        "zoe",
    )
    .as_community_admin();
    let changed = app
        .engine
        .handle_text(&admin, "setup reliability_restricted_bookings 2")
        .await
        .render_plain();
    assert!(
        changed.contains("reliability_restricted_bookings = 2 (changed here"),
        "{changed}"
    );
    miss_sessions(&app, "ann", "ben", &[9, 10, 11]).await;
    for hour in [9, 10] {
        let booked = app.say("ann", &format!("book tomorrow {hour}:00")).await;
        assert!(booked.contains("Booked"), "{booked}");
    }
    let third = app.say("ann", "book tomorrow 11:00").await;
    assert!(third.contains("hold 2 upcoming sessions"), "{third}");
}
