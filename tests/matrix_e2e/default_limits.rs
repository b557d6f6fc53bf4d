//! A busy slot on Synapse's default rate limits (messages: 10, then one per 5 s; room
//! creation: 10, then one a minute), the bot not exempt: 20 pairs (40 members who have used
//! the bot before: each has joined their DM room) booked at one slot, and a full room pool.
//! Every pair room is ready (the pair may walk in) before T, and every member is told their
//! partner and room by T + 30 s — in one community post, since 40 DMs cannot all go out in
//! time. Real time: the reminder, then a minute for the bucket to refill (it has 8 minutes in
//! life), then prepare at "T − 2 min" and announce two real minutes later.
//!
//! The members' history (joining, booking, their DM rooms) and the pool's filling ran with the
//! bot exempted through Synapse's admin API, standing in for an hour of idle filling; the bot
//! then restarts with the exemption lifted, so nothing measured ran exempt. Prints the figure.
//! Members are plain HTTP clients (40 syncing clients would load the machine more than the bot).

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::{json, Value};

use crate::support::{Bot, BotHome};
use crate::synapse::{Registered, Synapse};
use crate::wait::eventually;
use crate::{at, test_start};

const PAIRS: usize = 20;

struct Person {
    user: Registered,
}

impl Person {
    async fn call(
        &self,
        synapse: &Synapse,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> (u16, Value) {
        synapse
            .call(&self.user.access_token, method, path, body)
            .await
    }

    /// Joins `room`, waiting out the homeserver's join limits as a client would.
    async fn join(&self, synapse: &Synapse, room: &str) -> Result<(), Value> {
        let path = format!("/_matrix/client/v3/join/{room}");
        let mut last = Value::Null;
        for _ in 0..60 {
            let (status, body) = self
                .call(synapse, reqwest::Method::POST, &path, Some(json!({})))
                .await;
            match status {
                200 => return Ok(()),
                429 => {
                    let wait = body["retry_after_ms"].as_u64().unwrap_or(1000);
                    tokio::time::sleep(Duration::from_millis(wait + 50)).await;
                }
                _ => {
                    last = body;
                    tokio::time::sleep(Duration::from_millis(300)).await;
                }
            }
            if last.get("errcode").and_then(Value::as_str) == Some("M_FORBIDDEN") {
                return Err(last);
            }
        }
        Err(last)
    }

    async fn say(&self, synapse: &Synapse, room: &str, text: &str) {
        let txn = format!(
            "t{}",
            SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .unwrap()
                .as_nanos()
        );
        let path = format!("/_matrix/client/v3/rooms/{room}/send/m.room.message/{txn}");
        let (status, body) = self
            .call(
                synapse,
                reqwest::Method::PUT,
                &path,
                Some(json!({"msgtype": "m.text", "body": text})),
            )
            .await;
        assert_eq!(status, 200, "{body}");
    }
}

fn unix_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

#[tokio::test]
async fn twenty_pairs_on_default_limits_have_their_rooms_before_t_and_partners_by_t_plus_30_s() {
    let synapse = Synapse::with_default_limits_from_env();
    let bot_user = synapse.register("bot").await;

    // ---- History: members used the bot before, and the pool filled in idle time ----------
    synapse
        .set_rate_limit_exemption(&bot_user.user_id, true)
        .await;
    let home = BotHome::new(&synapse, &bot_user, test_start());
    let bot = Bot::start_fresh(&home).await;
    let bot_id = bot.user_id();
    let mut people = Vec::new();
    for index in 0..2 * PAIRS {
        people.push(Person {
            user: synapse.register(&format!("m{index}")).await,
        });
    }
    let (status, body) = people[0]
        .call(
            &synapse,
            reqwest::Method::POST,
            "/_matrix/client/v3/createRoom",
            Some(json!({"preset": "public_chat", "name": "Focus club", "invite": [bot_id]})),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let community = body["room_id"].as_str().unwrap().to_string();
    eventually("the bot to join the community room", || async {
        (synapse
            .memberships(&community)
            .await
            .get(&bot_id)
            .map(String::as_str)
            == Some("join"))
        .then_some(())
    })
    .await;
    for person in &people[1..] {
        person
            .join(&synapse, &community)
            .await
            .expect("join the community");
    }
    for person in &people {
        person
            .say(&synapse, &community, "!focusfolk book 9:00 25m")
            .await;
    }
    // Each booking opens the member's DM room; the member joins it, as people do.
    let store = focusfolk::store::Store::connect_and_migrate(&home.database_url)
        .await
        .expect("store");
    let state =
        focusfolk::engine::PlatformState::new(store, focusfolk::core::model::Platform::Matrix);
    for person in &people {
        let dm = eventually(&format!("{}'s DM room", person.user.localpart), || async {
            state
                .get(&person.user.user_id, "dm_room")
                .await
                .ok()
                .flatten()
                .filter(|room| !room.is_empty())
        })
        .await;
        person.join(&synapse, &dm).await.expect("join the DM room");
    }
    let made = bot
        .platform
        .fill_room_pool(PAIRS, false)
        .await
        .expect("fill the pool");
    assert_eq!(made, PAIRS);
    assert_eq!(bot.platform.pool_rooms_free().await, PAIRS);
    bot.stop().await;
    synapse
        .set_rate_limit_exemption(&bot_user.user_id, false)
        .await;

    // ---- The slot, on default limits ------------------------------------------------------
    let bot = Bot::start_fresh(&home).await;
    let started = Instant::now();
    bot.advance_to(at(8, 50)).await;
    let reminders_took = started.elapsed();
    // The bucket refills (8 minutes in life; a burst of 10 is back after 50 s).
    tokio::time::sleep(Duration::from_secs(60)).await;

    let prepare_started = Instant::now();
    let t_ms = unix_ms() + 120_000;
    bot.advance_to(at(8, 58)).await;
    let prepare_took = prepare_started.elapsed();
    assert!(
        prepare_took < Duration::from_secs(120),
        "every room ready before T: prepare took {prepare_took:?}"
    );
    let claims: Vec<(String, String)> = state.by_name("pool_room").await.expect("pool records");
    let pair_rooms: Vec<String> = claims
        .iter()
        .filter(|(_, value)| value != "free")
        .map(|(room, _)| room.clone())
        .collect();
    assert_eq!(pair_rooms.len(), PAIRS, "every pair got a pool room");
    let mut ready_ms = Vec::new();
    for room in &pair_rooms {
        let events = synapse.room_state(room).await;
        let rule = events
            .iter()
            .find(|event| event["type"] == "m.room.join_rules")
            .expect("join rules");
        assert_eq!(rule["content"]["join_rule"], "restricted", "{rule}");
        assert_eq!(
            rule["content"]["allow"].as_array().map(Vec::len),
            Some(2),
            "{rule}"
        );
        let history = events
            .iter()
            .find(|event| event["type"] == "m.room.history_visibility")
            .expect("history visibility");
        assert_eq!(history["content"]["history_visibility"], "joined");
        ready_ms.push(rule["origin_server_ts"].as_i64().unwrap() - t_ms);
    }
    ready_ms.sort();
    assert!(
        *ready_ms.last().unwrap() < 0,
        "every room ready before T: {ready_ms:?}"
    );

    tokio::time::sleep(Duration::from_millis((t_ms - unix_ms()).max(0) as u64)).await;
    bot.advance_to(at(9, 0)).await;

    // Every member: mentioned with their partner and room, by T + 30 s.
    let (status, body) = people[0]
        .call(
            &synapse,
            reqwest::Method::GET,
            &format!("/_matrix/client/v3/rooms/{community}/messages?dir=b&limit=200"),
            None,
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let posts: Vec<&Value> = body["chunk"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|event| event["sender"] == bot_id.as_str() && event["type"] == "m.room.message")
        .collect();
    let reminder = posts
        .iter()
        .find(|event| {
            event["content"]["body"]
                .as_str()
                .unwrap_or("")
                .contains("starts in")
        })
        .expect("one reminder post");
    let announcement = posts
        .iter()
        .find(|event| {
            event["content"]["body"]
                .as_str()
                .unwrap_or("")
                .contains("It's time")
        })
        .expect("one announcement post");
    let announced_ms = announcement["origin_server_ts"].as_i64().unwrap() - t_ms;
    assert!(announced_ms <= 30_000, "announced at T{announced_ms:+} ms");
    let mentioned = announcement["content"]["m.mentions"]["user_ids"]
        .as_array()
        .unwrap();
    assert_eq!(
        reminder["content"]["m.mentions"]["user_ids"]
            .as_array()
            .unwrap()
            .len(),
        2 * PAIRS
    );
    let html = announcement["content"]["formatted_body"].as_str().unwrap();
    let lines: Vec<&str> = html.split("<br>").collect();
    let mut joined_at_ms = Vec::new();
    for person in &people {
        assert!(
            mentioned
                .iter()
                .any(|user| user == person.user.user_id.as_str()),
            "{} mentioned",
            person.user.user_id
        );
        // Their line names their partner and links their room; they can walk in.
        let line = lines
            .iter()
            .find(|line| line.contains(&format!("/#/{}\"", person.user.user_id)))
            .unwrap_or_else(|| panic!("a line for {}", person.user.user_id));
        assert_eq!(line.matches("https://matrix.to/#/@").count(), 2, "{line}");
        let room = pair_rooms
            .iter()
            .find(|room| line.contains(room.as_str()))
            .unwrap_or_else(|| panic!("a pool room in {line}"));
        person
            .join(&synapse, room)
            .await
            .expect("walk into the pair room");
        joined_at_ms.push(unix_ms() - t_ms);
    }
    let waits = bot.platform.rate_limits_waited_out();
    eprintln!(
        "default limits, {PAIRS} pairs: reminders {:.1} s (one post); rooms ready T{:+.1} s … T{:+.1} s (prepare {:.1} s); \
         announcement at T{:+.1} s (one post, {} mentions); all {} members joined by T{:+.1} s; rate-limit waits {waits}",
        reminders_took.as_secs_f64(),
        ready_ms[0] as f64 / 1000.0,
        *ready_ms.last().unwrap() as f64 / 1000.0,
        prepare_took.as_secs_f64(),
        announced_ms as f64 / 1000.0,
        mentioned.len(),
        people.len(),
        *joined_at_ms.iter().max().unwrap() as f64 / 1000.0,
    );
}

/// The pool's cycle on the raised-limits Synapse: a pair gets a pool room and walks in from
/// its DM rooms (no invite); after the session everyone is removed and the room goes back;
/// the next pair gets the same room, cannot read the first pair's messages, and the first
/// pair can no longer get in.
#[tokio::test]
async fn a_pool_room_is_reused_and_the_next_pair_sees_nothing_of_the_last() {
    let community =
        crate::support::Community::start(Synapse::from_env(), &["ann", "ben", "cat", "dan"]).await;
    let bot = community.bot_id();
    let platform = &community.bot.platform;
    assert_eq!(platform.fill_room_pool(1, false).await.expect("fill"), 1);
    for name in ["ann", "ben"] {
        let reply = community
            .member(name)
            .command(&community.room, "!focusfolk book 9:00 25m")
            .await;
        assert!(reply.contains("Booked"), "{reply}");
        community.member(name).dm_room(&bot).await;
    }
    community.bot.advance_to(at(9, 0)).await;
    assert_eq!(
        platform.pool_rooms_free().await,
        0,
        "the pair took the pool room"
    );
    let (ann, ben) = (community.member("ann"), community.member("ben"));
    let announcement = ann.wait_for_dm(&bot, crate::ANNOUNCE).await;
    assert!(
        ann.invites().iter().all(|invite| invite.is_direct),
        "no pair-room invite was needed"
    );
    let room = eventually("the pool room in ann's announcement", || async {
        let state = focusfolk::engine::PlatformState::new(
            focusfolk::store::Store::connect_and_migrate(&community.home.database_url)
                .await
                .ok()?,
            focusfolk::core::model::Platform::Matrix,
        );
        let rooms = state.by_name("pool_room").await.ok()?;
        rooms
            .into_iter()
            .map(|(room, _)| room)
            .find(|room| announcement.contains(room.as_str()))
    })
    .await;
    let room = matrix_sdk::ruma::OwnedRoomId::try_from(room).unwrap();
    ann.join(&room).await;
    ben.join(&room).await;
    ann.say(&room, "first pair's secret plan").await;

    // The close job (T + 25 min + 5 min) puts the room back.
    community.bot.advance_to(at(9, 31)).await;
    assert_eq!(
        platform.pool_rooms_free().await,
        1,
        "the room went back to the pool"
    );
    let members = community.synapse.memberships(room.as_str()).await;
    for member in [ann, ben] {
        assert_eq!(
            members.get(member.user_id.as_str()).map(String::as_str),
            Some("leave"),
            "{} removed",
            member.name
        );
    }

    for name in ["cat", "dan"] {
        let reply = community
            .member(name)
            .command(&community.room, "!focusfolk book 10:00 25m")
            .await;
        assert!(reply.contains("Booked"), "{reply}");
        community.member(name).dm_room(&bot).await;
    }
    community.bot.advance_to(at(10, 0)).await;
    let cat = community.member("cat");
    let second = cat.wait_for_dm(&bot, crate::ANNOUNCE).await;
    assert!(
        second.contains(room.as_str()),
        "the same room, reused: {second}"
    );
    cat.join(&room).await;
    let history = cat.history(&room).await;
    assert!(
        history
            .iter()
            .all(|event| !event.to_string().contains("secret plan")),
        "the next pair reads nothing of the last: {history:?}"
    );
    assert!(
        ann.client.join_room_by_id(&room).await.is_err(),
        "the first pair cannot get back in"
    );
}

/// `setup` tells the admins when the bot is not exempt, with the admin call that exempts it,
/// and says nothing more once it is. The bot is a server admin here, so it can read its own
/// override through the admin API.
#[tokio::test]
async fn setup_tells_admins_the_bot_is_not_exempt_and_how_to_exempt_it() {
    let synapse = Synapse::with_default_limits_from_env();
    let bot_user = synapse
        .register_as(&crate::synapse::unique("adminbot"), true)
        .await;
    let home = BotHome::new(&synapse, &bot_user, test_start());
    let community = crate::support::Community::start_with(
        synapse.clone(),
        bot_user.clone(),
        home,
        &["ann"],
        std::sync::Arc::new(focusfolk::engine::NoFaults),
    )
    .await;
    let ann = community.member("ann");
    let reply = ann.command(&community.room, "!focusfolk setup").await;
    assert!(reply.contains("not exempt"), "{reply}");
    assert!(
        reply.contains(&format!(
            "/_synapse/admin/v1/users/{}/override_ratelimit",
            bot_user.user_id
        )),
        "{reply}"
    );
    synapse
        .set_rate_limit_exemption(&bot_user.user_id, true)
        .await;
    let reply = ann.command(&community.room, "!focusfolk setup").await;
    assert!(!reply.contains("rate-limits me"), "{reply}");
    assert!(!reply.contains("override_ratelimit"), "{reply}");
}

/// A new member's DM room comes from the pool when the homeserver would make the bot wait a
/// minute for a new room: the bot's room creations are used up (10 made just before), the
/// pool got one room after waiting out the limit once, and the booking's DM room is that
/// pool room, turned into a direct chat (invited as direct, no call widget, the DM topic).
#[tokio::test]
async fn a_new_members_dm_room_comes_from_the_pool_when_room_creation_would_wait() {
    let synapse = Synapse::with_default_limits_from_env();
    let bot_user = synapse.register("bot").await;
    for index in 0..10 {
        let (status, body) = synapse
            .call(
                &bot_user.access_token,
                reqwest::Method::POST,
                "/_matrix/client/v3/createRoom",
                Some(json!({})),
            )
            .await;
        assert_eq!(status, 200, "earlier room {index}: {body}");
    }
    let home = BotHome::new(&synapse, &bot_user, test_start());
    let bot = Bot::start_fresh(&home).await;
    let bot_id = bot.user_id();
    // Waits out the room-creation limit once (about a minute), and so learns it is spent.
    assert_eq!(
        bot.platform.fill_room_pool(1, false).await.expect("fill"),
        1
    );
    let store = focusfolk::store::Store::connect_and_migrate(&home.database_url)
        .await
        .expect("store");
    let state =
        focusfolk::engine::PlatformState::new(store, focusfolk::core::model::Platform::Matrix);
    let pool_room = state.by_name("pool_room").await.unwrap()[0].0.clone();

    let ann = crate::support::Member::new(&synapse, "ann").await;
    let community = ann.create_community(&bot_id).await;
    bot.wait_until_joined(&ann, &community).await;
    let reply = ann.command(&community, "!focusfolk book 9:00 25m").await;
    assert!(reply.contains("Booked"), "{reply}");
    let dm = ann.dm_room(&bot_id).await;
    assert_eq!(dm.as_str(), pool_room, "the pool room became ann's DM room");
    assert_eq!(bot.platform.pool_rooms_free().await, 0);
    // The invite comes first; tidying it into a DM follows at the homeserver's pace.
    eventually("the DM topic in the former pool room", || async {
        let topic = ann.state(&dm, "m.room.topic", "").await?;
        topic["topic"]
            .as_str()?
            .contains("not end-to-end")
            .then_some(())
    })
    .await;
    let widget = ann
        .state(&dm, "im.vector.modular.widgets", "focusfolk-call")
        .await;
    assert!(
        widget
            .as_ref()
            .is_none_or(|content| content.as_object().is_some_and(|o| o.is_empty())),
        "no call widget in a DM: {widget:?}"
    );
    bot.advance_to(at(8, 50)).await;
    assert_eq!(
        ann.dms_containing(&bot_id, crate::REMINDER).await,
        1,
        "the reminder arrives there"
    );
}
