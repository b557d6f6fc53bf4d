//! One member's flood of commands cannot delay another member's: each sender has a bounded
//! queue of its own, served in turn with everyone else's (`platform/matrix/fair_queue.rs`),
//! while one sender's commands are still answered in the order they were sent.

use std::time::Instant;

use futures_util::stream::{self, StreamExt};

use crate::support::Community;
use crate::synapse::Synapse;

#[tokio::test]
async fn a_flood_from_one_member_does_not_delay_another() {
    let community = Community::start(Synapse::from_env(), &["ann", "ben"]).await;
    let (ann, ben) = (community.member("ann"), community.member("ben"));
    let room = &community.room;

    // One sender's commands keep their order: the booking, sent right after the time zone
    // without waiting for its answer, is answered in the new zone.
    ann.say(room, "!focusfolk timezone Asia/Tokyo").await;
    let book = ann.say(room, "!focusfolk book 9:00 25m").await;
    let booked = ann.reply_to(room, &book).await;
    assert!(
        booked.contains("Booked") && booked.contains("JST"),
        "{booked}"
    );

    // 200 commands from ann, as fast as the homeserver takes them, then one from ben.
    let flood: Vec<String> = stream::iter(0..200)
        .map(|_| async { ann.say(room, "!focusfolk sessions").await.to_string() })
        .buffer_unordered(20)
        .collect()
        .await;
    let sent = Instant::now();
    let asked = ben.say(room, "!focusfolk sessions").await;
    let answer = ben.reply_to(room, &asked).await;
    let waited = sent.elapsed();
    assert!(answer.contains("No upcoming sessions"), "{answer}");

    // How many of ann's commands were answered between ben's command and ben's answer: with
    // one queue for everybody, all of ann's waiting ones; with turns, at most a few.
    let history = ben.history(room).await;
    let position = |wanted: &dyn Fn(&serde_json::Value) -> bool| {
        history
            .iter()
            .position(|event| wanted(event))
            .expect("in the history")
    };
    let answers_to = |event: &serde_json::Value, ids: &[String]| {
        event["content"]["msgtype"] == "m.notice"
            && event["content"]["m.relates_to"]["m.in_reply_to"]["event_id"]
                .as_str()
                .is_some_and(|id| ids.iter().any(|sent| sent == id))
    };
    let asked_at = position(&|event| event["event_id"] == asked.as_str());
    let answered_at = position(&|event| answers_to(event, &[asked.to_string()]));
    let ann_answered_meanwhile = history[asked_at..answered_at]
        .iter()
        .filter(|event| answers_to(event, &flood))
        .count();
    let ann_answered = history
        .iter()
        .filter(|event| answers_to(event, &flood))
        .count();
    println!(
        "flood: ben's answer took {:.2} s; {ann_answered_meanwhile} of ann's commands were \
         answered in between; {ann_answered} of ann's 200 answered by then",
        waited.as_secs_f64()
    );
    assert!(
        ann_answered_meanwhile <= 3,
        "ben waited behind {ann_answered_meanwhile} of ann's commands ({:.2} s)",
        waited.as_secs_f64()
    );
}
