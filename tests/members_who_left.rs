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
