//! Every message the bot sends (channel messages, interaction answers, edits, follow-ups) is
//! checked against Discord's limits, as Discord does: content 2000 characters; at most 10
//! embeds, each with title 256, description 4096, 25 fields of name 256 / value 1024, footer
//! 2048 and 6000 in all; at most 5 action rows of 5 buttons, labels 80, a link button with a
//! URL and no custom id. A body that breaks one is refused with Discord's 400 50035.
//!
//! On top, what Discord cannot know but a member would notice: a **Join the room** link must
//! point at a voice channel of that guild, and in a DM at one the member was given (a member
//! overwrite letting them connect). Such mistakes are recorded, not refused, and tests assert
//! there are none.

use serde_json::Value;

use super::world::{perms, World, CHANNEL_VOICE};

pub const CONTENT: usize = 2000;
pub const EMBEDS: usize = 10;
pub const TITLE: usize = 256;
pub const DESCRIPTION: usize = 4096;
pub const FIELDS: usize = 25;
pub const FIELD_NAME: usize = 256;
pub const FIELD_VALUE: usize = 1024;
pub const FOOTER: usize = 2048;
pub const TOTAL: usize = 6000;
pub const ACTION_ROWS: usize = 5;
pub const BUTTONS_PER_ROW: usize = 5;
pub const BUTTON_LABEL: usize = 80;
pub const CUSTOM_ID: usize = 100;

fn chars(value: &Value) -> usize {
    value.as_str().map_or(0, |text| text.chars().count())
}

/// `Err(why)` when Discord would refuse `body` (a message or an interaction answer's data).
/// `needs_something`: a new message must have content, an embed or components.
pub fn check_limits(body: &Value, needs_something: bool) -> Result<(), String> {
    if chars(&body["content"]) > CONTENT {
        return Err(format!("content: {} > {CONTENT}", chars(&body["content"])));
    }
    let embeds = body["embeds"].as_array().cloned().unwrap_or_default();
    let components = body["components"].as_array().cloned().unwrap_or_default();
    if needs_something && chars(&body["content"]) == 0 && embeds.is_empty() && components.is_empty()
    {
        return Err("empty message: no content, embeds or components".into());
    }
    if embeds.len() > EMBEDS {
        return Err(format!("embeds: {} > {EMBEDS}", embeds.len()));
    }
    for embed in &embeds {
        check_embed(embed)?;
    }
    if components.len() > ACTION_ROWS {
        return Err(format!("action rows: {} > {ACTION_ROWS}", components.len()));
    }
    for row in &components {
        if row["type"].as_u64() != Some(1) {
            return Err(format!("a top-level component is not an action row: {row}"));
        }
        let buttons = row["components"].as_array().cloned().unwrap_or_default();
        if buttons.is_empty() || buttons.len() > BUTTONS_PER_ROW {
            return Err(format!("components in a row: {}", buttons.len()));
        }
        // Modals' rows hold text inputs (type 4); only buttons have these rules.
        for button in buttons.iter().filter(|c| c["type"].as_u64() == Some(2)) {
            check_button(button)?;
        }
    }
    Ok(())
}

fn check_embed(embed: &Value) -> Result<(), String> {
    let title = chars(&embed["title"]);
    let description = chars(&embed["description"]);
    let footer = chars(&embed["footer"]["text"]);
    if title > TITLE {
        return Err(format!("embed title: {title} > {TITLE}"));
    }
    if embed.get("description").is_some() && description == 0 {
        return Err("embed description: empty".into());
    }
    if description > DESCRIPTION {
        return Err(format!("embed description: {description} > {DESCRIPTION}"));
    }
    if footer > FOOTER {
        return Err(format!("embed footer: {footer} > {FOOTER}"));
    }
    let fields = embed["fields"].as_array().cloned().unwrap_or_default();
    if fields.len() > FIELDS {
        return Err(format!("embed fields: {} > {FIELDS}", fields.len()));
    }
    let mut total = title + description + footer;
    for field in &fields {
        let (name, value) = (chars(&field["name"]), chars(&field["value"]));
        if name == 0 || name > FIELD_NAME {
            return Err(format!("embed field name: {name} chars"));
        }
        if value == 0 || value > FIELD_VALUE {
            return Err(format!("embed field value: {value} chars"));
        }
        total += name + value;
    }
    if total > TOTAL {
        return Err(format!("embed total: {total} > {TOTAL}"));
    }
    Ok(())
}

fn check_button(button: &Value) -> Result<(), String> {
    if chars(&button["label"]) > BUTTON_LABEL {
        return Err(format!(
            "button label: {} > {BUTTON_LABEL}",
            chars(&button["label"])
        ));
    }
    match button["style"].as_u64() {
        Some(5) => {
            if button["url"].as_str().is_none_or(str::is_empty) || button.get("custom_id").is_some()
            {
                return Err(format!(
                    "a link button needs a url and no custom_id: {button}"
                ));
            }
        }
        Some(1..=4) => {
            let id = chars(&button["custom_id"]);
            if id == 0 || id > CUSTOM_ID || button.get("url").is_some() {
                return Err(format!(
                    "a button needs a custom_id of 1–100 chars: {button}"
                ));
            }
        }
        _ => return Err(format!("button style: {button}")),
    }
    Ok(())
}

/// The link buttons of a body (their URLs).
pub fn link_urls(body: &Value) -> Vec<String> {
    body["components"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|row| row["components"].as_array().cloned().unwrap_or_default())
        .filter(|button| button["style"].as_u64() == Some(5))
        .filter_map(|button| button["url"].as_str().map(str::to_string))
        .collect()
}

/// Mistakes in the Join links of `body`: each must name a voice channel of its guild and, in a
/// DM to `recipient`, one that member was given.
pub fn join_link_problems(world: &World, body: &Value, recipient: Option<u64>) -> Vec<String> {
    let mut problems = Vec::new();
    for url in link_urls(body) {
        let Some(path) = url.strip_prefix("https://discord.com/channels/") else {
            problems.push(format!("{url}: not a Discord channel link"));
            continue;
        };
        let ids: Vec<u64> = path.split('/').filter_map(|id| id.parse().ok()).collect();
        let [guild, channel] = ids[..] else {
            problems.push(format!("{url}: not guild/channel"));
            continue;
        };
        let Some(found) = world.channels.get(&channel) else {
            problems.push(format!("{url}: no such channel"));
            continue;
        };
        if found.guild_id != Some(guild) || found.kind != CHANNEL_VOICE {
            problems.push(format!("{url}: not a voice channel of guild {guild}"));
            continue;
        }
        if let Some(member) = recipient {
            let given = found.overwrites.iter().any(|overwrite| {
                overwrite.id == member
                    && overwrite.kind == 1
                    && overwrite.allow & perms::CONNECT != 0
            });
            if !given {
                problems.push(format!("{url}: not a room member {member} was given"));
            }
        }
    }
    problems
}
