//! [`DiscordPlatform`]: the engine's port to Discord. It owns the REST client, the presence
//! map and the channel index; rooms and DMs live in their own files.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};

use async_trait::async_trait;
use reqwest::Method;

use super::channels::ChannelIndex;
use super::presence::Presence;
use super::rest::DiscordRest;
use super::room_ref::RoomRef;
use crate::clock::Clock;
use crate::config::DiscordConfig;
use crate::core::message::OutgoingMessage;
use crate::engine::port::{ChatPlatform, Membership, PairRoomRequest, PlatformError, Recipient};
use crate::engine::PlatformState;

pub struct DiscordPlatform {
    pub(super) rest: DiscordRest,
    /// The adapter's own notes in the database (see `state.rs`).
    pub(super) state: PlatformState,
    pub(super) clock: Arc<dyn Clock>,
    pub(super) presence: Presence,
    pub(super) channels: ChannelIndex,
    /// member → DM channel, so each member's DM channel is opened once.
    pub(super) dm_channels: Mutex<HashMap<u64, u64>>,
    /// Set from READY (or GET /users/@me when the runner needs it first).
    bot_user_id: AtomicU64,
    /// Guilds whose GUILD_CREATE this instance received: its shards own them.
    pub(super) owned_guilds: RwLock<std::collections::HashSet<u64>>,
    /// Serialises presence write-through: event handlers run concurrently, and each write
    /// must carry the latest picture, not the one its event saw.
    pub(super) write_through: tokio::sync::Mutex<()>,
    /// One DM-channel open at a time, so a booking's early open and a job's don't both open.
    pub(super) dm_open: tokio::sync::Mutex<()>,
    /// Per guild: one room opening at a time (see `open_room`).
    room_opening: Mutex<HashMap<u64, Arc<tokio::sync::Mutex<()>>>>,
}

impl DiscordPlatform {
    pub(super) fn room_opening_lock(&self, guild: u64) -> Arc<tokio::sync::Mutex<()>> {
        self.room_opening
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .entry(guild)
            .or_default()
            .clone()
    }

    pub fn new(
        config: &DiscordConfig,
        state: PlatformState,
        clock: Arc<dyn Clock>,
    ) -> anyhow::Result<Arc<DiscordPlatform>> {
        let token = config
            .token
            .clone()
            .filter(|token| !token.trim().is_empty())
            .ok_or_else(|| anyhow::anyhow!("[discord] token is not set"))?;
        Ok(Arc::new(DiscordPlatform {
            rest: DiscordRest::new(&config.api_base_url, &token, config.requests_per_second)?,
            state,
            clock,
            presence: Presence::default(),
            channels: ChannelIndex::default(),
            dm_channels: Mutex::new(HashMap::new()),
            bot_user_id: AtomicU64::new(0),
            owned_guilds: RwLock::new(Default::default()),
            write_through: tokio::sync::Mutex::new(()),
            dm_open: tokio::sync::Mutex::new(()),
            room_opening: Mutex::default(),
        }))
    }

    pub fn set_bot_user_id(&self, id: u64) {
        self.bot_user_id.store(id, Ordering::Release);
    }

    pub async fn bot_user_id(&self) -> Result<u64, PlatformError> {
        let known = self.bot_user_id.load(Ordering::Acquire);
        if known != 0 {
            return Ok(known);
        }
        let me = self
            .rest
            .call(Method::GET, "/users/@me", None)
            .await
            .map_err(|error| error.into_platform("who am I"))?;
        let id = me["id"]
            .as_str()
            .and_then(|id| id.parse().ok())
            .ok_or_else(|| PlatformError::Temporary("no id in /users/@me".into()))?;
        self.set_bot_user_id(id);
        Ok(id)
    }

    pub fn owns_guild(&self, guild: u64) -> bool {
        self.owned_guilds
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .contains(&guild)
    }

    /// Channels of the guild the adapter knows of (tests wait on the gateway with this).
    pub fn known_channel_count(&self, guild: u64) -> usize {
        self.channels.count(guild)
    }

    /// Our shards received this guild's GUILD_CREATE: its presence is ours to keep.
    pub(super) fn mark_owned(&self, guild: u64) {
        self.owned_guilds
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .insert(guild);
    }

    /// The guild became unavailable to our shards (or we left it).
    pub(super) fn mark_not_owned(&self, guild: u64) {
        self.owned_guilds
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .remove(&guild);
    }

    /// Members in a pair room: from memory when our shard owns the guild, else from the copy
    /// the owning instance writes through.
    pub async fn members_in_room(&self, room: &RoomRef) -> Result<Vec<u64>, PlatformError> {
        let bot = self.bot_user_id.load(Ordering::Acquire);
        let members = if self.owns_guild(room.guild) {
            self.presence.members_in(room.guild, room.channel)
        } else {
            self.stored_presence(room.channel)
                .await
                .map_err(|error| PlatformError::Temporary(format!("stored presence: {error:#}")))?
        };
        Ok(members
            .into_iter()
            .filter(|member| *member != bot)
            .collect())
    }
}

/// Discord's "Unknown Member" and "Unknown User": not (or no longer) in the guild.
const UNKNOWN_MEMBER: i64 = 10007;
const UNKNOWN_USER: i64 = 10013;

impl DiscordPlatform {
    /// `GET /guilds/{guild}/members/{user}`: 200 is a member, Unknown Member (404) is gone;
    /// anything else (an outage, a guild the bot left) is unknown.
    pub async fn guild_membership(&self, guild: &str, user: &str) -> Membership {
        let (Ok(guild), Ok(user)) = (guild.parse::<u64>(), user.parse::<u64>()) else {
            return Membership::Unknown;
        };
        let path = format!("/guilds/{guild}/members/{user}");
        match self.rest.call(Method::GET, &path, None).await {
            Ok(_) => Membership::Member,
            Err(error) if matches!(error.code(), Some(UNKNOWN_MEMBER | UNKNOWN_USER)) => {
                Membership::Gone
            }
            Err(error) => {
                tracing::warn!(guild, user, %error, "guild membership unknown");
                Membership::Unknown
            }
        }
    }
}

#[async_trait]
impl ChatPlatform for DiscordPlatform {
    /// Each DM is one request under the global pace (DM channels are opened at prepare).
    fn direct_messages_per_second(&self) -> Option<f64> {
        Some(f64::from(self.rest.requests_per_second()))
    }

    async fn send_direct_message(
        &self,
        to: &Recipient,
        message: &OutgoingMessage,
        idempotency_key: &str,
    ) -> Result<(), PlatformError> {
        self.send_dm(to, message, idempotency_key).await
    }

    async fn open_pair_room(
        &self,
        request: &PairRoomRequest,
        idempotency_key: &str,
    ) -> Result<String, PlatformError> {
        self.open_room(request, idempotency_key)
            .await
            .map(|room| room.to_string())
    }

    async fn close_pair_room(&self, room: &str) -> Result<(), PlatformError> {
        let Some(room) = RoomRef::parse(room) else {
            return Err(PlatformError::Permanent(format!(
                "{room:?} is not a Discord room"
            )));
        };
        self.close_room(&room).await
    }

    /// A post in the guild's lobby channel (`lobby_post.rs`).
    async fn post_in_community(
        &self,
        platform_community_id: &str,
        message: &OutgoingMessage,
        idempotency_key: &str,
    ) -> Result<(), PlatformError> {
        self.post_in_lobby_channel(platform_community_id, message, idempotency_key)
            .await
    }

    /// A note in the guild's moderators' channel (`/setup moderators:`), if one is set.
    async fn notify_moderators(
        &self,
        platform_community_id: &str,
        message: &OutgoingMessage,
        idempotency_key: &str,
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
        let text = super::render::render(message);
        self.tell_moderators(guild, &setup, idempotency_key, &text)
            .await;
        Ok(())
    }

    async fn present_members(&self, room: &str) -> Result<Vec<String>, PlatformError> {
        let Some(room) = RoomRef::parse(room) else {
            return Ok(Vec::new());
        };
        Ok(self
            .members_in_room(&room)
            .await?
            .into_iter()
            .map(|id| id.to_string())
            .collect())
    }

    async fn is_community_member(&self, community: &str, user: &str) -> Membership {
        self.guild_membership(community, user).await
    }
}
