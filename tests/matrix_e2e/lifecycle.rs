//! The whole lifecycle through Matrix: reminders, a pair and a trio in private call rooms,
//! announcements, attendance from room presence, check-ins, rooms closed; then a no-show and
//! the rematch of the stranded.

use std::collections::BTreeMap;

use matrix_sdk::ruma::OwnedRoomId;

use crate::support::Community;
use crate::synapse::Synapse;
use crate::{at, ANNOUNCE, CHECK_IN, REMINDER};

#[tokio::test]
async fn a_pair_and_a_trio_get_rooms_with_a_call_every_dm_once_and_closed_rooms() {
    let community =
        Community::start(Synapse::from_env(), &["ann", "ben", "cat", "dan", "eve"]).await;
    let bot = community.bot_id();
    community.book_all("!focusfolk book 9:00 50m").await;
    let paris = community
        .member("cat")
        .command(&community.room, "!focusfolk timezone Europe/Paris")
        .await;
    assert!(paris.contains("Europe/Paris"), "{paris}");

    community.bot.advance_to(at(8, 50)).await;
    for member in &community.members {
        assert_eq!(
            member.dms_containing(&bot, REMINDER).await,
            1,
            "{} reminded once",
            member.name
        );
        assert_eq!(
            member.dms_containing(&bot, ANNOUNCE).await,
            0,
            "no announcement before T"
        );
    }
    assert!(
        community.member("cat").dms(&bot).await[0].contains("10:00 CET"),
        "cat reads her own zone"
    );

    community.bot.advance_to(at(8, 59)).await;
    let rooms = community.pair_rooms(1).await;
    let mut sizes: Vec<usize> = rooms.values().map(Vec::len).collect();
    sizes.sort();
    assert_eq!(
        sizes,
        [2, 3],
        "a pair and a trio, rooms ready before T: {rooms:?}"
    );

    community.bot.advance_to(at(9, 0)).await;
    for (room, names) in &rooms {
        for name in names {
            let member = community.member(name);
            let announcement = member.wait_for_dm(&bot, ANNOUNCE).await;
            assert_eq!(
                member.dms_containing(&bot, ANNOUNCE).await,
                1,
                "{name} announced once"
            );
            assert!(
                announcement.contains(room.as_str()),
                "the DM links the room: {announcement}"
            );
            for partner in names.iter().filter(|other| *other != name) {
                assert!(
                    announcement.contains(community.member(partner).user.localpart.as_str()),
                    "{announcement}"
                );
            }
            // The HTML card: a bold first line, each partner a pill to that very user, the room
            // a matrix.to link to this very room.
            let content = member.dm_contents_containing(&bot, ANNOUNCE).await;
            let html = content[0]["formatted_body"].as_str().unwrap_or_default();
            assert_eq!(content[0]["format"], "org.matrix.custom.html");
            assert!(
                html.starts_with("<strong>It&#39;s time! Join your room</strong><br>"),
                "{html}"
            );
            for partner in names.iter().filter(|other| *other != name) {
                let pill = format!(
                    "<a href=\"https://matrix.to/#/{}\">",
                    community.member(partner).user.user_id
                );
                assert!(html.contains(&pill), "{partner} as a pill: {html}");
            }
            let link = format!("<a href=\"https://matrix.to/#/{room}?via=");
            assert_eq!(
                html.matches(&link).count(),
                2,
                "the Room field and Join link lead to {room}: {html}"
            );
            member.join(room).await;
        }
    }
    // What a member finds in their room: a name, invite-only, no encryption, a Jitsi call.
    let (room, names) = rooms.iter().next().unwrap();
    let member = community.member(&names[0]);
    // ...and a chat: the pair room is an ordinary room, so the pair write to each other in it
    // during the session (issue 11), and the bot leaves their words alone.
    member.say(room, "hi! my goal: the chapter draft").await;
    let partner = community.member(&names[1]);
    let seen = crate::wait::eventually("the partner to read the pair room's chat", || async {
        let bodies: Vec<String> = partner
            .history(room)
            .await
            .iter()
            .filter_map(|event| event["content"]["body"].as_str().map(str::to_string))
            .collect();
        bodies
            .iter()
            .any(|body| body.contains("the chapter draft"))
            .then_some(bodies)
    })
    .await;
    assert!(
        !seen
            .iter()
            .any(|body| body.contains("focusfolk") || body.contains("Unknown")),
        "the bot does not answer chat in a pair room: {seen:?}"
    );
    let widget = member
        .state(room, "im.vector.modular.widgets", "focusfolk-call")
        .await
        .expect("call widget");
    assert_eq!(widget["type"], "jitsi");
    assert_eq!(widget["data"]["domain"], "jitsi.example.org");
    assert!(
        widget["url"]
            .as_str()
            .unwrap()
            .starts_with("https://jitsi.example.org/focusfolk"),
        "{widget}"
    );
    assert_eq!(
        member.state(room, "m.room.join_rules", "").await.unwrap()["join_rule"],
        "invite"
    );
    let name = member.state(room, "m.room.name", "").await.unwrap();
    assert!(
        name["name"]
            .as_str()
            .unwrap()
            .starts_with("Focus 09:00–09:50 UTC · "),
        "{name}"
    );
    assert!(member.state(room, "m.room.encryption", "").await.is_none());

    community.bot.advance_to(at(10, 0)).await;
    for member in &community.members {
        assert_eq!(
            member.dms_containing(&bot, CHECK_IN).await,
            1,
            "{} checked in once",
            member.name
        );
        assert_eq!(member.dms_containing(&bot, "missed you").await, 0);
    }
    for room in rooms.keys() {
        assert!(
            community.room_is_closed(room).await,
            "members removed and the bot gone"
        );
    }
    let stats = community
        .member("ann")
        .command(&community.room, "!focusfolk prefs")
        .await;
    assert!(
        stats.contains("Sessions: 1") && stats.contains("No-shows: 0"),
        "{stats}"
    );
}

#[tokio::test]
async fn no_shows_are_spotted_from_room_presence_and_the_stranded_are_re_paired() {
    let community = Community::start(Synapse::from_env(), &["ann", "ben", "cat", "dan"]).await;
    let bot = community.bot_id();
    community.book_all("!focusfolk book 9:00 25m").await;
    community.bot.advance_to(at(9, 0)).await;
    let rooms: BTreeMap<OwnedRoomId, Vec<String>> = community.pair_rooms(1).await;
    assert_eq!(rooms.len(), 2, "two pairs: {rooms:?}");
    // The first member of each pair never shows; the other joins the room.
    let no_shows: Vec<String> = rooms.values().map(|names| names[0].clone()).collect();
    let stranded: Vec<String> = rooms.values().map(|names| names[1].clone()).collect();
    for (room, names) in &rooms {
        community.member(&names[1]).join(room).await;
    }

    community.bot.advance_to(at(9, 3)).await;
    for name in &no_shows {
        let member = community.member(name);
        assert_eq!(
            member.dms_containing(&bot, "We missed you").await,
            1,
            "{name}"
        );
        let stats = member.command(&community.room, "!focusfolk prefs").await;
        assert!(stats.contains("No-shows: 1"), "{stats}");
    }
    let mut rematch_rooms = Vec::new();
    for name in &stranded {
        let member = community.member(name);
        assert_eq!(
            member.dms_containing(&bot, "re-paired you").await,
            1,
            "{name} rematched"
        );
        let invites = member.wait_for_room_invites(&bot, 2).await;
        rematch_rooms.push(invites[1].clone());
    }
    assert_eq!(
        rematch_rooms[0], rematch_rooms[1],
        "the stranded share a new room"
    );
    for name in &stranded {
        community.member(name).join(&rematch_rooms[0]).await;
    }

    community.bot.advance_to(at(9, 40)).await;
    for name in &stranded {
        assert_eq!(
            community.member(name).dms_containing(&bot, CHECK_IN).await,
            1,
            "{name}"
        );
    }
    for room in rooms.keys().chain(std::iter::once(&rematch_rooms[0])) {
        assert!(
            community.room_is_closed(room).await,
            "original and rematch rooms closed"
        );
    }
}
