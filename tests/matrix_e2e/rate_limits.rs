//! On Synapse's default rate limits (room creation: a burst of 10, then one per ~62 s; messages:
//! a burst of 10, then one per 5 s) every announcement still arrives: the bot waits out each
//! `M_LIMIT_EXCEEDED` for as long as the server asks.
//!
//! The bot account starts with 8 rooms already created (as a busy bot's would), so the pair
//! room is its 11th room creation and must wait for the homeserver. About a minute, mostly
//! asleep; it runs alongside the other Matrix tests in the same binary.

use crate::support::Community;
use crate::synapse::Synapse;
use crate::{at, ANNOUNCE};

#[tokio::test]
async fn on_default_rate_limits_every_announcement_still_arrives() {
    let synapse = Synapse::with_default_limits_from_env();
    let bot_user = synapse.register("bot").await;
    for index in 0..8 {
        let (status, body) = synapse
            .call(
                &bot_user.access_token,
                reqwest::Method::POST,
                "/_matrix/client/v3/createRoom",
                Some(serde_json::json!({})),
            )
            .await;
        assert_eq!(status, 200, "earlier room {index}: {body}");
    }
    let home = crate::support::BotHome::new(&synapse, &bot_user, crate::test_start());
    let community = Community::start_with(
        synapse,
        bot_user,
        home,
        &["ann", "ben"],
        std::sync::Arc::new(focusfolk::engine::NoFaults),
    )
    .await;
    let bot = community.bot_id();
    community.book_all("!focusfolk book 9:00 25m").await;
    // Two DM rooms (the 9th and 10th rooms), then the pair room: over the burst.
    community.bot.advance_to(at(9, 0)).await;
    for member in &community.members {
        assert_eq!(
            member.dms_containing(&bot, ANNOUNCE).await,
            1,
            "{} announced",
            member.name
        );
    }
    assert_eq!(community.pair_rooms(1).await.len(), 1);
    assert!(
        community.bot.platform.rate_limits_waited_out() >= 1,
        "the homeserver did rate-limit the bot"
    );
}
