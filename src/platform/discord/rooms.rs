//! Pair rooms: one private voice channel per pair/trio, made in one create call with its
//! permission overwrites (@everyone denied View/Connect, the members and the bot allowed,
//! optionally a moderator role). The channel's name starts with `focus-<key>` so a retry after
//! a crash finds the channel it already made, and the startup sweep can recognise our rooms.
//!
//! Limits: a category holds 50 channels, so overflow categories are made next to the first;
//! a guild holds 500, so near that admins are told and rooms are lent from a pool of standing
//! voice channels (their overwrites swapped in and restored afterwards).

use reqwest::Method;
use serde_json::{json, Value};

use super::channels::{ChannelInfo, CATEGORY, VOICE};
use super::rest::{codes, RestError};
use super::room_ref::RoomRef;
use super::state::{GuildSetup, PoolLoan, RoomRecord};
use super::DiscordPlatform;
use crate::engine::effect_key::EffectKey;
use crate::engine::port::{PairRoomRequest, PlatformError};

pub const ROOM_PREFIX: &str = "focus-";
pub const CATEGORY_CAPACITY: usize = 50;
/// "Nearing 500": admins are told, and rooms come from the pool if there is one.
pub const NEAR_CHANNEL_LIMIT: usize = 490;
const DEFAULT_CATEGORY_NAME: &str = "Focus rooms";
const LIMIT_WARNING_EVERY_SECONDS: i64 = 24 * 3600;

pub mod perms {
    pub const VIEW_CHANNEL: u64 = 1 << 10;
    pub const SEND_MESSAGES: u64 = 1 << 11;
    pub const EMBED_LINKS: u64 = 1 << 14;
    pub const CONNECT: u64 = 1 << 20;
    pub const SPEAK: u64 = 1 << 21;
    pub const MANAGE_CHANNELS: u64 = 1 << 4;
    pub const MANAGE_ROLES: u64 = 1 << 28;
    pub const READ_MESSAGE_HISTORY: u64 = 1 << 16;
    /// What a pair room's overwrites grant its members: the voice room, and its text chat
    /// (issue 11: the pair may write to each other there even on servers where @everyone may not).
    pub const MEMBER_ALLOW: u64 =
        VIEW_CHANNEL | CONNECT | SPEAK | SEND_MESSAGES | READ_MESSAGE_HISTORY;
    /// What they grant the bot itself: it must keep seeing the room to delete it later.
    pub const BOT_ALLOW: u64 = VIEW_CHANNEL | CONNECT | MANAGE_CHANNELS;
    /// What they grant the moderator role.
    pub const MODERATOR_ALLOW: u64 = VIEW_CHANNEL | CONNECT;
    /// Where rooms are made (`/setup` checks exactly this): creating, renaming and deleting
    /// channels (Manage Channels), writing their overwrites (Manage Roles, "Manage
    /// Permissions" on a channel), and every permission those overwrites grant, since a bot
    /// can only grant what it holds.
    pub const IN_ROOM_CATEGORIES: u64 =
        MANAGE_CHANNELS | MANAGE_ROLES | MEMBER_ALLOW | BOT_ALLOW | MODERATOR_ALLOW;
    /// The lobby: the closed-DMs fallback and the weekly digest are cards (embeds).
    pub const IN_LOBBY: u64 = VIEW_CHANNEL | SEND_MESSAGES | EMBED_LINKS;
    /// The moderators' channel: plain text notes.
    pub const IN_MODERATORS_CHANNEL: u64 = VIEW_CHANNEL | SEND_MESSAGES;
}

/// The engine's room key of group 12 → "g12": the part of the key that goes into the channel
/// name. Any other key (none comes from the engine) goes in whole, made name-safe.
fn key_token(key: &str) -> String {
    match EffectKey::parse_room(key) {
        Some(group) => format!("g{group}"),
        None => key
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
            .collect(),
    }
}

/// The name prefix that identifies the room made for `key` (the space ends the token, so
/// `g1` never matches `g12`).
pub fn name_prefix(key: &str) -> String {
    format!("{ROOM_PREFIX}{} ", key_token(key))
}

/// "focus-g12 · Focus 09:00–09:50 UTC · alice & bob", at most Discord's 100 characters.
pub fn channel_name(key: &str, title: &str) -> String {
    let name = format!("{}· {title}", name_prefix(key));
    super::render::truncate(&name, 100)
}

/// The engine key of a room channel of ours, from its name ("focus-g12 · …" → `room:g12`).
pub fn key_from_channel_name(name: &str) -> Option<String> {
    let token = name.strip_prefix(ROOM_PREFIX)?.split(' ').next()?;
    let group = EffectKey::parse_room(&format!("{}{token}", EffectKey::OPEN_ROOM_PREFIX))?;
    Some(EffectKey::OpenRoom { group }.to_string())
}

fn invalid_form_code(error: &RestError) -> Option<String> {
    match error {
        RestError::Discord { body, .. } => body["errors"]["parent_id"]["_errors"][0]["code"]
            .as_str()
            .map(str::to_string),
        _ => None,
    }
}

fn store_error(error: anyhow::Error) -> PlatformError {
    PlatformError::Temporary(format!("store: {error:#}"))
}

impl DiscordPlatform {
    pub(super) async fn open_room(
        &self,
        request: &PairRoomRequest,
        key: &str,
    ) -> Result<RoomRef, PlatformError> {
        let guild: u64 = request.platform_community_id.parse().map_err(|_| {
            PlatformError::Permanent(format!(
                "{:?} is not a guild id",
                request.platform_community_id
            ))
        })?;
        if let Some(room) = self.existing_room(guild, key).await? {
            return Ok(room);
        }
        let room = {
            // The engine opens a slot's rooms concurrently; picking a category with room left
            // (or a free pool channel) and taking it must not interleave within a guild, or two
            // rooms would race for the last place in a category or the same pool channel.
            let lock = self.room_opening_lock(guild);
            let _one_at_a_time = lock.lock().await;
            self.create_or_lend_room(guild, request, key).await?
        };
        // Members' DM channels are opened now, so the announcement at T only sends.
        for member in &request.members {
            if let Ok(user) = member.platform_user_id.parse() {
                if let Err(error) = self.ensure_dm_channel(user).await {
                    tracing::debug!(user, %error, "DM channel not opened ahead");
                }
            }
        }
        Ok(room)
    }

    async fn create_or_lend_room(
        &self,
        guild: u64,
        request: &PairRoomRequest,
        key: &str,
    ) -> Result<RoomRef, PlatformError> {
        // Decision before effect: a crash after the create finds this record and looks the
        // channel up by name instead of making a second one.
        let ends_at = request.ends_at.timestamp();
        self.save_room_record(
            guild,
            key,
            &RoomRecord {
                channel: None,
                ends_at,
                pool: false,
            },
        )
        .await
        .map_err(store_error)?;
        self.ensure_index(guild).await?;
        let mut setup = self.guild_setup(guild).await.map_err(store_error)?;
        let overwrites = self.room_overwrites(guild, request, &setup).await?;

        if self.channels.count(guild) >= NEAR_CHANNEL_LIMIT {
            self.warn_channel_limit(guild, &mut setup).await;
            if let Some(room) = self
                .lend_pool_channel(guild, key, ends_at, &setup, &overwrites)
                .await?
            {
                return Ok(room);
            }
        }
        let name = channel_name(key, &request.title);
        let mut attempts = 0;
        loop {
            attempts += 1;
            let parent = self.category_with_room(guild, &mut setup).await?;
            let body = json!({"name": name, "type": VOICE, "parent_id": parent.to_string(), "permission_overwrites": overwrites});
            match self
                .rest
                .call(
                    Method::POST,
                    &format!("/guilds/{guild}/channels"),
                    Some(&body),
                )
                .await
            {
                Ok(created) => {
                    let info = ChannelInfo::from_json(&created).ok_or_else(|| {
                        PlatformError::Temporary("channel create answered without an id".into())
                    })?;
                    self.channels.upsert(guild, info.clone());
                    self.save_room_record(
                        guild,
                        key,
                        &RoomRecord {
                            channel: Some(info.id),
                            ends_at,
                            pool: false,
                        },
                    )
                    .await
                    .map_err(store_error)?;
                    return Ok(RoomRef {
                        guild,
                        channel: info.id,
                        pool: false,
                    });
                }
                Err(error)
                    if invalid_form_code(&error).as_deref()
                        == Some("CHANNEL_PARENT_MAX_CHANNELS")
                        && attempts < 3 =>
                {
                    // Someone filled the category behind our back: relist and pick again.
                    self.refresh_index(guild).await?;
                }
                Err(error) if error.code() == Some(codes::MAX_GUILD_CHANNELS) => {
                    self.warn_channel_limit(guild, &mut setup).await;
                    return match self
                        .lend_pool_channel(guild, key, ends_at, &setup, &overwrites)
                        .await?
                    {
                        Some(room) => Ok(room),
                        None => Err(PlatformError::Temporary(
                            "the server has 500 channels and no free pool channel".into(),
                        )),
                    };
                }
                Err(error) => {
                    if error.code() == Some(codes::MISSING_PERMISSIONS) {
                        self.tell_moderators(guild, &setup, &format!("missing-perms:{key}"), "⚠️ I couldn't create a focus room: I'm missing permissions. Run `/setup` to see exactly which.").await;
                    }
                    return Err(error.into_platform("create pair room"));
                }
            }
        }
    }

    /// The room made for `key` earlier, if it still exists.
    async fn existing_room(&self, guild: u64, key: &str) -> Result<Option<RoomRef>, PlatformError> {
        let Some(record) = self.room_record(guild, key).await.map_err(store_error)? else {
            return Ok(None);
        };
        if let Some(channel) = record.channel {
            if record.pool || self.channel_exists(guild, channel).await? {
                return Ok(Some(RoomRef {
                    guild,
                    channel,
                    pool: record.pool,
                }));
            }
            return Ok(None);
        }
        // The create call may have gone through before a crash: ask Discord, not our memory.
        self.refresh_index(guild).await?;
        match self.channels.find_by_name_prefix(guild, &name_prefix(key)) {
            Some(found) => {
                self.save_room_record(
                    guild,
                    key,
                    &RoomRecord {
                        channel: Some(found.id),
                        ..record
                    },
                )
                .await
                .map_err(store_error)?;
                Ok(Some(RoomRef {
                    guild,
                    channel: found.id,
                    pool: false,
                }))
            }
            None => Ok(None),
        }
    }

    async fn channel_exists(&self, guild: u64, channel: u64) -> Result<bool, PlatformError> {
        if self.channels.knows(guild) {
            return Ok(self.channels.get(guild, channel).is_some());
        }
        match self
            .rest
            .call(Method::GET, &format!("/channels/{channel}"), None)
            .await
        {
            Ok(_) => Ok(true),
            Err(error) if error.code() == Some(codes::UNKNOWN_CHANNEL) => Ok(false),
            Err(error) => Err(error.into_platform("look up channel")),
        }
    }

    pub(super) async fn ensure_index(&self, guild: u64) -> Result<(), PlatformError> {
        if !self.channels.knows(guild) {
            self.refresh_index(guild).await?;
        }
        Ok(())
    }

    pub(super) async fn refresh_index(&self, guild: u64) -> Result<(), PlatformError> {
        let listed = self
            .rest
            .call(Method::GET, &format!("/guilds/{guild}/channels"), None)
            .await
            .map_err(|e| e.into_platform("list channels"))?;
        let channels = listed
            .as_array()
            .map(|list| list.iter().filter_map(ChannelInfo::from_json).collect())
            .unwrap_or_default();
        self.channels.replace_guild(guild, channels);
        Ok(())
    }

    async fn room_overwrites(
        &self,
        guild: u64,
        request: &PairRoomRequest,
        setup: &GuildSetup,
    ) -> Result<Value, PlatformError> {
        let bot = self.bot_user_id().await?;
        let member_allow = perms::MEMBER_ALLOW;
        let mut overwrites = vec![
            json!({"id": guild.to_string(), "type": 0, "allow": "0", "deny": (perms::VIEW_CHANNEL | perms::CONNECT).to_string()}),
        ];
        for member in &request.members {
            overwrites.push(json!({"id": member.platform_user_id, "type": 1, "allow": member_allow.to_string(), "deny": "0"}));
        }
        // The bot must keep seeing the room to delete it later.
        let bot_allow = perms::BOT_ALLOW;
        overwrites.push(
            json!({"id": bot.to_string(), "type": 1, "allow": bot_allow.to_string(), "deny": "0"}),
        );
        if let Some(role) = setup.moderator_role {
            let allow = perms::MODERATOR_ALLOW;
            overwrites.push(
                json!({"id": role.to_string(), "type": 0, "allow": allow.to_string(), "deny": "0"}),
            );
        }
        Ok(Value::Array(overwrites))
    }

    /// The configured category, or the first overflow one with room; makes one when all are full.
    async fn category_with_room(
        &self,
        guild: u64,
        setup: &mut GuildSetup,
    ) -> Result<u64, PlatformError> {
        let base = match setup.category.filter(|category| {
            self.channels
                .get(guild, *category)
                .is_some_and(|c| c.kind == CATEGORY)
        }) {
            Some(category) => category,
            None => {
                // No /setup yet (or its category was deleted): make one, as admins would.
                let made = self
                    .create_category(guild, DEFAULT_CATEGORY_NAME, json!([]), None)
                    .await?;
                setup.category = Some(made.id);
                self.save_guild_setup(guild, setup)
                    .await
                    .map_err(store_error)?;
                made.id
            }
        };
        setup
            .overflow_categories
            .retain(|category| self.channels.get(guild, *category).is_some());
        let candidates: Vec<u64> = std::iter::once(base)
            .chain(setup.overflow_categories.iter().copied())
            .collect();
        if let Some(free) = candidates
            .iter()
            .copied()
            .find(|category| self.channels.children(guild, *category) < CATEGORY_CAPACITY)
        {
            return Ok(free);
        }
        let base_info = self.channels.get(guild, base);
        let base_name = base_info
            .as_ref()
            .map_or(DEFAULT_CATEGORY_NAME.to_string(), |c| c.name.clone());
        let name = format!("{base_name} ({})", candidates.len() + 1);
        let overwrites = base_info
            .as_ref()
            .map_or(json!([]), |c| c.overwrites.clone());
        let position = base_info.map(|c| {
            c.position
                .saturating_add(u16::try_from(candidates.len()).unwrap_or(u16::MAX))
        });
        let made = self
            .create_category(guild, &name, overwrites, position)
            .await?;
        setup.overflow_categories.push(made.id);
        self.save_guild_setup(guild, setup)
            .await
            .map_err(store_error)?;
        Ok(made.id)
    }

    async fn create_category(
        &self,
        guild: u64,
        name: &str,
        overwrites: Value,
        position: Option<u16>,
    ) -> Result<ChannelInfo, PlatformError> {
        let mut body = json!({"name": name, "type": CATEGORY, "permission_overwrites": overwrites});
        if let Some(position) = position {
            body["position"] = json!(position);
        }
        let created = self
            .rest
            .call(
                Method::POST,
                &format!("/guilds/{guild}/channels"),
                Some(&body),
            )
            .await
            .map_err(|e| e.into_platform("create category"))?;
        let info = ChannelInfo::from_json(&created).ok_or_else(|| {
            PlatformError::Temporary("category create answered without an id".into())
        })?;
        self.channels.upsert(guild, info.clone());
        Ok(info)
    }

    /// A free standing channel from the pool category, made private for this pair.
    async fn lend_pool_channel(
        &self,
        guild: u64,
        key: &str,
        ends_at: i64,
        setup: &GuildSetup,
        overwrites: &Value,
    ) -> Result<Option<RoomRef>, PlatformError> {
        let Some(pool) = setup.pool_category else {
            return Ok(None);
        };
        let now = self.now().timestamp();
        for channel in self
            .channels
            .all(guild)
            .into_iter()
            .filter(|c| c.parent == Some(pool) && c.kind == VOICE)
        {
            let loan = self
                .pool_loan(guild, channel.id)
                .await
                .map_err(store_error)?;
            // A loan whose session ended long ago was not given back (crash): reusable.
            if loan.as_ref().is_some_and(|loan| loan.ends_at + 600 > now) {
                continue;
            }
            let base_overwrites =
                loan.map_or(channel.overwrites.clone(), |old| old.base_overwrites);
            let loan = PoolLoan {
                key: key.to_string(),
                ends_at,
                base_overwrites,
            };
            self.save_pool_loan(guild, channel.id, Some(&loan))
                .await
                .map_err(store_error)?;
            let body = json!({"permission_overwrites": overwrites});
            self.rest
                .call(
                    Method::PATCH,
                    &format!("/channels/{}", channel.id),
                    Some(&body),
                )
                .await
                .map_err(|e| e.into_platform("lend pool channel"))?;
            self.save_room_record(
                guild,
                key,
                &RoomRecord {
                    channel: Some(channel.id),
                    ends_at,
                    pool: true,
                },
            )
            .await
            .map_err(store_error)?;
            return Ok(Some(RoomRef {
                guild,
                channel: channel.id,
                pool: true,
            }));
        }
        Ok(None)
    }

    pub(super) async fn close_room(&self, room: &RoomRef) -> Result<(), PlatformError> {
        if room.pool {
            let Some(loan) = self
                .pool_loan(room.guild, room.channel)
                .await
                .map_err(store_error)?
            else {
                return Ok(());
            };
            let body = json!({"permission_overwrites": loan.base_overwrites});
            match self
                .rest
                .call(
                    Method::PATCH,
                    &format!("/channels/{}", room.channel),
                    Some(&body),
                )
                .await
            {
                Ok(_) => {}
                Err(error) if error.code() == Some(codes::UNKNOWN_CHANNEL) => {}
                Err(error) => return Err(error.into_platform("return pool channel")),
            }
            return self
                .save_pool_loan(room.guild, room.channel, None)
                .await
                .map_err(store_error);
        }
        match self
            .rest
            .call(Method::DELETE, &format!("/channels/{}", room.channel), None)
            .await
        {
            Ok(_) => {}
            // Already gone (an admin deleted it, or our earlier attempt did): closed all the same.
            Err(error) if error.code() == Some(codes::UNKNOWN_CHANNEL) => {}
            Err(error) => return Err(error.into_platform("delete pair room")),
        }
        self.channels.remove(room.guild, room.channel);
        Ok(())
    }

    /// Tells admins once a day that the guild is close to Discord's 500-channel limit.
    async fn warn_channel_limit(&self, guild: u64, setup: &mut GuildSetup) {
        let now = self.now().timestamp();
        if setup
            .limit_warned_at
            .is_some_and(|at| now - at < LIMIT_WARNING_EVERY_SECONDS)
        {
            return;
        }
        let count = self.channels.count(guild);
        let pool = match setup.pool_category {
            Some(_) => "Focus rooms now come from the pool of standing voice channels you configured.",
            None => "Rooms can't be created past 500. Free some channels, or give me a pool of standing voice channels with `/setup pool:`.",
        };
        let text = format!("⚠️ This server has {count} of Discord's 500 channels. {pool}");
        self.tell_moderators(
            guild,
            setup,
            &format!("limit:{}", now / LIMIT_WARNING_EVERY_SECONDS),
            &text,
        )
        .await;
        setup.limit_warned_at = Some(now);
        if let Err(error) = self.save_guild_setup(guild, setup).await {
            tracing::warn!(guild, %error, "cannot remember the channel-limit warning");
        }
    }

    /// A note in the moderators' channel (best effort: a failure here must not fail the room).
    pub(super) async fn tell_moderators(
        &self,
        guild: u64,
        setup: &GuildSetup,
        key: &str,
        text: &str,
    ) {
        let Some(channel) = setup.moderators else {
            tracing::warn!(guild, text, "no moderators' channel configured to tell");
            return;
        };
        let body = super::channel_message::message_once(text, key);
        if let Err(error) = self
            .rest
            .call(
                Method::POST,
                &format!("/channels/{channel}/messages"),
                Some(&body),
            )
            .await
        {
            tracing::warn!(guild, %error, "cannot post in the moderators' channel");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_carry_the_key_and_stay_short() {
        let name = channel_name("room:g12", &"x".repeat(200));
        assert!(name.starts_with("focus-g12 · "));
        assert_eq!(name.chars().count(), 100);
        assert_eq!(key_from_channel_name(&name).as_deref(), Some("room:g12"));
        assert!(!channel_name("room:g12", "t").starts_with(&name_prefix("room:g1")));
        assert_eq!(key_from_channel_name("general"), None);
        assert_eq!(key_from_channel_name("focus-notes · t"), None);
        let key = EffectKey::OpenRoom {
            group: crate::core::model::GroupId(7),
        };
        let name = channel_name(&key.to_string(), "t");
        assert_eq!(key_from_channel_name(&name), Some(key.to_string()));
    }
}
