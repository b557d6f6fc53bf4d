//! Messages are built from parts so each platform renders times and mentions its own way:
//! the shell prints "09:00 CET", Discord writes `<t:unix:F>`, Matrix writes the member's zone.
//! Commands a member can type and actions a member can take are parts too, never conventions
//! inside text: Discord turns a command into its slash command and an action into a button,
//! Matrix and the shell write what to type.
//!
//! This is the core's vocabulary: the engine builds messages, adapters render them, and
//! nothing here knows a platform.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use crate::core::model::BookingId;
use crate::core::slot_grid;

/// The command words of the one command language, as a member types them in text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CommandWord {
    Book,
    Cancel,
    Sessions,
    Slots,
    Timezone,
    Prefs,
    Friend,
    Unfriend,
    Favourite,
    Unfavourite,
    Block,
    Unblock,
    Calendar,
    Setup,
    Help,
}

impl CommandWord {
    /// Every command word, in the order the overall help lists them.
    pub const ALL: [CommandWord; 15] = [
        CommandWord::Book,
        CommandWord::Cancel,
        CommandWord::Sessions,
        CommandWord::Slots,
        CommandWord::Timezone,
        CommandWord::Prefs,
        CommandWord::Friend,
        CommandWord::Unfriend,
        CommandWord::Favourite,
        CommandWord::Unfavourite,
        CommandWord::Block,
        CommandWord::Unblock,
        CommandWord::Calendar,
        CommandWord::Setup,
        CommandWord::Help,
    ];

    pub const fn as_str(self) -> &'static str {
        match self {
            CommandWord::Book => "book",
            CommandWord::Cancel => "cancel",
            CommandWord::Sessions => "sessions",
            CommandWord::Slots => "slots",
            CommandWord::Timezone => "timezone",
            CommandWord::Prefs => "prefs",
            CommandWord::Friend => "friend",
            CommandWord::Unfriend => "unfriend",
            CommandWord::Favourite => "favourite",
            CommandWord::Unfavourite => "unfavourite",
            CommandWord::Block => "block",
            CommandWord::Unblock => "unblock",
            CommandWord::Calendar => "calendar",
            CommandWord::Setup => "setup",
            CommandWord::Help => "help",
        }
    }
}

/// Something the member can do next with one click (Discord) or one reply (Matrix, shell).
#[derive(Debug, Clone, PartialEq)]
pub enum MessageAction {
    /// Cancel this booking (a reminder's action).
    CancelBooking(BookingId),
    /// Book another session (a check-in's action).
    BookAnother,
}

impl MessageAction {
    /// The words on a button.
    pub fn label(&self) -> &'static str {
        match self {
            MessageAction::CancelBooking(_) => "Cancel this session",
            MessageAction::BookAnother => "Book another session",
        }
    }

    /// The command that does the same when typed, for platforms without buttons.
    pub fn as_command(&self) -> (CommandWord, String) {
        match self {
            MessageAction::CancelBooking(booking) => (CommandWord::Cancel, booking.0.to_string()),
            MessageAction::BookAnother => (CommandWord::Book, "next".to_string()),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum MessagePart {
    Text(String),
    /// An instant, to be shown in `zone` where the platform cannot localise it itself.
    Time {
        at: DateTime<Utc>,
        zone: Tz,
    },
    /// A name someone chose (another member's display name, or what a member typed for one):
    /// shown as written, never as markup; Discord escapes its markdown, Matrix its HTML.
    Name(String),
    /// A member mention.
    Mention {
        platform_user_id: String,
        display_name: String,
    },
    /// A pair room reference.
    Room {
        room: String,
        title: String,
    },
    /// A command the member can type, e.g. `book next`: Discord shows its slash command,
    /// Matrix and the shell the words (with the prefix where one is needed).
    Command {
        word: CommandWord,
        /// What follows the command word, as typed in text ("next", "<name>"); may be empty.
        arguments: String,
    },
    /// What the member can do next; rendered as a button or as a line saying what to type.
    Action(MessageAction),
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct OutgoingMessage {
    pub parts: Vec<MessagePart>,
}

impl OutgoingMessage {
    pub fn new() -> Self {
        Self::default()
    }
    pub fn text(mut self, text: impl Into<String>) -> Self {
        self.parts.push(MessagePart::Text(text.into()));
        self
    }
    /// A name someone chose, shown as written (see [`MessagePart::Name`]).
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.parts.push(MessagePart::Name(name.into()));
        self
    }
    pub fn time(mut self, at: DateTime<Utc>, zone: Tz) -> Self {
        self.parts.push(MessagePart::Time { at, zone });
        self
    }
    pub fn mention(
        mut self,
        platform_user_id: impl Into<String>,
        display_name: impl Into<String>,
    ) -> Self {
        self.parts.push(MessagePart::Mention {
            platform_user_id: platform_user_id.into(),
            display_name: display_name.into(),
        });
        self
    }
    pub fn command(mut self, word: CommandWord, arguments: impl Into<String>) -> Self {
        self.parts.push(MessagePart::Command {
            word,
            arguments: arguments.into(),
        });
        self
    }
    pub fn action(mut self, action: MessageAction) -> Self {
        self.parts.push(MessagePart::Action(action));
        self
    }
    /// Appends another message's parts.
    pub fn append(mut self, other: OutgoingMessage) -> Self {
        self.parts.extend(other.parts);
        self
    }
    /// The actions in this message, in order.
    pub fn actions(&self) -> impl Iterator<Item = &MessageAction> {
        self.parts.iter().filter_map(|part| match part {
            MessagePart::Action(action) => Some(action),
            _ => None,
        })
    }
    pub fn room(mut self, room: impl Into<String>, title: impl Into<String>) -> Self {
        self.parts.push(MessagePart::Room {
            room: room.into(),
            title: title.into(),
        });
        self
    }

    /// Plain-text rendering with times in their zones: the shell's and the logs' view.
    pub fn render_plain(&self) -> String {
        let mut out = String::new();
        for part in &self.parts {
            match part {
                MessagePart::Text(text) | MessagePart::Name(text) => out.push_str(text),
                MessagePart::Time { at, zone } => out.push_str(&render_time_in_zone(*at, *zone)),
                MessagePart::Mention { display_name, .. } => {
                    out.push('@');
                    out.push_str(display_name);
                }
                MessagePart::Room { title, .. } => {
                    out.push('#');
                    out.push_str(title);
                }
                MessagePart::Command { word, arguments } => {
                    out.push_str(&command_text(*word, arguments, "`", "`"));
                }
                MessagePart::Action(action) => out.push_str(&action_as_text(action, "`", "`")),
            }
        }
        out
    }
}

/// "book next", or "book" alone, wrapped in `open`/`close` (backticks, `<code>` tags).
pub fn command_text(word: CommandWord, arguments: &str, open: &str, close: &str) -> String {
    let arguments = arguments.trim();
    if arguments.is_empty() {
        format!("{open}{}{close}", word.as_str())
    } else {
        format!("{open}{} {arguments}{close}", word.as_str())
    }
}

/// An action for platforms without buttons: a line saying what to type.
pub fn action_as_text(action: &MessageAction, open: &str, close: &str) -> String {
    let (word, arguments) = action.as_command();
    format!(
        "\n→ {}: {}",
        action.label(),
        command_text(word, &arguments, open, close)
    )
}

/// "Mon 30 Nov 09:00 CET" — always with the zone abbreviation, so nobody guesses which zone.
/// Guarded: chrono panics formatting a local time outside its calendar, which only the very
/// ends of its range can produce; those are written as RFC 3339 instead.
pub fn render_time_in_zone(at: DateTime<Utc>, zone: Tz) -> String {
    match slot_grid::wall_clock(at, zone) {
        Some(_) => at
            .with_timezone(&zone)
            .format("%a %-d %b %H:%M %Z")
            .to_string(),
        None => at.to_rfc3339(),
    }
}
