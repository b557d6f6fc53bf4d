//! User errors are typed and answered in plain words; anything else is logged with context and
//! answered generically. A command that fails changes nothing it had not already committed.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use crate::core::message::{render_time_in_zone, CommandWord, OutgoingMessage};

use crate::command::parse::{shorten, CommandParseError};
use crate::core::booking_rules::{BookingRejection, CancelRejection};
use crate::core::time_input::TimeInputError;

#[derive(Debug, thiserror::Error)]
pub enum UserError {
    #[error("{0}")]
    Parse(#[from] CommandParseError),
    #[error("{0}")]
    Time(#[from] TimeInputError),
    #[error("{}", .0.describe(*.1).render_plain())]
    Booking(BookingRejection, Tz),
    #[error("{}", .0.describe())]
    Cancel(CancelRejection),
    #[error("You already have a booking in that slot.")]
    AlreadyBooked,
    #[error("You have no upcoming bookings to cancel.")]
    NothingToCancel,
    #[error("There is no booking #{0}. `sessions` lists yours.")]
    NoSuchBooking(i64),
    #[error("You have no booking at {}. `sessions` lists yours.", render_time_in_zone(*.0, *.1))]
    NoBookingAt(DateTime<Utc>, Tz),
    /// What the member typed for a name; only a short excerpt of it is ever echoed.
    #[error(
        "I don't know anyone called \"{}\" here yet — they need to have used focusfolk once.",
        shorten(.0)
    )]
    UnknownMember(String),
    #[error("That's you! Pick someone else.")]
    RelationToSelf,
    #[error("Only community admins can change the rules. `setup` on its own shows them.")]
    AdminOnly,
    #[error("{0}")]
    BadSetup(String),
}

impl UserError {
    /// The answer to the member: times as time parts and command names as command parts, so
    /// each platform shows them its own way.
    pub fn message(&self) -> OutgoingMessage {
        let sessions_hint = |message: OutgoingMessage| {
            message
                .text(". ")
                .command(CommandWord::Sessions, "")
                .text(" lists yours.")
        };
        match self {
            UserError::Booking(rejection, zone) => rejection.describe(*zone),
            UserError::NoBookingAt(at, zone) => sessions_hint(
                OutgoingMessage::new()
                    .text("You have no booking at ")
                    .time(*at, *zone),
            ),
            UserError::NoSuchBooking(id) => {
                sessions_hint(OutgoingMessage::new().text(format!("There is no booking #{id}")))
            }
            UserError::UnknownMember(typed) => OutgoingMessage::new()
                .text("I don't know anyone called \"")
                .name(shorten(typed))
                .text("\" here yet — they need to have used focusfolk once."),
            UserError::AdminOnly => OutgoingMessage::new()
                .text("Only community admins can change the rules. ")
                .command(CommandWord::Setup, "")
                .text(" on its own shows them."),
            other => OutgoingMessage::new().text(other.to_string()),
        }
    }
}

/// What a command produced: either a reply, or a problem to answer with.
#[derive(Debug)]
pub enum CommandFailure {
    User(UserError),
    Unexpected(anyhow::Error),
}

impl<E: Into<UserError>> From<E> for CommandFailure {
    fn from(error: E) -> Self {
        CommandFailure::User(error.into())
    }
}

pub fn unexpected(error: impl Into<anyhow::Error>) -> CommandFailure {
    CommandFailure::Unexpected(error.into())
}

pub const GENERIC_FAILURE_REPLY: &str =
    "Sorry — something went wrong on my side and I couldn't do that. Please try again in a minute.";
