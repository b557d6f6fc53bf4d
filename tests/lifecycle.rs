//! Whole-lifecycle scenarios through the shell platform with the manual clock.

mod common;

use common::{at, spawn_app};

const REMINDER: &str = "starts in";
const ANNOUNCE: &str = "It's time!";
const CHECK_IN: &str = "Session done";

async fn book_all(app: &common::TestApp, members: &[&str], text: &str) {
    for member in members {
        let reply = app.say(member, text).await;
        assert!(reply.contains("Booked"), "{member}: {reply}");
    }
}

#[tokio::test]
async fn five_members_make_a_pair_and_a_trio_and_everyone_gets_every_dm() {
    let app = spawn_app().await;
    let members = ["ann", "ben", "cat", "dan", "eve"];
    book_all(&app, &members, "book 9:00 50m").await;

    app.advance_to(at(8, 50)).await;
    for member in members {
        assert_eq!(
            app.dms_containing(member, REMINDER),
            1,
            "{member} reminded once"
        );
        assert_eq!(
            app.dms_containing(member, ANNOUNCE),
            0,
            "no announcement before T"
        );
    }
    app.advance_to(at(8, 59)).await;
    let mut sizes: Vec<usize> = app.room_memberships().iter().map(Vec::len).collect();
    sizes.sort();
    assert_eq!(sizes, [2, 3], "a pair and a trio, rooms ready before T");

    app.advance_to(at(9, 0)).await;
    for member in members {
        assert_eq!(
            app.dms_containing(member, ANNOUNCE),
            1,
            "{member} announced once"
        );
    }
    app.join(&members);
    app.advance_to(at(10, 0)).await;
    for member in members {
        assert_eq!(
            app.dms_containing(member, CHECK_IN),
            1,
            "{member} checked in once"
        );
        assert!(app
            .dms(member)
            .iter()
            .all(|text| !text.contains("missed you")));
    }
    assert!(
        app.platform.rooms().values().all(|room| !room.open),
        "rooms closed after the session"
    );
    let stats = app.say("ann", "prefs").await;
    assert!(
        stats.contains("Sessions: 1") && stats.contains("No-shows: 0"),
        "{stats}"
    );
}

#[tokio::test]
async fn stranded_partners_of_no_shows_are_re_paired_together() {
    let app = spawn_app().await;
    let members = ["ann", "ben", "cat", "dan"];
    book_all(&app, &members, "book 9:00 25m").await;
    app.advance_to(at(9, 0)).await;
    let pairs = app.room_memberships();
    assert_eq!(pairs.len(), 2);
    // The first member of each pair does not show.
    let no_shows = [pairs[0][0].clone(), pairs[1][0].clone()];
    let stranded = [pairs[0][1].clone(), pairs[1][1].clone()];
    app.join(&[stranded[0].as_str(), stranded[1].as_str()]);

    app.advance_to(at(9, 3)).await;
    for member in &stranded {
        assert_eq!(
            app.dms_containing(member, "re-paired you"),
            1,
            "{member} rematched"
        );
    }
    let rematch_room = app
        .platform
        .open_room_of(&stranded[0])
        .expect("rematch room");
    assert_eq!(
        app.platform.open_room_of(&stranded[1]).as_deref(),
        Some(rematch_room.as_str()),
        "stranded share a new room"
    );
    for member in &no_shows {
        assert_eq!(app.dms_containing(member, "We missed you"), 1);
        let stats = app.say(member, "prefs").await;
        assert!(stats.contains("No-shows: 1"), "{stats}");
    }
    app.join(&[stranded[0].as_str(), stranded[1].as_str()]);
    app.advance_to(at(9, 40)).await;
    for member in &stranded {
        assert_eq!(app.dms_containing(member, CHECK_IN), 1);
    }
    assert!(
        app.platform.rooms().values().all(|room| !room.open),
        "original and rematch rooms closed"
    );
}

#[tokio::test]
async fn a_lone_stranded_member_is_told_plainly() {
    let app = spawn_app().await;
    book_all(&app, &["ann", "ben"], "book 9:00 50m").await;
    app.advance_to(at(9, 0)).await;
    app.join(&["ann"]);
    app.advance_to(at(9, 3)).await;
    assert_eq!(app.dms_containing("ann", "Nobody else is free"), 1);
    assert_eq!(app.dms_containing("ben", "We missed you"), 1);
}

#[tokio::test]
async fn a_member_alone_in_a_slot_is_not_left_out_silently() {
    let app = spawn_app().await;
    book_all(&app, &["ann"], "book 9:00 50m").await;
    app.advance_to(at(9, 0)).await;
    assert_eq!(app.dms_containing("ann", "Nobody else could be matched"), 1);
}

#[tokio::test]
async fn downtime_is_never_a_no_show_and_stale_reminders_are_dropped() {
    let app = spawn_app().await;
    book_all(&app, &["ann", "ben"], "book 9:00 50m").await;
    // The bot is down from 08:00 to 09:20: nothing runs until then.
    app.clock.advance_to(at(9, 20));
    app.advance_to(at(9, 20)).await;
    for member in ["ann", "ben"] {
        assert_eq!(
            app.dms_containing(member, REMINDER),
            0,
            "a reminder after the start is pointless"
        );
        assert_eq!(
            app.dms_containing(member, ANNOUNCE),
            1,
            "late announcement still sent"
        );
        assert_eq!(app.dms_containing(member, "We missed you"), 0);
        let stats = app.say(member, "prefs").await;
        assert!(stats.contains("No-shows: 0"), "{stats}");
    }
}

#[tokio::test]
async fn reminders_respect_the_opt_out() {
    let app = spawn_app().await;
    book_all(&app, &["ann", "ben"], "book 9:00 50m").await;
    assert!(app
        .say("ann", "prefs reminders off")
        .await
        .contains("Reminders: off"));
    app.advance_to(at(8, 55)).await;
    assert_eq!(app.dms_containing("ann", REMINDER), 0);
    assert_eq!(app.dms_containing("ben", REMINDER), 1);
}

#[tokio::test]
async fn cancelling_after_matching_leaves_the_partner_informed() {
    let app = spawn_app().await;
    book_all(&app, &["ann", "ben"], "book 9:00 50m").await;
    app.advance_to(at(8, 59)).await;
    let reply = app.say("ann", "cancel").await;
    assert!(reply.contains("late cancel"), "{reply}");
    app.advance_to(at(9, 0)).await;
    assert_eq!(
        app.dms_containing("ann", ANNOUNCE),
        0,
        "a cancelled member gets no announcement"
    );
    assert_eq!(app.dms_containing("ben", "partner cancelled"), 1);
    let stats = app.say("ann", "prefs").await;
    assert!(stats.contains("Late cancels: 1"), "{stats}");
}

#[tokio::test]
async fn friends_are_paired_and_blocked_members_never_are() {
    let app = spawn_app().await;
    let members = ["ann", "ben", "cat", "dan"];
    for member in members {
        app.say(member, "help").await; // everyone exists before relations are set
    }
    assert!(app
        .say("ann", "friend dan")
        .await
        .contains("dan is now your friend"));
    assert!(app.say("ann", "block ben").await.contains("Blocked ben"));
    book_all(&app, &members, "book 9:00 50m").await;
    app.advance_to(at(9, 0)).await;
    let mut rooms: Vec<Vec<String>> = app
        .room_memberships()
        .into_iter()
        .map(|mut members| {
            members.sort();
            members
        })
        .collect();
    rooms.sort();
    assert_eq!(rooms, [["ann", "dan"], ["ben", "cat"]]);
}

#[tokio::test]
async fn weekly_bookings_roll_forward_at_the_same_local_time() {
    let app = spawn_app().await;
    // The wall time stays 09:00 in the member's zone (DST edges are unit-tested in the core).
    app.say("ann", "timezone America/New_York").await;
    let reply = app.say("ann", "book tomorrow 9:00 50m weekly").await;
    assert!(reply.contains("every week"), "{reply}");
    app.advance_to(common::test_start() + chrono::Duration::days(2))
        .await;
    let sessions = app.say("ann", "sessions").await;
    assert!(sessions.contains("Tue 8 Dec 09:00 EST"), "{sessions}");
}

#[tokio::test]
async fn a_booking_right_after_a_time_zone_change_uses_the_new_zone() {
    // `book` reads members from a short-lived cache; any other command must refresh it.
    let app = spawn_app().await;
    let first = app.say("ann", "book 9:00 25m").await;
    assert!(first.contains("09:00 UTC"), "{first}");
    assert!(app
        .say("ann", "timezone Europe/Paris")
        .await
        .contains("Europe/Paris"));
    let second = app.say("ann", "book 11:00 25m").await;
    assert!(
        second.contains("11:00 CET"),
        "booked in the new zone: {second}"
    );
    let sessions = app.say("ann", "sessions").await;
    assert!(
        sessions.contains("10:00 CET") && sessions.contains("11:00 CET"),
        "09:00 UTC is 10:00 in Paris: {sessions}"
    );
    // Reminders switched off right before booking: the reply does not promise one.
    assert!(app
        .say("ann", "prefs reminders off")
        .await
        .contains("Reminders: off"));
    let third = app.say("ann", "book 13:00 25m").await;
    assert!(third.contains("I'll pair you"), "{third}");
    assert!(!third.contains("remind"), "{third}");
}

/// A reminder that runs a tenth of a second after its due time (T − 3 min) is read as a person
/// would: "starts in 3 min", not the "2 min" that truncating 2m59.9s gave.
#[tokio::test]
async fn a_reminder_a_moment_late_says_the_nearest_minute() {
    let app = spawn_app().await;
    let admin = focusfolk::engine::Actor::new(
        focusfolk::core::model::Platform::Shell,
        common::COMMUNITY,
        "ann",
        "ann",
    )
    .as_community_admin();
    let rules = app
        .engine
        .handle_text(&admin, "setup reminder 3")
        .await
        .render_plain();
    assert!(rules.contains("reminder 3 min before"), "{rules}");
    book_all(&app, &["ann", "ben"], "book 9:00 25m").await;
    app.advance_to(at(8, 56)).await;
    app.clock
        .advance_to(at(8, 57) + chrono::Duration::milliseconds(100));
    app.engine.run_due_jobs().await.expect("jobs run");
    for member in ["ann", "ben"] {
        let reminders: Vec<String> = app
            .dms(member)
            .into_iter()
            .filter(|text| text.contains(REMINDER))
            .collect();
        assert_eq!(reminders.len(), 1, "{member}: {reminders:?}");
        assert!(
            reminders[0].starts_with("Your focus session starts in 3 min\n"),
            "{member}: {}",
            reminders[0]
        );
    }
}

#[tokio::test]
async fn a_member_with_a_70000_character_name_books_with_others_and_everyone_is_announced() {
    let app = spawn_app().await;
    // Like Matrix: a room title over 255 characters or a DM over 64 KiB is refused for good.
    app.platform.enforce_size_limits();
    let huge = "Z".repeat(70_000);
    let giant = focusfolk::engine::Actor::new(
        focusfolk::core::model::Platform::Shell,
        common::COMMUNITY,
        "zed",
        &huge,
    );
    let reply = app
        .engine
        .handle_text(&giant, "book 9:00 50m")
        .await
        .render_plain();
    assert!(reply.contains("Booked"), "{reply}");
    let others = ["ann", "ben", "cat", "dan"];
    book_all(&app, &others, "book 9:00 50m").await;

    app.advance_to(at(9, 0)).await;
    for room in app.platform.rooms().values() {
        assert!(room.title.chars().count() <= 255, "{}", room.title);
    }
    let opened: Vec<String> = app.room_memberships().concat();
    for member in others.iter().chain(["zed"].iter()) {
        assert!(
            opened.iter().any(|user| user == member),
            "{member} has a room: {opened:?}"
        );
        assert_eq!(
            app.dms_containing(member, ANNOUNCE),
            1,
            "{member} announced: {:?}",
            app.dms(member)
                .iter()
                .map(|text| text.chars().take(120).collect::<String>())
                .collect::<Vec<_>>()
        );
    }
}
