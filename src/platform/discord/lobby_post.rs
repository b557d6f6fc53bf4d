//! A post in the guild's lobby channel (`/setup lobby:`), the engine's "post in the
//! community" (`ChatPlatform::post_in_community`): the weekly digest. It pings nobody (it is
//! news, not a call to anyone) and carries the engine's key as its nonce, so a retry posts once.

use reqwest::Method;

use super::card;
use super::DiscordPlatform;
use crate::core::message::OutgoingMessage;
use crate::engine::port::PlatformError;

impl DiscordPlatform {
    pub(super) async fn post_in_lobby_channel(
        &self,
        platform_community_id: &str,
        message: &OutgoingMessage,
        key: &str,
    ) -> Result<(), PlatformError> {
        let Ok(guild) = platform_community_id.parse::<u64>() else {
            return Err(PlatformError::Permanent(format!(
                "{platform_community_id:?} is not a Discord guild"
            )));
        };
        let setup = self
            .guild_setup(guild)
            .await
            .map_err(|error| PlatformError::Temporary(format!("guild setup: {error:#}")))?;
        let Some(lobby) = setup.lobby else {
            return Err(PlatformError::Permanent(
                "no lobby channel is set (an admin sets one with /setup lobby:)".to_string(),
            ));
        };
        let body = card::build(message, Some(guild)).message_once_json(key);
        match self
            .rest
            .call(
                Method::POST,
                &format!("/channels/{lobby}/messages"),
                Some(&body),
            )
            .await
        {
            Ok(_) => Ok(()),
            Err(error) if error.status() == Some(403) || error.status() == Some(404) => Err(
                PlatformError::Permanent(format!("cannot post in the lobby <#{lobby}>: {error}")),
            ),
            Err(error) => Err(error.into_platform("post in the lobby")),
        }
    }
}
