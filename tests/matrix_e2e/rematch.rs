//! The T + 2 min choice on Matrix (issue 11): a member whose partner has not joined the pair
//! room gets "Keep waiting" / "Rematch now" as lines saying what to reply, and replying
//! `rematch now` in the DM leads to a new partner and room before the attendance check.

use std::collections::BTreeMap;

use matrix_sdk::ruma::OwnedRoomId;

use crate::at;
use crate::support::Community;
use crate::synapse::Synapse;

const LATE: &str = "Your partner isn't here yet";

#[tokio::test]
async fn replying_rematch_now_pairs_two_waiting_members_before_the_check() {
    let community = Community::start(Synapse::from_env(), &["ann", "ben", "cat", "dan"]).await;
    let bot = community.bot_id();
    community.book_all("!focusfolk book 9:00 25m").await;
    community.bot.advance_to(at(9, 0)).await;
    let rooms: BTreeMap<OwnedRoomId, Vec<String>> = community.pair_rooms(1).await;
    assert_eq!(rooms.len(), 2, "two pairs: {rooms:?}");
    let absent: Vec<String> = rooms.values().map(|names| names[0].clone()).collect();
    let waiting: Vec<String> = rooms.values().map(|names| names[1].clone()).collect();
    for (room, names) in &rooms {
        community.member(&names[1]).join(room).await;
    }

    community.bot.advance_to(at(9, 2)).await;
    for name in &waiting {
        let member = community.member(name);
        let offer = member.wait_for_dm(&bot, LATE).await;
        assert!(offer.contains("`rematch wait`"), "{offer}");
        let line = offer
            .lines()
            .find(|line| line.contains("`rematch now`"))
            .unwrap_or_else(|| panic!("a Rematch now line: {offer}"));
        let reply = line.split('`').nth(1).unwrap();
        let dm = member.dm_room(&bot).await;
        let answer = member.command(&dm, reply).await;
        assert!(answer.contains("Finding you a new partner"), "{answer}");
    }
    for name in &absent {
        assert_eq!(community.member(name).dms_containing(&bot, LATE).await, 0);
    }

    // The rematch jobs are due now: seconds later, before the attendance check at 9:03.
    community
        .bot
        .advance_to(at(9, 2) + chrono::Duration::seconds(5))
        .await;
    let mut rematch_rooms = Vec::new();
    for name in &waiting {
        let member = community.member(name);
        member.wait_for_dm(&bot, "re-paired you").await;
        let invites = member.wait_for_room_invites(&bot, 2).await;
        rematch_rooms.push(invites[1].clone());
    }
    assert_eq!(
        rematch_rooms[0], rematch_rooms[1],
        "the two share a new room"
    );
    community.bot.advance_to(at(9, 4)).await;
    for name in &waiting {
        assert_eq!(
            community
                .member(name)
                .dms_containing(&bot, "re-paired you")
                .await,
            1,
            "{name} rematched once"
        );
    }
}

/// Issue 11, the lone booker on Matrix: the only booker of 9:00 reads it in the booking's reply
/// with a line per nearby time that has company; replying that line moves the booking, and
/// the member is paired at 9:15.
#[tokio::test]
async fn a_lone_booker_moves_to_company_by_replying_one_line() {
    let community = Community::start(Synapse::from_env(), &["ann", "ben", "cat"]).await;
    let room = &community.room;
    for name in ["ben", "cat"] {
        let booked = community
            .member(name)
            .command(room, "!focusfolk book 9:15 50m")
            .await;
        assert!(booked.contains("Booked"), "{booked}");
    }
    let ann = community.member("ann");
    let booked = ann.command(room, "!focusfolk book 9:00 50m").await;
    assert!(
        booked.contains("Nobody else has booked that time yet"),
        "{booked}"
    );
    let line = booked
        .lines()
        .find(|line| line.starts_with("→ Reply") && line.contains("to move to 09:15"))
        .unwrap_or_else(|| panic!("a move line: {booked}"));
    let reply = line.split('`').nth(1).unwrap();
    let moved = ann.command(room, reply).await;
    assert!(
        moved.contains("Moved") && moved.contains("2 others are booked then"),
        "{moved}"
    );
    community.bot.advance_to(at(9, 15)).await;
    let rooms = community.pair_rooms(1).await;
    assert!(
        rooms
            .values()
            .any(|names| names.contains(&"ann".to_string())),
        "ann has company at 9:15: {rooms:?}"
    );
}

/// The member the prepare left alone replies `rematch now` to the "No partner" DM, and is
/// handed the member whose partner didn't come at the attendance check.
#[tokio::test]
async fn a_member_left_alone_replies_rematch_now_and_gets_a_stranded_partner() {
    let community = Community::start(Synapse::from_env(), &["ann", "ben", "cat"]).await;
    let bot = community.bot_id();
    let room = &community.room;
    for (name, length) in [("ann", 25), ("ben", 25), ("cat", 50)] {
        let booked = community
            .member(name)
            .command(room, &format!("!focusfolk book 9:00 {length}m"))
            .await;
        assert!(booked.contains("Booked"), "{booked}");
    }
    community.bot.advance_to(at(8, 58)).await;
    let cat = community.member("cat");
    let alone = cat.wait_for_dm(&bot, "No partner this time").await;
    let line = alone
        .lines()
        .find(|line| line.contains("`rematch now`"))
        .unwrap_or_else(|| panic!("a Rematch now line: {alone}"));
    let reply = line.split('`').nth(1).unwrap();
    let dm = cat.dm_room(&bot).await;
    let answer = cat.command(&dm, reply).await;
    assert!(answer.contains("Finding you a new partner"), "{answer}");

    community.bot.advance_to(at(9, 0)).await;
    // cat has no room: only ann and ben were matched.
    let pair_room = community.member("ann").wait_for_room_invites(&bot, 1).await[0].clone();
    assert_eq!(
        community.member("ben").wait_for_room_invites(&bot, 1).await[0],
        pair_room
    );
    community.member("ann").join(&pair_room).await;
    community.bot.advance_to(at(9, 3)).await;
    community
        .member("ann")
        .wait_for_dm(&bot, "re-paired you")
        .await;
    cat.wait_for_dm(&bot, "found you a partner after all").await;
    let cats_room = cat.wait_for_room_invites(&bot, 1).await[0].clone();
    let anns_rooms = community.member("ann").wait_for_room_invites(&bot, 2).await;
    assert_eq!(anns_rooms[1], cats_room, "ann and cat share the new room");
}
