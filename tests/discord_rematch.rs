//! The T + 2 min choice on the fake Discord (issue 11): a member whose partner has not joined
//! the voice channel gets "Keep waiting" / "Rematch now" buttons, and "Rematch now" leads to a
//! new partner and room before the attendance check.

mod discord_common;

use discord_common::{at, spawn, Options};

const LATE: &str = "Your partner isn't here yet";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rematch_now_buttons_pair_two_waiting_members_at_once() {
    let app = spawn(Options::default()).await;
    let members = app
        .members_booked(&["ann", "ben", "cat", "dan"], "9:00", 25)
        .await;
    app.advance_to(at(9, 0)).await;
    // One member of each pair joins the voice channel; the other doesn't.
    let mut waiting = Vec::new();
    let mut absent = Vec::new();
    for member in &members {
        let room = app.room_of(*member);
        if waiting.iter().any(|(_, r)| *r == room) {
            absent.push(*member);
        } else {
            waiting.push((*member, room));
        }
    }
    for (member, room) in &waiting {
        app.join(*member, *room).await;
    }
    app.advance_to(at(9, 2)).await;
    for member in &absent {
        assert_eq!(
            app.fake.dms_containing(*member, LATE),
            0,
            "the absent are not asked"
        );
    }
    for (member, original_room) in &waiting {
        let offer = app
            .fake
            .dms(*member)
            .into_iter()
            .find(|message| message.text().contains(LATE))
            .expect("the choice");
        let buttons = &offer.components[0]["components"];
        assert_eq!(buttons[0]["label"], "Keep waiting", "{buttons}");
        assert_eq!(buttons[1]["label"], "Rematch now", "{buttons}");
        let custom_id = buttons[1]["custom_id"].as_str().unwrap().to_string();
        assert!(custom_id.starts_with("cf:rematch:now:"), "{custom_id}");
        let click = app.fake.click(*member, offer.id, &custom_id);
        let answer = app.fake.answer(click).await;
        assert_eq!(
            app.fake.interaction(click).callbacks,
            [7],
            "the DM is updated"
        );
        assert!(
            answer.content().contains("Finding you a new partner"),
            "{:?}",
            answer.data
        );
        // Still in the original room until the new one is ready.
        assert!(app.rooms_of(*member).contains(original_room));
    }
    // Seconds later (the jobs are due now), before the attendance check at 9:03.
    app.advance_to(at(9, 2) + chrono::Duration::seconds(5))
        .await;
    for (member, _) in &waiting {
        assert_eq!(
            app.fake.dms_containing(*member, "re-paired you"),
            1,
            "rematched once"
        );
    }
    let (first, first_room) = waiting[0];
    let (second, _) = waiting[1];
    let rematch_room = app
        .rooms_of(first)
        .into_iter()
        .find(|room| *room != first_room)
        .expect("a rematch room");
    assert!(
        app.rooms_of(second).contains(&rematch_room),
        "the two share the new room"
    );
    app.advance_to(at(9, 4)).await;
    for (member, _) in &waiting {
        assert_eq!(app.fake.dms_containing(*member, "re-paired you"), 1);
    }
    for member in &absent {
        assert_eq!(app.fake.dms_containing(*member, "We missed you"), 1);
    }
}
