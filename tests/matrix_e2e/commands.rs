//! Commands in a community room and in a DM, what admins may do, which invites the bot takes,
//! and how it refuses an encrypted room.

use std::sync::Arc;

use matrix_sdk::ruma::api::client::room::create_room;
use matrix_sdk::ruma::OwnedUserId;
use serde_json::json;

use crate::support::{Bot, BotHome, Community, Member};
use crate::synapse::Synapse;
use crate::wait::eventually;

#[tokio::test]
async fn commands_get_threaded_notices_admins_change_rules_and_dms_work_without_prefix() {
    let community = Community::start(Synapse::from_env(), &["ann", "ben"]).await;
    let (ann, ben) = (community.member("ann"), community.member("ben"));
    let room = &community.room;

    // Chat that is not for the bot stays unanswered; an unknown command gets a hint.
    let chatter = ann.say(room, "good morning everyone").await;
    let hint = ann.command(room, "!focusfolk dance").await;
    assert!(
        hint.contains("I don't know the command \"dance\"") && hint.contains("`!focusfolk help`"),
        "{hint}"
    );
    let history = ann.history(room).await;
    assert!(
        history.iter().all(
            |event| event["content"]["m.relates_to"]["m.in_reply_to"]["event_id"]
                != chatter.as_str()
        ),
        "plain chat is not answered"
    );

    // Replies are notices in a thread under the command, mentioning its author.
    let help = ann.say(room, "!focusfolk help").await;
    let body = ann.reply_to(room, &help).await;
    assert!(body.contains("book <time>"), "{body}");
    let reply = ann
        .history(room)
        .await
        .into_iter()
        .find(|event| event["content"]["m.relates_to"]["event_id"] == help.as_str())
        .expect("threaded reply");
    assert_eq!(reply["content"]["msgtype"], "m.notice");
    assert_eq!(reply["content"]["m.relates_to"]["rel_type"], "m.thread");
    assert_eq!(
        reply["content"]["m.mentions"]["user_ids"],
        json!([ann.user.user_id])
    );

    // ann created the room (room version 12: creators have infinite power, unlisted in
    // power_levels); ben is a plain member.
    let refused = ben.command(room, "!focusfolk setup lengths 25 50").await;
    assert!(refused.contains("Only community admins"), "{refused}");
    let changed = ann.command(room, "!focusfolk setup lengths 25 50").await;
    assert!(changed.contains("sessions of 25/50 min"), "{changed}");

    // After booking, ann's DM room exists and takes commands without the prefix.
    assert!(ann
        .command(room, "!focusfolk book 9:00 25m")
        .await
        .contains("Booked"));
    let dm = ann.dm_room(&community.bot_id()).await;
    let sessions = ann.command(&dm, "sessions").await;
    assert!(sessions.contains("25 min"), "{sessions}");
}

#[tokio::test]
async fn members_book_by_mentioning_the_bot_or_with_a_custom_prefix() {
    let synapse = Synapse::from_env();
    let bot_user = synapse.register("bot").await;
    let home = BotHome::with_config(&synapse, &bot_user, crate::test_start(), |config| {
        config.command_prefix = "!focus".to_string();
    });
    let community = Community::start_with(
        synapse,
        bot_user,
        home,
        &["ann", "ben", "cat"],
        Arc::new(focusfolk::engine::NoFaults),
    )
    .await;
    let (ann, ben, cat) = (
        community.member("ann"),
        community.member("ben"),
        community.member("cat"),
    );
    let room = &community.room;
    let bot = community.bot_id();

    // A refused booking opens no DM room: nothing would ever be sent there.
    let refused = cat.command(room, "!focus book 2020-01-01 9:00").await;
    assert!(refused.contains("already passed"), "{refused}");

    // The custom prefix books; the default one is someone else's now. The bot answers in
    // order, so once the second command is answered the first would have been too.
    let ignored = ann.say(room, "!focusfolk sessions").await;
    let booked = ann.command(room, "!focus book 9:00 25m").await;
    assert!(booked.contains("Booked"), "{booked}");
    let history = ann.history(room).await;
    assert!(
        history.iter().all(|event| {
            let relation = &event["content"]["m.relates_to"];
            relation["event_id"] != ignored.as_str()
                && relation["m.in_reply_to"]["event_id"] != ignored.as_str()
        }),
        "the default prefix is not answered when another is configured"
    );

    // An Element pill (display name in the body, a matrix.to link in the HTML, m.mentions).
    let pill = ben.mention(room, &bot, "bot", "book 9:00 25m").await;
    let booked = ben.reply_to(room, &pill).await;
    assert!(booked.contains("Booked"), "{booked}");

    // By now (two more commands answered) a DM room opened for the refused booking would
    // have invited cat.
    assert!(
        cat.invites().iter().all(|invite| !invite.is_direct),
        "a refused booking opened a DM room: {:?}",
        cat.invites()
            .iter()
            .map(|invite| &invite.room)
            .collect::<Vec<_>>()
    );

    // A typed mention, as in "@focusfolk: book 9am" (the test's bot has a unique localpart).
    let localpart = bot
        .trim_start_matches('@')
        .split(':')
        .next()
        .unwrap()
        .to_string();
    let booked = cat
        .command(room, &format!("@{localpart}: book 9:00 25m"))
        .await;
    assert!(booked.contains("Booked"), "{booked}");

    // Help and hints show the prefix in use.
    let help = ann.command(room, "!focus help").await;
    assert!(
        help.contains("`!focus help`") && !help.contains("!focusfolk"),
        "{help}"
    );
    let hint = cat.command(room, &format!("@{localpart}: dance")).await;
    assert!(hint.contains("`!focus help`"), "{hint}");

    let sessions = ben.command(room, "!focus sessions").await;
    assert!(sessions.contains("25 min"), "{sessions}");
    // After a booking, the DM room exists.
    cat.dm_room(&bot).await;
}

#[tokio::test]
async fn only_allowed_invites_are_taken_and_encrypted_rooms_are_refused_plainly() {
    let synapse = Synapse::from_env();
    let bot_user = synapse.register("bot").await;
    let ann = Member::new(&synapse, "ann").await;
    let bot_id = bot_user.user_id.clone();
    // Rooms made (and the bot invited) before the bot runs: the invites wait for it.
    let allowed = ann.create_community(&bot_id).await;
    let mut encrypted = create_room::v3::Request::new();
    encrypted.invite = vec![OwnedUserId::try_from(bot_id.as_str()).unwrap()];
    encrypted.initial_state = vec![matrix_sdk::ruma::serde::Raw::new(&json!({
        "type": "m.room.encryption", "state_key": "", "content": {"algorithm": "m.megolm.v1.aes-sha2"}
    }))
    .unwrap()
    .cast_unchecked()];
    let encrypted = ann
        .client
        .create_room(encrypted)
        .await
        .unwrap()
        .room_id()
        .to_owned();
    let allowed_rooms = vec![allowed.to_string(), encrypted.to_string()];
    let home = BotHome::with_config(&synapse, &bot_user, crate::test_start(), |config| {
        // Nobody's homeserver is trusted here: only the named rooms are.
        config.allowed_servers = vec!["elsewhere.example".to_string()];
        config.allowed_rooms = allowed_rooms;
    });
    let bot = Bot::start(&home, Arc::new(focusfolk::engine::NoFaults)).await;
    bot.wait_until_joined(&ann, &allowed).await;
    let hello = eventually("the bot's hello", || async {
        ann.history(&allowed)
            .await
            .into_iter()
            .find(|event| event["sender"] == bot_id.as_str())
    })
    .await;
    assert!(
        hello["content"]["body"]
            .as_str()
            .unwrap()
            .contains("!focusfolk book"),
        "{hello}"
    );

    // The encrypted room: a plaintext explanation, then the bot leaves.
    eventually("the bot to leave the encrypted room", || async {
        (ann.membership_of(&encrypted, &bot_id).await.as_deref() == Some("leave")).then_some(())
    })
    .await;
    let refusal = ann
        .history(&encrypted)
        .await
        .into_iter()
        .find(|event| event["sender"] == bot_id.as_str())
        .expect("refusal");
    assert!(
        refusal["content"]["body"]
            .as_str()
            .unwrap()
            .contains("end-to-end encrypted"),
        "{refusal}"
    );

    // A room not on the list, from a homeserver not on the list: declined.
    let stranger = ann.create_community(&bot_id).await;
    eventually("the bot to decline", || async {
        (ann.membership_of(&stranger, &bot_id).await.as_deref() == Some("leave")).then_some(())
    })
    .await;
}

#[tokio::test]
async fn a_member_banned_from_the_community_room_cannot_book_by_dm() {
    let community = Community::start(Synapse::from_env(), &["ann", "ben"]).await;
    let (ann, ben) = (community.member("ann"), community.member("ben"));
    let room = &community.room;
    assert!(ben
        .command(room, "!focusfolk book 9:00 25m weekly")
        .await
        .contains("Booked"));
    let dm = ben.dm_room(&community.bot_id()).await;
    assert!(ben.command(&dm, "sessions").await.contains("25 min"));

    // ann created the room; she bans ben.
    let ben_id = OwnedUserId::try_from(ben.user.user_id.as_str()).unwrap();
    ann.client
        .get_room(room)
        .expect("ann's room")
        .ban_user(&ben_id, Some("harassment"))
        .await
        .expect("ban");
    let refused = ben.command(&dm, "book 10:00 25m").await;
    assert!(
        refused.contains("no longer in the community room"),
        "{refused}"
    );
    let cancel = ben.command(&dm, "cancel").await;
    assert!(
        cancel.contains("no longer in the community room"),
        "{cancel}"
    );
}

#[tokio::test]
async fn an_invite_whose_room_claims_an_allowed_alias_it_does_not_own_is_declined() {
    let synapse = Synapse::from_env();
    let bot_user = synapse.register("bot").await;
    let ann = Member::new(&synapse, "ann").await;
    let mallory = Member::new(&synapse, "mallory").await;
    let admin = synapse
        .register_as(&crate::synapse::unique("admin"), true)
        .await;
    let bot_id = bot_user.user_id.clone();
    let server = bot_id.split_once(':').unwrap().1.to_string();
    let localpart = crate::synapse::unique("focus");
    let alias = format!("#{localpart}:{server}");
    let path = format!("/_matrix/client/v3/directory/room/%23{localpart}%3A{server}");
    // mallory makes a room under the alias, so its canonical alias names it...
    let mut spoof = create_room::v3::Request::new();
    spoof.room_alias_name = Some(localpart.clone());
    let spoof = mallory
        .client
        .create_room(spoof)
        .await
        .unwrap()
        .room_id()
        .to_owned();
    // ...then a server admin who is not in her room takes the alias away (her room's canonical
    // alias stays, as it would on a server she runs), and it goes to ann's community room.
    let (status, body) = synapse
        .call(&admin.access_token, reqwest::Method::DELETE, &path, None)
        .await;
    assert_eq!(status, 200, "{body}");
    let allowed = ann.create_community(&bot_id).await;
    let (status, body) = synapse
        .call(
            &ann.user.access_token,
            reqwest::Method::PUT,
            &path,
            Some(json!({"room_id": allowed})),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        mallory
            .state(&spoof, "m.room.canonical_alias", "")
            .await
            .expect("canonical alias")["alias"],
        alias.as_str(),
        "mallory's room still claims the alias"
    );
    let allowed_rooms = vec![alias.clone()];
    let home = BotHome::with_config(&synapse, &bot_user, crate::test_start(), |config| {
        config.allowed_servers = vec!["elsewhere.example".to_string()];
        config.allowed_rooms = allowed_rooms;
    });
    let bot = Bot::start(&home, Arc::new(focusfolk::engine::NoFaults)).await;
    // The alias as the directory resolves it: ann's room is taken.
    bot.wait_until_joined(&ann, &allowed).await;

    mallory
        .client
        .get_room(&spoof)
        .expect("mallory's room")
        .invite_user_by_id(&OwnedUserId::try_from(bot_id.as_str()).unwrap())
        .await
        .expect("invite the bot");
    eventually("the bot to decline mallory's room", || async {
        (mallory.membership_of(&spoof, &bot_id).await.as_deref() == Some("leave")).then_some(())
    })
    .await;
}
