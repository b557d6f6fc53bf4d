//! The fake's state: guilds, roles, members, channels, voice states, DM channels, messages,
//! interactions. Payload builders here produce JSON in the exact shapes serenity 0.12.5
//! deserializes (its required fields are the traps: `colors` on roles, `attachment_size_limit`,
//! `locale` and `entitlements` on interactions, `stage_instances` on guilds, numeric flags).

use std::collections::{BTreeMap, HashMap};

use serde_json::{json, Value};

pub mod perms {
    pub const ADMINISTRATOR: u64 = 1 << 3;
    pub const MANAGE_CHANNELS: u64 = 1 << 4;
    pub const MANAGE_GUILD: u64 = 1 << 5;
    pub const VIEW_CHANNEL: u64 = 1 << 10;
    pub const SEND_MESSAGES: u64 = 1 << 11;
    pub const EMBED_LINKS: u64 = 1 << 14;
    pub const READ_MESSAGE_HISTORY: u64 = 1 << 16;
    pub const CONNECT: u64 = 1 << 20;
    pub const SPEAK: u64 = 1 << 21;
    pub const MANAGE_ROLES: u64 = 1 << 28;
    pub const ALL: u64 = (1 << 50) - 1;
    /// What a bot invited with the permissions focusfolk asks for gets.
    pub const BOT_DEFAULT: u64 = MANAGE_CHANNELS
        | MANAGE_ROLES
        | VIEW_CHANNEL
        | CONNECT
        | SPEAK
        | SEND_MESSAGES
        | EMBED_LINKS
        | READ_MESSAGE_HISTORY;
    /// @everyone on a fresh server.
    pub const EVERYONE_DEFAULT: u64 =
        VIEW_CHANNEL | SEND_MESSAGES | READ_MESSAGE_HISTORY | CONNECT | SPEAK;
}

pub const CHANNEL_TEXT: u8 = 0;
pub const CHANNEL_DM: u8 = 1;
pub const CHANNEL_VOICE: u8 = 2;
pub const CHANNEL_CATEGORY: u8 = 4;

pub const MAX_GUILD_CHANNELS: usize = 500;
pub const MAX_CATEGORY_CHILDREN: usize = 50;

#[derive(Debug, Clone)]
pub struct User {
    pub id: u64,
    pub name: String,
    pub bot: bool,
    pub dms_open: bool,
}

#[derive(Debug, Clone)]
pub struct Role {
    pub id: u64,
    pub name: String,
    pub permissions: u64,
    pub position: u16,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Overwrite {
    pub id: u64,
    /// 0 role, 1 member.
    pub kind: u8,
    pub allow: u64,
    pub deny: u64,
}

#[derive(Debug, Clone)]
pub struct Channel {
    pub id: u64,
    pub kind: u8,
    pub guild_id: Option<u64>,
    pub name: String,
    pub parent_id: Option<u64>,
    pub position: u16,
    pub overwrites: Vec<Overwrite>,
    /// DM channels: the member on the other side.
    pub recipient: Option<u64>,
}

#[derive(Debug, Clone)]
pub struct Guild {
    pub id: u64,
    pub name: String,
    pub owner_id: u64,
    pub roles: Vec<Role>,
    /// user id → role ids (besides @everyone, whose id is the guild id).
    pub members: BTreeMap<u64, Vec<u64>>,
    /// user id → voice channel id.
    pub voice_states: BTreeMap<u64, u64>,
}

#[derive(Debug, Clone)]
pub struct Message {
    pub id: u64,
    pub channel_id: u64,
    pub author_id: u64,
    pub content: String,
    /// The embeds as sent (`[]` for none).
    pub embeds: Value,
    pub components: Value,
    pub nonce: Option<String>,
    pub flags: u64,
    pub created: std::time::Instant,
}

impl Message {
    /// Everything a member reads in it: the content, then each embed's title, description,
    /// "name: value" fields and footer, one per line.
    pub fn text(&self) -> String {
        text_of(&self.content, &self.embeds)
    }
}

/// A message's readable text from its content and embeds (see [`Message::text`]).
pub fn text_of(content: &str, embeds: &Value) -> String {
    let mut lines: Vec<String> = Vec::new();
    if !content.is_empty() {
        lines.push(content.to_string());
    }
    for embed in embeds.as_array().into_iter().flatten() {
        for key in ["title", "description"] {
            if let Some(text) = embed[key].as_str() {
                lines.push(text.to_string());
            }
        }
        for field in embed["fields"].as_array().into_iter().flatten() {
            lines.push(format!(
                "{}: {}",
                field["name"].as_str().unwrap_or_default(),
                field["value"].as_str().unwrap_or_default()
            ));
        }
        if let Some(text) = embed["footer"]["text"].as_str() {
            lines.push(text.to_string());
        }
    }
    lines.join("\n")
}

#[derive(Debug, Default)]
pub struct World {
    next_id: u64,
    pub bot_id: u64,
    pub application_id: u64,
    pub users: HashMap<u64, User>,
    pub guilds: BTreeMap<u64, Guild>,
    pub channels: BTreeMap<u64, Channel>,
    pub dm_channel_of: HashMap<u64, u64>,
    pub messages: Vec<Message>,
    /// Registered commands: scope (None = global, Some(guild)) → command JSON as stored.
    pub commands: BTreeMap<Option<u64>, Vec<Value>>,
}

impl World {
    pub fn new() -> World {
        let mut world = World {
            next_id: 1,
            ..World::default()
        };
        world.application_id = world.snowflake();
        world.bot_id = world.application_id;
        world.users.insert(
            world.bot_id,
            User {
                id: world.bot_id,
                name: "focusfolk".into(),
                bot: true,
                dms_open: true,
            },
        );
        world
    }

    /// Snowflakes whose timestamp part is the counter: ids sort by creation like Discord's.
    pub fn snowflake(&mut self) -> u64 {
        self.next_id += 1;
        (self.next_id << 22) | (self.next_id & 0xfff)
    }

    pub fn guild_mut(&mut self, guild_id: u64) -> &mut Guild {
        self.guilds.get_mut(&guild_id).expect("known guild")
    }

    pub fn guild_channel_count(&self, guild_id: u64) -> usize {
        self.channels
            .values()
            .filter(|channel| channel.guild_id == Some(guild_id))
            .count()
    }

    pub fn children_of(&self, category_id: u64) -> usize {
        self.channels
            .values()
            .filter(|channel| channel.parent_id == Some(category_id))
            .count()
    }

    /// Discord's permission algorithm: base from @everyone and roles, then the channel's
    /// overwrites for @everyone, the member's roles, and the member, in that order.
    pub fn permissions_in(&self, guild_id: u64, user_id: u64, channel_id: Option<u64>) -> u64 {
        let Some(guild) = self.guilds.get(&guild_id) else {
            return 0;
        };
        if guild.owner_id == user_id {
            return perms::ALL;
        }
        let Some(member_roles) = guild.members.get(&user_id) else {
            return 0;
        };
        let role_perms = |id: u64| {
            guild
                .roles
                .iter()
                .find(|role| role.id == id)
                .map(|role| role.permissions)
                .unwrap_or(0)
        };
        let mut base = role_perms(guild_id);
        for role in member_roles {
            base |= role_perms(*role);
        }
        if base & perms::ADMINISTRATOR != 0 {
            return perms::ALL;
        }
        let Some(channel) = channel_id.and_then(|id| self.channels.get(&id)) else {
            return base;
        };
        let mut permissions = base;
        if let Some(everyone) = channel
            .overwrites
            .iter()
            .find(|o| o.kind == 0 && o.id == guild_id)
        {
            permissions = (permissions & !everyone.deny) | everyone.allow;
        }
        let (mut allow, mut deny) = (0, 0);
        for overwrite in channel
            .overwrites
            .iter()
            .filter(|o| o.kind == 0 && member_roles.contains(&o.id))
        {
            allow |= overwrite.allow;
            deny |= overwrite.deny;
        }
        permissions = (permissions & !deny) | allow;
        if let Some(member) = channel
            .overwrites
            .iter()
            .find(|o| o.kind == 1 && o.id == user_id)
        {
            permissions = (permissions & !member.deny) | member.allow;
        }
        permissions
    }

    // ---- payloads -------------------------------------------------------------------------

    pub fn user_json(&self, user_id: u64) -> Value {
        let user = self.users.get(&user_id).cloned().unwrap_or(User {
            id: user_id,
            name: format!("user{user_id}"),
            bot: false,
            dms_open: true,
        });
        json!({
            "id": user.id.to_string(),
            "username": user.name,
            "discriminator": "0",
            "global_name": user.name,
            "avatar": null,
            "bot": user.bot,
            "public_flags": 0,
            "flags": 0,
        })
    }

    pub fn member_json(
        &self,
        guild_id: u64,
        user_id: u64,
        with_permissions_in: Option<Option<u64>>,
    ) -> Value {
        let roles: Vec<String> = self.guilds[&guild_id]
            .members
            .get(&user_id)
            .map(|roles| roles.iter().map(u64::to_string).collect())
            .unwrap_or_default();
        let mut member = json!({
            "user": self.user_json(user_id),
            "nick": null,
            "avatar": null,
            "roles": roles,
            "joined_at": "2026-01-01T00:00:00.000000+00:00",
            "premium_since": null,
            "deaf": false,
            "mute": false,
            "flags": 0,
            "pending": false,
        });
        if let Some(channel) = with_permissions_in {
            member["permissions"] =
                json!(self.permissions_in(guild_id, user_id, channel).to_string());
        }
        member
    }

    pub fn role_json(role: &Role) -> Value {
        json!({
            "id": role.id.to_string(),
            "name": role.name,
            "color": 0,
            "colors": {"primary_color": 0, "secondary_color": null, "tertiary_color": null},
            "hoist": false,
            "icon": null,
            "unicode_emoji": null,
            "position": role.position,
            "permissions": role.permissions.to_string(),
            "managed": false,
            "mentionable": false,
            "flags": 0,
        })
    }

    pub fn channel_json(&self, channel: &Channel) -> Value {
        if channel.kind == CHANNEL_DM {
            let recipient = channel.recipient.unwrap_or_default();
            return json!({
                "id": channel.id.to_string(),
                "type": CHANNEL_DM,
                "last_message_id": null,
                "recipients": [self.user_json(recipient)],
                "flags": 0,
            });
        }
        let overwrites: Vec<Value> = channel
            .overwrites
            .iter()
            .map(|o| json!({"id": o.id.to_string(), "type": o.kind, "allow": o.allow.to_string(), "deny": o.deny.to_string()}))
            .collect();
        let mut value = json!({
            "id": channel.id.to_string(),
            "type": channel.kind,
            "guild_id": channel.guild_id.map(|id| id.to_string()),
            "name": channel.name,
            "position": channel.position,
            "permission_overwrites": overwrites,
            "parent_id": channel.parent_id.map(|id| id.to_string()),
            "nsfw": false,
            "flags": 0,
        });
        if channel.kind == CHANNEL_VOICE {
            value["bitrate"] = json!(64000);
            value["user_limit"] = json!(0);
            value["rtc_region"] = Value::Null;
        }
        if channel.kind == CHANNEL_TEXT {
            value["topic"] = Value::Null;
            value["last_message_id"] = Value::Null;
            value["rate_limit_per_user"] = json!(0);
        }
        value
    }

    pub fn voice_state_json(&self, guild_id: u64, user_id: u64, channel_id: Option<u64>) -> Value {
        json!({
            "guild_id": guild_id.to_string(),
            "channel_id": channel_id.map(|id| id.to_string()),
            "user_id": user_id.to_string(),
            "member": self.member_json(guild_id, user_id, None),
            "session_id": format!("voice-{user_id}"),
            "deaf": false,
            "mute": false,
            "self_deaf": false,
            "self_mute": false,
            "self_video": false,
            "suppress": false,
            "request_to_speak_timestamp": null,
        })
    }

    pub fn guild_create_json(&self, guild_id: u64) -> Value {
        let guild = &self.guilds[&guild_id];
        let channels: Vec<Value> = self
            .channels
            .values()
            .filter(|channel| channel.guild_id == Some(guild_id))
            .map(|channel| self.channel_json(channel))
            .collect();
        let members: Vec<Value> = guild
            .members
            .keys()
            .map(|user| self.member_json(guild_id, *user, None))
            .collect();
        let voice_states: Vec<Value> = guild
            .voice_states
            .iter()
            .map(|(user, channel)| {
                let mut state = self.voice_state_json(guild_id, *user, Some(*channel));
                // In GUILD_CREATE voice states carry no guild_id (serenity fills it in).
                state
                    .as_object_mut()
                    .map(|object| object.remove("guild_id"));
                state
            })
            .collect();
        json!({
            "id": guild_id.to_string(),
            "name": guild.name,
            "icon": null,
            "splash": null,
            "discovery_splash": null,
            "owner_id": guild.owner_id.to_string(),
            "verification_level": 0,
            "default_message_notifications": 0,
            "explicit_content_filter": 0,
            "roles": guild.roles.iter().map(World::role_json).collect::<Vec<_>>(),
            "emojis": [],
            "features": [],
            "mfa_level": 0,
            "application_id": null,
            "system_channel_id": null,
            "system_channel_flags": 0,
            "rules_channel_id": null,
            "vanity_url_code": null,
            "description": null,
            "banner": null,
            "premium_tier": 0,
            "premium_subscription_count": 0,
            "preferred_locale": "en-US",
            "public_updates_channel_id": null,
            "nsfw_level": 0,
            "stickers": [],
            "premium_progress_bar_enabled": false,
            "safety_alerts_channel_id": null,
            "joined_at": "2026-01-01T00:00:00.000000+00:00",
            "large": false,
            "unavailable": false,
            "member_count": guild.members.len(),
            "voice_states": voice_states,
            "members": members,
            "channels": channels,
            "threads": [],
            "presences": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "soundboard_sounds": [],
        })
    }

    pub fn message_json(&self, message: &Message) -> Value {
        let channel = self.channels.get(&message.channel_id);
        let mentions: Vec<Value> = mentioned_user_ids(&message.content)
            .into_iter()
            .map(|id| self.user_json(id))
            .collect();
        let mut value = json!({
            "id": message.id.to_string(),
            "channel_id": message.channel_id.to_string(),
            "author": self.user_json(message.author_id),
            "content": message.content,
            "timestamp": "2026-01-01T00:00:00.000000+00:00",
            "edited_timestamp": null,
            "tts": false,
            "mention_everyone": false,
            "mentions": mentions,
            "mention_roles": [],
            "attachments": [],
            "embeds": message.embeds,
            "pinned": false,
            "type": 0,
            "flags": message.flags,
            "components": message.components,
        });
        if let Some(nonce) = &message.nonce {
            value["nonce"] = json!(nonce);
        }
        if let Some(guild_id) = channel.and_then(|channel| channel.guild_id) {
            value["guild_id"] = json!(guild_id.to_string());
        }
        value
    }
}

/// `<@123>` and `<@!123>` in a message's text.
pub fn mentioned_user_ids(content: &str) -> Vec<u64> {
    let mut ids = Vec::new();
    let mut rest = content;
    while let Some(start) = rest.find("<@") {
        rest = &rest[start + 2..];
        let digits: String = rest
            .trim_start_matches('!')
            .chars()
            .take_while(char::is_ascii_digit)
            .collect();
        if let Ok(id) = digits.parse() {
            if !ids.contains(&id) {
                ids.push(id);
            }
        }
    }
    ids
}
