//! Nobody is ever alone without warning (issue 11): the only booker of a slot hears it when
//! booking and in the reminder, with the nearest times that have company as one-step moves.

mod common;

use common::{at, spawn_app, TestApp};

/// "Booked #7\n…" → 7.
fn booking_number(reply: &str) -> i64 {
    let after = reply
        .split("Booked #")
        .nth(1)
        .unwrap_or_else(|| panic!("{reply}"));
    let digits: String = after.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().unwrap()
}

async fn book(app: &TestApp, member: &str, text: &str) -> String {
    let reply = app.say(member, text).await;
    assert!(reply.contains("Booked"), "{member}: {reply}");
    reply
}

#[tokio::test]
async fn a_lone_booking_is_told_at_once_and_moved_in_one_step() {
    let app = spawn_app().await;
    book(&app, "ben", "book 9:15 50m").await;
    book(&app, "cat", "book 9:15 50m").await;
    book(&app, "dan", "book 8:30 50m").await;
    let reply = book(&app, "ann", "book 9:00 50m").await;
    let number = booking_number(&reply);
    assert!(
        reply.contains("Nobody else has booked that time yet"),
        "{reply}"
    );
    let offer = format!("→ Move to 09:15: `move {number} 2026-11-30 09:15`");
    assert!(reply.contains(&offer), "{reply}");
    assert!(reply.contains("→ Move to 08:30: `move"), "{reply}");
    // The nearest first.
    assert!(
        reply.find("09:15").unwrap() < reply.find("Move to 08:30").unwrap(),
        "{reply}"
    );

    let moved = app
        .say("ann", &format!("move {number} 2026-11-30 09:15"))
        .await;
    assert!(
        moved.starts_with(&format!(
            "✅ Moved #{number} to Mon 30 Nov 09:15 UTC (50 min)"
        )),
        "{moved}"
    );
    assert!(moved.contains("2 others are booked then"), "{moved}");
    let sessions = app.say("ann", "sessions").await;
    assert!(
        sessions.contains("09:15") && !sessions.contains("09:00"),
        "{sessions}"
    );
    // A move is never a late cancel.
    assert!(app.say("ann", "prefs").await.contains("Late cancels: 0"));
    app.advance_to(at(9, 15)).await;
    assert!(app
        .room_memberships()
        .iter()
        .any(|room| room.contains(&"ann".to_string())));
}

#[tokio::test]
async fn company_means_no_warning_and_a_lone_booker_without_offers_is_still_told() {
    let app = spawn_app().await;
    let first = book(&app, "ann", "book 9:00 50m").await;
    assert!(
        first.contains("Nobody else has booked that time yet"),
        "{first}"
    );
    assert!(
        first.contains("If someone books it, I'll pair you"),
        "{first}"
    );
    let second = book(&app, "ben", "book 9:00 50m").await;
    assert!(!second.contains("Nobody else"), "{second}");
}

#[tokio::test]
async fn the_reminder_warns_a_lone_booker_even_with_reminders_off() {
    let app = spawn_app().await;
    app.say("ann", "prefs reminders off").await;
    book(&app, "ann", "book 9:00 50m").await;
    book(&app, "ben", "book 9:30 50m").await;
    book(&app, "cat", "book 9:30 50m").await;
    app.advance_to(at(8, 50)).await;
    let reminder = app
        .dms("ann")
        .into_iter()
        .find(|dm| dm.contains("starts in"))
        .expect("the lone booker is warned");
    assert!(
        reminder.contains("Nobody else has booked that time yet"),
        "{reminder}"
    );
    assert!(reminder.contains("→ Move to 09:30: `move"), "{reminder}");
    // ben and cat have company: no warning in theirs.
    app.advance_to(at(9, 20)).await;
    assert!(app.dms("ben").iter().all(|dm| !dm.contains("Nobody else")));
}

#[tokio::test]
async fn moves_are_refused_plainly() {
    let app = spawn_app().await;
    let reply = book(&app, "ann", "book 9:00 50m").await;
    let number = booking_number(&reply);
    assert!(app
        .say("ann", "move 999 9:15")
        .await
        .contains("There is no booking #999"));
    let not_yours = app.say("ben", &format!("move {number} 9:15")).await;
    assert!(
        not_yours.contains("isn't yours") || not_yours.contains("not yours"),
        "{not_yours}"
    );
    assert!(app.say("ann", "move").await.contains("Which booking"));
    assert!(app
        .say("ann", &format!("move {number}"))
        .await
        .contains("To when?"));
    app.advance_to(at(9, 5)).await;
    let started = app.say("ann", &format!("move {number} 10:00")).await;
    assert!(started.contains("already started"), "{started}");
}
