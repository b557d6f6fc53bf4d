//! Interactions: the payloads members' clicks and slash commands produce, and the callback,
//! `@original` and follow-up endpoints with Discord's rules (3 s to acknowledge, once only,
//! response types valid for the interaction's type, 2000-character messages).
//!
//! The 3 s are wall-clock time, so the fake counts them from when it wrote the interaction to
//! the bot's gateway socket (not from when the test created it), and stretches them by
//! [`DEADLINE_SCALE_VAR`] (default [`DEFAULT_DEADLINE_SCALE`]): a bot that never answers, or
//! answers far too late, still fails, but a correct bot on a starved 2-core runner does not.
//! `FOCUSFOLK_TEST_INTERACTION_DEADLINE_SCALE=1` gives Discord's own 3 s.

use std::time::{Duration, Instant};

use axum::http::StatusCode;
use serde_json::{json, Value};

use super::world::Message;
use super::Shared;

pub const PING: u8 = 1;
pub const APPLICATION_COMMAND: u8 = 2;
pub const MESSAGE_COMPONENT: u8 = 3;
pub const AUTOCOMPLETE: u8 = 4;
pub const MODAL_SUBMIT: u8 = 5;

pub const EPHEMERAL: u64 = 1 << 6;

/// Discord's time to acknowledge an interaction.
pub const DISCORD_DEADLINE: Duration = Duration::from_secs(3);
/// Multiplies [`DISCORD_DEADLINE`] for the fake (a positive number, e.g. `1` or `0.5`).
pub const DEADLINE_SCALE_VAR: &str = "FOCUSFOLK_TEST_INTERACTION_DEADLINE_SCALE";
pub const DEFAULT_DEADLINE_SCALE: f64 = 3.0;

/// The deadline the fake enforces: [`DISCORD_DEADLINE`] times the scale from the environment.
pub fn deadline_from_env() -> Duration {
    let scale = match std::env::var(DEADLINE_SCALE_VAR) {
        Ok(text) => text
            .trim()
            .parse::<f64>()
            .ok()
            .filter(|scale| scale.is_finite() && *scale > 0.0)
            .unwrap_or_else(|| panic!("{DEADLINE_SCALE_VAR}={text:?} is not a positive number")),
        Err(_) => DEFAULT_DEADLINE_SCALE,
    };
    DISCORD_DEADLINE.mul_f64(scale)
}

#[derive(Debug, Clone)]
pub struct Interaction {
    pub id: u64,
    pub token: String,
    pub kind: u8,
    pub created: Instant,
    /// When the fake last wrote the INTERACTION_CREATE to a gateway socket (a replay after a
    /// resume counts anew); the answer deadline runs from here.
    pub delivered: Option<Instant>,
    /// When the member first saw an answer (a response with content, or the edit of a
    /// deferred one): what a latency figure measures up to.
    pub answered_at: Option<Instant>,
    pub user: u64,
    pub channel_id: u64,
    /// The message a component belongs to.
    pub message_id: Option<u64>,
    /// Callback types received, in order (a second one is refused, but recorded here).
    pub callbacks: Vec<u8>,
    pub late_callbacks: usize,
    /// The response members see: type 4 data, a type 5 edited later, or a type 7 update.
    pub original: Option<Value>,
    pub followups: Vec<Value>,
    pub choices: Option<Vec<Value>>,
    pub modal: Option<Value>,
    pub deferred: bool,
}

impl Interaction {
    pub fn new(
        id: u64,
        token: String,
        kind: u8,
        user: u64,
        channel_id: u64,
        message_id: Option<u64>,
    ) -> Self {
        Interaction {
            id,
            token,
            kind,
            created: Instant::now(),
            delivered: None,
            answered_at: None,
            user,
            channel_id,
            message_id,
            callbacks: Vec::new(),
            late_callbacks: 0,
            original: None,
            followups: Vec::new(),
            choices: None,
            modal: None,
            deferred: false,
        }
    }

    /// True once the member would see an answer (or the bot chose a silent acknowledgement).
    pub fn answered(&self) -> bool {
        self.original.is_some()
            || self.choices.is_some()
            || self.modal.is_some()
            || self.callbacks.contains(&6)
    }
}

fn error(status: StatusCode, code: u32, message: &str) -> (StatusCode, Value) {
    (status, json!({"code": code, "message": message}))
}

/// Discord's limits for an answer's data; a refusal is also recorded for the tests.
fn check(shared: &mut Shared, data: &Value) -> Result<(), (StatusCode, Value)> {
    super::validate::check_limits(data, false).map_err(|why| {
        shared.invalid_bodies.push(why.clone());
        error(
            StatusCode::BAD_REQUEST,
            50035,
            &format!("Invalid Form Body ({why})"),
        )
    })
}

pub fn callback(
    shared: &mut Shared,
    interaction_id: u64,
    token: &str,
    body: &Value,
) -> (StatusCode, Value) {
    let deadline = shared.interaction_deadline;
    let Some(interaction) = shared
        .interactions
        .get_mut(&interaction_id)
        .filter(|i| i.token == token)
    else {
        return error(StatusCode::NOT_FOUND, 10062, "Unknown interaction");
    };
    // Not delivered (yet, as far as the fake has recorded): count from its creation.
    let since = interaction.delivered.unwrap_or(interaction.created);
    if since.elapsed() > deadline {
        interaction.late_callbacks += 1;
        return error(StatusCode::NOT_FOUND, 10062, "Unknown interaction");
    }
    let kind = body["type"].as_u64().unwrap_or(0) as u8;
    let already = !interaction.callbacks.is_empty();
    interaction.callbacks.push(kind);
    if already {
        return error(
            StatusCode::BAD_REQUEST,
            40060,
            "Interaction has already been acknowledged.",
        );
    }
    let allowed = match interaction.kind {
        APPLICATION_COMMAND => [4, 5, 9].contains(&kind),
        MESSAGE_COMPONENT => [4, 5, 6, 7, 9].contains(&kind),
        MODAL_SUBMIT => [4, 5, 6, 7].contains(&kind),
        AUTOCOMPLETE => kind == 8,
        PING => kind == 1,
        _ => false,
    };
    if !allowed {
        return error(
            StatusCode::BAD_REQUEST,
            50035,
            "Invalid Form Body (interaction response type)",
        );
    }
    let data = body["data"].clone();
    if let Err(refusal) = check(shared, &data) {
        return refusal;
    }
    let Some(interaction) = shared.interactions.get_mut(&interaction_id) else {
        return error(StatusCode::NOT_FOUND, 10062, "Unknown interaction");
    };
    if kind != 5 {
        interaction.answered_at.get_or_insert_with(Instant::now);
    }
    match kind {
        4 => interaction.original = Some(data),
        5 => interaction.deferred = true,
        7 => {
            let message_id = interaction.message_id;
            interaction.original = Some(data.clone());
            if let Some(message) =
                message_id.and_then(|id| shared.world.messages.iter_mut().find(|m| m.id == id))
            {
                if let Some(content) = data["content"].as_str() {
                    message.content = content.to_string();
                }
                if let Some(embeds) = data.get("embeds") {
                    message.embeds = embeds.clone();
                }
                if let Some(components) = data.get("components") {
                    message.components = components.clone();
                }
            }
        }
        8 => interaction.choices = Some(data["choices"].as_array().cloned().unwrap_or_default()),
        9 => interaction.modal = Some(data),
        _ => {}
    }
    (StatusCode::NO_CONTENT, Value::Null)
}

fn by_token<'a>(
    shared: &'a mut Shared,
    token: &str,
) -> Option<&'a mut super::interactions::Interaction> {
    shared
        .interactions
        .values_mut()
        .find(|i| i.token == token && i.created.elapsed() < Duration::from_secs(15 * 60))
}

fn message_for(shared: &mut Shared, channel_id: u64, data: &Value) -> Value {
    let message = Message {
        id: shared.world.snowflake(),
        channel_id,
        author_id: shared.world.bot_id,
        content: data["content"].as_str().unwrap_or_default().to_string(),
        embeds: data.get("embeds").cloned().unwrap_or(json!([])),
        components: data.get("components").cloned().unwrap_or(json!([])),
        nonce: None,
        flags: data["flags"].as_u64().unwrap_or(0),
        created: Instant::now(),
    };
    shared.world.message_json(&message)
}

pub fn edit_original(shared: &mut Shared, token: &str, body: &Value) -> (StatusCode, Value) {
    if let Err(refusal) = check(shared, body) {
        return refusal;
    }
    let Some(interaction) = by_token(shared, token) else {
        return error(StatusCode::NOT_FOUND, 10015, "Unknown Webhook");
    };
    if interaction.callbacks.is_empty() {
        return error(StatusCode::NOT_FOUND, 10008, "Unknown Message");
    }
    let channel_id = interaction.channel_id;
    let mut merged = interaction.original.clone().unwrap_or(json!({}));
    for (key, value) in body.as_object().into_iter().flatten() {
        merged[key] = value.clone();
    }
    interaction.original = Some(merged.clone());
    interaction.answered_at.get_or_insert_with(Instant::now);
    (StatusCode::OK, message_for(shared, channel_id, &merged))
}

pub fn get_original(shared: &mut Shared, token: &str) -> (StatusCode, Value) {
    let Some(interaction) = by_token(shared, token) else {
        return error(StatusCode::NOT_FOUND, 10015, "Unknown Webhook");
    };
    let (channel_id, original) = (interaction.channel_id, interaction.original.clone());
    match original {
        Some(original) => (StatusCode::OK, message_for(shared, channel_id, &original)),
        None => error(StatusCode::NOT_FOUND, 10008, "Unknown Message"),
    }
}

pub fn followup(shared: &mut Shared, token: &str, body: &Value) -> (StatusCode, Value) {
    if let Err(refusal) = check(shared, body) {
        return refusal;
    }
    let Some(interaction) = by_token(shared, token) else {
        return error(StatusCode::NOT_FOUND, 10015, "Unknown Webhook");
    };
    if interaction.callbacks.is_empty() {
        return error(StatusCode::NOT_FOUND, 10015, "Unknown Webhook");
    }
    let channel_id = interaction.channel_id;
    // A follow-up after a deferral with no edit becomes the visible answer, as on Discord.
    if interaction.deferred && interaction.original.is_none() {
        interaction.original = Some(body.clone());
    } else {
        interaction.followups.push(body.clone());
    }
    (StatusCode::OK, message_for(shared, channel_id, body))
}
