//! Locked-in sessions with a friend (issue 11): `book <time> with @x` books the slot and
//! invites x; once x accepts, the pair is kept together whatever the matcher would prefer; a
//! decline or no answer by the cutoff leaves a normal booking and says so; a cancel or a
//! no-show frees the other to be (re)matched like anyone. Scenarios through the shell.

mod common;

use common::{at, spawn_app, TestApp};

async fn everyone_exists(app: &TestApp, members: &[&str]) {
    for member in members {
        app.say(member, "help").await;
    }
}

async fn befriend(app: &TestApp, a: &str, b: &str) {
    app.say(a, &format!("friend @{b}")).await;
    let accepted = app.say(b, &format!("friend accept @{a}")).await;
    assert!(accepted.contains("are friends now"), "{accepted}");
}

async fn book(app: &TestApp, member: &str, text: &str) -> String {
    let reply = app.say(member, text).await;
    assert!(reply.contains("Booked"), "{member}: {reply}");
    reply
}

/// The invitation number in the invitee's DM ("`book accept 7`" → 7).
fn invitation_in(dm: &str) -> i64 {
    let after = dm
        .split("`book accept ")
        .nth(1)
        .unwrap_or_else(|| panic!("no accept action in {dm}"));
    after
        .chars()
        .take_while(char::is_ascii_digit)
        .collect::<String>()
        .parse()
        .unwrap()
}

/// Who shares an open room with `member`, sorted, `member` included.
fn room_of(app: &TestApp, member: &str) -> Vec<String> {
    let room = app
        .platform
        .open_room_of(member)
        .unwrap_or_else(|| panic!("{member} has no open room"));
    let mut members = app.platform.rooms()[&room].members.clone();
    members.sort();
    members
}

fn names(list: &[&str]) -> Vec<String> {
    list.iter().map(|name| name.to_string()).collect()
}

/// ann and bob are friends, and so are ann–cat and bob–dan: left to itself the matcher pairs
/// ann with cat and bob with dan (two friendships beat one). Locked in, ann and bob stay.
async fn four_friends(app: &TestApp) {
    everyone_exists(app, &["ann", "bob", "cat", "dan"]).await;
    befriend(app, "ann", "bob").await;
    befriend(app, "ann", "cat").await;
    befriend(app, "bob", "dan").await;
}

#[tokio::test]
async fn an_accepted_invitation_pairs_the_two_even_when_the_matcher_prefers_others() {
    let app = spawn_app().await;
    four_friends(&app).await;

    let invited = book(&app, "ann", "book 9:00 50m with @bob").await;
    assert!(invited.contains("I've asked bob to join you"), "{invited}");
    assert!(
        !invited.contains("Nobody else has booked"),
        "alone in the slot, but the friend is asked: no lone-booker note: {invited}"
    );
    let dms = app.dms("bob");
    let invitation_dm = dms
        .iter()
        .find(|dm| dm.contains("ann booked"))
        .unwrap_or_else(|| panic!("{dms:?}"));
    let number = invitation_in(invitation_dm);
    assert!(
        invitation_dm.contains(&format!("→ Decline: `book decline {number}`")),
        "{invitation_dm}"
    );

    let accepted = app.say("bob", &format!("book accept {number}")).await;
    assert!(accepted.contains("You're locked in with ann"), "{accepted}");
    assert_eq!(
        app.dms_containing("ann", "bob accepted: you're paired together"),
        1
    );
    // Answering twice changes nothing.
    assert!(app
        .say("bob", &format!("book accept {number}"))
        .await
        .contains("already answered"));
    assert!(app.say("ann", "sessions").await.contains("with bob"));
    assert!(app.say("bob", "sessions").await.contains("with ann"));

    book(&app, "cat", "book 9:00 50m").await;
    book(&app, "dan", "book 9:00 50m").await;
    app.advance_to(at(9, 0)).await;
    assert_eq!(room_of(&app, "ann"), names(&["ann", "bob"]));
    assert_eq!(room_of(&app, "cat"), names(&["cat", "dan"]));
    assert!(app
        .dms("ann")
        .iter()
        .all(|dm| !dm.contains("Not locked in")));
}

#[tokio::test]
async fn without_the_lock_the_same_four_are_paired_by_their_friendships() {
    // The control for the test above: the pairing it overrides is the matcher's own choice.
    let app = spawn_app().await;
    four_friends(&app).await;
    for member in ["ann", "bob", "cat", "dan"] {
        book(&app, member, "book 9:00 50m").await;
    }
    app.advance_to(at(9, 0)).await;
    assert_eq!(room_of(&app, "ann"), names(&["ann", "cat"]));
    assert_eq!(room_of(&app, "bob"), names(&["bob", "dan"]));
}

#[tokio::test]
async fn a_declined_invitation_is_told_once_and_the_inviter_is_matched_normally() {
    let app = spawn_app().await;
    four_friends(&app).await;
    book(&app, "ann", "book 9:00 50m with @bob").await;
    let number = invitation_in(&app.dms("bob")[app.dms("bob").len() - 1]);

    let declined = app.say("bob", &format!("book decline {number}")).await;
    assert!(declined.contains("I've told ann"), "{declined}");
    assert_eq!(app.dms_containing("ann", "bob can't join you"), 1);
    assert!(!app.say("ann", "sessions").await.contains("with bob"));
    assert!(!app.say("bob", "sessions").await.contains("Booked"));
    assert!(app
        .say("bob", &format!("book accept {number}"))
        .await
        .contains("already answered"));

    book(&app, "cat", "book 9:00 50m").await;
    app.advance_to(at(9, 0)).await;
    assert_eq!(room_of(&app, "ann"), names(&["ann", "cat"]));
    // Prepare re-sends the decline under the same key: still told once.
    assert_eq!(app.dms_containing("ann", "bob can't join you"), 1);
}

#[tokio::test]
async fn an_invitation_unanswered_by_the_cutoff_is_told_at_prepare_and_then_too_late() {
    let app = spawn_app().await;
    four_friends(&app).await;
    book(&app, "ann", "book 9:00 50m with @bob").await;
    let number = invitation_in(&app.dms("bob")[app.dms("bob").len() - 1]);
    book(&app, "cat", "book 9:00 50m").await;

    app.advance_to(at(8, 57)).await;
    assert_eq!(app.dms_containing("ann", "didn't answer"), 0);
    app.advance_to(at(8, 59)).await;
    assert_eq!(
        app.dms_containing("ann", "bob didn't answer before your session"),
        1,
        "{:?}",
        app.dms("ann")
    );
    assert_eq!(room_of(&app, "ann"), names(&["ann", "cat"]));
    let late = app.say("bob", &format!("book accept {number}")).await;
    assert!(late.contains("too late"), "{late}");
    app.advance_to(at(9, 5)).await;
    assert_eq!(app.dms_containing("ann", "didn't answer"), 1);
}

#[tokio::test]
async fn when_one_of_a_locked_pair_cancels_the_other_is_matched_with_someone_else() {
    let app = spawn_app().await;
    four_friends(&app).await;
    book(&app, "ann", "book 9:00 50m with @bob").await;
    let number = invitation_in(&app.dms("bob")[app.dms("bob").len() - 1]);
    app.say("bob", &format!("book accept {number}")).await;
    book(&app, "dan", "book 9:00 50m").await;

    let cancelled = app.say("bob", "cancel").await;
    assert!(cancelled.contains("Cancelled"), "{cancelled}");
    assert!(!app.say("ann", "sessions").await.contains("with bob"));
    app.advance_to(at(9, 0)).await;
    assert_eq!(room_of(&app, "ann"), names(&["ann", "dan"]));
}

#[tokio::test]
async fn when_one_of_a_locked_pair_does_not_show_the_other_is_rematched() {
    let app = spawn_app().await;
    four_friends(&app).await;
    book(&app, "ann", "book 9:00 25m with @bob").await;
    let number = invitation_in(&app.dms("bob")[app.dms("bob").len() - 1]);
    app.say("bob", &format!("book accept {number}")).await;
    book(&app, "cat", "book 9:00 25m").await;
    book(&app, "dan", "book 9:00 25m").await;
    app.advance_to(at(9, 0)).await;
    assert_eq!(room_of(&app, "ann"), names(&["ann", "bob"]));
    // bob and dan don't show; ann and cat are stranded and rematched together.
    app.join(&["ann", "cat"]);
    app.advance_to(at(9, 3)).await;
    assert_eq!(app.dms_containing("ann", "re-paired you"), 1);
    assert_eq!(room_of(&app, "ann"), names(&["ann", "cat"]));
}

#[tokio::test]
async fn only_friends_can_be_invited_and_a_refusal_books_nothing() {
    let app = spawn_app().await;
    everyone_exists(&app, &["ann", "eve"]).await;
    let refused = app.say("ann", "book 9:00 50m with @eve").await;
    assert!(
        refused.contains("You can lock in a session with friends only"),
        "{refused}"
    );
    assert!(app.dms("eve").is_empty());
    assert!(app
        .say("ann", "sessions")
        .await
        .contains("No upcoming sessions"));
    // A pending friend request is not a friendship.
    app.say("ann", "friend @eve").await;
    assert!(app
        .say("ann", "book 9:00 with @eve")
        .await
        .contains("friends only"));
    assert!(app
        .say("ann", "book 9:00 with @ann")
        .await
        .contains("That's you"));
    assert!(app
        .say("ann", "book 9:00 with @nobody")
        .await
        .contains("don't know anyone called"));
    assert!(app
        .say("ann", "book 9:00 weekly with @eve")
        .await
        .contains("for one session"));
    // Someone else's invitation number is nobody's.
    assert!(app
        .say("eve", "book accept 1")
        .await
        .contains("no invitation #1"));
}

#[tokio::test]
async fn a_friend_who_blocked_you_never_sees_the_invitation_and_you_cannot_tell() {
    let app = spawn_app().await;
    four_friends(&app).await;
    app.say("bob", "block @ann").await;
    let dms_before = app.dms("bob").len();

    let invited = book(&app, "ann", "book 9:00 50m with @bob").await;
    assert!(invited.contains("I've asked bob to join you"), "{invited}");
    assert_eq!(app.dms("bob").len(), dms_before, "{:?}", app.dms("bob"));
    // The stored invitation does not exist for bob.
    assert!(app
        .say("bob", "book accept 1")
        .await
        .contains("no invitation #1"));
    // At the cutoff ann hears exactly what an unanswered invitation says.
    book(&app, "cat", "book 9:00 50m").await;
    app.advance_to(at(9, 0)).await;
    assert_eq!(
        app.dms_containing("ann", "bob didn't answer before your session"),
        1
    );
    // And ann's own block refuses plainly.
    app.say("cat", "block @ann").await;
    app.say("ann", "block @cat").await;
    assert!(app
        .say("ann", "book 10:00 with @cat")
        .await
        .contains("You blocked them"));
}

#[tokio::test]
async fn a_clash_refuses_the_accept_and_the_invitation_still_waits() {
    let app = spawn_app().await;
    four_friends(&app).await;
    book(&app, "ann", "book 10:00 50m with @bob").await;
    let number = invitation_in(&app.dms("bob")[app.dms("bob").len() - 1]);
    book(&app, "bob", "book 9:30 50m").await;
    let clash = app.say("bob", &format!("book accept {number}")).await;
    assert!(!clash.contains("locked in"), "{clash}");
    app.say("bob", "cancel").await;
    let accepted = app.say("bob", &format!("book accept {number}")).await;
    assert!(accepted.contains("You're locked in with ann"), "{accepted}");
}

/// `book 9:00 talk with @bob`: the mode is part of the invitation, the friend's booking takes
/// it, and the card shows it; the pair is kept together as any locked pair.
#[tokio::test]
async fn a_friend_booking_with_a_mode_gives_both_the_mode() {
    let app = spawn_app().await;
    four_friends(&app).await;
    let invited = book(&app, "ann", "book 9:00 50m talk with @bob").await;
    assert!(invited.contains("Mode: talk"), "{invited}");
    let dms = app.dms("bob");
    let invitation_dm = dms
        .iter()
        .find(|dm| dm.contains("ann booked"))
        .unwrap_or_else(|| panic!("{dms:?}"));
    assert!(invitation_dm.contains("(50 min, talk)"), "{invitation_dm}");
    let number = invitation_in(invitation_dm);
    app.say("bob", &format!("book accept {number}")).await;
    let sessions = app.say("bob", "sessions").await;
    assert!(sessions.contains("50 min · talk"), "{sessions}");
    book(&app, "cat", "book 9:00 50m").await;
    book(&app, "dan", "book 9:00 50m").await;
    app.advance_to(at(9, 0)).await;
    assert_eq!(room_of(&app, "ann"), names(&["ann", "bob"]));
    for member in ["ann", "bob"] {
        let card = app
            .dms(member)
            .into_iter()
            .find(|dm| dm.contains("It's time"))
            .unwrap_or_else(|| panic!("{member} announced"));
        assert!(card.contains("Mode: talk"), "{member}: {card}");
    }
}
