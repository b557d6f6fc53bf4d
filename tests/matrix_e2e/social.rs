//! Issue 11 on Matrix: a friend request by Matrix id (the `@` kept), delivered as a DM whose
//! Accept action is a line saying what to reply, and accepted by replying exactly that.

use crate::support::Community;
use crate::synapse::Synapse;

#[tokio::test]
async fn a_friend_request_by_matrix_id_is_accepted_by_replying_its_action() {
    let community = Community::start(Synapse::from_env(), &["ann", "ben"]).await;
    let (ann, ben) = (community.member("ann"), community.member("ben"));
    let room = &community.room;
    let bot = community.bot_id();
    // ben has used the bot once, so he is a member it knows.
    assert!(ben
        .command(room, "!focusfolk friends")
        .await
        .contains("No friends yet"));

    let ben_id = ben.user.user_id.to_string();
    // Synapse users get unique names; the bot shows the localpart as the display name.
    let (ann_name, ben_name) = (localpart(&ann.user.user_id), localpart(&ben.user.user_id));
    let sent = ann
        .command(room, &format!("!focusfolk friend {ben_id}"))
        .await;
    assert!(sent.contains(&format!("You asked {ben_name}")), "{sent}");

    let request = ben.wait_for_dm(&bot, "would like to be friends").await;
    let ann_id = ann.user.user_id.to_string();
    let accept_line = request
        .lines()
        .find(|line| line.starts_with("→ Reply `friend accept "))
        .unwrap_or_else(|| panic!("an Accept line: {request}"));
    let reply = accept_line
        .split('`')
        .nth(1)
        .unwrap_or_else(|| panic!("a command to reply: {accept_line}"));
    assert_eq!(reply, format!("friend accept {ann_id}"));
    assert!(
        request.contains(&format!("→ Reply `friend decline {ann_id}` to decline.")),
        "{request}"
    );

    let dm = ben.dm_room(&bot).await;
    let accepted = ben.command(&dm, reply).await;
    assert!(
        accepted.contains(&format!("You and {ann_name} are friends now")),
        "{accepted}"
    );
    ann.wait_for_dm(&bot, &format!("{ben_name} accepted your friend request"))
        .await;
    let list = ann.command(room, "!focusfolk friends").await;
    assert!(
        list.contains("Your friends:") && list.contains(&ben_name),
        "{list}"
    );
    let again = ann
        .command(room, &format!("!focusfolk friend {ben_id}"))
        .await;
    assert!(again.contains("already friends"), "{again}");
}

/// `@ann_1:localhost` → `ann_1`.
fn localpart(user_id: &str) -> String {
    let without_sigil = user_id.trim_start_matches('@');
    without_sigil
        .split(':')
        .next()
        .unwrap_or(without_sigil)
        .to_string()
}

/// `msg` relays to the session partner's DM with the sender's name and a Reply line; replying
/// that line (with a message) reaches the sender. A stranger is refused.
#[tokio::test]
async fn a_partner_message_is_relayed_and_answered_by_its_reply_line() {
    let community = Community::start(Synapse::from_env(), &["ann", "ben", "cat"]).await;
    let (ann, ben, cat) = (
        community.member("ann"),
        community.member("ben"),
        community.member("cat"),
    );
    let room = &community.room;
    let bot = community.bot_id();
    for member in [ann, ben] {
        assert!(member
            .command(room, "!focusfolk book 9:00 25m")
            .await
            .contains("Booked"));
    }
    community.bot.advance_to(crate::at(9, 0)).await;
    let ann_id = ann.user.user_id.to_string();

    let sent = ann.command(room, "!focusfolk msg running 2 min late").await;
    assert!(sent.contains("Sent to"), "{sent}");
    let relayed = ben.wait_for_dm(&bot, "running 2 min late").await;
    assert!(relayed.contains(&localpart(&ann_id)), "{relayed}");
    assert!(
        relayed.contains(&format!("→ Reply: `msg {ann_id} <your message>`")),
        "{relayed}"
    );
    let dm = ben.dm_room(&bot).await;
    let replied = ben.command(&dm, &format!("msg {ann_id} no worries")).await;
    assert!(replied.contains("Sent to"), "{replied}");
    ann.wait_for_dm(&bot, "no worries").await;

    let refused = cat
        .command(room, &format!("!focusfolk msg {ann_id} hello from cat"))
        .await;
    assert!(refused.contains("friends only"), "{refused}");
}

/// `book … with @ben:server` invites a friend by Matrix id; ben's DM says what to reply to
/// accept, replying it books ben and locks the pair in, and at the start ann and ben are
/// announced together although, unlocked, each would be paired with another friend.
#[tokio::test]
async fn a_locked_friend_booking_accepted_by_reply_is_kept_by_the_matcher() {
    let community = Community::start(Synapse::from_env(), &["ann", "ben", "cat", "dan"]).await;
    let [ann, ben, cat, dan] = ["ann", "ben", "cat", "dan"].map(|name| community.member(name));
    let room = &community.room;
    let bot = community.bot_id();
    for member in [ann, ben, cat, dan] {
        member.command(room, "!focusfolk friends").await;
    }
    // ann–ben, ann–cat and ben–dan are friends: unlocked, the matcher pairs ann–cat, ben–dan.
    for (a, b) in [(ann, ben), (ann, cat), (ben, dan)] {
        a.command(room, &format!("!focusfolk friend {}", b.user.user_id))
            .await;
        let accepted = b
            .command(
                room,
                &format!("!focusfolk friend accept {}", a.user.user_id),
            )
            .await;
        assert!(accepted.contains("are friends now"), "{accepted}");
    }

    let ben_id = ben.user.user_id.to_string();
    let invited = ann
        .command(
            room,
            &format!("!focusfolk book tomorrow 9:00 with {ben_id}"),
        )
        .await;
    assert!(invited.contains("Booked"), "{invited}");
    let ben_name = localpart(&ben_id);
    assert!(
        invited.contains(&format!("I've asked {ben_name} to join you")),
        "{invited}"
    );

    let invitation = ben.wait_for_dm(&bot, "asks you to join").await;
    let accept_line = invitation
        .lines()
        .find(|line| line.starts_with("→ Reply `book accept "))
        .unwrap_or_else(|| panic!("an Accept line: {invitation}"));
    let reply = accept_line
        .split('`')
        .nth(1)
        .unwrap_or_else(|| panic!("a command to reply: {accept_line}"));
    let dm = ben.dm_room(&bot).await;
    let accepted = ben.command(&dm, reply).await;
    let ann_name = localpart(&ann.user.user_id);
    assert!(
        accepted.contains(&format!("You're locked in with {ann_name}")),
        "{accepted}"
    );
    ann.wait_for_dm(
        &bot,
        &format!("{ben_name} accepted: you're paired together"),
    )
    .await;
    assert!(ben
        .command(room, "!focusfolk sessions")
        .await
        .contains(&format!("with {ann_name}")));

    for member in [cat, dan] {
        assert!(member
            .command(room, "!focusfolk book tomorrow 9:00")
            .await
            .contains("Booked"));
    }
    let tomorrow_nine = crate::at(9, 0) + chrono::Duration::days(1);
    community.bot.advance_to(tomorrow_nine).await;
    let cat_name = localpart(&cat.user.user_id);
    let dan_name = localpart(&dan.user.user_id);
    let for_ann = ann.wait_for_dm(&bot, crate::ANNOUNCE).await;
    assert!(
        for_ann.contains(&ben_name) && !for_ann.contains(&cat_name),
        "{for_ann}"
    );
    let for_cat = cat.wait_for_dm(&bot, crate::ANNOUNCE).await;
    assert!(
        for_cat.contains(&dan_name) && !for_cat.contains(&ann_name),
        "{for_cat}"
    );
}
