//! A fake Discord on the real wire: REST v10 and a gateway websocket on 127.0.0.1 that
//! serenity 0.12.5 connects to unmodified (proxy mode: its REST base and `GET /gateway` point
//! here). Tests play the members through the methods below — invoke slash commands, click
//! buttons, join voice, read DMs — and inspect what the bot did.

#![allow(dead_code, unused_imports)]

pub mod gateway;
pub mod interactions;
pub mod limits;
pub mod multipart;
pub mod rest;
pub mod validate;
pub mod world;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

// `wait.rs` is mounted next to this module by `discord_common`, the fake's one includer.
use super::wait::eventually;

pub use gateway::Resume;
pub use interactions::Interaction;
pub use limits::{LimitConfig, LimitStats, RouteLimit};
pub use world::{perms, Message, CHANNEL_CATEGORY, CHANNEL_TEXT, CHANNEL_VOICE};

use gateway::{Gateway, INTENT_GUILD_VOICE_STATES, NO_INTENT};
use world::{Channel, Guild, Overwrite, Role, User, World};

pub const TOKEN: &str = "fake-bot-token";
pub const BOT_ROLE_POSITION: u16 = 5;

pub struct Shared {
    pub world: World,
    pub limiter: limits::Limiter,
    pub gateway: Gateway,
    pub interactions: HashMap<u64, Interaction>,
    /// How long after delivering an interaction the fake still takes its first callback (see
    /// `interactions::deadline_from_env`); a test may set it, e.g. to `interactions::DISCORD_DEADLINE`.
    pub interaction_deadline: Duration,
    /// (method, route template, when) for every REST request.
    pub request_log: Vec<(String, String, Instant)>,
    pub dm_opens: HashMap<u64, u32>,
    pub nonce_dedupes: u32,
    pub deleted_channels: Vec<String>,
    /// Added to every REST answer (network round trip).
    pub latency: Duration,
    /// Channel creations whose member overwrites name one of these users are answered with
    /// this (status, code) instead: a 403 permission problem, or 10013 for a user gone.
    pub refuse_rooms_with: HashMap<u64, (u16, u32)>,
    /// While set, every REST request is answered with this 5xx status (an outage), before
    /// the limits and before anything changes; the gateway stays up.
    pub outage: Option<u16>,
    /// How many REST requests the outage answered.
    pub outage_answers: u32,
    /// Why each message body Discord would refuse was refused (`validate::check_limits`).
    pub invalid_bodies: Vec<String>,
    /// Join links that do not lead to the member's own room (`validate::join_link_problems`).
    pub join_link_problems: Vec<String>,
}

pub struct FakeDiscord {
    shared: Mutex<Shared>,
    addr: OnceLock<SocketAddr>,
    pub token: String,
}

/// What a member sees after an interaction: the answer's JSON (content, flags, components).
#[derive(Debug, Clone)]
pub struct Answer {
    pub data: Value,
}

impl Answer {
    /// What the member reads: the content and the embeds' text (see [`Message::text`]).
    pub fn content(&self) -> String {
        world::text_of(
            self.data["content"].as_str().unwrap_or_default(),
            &self.data["embeds"],
        )
    }
    /// The answer's embed colour, if it is a card.
    pub fn colour(&self) -> Option<u64> {
        self.data["embeds"][0]["color"].as_u64()
    }
    pub fn ephemeral(&self) -> bool {
        self.data["flags"].as_u64().unwrap_or(0) & interactions::EPHEMERAL != 0
    }
}

impl FakeDiscord {
    pub async fn start(limits: LimitConfig) -> Arc<FakeDiscord> {
        let fake = Arc::new(FakeDiscord {
            shared: Mutex::new(Shared {
                world: World::new(),
                limiter: limits::Limiter::new(limits),
                gateway: Gateway::default(),
                interactions: HashMap::new(),
                interaction_deadline: interactions::deadline_from_env(),
                request_log: Vec::new(),
                dm_opens: HashMap::new(),
                nonce_dedupes: 0,
                deleted_channels: Vec::new(),
                latency: Duration::ZERO,
                refuse_rooms_with: HashMap::new(),
                outage: None,
                outage_answers: 0,
                invalid_bodies: Vec::new(),
                join_link_problems: Vec::new(),
            }),
            addr: OnceLock::new(),
            token: TOKEN.to_string(),
        });
        let app = axum::Router::new()
            .route("/gateway", axum::routing::get(gateway::upgrade))
            .fallback(rest::handle)
            .with_state(fake.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind 127.0.0.1");
        fake.addr
            .set(listener.local_addr().expect("addr"))
            .expect("once");
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        fake
    }

    pub fn lock(&self) -> MutexGuard<'_, Shared> {
        self.shared
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// What replaces `https://discord.com` in the bot's REST URLs.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr.get().expect("started"))
    }

    pub fn ws_url(&self) -> String {
        format!("ws://{}/gateway", self.addr.get().expect("started"))
    }

    pub fn bot_id(&self) -> u64 {
        self.lock().world.bot_id
    }

    // ---- building the world --------------------------------------------------------------

    /// A guild owned by a new member "owner", with the bot in it holding `bot_permissions`.
    pub fn add_guild(&self, name: &str, bot_permissions: u64) -> u64 {
        self.add_guild_at(name, bot_permissions, None)
    }

    /// Like `add_guild`, with the guild id's timestamp part chosen (shard = part % shards).
    pub fn add_guild_at(
        &self,
        name: &str,
        bot_permissions: u64,
        timestamp_part: Option<u64>,
    ) -> u64 {
        let mut shared = self.lock();
        let world = &mut shared.world;
        let guild_id = match timestamp_part {
            Some(part) => (part << 22) | 1,
            None => world.snowflake(),
        };
        let owner = world.snowflake();
        world.users.insert(
            owner,
            User {
                id: owner,
                name: format!("{name}-owner"),
                bot: false,
                dms_open: true,
            },
        );
        let bot_role = world.snowflake();
        let roles = vec![
            Role {
                id: guild_id,
                name: "@everyone".into(),
                permissions: perms::EVERYONE_DEFAULT,
                position: 0,
            },
            // Bots' roles usually sit above the roles members get.
            Role {
                id: bot_role,
                name: "focusfolk".into(),
                permissions: bot_permissions,
                position: BOT_ROLE_POSITION,
            },
        ];
        let mut members = std::collections::BTreeMap::new();
        members.insert(owner, vec![]);
        members.insert(world.bot_id, vec![bot_role]);
        world.guilds.insert(
            guild_id,
            Guild {
                id: guild_id,
                name: name.into(),
                owner_id: owner,
                roles,
                members,
                voice_states: Default::default(),
            },
        );
        guild_id
    }

    pub fn owner_of(&self, guild: u64) -> u64 {
        self.lock().world.guilds[&guild].owner_id
    }

    pub fn bot_role(&self, guild: u64) -> u64 {
        self.lock().world.guilds[&guild].roles[1].id
    }

    pub fn set_role_permissions(&self, guild: u64, role: u64, permissions: u64) {
        let mut shared = self.lock();
        let Some(updated) = shared
            .world
            .guild_mut(guild)
            .roles
            .iter_mut()
            .find(|r| r.id == role)
            .map(|role| {
                role.permissions = permissions;
                role.clone()
            })
        else {
            return;
        };
        let payload = json!({"guild_id": guild.to_string(), "role": World::role_json(&updated)});
        shared.gateway.dispatch(
            "GUILD_ROLE_UPDATE",
            &payload,
            Some(guild),
            gateway::INTENT_GUILDS,
        );
    }

    /// A role placed at `position` (1 = just above @everyone; above `BOT_ROLE_POSITION` it
    /// outranks the bot).
    pub fn add_role(&self, guild: u64, name: &str, permissions: u64, position: u16) -> u64 {
        let mut shared = self.lock();
        let id = shared.world.snowflake();
        let role = Role {
            id,
            name: name.into(),
            permissions,
            position,
        };
        let payload = json!({"guild_id": guild.to_string(), "role": World::role_json(&role)});
        shared.world.guild_mut(guild).roles.push(role);
        shared.gateway.dispatch(
            "GUILD_ROLE_CREATE",
            &payload,
            Some(guild),
            gateway::INTENT_GUILDS,
        );
        id
    }

    pub fn add_member(&self, guild: u64, name: &str) -> u64 {
        let mut shared = self.lock();
        let user = shared.world.snowflake();
        shared.world.users.insert(
            user,
            User {
                id: user,
                name: name.into(),
                bot: false,
                dms_open: true,
            },
        );
        shared.world.guild_mut(guild).members.insert(user, vec![]);
        let member = shared.world.member_json(guild, user, None);
        let mut payload = member.clone();
        payload["guild_id"] = json!(guild.to_string());
        shared
            .gateway
            .dispatch("GUILD_MEMBER_ADD", &payload, Some(guild), 1 << 1);
        user
    }

    /// The member leaves the guild (or is kicked): `GET /guilds/{guild}/members/{user}` answers
    /// Unknown Member from now on, and GUILD_MEMBER_REMOVE is dispatched like Discord does.
    pub fn remove_member(&self, guild: u64, user: u64) {
        let mut shared = self.lock();
        shared.world.guild_mut(guild).members.remove(&user);
        let payload = json!({"guild_id": guild.to_string(), "user": shared.world.user_json(user)});
        shared
            .gateway
            .dispatch("GUILD_MEMBER_REMOVE", &payload, Some(guild), 1 << 1);
    }

    pub fn give_role(&self, guild: u64, user: u64, role: u64) {
        self.lock()
            .world
            .guild_mut(guild)
            .members
            .get_mut(&user)
            .expect("member")
            .push(role);
    }

    /// Answers every channel creation that lets `user` in with `status`/`code` (see
    /// [`Shared::refuse_rooms_with`]); `None` lifts it.
    pub fn refuse_rooms_with(&self, user: u64, answer: Option<(u16, u32)>) {
        let mut shared = self.lock();
        match answer {
            Some(answer) => shared.refuse_rooms_with.insert(user, answer),
            None => shared.refuse_rooms_with.remove(&user),
        };
    }

    /// Discord's REST API goes down (every request answered `status`, e.g. 502) until
    /// `None` brings it back. Tests flip it as they move the manual clock.
    pub fn set_outage(&self, status: Option<u16>) {
        self.lock().outage = status;
    }

    pub fn set_dms_open(&self, user: u64, open: bool) {
        self.lock()
            .world
            .users
            .get_mut(&user)
            .expect("user")
            .dms_open = open;
    }

    /// A channel made by an admin (not the bot); dispatched like Discord does.
    pub fn add_channel(&self, guild: u64, kind: u8, name: &str, parent: Option<u64>) -> u64 {
        self.add_channel_with(guild, kind, name, parent, vec![])
    }

    pub fn add_channel_with(
        &self,
        guild: u64,
        kind: u8,
        name: &str,
        parent: Option<u64>,
        overwrites: Vec<(u64, u8, u64, u64)>,
    ) -> u64 {
        let mut shared = self.lock();
        let id = shared.world.snowflake();
        let position = shared.world.guild_channel_count(guild) as u16;
        let overwrites = overwrites
            .into_iter()
            .map(|(id, kind, allow, deny)| Overwrite {
                id,
                kind,
                allow,
                deny,
            })
            .collect();
        let channel = Channel {
            id,
            kind,
            guild_id: Some(guild),
            name: name.into(),
            parent_id: parent,
            position,
            overwrites,
            recipient: None,
        };
        let payload = shared.world.channel_json(&channel);
        shared.world.channels.insert(id, channel);
        shared.gateway.dispatch(
            "CHANNEL_CREATE",
            &payload,
            Some(guild),
            gateway::INTENT_GUILDS,
        );
        id
    }

    // ---- members acting ------------------------------------------------------------------

    fn registered_command(&self, guild: Option<u64>, name: &str) -> Value {
        let shared = self.lock();
        let find = |scope: Option<u64>| {
            shared
                .world
                .commands
                .get(&scope)
                .and_then(|list| list.iter().find(|c| c["name"] == name).cloned())
        };
        guild
            .and_then(|g| find(Some(g)))
            .or_else(|| find(None))
            .unwrap_or_else(|| panic!("/{name} is not registered"))
    }

    /// Typed options from (name, value) pairs using the registered option types, the way a
    /// Discord client builds them; unknown option names fail the test.
    fn build_options(
        &self,
        guild: u64,
        command: &Value,
        given: &[(&str, Value)],
        focused: Option<&str>,
    ) -> (Vec<Value>, Value) {
        let schema = command["options"].as_array().cloned().unwrap_or_default();
        let mut resolved = json!({});
        let mut options = Vec::new();
        for (name, value) in given {
            let option = schema
                .iter()
                .find(|o| o["name"] == *name)
                .unwrap_or_else(|| panic!("/{} has no option {name}", command["name"]));
            let kind = option["type"].as_u64().unwrap_or(3);
            let mut entry = json!({"name": name, "type": kind, "value": value});
            if focused == Some(*name) {
                entry["focused"] = json!(true);
                entry["value"] = json!(value
                    .as_str()
                    .map(str::to_string)
                    .unwrap_or_else(|| value.to_string()));
            }
            let shared = self.lock();
            match kind {
                6 => {
                    let user: u64 = value
                        .as_str()
                        .and_then(|v| v.parse().ok())
                        .expect("user id");
                    resolved["users"][user.to_string()] = shared.world.user_json(user);
                    let mut member = shared.world.member_json(guild, user, None);
                    member.as_object_mut().map(|m| m.remove("user"));
                    resolved["members"][user.to_string()] = member;
                }
                8 => {
                    let role: u64 = value
                        .as_str()
                        .and_then(|v| v.parse().ok())
                        .expect("role id");
                    let found = shared.world.guilds[&guild]
                        .roles
                        .iter()
                        .find(|r| r.id == role)
                        .expect("role")
                        .clone();
                    resolved["roles"][role.to_string()] = World::role_json(&found);
                }
                7 => {
                    let channel: u64 = value
                        .as_str()
                        .and_then(|v| v.parse().ok())
                        .expect("channel id");
                    let c = &shared.world.channels[&channel];
                    resolved["channels"][channel.to_string()] = json!({
                        "id": channel.to_string(), "name": c.name, "type": c.kind,
                        "permissions": shared.world.permissions_in(guild, shared.world.bot_id, Some(channel)).to_string(),
                        "parent_id": c.parent_id.map(|p| p.to_string()),
                    });
                }
                _ => {}
            }
            options.push(entry);
        }
        (options, resolved)
    }

    #[allow(clippy::too_many_arguments)]
    fn new_interaction(
        &self,
        kind: u8,
        guild: Option<u64>,
        user: u64,
        channel: u64,
        data: Value,
        message: Option<Value>,
        message_id: Option<u64>,
    ) -> u64 {
        let mut shared = self.lock();
        let id = shared.world.snowflake();
        let token = format!("itoken-{id}");
        let world = &shared.world;
        let mut payload = json!({
            "id": id.to_string(),
            "application_id": world.application_id.to_string(),
            "type": kind,
            "data": data,
            "channel_id": channel.to_string(),
            "token": token,
            "version": 1,
            "app_permissions": match guild { Some(g) => world.permissions_in(g, world.bot_id, Some(channel)).to_string(), None => "0".into() },
            "locale": "en-US",
            "entitlements": [],
            "context": if guild.is_some() { 0 } else { 1 },
            "attachment_size_limit": 10485760,
        });
        match guild {
            Some(g) => {
                payload["guild_id"] = json!(g.to_string());
                payload["guild_locale"] = json!("en-US");
                payload["member"] = world.member_json(g, user, Some(Some(channel)));
            }
            None => payload["user"] = world.user_json(user),
        }
        if let Some(message) = message {
            payload["message"] = message;
        }
        shared.interactions.insert(
            id,
            Interaction::new(id, token, kind, user, channel, message_id),
        );
        shared
            .gateway
            .dispatch("INTERACTION_CREATE", &payload, guild, NO_INTENT);
        id
    }

    /// A member runs `/name` in `channel`; returns the interaction id.
    pub fn invoke(
        &self,
        guild: u64,
        user: u64,
        channel: u64,
        name: &str,
        options: &[(&str, Value)],
    ) -> u64 {
        let command = self.registered_command(Some(guild), name);
        let (options, resolved) = self.build_options(guild, &command, options, None);
        let data = json!({"id": command["id"], "name": name, "type": 1, "options": options, "resolved": resolved, "guild_id": guild.to_string()});
        self.new_interaction(
            interactions::APPLICATION_COMMAND,
            Some(guild),
            user,
            channel,
            data,
            None,
            None,
        )
    }

    /// A member types into an autocompleted option; returns the choices the bot offered.
    pub async fn autocomplete(
        &self,
        guild: u64,
        user: u64,
        channel: u64,
        name: &str,
        options: &[(&str, Value)],
        focused: &str,
    ) -> Vec<Value> {
        let command = self.registered_command(Some(guild), name);
        let (options, resolved) = self.build_options(guild, &command, options, Some(focused));
        let data = json!({"id": command["id"], "name": name, "type": 1, "options": options, "resolved": resolved});
        let id = self.new_interaction(
            interactions::AUTOCOMPLETE,
            Some(guild),
            user,
            channel,
            data,
            None,
            None,
        );
        self.wait_for(&format!("autocomplete choices for /{name}"), |shared| {
            shared.interactions[&id].choices.clone()
        })
        .await
    }

    /// A member clicks a button on a message they can see; returns the interaction id.
    pub fn click(&self, user: u64, message_id: u64, custom_id: &str) -> u64 {
        let (guild, channel, message_json) = {
            let shared = self.lock();
            let message = shared
                .world
                .messages
                .iter()
                .find(|m| m.id == message_id)
                .expect("message")
                .clone();
            let has_button = message
                .components
                .to_string()
                .contains(&format!("\"custom_id\":\"{custom_id}\""));
            assert!(
                has_button,
                "message {message_id} has no button {custom_id}: {}",
                message.components
            );
            let guild = shared
                .world
                .channels
                .get(&message.channel_id)
                .and_then(|c| c.guild_id);
            (
                guild,
                message.channel_id,
                shared.world.message_json(&message),
            )
        };
        let data = json!({"custom_id": custom_id, "component_type": 2});
        self.new_interaction(
            interactions::MESSAGE_COMPONENT,
            guild,
            user,
            channel,
            data,
            Some(message_json),
            Some(message_id),
        )
    }

    /// The member who ran `interaction` clicks a button on its answer (an ephemeral message,
    /// which Discord keeps nowhere but in that member's client); returns the click's id.
    pub fn click_on_answer(&self, interaction: u64, custom_id: &str) -> u64 {
        let (guild, user, channel, message_json) = {
            let mut shared = self.lock();
            let (user, channel, original) = {
                let i = &shared.interactions[&interaction];
                (i.user, i.channel_id, i.original.clone().expect("answered"))
            };
            assert!(
                original["components"]
                    .to_string()
                    .contains(&format!("\"custom_id\":\"{custom_id}\"")),
                "the answer has no button {custom_id}: {original}"
            );
            let guild = shared.world.channels.get(&channel).and_then(|c| c.guild_id);
            let message = world::Message {
                id: shared.world.snowflake(),
                channel_id: channel,
                author_id: shared.world.bot_id,
                content: original["content"].as_str().unwrap_or_default().to_string(),
                embeds: original.get("embeds").cloned().unwrap_or(json!([])),
                components: original.get("components").cloned().unwrap_or(json!([])),
                nonce: None,
                flags: original["flags"].as_u64().unwrap_or(0),
                created: Instant::now(),
            };
            (guild, user, channel, shared.world.message_json(&message))
        };
        let data = json!({"custom_id": custom_id, "component_type": 2});
        self.new_interaction(
            interactions::MESSAGE_COMPONENT,
            guild,
            user,
            channel,
            data,
            Some(message_json),
            None,
        )
    }

    /// A member submits a modal the bot showed them.
    pub fn submit_modal(
        &self,
        guild: Option<u64>,
        user: u64,
        channel: u64,
        custom_id: &str,
        fields: &[(&str, &str)],
    ) -> u64 {
        let rows: Vec<Value> = fields
            .iter()
            .map(|(id, value)| json!({"type": 1, "components": [{"type": 4, "custom_id": id, "value": value}]}))
            .collect();
        let data = json!({"custom_id": custom_id, "components": rows});
        self.new_interaction(
            interactions::MODAL_SUBMIT,
            guild,
            user,
            channel,
            data,
            None,
            None,
        )
    }

    /// Waits until the member sees an answer to the interaction.
    pub async fn answer(&self, interaction: u64) -> Answer {
        let data = self
            .wait_for("an interaction answer", |shared| {
                let i = &shared.interactions[&interaction];
                if i.answered() {
                    Some(
                        i.original
                            .clone()
                            .or_else(|| i.modal.clone())
                            .unwrap_or(json!({})),
                    )
                } else {
                    None
                }
            })
            .await;
        Answer { data }
    }

    pub fn interaction(&self, id: u64) -> Interaction {
        self.lock().interactions[&id].clone()
    }

    /// A member writes in a channel's text chat (a voice channel has one too), if Discord
    /// would let them: View Channel + Send Messages in that channel, after its overwrites.
    pub fn member_posts(
        &self,
        guild: u64,
        user: u64,
        channel: u64,
        text: &str,
    ) -> Result<(), String> {
        let mut shared = self.lock();
        let Some(target) = shared.world.channels.get(&channel).cloned() else {
            return Err(format!("no channel {channel}"));
        };
        let needed = perms::VIEW_CHANNEL | perms::SEND_MESSAGES;
        if shared.world.permissions_in(guild, user, Some(channel)) & needed != needed {
            return Err(format!("user {user} may not write in {}", target.name));
        }
        let message = Message {
            id: shared.world.snowflake(),
            channel_id: channel,
            author_id: user,
            content: text.to_string(),
            embeds: json!([]),
            components: json!([]),
            nonce: None,
            flags: 0,
            created: Instant::now(),
        };
        let payload = shared.world.message_json(&message);
        shared.world.messages.push(message);
        shared.gateway.dispatch(
            "MESSAGE_CREATE",
            &payload,
            Some(guild),
            gateway::INTENT_GUILD_MESSAGES,
        );
        Ok(())
    }

    /// What a member reads in a channel's text chat, if Discord would show it to them:
    /// View Channel + Read Message History (the messages sent before they opened it).
    pub fn member_reads(&self, guild: u64, user: u64, channel: u64) -> Result<Vec<String>, String> {
        let shared = self.lock();
        let needed = perms::VIEW_CHANNEL | perms::READ_MESSAGE_HISTORY;
        if shared.world.permissions_in(guild, user, Some(channel)) & needed != needed {
            return Err(format!("user {user} may not read channel {channel}"));
        }
        Ok(shared
            .world
            .messages
            .iter()
            .filter(|m| m.channel_id == channel)
            .map(|m| m.content.clone())
            .collect())
    }

    /// Joins a voice channel, if Discord would let this member in (View Channel + Connect).
    pub fn join_voice(&self, guild: u64, user: u64, channel: u64) -> Result<(), String> {
        let mut shared = self.lock();
        let Some(target) = shared.world.channels.get(&channel) else {
            return Err(format!("no channel {channel}"));
        };
        if target.kind != CHANNEL_VOICE {
            return Err(format!("{} is not a voice channel", target.name));
        }
        let needed = perms::VIEW_CHANNEL | perms::CONNECT;
        if shared.world.permissions_in(guild, user, Some(channel)) & needed != needed {
            return Err(format!("user {user} may not join {}", target.name));
        }
        shared
            .world
            .guild_mut(guild)
            .voice_states
            .insert(user, channel);
        let state = shared.world.voice_state_json(guild, user, Some(channel));
        shared.gateway.dispatch(
            "VOICE_STATE_UPDATE",
            &state,
            Some(guild),
            INTENT_GUILD_VOICE_STATES,
        );
        Ok(())
    }

    pub fn leave_voice(&self, guild: u64, user: u64) {
        let mut shared = self.lock();
        if shared
            .world
            .guild_mut(guild)
            .voice_states
            .remove(&user)
            .is_some()
        {
            let state = shared.world.voice_state_json(guild, user, None);
            shared.gateway.dispatch(
                "VOICE_STATE_UPDATE",
                &state,
                Some(guild),
                INTENT_GUILD_VOICE_STATES,
            );
        }
    }

    /// Drops every gateway connection: resumable (close 4000) or with the session gone (4009).
    pub fn drop_gateway(&self, resume: Resume) {
        self.lock().gateway.drop_connections(resume);
    }

    pub fn inject_429s(&self, count: usize, retry_after: Duration, global: bool) {
        self.lock().limiter.inject(count, retry_after, global);
    }

    /// The next limited request gets a 429 with exactly this body and these headers.
    pub fn inject_raw_429(&self, body: Value, headers: &[(&str, &str)]) {
        let headers = headers
            .iter()
            .map(|(name, value)| (name.to_string(), value.to_string()))
            .collect();
        self.lock().limiter.inject_raw(body, headers);
    }

    pub fn stats(&self) -> LimitStats {
        self.lock().limiter.stats.clone()
    }

    pub fn set_latency(&self, latency: Duration) {
        self.lock().latency = latency;
    }

    // ---- reading what the bot did ---------------------------------------------------------

    /// Messages in a member's DM channel, oldest first.
    pub fn dms(&self, user: u64) -> Vec<Message> {
        let shared = self.lock();
        let Some(channel) = shared.world.dm_channel_of.get(&user) else {
            return vec![];
        };
        shared
            .world
            .messages
            .iter()
            .filter(|m| m.channel_id == *channel)
            .cloned()
            .collect()
    }

    /// Whether the bot ever opened a DM channel with `user` (POST /users/@me/channels).
    pub fn has_dm_channel(&self, user: u64) -> bool {
        self.lock().world.dm_channel_of.contains_key(&user)
    }

    pub fn dms_containing(&self, user: u64, needle: &str) -> usize {
        self.dms(user)
            .iter()
            .filter(|m| m.text().contains(needle))
            .count()
    }

    /// Bodies refused for breaking Discord's limits, with why (should stay empty).
    pub fn invalid_bodies(&self) -> Vec<String> {
        self.lock().invalid_bodies.clone()
    }

    /// Join links that led anywhere but the member's own room (should stay empty).
    pub fn join_link_problems(&self) -> Vec<String> {
        self.lock().join_link_problems.clone()
    }

    pub fn channel_messages(&self, channel: u64) -> Vec<Message> {
        self.lock()
            .world
            .messages
            .iter()
            .filter(|m| m.channel_id == channel)
            .cloned()
            .collect()
    }

    /// Voice channels whose overwrites allow this member in.
    pub fn voice_channels_of(&self, guild: u64, user: u64) -> Vec<(u64, String)> {
        let shared = self.lock();
        shared
            .world
            .channels
            .values()
            .filter(|c| c.guild_id == Some(guild) && c.kind == CHANNEL_VOICE)
            .filter(|c| {
                c.overwrites
                    .iter()
                    .any(|o| o.kind == 1 && o.id == user && o.allow & perms::CONNECT != 0)
            })
            .map(|c| (c.id, c.name.clone()))
            .collect()
    }

    pub fn channels(&self, guild: u64) -> Vec<Channel> {
        self.lock()
            .world
            .channels
            .values()
            .filter(|c| c.guild_id == Some(guild))
            .cloned()
            .collect()
    }

    pub fn channel(&self, id: u64) -> Option<Channel> {
        self.lock().world.channels.get(&id).cloned()
    }

    /// Runs `check` on the fake's state until it yields, through the tests' one `eventually`.
    pub async fn wait_for<T>(&self, what: &str, mut check: impl FnMut(&Shared) -> Option<T>) -> T {
        eventually(what, || std::future::ready(check(&self.lock()))).await
    }

    pub async fn wait_connected(&self, sessions: usize) {
        self.wait_for("the bot's gateway sessions", |shared| {
            (shared.gateway.connected_sessions() >= sessions).then_some(())
        })
        .await;
    }
}
