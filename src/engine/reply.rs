//! What the engine answers a command with: the message, and what happened. Adapters act on
//! the outcome (open a DM after a booking, tell `/setup` a change was refused), never on the
//! message's text.

use crate::core::message::{OutgoingMessage, Tone};

#[derive(Debug, Clone, PartialEq)]
pub struct Reply {
    pub message: OutgoingMessage,
    pub outcome: CommandOutcome,
    /// Files that go with the message (a booking's `.ics` invite, a cancellation): Discord
    /// attaches them to the reply, Matrix uploads them into the DM, the shell writes them.
    pub attachments: Vec<Attachment>,
}

/// A file carried by a reply.
#[derive(Debug, Clone, PartialEq)]
pub struct Attachment {
    pub file_name: String,
    pub media_type: &'static str,
    pub bytes: Vec<u8>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CommandOutcome {
    /// A new booking exists: from now on the member expects DMs from the bot.
    Booked,
    /// The command did what was asked (a change saved, a list shown).
    Done,
    /// The member's request was refused; the message says why and what would work.
    Refused,
    /// Something unexpected failed; the message is the generic apology (the error is logged).
    Failed,
    /// The member's data was erased (`privacy delete confirm`): the adapter forgets what it
    /// keeps about them outside the store, if anything.
    Erased,
}

impl Reply {
    pub fn new(message: OutgoingMessage, outcome: CommandOutcome) -> Self {
        Reply {
            message,
            outcome,
            attachments: Vec::new(),
        }
    }

    pub fn with_attachments(mut self, attachments: Vec<Attachment>) -> Self {
        self.attachments = attachments;
        self
    }

    /// A refusal the adapter itself gives before the engine is asked (a slash command's
    /// option it could not read, a command outside a community).
    /// The message reads as a problem (Discord colours it) unless it already says otherwise.
    pub fn refused(message: OutgoingMessage) -> Self {
        let message = match message.tone {
            Tone::Plain => message.tone(Tone::Problem),
            _ => message,
        };
        Reply::new(message, CommandOutcome::Refused)
    }

    pub fn render_plain(&self) -> String {
        self.message.render_plain()
    }
}
