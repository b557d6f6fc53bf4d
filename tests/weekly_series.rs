//! Weekly series (issue 10): the next occurrence is booked durably, through the booking
//! rules, across DST gaps, and `cancel` ends one occurrence or the whole series as it says.

mod common;

use chrono::{Duration, TimeZone, Utc};
use common::{at, spawn_app};
use focusfolk::clock::Clock;

#[tokio::test]
async fn a_weekly_series_survives_downtime_through_the_whole_session() {
    let app = spawn_app().await;
    let reply = app.say("ann", "book 9:00 25m weekly").await;
    assert!(reply.contains("every week"), "{reply}");
    // The bot is down from before the session until long after it: one jump, then the
    // runner catches up on whatever is due (prepare is dropped: the session ended).
    app.clock.advance_to(at(12, 0));
    app.engine.run_due_jobs().await.expect("jobs run");
    let sessions = app.say("ann", "sessions").await;
    assert!(sessions.contains("Mon 7 Dec 09:00 UTC"), "{sessions}");
}

#[tokio::test]
async fn a_dst_gap_moves_that_week_and_the_series_goes_on_at_its_own_time() {
    let app = spawn_app().await;
    // Europe/Berlin springs forward on Sun 28 Mar 2027 at 02:00 → 03:00: 02:30 does not exist.
    app.clock
        .advance_to(Utc.with_ymd_and_hms(2027, 3, 20, 12, 0, 0).unwrap());
    app.say("ann", "timezone Europe/Berlin").await;
    let reply = app.say("ann", "book 2027-03-21 2:30 25m weekly").await;
    assert!(reply.contains("Sun 21 Mar 02:30 CET"), "{reply}");
    let start = app.clock.now();
    // Just after this week's session started: the next weeks are booked.
    app.advance_to(Utc.with_ymd_and_hms(2027, 3, 21, 1, 35, 0).unwrap())
        .await;
    let sessions = app.say("ann", "sessions").await;
    assert!(sessions.contains("Sun 28 Mar 03:00 CEST"), "{sessions}");
    assert!(sessions.contains("Sun 4 Apr 02:30 CEST"), "{sessions}");
    assert_eq!(
        app.dms_containing("ann", "because the clocks change"),
        1,
        "{:?}",
        app.dms("ann")
    );
    app.advance_to(start + Duration::days(15)).await;
    let sessions = app.say("ann", "sessions").await;
    assert!(sessions.contains("Sun 11 Apr 02:30 CEST"), "{sessions}");
}

#[tokio::test]
async fn a_rolled_week_overlapping_a_one_off_is_skipped_and_the_member_told() {
    let app = spawn_app().await;
    assert!(app
        .say("ann", "book 9:00 50m weekly")
        .await
        .contains("Booked"));
    let one_off = app.say("ann", "book 2026-12-07 9:15 25m").await;
    assert!(one_off.contains("Booked"), "{one_off}");
    app.advance_to(at(9, 5)).await;
    let sessions = app.say("ann", "sessions").await;
    assert!(
        !sessions.contains("Mon 7 Dec 09:00"),
        "never two overlapping bookings: {sessions}"
    );
    assert!(sessions.contains("Mon 7 Dec 09:15 UTC"), "{sessions}");
    assert!(
        sessions.contains("Mon 14 Dec 09:00 UTC"),
        "the series goes on: {sessions}"
    );
    assert_eq!(
        app.dms_containing("ann", "is skipped that week"),
        1,
        "{:?}",
        app.dms("ann")
    );
    // The week after the skipped one rolls on as usual.
    app.advance_to(at(9, 5) + Duration::days(14)).await;
    let sessions = app.say("ann", "sessions").await;
    assert!(sessions.contains("Mon 21 Dec 09:00 UTC"), "{sessions}");
}

#[tokio::test]
async fn cancel_ends_one_occurrence_and_cancel_series_ends_the_series() {
    let app = spawn_app().await;
    assert!(app
        .say("ann", "book 9:00 25m weekly")
        .await
        .contains("Booked"));
    app.advance_to(at(8, 59)).await;
    let reply = app.say("ann", "cancel").await;
    assert!(reply.contains("Cancelled"), "{reply}");
    assert!(reply.contains("weekly series goes on"), "{reply}");
    assert!(reply.contains("Mon 7 Dec 09:00 UTC"), "{reply}");
    app.advance_to(at(9, 30)).await;
    let sessions = app.say("ann", "sessions").await;
    assert!(sessions.contains("Mon 7 Dec 09:00 UTC"), "{sessions}");

    let reply = app.say("ann", "cancel series").await;
    assert!(reply.contains("Weekly series ended"), "{reply}");
    assert!(reply.contains("Cancelled #"), "{reply}");
    let sessions = app.say("ann", "sessions").await;
    assert!(sessions.contains("No upcoming sessions"), "{sessions}");
    app.advance_to(at(9, 30) + Duration::days(15)).await;
    let sessions = app.say("ann", "sessions").await;
    assert!(sessions.contains("No upcoming sessions"), "{sessions}");
}

#[tokio::test]
async fn cancel_series_of_a_one_off_booking_says_so() {
    let app = spawn_app().await;
    let reply = app.say("ann", "book 9:00 25m").await;
    assert!(reply.contains("Booked #"), "{reply}");
    let id: String = reply
        .split("Booked #")
        .nth(1)
        .unwrap()
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    let reply = app.say("ann", &format!("cancel {id} series")).await;
    assert!(reply.contains("isn't part of a weekly series"), "{reply}");
    assert!(app.say("ann", "sessions").await.contains("09:00 UTC"));
}
