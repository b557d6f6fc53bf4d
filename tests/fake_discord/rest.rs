//! REST v10 as the bot sees it: one handler that routes on method and path segments, checks
//! the limits first (as Discord does), then permissions and Discord's error codes.

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};

use super::gateway::{
    INTENT_DIRECT_MESSAGES, INTENT_GUILDS, INTENT_GUILD_MESSAGES, INTENT_GUILD_VOICE_STATES,
};
use super::world::{
    perms, Channel, Message, Overwrite, CHANNEL_CATEGORY, CHANNEL_DM, CHANNEL_TEXT, CHANNEL_VOICE,
    MAX_CATEGORY_CHILDREN, MAX_GUILD_CHANNELS,
};
use super::{FakeDiscord, Shared};

/// Discord's nonce deduplication window ("a few minutes").
const NONCE_WINDOW: Duration = Duration::from_secs(5 * 60);

type Reply = (StatusCode, Value);

fn error(status: StatusCode, code: u32, message: &str) -> Reply {
    (status, json!({"code": code, "message": message}))
}

fn id(text: &str) -> u64 {
    text.parse().unwrap_or(0)
}

fn value_u64(value: &Value) -> Option<u64> {
    value
        .as_u64()
        .or_else(|| value.as_str().and_then(|text| text.parse().ok()))
}

pub async fn handle(
    State(fake): State<Arc<FakeDiscord>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let latency = fake.lock().latency;
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    let path = uri
        .path()
        .trim_start_matches("/api/v10")
        .trim_start_matches('/')
        .to_string();
    let segments: Vec<&str> = path
        .split('/')
        .filter(|segment| !segment.is_empty())
        .collect();
    let content_type = headers
        .get("content-type")
        .and_then(|value| value.to_str().ok())
        .unwrap_or("");
    let body: Value = if body.is_empty() {
        Value::Null
    } else if let Some(boundary) = super::multipart::boundary(content_type) {
        super::multipart::to_json(&body, boundary)
    } else {
        serde_json::from_slice(&body).unwrap_or(Value::Null)
    };
    let authorized = headers
        .get("authorization")
        .and_then(|value| value.to_str().ok())
        == Some(&format!("Bot {}", fake.token));
    let (route, major, exempt) = route_of(&method, &segments);
    let mut shared = fake.lock();
    shared
        .request_log
        .push((method.to_string(), route.clone(), Instant::now()));
    if let Some(status) = shared.outage {
        shared.outage_answers += 1;
        let status = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_GATEWAY);
        return respond(error(status, 0, "upstream unavailable"), &[]);
    }
    let rate_headers = match shared.limiter.check(&route, &major, exempt) {
        Ok(headers) => headers,
        Err(rejection) => {
            let body = rejection.body.unwrap_or_else(|| json!({"message": "You are being rate limited.", "retry_after": rejection.retry_after.as_secs_f64(), "global": rejection.global}));
            return respond((StatusCode::TOO_MANY_REQUESTS, body), &rejection.headers);
        }
    };
    let reply = if !authorized
        && !segments
            .first()
            .is_some_and(|first| *first == "interactions" || *first == "webhooks")
    {
        error(StatusCode::UNAUTHORIZED, 0, "401: Unauthorized")
    } else {
        route_request(&fake, &mut shared, &method, &segments, &body)
    };
    drop(shared);
    respond(reply, &rate_headers)
}

fn respond((status, body): Reply, headers: &[(String, String)]) -> Response {
    let mut response = if status == StatusCode::NO_CONTENT {
        status.into_response()
    } else {
        (status, axum::Json(body)).into_response()
    };
    for (name, value) in headers {
        if let (Ok(name), Ok(value)) = (
            axum::http::HeaderName::try_from(name.as_str()),
            HeaderValue::from_str(value),
        ) {
            response.headers_mut().insert(name, value);
        }
    }
    response
}

/// "POST /channels/{}/messages" and its major parameter; interaction routes skip the global bucket.
fn route_of(method: &Method, segments: &[&str]) -> (String, String, bool) {
    let exempt = segments
        .first()
        .is_some_and(|first| *first == "interactions" || *first == "webhooks");
    let major = match segments {
        ["channels", channel, ..] | ["guilds", channel, ..] => channel.to_string(),
        ["webhooks", app, token, ..] => format!("{app}/{token}"),
        ["interactions", id, ..] => id.to_string(),
        _ => String::new(),
    };
    let template: Vec<&str> = segments
        .iter()
        .enumerate()
        .map(|(index, segment)| {
            let numeric = segment.chars().all(|c| c.is_ascii_digit());
            let token_like =
                index == 2 && (segments[0] == "webhooks" || segments[0] == "interactions");
            if numeric || token_like {
                "{}"
            } else {
                segment
            }
        })
        .collect();
    (format!("{method} /{}", template.join("/")), major, exempt)
}

fn route_request(
    fake: &FakeDiscord,
    shared: &mut Shared,
    method: &Method,
    segments: &[&str],
    body: &Value,
) -> Reply {
    let m = method.as_str();
    match (m, segments) {
        ("GET", ["gateway"]) => (StatusCode::OK, json!({"url": fake.ws_url()})),
        ("GET", ["gateway", "bot"]) => (
            StatusCode::OK,
            json!({"url": fake.ws_url(), "shards": 1, "session_start_limit": {"total": 1000, "remaining": 999, "reset_after": 0, "max_concurrency": 1}}),
        ),
        ("GET", ["users", "@me"]) => (StatusCode::OK, shared.world.user_json(shared.world.bot_id)),
        ("PUT", ["applications", _, "commands"]) => register_commands(shared, None, body),
        ("PUT", ["applications", _, "guilds", guild, "commands"]) => {
            register_commands(shared, Some(id(guild)), body)
        }
        ("GET", ["applications", _, "commands"]) => (
            StatusCode::OK,
            json!(shared
                .world
                .commands
                .get(&None)
                .cloned()
                .unwrap_or_default()),
        ),
        ("GET", ["applications", _, "guilds", guild, "commands"]) => (
            StatusCode::OK,
            json!(shared
                .world
                .commands
                .get(&Some(id(guild)))
                .cloned()
                .unwrap_or_default()),
        ),
        ("POST", ["interactions", interaction, token, "callback"]) => {
            super::interactions::callback(shared, id(interaction), token, body)
        }
        ("PATCH", ["webhooks", _, token, "messages", "@original"]) => {
            super::interactions::edit_original(shared, token, body)
        }
        ("GET", ["webhooks", _, token, "messages", "@original"]) => {
            super::interactions::get_original(shared, token)
        }
        ("POST", ["webhooks", _, token]) => super::interactions::followup(shared, token, body),
        ("PATCH", ["webhooks", _, token, "messages", _]) => {
            super::interactions::followup(shared, token, body)
        }
        ("GET", ["guilds", guild, "channels"]) => {
            let guild = id(guild);
            let channels: Vec<Value> = shared
                .world
                .channels
                .values()
                .filter(|c| c.guild_id == Some(guild))
                .map(|c| shared.world.channel_json(c))
                .collect();
            (StatusCode::OK, json!(channels))
        }
        ("GET", ["guilds", guild, "members", user]) => match shared.world.guilds.get(&id(guild)) {
            Some(g) if g.members.contains_key(&id(user)) => (
                StatusCode::OK,
                shared.world.member_json(id(guild), id(user), None),
            ),
            _ => error(StatusCode::NOT_FOUND, 10007, "Unknown Member"),
        },
        ("POST", ["guilds", guild, "channels"]) => create_channel(shared, id(guild), body),
        ("GET", ["channels", channel]) => match shared.world.channels.get(&id(channel)) {
            Some(c) => (StatusCode::OK, shared.world.channel_json(c)),
            None => error(StatusCode::NOT_FOUND, 10003, "Unknown Channel"),
        },
        ("DELETE", ["channels", channel]) => delete_channel(shared, id(channel)),
        ("PATCH", ["channels", channel]) => edit_channel(shared, id(channel), body),
        ("POST", ["users", "@me", "channels"]) => open_dm(shared, body),
        ("POST", ["channels", channel, "messages"]) => create_message(shared, id(channel), body),
        _ => error(
            StatusCode::NOT_FOUND,
            0,
            &format!("404: Not Found ({m} /{})", segments.join("/")),
        ),
    }
}

fn register_commands(shared: &mut Shared, guild: Option<u64>, body: &Value) -> Reply {
    let Some(commands) = body.as_array() else {
        return error(StatusCode::BAD_REQUEST, 50035, "Invalid Form Body");
    };
    let mut stored = Vec::new();
    for command in commands {
        let mut command = command.clone();
        let existing = shared
            .world
            .commands
            .get(&guild)
            .and_then(|list| list.iter().find(|c| c["name"] == command["name"]).cloned());
        let command_id = existing
            .and_then(|c| value_u64(&c["id"]))
            .unwrap_or_else(|| shared.world.snowflake());
        let version = shared.world.snowflake();
        command["id"] = json!(command_id.to_string());
        command["application_id"] = json!(shared.world.application_id.to_string());
        command["version"] = json!(version.to_string());
        if command.get("type").is_none() {
            command["type"] = json!(1);
        }
        if let Some(guild) = guild {
            command["guild_id"] = json!(guild.to_string());
        }
        stored.push(command);
    }
    shared.world.commands.insert(guild, stored.clone());
    (StatusCode::OK, json!(stored))
}

fn parse_overwrites(body: &Value) -> Vec<Overwrite> {
    body["permission_overwrites"]
        .as_array()
        .map(|list| {
            list.iter()
                .map(|o| Overwrite {
                    id: value_u64(&o["id"]).unwrap_or(0),
                    kind: o["type"].as_u64().unwrap_or(0) as u8,
                    allow: value_u64(&o["allow"]).unwrap_or(0),
                    deny: value_u64(&o["deny"]).unwrap_or(0),
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The bot may create channels and write overwrites only with the permissions Discord demands.
fn check_bot_may_manage(
    shared: &Shared,
    guild: u64,
    parent: Option<u64>,
    overwrites: &[Overwrite],
) -> Result<(), Reply> {
    let bot = shared.world.bot_id;
    let permissions = shared.world.permissions_in(guild, bot, parent);
    let missing = || Err(error(StatusCode::FORBIDDEN, 50013, "Missing Permissions"));
    if permissions & perms::MANAGE_CHANNELS == 0 {
        return missing();
    }
    if !overwrites.is_empty() {
        let guild_level = shared.world.permissions_in(guild, bot, None);
        if guild_level & perms::MANAGE_ROLES == 0 && guild_level & perms::ADMINISTRATOR == 0 {
            return missing();
        }
        let wanted = overwrites.iter().fold(0, |bits, o| bits | o.allow | o.deny);
        if guild_level != perms::ALL && wanted & !permissions != 0 {
            return missing();
        }
        // Overwrites for a role need the bot's highest role above it (role order).
        let guild_data = &shared.world.guilds[&guild];
        let my_top = guild_data
            .members
            .get(&bot)
            .into_iter()
            .flatten()
            .filter_map(|id| guild_data.roles.iter().find(|r| r.id == *id))
            .map(|r| r.position)
            .max()
            .unwrap_or(0);
        let outranked = overwrites
            .iter()
            .filter(|o| o.kind == 0 && o.id != guild)
            .any(|o| {
                guild_data
                    .roles
                    .iter()
                    .any(|r| r.id == o.id && r.position >= my_top)
            });
        if guild_level != perms::ALL && outranked {
            return missing();
        }
    }
    Ok(())
}

fn create_channel(shared: &mut Shared, guild: u64, body: &Value) -> Reply {
    if !shared.world.guilds.contains_key(&guild) {
        return error(StatusCode::NOT_FOUND, 10004, "Unknown Guild");
    }
    let kind = body["type"].as_u64().unwrap_or(0) as u8;
    let parent = value_u64(&body["parent_id"]);
    let overwrites = parse_overwrites(body);
    if let Some((status, code)) = overwrites
        .iter()
        .filter(|o| o.kind == 1)
        .find_map(|o| shared.refuse_rooms_with.get(&o.id).copied())
    {
        let status = StatusCode::from_u16(status).expect("status");
        return error(status, code, "refused by the test");
    }
    if let Err(reply) = check_bot_may_manage(shared, guild, parent, &overwrites) {
        return reply;
    }
    if shared.world.guild_channel_count(guild) >= MAX_GUILD_CHANNELS {
        return error(
            StatusCode::BAD_REQUEST,
            30013,
            "Maximum number of guild channels reached (500)",
        );
    }
    if let Some(parent) = parent {
        if shared.world.channels.get(&parent).map(|c| c.kind) != Some(CHANNEL_CATEGORY) {
            return error(
                StatusCode::BAD_REQUEST,
                50035,
                "Invalid Form Body (parent_id)",
            );
        }
        if shared.world.children_of(parent) >= MAX_CATEGORY_CHILDREN {
            return (
                StatusCode::BAD_REQUEST,
                json!({"code": 50035, "message": "Invalid Form Body", "errors": {"parent_id": {"_errors": [
                    {"code": "CHANNEL_PARENT_MAX_CHANNELS", "message": "Maximum number of channels in category reached (50)"}]}}}),
            );
        }
    }
    let name = body["name"].as_str().unwrap_or_default().to_string();
    if name.is_empty() || name.chars().count() > 100 {
        return error(StatusCode::BAD_REQUEST, 50035, "Invalid Form Body (name)");
    }
    let channel_id = shared.world.snowflake();
    let position = shared.world.guild_channel_count(guild) as u16;
    let channel = Channel {
        id: channel_id,
        kind,
        guild_id: Some(guild),
        name,
        parent_id: parent,
        position,
        overwrites,
        recipient: None,
    };
    let payload = shared.world.channel_json(&channel);
    shared.world.channels.insert(channel_id, channel);
    shared
        .gateway
        .dispatch("CHANNEL_CREATE", &payload, Some(guild), INTENT_GUILDS);
    (StatusCode::CREATED, payload)
}

fn delete_channel(shared: &mut Shared, channel_id: u64) -> Reply {
    let Some(channel) = shared.world.channels.get(&channel_id).cloned() else {
        return error(StatusCode::NOT_FOUND, 10003, "Unknown Channel");
    };
    let Some(guild) = channel.guild_id else {
        return error(
            StatusCode::FORBIDDEN,
            50003,
            "Cannot execute action on a DM channel",
        );
    };
    if shared
        .world
        .permissions_in(guild, shared.world.bot_id, Some(channel_id))
        & perms::MANAGE_CHANNELS
        == 0
    {
        return error(StatusCode::FORBIDDEN, 50013, "Missing Permissions");
    }
    // Deleting a voice channel disconnects whoever is in it.
    let inside: Vec<u64> = shared.world.guilds[&guild]
        .voice_states
        .iter()
        .filter(|(_, c)| **c == channel_id)
        .map(|(u, _)| *u)
        .collect();
    for user in inside {
        shared.world.guild_mut(guild).voice_states.remove(&user);
        let state = shared.world.voice_state_json(guild, user, None);
        shared.gateway.dispatch(
            "VOICE_STATE_UPDATE",
            &state,
            Some(guild),
            INTENT_GUILD_VOICE_STATES,
        );
    }
    let payload = shared.world.channel_json(&channel);
    shared.world.channels.remove(&channel_id);
    shared.deleted_channels.push(channel.name.clone());
    shared
        .gateway
        .dispatch("CHANNEL_DELETE", &payload, Some(guild), INTENT_GUILDS);
    (StatusCode::OK, payload)
}

fn edit_channel(shared: &mut Shared, channel_id: u64, body: &Value) -> Reply {
    let Some(channel) = shared.world.channels.get(&channel_id).cloned() else {
        return error(StatusCode::NOT_FOUND, 10003, "Unknown Channel");
    };
    let Some(guild) = channel.guild_id else {
        return error(
            StatusCode::FORBIDDEN,
            50003,
            "Cannot execute action on a DM channel",
        );
    };
    let overwrites = if body.get("permission_overwrites").is_some() {
        Some(parse_overwrites(body))
    } else {
        None
    };
    if let Err(reply) = check_bot_may_manage(
        shared,
        guild,
        channel.parent_id,
        overwrites.as_deref().unwrap_or(&[]),
    ) {
        return reply;
    }
    let stored = shared.world.channels.get_mut(&channel_id).expect("exists");
    if let Some(overwrites) = overwrites {
        stored.overwrites = overwrites;
    }
    if let Some(name) = body["name"].as_str() {
        stored.name = name.to_string();
    }
    let payload = shared
        .world
        .channel_json(&shared.world.channels[&channel_id]);
    shared
        .gateway
        .dispatch("CHANNEL_UPDATE", &payload, Some(guild), INTENT_GUILDS);
    (StatusCode::OK, payload)
}

fn open_dm(shared: &mut Shared, body: &Value) -> Reply {
    let Some(user) =
        value_u64(&body["recipient_id"]).filter(|user| shared.world.users.contains_key(user))
    else {
        return error(
            StatusCode::BAD_REQUEST,
            50035,
            "Invalid Form Body (recipient_id)",
        );
    };
    *shared.dm_opens.entry(user).or_default() += 1;
    let channel_id = match shared.world.dm_channel_of.get(&user) {
        Some(existing) => *existing,
        None => {
            let channel_id = shared.world.snowflake();
            let channel = Channel {
                id: channel_id,
                kind: CHANNEL_DM,
                guild_id: None,
                name: String::new(),
                parent_id: None,
                position: 0,
                overwrites: vec![],
                recipient: Some(user),
            };
            shared.world.channels.insert(channel_id, channel);
            shared.world.dm_channel_of.insert(user, channel_id);
            channel_id
        }
    };
    (
        StatusCode::OK,
        shared
            .world
            .channel_json(&shared.world.channels[&channel_id]),
    )
}

fn create_message(shared: &mut Shared, channel_id: u64, body: &Value) -> Reply {
    let Some(channel) = shared.world.channels.get(&channel_id).cloned() else {
        return error(StatusCode::NOT_FOUND, 10003, "Unknown Channel");
    };
    let bot = shared.world.bot_id;
    match channel.kind {
        CHANNEL_DM => {
            let recipient = channel.recipient.unwrap_or_default();
            // As on Discord: a bot can DM only users who share a guild with it.
            let shares_a_guild = shared
                .world
                .guilds
                .values()
                .any(|guild| guild.members.contains_key(&recipient));
            if !shares_a_guild
                || !shared
                    .world
                    .users
                    .get(&recipient)
                    .is_some_and(|user| user.dms_open)
            {
                return error(
                    StatusCode::FORBIDDEN,
                    50007,
                    "Cannot send messages to this user",
                );
            }
        }
        CHANNEL_TEXT | CHANNEL_VOICE => {
            let guild = channel.guild_id.unwrap_or_default();
            let needed = perms::VIEW_CHANNEL | perms::SEND_MESSAGES;
            if shared.world.permissions_in(guild, bot, Some(channel_id)) & needed != needed {
                return error(StatusCode::FORBIDDEN, 50013, "Missing Permissions");
            }
        }
        _ => {
            return error(
                StatusCode::BAD_REQUEST,
                50008,
                "Cannot send messages in a non-text channel",
            )
        }
    }
    let content = body["content"].as_str().unwrap_or_default().to_string();
    if let Err(why) = super::validate::check_limits(body, true) {
        shared.invalid_bodies.push(why.clone());
        return error(
            StatusCode::BAD_REQUEST,
            50035,
            &format!("Invalid Form Body ({why})"),
        );
    }
    let recipient = (channel.kind == CHANNEL_DM)
        .then_some(channel.recipient)
        .flatten();
    let problems = super::validate::join_link_problems(&shared.world, body, recipient);
    shared.join_link_problems.extend(problems);
    let nonce = body["nonce"]
        .as_str()
        .map(str::to_string)
        .or_else(|| body["nonce"].as_u64().map(|n| n.to_string()));
    if let (Some(nonce), true) = (&nonce, body["enforce_nonce"].as_bool().unwrap_or(false)) {
        if nonce.len() > 25 {
            return error(
                StatusCode::BAD_REQUEST,
                50035,
                "Invalid Form Body (nonce: at most 25 characters)",
            );
        }
        let existing = shared
            .world
            .messages
            .iter()
            .find(|m| {
                m.channel_id == channel_id
                    && m.author_id == bot
                    && m.nonce.as_ref() == Some(nonce)
                    && m.created.elapsed() < NONCE_WINDOW
            })
            .cloned();
        if let Some(existing) = existing {
            shared.nonce_dedupes += 1;
            return (StatusCode::OK, shared.world.message_json(&existing));
        }
    }
    let message = Message {
        id: shared.world.snowflake(),
        channel_id,
        author_id: bot,
        content,
        embeds: body.get("embeds").cloned().unwrap_or(json!([])),
        components: body.get("components").cloned().unwrap_or(json!([])),
        nonce,
        flags: body["flags"].as_u64().unwrap_or(0),
        created: Instant::now(),
    };
    let payload = shared.world.message_json(&message);
    shared.world.messages.push(message);
    let intent = if channel.kind == CHANNEL_DM {
        INTENT_DIRECT_MESSAGES
    } else {
        INTENT_GUILD_MESSAGES
    };
    shared
        .gateway
        .dispatch("MESSAGE_CREATE", &payload, channel.guild_id, intent);
    (StatusCode::OK, payload)
}
