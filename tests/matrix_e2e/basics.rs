//! Logging in, staying one device, and a DM sent twice under one key arriving once.

use focusfolk::core::message::OutgoingMessage;
use focusfolk::engine::port::{ChatPlatform, Recipient};
use focusfolk::platform::matrix::MatrixPlatform;
use focusfolk::store::Store;

use crate::support::{BotHome, Member};
use crate::synapse::Synapse;

fn recipient(member: &Member) -> Recipient {
    Recipient {
        platform_user_id: member.user_id.to_string(),
        display_name: member.name.clone(),
        time_zone: chrono_tz::Europe::Paris,
        platform_community_id: None,
    }
}

#[tokio::test]
async fn the_bot_logs_in_once_and_a_dm_sent_twice_under_one_key_arrives_once() {
    let synapse = Synapse::from_env();
    let bot = synapse.register("bot").await;
    let ann = Member::new(&synapse, "ann").await;
    let home = BotHome::new(&synapse, &bot, crate::test_start());
    let store = Store::connect_and_migrate(&home.database_url)
        .await
        .unwrap();

    let platform = home.connect(&store).await.expect("password login");
    let device = platform.device_id().expect("device");
    let message = OutgoingMessage::new()
        .text("Your session starts at ")
        .time(crate::at(9, 0), chrono_tz::Europe::Paris);
    for _ in 0..2 {
        platform
            .send_direct_message(&recipient(&ann), &message, "dm:test:1")
            .await
            .expect("dm");
    }
    let bot_id = platform.user_id().to_string();
    let room = ann.dm_room(&bot_id).await;
    let texts = ann.dms(&bot_id).await;
    assert_eq!(
        texts,
        ["Your session starts at Mon 30 Nov 10:00 CET"],
        "one delivery, in ann's zone"
    );

    // The DM room: direct, unencrypted, and says so.
    assert!(
        ann.state(&room, "m.room.encryption", "").await.is_none(),
        "DM rooms stay unencrypted"
    );
    let topic = ann.state(&room, "m.room.topic", "").await.expect("topic");
    assert!(
        topic["topic"]
            .as_str()
            .unwrap()
            .contains("not end-to-end encrypted"),
        "{topic}"
    );
    let history = ann.history(&room).await;
    assert!(
        history
            .iter()
            .any(|event| event["content"]["msgtype"] == "m.notice"
                && event["content"]["body"]
                    .as_str()
                    .unwrap()
                    .contains("not end-to-end encrypted")),
        "the first message explains the missing encryption"
    );

    // A restart restores the stored session: no second login, no new device.
    let devices_before = synapse.devices(&bot.access_token).await;
    drop(platform);
    let again = home.connect(&store).await.expect("restore");
    assert_eq!(again.device_id(), Some(device.clone()));
    assert_eq!(synapse.devices(&bot.access_token).await, devices_before);
    // Same member, another key: the same DM room is reused.
    again
        .send_direct_message(
            &recipient(&ann),
            &OutgoingMessage::new().text("second"),
            "dm:test:2",
        )
        .await
        .expect("dm");
    assert_eq!(ann.dms(&bot_id).await.len(), 2);
    let direct_invites = ann
        .invites()
        .into_iter()
        .filter(|invite| invite.is_direct)
        .count();
    assert_eq!(direct_invites, 1, "one DM room per member");

    // Someone logs the bot's session out: the next start logs in again, on the same device.
    again.client().logout().await.expect("logout");
    drop(again);
    let store = Store::connect_and_migrate(&home.database_url)
        .await
        .unwrap();
    let relogged = home.connect(&store).await.expect("log in again");
    assert_eq!(
        relogged.device_id(),
        Some(device.clone()),
        "the same device id after a revoked token"
    );
    relogged
        .send_direct_message(
            &recipient(&ann),
            &OutgoingMessage::new().text("third"),
            "dm:test:3",
        )
        .await
        .expect("dm");
    assert_eq!(ann.dms(&bot_id).await.len(), 3);
}

#[tokio::test]
async fn opening_twice_under_one_key_finds_the_first_room_and_the_sweep_closes_forgotten_ones() {
    let synapse = Synapse::from_env();
    let bot = synapse.register("bot").await;
    let ann = Member::new(&synapse, "ann").await;
    // The bot's clock is a day ahead of the session it is asked to open: a room it forgot.
    let home = BotHome::new(
        &synapse,
        &bot,
        crate::test_start() + chrono::Duration::days(1),
    );
    let store = Store::connect_and_migrate(&home.database_url)
        .await
        .unwrap();
    let platform = home.connect(&store).await.unwrap();
    let request = focusfolk::engine::port::PairRoomRequest {
        platform_community_id: "!community".to_string(),
        title: "Focus 09:00–09:25 UTC · ann".to_string(),
        members: vec![recipient(&ann)],
        starts_at: crate::at(9, 0),
        ends_at: crate::at(9, 25),
    };
    let first = platform
        .open_pair_room(&request, "room:g1")
        .await
        .expect("open");
    // A retry after a crash that lost the answer: the alias leads back to the same room.
    let again = platform
        .open_pair_room(&request, "room:g1")
        .await
        .expect("open again");
    assert_eq!(first, again);
    assert_eq!(
        ann.wait_for_room_invites(platform.user_id().as_str(), 1)
            .await
            .len(),
        1,
        "invited once"
    );
    drop(platform);

    // A restarted bot finds the ended room among its rooms and closes it.
    let running = crate::support::Bot::start_fresh(&home).await;
    let room = matrix_sdk::ruma::OwnedRoomId::try_from(first.as_str()).unwrap();
    crate::wait::eventually("the sweep to close the forgotten room", || async {
        synapse
            .memberships(room.as_str())
            .await
            .values()
            .all(|membership| membership == "leave")
            .then_some(())
    })
    .await;
    running.stop().await;
}

/// S4: an access token from the config is used as it is and not copied into the database (the
/// config has it on every restart); a copy an earlier version stored there is removed.
#[tokio::test]
async fn a_configured_access_token_is_not_copied_into_the_database() {
    use matrix_sdk::authentication::matrix::MatrixSession;
    use matrix_sdk::{SessionMeta, SessionTokens};

    let synapse = Synapse::from_env();
    let bot = synapse.register("tokenbot").await;
    let home = BotHome::with_config(&synapse, &bot, crate::test_start(), |config| {
        config.password = None;
        config.access_token = Some(bot.access_token.clone());
    });
    let store = Store::connect_and_migrate(&home.database_url)
        .await
        .unwrap();
    let state = focusfolk::engine::PlatformState::new(
        store.clone(),
        focusfolk::core::model::Platform::Matrix,
    );
    // What an earlier version wrote in access-token mode.
    let old_copy = MatrixSession {
        meta: SessionMeta {
            user_id: bot.user_id.as_str().try_into().unwrap(),
            device_id: bot.device_id.as_str().into(),
        },
        tokens: SessionTokens {
            access_token: bot.access_token.clone(),
            refresh_token: None,
        },
    };
    state
        .set(
            "bot",
            &format!("session:{}", bot.user_id),
            &serde_json::to_string(&old_copy).unwrap(),
            crate::test_start(),
        )
        .await
        .unwrap();

    for _ in 0..2 {
        let platform =
            MatrixPlatform::connect(home.config.clone(), state.clone(), home.clock.clone())
                .await
                .expect("access-token login");
        assert_eq!(
            platform.device_id().map(|d| d.to_string()),
            Some(bot.device_id.clone())
        );
        let pool = sqlx::SqlitePool::connect(&home.database_url).await.unwrap();
        let values: Vec<String> = sqlx::query_scalar("SELECT value FROM platform_state")
            .fetch_all(&pool)
            .await
            .unwrap();
        pool.close().await;
        assert!(!values.is_empty(), "the install id is kept");
        for value in values {
            assert!(
                !value.contains(&bot.access_token),
                "the configured token is not in the database: {value}"
            );
        }
    }
}

#[tokio::test]
async fn a_squatted_pair_room_alias_gets_a_fresh_room_and_nobody_is_invited_into_the_squatters_room(
) {
    let synapse = Synapse::from_env();
    let bot = synapse.register("bot").await;
    let ann = Member::new(&synapse, "ann").await;
    let mallory = Member::new(&synapse, "mallory").await;
    let home = BotHome::new(&synapse, &bot, crate::test_start());
    let store = Store::connect_and_migrate(&home.database_url)
        .await
        .unwrap();
    let platform = home.connect(&store).await.unwrap();
    let key = "room:g7";
    // The alias the bot will use for this key (a local user who learnt it, say from a leak):
    // mallory makes her own room under it, copies our marker and lets the bot in.
    let alias = platform.pair_room_alias(key);
    let localpart = alias[1..alias.find(':').unwrap()].to_string();
    let install = localpart.split('-').nth(1).unwrap().to_string();
    let mut squat = matrix_sdk::ruma::api::client::room::create_room::v3::Request::new();
    squat.room_alias_name = Some(localpart);
    squat.invite = vec![matrix_sdk::ruma::OwnedUserId::try_from(bot.user_id.as_str()).unwrap()];
    squat.initial_state = vec![matrix_sdk::ruma::serde::Raw::new(&serde_json::json!({
        "type": "org.focusfolk.pair_room", "state_key": "",
        "content": {"install": install, "key": key, "starts_at": 0, "ends_at": 0}
    }))
    .unwrap()
    .cast_unchecked()];
    let squatted = mallory
        .client
        .create_room(squat)
        .await
        .expect("mallory's room")
        .room_id()
        .to_owned();
    platform
        .client()
        .join_room_by_id(&squatted)
        .await
        .expect("the bot accepts a local user's invite");

    let request = focusfolk::engine::port::PairRoomRequest {
        platform_community_id: "!community".to_string(),
        title: "Focus 09:00–09:25 UTC · ann".to_string(),
        members: vec![recipient(&ann)],
        starts_at: crate::at(9, 0),
        ends_at: crate::at(9, 25),
    };
    let opened = platform
        .open_pair_room(&request, key)
        .await
        .expect("a fresh room");
    assert_ne!(opened, squatted.as_str(), "not mallory's room");
    let invites = ann.wait_for_room_invites(bot.user_id.as_str(), 1).await;
    assert_eq!(
        invites.iter().map(|room| room.as_str()).collect::<Vec<_>>(),
        [opened.as_str()],
        "ann is invited to the fresh room only"
    );
    let fresh = synapse.memberships(&opened).await;
    assert!(
        !fresh.contains_key(mallory.user_id.as_str()),
        "mallory is not in the fresh room: {fresh:?}"
    );
    assert_eq!(
        fresh.get(ann.user_id.as_str()).map(String::as_str),
        Some("invite")
    );
    let squatter_room = synapse.memberships(squatted.as_str()).await;
    assert!(
        !squatter_room.contains_key(ann.user_id.as_str()),
        "nobody is invited into the squatter's room: {squatter_room:?}"
    );
}
