//! Direct messages. Each member's DM channel is opened once and remembered (memory and store),
//! every send carries a nonce derived from the engine's idempotency key with `enforce_nonce`,
//! so Discord drops a retried duplicate. When a member's DMs are closed (50007), the messages
//! that tell them where to go (announce, rematch — they carry a room) are posted in the lobby
//! with a mention instead; reminders, check-ins and "we missed you" stay private and the member
//! counts as unreachable (never as a no-show).

use reqwest::Method;
use serde_json::json;

use super::card;
use super::render::{truncate, MAX_MESSAGE_CHARS};
use super::rest::codes;
use super::room_ref::RoomRef;
use super::DiscordPlatform;
use crate::core::message::OutgoingMessage;
use crate::engine::port::{PlatformError, Recipient};

fn user_id(recipient: &Recipient) -> Result<u64, PlatformError> {
    recipient.platform_user_id.parse().map_err(|_| {
        PlatformError::Permanent(format!(
            "{:?} is not a Discord user id",
            recipient.platform_user_id
        ))
    })
}

impl DiscordPlatform {
    pub(super) async fn send_dm(
        &self,
        to: &Recipient,
        message: &OutgoingMessage,
        key: &str,
    ) -> Result<(), PlatformError> {
        let user = user_id(to)?;
        // The message's own guild; the member's last-seen guild only when it is not known.
        let guild = match to.platform_community_id.as_deref().map(str::parse::<u64>) {
            Some(Ok(guild)) => Some(guild),
            _ => self.home_guild(user).await.ok().flatten(),
        };
        // A DM mentions the partner by name; nobody needs a ping from it (`message_once`).
        let card = card::build(message, guild);
        let body = card.message_once_json(key);
        let channel = self.ensure_dm_channel(user).await?;
        match self
            .rest
            .call(
                Method::POST,
                &format!("/channels/{channel}/messages"),
                Some(&body),
            )
            .await
        {
            Ok(_) => Ok(()),
            Err(error) if error.code() == Some(codes::CANNOT_DM_USER) => {
                self.post_in_lobby(user, message, &card, key).await
            }
            Err(error) if error.code() == Some(codes::UNKNOWN_CHANNEL) => {
                // The remembered DM channel is gone: forget it; the retry opens a new one.
                self.dm_channels
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .remove(&user);
                Err(PlatformError::Temporary("DM channel vanished".into()))
            }
            Err(error) => Err(error.into_platform("send DM")),
        }
    }

    /// The member's DM channel: remembered, or opened once (`POST /users/@me/channels`).
    pub async fn ensure_dm_channel(&self, user: u64) -> Result<u64, PlatformError> {
        let remembered = || {
            self.dm_channels
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .get(&user)
                .copied()
        };
        if let Some(channel) = remembered() {
            return Ok(channel);
        }
        let _one_at_a_time = self.dm_open.lock().await;
        if let Some(channel) = remembered() {
            return Ok(channel);
        }
        let stored = self
            .stored_dm_channel(user)
            .await
            .map_err(|e| PlatformError::Temporary(format!("store: {e:#}")))?;
        let channel = match stored {
            Some(channel) => channel,
            None => {
                let body = json!({"recipient_id": user.to_string()});
                let opened = self
                    .rest
                    .call(Method::POST, "/users/@me/channels", Some(&body))
                    .await
                    .map_err(|e| e.into_platform("open DM channel"))?;
                let channel: u64 = opened["id"]
                    .as_str()
                    .and_then(|id| id.parse().ok())
                    .ok_or_else(|| PlatformError::Temporary("DM channel without id".into()))?;
                self.save_dm_channel(user, channel)
                    .await
                    .map_err(|e| PlatformError::Temporary(format!("store: {e:#}")))?;
                channel
            }
        };
        self.dm_channels
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(user, channel);
        Ok(channel)
    }

    /// DMs closed: a message that names a room goes to the guild's lobby with a mention.
    async fn post_in_lobby(
        &self,
        user: u64,
        message: &OutgoingMessage,
        card: &card::DiscordMessage,
        key: &str,
    ) -> Result<(), PlatformError> {
        let unreachable = || PlatformError::Unreachable(format!("user {user} does not accept DMs"));
        let Some(room) = message.pair_room().and_then(RoomRef::parse) else {
            return Err(unreachable());
        };
        let setup = self
            .guild_setup(room.guild)
            .await
            .map_err(|e| PlatformError::Temporary(format!("store: {e:#}")))?;
        let Some(lobby) = setup.lobby else {
            return Err(unreachable());
        };
        // The card as it would have been in the DM, with the mention and the why above it.
        let mut lobby_card = card.clone();
        lobby_card.content = truncate(
            &format!(
                "<@{user}> I can't DM you (your DMs from this server are closed), so here it is:{}\n-# Allow direct messages from server members to get these privately.",
                if card.content.is_empty() {
                    String::new()
                } else {
                    format!("\n{}", card.content)
                }
            ),
            MAX_MESSAGE_CHARS,
        );
        let mut body = lobby_card.message_once_json(&format!("lobby:{key}"));
        body["allowed_mentions"] = json!({"users": [user.to_string()]});
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
            Err(error) if error.status() == Some(403) || error.status() == Some(404) => {
                tracing::warn!(user, lobby, %error, "cannot post in the lobby either");
                Err(unreachable())
            }
            Err(error) => Err(error.into_platform("post in lobby")),
        }
    }
}
