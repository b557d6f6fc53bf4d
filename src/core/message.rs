//! Messages are built from parts so each platform renders times and mentions its own way:
//! the shell prints "09:00 CET", Discord writes `<t:unix:F>`, Matrix writes the member's zone.
//! Commands a member can type and actions a member can take are parts too, never conventions
//! inside text: Discord turns a command into its slash command and an action into a button,
//! Matrix and the shell write what to type.
//!
//! This is the core's vocabulary: the engine builds messages, adapters render them, and
//! nothing here knows a platform.
//!
//! A message can also be a *card*: a title that says what happened, a tone (what it means:
//! confirmed, reminder, start, problem), fields ("When", "With", "Room"), a list (sessions,
//! open times), a footer, and one obvious next step (an action part, or joining the room).
//! All of that is optional and additive: a message with none of it renders exactly as plain
//! parts always did, so messages built with only `text`/`time`/… still read right everywhere.

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
    Friends,
    Msg,
    Move,
    Unfriend,
    Favourite,
    Unfavourite,
    Block,
    Unblock,
    Calendar,
    Setup,
    Help,
    Stats,
    Leaderboard,
    Rematch,
    Privacy,
    CheckIn,
    Report,
    Snooze,
    Blocked,
}

impl CommandWord {
    /// Every command word, in the order the overall help lists them.
    pub const ALL: [CommandWord; 26] = [
        CommandWord::Book,
        CommandWord::Cancel,
        CommandWord::Sessions,
        CommandWord::Slots,
        CommandWord::Timezone,
        CommandWord::Prefs,
        CommandWord::Friend,
        CommandWord::Friends,
        CommandWord::Msg,
        CommandWord::Move,
        CommandWord::Unfriend,
        CommandWord::Favourite,
        CommandWord::Unfavourite,
        CommandWord::Block,
        CommandWord::Unblock,
        CommandWord::Calendar,
        CommandWord::Setup,
        CommandWord::Help,
        CommandWord::Stats,
        CommandWord::Leaderboard,
        CommandWord::Rematch,
        CommandWord::Privacy,
        CommandWord::CheckIn,
        CommandWord::Report,
        CommandWord::Snooze,
        CommandWord::Blocked,
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
            CommandWord::Friends => "friends",
            CommandWord::Msg => "msg",
            CommandWord::Move => "move",
            CommandWord::Unfriend => "unfriend",
            CommandWord::Favourite => "favourite",
            CommandWord::Unfavourite => "unfavourite",
            CommandWord::Block => "block",
            CommandWord::Unblock => "unblock",
            CommandWord::Calendar => "calendar",
            CommandWord::Setup => "setup",
            CommandWord::Help => "help",
            CommandWord::Stats => "stats",
            CommandWord::Leaderboard => "leaderboard",
            CommandWord::Rematch => "rematch",
            CommandWord::Privacy => "privacy",
            CommandWord::CheckIn => "checkin",
            CommandWord::Report => "report",
            CommandWord::Snooze => "snooze",
            CommandWord::Blocked => "blocked",
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
    /// Accept the friend request of the member with this platform user id (a friend
    /// request's action). The id is what the platform already shows (a Matrix id, a shell
    /// name) or stays inside a button (a Discord snowflake).
    AcceptFriend { requester_platform_user_id: String },
    /// Decline that request; the requester is not told.
    DeclineFriend { requester_platform_user_id: String },
    /// Reply to a partner message from the member with this platform user id.
    ReplyTo { sender_platform_user_id: String },
    /// Move this booking to the slot starting at `local_time` (the member's wall time, as a
    /// member would type it: "2026-11-30 09:15"): a lone booker's offer of company.
    MoveBooking {
        booking: BookingId,
        local_time: String,
    },
    /// Keep waiting for a late partner: no rematch at the attendance check.
    KeepWaiting,
    /// Be re-paired now with someone else who is free.
    RematchNow,
    /// Accept invitation `invitation` to lock in a session with a friend (`book accept 7`):
    /// books the slot and pairs the two together.
    AcceptLockedSession { invitation: i64 },
    /// Decline that invitation (`book decline 7`); the inviter keeps a normal booking.
    DeclineLockedSession { invitation: i64 },
    /// Yes, erase everything stored about me (`privacy delete`'s confirmation).
    ConfirmDeletion,
    /// The check-in's "how did it go" (issue 11): this booking's session went `verdict`.
    CheckInVerdict {
        booking: BookingId,
        verdict: crate::core::check_in::SessionVerdict,
    },
    /// The check-in's "partner absent". `partner_name` names the partner in a trio; a pair's
    /// one partner is implied (`None`).
    PartnerAbsent {
        booking: BookingId,
        partner_platform_user_id: String,
        partner_name: Option<String>,
    },
    /// One of the check-in's actions about one partner: add as friend, favourite, block,
    /// report (one set per partner in a trio).
    AboutPartner {
        kind: PartnerActionKind,
        partner_platform_user_id: String,
        partner_name: String,
    },
    /// Book the same wall time a week later (`local_time` as typed, like `MoveBooking`).
    BookSameTimeNextWeek {
        local_time: String,
        length_minutes: u32,
    },
}

/// What the check-in offers to do about a partner.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PartnerActionKind {
    AddFriend,
    Favourite,
    Block,
    Report,
}

impl MessageAction {
    /// The words on a button.
    pub fn label(&self) -> String {
        match self {
            MessageAction::CancelBooking(_) => "Cancel this session".to_string(),
            MessageAction::BookAnother => "Book another session".to_string(),
            MessageAction::AcceptFriend { .. } => "Accept".to_string(),
            MessageAction::DeclineFriend { .. } => "Decline".to_string(),
            MessageAction::ReplyTo { .. } => "Reply".to_string(),
            // The time only: the day is the one the message is about.
            MessageAction::MoveBooking { local_time, .. } => format!(
                "Move to {}",
                local_time.rsplit(' ').next().unwrap_or(local_time)
            ),
            MessageAction::KeepWaiting => "Keep waiting".to_string(),
            MessageAction::RematchNow => "Rematch now".to_string(),
            MessageAction::AcceptLockedSession { .. } => "Accept".to_string(),
            MessageAction::DeclineLockedSession { .. } => "Decline".to_string(),
            MessageAction::ConfirmDeletion => "Yes, delete my data".to_string(),
            MessageAction::CheckInVerdict { verdict, .. } => match verdict {
                crate::core::check_in::SessionVerdict::Done => "Mark it done".to_string(),
                crate::core::check_in::SessionVerdict::Partly => "Mark it partly done".to_string(),
            },
            MessageAction::PartnerAbsent { partner_name, .. } => match partner_name {
                Some(name) => format!("Say {name} was absent"),
                None => "Say your partner was absent".to_string(),
            },
            MessageAction::AboutPartner {
                kind, partner_name, ..
            } => match kind {
                PartnerActionKind::AddFriend => format!("Add {partner_name} as a friend"),
                PartnerActionKind::Favourite => format!("Favourite {partner_name}"),
                PartnerActionKind::Block => format!("Block {partner_name}"),
                PartnerActionKind::Report => format!("Report {partner_name}"),
            },
            MessageAction::BookSameTimeNextWeek { .. } => {
                "Book the same time next week".to_string()
            }
        }
    }

    /// The command that does the same when typed, for platforms without buttons.
    pub fn as_command(&self) -> (CommandWord, String) {
        match self {
            MessageAction::CancelBooking(booking) => (CommandWord::Cancel, booking.0.to_string()),
            MessageAction::BookAnother => (CommandWord::Book, "next".to_string()),
            MessageAction::AcceptFriend {
                requester_platform_user_id,
            } => (
                CommandWord::Friend,
                format!("accept {}", as_handle(requester_platform_user_id)),
            ),
            MessageAction::DeclineFriend {
                requester_platform_user_id,
            } => (
                CommandWord::Friend,
                format!("decline {}", as_handle(requester_platform_user_id)),
            ),
            MessageAction::ReplyTo {
                sender_platform_user_id,
            } => (
                CommandWord::Msg,
                format!("{} <your message>", as_handle(sender_platform_user_id)),
            ),
            MessageAction::MoveBooking {
                booking,
                local_time,
            } => (CommandWord::Move, format!("{} {local_time}", booking.0)),
            MessageAction::KeepWaiting => (CommandWord::Rematch, "wait".to_string()),
            MessageAction::RematchNow => (CommandWord::Rematch, "now".to_string()),
            MessageAction::AcceptLockedSession { invitation } => {
                (CommandWord::Book, format!("accept {invitation}"))
            }
            MessageAction::DeclineLockedSession { invitation } => {
                (CommandWord::Book, format!("decline {invitation}"))
            }
            MessageAction::ConfirmDeletion => (CommandWord::Privacy, "delete confirm".to_string()),
            MessageAction::CheckInVerdict { booking, verdict } => (
                CommandWord::CheckIn,
                format!("{} {}", booking.0, verdict.as_str()),
            ),
            MessageAction::PartnerAbsent {
                booking,
                partner_platform_user_id,
                partner_name,
            } => (
                CommandWord::CheckIn,
                match partner_name {
                    Some(_) => format!(
                        "{} absent {}",
                        booking.0,
                        as_handle(partner_platform_user_id)
                    ),
                    None => format!("{} absent", booking.0),
                },
            ),
            MessageAction::AboutPartner {
                kind,
                partner_platform_user_id,
                ..
            } => {
                let handle = as_handle(partner_platform_user_id);
                match kind {
                    PartnerActionKind::AddFriend => (CommandWord::Friend, handle),
                    PartnerActionKind::Favourite => (CommandWord::Favourite, handle),
                    PartnerActionKind::Block => (CommandWord::Block, handle),
                    PartnerActionKind::Report => {
                        (CommandWord::Report, format!("{handle} <what happened>"))
                    }
                }
            }
            MessageAction::BookSameTimeNextWeek {
                local_time,
                length_minutes,
            } => (CommandWord::Book, format!("{local_time} {length_minutes}m")),
        }
    }
}

/// A platform user id as a member types it: with one leading `@` (`@bob:example.org` already
/// has it, the shell's `bob` gets it).
fn as_handle(platform_user_id: &str) -> String {
    format!("@{}", platform_user_id.trim_start_matches('@'))
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

/// What a message means. Discord shows it as the card's colour; Matrix and the shell have no
/// colour, so the title carries the meaning there.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Tone {
    /// No particular meaning (help, lists, settings).
    #[default]
    Plain,
    /// Something the member asked for is done (booked, cancelled, session done).
    Confirmed,
    /// Something is coming up (a reminder).
    Reminder,
    /// It is happening now: go to your room.
    Start,
    /// Something went wrong or was refused; the text says what would work.
    Problem,
}

/// One labelled value on a card: "When" → a time part, "With" → mentions, "Room" → a room.
#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    /// Short plain text ("When"); never a name someone chose.
    pub name: String,
    pub value: Vec<MessagePart>,
}

/// The pair room the card's main button opens (Discord: a link button to the voice channel;
/// Matrix: a matrix.to link; the shell: `/join`).
#[derive(Debug, Clone, PartialEq)]
pub struct RoomToJoin {
    pub room: String,
    pub title: String,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct OutgoingMessage {
    /// The body: what a message without card structure is made of.
    pub parts: Vec<MessagePart>,
    /// What happened, in a few words ("Booked #12", "It's time! Join your room"). Plain text:
    /// no times or names, since Discord renders neither in an embed title.
    pub title: Option<String>,
    pub tone: Tone,
    pub fields: Vec<Field>,
    /// A list under the body, one entry per line (upcoming sessions, open times).
    pub items: Vec<Vec<MessagePart>>,
    /// Small print under everything, plain text.
    pub footer: Option<String>,
    /// The main next step when it is "go to your room"; other next steps are action parts.
    pub join: Option<RoomToJoin>,
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
    /// The card's title: what happened (see [`OutgoingMessage::title`]).
    pub fn titled(mut self, title: impl Into<String>) -> Self {
        self.title = Some(title.into());
        self
    }
    pub fn tone(mut self, tone: Tone) -> Self {
        self.tone = tone;
        self
    }
    /// A labelled value; `value` is a message whose parts become the field's value.
    pub fn field(mut self, name: impl Into<String>, value: OutgoingMessage) -> Self {
        self.fields.push(Field {
            name: name.into(),
            value: value.parts,
        });
        self
    }
    /// One list entry; `entry` is a message whose parts become the line.
    pub fn item(mut self, entry: OutgoingMessage) -> Self {
        self.items.push(entry.parts);
        self
    }
    pub fn footer(mut self, footer: impl Into<String>) -> Self {
        self.footer = Some(footer.into());
        self
    }
    /// The main next step: join this pair room.
    pub fn join_room(mut self, room: impl Into<String>, title: impl Into<String>) -> Self {
        self.join = Some(RoomToJoin {
            room: room.into(),
            title: title.into(),
        });
        self
    }
    /// Whether the message has any card structure; one without renders as plain parts.
    pub fn is_card(&self) -> bool {
        self.title.is_some()
            || !self.fields.is_empty()
            || !self.items.is_empty()
            || self.footer.is_some()
            || self.join.is_some()
    }
    /// Every part of the message, wherever it sits: body, fields, then list entries.
    pub fn all_parts(&self) -> impl Iterator<Item = &MessagePart> {
        self.parts
            .iter()
            .chain(self.fields.iter().flat_map(|field| field.value.iter()))
            .chain(self.items.iter().flatten())
    }
    /// The pair room the message is about: the one to join, or else the first room it names.
    pub fn pair_room(&self) -> Option<&str> {
        self.join
            .as_ref()
            .map(|join| join.room.as_str())
            .or_else(|| {
                self.all_parts().find_map(|part| match part {
                    MessagePart::Room { room, .. } => Some(room.as_str()),
                    _ => None,
                })
            })
    }
    /// The body's parts without its actions (a card shows its actions last).
    pub fn body_parts(&self) -> impl Iterator<Item = &MessagePart> {
        self.parts
            .iter()
            .filter(|part| !matches!(part, MessagePart::Action(_)))
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

    /// Plain-text rendering with times in their zones: the shell's and the logs' view. A card
    /// is laid out as its title, body, list, fields, footer and next steps, one per line;
    /// joining the room reads "→ Join the room: #title" (the shell says its own command).
    pub fn render_plain(&self) -> String {
        self.render_plain_joining_with(|join| format!("#{}", join.title))
    }

    /// [`render_plain`](Self::render_plain), with `how_to_join` saying how to join the room.
    pub fn render_plain_joining_with(&self, how_to_join: impl Fn(&RoomToJoin) -> String) -> String {
        if !self.is_card() {
            return render_parts_plain(&self.parts);
        }
        let mut lines: Vec<String> = Vec::new();
        if let Some(title) = &self.title {
            lines.push(title.clone());
        }
        let body = render_parts_plain(&self.body_parts().cloned().collect::<Vec<_>>());
        if !body.trim().is_empty() {
            lines.push(body.trim().to_string());
        }
        for item in &self.items {
            lines.push(format!("  • {}", render_parts_plain(item)));
        }
        for field in &self.fields {
            lines.push(format!(
                "{}: {}",
                field.name,
                render_parts_plain(&field.value)
            ));
        }
        if let Some(footer) = &self.footer {
            lines.push(footer.clone());
        }
        if let Some(join) = &self.join {
            lines.push(format!("→ Join the room: {}", how_to_join(join)));
        }
        for action in self.actions() {
            lines.push(action_as_text(action, "`", "`").trim_start().to_string());
        }
        lines.join("\n")
    }
}

/// Parts as plain text, times in their zones.
fn render_parts_plain(parts: &[MessagePart]) -> String {
    let mut out = String::new();
    for part in parts {
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
