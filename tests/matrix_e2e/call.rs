//! The call in a pair room. With no call server configured the bot uses Element Call where the
//! homeserver advertises a MatrixRTC focus in its `.well-known` (a Synapse of the test's own,
//! with `extra_well_known_client_content`), and otherwise opens rooms without a call and says
//! so in `setup`. Members in an Element Call (MatrixRTC call-membership state events, sent by
//! the members' real clients) are counted as present; an expired membership is not.

use std::sync::Arc;

use focusfolk::engine::NoFaults;
use focusfolk::platform::matrix::{NO_CALL_SERVER, PUBLIC_ELEMENT_CALL_URL};
use serde_json::json;

use crate::support::{BotHome, Community, Member};
use crate::synapse::{OwnSynapse, Synapse};
use crate::{at, test_start};

/// The first sentence of `NO_CALL_SERVER`, enough to recognise it in a reply.
fn no_call_server_note() -> &'static str {
    NO_CALL_SERVER.split(':').next().unwrap()
}

async fn community_without_a_call_server(synapse: Synapse, names: &[&str]) -> Community {
    let bot_user = synapse.register("bot").await;
    let home = BotHome::with_config(&synapse, &bot_user, test_start(), |config| {
        config.jitsi_domain = None;
        config.element_call_url = None;
    });
    Community::start_with(synapse, bot_user, home, names, Arc::new(NoFaults)).await
}

/// What Element Call sends when `member` joins the call in `room`: one state event per device.
async fn join_the_call(synapse: &Synapse, member: &Member, room: &str, extra: serde_json::Value) {
    let mut content = json!({
        "application": "m.call", "call_id": "", "scope": "m.room",
        "device_id": member.user.device_id,
        "focus_active": {"type": "livekit", "focus_selection": "oldest_membership"},
        "foci_preferred": [{"type": "livekit", "livekit_service_url": "http://127.0.0.1:9/livekit", "livekit_alias": room}],
    });
    content
        .as_object_mut()
        .unwrap()
        .extend(extra.as_object().unwrap().clone());
    let state_key = format!("_{}_{}_m.call", member.user.user_id, member.user.device_id);
    let (status, body) = synapse
        .call(
            &member.user.access_token,
            reqwest::Method::PUT,
            &format!(
                "/_matrix/client/v3/rooms/{room}/state/org.matrix.msc3401.call.member/{state_key}"
            ),
            Some(content),
        )
        .await;
    assert_eq!(status, 200, "{} joins the call: {body}", member.name);
}

#[tokio::test]
async fn with_no_call_server_and_no_focus_rooms_have_no_call_and_setup_says_one_must_be_configured()
{
    let community = community_without_a_call_server(Synapse::from_env(), &["ann", "ben"]).await;
    // ann made the community room, so she is its admin.
    let rules = community
        .member("ann")
        .command(&community.room, "!focusfolk setup")
        .await;
    assert!(rules.contains("Community rules"), "{rules}");
    assert!(rules.contains(no_call_server_note()), "{rules}");
    assert!(rules.contains("jitsi_domain"), "{rules}");

    community.book_all("!focusfolk book 9:00 25m").await;
    community.bot.advance_to(at(8, 59)).await;
    let rooms = community.pair_rooms(1).await;
    assert_eq!(rooms.len(), 1, "{rooms:?}");
    let room = rooms.keys().next().unwrap();
    let ann = community.member("ann");
    ann.join(room).await;
    assert!(
        ann.state(room, "im.vector.modular.widgets", "focusfolk-call")
            .await
            .is_none(),
        "no widget pointing at a server that would cut the call"
    );
    let topic = ann.state(room, "m.room.topic", "").await.unwrap();
    assert!(
        topic["topic"].as_str().unwrap().contains("Meet here"),
        "{topic}"
    );
}

#[tokio::test]
async fn on_a_homeserver_with_a_matrixrtc_focus_rooms_get_element_call_and_its_members_are_present()
{
    let own = OwnSynapse::start(&["--rtc-focus", "http://127.0.0.1:9/livekit"]).await;
    let synapse = own.synapse.clone();
    let community = community_without_a_call_server(synapse.clone(), &["ann", "ben", "cat"]).await;
    let rules = community
        .member("ann")
        .command(&community.room, "!focusfolk setup")
        .await;
    assert!(rules.contains("Community rules"), "{rules}");
    assert!(
        !rules.contains(no_call_server_note()),
        "the homeserver offers Element Call: {rules}"
    );

    community.book_all("!focusfolk book 9:00 25m").await;
    community.bot.advance_to(at(8, 59)).await;
    let rooms = community.pair_rooms(1).await;
    assert_eq!(rooms.len(), 1, "three members make one trio: {rooms:?}");
    let room = rooms.keys().next().unwrap();
    for member in &community.members {
        member.join(room).await;
    }
    let ann = community.member("ann");
    let widget = ann
        .state(room, "im.vector.modular.widgets", "focusfolk-call")
        .await
        .expect("a call widget");
    assert_eq!(widget["name"], "Element Call");
    let url = widget["url"].as_str().unwrap();
    assert!(
        url.starts_with(&format!(
            "{PUBLIC_ELEMENT_CALL_URL}/room/#?roomId=$matrix_room_id"
        )),
        "{url}"
    );

    community.bot.advance_to(at(9, 1)).await;
    // ann is in the call (Element Call's own 4-hour expiry); ben's membership is one his
    // client made at 08:00 for a minute and never ended (a crash): expired, not in the call.
    join_the_call(&synapse, ann, room.as_str(), json!({"expires": 14_400_000})).await;
    let ben = community.member("ben");
    let eight = at(8, 0).timestamp_millis();
    join_the_call(
        &synapse,
        ben,
        room.as_str(),
        json!({"created_ts": eight, "expires": 60_000}),
    )
    .await;
    let presence = community.bot.platform.presence(room).await.unwrap();
    assert_eq!(
        presence.in_call,
        std::slice::from_ref(&ann.user.user_id),
        "{presence:?}"
    );
    let mut joined = presence.joined.clone();
    joined.sort();
    let mut everyone: Vec<String> = community
        .members
        .iter()
        .map(|member| member.user.user_id.clone())
        .collect();
    everyone.sort();
    assert_eq!(joined, everyone, "{presence:?}");

    community.bot.advance_to(at(9, 4)).await;
    for member in &community.members {
        assert_eq!(
            member
                .dms_containing(&community.bot_id(), "missed you")
                .await,
            0,
            "{} was there",
            member.name
        );
    }
}
