//! Friends are mutual (issue 11): `friend @x` sends a request with Accept / Decline actions,
//! `friend accept|decline|remove @x` answer or end it, `friends` lists both ways, and a friend's
//! next sessions show only where that friend allowed it. Scenarios through the shell.

mod common;

use common::{at, spawn_app, TestApp};

async fn everyone_exists(app: &TestApp, members: &[&str]) {
    for member in members {
        app.say(member, "help").await;
    }
}

#[tokio::test]
async fn a_request_accepted_through_its_action_makes_both_friends() {
    let app = spawn_app().await;
    everyone_exists(&app, &["ann", "bob"]).await;

    let sent = app.say("ann", "friend @bob").await;
    assert!(sent.contains("You asked bob"), "{sent}");
    let request = app.dms("bob");
    assert_eq!(request.len(), 1, "{request:?}");
    assert!(
        request[0].contains("ann would like to be friends"),
        "{request:?}"
    );
    // The shell renders the typed actions as the commands to type.
    assert!(
        request[0].contains("→ Accept: `friend accept @ann`"),
        "{request:?}"
    );
    assert!(
        request[0].contains("→ Decline: `friend decline @ann`"),
        "{request:?}"
    );

    let waiting = app.say("ann", "friends").await;
    assert!(
        waiting.contains("Waiting for an answer:\n  • bob"),
        "{waiting}"
    );
    let asked = app.say("bob", "friends").await;
    assert!(
        asked.contains("Asked to be your friend:\n  • ann — `friend accept @ann`"),
        "{asked}"
    );

    // The action's command, exactly as rendered.
    let accepted = app.say("bob", "friend accept @ann").await;
    assert!(
        accepted.contains("You and ann are friends now"),
        "{accepted}"
    );
    assert!(app
        .dms("ann")
        .iter()
        .any(|dm| dm.contains("bob accepted your friend request")));
    for (member, friend) in [("ann", "bob"), ("bob", "ann")] {
        let list = app.say(member, "friends").await;
        assert!(
            list.contains(&format!("Your friends:\n  • {friend}")),
            "{list}"
        );
        assert!(
            !list.contains("Waiting") && !list.contains("Asked"),
            "{list}"
        );
    }
}

#[tokio::test]
async fn asking_back_accepts_and_every_wrong_step_is_refused_plainly() {
    let app = spawn_app().await;
    everyone_exists(&app, &["ann", "bob", "cat"]).await;

    assert!(app
        .say("ann", "friend accept @bob")
        .await
        .contains("haven't sent you a friend request"));
    assert!(app
        .say("ann", "friend remove @bob")
        .await
        .contains("You aren't friends"));
    assert!(app.say("ann", "friend ann").await.contains("That's you"));
    assert!(app
        .say("ann", "friend @nobody")
        .await
        .contains("don't know anyone called"));

    app.say("ann", "friend @bob").await;
    assert!(app
        .say("ann", "friend @bob")
        .await
        .contains("already asked"));
    assert!(app
        .say("ann", "friend accept @bob")
        .await
        .contains("haven't sent you a friend request"));
    // bob asks back instead of accepting: that is agreeing.
    assert!(app
        .say("bob", "friend ann")
        .await
        .contains("You and ann are friends now"));
    assert!(app
        .say("ann", "friend bob")
        .await
        .contains("already friends"));
    assert!(app
        .say("bob", "friend decline @ann")
        .await
        .contains("already friends"));

    // Withdrawing a request.
    app.say("cat", "friend ann").await;
    assert!(app
        .say("cat", "friend remove ann")
        .await
        .contains("You withdrew your friend request"));
    assert!(!app.say("ann", "friends").await.contains("Asked"));
}

#[tokio::test]
async fn a_declined_request_is_gone_and_its_sender_is_not_told() {
    let app = spawn_app().await;
    everyone_exists(&app, &["cat", "dan"]).await;
    app.say("cat", "friend dan").await;
    let declined = app.say("dan", "friend decline @cat").await;
    assert!(
        declined.contains("You declined the friend request from cat"),
        "{declined}"
    );
    assert!(app.dms("cat").is_empty(), "{:?}", app.dms("cat"));
    assert!(app.say("cat", "friends").await.contains("No friends yet"));
    assert!(app.say("dan", "friends").await.contains("No friends yet"));
    // cat may ask again later, and dan hears of it again.
    app.say("cat", "friend dan").await;
    assert_eq!(app.dms_containing("dan", "cat would like to be friends"), 2);
}

#[tokio::test]
async fn ending_a_friendship_ends_it_for_both() {
    let app = spawn_app().await;
    everyone_exists(&app, &["ann", "bob"]).await;
    app.say("ann", "friend bob").await;
    app.say("bob", "friend accept ann").await;
    assert!(app
        .say("bob", "unfriend @ann")
        .await
        .contains("ann is no longer your friend"));
    assert!(app.say("ann", "friends").await.contains("No friends yet"));
    assert!(app.say("bob", "friends").await.contains("No friends yet"));
}

#[tokio::test]
async fn a_blocked_members_request_is_never_delivered_and_never_says_so() {
    let app = spawn_app().await;
    everyone_exists(&app, &["dan", "eve", "fay"]).await;
    app.say("dan", "block eve").await;

    let from_blocked = app.say("eve", "friend dan").await;
    let from_anyone = app.say("fay", "friend dan").await;
    // The same words either way: eve cannot learn that dan blocked her.
    assert_eq!(
        from_blocked.replace("eve", "X").replace("dan", "Y"),
        from_anyone.replace("fay", "X").replace("dan", "Y")
    );
    assert_eq!(app.dms_containing("dan", "eve would like"), 0);
    assert_eq!(app.dms_containing("dan", "fay would like"), 1);
    let list = app.say("dan", "friends").await;
    assert!(list.contains("fay") && !list.contains("eve"), "{list}");
    assert!(app
        .say("eve", "friends")
        .await
        .contains("Waiting for an answer:\n  • dan"));
    // The blocker is told why they cannot ask.
    assert!(app
        .say("dan", "friend eve")
        .await
        .contains("You blocked them"));
}

#[tokio::test]
async fn a_friends_sessions_show_only_when_that_friend_allows_it() {
    let app = spawn_app().await;
    everyone_exists(&app, &["ann", "bob", "cat"]).await;
    app.say("ann", "friend bob").await;
    app.say("bob", "friend accept ann").await;
    assert!(app.say("bob", "book 9:00 50m").await.contains("Booked"));

    // Nobody by default.
    let hidden = app.say("ann", "friends").await;
    assert!(
        !hidden.contains("09:00") && !hidden.contains("next"),
        "{hidden}"
    );

    let allowed = app.say("bob", "prefs show-bookings friends").await;
    assert!(allowed.contains("Your friends can now see"), "{allowed}");
    let shown = app.say("ann", "friends").await;
    assert!(
        shown.contains("bob · next: Mon 30 Nov 09:00 UTC (50 min)"),
        "{shown}"
    );
    // cat is no friend of bob: no command of cat's shows bob's sessions.
    for command in ["friends", "slots", "sessions"] {
        let seen = app.say("cat", command).await;
        assert!(!seen.contains("bob"), "{command}: {seen}");
    }

    app.say("bob", "prefs show-bookings nobody").await;
    assert!(!app.say("ann", "friends").await.contains("09:00"));
}

#[tokio::test]
async fn a_friendship_outweighs_a_favourite_in_matching() {
    let app = spawn_app().await;
    let members = ["ann", "ben", "cat", "dan"];
    everyone_exists(&app, &members).await;
    // ann favourites cat (one-way, private) but is friends with dan: the friendship wins.
    app.say("ann", "favourite cat").await;
    app.say("ann", "friend dan").await;
    app.say("dan", "friend accept ann").await;
    for member in members {
        assert!(app.say(member, "book 9:00 50m").await.contains("Booked"));
    }
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
    // A favourite stays private: cat was never told.
    assert!(app.dms("cat").iter().all(|dm| !dm.contains("favourite")));
}

#[tokio::test]
async fn help_documents_the_order_of_preferences() {
    let app = spawn_app().await;
    let friend = app.say("ann", "help friend").await;
    assert!(
        friend.contains("a friendship weighs more than a favourite"),
        "{friend}"
    );
    let favourite = app.say("ann", "help favourite").await;
    assert!(
        favourite.contains("Weighs less than a friendship"),
        "{favourite}"
    );
}
