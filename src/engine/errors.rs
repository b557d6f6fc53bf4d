//! User errors are typed and answered in plain words; anything else is logged with context and
//! answered generically. A command that fails changes nothing it had not already committed.

use chrono_tz::Tz;

use crate::command::parse::CommandParseError;
use crate::core::booking_rules::{BookingRejection, CancelRejection};
use crate::core::time_input::TimeInputError;

#[derive(Debug, thiserror::Error)]
pub enum UserError {
    #[error("{0}")]
    Parse(#[from] CommandParseError),
    #[error("{0}")]
    Time(#[from] TimeInputError),
    #[error("{}", .0.describe(*.1))]
    Booking(BookingRejection, Tz),
    #[error("{}", .0.describe())]
    Cancel(CancelRejection),
    #[error("You already have a booking in that slot.")]
    AlreadyBooked,
    #[error("You have no upcoming bookings to cancel.")]
    NothingToCancel,
    #[error("There is no booking #{0}. `sessions` lists yours.")]
    NoSuchBooking(i64),
    #[error("You have no booking at {0}. `sessions` lists yours.")]
    NoBookingAt(String),
    #[error("I don't know anyone called \"{0}\" here yet — they need to have used focusfolk once.")]
    UnknownMember(String),
    #[error("That's you! Pick someone else.")]
    RelationToSelf,
    #[error("Only community admins can change the rules. `setup` on its own shows them.")]
    AdminOnly,
    #[error("{0}")]
    BadSetup(String),
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
