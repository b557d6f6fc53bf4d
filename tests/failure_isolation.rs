//! Failure isolation inside a job (issue 10): every effect is carried to its own end, a
//! permanent refusal is recorded and never retried, temporary failures are retried alone with
//! growing delays for as long as they matter, and a job that gives up is visible.

mod common;

use chrono::{DateTime, Utc};
use common::{at, spawn_app, TestApp};
use focusfolk::engine::jobs::{JobOutcome, JobReport};
use focusfolk::fast_forward::fast_forward_to;

const ANNOUNCE: &str = "It's time!";
const NO_ROOM: &str = "couldn't be opened";

async fn book_all(app: &TestApp, members: &[&str], text: &str) {
    for member in members {
        let reply = app.say(member, text).await;
        assert!(reply.contains("Booked"), "{member}: {reply}");
    }
}

/// Like `TestApp::advance_to`, keeping what every job did.
async fn advance_collecting(app: &TestApp, target: DateTime<Utc>) -> Vec<JobReport> {
    fast_forward_to(&app.engine, &app.clock, target)
        .await
        .expect("jobs run")
}

/// The reports of one kind of job (`"announce"`, `"close_rooms"`), in order.
fn reports_of<'a>(reports: &'a [JobReport], prefix: &str) -> Vec<&'a JobReport> {
    reports
        .iter()
        .filter(|report| report.job.key.starts_with(prefix))
        .collect()
}

/// The waits between a job's successive attempts, in seconds.
fn gaps(attempts: &[&JobReport]) -> Vec<i64> {
    attempts
        .windows(2)
        .map(|pair| (pair[1].job.due_at - pair[0].job.due_at).num_seconds())
        .collect()
}

async fn no_shows_of(app: &TestApp, member: &str) -> String {
    let stats = app.say(member, "prefs").await;
    let line = stats
        .lines()
        .flat_map(|line| line.split(" · "))
        .find(|part| part.contains("No-shows"))
        .unwrap_or_else(|| panic!("no no-show count in {stats}"));
    line.trim().to_string()
}

#[tokio::test]
async fn a_room_refused_for_good_leaves_the_other_groups_announced_and_its_pair_told_to_meet_in_the_lobby(
) {
    let app = spawn_app().await;
    let members = ["ann", "ben", "cat", "dan", "eve", "fay"];
    book_all(&app, &members, "book 9:00 50m").await;
    app.platform.fail_rooms_for("fay");

    let mut reports = advance_collecting(&app, at(9, 0)).await;
    let opened = app.room_memberships();
    assert_eq!(
        opened.len(),
        2,
        "the two healthy pairs got rooms: {opened:?}"
    );
    let healthy: Vec<String> = opened.concat();
    assert!(!healthy.iter().any(|member| member == "fay"));
    let partner = members
        .iter()
        .find(|member| **member != "fay" && !healthy.iter().any(|h| h == *member))
        .expect("fay's partner");
    for member in &healthy {
        assert_eq!(
            app.dms_containing(member, ANNOUNCE),
            1,
            "{member} announced although another group's room failed"
        );
    }
    for (member, other) in [("fay", *partner), (*partner, "fay")] {
        assert_eq!(app.dms_containing(member, ANNOUNCE), 0);
        let told: Vec<String> = app
            .dms(member)
            .into_iter()
            .filter(|text| text.contains(NO_ROOM))
            .collect();
        assert_eq!(told.len(), 1, "{member}: {:?}", app.dms(member));
        assert!(
            told[0].contains(&format!("@{other}")) && told[0].contains("lobby"),
            "names the partner and where to meet: {}",
            told[0]
        );
    }

    // The healthy pairs show up; the poisoned pair cannot (no room) and is never a no-show.
    app.join(&healthy.iter().map(String::as_str).collect::<Vec<_>>());
    reports.extend(advance_collecting(&app, at(10, 0)).await);
    for member in ["fay", *partner] {
        assert_eq!(no_shows_of(&app, member).await, "No-shows: 0", "{member}");
        assert_eq!(app.dms_containing(member, "We missed you"), 0);
    }
    // The permanent refusal is recorded, not retried: every job ran once and is done.
    for report in &reports {
        assert!(
            matches!(report.outcome, JobOutcome::Done(_)),
            "{}: {}",
            report.job.key,
            report.outcome
        );
    }
    assert_eq!(reports_of(&reports, "prepare").len(), 1);
    assert_eq!(reports_of(&reports, "announce").len(), 1);
    assert!(app.platform.moderator_notes().is_empty());
}

#[tokio::test]
async fn a_dm_failing_for_a_while_is_retried_alone_with_growing_delays_and_delivered_once() {
    let app = spawn_app().await;
    let members = ["ann", "ben", "cat", "dan"];
    book_all(&app, &members, "book 9:00 50m").await;
    app.advance_to(at(8, 59)).await;
    app.platform.fail_next_calls_for("ann", 4);

    let mut reports = advance_collecting(&app, at(9, 0)).await;
    app.join(&members);
    reports.extend(advance_collecting(&app, at(9, 10)).await);
    let announce = reports_of(&reports, "announce");
    let outcomes: Vec<bool> = announce
        .iter()
        .map(|report| matches!(report.outcome, JobOutcome::Retry(_)))
        .collect();
    assert_eq!(outcomes, [true, true, true, true, false], "{announce:?}");
    assert!(matches!(announce[4].outcome, JobOutcome::Done(_)));
    assert_eq!(gaps(&announce), [20, 40, 80, 160], "delays double");

    for member in members {
        assert_eq!(app.dms_containing(member, ANNOUNCE), 1, "{member}");
    }
    // Only the failed effect was redone: the others' DMs were not even sent again.
    // Ann: the reminder, four failed announcements and the one that got through.
    assert_eq!(app.platform.calls_for("ann"), 6);
    for member in ["ben", "cat", "dan"] {
        // The reminder and the announcement, once each.
        assert_eq!(app.platform.calls_for(member), 2, "{member}");
    }
    assert_eq!(app.platform.duplicate_deliveries(), 0);
}

#[tokio::test]
async fn a_close_that_keeps_failing_is_retried_past_the_old_ten_attempts_until_it_closes() {
    let app = spawn_app().await;
    book_all(&app, &["ann", "ben"], "book 9:00 25m").await;
    app.advance_to(at(9, 0)).await;
    app.join(&["ann", "ben"]);
    let room = app.platform.open_room_of("ann").expect("a room");
    app.platform.fail_next_calls_for(&room, 14);

    let reports = advance_collecting(&app, at(11, 30)).await;
    let close = reports_of(&reports, "close_rooms");
    assert_eq!(close.len(), 15, "14 failures, then closed");
    assert!(close[..14]
        .iter()
        .all(|report| matches!(report.outcome, JobOutcome::Retry(_))));
    assert!(matches!(close[14].outcome, JobOutcome::Done(_)));
    let waits = gaps(&close);
    assert_eq!(&waits[..5], [20, 40, 80, 160, 300]);
    assert!(
        waits[5..].iter().all(|wait| *wait == 300),
        "capped: {waits:?}"
    );
    assert!(!app.platform.rooms()[&room].open, "closed in the end");
    assert_eq!(app.platform.calls_for(&room), 15);
    assert!(app.platform.moderator_notes().is_empty());
}

#[tokio::test]
async fn an_announcement_that_never_gets_through_is_given_up_visibly_when_the_session_ends() {
    let app = spawn_app().await;
    book_all(&app, &["ann", "ben"], "book 9:00 25m").await;
    app.advance_to(at(8, 59)).await;
    app.platform.fail_next_calls_for("ann", usize::MAX);

    let reports = advance_collecting(&app, at(10, 0)).await;
    let announce = reports_of(&reports, "announce");
    let last = announce.last().expect("announce ran");
    assert!(
        matches!(last.outcome, JobOutcome::GaveUp(_)),
        "{}",
        last.outcome
    );
    assert!(
        announce.len() > 3 && last.job.due_at < at(9, 25),
        "retried while the session lasted: {} attempts",
        announce.len()
    );
    assert_eq!(
        app.dms_containing("ben", ANNOUNCE),
        1,
        "ben was not held up"
    );
    let notes = app.platform.moderator_notes();
    assert_eq!(notes.len(), 1, "{notes:?}");
    assert_eq!(notes[0].0, common::COMMUNITY);
    assert!(
        notes[0].1.contains("announce") && notes[0].1.contains("dm:announce:"),
        "{}",
        notes[0].1
    );
    // Never told their room: never a no-show.
    assert_eq!(no_shows_of(&app, "ann").await, "No-shows: 0");
}

#[tokio::test]
async fn a_member_whose_announcement_cannot_be_delivered_is_excused_not_a_no_show() {
    let app = spawn_app().await;
    book_all(&app, &["ann", "ben"], "book 9:00 25m").await;
    app.advance_to(at(8, 59)).await;
    app.platform.set_unreachable("ann");
    app.advance_to(at(9, 10)).await;
    // Nobody joined: ben was told on time and is a no-show; ann never was told.
    assert_eq!(no_shows_of(&app, "ann").await, "No-shows: 0");
    assert_eq!(no_shows_of(&app, "ben").await, "No-shows: 1");
}

#[tokio::test]
async fn a_dm_refused_for_good_is_recorded_and_never_retried_and_the_next_dms_still_go_out() {
    let app = spawn_app().await;
    let members = ["ann", "ben", "cat", "dan"];
    book_all(&app, &members, "book 9:00 50m").await;
    app.advance_to(at(8, 59)).await;
    app.platform.refuse_dms_to("ann");

    let reports = advance_collecting(&app, at(9, 10)).await;
    for member in ["ben", "cat", "dan"] {
        assert_eq!(app.dms_containing(member, ANNOUNCE), 1, "{member}");
    }
    let announce = reports_of(&reports, "announce");
    assert_eq!(announce.len(), 1, "not retried: {announce:?}");
    assert!(matches!(announce[0].outcome, JobOutcome::Done(_)));
    // Tried once: the refusal is recorded with its reason.
    assert_eq!(
        app.platform.calls_for("ann"),
        2,
        "the reminder and one attempt"
    );
    // Ann booked first, so she is member 1; her pair is group 1 or 2.
    let mut records = Vec::new();
    for group in 1..=2 {
        let key = format!("dm:announce:g{group}:m1");
        if let Some(record) = app.engine.store_for_tests().effect(&key).await.unwrap() {
            records.push(record.result);
        }
    }
    assert_eq!(records.len(), 1, "{records:?}");
    assert!(
        records[0].starts_with("failed: ") && records[0].contains("unknown user ann"),
        "recorded with its reason: {}",
        records[0]
    );
    // Never told their room: never a no-show.
    assert_eq!(no_shows_of(&app, "ann").await, "No-shows: 0");
}
