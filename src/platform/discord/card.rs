//! A message as Discord shows it. A card (a message with a title, fields, a list, a tone …)
//! becomes one embed: the title says what happened, the description holds the body and the
//! list, fields sit side by side ("When" as `<t:…:F>` with `<t:…:R>`, "With" as mentions,
//! "Room" as a channel mention), the colour says what it means, and the one next step is a
//! button under it — **Join the room** as a link to the voice channel, or Cancel / Book again.
//! A message without card structure is plain content, as it always was.
//!
//! Every embed is cut to Discord's limits here, on character boundaries, so no message is ever
//! refused for its size: the fake Discord checks the same limits on everything it receives.

use poise::serenity_prelude as serenity;
use serde_json::{json, Value};

use super::render::{render, truncate};
use super::room_ref::RoomRef;
use crate::core::message::{MessageAction, MessagePart, OutgoingMessage, Tone};

/// Discord's limits for embeds and components (characters, not bytes).
pub mod limits {
    pub const TITLE: usize = 256;
    pub const DESCRIPTION: usize = 4096;
    pub const FIELD_NAME: usize = 256;
    pub const FIELD_VALUE: usize = 1024;
    pub const FIELDS: usize = 25;
    pub const FOOTER: usize = 2048;
    /// Title, description, field names and values and footer together.
    pub const TOTAL: usize = 6000;
    pub const ACTION_ROWS: usize = 5;
    pub const BUTTONS_PER_ROW: usize = 5;
    pub const BUTTON_LABEL: usize = 80;
}

/// Custom ids of the buttons that act (`components` answers them): they carry the guild,
/// since a DM has none and bookings belong to a community.
pub const CANCEL: &str = "cf:cancel";
pub const BOOK: &str = "cf:book";
pub const FRIEND: &str = "cf:friend";
pub const MOVE: &str = "cf:move";
/// "Keep waiting" / "Rematch now" of the T + 2 min message (`cf:rematch:now:<guild>`).
pub const REMATCH: &str = "cf:rematch";
/// `privacy delete`'s confirmation: `cf:privacy:delete:<guild>`.
pub const DELETE_MY_DATA: &str = "cf:privacy:delete";
/// A relayed partner message's Reply button (`reply_form` answers it with a form).
pub const REPLY: &str = "cf:reply";
/// Accept / Decline of an invitation to lock in a session with a friend.
pub const LOCK: &str = "cf:lock";

/// One colour per meaning, the same on every message.
pub fn colour(tone: Tone) -> u32 {
    match tone {
        Tone::Plain => 0x4F545C,     // grey
        Tone::Confirmed => 0x2D9D78, // green
        Tone::Reminder => 0xE8A33D,  // amber
        Tone::Start => 0x5865F2,     // Discord's blurple: "go"
        Tone::Problem => 0xD83C3E,   // red
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct EmbedField {
    pub name: String,
    pub value: String,
    pub inline: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Embed {
    pub title: Option<String>,
    pub description: Option<String>,
    pub fields: Vec<EmbedField>,
    pub footer: Option<String>,
    pub colour: u32,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ButtonTarget {
    /// A link button (style 5): opens the URL, no interaction.
    Link(String),
    /// A button the bot answers (`components::on_component`).
    Custom { custom_id: String, style: u8 },
}

#[derive(Debug, Clone, PartialEq)]
pub struct Button {
    pub label: String,
    pub target: ButtonTarget,
}

/// What one message becomes on Discord.
#[derive(Debug, Clone, PartialEq)]
pub struct DiscordMessage {
    /// Plain content; empty for a card (everything is in the embed).
    pub content: String,
    pub embed: Option<Embed>,
    /// At most [`limits::ACTION_ROWS`] × [`limits::BUTTONS_PER_ROW`].
    pub buttons: Vec<Button>,
}

/// Builds the Discord form of `message`. Buttons that act need `guild`, the community the
/// message is about; without one they are left out (a link button needs none).
pub fn build(message: &OutgoingMessage, guild: Option<u64>) -> DiscordMessage {
    let buttons = buttons(message, guild);
    if !message.is_card() && message.tone == Tone::Plain {
        return DiscordMessage {
            content: render(message),
            embed: None,
            buttons,
        };
    }
    DiscordMessage {
        content: String::new(),
        embed: Some(embed(message)),
        buttons,
    }
}

fn embed(message: &OutgoingMessage) -> Embed {
    let body_parts: Vec<MessagePart> = message.body_parts().cloned().collect();
    let mut description = render_unbounded(&body_parts).trim().to_string();
    for item in &message.items {
        if !description.is_empty() {
            description.push('\n');
        }
        description.push_str("• ");
        description.push_str(&render_unbounded(item));
    }
    let fields = message
        .fields
        .iter()
        .take(limits::FIELDS)
        .map(|field| {
            let value = render_unbounded(&field.value);
            EmbedField {
                name: non_empty(truncate(&field.name, limits::FIELD_NAME)),
                // Short values sit side by side; a long one gets its own line.
                inline: value.chars().count() <= 40,
                value: non_empty(truncate(&value, limits::FIELD_VALUE)),
            }
        })
        .collect();
    let mut embed = Embed {
        title: message
            .title
            .as_deref()
            .map(|title| truncate(title, limits::TITLE)),
        description: (!description.is_empty()).then(|| truncate(&description, limits::DESCRIPTION)),
        fields,
        footer: message
            .footer
            .as_deref()
            .map(|footer| truncate(footer, limits::FOOTER)),
        colour: colour(message.tone),
    };
    fit_total(&mut embed);
    embed
}

/// Discord refuses an empty field name or value.
fn non_empty(text: String) -> String {
    if text.trim().is_empty() {
        "—".to_string()
    } else {
        text
    }
}

/// Parts in Discord's markdown without the 2000-character cut of plain content (plain content
/// is cut by `render`; an embed has its own limits, applied by the caller).
fn render_unbounded(parts: &[MessagePart]) -> String {
    super::render::render_parts(parts)
}

/// The characters Discord counts towards an embed's 6000.
pub fn total_chars(embed: &Embed) -> usize {
    let count = |text: &Option<String>| text.as_deref().map_or(0, |text| text.chars().count());
    count(&embed.title)
        + count(&embed.description)
        + count(&embed.footer)
        + embed
            .fields
            .iter()
            .map(|field| field.name.chars().count() + field.value.chars().count())
            .sum::<usize>()
}

/// Over 6000 characters: the last fields go first (the title, the first fields and the start
/// of the description say the most), then the description is cut to what is left.
fn fit_total(embed: &mut Embed) {
    while total_chars(embed) > limits::TOTAL && !embed.fields.is_empty() {
        embed.fields.pop();
    }
    let excess = total_chars(embed).saturating_sub(limits::TOTAL);
    if excess > 0 {
        if let Some(description) = &embed.description {
            let keep = description.chars().count().saturating_sub(excess);
            embed.description = Some(truncate(description, keep));
        }
    }
    let excess = total_chars(embed).saturating_sub(limits::TOTAL);
    if excess > 0 {
        if let Some(footer) = &embed.footer {
            let keep = footer.chars().count().saturating_sub(excess);
            embed.footer = Some(truncate(footer, keep));
        }
    }
}

/// The join link first (it is the one thing to do), then a button per action.
fn buttons(message: &OutgoingMessage, guild: Option<u64>) -> Vec<Button> {
    let mut buttons = Vec::new();
    if let Some(room) = message
        .join
        .as_ref()
        .and_then(|join| RoomRef::parse(&join.room))
    {
        buttons.push(Button {
            label: "Join the room".to_string(),
            target: ButtonTarget::Link(channel_url(&room)),
        });
    }
    if let Some(guild) = guild {
        for action in message.actions() {
            let (style, custom_id) = match action {
                MessageAction::CancelBooking(booking) => {
                    (4, format!("{CANCEL}:{guild}:{}", booking.0))
                }
                MessageAction::BookAnother => (1, format!("{BOOK}:{guild}")),
                MessageAction::AcceptFriend {
                    requester_platform_user_id,
                } => (
                    3,
                    format!("{FRIEND}:accept:{guild}:{requester_platform_user_id}"),
                ),
                MessageAction::DeclineFriend {
                    requester_platform_user_id,
                } => (
                    2,
                    format!("{FRIEND}:decline:{guild}:{requester_platform_user_id}"),
                ),
                MessageAction::ReplyTo {
                    sender_platform_user_id,
                } => (1, format!("{REPLY}:{guild}:{sender_platform_user_id}")),
                // The local time goes last: it contains a colon.
                MessageAction::MoveBooking {
                    booking,
                    local_time,
                } => (1, format!("{MOVE}:{guild}:{}:{local_time}", booking.0)),
                MessageAction::KeepWaiting => (2, format!("{REMATCH}:wait:{guild}")),
                MessageAction::RematchNow => (1, format!("{REMATCH}:now:{guild}")),
                MessageAction::AcceptLockedSession { invitation } => {
                    (3, format!("{LOCK}:accept:{guild}:{invitation}"))
                }
                MessageAction::DeclineLockedSession { invitation } => {
                    (2, format!("{LOCK}:decline:{guild}:{invitation}"))
                }
                // Red: it erases the member's data (the click itself is the confirmation).
                MessageAction::ConfirmDeletion => (4, format!("{DELETE_MY_DATA}:{guild}")),
            };
            buttons.push(Button {
                label: button_label(&action.label()),
                target: ButtonTarget::Custom { custom_id, style },
            });
        }
    }
    buttons.truncate(limits::ACTION_ROWS * limits::BUTTONS_PER_ROW);
    buttons
}

/// A button's words, cut to Discord's 80 characters.
fn button_label(label: &str) -> String {
    truncate(label, limits::BUTTON_LABEL)
}

/// The voice channel's address: Discord opens (and offers to join) the channel.
pub fn channel_url(room: &RoomRef) -> String {
    format!(
        "https://discord.com/channels/{}/{}",
        room.guild, room.channel
    )
}

impl Embed {
    pub fn to_json(&self) -> Value {
        let mut embed = json!({ "color": self.colour });
        if let Some(title) = &self.title {
            embed["title"] = json!(title);
        }
        if let Some(description) = &self.description {
            embed["description"] = json!(description);
        }
        if !self.fields.is_empty() {
            embed["fields"] = self
                .fields
                .iter()
                .map(|field| json!({"name": field.name, "value": field.value, "inline": field.inline}))
                .collect();
        }
        if let Some(footer) = &self.footer {
            embed["footer"] = json!({ "text": footer });
        }
        embed
    }

    pub fn to_serenity(&self) -> serenity::CreateEmbed {
        let mut embed = serenity::CreateEmbed::new().colour(self.colour);
        if let Some(title) = &self.title {
            embed = embed.title(title);
        }
        if let Some(description) = &self.description {
            embed = embed.description(description);
        }
        for field in &self.fields {
            embed = embed.field(&field.name, &field.value, field.inline);
        }
        if let Some(footer) = &self.footer {
            embed = embed.footer(serenity::CreateEmbedFooter::new(footer));
        }
        embed
    }
}

impl DiscordMessage {
    /// Action rows of up to five buttons, as JSON for focusfolk's own REST calls.
    pub fn components_json(&self) -> Value {
        self.buttons
            .chunks(limits::BUTTONS_PER_ROW)
            .map(|row| {
                let buttons: Vec<Value> = row
                    .iter()
                    .map(|button| match &button.target {
                        ButtonTarget::Link(url) => {
                            json!({"type": 2, "style": 5, "label": button.label, "url": url})
                        }
                        ButtonTarget::Custom { custom_id, style } => {
                            json!({"type": 2, "style": style, "label": button.label, "custom_id": custom_id})
                        }
                    })
                    .collect();
                json!({"type": 1, "components": buttons})
            })
            .collect()
    }

    /// The same rows as serenity builders, for interaction answers.
    pub fn components_serenity(&self) -> Vec<serenity::CreateActionRow> {
        self.buttons
            .chunks(limits::BUTTONS_PER_ROW)
            .map(|row| {
                serenity::CreateActionRow::Buttons(
                    row.iter()
                        .map(|button| match &button.target {
                            ButtonTarget::Link(url) => {
                                serenity::CreateButton::new_link(url).label(&button.label)
                            }
                            ButtonTarget::Custom { custom_id, style } => {
                                serenity::CreateButton::new(custom_id)
                                    .label(&button.label)
                                    .style(match style {
                                        4 => serenity::ButtonStyle::Danger,
                                        2 => serenity::ButtonStyle::Secondary,
                                        3 => serenity::ButtonStyle::Success,
                                        _ => serenity::ButtonStyle::Primary,
                                    })
                            }
                        })
                        .collect(),
                )
            })
            .collect()
    }

    /// A channel message body (DM, lobby) sent at most once for `key`.
    pub fn message_once_json(&self, key: &str) -> Value {
        let mut body = super::channel_message::message_once(&self.content, key);
        if let Some(embed) = &self.embed {
            body["embeds"] = json!([embed.to_json()]);
        }
        if !self.buttons.is_empty() {
            body["components"] = self.components_json();
        }
        body
    }

    /// An ephemeral interaction answer (slash commands, the booking form).
    pub fn ephemeral_reply(&self) -> poise::CreateReply {
        let mut reply = poise::CreateReply::default().ephemeral(true);
        if !self.content.is_empty() {
            reply = reply.content(&self.content);
        }
        if let Some(embed) = &self.embed {
            reply = reply.embed(embed.to_serenity());
        }
        if !self.buttons.is_empty() {
            reply = reply.components(self.components_serenity());
        }
        reply
    }

    /// The same as an interaction response message (type 4 or 7).
    pub fn response_message(&self) -> serenity::CreateInteractionResponseMessage {
        let mut message = serenity::CreateInteractionResponseMessage::new()
            .content(&self.content)
            .components(self.components_serenity());
        message = match &self.embed {
            Some(embed) => message.embeds(vec![embed.to_serenity()]),
            None => message.embeds(vec![]),
        };
        message
    }

    /// The same as an edit of a deferred answer.
    pub fn edit_response(&self) -> serenity::EditInteractionResponse {
        let message = serenity::EditInteractionResponse::new()
            .content(&self.content)
            .components(self.components_serenity());
        match &self.embed {
            Some(embed) => message.embeds(vec![embed.to_serenity()]),
            None => message.embeds(vec![]),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::model::BookingId;

    /// Four-byte characters: a cut in the middle of one would not be a `String` at all, and
    /// counting bytes instead of characters would cut four times too early.
    fn long(count: usize) -> String {
        "🎯".repeat(count)
    }

    fn chars(text: &str) -> usize {
        text.chars().count()
    }

    fn embed_of(message: &OutgoingMessage) -> Embed {
        build(message, Some(1)).embed.expect("a card")
    }

    #[test]
    fn a_title_is_cut_to_256_characters() {
        let embed = embed_of(&OutgoingMessage::new().titled(long(300)));
        let title = embed.title.unwrap();
        assert_eq!(chars(&title), limits::TITLE);
        assert!(title.ends_with('…') && title.starts_with("🎯🎯"));
    }

    #[test]
    fn a_description_is_cut_to_4096_characters() {
        let embed = embed_of(&OutgoingMessage::new().titled("t").text(long(5000)));
        assert_eq!(chars(&embed.description.unwrap()), limits::DESCRIPTION);
    }

    #[test]
    fn a_list_counts_towards_the_description() {
        let mut message = OutgoingMessage::new().titled("t");
        for _ in 0..100 {
            message = message.item(OutgoingMessage::new().text(long(60)));
        }
        let description = embed_of(&message).description.unwrap();
        assert_eq!(chars(&description), limits::DESCRIPTION);
        assert!(description.starts_with("• 🎯"));
    }

    #[test]
    fn field_names_are_cut_to_256_and_values_to_1024_characters() {
        let embed = embed_of(
            &OutgoingMessage::new().field(long(300), OutgoingMessage::new().text(long(2000))),
        );
        assert_eq!(chars(&embed.fields[0].name), limits::FIELD_NAME);
        assert_eq!(chars(&embed.fields[0].value), limits::FIELD_VALUE);
        assert!(!embed.fields[0].inline, "a long value gets its own line");
    }

    #[test]
    fn empty_field_values_become_a_dash_since_discord_refuses_empty_ones() {
        let embed = embed_of(&OutgoingMessage::new().field("With", OutgoingMessage::new()));
        assert_eq!(embed.fields[0].value, "—");
        assert!(embed.fields[0].inline);
    }

    #[test]
    fn at_most_25_fields_are_kept() {
        let mut message = OutgoingMessage::new().titled("t");
        for index in 0..30 {
            message = message.field(format!("f{index}"), OutgoingMessage::new().text("v"));
        }
        let embed = embed_of(&message);
        assert_eq!(embed.fields.len(), limits::FIELDS);
        assert_eq!(embed.fields[24].name, "f24");
    }

    #[test]
    fn a_footer_is_cut_to_2048_characters() {
        let embed = embed_of(&OutgoingMessage::new().footer(long(3000)));
        assert_eq!(chars(&embed.footer.unwrap()), limits::FOOTER);
    }

    #[test]
    fn the_whole_embed_stays_within_6000_characters_keeping_the_first_fields() {
        let mut message = OutgoingMessage::new()
            .titled(long(256))
            .text(long(4096))
            .footer(long(2048));
        for index in 0..25 {
            message = message.field(
                format!("field {index}"),
                OutgoingMessage::new().text(long(1024)),
            );
        }
        let embed = embed_of(&message);
        assert!(
            total_chars(&embed) <= limits::TOTAL,
            "{}",
            total_chars(&embed)
        );
        assert_eq!(
            embed.fields.len(),
            0,
            "every field gave way to the description"
        );
        assert_eq!(chars(embed.title.as_deref().unwrap()), limits::TITLE);
        // Title 256 + footer 2048 leave 3696 for the description.
        assert_eq!(
            chars(embed.description.as_deref().unwrap()),
            6000 - 256 - 2048
        );

        let mut fields_only = OutgoingMessage::new().titled("Sessions");
        for index in 0..25 {
            fields_only = fields_only.field(
                format!("field {index}"),
                OutgoingMessage::new().text(long(1024)),
            );
        }
        let embed = embed_of(&fields_only);
        assert!(total_chars(&embed) <= limits::TOTAL);
        assert_eq!(embed.fields.len(), 5, "the first fields stay");
        assert_eq!(embed.fields[0].name, "field 0");
    }

    #[test]
    fn buttons_fill_at_most_5_rows_of_5() {
        let mut message = OutgoingMessage::new().titled("t");
        for booking in 0..40 {
            message = message.action(MessageAction::CancelBooking(BookingId(booking)));
        }
        let built = build(&message, Some(7));
        assert_eq!(built.buttons.len(), 25);
        let rows = built.components_json();
        let rows = rows.as_array().unwrap();
        assert_eq!(rows.len(), limits::ACTION_ROWS);
        assert!(rows
            .iter()
            .all(|row| row["components"].as_array().unwrap().len() == limits::BUTTONS_PER_ROW));
    }

    #[test]
    fn button_labels_are_cut_to_80_characters() {
        let label = button_label(&long(200));
        assert_eq!(chars(&label), limits::BUTTON_LABEL);
        for action in [
            MessageAction::CancelBooking(BookingId(1)),
            MessageAction::BookAnother,
        ] {
            assert!(chars(&action.label()) <= limits::BUTTON_LABEL);
        }
    }

    #[test]
    fn join_is_a_link_button_to_the_voice_channel_and_comes_first() {
        let message = OutgoingMessage::new()
            .titled("It's time! Join your room")
            .join_room("123/456", "Focus")
            .action(MessageAction::BookAnother);
        let built = build(&message, Some(123));
        assert_eq!(
            built.components_json(),
            serde_json::json!([{"type": 1, "components": [
                {"type": 2, "style": 5, "label": "Join the room", "url": "https://discord.com/channels/123/456"},
                {"type": 2, "style": 1, "label": "Book another session", "custom_id": "cf:book:123"},
            ]}])
        );
        // Without a guild nothing can act, but the link still leads to the room.
        let built = build(&message, None);
        assert_eq!(built.buttons.len(), 1);
        assert_eq!(
            built.buttons[0].target,
            ButtonTarget::Link("https://discord.com/channels/123/456".into())
        );
    }

    #[test]
    fn a_message_without_card_structure_stays_plain_content() {
        let message = OutgoingMessage::new()
            .text("Hello ")
            .mention("42", "bob")
            .action(MessageAction::BookAnother);
        let built = build(&message, Some(9));
        assert_eq!(built.content, "Hello <@42>");
        assert_eq!(built.embed, None);
        assert_eq!(built.buttons.len(), 1, "its action is still a button");
    }

    #[test]
    fn each_tone_has_its_own_colour() {
        let tones = [
            Tone::Plain,
            Tone::Confirmed,
            Tone::Reminder,
            Tone::Start,
            Tone::Problem,
        ];
        let colours: std::collections::HashSet<u32> = tones.iter().map(|t| colour(*t)).collect();
        assert_eq!(colours.len(), tones.len());
        let problem = build(
            &OutgoingMessage::new().text("No.").tone(Tone::Problem),
            None,
        );
        assert_eq!(
            problem.embed.unwrap().colour,
            0xD83C3E,
            "a refusal is a red card"
        );
    }
}
