//! `msg` (issue 11): a message reaches the partner(s) of the current, next matched or
//! just-ended session, or a friend; the relay names the sender and offers Reply; the rate is
//! per member; anyone else is refused plainly; a blocked member's messages vanish silently.

mod common;

use chrono::Duration;
use common::{at, spawn_app, TestApp};

async fn paired_at_nine(app: &TestApp, members: &[&str]) {
    for member in members {
        assert!(app.say(member, "book 9:00 50m").await.contains("Booked"));
    }
    app.advance_to(at(9, 0)).await;
    app.join(members);
}

#[tokio::test]
async fn a_partner_message_is_relayed_with_the_senders_name_and_a_reply_action() {
    let app = spawn_app().await;
    paired_at_nine(&app, &["ann", "ben"]).await;

    let sent = app.say("ann", "msg running 2 min late, sorry!").await;
    assert_eq!(sent, "✉️ Sent to ben.");
    let relayed = app
        .dms("ben")
        .into_iter()
        .find(|dm| dm.starts_with("💬"))
        .expect("relayed");
    assert_eq!(
        relayed,
        "💬 ann (your partner at Mon 30 Nov 09:00 UTC):\nrunning 2 min late, sorry!\n→ Reply: `msg @ann <your message>`"
    );
    // The reply action's command, as rendered, with a message.
    assert_eq!(
        app.say("ben", "msg @ann no worries").await,
        "✉️ Sent to ann."
    );
    assert!(app
        .dms("ann")
        .iter()
        .any(|dm| dm.contains("ben (your partner at") && dm.contains("no worries")));
}

#[tokio::test]
async fn only_partners_of_a_recent_or_coming_session_and_friends_can_be_reached() {
    let app = spawn_app().await;
    for member in ["ann", "ben", "cat", "dan"] {
        app.say(member, "help").await;
    }
    // Booked but not matched yet (matching runs 2 min before the start): nobody to write to.
    app.say("ann", "book 9:00 50m").await;
    app.say("ben", "book 9:00 50m").await;
    let early = app.say("ann", "msg hello").await;
    assert!(early.contains("no session partner to message"), "{early}");
    app.advance_to(at(8, 58)).await;
    // Matched, not started: the next matched session counts.
    assert_eq!(app.say("ann", "msg see you soon").await, "✉️ Sent to ben.");
    app.advance_to(at(9, 0)).await;
    app.join(&["ann", "ben"]);

    // cat shares no session with ann and is no friend.
    let refused = app.say("cat", "msg @ann hello from cat").await;
    assert!(
        refused.contains("your session partners") && refused.contains("friends only"),
        "{refused}"
    );
    assert_eq!(app.dms_containing("ann", "hello from cat"), 0);
    assert!(app
        .say("cat", "msg @nobody hi")
        .await
        .contains("don't know anyone"));
    assert!(app.say("cat", "msg @cat hi").await.contains("That's you"));
    assert!(app
        .say("cat", "msg")
        .await
        .contains("What should I pass on?"));

    // A friend can be written to any time.
    app.say("cat", "friend dan").await;
    app.say("dan", "friend accept cat").await;
    assert_eq!(
        app.say("cat", "msg @dan coffee later?").await,
        "✉️ Sent to dan."
    );
    assert!(app
        .dms("dan")
        .iter()
        .any(|dm| dm.contains("💬 cat (your friend):\ncoffee later?")));

    // After the session, for 24 hours.
    app.advance_to(at(10, 0)).await;
    assert_eq!(
        app.say("ben", "msg thanks, that was great").await,
        "✉️ Sent to ann."
    );
    app.advance_to(at(9, 51) + Duration::hours(24)).await;
    let late = app.say("ben", "msg one more thing").await;
    assert!(late.contains("no session partner to message"), "{late}");
}

#[tokio::test]
async fn a_trio_message_reaches_both_partners() {
    let app = spawn_app().await;
    paired_at_nine(&app, &["ann", "ben", "cat"]).await;
    let sent = app.say("ann", "msg hi both").await;
    assert!(
        sent.starts_with("✉️ Sent to ") && sent.contains("ben") && sent.contains("cat"),
        "{sent}"
    );
    for partner in ["ben", "cat"] {
        assert_eq!(app.dms_containing(partner, "hi both"), 1, "{partner}");
    }
}

#[tokio::test]
async fn the_message_rate_is_per_member() {
    let app = spawn_app().await;
    paired_at_nine(&app, &["ann", "ben"]).await;
    for n in 0..5 {
        assert_eq!(
            app.say("ann", &format!("msg note {n}")).await,
            "✉️ Sent to ben."
        );
    }
    let refused = app.say("ann", "msg note 5").await;
    assert!(
        refused.contains("You've sent 5 messages in the last 10 minutes"),
        "{refused}"
    );
    assert_eq!(app.dms_containing("ben", "note 5"), 0);
    // ben's own allowance is untouched.
    assert_eq!(app.say("ben", "msg got them").await, "✉️ Sent to ann.");
    // Ten minutes on, ann may write again.
    app.advance_to(at(9, 11)).await;
    assert_eq!(app.say("ann", "msg note 6").await, "✉️ Sent to ben.");
    let too_long = app.say("ann", &format!("msg {}", "x".repeat(1001))).await;
    assert!(too_long.contains("too long"), "{too_long}");
}

#[tokio::test]
async fn a_blocked_members_messages_are_dropped_without_telling_them() {
    let app = spawn_app().await;
    paired_at_nine(&app, &["ann", "ben"]).await;
    app.say("ben", "block ann").await;
    // ann's answer is the same as for a delivered message.
    assert_eq!(
        app.say("ann", "msg are you there?").await,
        "✉️ Sent to ben."
    );
    assert_eq!(app.dms_containing("ben", "are you there?"), 0);
    let blocker = app.say("ben", "msg @ann hi").await;
    assert!(blocker.contains("You blocked them"), "{blocker}");
    assert!(app.say("ben", "msg hi").await.contains("You blocked them"));
}
