//! Session modes and availability (issue 11) on the shell: `book … quiet|talk|moving`,
//! `prefs availability everyone|friends`, `prefs mix-modes on|off`, `setup modes …`; who is
//! paired with whom, at the start and in the rematch; and the warnings in time.

mod common;

use common::{at, spawn_app, TestApp, COMMUNITY};
use focusfolk::core::model::Platform;
use focusfolk::engine::Actor;

async fn book(app: &TestApp, member: &str, text: &str) -> String {
    let reply = app.say(member, text).await;
    assert!(reply.contains("Booked"), "{member}: {reply}");
    reply
}

/// Whether `a` and `b` share a room (any room, open or closed).
fn paired(app: &TestApp, a: &str, b: &str) -> bool {
    app.room_memberships()
        .iter()
        .any(|room| room.contains(&a.to_string()) && room.contains(&b.to_string()))
}

fn announcement(app: &TestApp, member: &str) -> String {
    app.dms(member)
        .into_iter()
        .find(|dm| dm.contains("It's time"))
        .unwrap_or_else(|| panic!("{member} was announced: {:?}", app.dms(member)))
}

#[tokio::test]
async fn the_mode_shows_in_the_booking_the_sessions_and_the_announcement() {
    let app = spawn_app().await;
    let booked = book(&app, "ann", "book 9:00 50m talk").await;
    assert!(booked.contains("Mode: talk"), "{booked}");
    book(&app, "ben", "book 9:00 50m talk").await;
    // A booking that names no mode reads as before (the community's first mode applies).
    let plain = book(&app, "cat", "book 10:00").await;
    assert!(!plain.contains("Mode:"), "{plain}");
    let sessions = app.say("ann", "sessions").await;
    assert!(sessions.contains("50 min · talk"), "{sessions}");
    assert!(!app.say("cat", "sessions").await.contains("quiet"));
    app.advance_to(at(9, 0)).await;
    assert!(paired(&app, "ann", "ben"));
    let card = announcement(&app, "ann");
    assert!(card.contains("Mode: talk"), "{card}");
    assert!(
        !card.contains("Ben: talk"),
        "equal modes name no partner: {card}"
    );
}

#[tokio::test]
async fn an_unknown_mode_is_refused_and_books_nothing() {
    let app = spawn_app().await;
    let refused = app.say("ann", "book 9:00 dance").await;
    assert!(
        refused.contains("This community's session modes are quiet, talk or moving; \"dance\" isn't one of them."),
        "{refused}"
    );
    assert!(app
        .say("ann", "sessions")
        .await
        .contains("No upcoming sessions"));
    let two = app.say("ann", "book 9:00 quiet talk").await;
    assert!(two.contains("I read two session modes"), "{two}");
}

#[tokio::test]
async fn equal_modes_are_paired_together() {
    let app = spawn_app().await;
    book(&app, "ann", "book 9:00 quiet").await;
    book(&app, "ben", "book 9:00 moving").await;
    book(&app, "cat", "book 9:00 quiet").await;
    book(&app, "dan", "book 9:00 moving").await;
    app.advance_to(at(9, 0)).await;
    assert!(paired(&app, "ann", "cat"), "{:?}", app.room_memberships());
    assert!(paired(&app, "ben", "dan"), "{:?}", app.room_memberships());
}

#[tokio::test]
async fn quiet_and_talk_are_never_paired_and_both_are_told_in_time() {
    let app = spawn_app().await;
    app.say("ben", "prefs reminders off").await;
    book(&app, "ann", "book 9:00 quiet").await;
    let second = book(&app, "ben", "book 9:00 talk").await;
    // Already clear at booking: ben's own choice rules ann out.
    assert!(
        second.contains(
            "Everyone else booked at that time chose a mode that isn't paired with yours"
        ),
        "{second}"
    );
    assert!(second.contains("prefs mix-modes on"), "{second}");
    app.advance_to(at(8, 50)).await;
    for member in ["ann", "ben"] {
        let reminder = app
            .dms(member)
            .into_iter()
            .find(|dm| dm.contains("starts in"))
            .unwrap_or_else(|| panic!("{member} is warned even with reminders off"));
        assert!(
            reminder.contains("chose a mode that isn't paired with yours"),
            "{reminder}"
        );
    }
    app.advance_to(at(9, 0)).await;
    assert!(!paired(&app, "ann", "ben"));
    for member in ["ann", "ben"] {
        assert_eq!(
            app.dms_containing(member, "No partner this time"),
            1,
            "{member}"
        );
    }
}

#[tokio::test]
async fn quiet_and_talk_meet_when_both_allow_it_and_the_card_says_so() {
    let app = spawn_app().await;
    let allowed = app.say("ann", "prefs mix-modes on").await;
    assert!(
        allowed.contains("may now be paired with a talk one"),
        "{allowed}"
    );
    assert!(app
        .say("ann", "prefs")
        .await
        .contains("Quiet with talk: allowed"));
    book(&app, "ann", "book 9:00 quiet").await;
    book(&app, "ben", "book 9:00 talk").await;
    app.advance_to(at(9, 0)).await;
    assert!(!paired(&app, "ann", "ben"), "ben did not allow it");

    app.say("cat", "prefs mix-modes on").await;
    app.say("dan", "prefs mix-modes on").await;
    let booked = book(&app, "cat", "book 10:00 quiet").await;
    assert!(!booked.contains("isn't paired with yours"), "{booked}");
    book(&app, "dan", "book 10:00 talk").await;
    app.advance_to(at(10, 0)).await;
    assert!(paired(&app, "cat", "dan"));
    let card = announcement(&app, "cat");
    assert!(card.contains("Mode: quiet · dan: talk"), "{card}");
}

#[tokio::test]
async fn a_friends_only_member_is_matched_only_with_friends_and_favourites() {
    let app = spawn_app().await;
    let chosen = app.say("ann", "prefs availability friends").await;
    assert!(
        chosen.contains("only with friends and your favourites"),
        "{chosen}"
    );
    assert!(app
        .say("ann", "prefs")
        .await
        .contains("Matched with: friends and favourites only"));
    app.say("ann", "prefs reminders off").await;
    book(&app, "ben", "book 9:00").await;
    let booked = book(&app, "ann", "book 9:00").await;
    assert!(
        booked.contains("None of your friends or favourites is booked at that time yet"),
        "{booked}"
    );
    assert!(booked.contains("prefs availability everyone"), "{booked}");
    book(&app, "cat", "book 9:00").await;
    app.advance_to(at(8, 50)).await;
    let reminder = app
        .dms("ann")
        .into_iter()
        .find(|dm| dm.contains("starts in"))
        .expect("warned in the reminder, reminders off or not");
    assert!(
        reminder.contains("None of your friends or favourites"),
        "{reminder}"
    );
    // ben and cat have no such choice: no warning.
    assert!(app
        .dms("ben")
        .iter()
        .all(|dm| !dm.contains("friends or favourites")));
    app.advance_to(at(9, 0)).await;
    assert!(paired(&app, "ben", "cat"));
    assert!(!paired(&app, "ann", "ben") && !paired(&app, "ann", "cat"));
    assert_eq!(app.dms_containing("ann", "No partner this time"), 1);

    // A favourite of ann's (one-way, ann's own) and a friend (mutual) both count.
    assert!(app.say("ann", "favourite @cat").await.contains("cat"));
    app.say("dan", "prefs").await;
    app.say("ann", "friend @dan").await;
    let accepted = app.say("dan", "friend accept @ann").await;
    assert!(!accepted.contains("don't know"), "{accepted}");
    book(&app, "ben", "book 10:00").await;
    book(&app, "cat", "book 10:00").await;
    let booked = book(&app, "ann", "book 10:00").await;
    assert!(!booked.contains("None of your friends"), "{booked}");
    app.advance_to(at(10, 0)).await;
    assert!(paired(&app, "ann", "cat"), "{:?}", app.room_memberships());

    book(&app, "ben", "book 11:00").await;
    book(&app, "dan", "book 11:00").await;
    book(&app, "ann", "book 11:00").await;
    app.advance_to(at(11, 0)).await;
    assert!(paired(&app, "ann", "dan"), "{:?}", app.room_memberships());
}

#[tokio::test]
async fn the_rematch_keeps_a_friends_only_member_to_their_list() {
    let app = spawn_app().await;
    app.say("ann", "prefs availability friends").await;
    for member in ["ann", "ben", "cat", "dan"] {
        book(&app, member, "book 9:00 25m").await;
    }
    app.say("ann", "favourite @cat").await;
    app.advance_to(at(9, 0)).await;
    assert!(paired(&app, "ann", "cat"), "{:?}", app.room_memberships());
    assert!(paired(&app, "ben", "dan"));
    // cat and dan do not show: ann and ben are stranded, and ben is not on ann's list.
    app.join(&["ann", "ben"]);
    app.advance_to(at(9, 3)).await;
    assert!(!paired(&app, "ann", "ben"), "{:?}", app.room_memberships());
    for member in ["ann", "ben"] {
        assert_eq!(app.dms_containing(member, "re-paired you"), 0, "{member}");
    }
}

#[tokio::test]
async fn a_weekly_series_keeps_its_mode() {
    let app = spawn_app().await;
    book(&app, "ann", "book 9:00 weekly moving").await;
    app.advance_to(at(9, 30)).await;
    let sessions = app.say("ann", "sessions").await;
    assert!(sessions.contains("Mon 7 Dec 09:00"), "{sessions}");
    assert!(sessions.contains("· moving · weekly"), "{sessions}");
}

#[tokio::test]
async fn admins_set_the_modes_and_the_first_is_the_default() {
    let app = spawn_app().await;
    let admin = Actor::new(Platform::Shell, COMMUNITY, "ann", "Ann").as_community_admin();
    let say = |text: &'static str| {
        let engine = app.engine.clone();
        let admin = admin.clone();
        async move { engine.handle_text(&admin, text).await.render_plain() }
    };
    assert!(say("setup").await.contains("modes quiet/talk/moving"));
    let refused = say("setup modes Loud! deep deep").await;
    assert!(refused.contains("\"loud!\" can't be a mode"), "{refused}");
    assert!(refused.contains("\"deep\" is listed twice"), "{refused}");
    assert!(app
        .say("ben", "setup modes deep")
        .await
        .contains("Only community admins"));
    let changed = say("setup modes deep, chat").await;
    assert!(changed.contains("modes deep/chat"), "{changed}");
    book(&app, "ben", "book 9:00").await;
    book(&app, "eve", "book 9:00 deep").await;
    assert!(book(&app, "cat", "book 10:00 chat")
        .await
        .contains("Mode: chat"));
    let refused = app.say("dan", "book 9:00 talk").await;
    assert!(
        refused.contains("session modes are deep or chat"),
        "{refused}"
    );
    // ben named none: the first mode, deep, is his, the same as eve's.
    app.advance_to(at(9, 0)).await;
    assert!(paired(&app, "ben", "eve"));
    assert!(announcement(&app, "ben").contains("Mode: deep"));
}
