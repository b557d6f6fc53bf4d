//! User errors are typed and answered in plain words; anything else is logged with context and
//! answered generically. A command that fails changes nothing it had not already committed.
//! Jobs fail with a [`JobError`]: retried later, or (a simulated crash in tests) stopped.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use crate::core::message::{render_time_in_zone, CommandWord, OutgoingMessage};

use crate::command::parse::CommandParseError;
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
    #[error("You have no weekly bookings.")]
    NoWeeklySeries,
    #[error("#{0} isn't part of a weekly series. `cancel {0}` cancels it.")]
    NotWeekly(i64),
    #[error("There is no booking #{0}. `sessions` lists yours.")]
    NoSuchBooking(i64),
    #[error("You have no booking at {}. `sessions` lists yours.", render_time_in_zone(*.0, *.1))]
    NoBookingAt(DateTime<Utc>, Tz),
    #[error(
        "I don't know anyone called \"{0}\" here yet — they need to have used focusfolk once."
    )]
    UnknownMember(String),
    /// `count` members share the name; `handles` are their public handles (`@ann:example.org`
    /// on Matrix, the shell's names), empty where user ids are not for showing.
    #[error("{}", ambiguous_member(.name, *.count, .handles))]
    AmbiguousMember {
        name: String,
        count: usize,
        handles: Vec<String>,
    },
    #[error("You're sending commands faster than I can take them; wait a few seconds.")]
    SlowDown,
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
            UserError::NotWeekly(id) => OutgoingMessage::new()
                .text(format!("#{id} isn't part of a weekly series. "))
                .command(CommandWord::Cancel, id.to_string())
                .text(" cancels it."),
            UserError::AdminOnly => OutgoingMessage::new()
                .text("Only community admins can change the rules. ")
                .command(CommandWord::Setup, "")
                .text(" on its own shows them."),
            other => OutgoingMessage::new().text(other.to_string()),
        }
    }
}

/// "Two members here are called Alice: @alice:one.org, @alice:two.org. Say it again with the
/// handle of the one you mean." Without handles to show, the generic "use their @handle".
fn ambiguous_member(name: &str, count: usize, handles: &[String]) -> String {
    const WORDS: [&str; 8] = [
        "Two", "Three", "Four", "Five", "Six", "Seven", "Eight", "Nine",
    ];
    let how_many = WORDS.get(count.saturating_sub(2)).unwrap_or(&"Several");
    if handles.is_empty() {
        format!("{how_many} members here are called {name}; use their @handle instead of the name.")
    } else {
        format!(
            "{how_many} members here are called {name}: {}. Say it again with the handle of the one you mean.",
            handles.join(", ")
        )
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

/// Why a job did not finish this time.
#[derive(Debug, thiserror::Error)]
pub enum JobError {
    /// Worth another attempt later (platform hiccup, rate limit).
    #[error("will retry: {0}")]
    Retry(String),
    /// Simulated process death (crash tests): stop without finishing or releasing the job.
    #[error("simulated crash")]
    Crashed,
    #[error("unexpected: {0:#}")]
    Unexpected(anyhow::Error),
}

impl JobError {
    pub fn unexpected(error: impl Into<anyhow::Error>) -> Self {
        JobError::Unexpected(error.into())
    }
}
