//! A member who left the community (or was removed) is not matched any more: prepare asks the
//! platform, and cancels every future booking of theirs (weekly ones too) as an ordinary cancel.

mod common;

use chrono::Duration;
use common::{at, spawn_app, test_start, COMMUNITY};

#[tokio::test]
async fn a_member_who_left_is_not_matched_and_their_future_bookings_are_cancelled_at_prepare() {
    let app = spawn_app().await;
    let weekly = app.say("ann", "book 9:00 25m weekly").await;
    assert!(weekly.contains("every week"), "{weekly}");
    assert!(app.say("ann", "book 11:00 25m").await.contains("Booked"));
    assert!(app.say("ben", "book 9:00 25m").await.contains("Booked"));

    app.platform.remove_member(COMMUNITY, "ann");
    app.advance_to(at(8, 59)).await;

    assert!(
        app.room_memberships().is_empty(),
        "ann is not matched with ben: {:?}",
        app.room_memberships()
    );
    assert_eq!(
        app.dms_containing("ben", "Nobody else could be matched"),
        1,
        "ben is told he is alone"
    );
    assert_eq!(app.dms_containing("ann", "Nobody else could be matched"), 0);
    assert_eq!(
        app.dms_containing(
            "ann",
            "You're no longer a member of the community you booked in, so I cancelled your 2 upcoming sessions there"
        ),
        1,
        "ann is told once what became of her bookings"
    );
    let sessions = app.say("ann", "sessions").await;
    assert!(
        sessions.contains("No upcoming sessions"),
        "every future booking of ann's is cancelled, the 11:00 one and the weekly series: {sessions}"
    );
    let stats = app.say("ann", "prefs").await;
    assert!(
        stats.contains("No-shows: 0") && stats.contains("Late cancels: 0"),
        "leaving is neither a late cancel nor a no-show: {stats}"
    );

    // The weekly series does not come back next week.
    app.advance_to(test_start() + Duration::days(8)).await;
    assert!(app
        .say("ann", "sessions")
        .await
        .contains("No upcoming sessions"));
    assert_eq!(app.dms_containing("ann", "It's time!"), 0);
}

#[tokio::test]
async fn members_who_stay_are_matched_as_before() {
    let app = spawn_app().await;
    for member in ["ann", "ben"] {
        assert!(app.say(member, "book 9:00 25m").await.contains("Booked"));
    }
    app.platform.remove_member("another-community", "ann");
    app.advance_to(at(8, 59)).await;
    assert_eq!(app.room_memberships(), [["ann", "ben"]]);
}

/// The shell path asks the platform as Matrix DMs and Discord buttons do: a member who left
/// cannot book, cancel or look at sessions there any more, and nothing they type is stored.
#[tokio::test]
async fn the_shell_refuses_commands_from_a_member_who_left() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("shell.sqlite").display());
    let mut shell = focusfolk::demo::build_shell_session(
        &url,
        focusfolk::core::model::CommunitySettings::default(),
        test_start(),
        "focus",
    )
    .await
    .unwrap();
    let booked = shell.handle_line("book 9:00 25m").await.unwrap();
    assert!(booked.contains("Booked"), "{booked}");

    shell.platform.remove_member("focus", "alice");
    for line in ["book 10:00 25m", "cancel", "sessions"] {
        let answer = shell.handle_line(line).await.unwrap();
        assert!(
            answer.contains(focusfolk::shell_repl::NOT_A_MEMBER_ANY_MORE),
            "{line}: {answer}"
        );
    }
    // Another member is unaffected, and alice's booking is neither cancelled nor added to.
    shell.handle_line("/as bob").await.unwrap();
    assert!(shell
        .handle_line("book 9:00 25m")
        .await
        .unwrap()
        .contains("Booked"));
    let actor = focusfolk::engine::Actor::new(
        focusfolk::core::model::Platform::Shell,
        "focus",
        "alice",
        "alice",
    );
    let sessions = shell
        .engine
        .handle_text(&actor, "sessions")
        .await
        .render_plain();
    assert!(sessions.contains("9:00"), "{sessions}");
    assert!(!sessions.contains("10:00"), "{sessions}");
}
