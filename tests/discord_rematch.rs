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

/// Issue 11, "nobody is ever alone without warning", on Discord: the only booker of 9:00 reads
/// it in the /book answer with a button per nearby time that has company; one click moves the
/// booking there, and the member is paired at 9:15.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lone_booker_moves_to_company_with_one_button() {
    let app = spawn(Options::default()).await;
    let [ben, cat] = app.members_booked(&["ben", "cat"], "9:15", 50).await[..] else {
        unreachable!()
    };
    let ann = app.member("ann");
    let booked = app.fake.invoke(
        app.guild,
        ann,
        app.general,
        "book",
        &[("when", "9:00".into()), ("duration", 50.into())],
    );
    let answer = app.fake.answer(booked).await;
    assert!(
        answer
            .content()
            .contains("Nobody else has booked that time yet"),
        "{}",
        answer.content()
    );
    let buttons = answer.data["components"].to_string();
    let custom_id = answer.data["components"][0]["components"][0]["custom_id"]
        .as_str()
        .unwrap_or_else(|| panic!("a move button: {buttons}"))
        .to_string();
    assert!(custom_id.starts_with("cf:move:"), "{custom_id}");
    assert!(
        buttons.contains("09:15"),
        "the button names the time: {buttons}"
    );

    let click = app.fake.click_on_answer(booked, &custom_id);
    let moved = app.fake.answer(click).await;
    assert!(
        moved.content().contains("Moved") && moved.content().contains("2 others are booked then"),
        "{}",
        moved.content()
    );
    let sessions = app.command(ann, "sessions", &[]).await;
    assert!(sessions.contains("<t:1796030100"), "9:15 now: {sessions}");
    app.advance_to(at(9, 15)).await;
    let room = app.room_of(ann);
    assert!(
        app.rooms_of(ben).contains(&room) || app.rooms_of(cat).contains(&room),
        "ann has company at 9:15"
    );
}

/// The member the prepare left alone (the only 50-minute booker) clicks Rematch now on the
/// "No partner" DM, and is handed the member whose partner didn't come at the check.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_member_left_alone_clicks_rematch_now_and_gets_a_stranded_partner() {
    let app = spawn(Options::default()).await;
    let pair = app.members_booked(&["ann", "ben"], "9:00", 25).await;
    let [cat] = app.members_booked(&["cat"], "9:00", 50).await[..] else {
        unreachable!()
    };
    app.advance_to(at(8, 58)).await;
    let alone = app
        .fake
        .dms(cat)
        .into_iter()
        .find(|message| message.text().contains("No partner this time"))
        .expect("cat is told");
    let button = &alone.components[0]["components"][0];
    assert_eq!(button["label"], "Rematch now", "{button}");
    let click = app
        .fake
        .click(cat, alone.id, button["custom_id"].as_str().unwrap());
    let answer = app.fake.answer(click).await;
    assert!(
        answer.content().contains("Finding you a new partner"),
        "{:?}",
        answer.data
    );

    app.advance_to(at(9, 0)).await;
    let room = app.room_of(pair[0]);
    app.join(pair[0], room).await;
    app.advance_to(at(9, 3)).await;
    assert_eq!(app.fake.dms_containing(pair[0], "re-paired you"), 1);
    assert_eq!(
        app.fake
            .dms_containing(cat, "found you a partner after all"),
        1
    );
    let new_room = app
        .rooms_of(cat)
        .into_iter()
        .next()
        .expect("cat has a room now");
    assert!(app.rooms_of(pair[0]).contains(&new_room));
}
