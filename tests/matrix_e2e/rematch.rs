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
