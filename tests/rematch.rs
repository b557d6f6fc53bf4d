//! The rematch and a member's first session (issue 11), through the shell platform on a real
//! SQLite file: the T + 2 min choice (keep waiting / rematch now), regulars first for
//! newcomers, lengths that overlap, and the first-timer's etiquette in the reminder.

mod common;

use common::{at, spawn_app, TestApp};
use sqlx::{Connection, Executor};

const LATE: &str = "Your partner isn't here yet";
const REPAIRED: &str = "re-paired you";

async fn book_all(app: &TestApp, members: &[&str], text: &str) {
    for member in members {
        let reply = app.say(member, text).await;
        assert!(reply.contains("Booked"), "{member}: {reply}");
    }
}

/// Sets a member's history, as if they had come to `attended` sessions.
async fn set_history(app: &TestApp, member: &str, attended: i64) {
    sqlx::any::install_default_drivers();
    let mut raw = sqlx::AnyConnection::connect(&app.database_url)
        .await
        .unwrap();
    raw.execute(sqlx::AssertSqlSafe(format!(
        "UPDATE members SET sessions_attended = {attended} WHERE platform_user_id = '{member}'"
    )))
    .await
    .unwrap();
}

/// The members of the room `member` is in now.
fn room_mates(app: &TestApp, member: &str) -> Vec<String> {
    let room = app
        .platform
        .open_room_of(member)
        .unwrap_or_else(|| panic!("{member} has no open room"));
    let mut members = app.platform.rooms()[&room].members.clone();
    members.sort();
    members
}

/// Pairs of 4 members at 9:00 (25 min); the second of each pair arrives, the first does not.
async fn two_pairs_with_one_late_partner_each(app: &TestApp) -> [String; 2] {
    book_all(app, &["ann", "ben", "cat", "dan"], "book 9:00 25m").await;
    app.advance_to(at(9, 0)).await;
    let pairs = app.room_memberships();
    assert_eq!(pairs.len(), 2, "{pairs:?}");
    let waiting = [pairs[0][1].clone(), pairs[1][1].clone()];
    app.join(&[waiting[0].as_str(), waiting[1].as_str()]);
    waiting
}

#[tokio::test]
async fn at_two_minutes_a_member_alone_chooses_and_rematch_now_pairs_at_once() {
    let app = spawn_app().await;
    let [first, second] = two_pairs_with_one_late_partner_each(&app).await;
    app.advance_to(at(9, 2)).await;
    for member in [&first, &second] {
        let offers: Vec<String> = app
            .dms(member)
            .into_iter()
            .filter(|dm| dm.contains(LATE))
            .collect();
        assert_eq!(offers.len(), 1, "{member}: {offers:?}");
        assert!(offers[0].contains("`rematch now`"), "{}", offers[0]);
        assert!(offers[0].contains("`rematch wait`"), "{}", offers[0]);
    }
    // Nobody whose partner came, or who did not come, is asked.
    for member in ["ann", "ben", "cat", "dan"] {
        if member != first && member != second {
            assert_eq!(app.dms_containing(member, LATE), 0, "{member}");
        }
    }

    // The first asks alone: nobody else is free yet.
    let reply = app.say(&first, "rematch now").await;
    assert!(reply.contains("Finding you a new partner"), "{reply}");
    app.advance_to(at(9, 2)).await;
    assert_eq!(app.dms_containing(&first, "Nobody else is free yet"), 1);
    // The second asks: the two are paired at once, before the attendance check.
    app.say(&second, "rematch now").await;
    // A second click changes nothing.
    app.say(&second, "rematch now").await;
    app.advance_to(at(9, 2)).await;
    for member in [&first, &second] {
        assert_eq!(app.dms_containing(member, REPAIRED), 1, "{member}");
    }
    let mut expected = vec![first.clone(), second.clone()];
    expected.sort();
    app.join(&[first.as_str(), second.as_str()]);
    assert_eq!(room_mates(&app, &first), expected);
    // The attendance check re-pairs nobody twice and tells them nothing more.
    app.advance_to(at(9, 4)).await;
    for member in [&first, &second] {
        assert_eq!(app.dms_containing(member, REPAIRED), 1, "{member}");
        assert_eq!(
            app.dms_containing(member, "Nobody else is free right now"),
            0
        );
    }
}

#[tokio::test]
async fn keep_waiting_suppresses_the_rematch_at_the_attendance_check() {
    let app = spawn_app().await;
    let [first, second] = two_pairs_with_one_late_partner_each(&app).await;
    app.advance_to(at(9, 2)).await;
    let reply = app.say(&first, "rematch wait").await;
    assert!(reply.contains("I won't re-pair you"), "{reply}");
    app.advance_to(at(9, 4)).await;
    assert_eq!(app.dms_containing(&first, REPAIRED), 0);
    assert_eq!(app.dms_containing(&second, REPAIRED), 0);
    assert_eq!(
        app.dms_containing(&first, "Still waiting for your partner"),
        1
    );
    assert_eq!(
        app.dms_containing(&second, "Nobody else is free right now"),
        1
    );
    // Changing one's mind later still works: both are alone, so they are paired now.
    app.say(&first, "rematch now").await;
    app.advance_to(at(9, 5)).await;
    assert_eq!(app.dms_containing(&first, REPAIRED), 1);
    assert_eq!(app.dms_containing(&second, REPAIRED), 1);
}

#[tokio::test]
async fn rematch_outside_a_session_is_refused_plainly() {
    let app = spawn_app().await;
    let reply = app.say("ann", "rematch now").await;
    assert!(reply.contains("no session in progress"), "{reply}");
    book_all(&app, &["ann", "ben"], "book 9:00 25m").await;
    let reply = app.say("ann", "rematch wait").await;
    assert!(reply.contains("no session in progress"), "{reply}");
}

#[tokio::test]
async fn a_stranded_newcomer_gets_the_free_regular_not_their_newcomer_friend() {
    let app = spawn_app().await;
    let everyone = ["ann", "ben", "cat", "dan", "eve", "fay", "gus", "hal"];
    book_all(&app, &everyone, "book 9:00 25m").await;
    app.advance_to(at(9, 0)).await;
    let pairs = app.room_memberships();
    assert_eq!(pairs.len(), 4, "{pairs:?}");
    let stranded: Vec<String> = pairs.iter().map(|pair| pair[1].clone()).collect();
    let (newcomer_a, newcomer_b, regular, other) =
        (&stranded[0], &stranded[1], &stranded[2], &stranded[3]);
    set_history(&app, regular, 8).await;
    set_history(&app, other, 3).await;
    // The two newcomers are friends: at prepare this would pair them first.
    app.say(newcomer_a, &format!("friend @{newcomer_b}")).await;
    let accepted = app
        .say(newcomer_b, &format!("friend accept @{newcomer_a}"))
        .await;
    assert!(accepted.contains("friends"), "{accepted}");
    let joining: Vec<&str> = stranded.iter().map(String::as_str).collect();
    app.join(&joining);
    app.advance_to(at(9, 3)).await;
    for member in &stranded {
        assert_eq!(app.dms_containing(member, REPAIRED), 1, "{member}");
    }
    let mates = room_mates(&app, regular);
    assert_eq!(mates.len(), 2, "{mates:?}");
    assert!(
        mates.contains(newcomer_a) || mates.contains(newcomer_b),
        "the regular {regular} is with {mates:?}, not a newcomer"
    );
    assert!(!room_mates(&app, newcomer_a).contains(newcomer_b));
}

#[tokio::test]
async fn members_of_different_lengths_share_the_minutes_they_have_in_common() {
    let app = spawn_app().await;
    book_all(&app, &["ann", "ben"], "book 9:00 25m").await;
    book_all(&app, &["cat", "dan"], "book 9:00 50m").await;
    app.advance_to(at(9, 0)).await;
    app.join(&["ann", "cat"]);
    app.advance_to(at(9, 3)).await;
    assert_eq!(app.dms_containing("ann", REPAIRED), 1);
    assert_eq!(app.dms_containing("cat", REPAIRED), 1);
    // Neither was told "nobody is free" before being paired.
    assert_eq!(app.dms_containing("ann", "Nobody else is free"), 0);
    assert_eq!(app.dms_containing("cat", "Nobody else is free"), 0);
    let cat = app
        .dms("cat")
        .into_iter()
        .find(|dm| dm.contains(REPAIRED))
        .unwrap();
    assert!(
        cat.contains("25-minute session") && cat.contains("until Mon 30 Nov 09:25 UTC"),
        "{cat}"
    );
    let ann = app
        .dms("ann")
        .into_iter()
        .find(|dm| dm.contains(REPAIRED))
        .unwrap();
    assert!(ann.contains("Same end time"), "{ann}");
    app.join(&["ann", "cat"]);
    assert_eq!(room_mates(&app, "ann"), ["ann", "cat"]);
    // The shared room closes with the shorter session; the longer one goes on in cat's own.
    app.advance_to(at(9, 31)).await;
    assert!(app.platform.open_room_of("cat").is_some());
    assert_eq!(app.dms_containing("cat", "Session done"), 0);
    app.advance_to(at(9, 51)).await;
    assert_eq!(app.dms_containing("cat", "Session done"), 1);
    assert_eq!(app.dms_containing("ann", "Session done"), 1);
}

#[tokio::test]
async fn mixed_lengths_off_keeps_a_member_to_their_own_length() {
    let app = spawn_app().await;
    let reply = app.say("cat", "prefs mixed-lengths off").await;
    assert!(reply.contains("Mixed lengths off"), "{reply}");
    assert!(app.say("cat", "prefs").await.contains("Mixed lengths: off"));
    assert!(app.say("ann", "prefs").await.contains("Mixed lengths: on"));
    book_all(&app, &["ann", "ben"], "book 9:00 25m").await;
    book_all(&app, &["cat", "dan"], "book 9:00 50m").await;
    app.advance_to(at(9, 0)).await;
    app.join(&["ann", "cat"]);
    app.advance_to(at(9, 3)).await;
    assert_eq!(app.dms_containing("ann", REPAIRED), 0);
    assert_eq!(app.dms_containing("cat", REPAIRED), 0);
    assert_eq!(
        app.dms_containing("ann", "Nobody else is free right now"),
        1
    );
    assert_eq!(
        app.dms_containing("cat", "Nobody else is free right now"),
        1
    );
}

#[tokio::test]
async fn a_first_timer_s_reminder_says_what_to_expect_and_a_regular_s_does_not() {
    let app = spawn_app().await;
    book_all(&app, &["ann", "ben"], "book 9:00 25m").await;
    set_history(&app, "ben", 4).await;
    app.advance_to(at(8, 50)).await;
    let ann = app
        .dms("ann")
        .into_iter()
        .find(|dm| dm.contains("starts in"))
        .expect("ann reminded");
    for words in [
        "Your first session",
        "Cameras are optional",
        "say your goal",
        "The room link comes at the start time",
    ] {
        assert!(ann.contains(words), "{words}: {ann}");
    }
    let ben = app
        .dms("ben")
        .into_iter()
        .find(|dm| dm.contains("starts in"))
        .expect("ben reminded");
    assert!(!ben.contains("Your first session"), "{ben}");
    // Nobody who has not booked hears anything.
    assert!(app.dms("cat").is_empty());
}

#[tokio::test]
async fn a_partner_who_arrives_before_the_rematch_keeps_their_partner() {
    let app = spawn_app().await;
    book_all(&app, &["ann", "ben", "cat", "dan"], "book 9:00 25m").await;
    app.advance_to(at(9, 0)).await;
    let pairs = app.room_memberships();
    let (late, first, second) = (
        pairs[0][0].clone(),
        pairs[0][1].clone(),
        pairs[1][1].clone(),
    );
    app.join(&[first.as_str(), second.as_str()]);
    app.advance_to(at(9, 2)).await;
    app.say(&first, "rematch now").await;
    app.say(&second, "rematch now").await;
    // first's partner walks in before the rematch runs.
    app.join(&[late.as_str()]);
    app.advance_to(at(9, 2)).await;
    assert_eq!(app.dms_containing(&first, REPAIRED), 0);
    assert_eq!(app.dms_containing(&second, REPAIRED), 0);
    assert_eq!(app.dms_containing(&first, "Nobody else is free"), 0);
    assert_eq!(
        app.dms_containing(&second, "Nobody else is free at the moment"),
        1
    );
    let mut pair = vec![first.clone(), late.clone()];
    pair.sort();
    assert_eq!(room_mates(&app, &first), pair);
}

/// The new partner's card shows the session mode, as the first announcement does (issue 11).
#[tokio::test]
async fn the_rematch_card_shows_the_session_mode() {
    let app = spawn_app().await;
    book_all(&app, &["ann", "ben", "cat", "dan"], "book 9:00 25m talk").await;
    app.advance_to(at(9, 0)).await;
    let pairs = app.room_memberships();
    assert_eq!(pairs.len(), 2, "{pairs:?}");
    let (first, second) = (pairs[0][1].clone(), pairs[1][1].clone());
    app.join(&[first.as_str(), second.as_str()]);
    app.advance_to(at(9, 2)).await;
    app.say(&first, "rematch now").await;
    app.say(&second, "rematch now").await;
    app.advance_to(at(9, 2)).await;
    for member in [&first, &second] {
        let card = app
            .dms(member)
            .into_iter()
            .find(|dm| dm.contains(REPAIRED))
            .unwrap_or_else(|| panic!("{member} was re-paired"));
        assert!(card.contains("Mode: talk"), "{card}");
    }
}

/// A member the prepare left alone (the only one on a 50-minute session) may choose Rematch
/// now from the "No partner" message before the start; at the attendance check they are
/// handed the member whose partner didn't come, for the minutes the two share.
#[tokio::test]
async fn a_member_left_alone_by_the_prepare_asks_and_is_paired_with_a_stranded_member() {
    let app = spawn_app().await;
    book_all(&app, &["ann", "ben"], "book 9:00 25m").await;
    book_all(&app, &["cat"], "book 9:00 50m").await;
    // Before being left alone, asking is refused as before.
    let early = app.say("cat", "rematch now").await;
    assert!(!early.contains("Finding you"), "{early}");
    app.advance_to(at(8, 58)).await;
    let alone = app
        .dms("cat")
        .into_iter()
        .find(|dm| dm.contains("No partner this time"))
        .unwrap_or_else(|| panic!("cat is told: {:?}", app.dms("cat")));
    assert!(alone.contains("`rematch now`"), "{alone}");
    let asked = app.say("cat", "rematch now").await;
    assert!(asked.contains("Finding you a new partner"), "{asked}");
    app.advance_to(at(8, 58)).await;
    assert_eq!(
        app.dms_containing("cat", "Nobody else is free yet"),
        1,
        "nobody is stranded yet: told when the next look is"
    );

    app.advance_to(at(9, 0)).await;
    app.join(&["ann"]);
    app.advance_to(at(9, 3)).await;
    assert_eq!(app.dms_containing("ann", REPAIRED), 1);
    let found = app
        .dms("cat")
        .into_iter()
        .find(|dm| dm.contains("found you a partner after all"))
        .unwrap_or_else(|| panic!("cat is paired: {:?}", app.dms("cat")));
    assert!(found.contains("25-minute session"), "{found}");
    assert!(!found.contains("Your partner didn't make it"), "{found}");
    app.join(&["cat"]);
    assert_eq!(
        room_mates(&app, "cat"),
        vec!["ann".to_string(), "cat".to_string()]
    );
}
