//! The check-in after a session (issue 11), on the shell: how it went, "partner absent" (both
//! sides of a pair excuse the session), add friend / favourite / block / report per partner,
//! and the same time next week; `report`, `snooze`, `blocked`.

mod common;

use chrono::Duration;
use common::{at, spawn_app, TestApp};
use focusfolk::core::model::{AttendanceOutcome, MemberId, SlotId};
use focusfolk::store::Store;

const CHECK_IN: &str = "Session done";

async fn paired_at_nine(app: &TestApp, members: &[&str]) {
    for member in members {
        assert!(app.say(member, "book 9:00 50m").await.contains("Booked"));
    }
    app.advance_to(at(9, 0)).await;
    app.join(members);
}

fn check_in_of(app: &TestApp, member: &str) -> String {
    let found: Vec<String> = app
        .dms(member)
        .into_iter()
        .filter(|dm| dm.contains(CHECK_IN))
        .collect();
    assert_eq!(found.len(), 1, "{member}'s check-ins: {found:?}");
    found[0].clone()
}

/// The booking number in "checkin N done" of the member's check-in.
fn booking_in(check_in: &str) -> i64 {
    let at = check_in.find("checkin ").expect("a checkin line") + "checkin ".len();
    check_in[at..]
        .split_whitespace()
        .next()
        .unwrap()
        .parse()
        .unwrap()
}

async fn store_of(app: &TestApp) -> Store {
    Store::connect(&app.database_url).await.expect("store")
}

async fn member_id(store: &Store, name: &str) -> MemberId {
    store
        .member_by_platform_id(focusfolk::core::model::CommunityId(1), name)
        .await
        .unwrap()
        .unwrap_or_else(|| panic!("{name} exists"))
        .id
}

#[tokio::test]
async fn the_check_in_offers_how_it_went_partner_actions_and_next_week() {
    let app = spawn_app().await;
    paired_at_nine(&app, &["ann", "ben"]).await;
    app.advance_to(at(9, 50)).await;

    let check_in = check_in_of(&app, "ann");
    let booking = booking_in(&check_in);
    for line in [
        format!("→ Mark it done: `checkin {booking} done`"),
        format!("→ Mark it partly done: `checkin {booking} partly`"),
        format!("→ Say your partner was absent: `checkin {booking} absent`"),
        "→ Add ben as a friend: `friend @ben`".to_string(),
        "→ Favourite ben: `favourite @ben`".to_string(),
        "→ Block ben: `block @ben`".to_string(),
        "→ Report ben: `report @ben <what happened>`".to_string(),
        "→ Book the same time next week: `book 2026-12-07 09:00 50m`".to_string(),
    ] {
        assert!(check_in.contains(&line), "{line} missing from:\n{check_in}");
    }

    // Each line does what it says.
    let done = app.say("ann", &format!("checkin {booking} done")).await;
    assert!(done.contains("Noted: you got it done"), "{done}");
    let store = store_of(&app).await;
    let ann = member_id(&store, "ann").await;
    let slot = store
        .booking(focusfolk::core::model::BookingId(booking))
        .await
        .unwrap()
        .unwrap()
        .slot_id;
    assert_eq!(
        store.check_in_verdict(slot, ann).await.unwrap(),
        Some(focusfolk::core::check_in::SessionVerdict::Done)
    );
    let partly = app.say("ann", &format!("checkin {booking} partly")).await;
    assert!(partly.contains("partly done"), "{partly}");
    assert_eq!(
        store.check_in_verdict(slot, ann).await.unwrap(),
        Some(focusfolk::core::check_in::SessionVerdict::Partly),
        "the last answer counts"
    );

    let friend = app.say("ann", "friend @ben").await;
    assert!(
        friend.contains("asked ben") || friend.contains("ben"),
        "{friend}"
    );
    assert_eq!(app.dms_containing("ben", "would like to be friends"), 1);

    let again = app.say("ann", "book 2026-12-07 09:00 50m").await;
    assert!(again.contains("Booked"), "{again}");
    assert!(app.say("ann", "sessions").await.contains("Mon 7 Dec"));
}

#[tokio::test]
async fn a_trio_gets_one_set_of_partner_actions_per_partner() {
    let app = spawn_app().await;
    paired_at_nine(&app, &["ann", "ben", "cat"]).await;
    app.advance_to(at(9, 50)).await;
    let check_in = check_in_of(&app, "ann");
    let booking = booking_in(&check_in);
    for partner in ["ben", "cat"] {
        for line in [
            format!("→ Say {partner} was absent: `checkin {booking} absent @{partner}`"),
            format!("→ Add {partner} as a friend: `friend @{partner}`"),
            format!("→ Favourite {partner}: `favourite @{partner}`"),
            format!("→ Block {partner}: `block @{partner}`"),
            format!("→ Report {partner}: `report @{partner} <what happened>`"),
        ] {
            assert!(check_in.contains(&line), "{line} missing from:\n{check_in}");
        }
    }
    // In a trio "absent" must say who.
    let which = app.say("ann", &format!("checkin {booking} absent")).await;
    assert!(which.contains("more than one partner"), "{which}");
}

#[tokio::test]
async fn partner_absent_from_both_sides_excuses_the_session_for_both_and_one_side_changes_nothing()
{
    let app = spawn_app().await;
    paired_at_nine(&app, &["ann", "ben"]).await;
    app.advance_to(at(9, 50)).await;
    let store = store_of(&app).await;
    let (ann, ben) = (
        member_id(&store, "ann").await,
        member_id(&store, "ben").await,
    );
    let ann_booking = booking_in(&check_in_of(&app, "ann"));
    let ben_booking = booking_in(&check_in_of(&app, "ben"));
    let slot = store
        .booking(focusfolk::core::model::BookingId(ann_booking))
        .await
        .unwrap()
        .unwrap()
        .slot_id;
    let outcome = |store: Store, member: MemberId, slot: SlotId| async move {
        store
            .attendance_for_slot(slot)
            .await
            .unwrap()
            .into_iter()
            .find(|(id, _)| *id == member)
            .map(|(_, outcome)| outcome)
    };

    let first = app
        .say("ann", &format!("checkin {ann_booking} absent"))
        .await;
    assert!(first.contains("Noted that ben wasn't there"), "{first}");
    assert_eq!(
        outcome(store.clone(), ben, slot).await,
        Some(AttendanceOutcome::Attended),
        "one side's word never makes the other absent"
    );
    assert!(app.say("ben", "prefs").await.contains("Sessions: 1"));

    // ben says the same about ann: by both accounts the session did not happen.
    let second = app
        .say("ben", &format!("checkin {ben_booking} absent"))
        .await;
    assert_eq!(
        second.replace("ann", "X"),
        first.replace("ben", "X"),
        "the answer never tells what the partner said"
    );
    for member in [ann, ben] {
        assert_eq!(
            outcome(store.clone(), member, slot).await,
            Some(AttendanceOutcome::Excused)
        );
    }
    for name in ["ann", "ben"] {
        let stats = app.say(name, "prefs").await;
        assert!(
            stats.contains("Sessions: 0") && stats.contains("No-shows: 0"),
            "{stats}"
        );
    }
    // Saying it again changes nothing more.
    app.say("ann", &format!("checkin {ann_booking} absent"))
        .await;
    assert!(app.say("ann", "prefs").await.contains("Sessions: 0"));
}

#[tokio::test]
async fn check_in_answers_are_refused_specifically() {
    let app = spawn_app().await;
    paired_at_nine(&app, &["ann", "ben"]).await;
    app.say("cat", "help").await;
    let later = app.say("ann", "book 11:00 50m").await;
    assert!(later.contains("Booked"), "{later}");
    app.advance_to(at(9, 50)).await;
    let ann_booking = booking_in(&check_in_of(&app, "ann"));

    let not_yours = app.say("cat", &format!("checkin {ann_booking} done")).await;
    assert!(not_yours.contains("There is no booking"), "{not_yours}");
    let unknown = app.say("ann", "checkin 999 done").await;
    assert!(unknown.contains("There is no booking #999"), "{unknown}");
    let future = app
        .say("ann", &format!("checkin {} done", ann_booking + 2))
        .await;
    assert!(future.contains("hasn't happened yet"), "{future}");
    let not_partner = app
        .say("ann", &format!("checkin {ann_booking} absent @cat"))
        .await;
    assert!(
        not_partner.contains("weren't your partner"),
        "{not_partner}"
    );
    let nobody = app
        .say("ann", &format!("checkin {ann_booking} absent @nobody"))
        .await;
    assert!(nobody.contains("don't know anyone"), "{nobody}");
    let bad = app
        .say("ann", &format!("checkin {ann_booking} great"))
        .await;
    assert!(bad.contains("done, partly or absent"), "{bad}");
    app.advance_to(at(9, 51) + Duration::days(8)).await;
    let stale = app.say("ann", &format!("checkin {ann_booking} done")).await;
    assert!(stale.contains("more than 7 days ago"), "{stale}");
}

#[tokio::test]
async fn a_report_reaches_the_moderators_with_the_session_and_never_the_reported_member() {
    let app = spawn_app().await;
    paired_at_nine(&app, &["ann", "ben"]).await;
    app.advance_to(at(9, 50)).await;
    let ben_dms_before = app.dms("ben").len();

    let sent = app
        .say("ann", "report @ben kept sharing an offensive screen")
        .await;
    assert!(
        sent.contains("Report sent") && sent.contains("went to the community's moderators"),
        "{sent}"
    );
    let notes = app.platform.moderator_notes();
    assert_eq!(notes.len(), 1, "{notes:?}");
    let (community, note) = &notes[0];
    assert_eq!(community, common::COMMUNITY);
    for expected in [
        "Report #1: @ann reports @ben.",
        "Session: Mon 30 Nov 09:00 UTC (50 min), with @ann, @ben.",
        "In their words: kept sharing an offensive screen",
        "the reported member is not told",
    ] {
        assert!(note.contains(expected), "{expected} missing from:\n{note}");
    }
    assert_eq!(
        app.dms("ben").len(),
        ben_dms_before,
        "the reported member hears nothing"
    );
    assert!(app.dms("ben").iter().all(|dm| !dm.contains("offensive")
        && !dm.contains("Report #")
        && !dm.contains("Report sent")));
}

#[tokio::test]
async fn reports_are_refused_for_strangers_yourself_unknowns_and_over_the_rate() {
    let app = spawn_app().await;
    paired_at_nine(&app, &["ann", "ben", "cat"]).await;
    app.say("dan", "help").await;
    app.advance_to(at(9, 50)).await;

    let stranger = app.say("ann", "report @dan rude").await;
    assert!(
        stranger.contains("partners of your sessions from the last 14 days"),
        "{stranger}"
    );
    assert!(app
        .say("ann", "report @ann rude")
        .await
        .contains("That's you"));
    assert!(app
        .say("ann", "report @nobody rude")
        .await
        .contains("don't know anyone"));
    let no_reason = app.say("ann", "report @ben").await;
    assert!(no_reason.contains("What happened?"), "{no_reason}");
    assert!(app.platform.moderator_notes().is_empty());

    for n in 0..3 {
        let target = if n % 2 == 0 { "@ben" } else { "@cat" };
        let sent = app.say("ann", &format!("report {target} reason {n}")).await;
        assert!(sent.contains("Report sent"), "{n}: {sent}");
    }
    let fourth = app.say("ann", "report @ben once more").await;
    assert!(
        fourth.contains("You've sent 3 reports in the last 24 hours"),
        "{fourth}"
    );
    assert_eq!(app.platform.moderator_notes().len(), 3);
    // Another member's rate is their own.
    assert!(app
        .say("ben", "report @ann rude")
        .await
        .contains("Report sent"));
    // A day later ann may report again; after 14 days the session is too old.
    app.advance_to(at(9, 51) + Duration::hours(24)).await;
    assert!(app
        .say("ann", "report @ben later")
        .await
        .contains("Report sent"));
    app.advance_to(at(9, 51) + Duration::days(15)).await;
    assert!(app
        .say("ann", "report @cat much later")
        .await
        .contains("last 14 days"));
}

#[tokio::test]
async fn a_snooze_keeps_two_members_apart_until_it_ends() {
    let app = spawn_app().await;
    for member in ["ann", "ben"] {
        app.say(member, "help").await;
    }
    let snoozed = app.say("ann", "snooze @ben 7d").await;
    assert!(
        snoozed.contains("You won't be paired with ben until Mon 7 Dec")
            && snoozed.contains("They aren't told"),
        "{snoozed}"
    );
    for member in ["ann", "ben"] {
        app.say(member, "book 9:00 50m").await;
    }
    app.advance_to(at(9, 0)).await;
    assert!(
        app.room_memberships()
            .iter()
            .all(|room| !(room.contains(&"ann".to_string()) && room.contains(&"ben".to_string()))),
        "{:?}",
        app.room_memberships()
    );
    assert!(app.dms("ben").iter().all(|dm| !dm.contains("snooze")));

    // Eight days later the snooze is over.
    let next = at(9, 0) + Duration::days(8);
    app.advance_to(next - Duration::hours(1)).await;
    for member in ["ann", "ben"] {
        let booked = app.say(member, "book 2026-12-08 09:00 50m").await;
        assert!(booked.contains("Booked"), "{booked}");
    }
    app.advance_to(next).await;
    assert!(
        app.room_memberships().iter().any(|room| room.len() == 2
            && room.contains(&"ann".to_string())
            && room.contains(&"ben".to_string())),
        "{:?}",
        app.room_memberships()
    );
}

#[tokio::test]
async fn snooze_off_ends_it_and_refusals_are_specific() {
    let app = spawn_app().await;
    for member in ["ann", "ben"] {
        app.say(member, "help").await;
    }
    assert!(app
        .say("ann", "snooze @ben off")
        .await
        .contains("haven't snoozed"));
    assert!(app
        .say("ann", "snooze @ben 91d")
        .await
        .contains("from 1 to 90 days"));
    assert!(app
        .say("ann", "snooze @ben 0")
        .await
        .contains("from 1 to 90 days"));
    assert!(app
        .say("ann", "snooze @ann 7d")
        .await
        .contains("That's you"));
    assert!(app
        .say("ann", "snooze @nobody 7d")
        .await
        .contains("don't know anyone"));
    assert!(app
        .say("ann", "snooze @ben soon")
        .await
        .contains("isn't a length"));
    app.say("ann", "snooze @ben 2w").await;
    assert!(app
        .say("ann", "snooze @ben off")
        .await
        .contains("paired with ben again"));
    assert!(app
        .say("ann", "blocked")
        .await
        .contains("haven't blocked or snoozed anyone"));
}

#[tokio::test]
async fn blocked_lists_only_the_members_own_blocks_and_snoozes() {
    let app = spawn_app().await;
    for member in ["ann", "ben", "cat", "dan"] {
        app.say(member, "help").await;
    }
    app.say("ann", "block @ben").await;
    app.say("ann", "snooze @cat 3d").await;
    app.say("dan", "block @ann").await;

    let list = app.say("ann", "blocked").await;
    assert!(list.contains("ben — blocked"), "{list}");
    assert!(list.contains("cat — snoozed until Thu 3 Dec"), "{list}");
    assert!(
        !list.contains("dan"),
        "someone else's block of ann never shows: {list}"
    );
    for other in ["ben", "cat"] {
        let theirs = app.say(other, "blocked").await;
        assert!(
            theirs.contains("haven't blocked or snoozed anyone"),
            "{other}: {theirs}"
        );
    }
    let dans = app.say("dan", "blocked").await;
    assert!(
        dans.contains("ann — blocked") && !dans.contains("ben"),
        "{dans}"
    );
    assert!(app
        .say("ann", "blocked @ben")
        .await
        .contains("blocked takes nothing after it"));
    // Unblocking takes it off the list.
    app.say("ann", "unblock @ben").await;
    assert!(!app.say("ann", "blocked").await.contains("ben"));
}
