//! User errors are typed and answered in plain words; anything else is logged with context and
//! answered generically. A command that fails changes nothing it had not already committed.
//! Jobs fail with a [`JobError`]: retried later, or (a simulated crash in tests) stopped.

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
    #[error("You already have a booking at that time.")]
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
    /// What the member typed for a name; only a short excerpt of it is ever echoed.
    #[error(
        "I don't know anyone called \"{}\" here yet — they need to have used focusfolk once.",
        shorten(.0)
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
    /// A social command refused (issue 11): friends, partner messages, blocks.
    #[error("{0}")]
    Social(#[from] super::social::SocialRefusal),
    /// `rematch now|wait` outside a session that has started and not ended.
    #[error("You have no session in progress: rematch works once your session has started, when your partner hasn't arrived.")]
    NoSessionInProgress,
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
    /// These effects failed temporarily; every other effect of the job was carried through.
    /// A retry redoes only these (the effect log skips the rest).
    #[error("will retry: {}", describe_failed(.0))]
    Effects(Vec<FailedEffect>),
    /// Simulated process death (crash tests): stop without finishing or releasing the job.
    #[error("simulated crash")]
    Crashed,
    #[error("unexpected: {0:#}")]
    Unexpected(anyhow::Error),
}

/// One effect that failed temporarily: its idempotency key and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FailedEffect {
    pub key: String,
    pub why: String,
}

fn describe_failed(failed: &[FailedEffect]) -> String {
    let shown: Vec<String> = failed
        .iter()
        .take(5)
        .map(|effect| format!("{}: {}", effect.key, effect.why))
        .collect();
    let more = failed.len().saturating_sub(shown.len());
    let mut text = shown.join("; ");
    if more > 0 {
        text.push_str(&format!("; and {more} more"));
    }
    text
}

impl JobError {
    pub fn unexpected(error: impl Into<anyhow::Error>) -> Self {
        JobError::Unexpected(error.into())
    }

    /// One effect failed temporarily.
    pub fn effect(key: impl Into<String>, why: impl std::fmt::Display) -> Self {
        JobError::Effects(vec![FailedEffect {
            key: key.into(),
            why: why.to_string(),
        }])
    }

    /// The keys of the effects this error is about (empty when it is not about effects).
    pub fn failed_effect_keys(&self) -> Vec<String> {
        match self {
            JobError::Effects(failed) => failed.iter().map(|effect| effect.key.clone()).collect(),
            _ => Vec::new(),
        }
    }

    /// Both errors as one: a (simulated) crash outranks an unexpected error, which outranks
    /// temporary failures; temporary effect failures add up, so a retry knows all of them.
    pub fn merge(self, other: JobError) -> JobError {
        fn rank(error: &JobError) -> u8 {
            match error {
                JobError::Crashed => 2,
                JobError::Unexpected(_) => 1,
                JobError::Retry(_) | JobError::Effects(_) => 0,
            }
        }
        fn into_failed(error: JobError) -> Vec<FailedEffect> {
            match error {
                JobError::Effects(failed) => failed,
                other => vec![FailedEffect {
                    key: "job".into(),
                    why: other.to_string(),
                }],
            }
        }
        match (rank(&self), rank(&other)) {
            (a, b) if a > b => self,
            (a, b) if a < b => other,
            (0, 0) => {
                let mut failed = into_failed(self);
                failed.extend(into_failed(other));
                JobError::Effects(failed)
            }
            _ => self,
        }
    }
}

/// What a job collects while it carries every effect to its own end: the failures so far.
/// A crash stops the job at once (the process is "dead"); anything else is noted and the job
/// goes on with its other effects, failing at the end so the runner retries what failed.
#[derive(Debug, Default)]
pub struct Shortfall {
    error: Option<JobError>,
}

impl Shortfall {
    /// The value, or `None` after noting the failure. `Err` only for a crash.
    pub fn take<T>(&mut self, result: Result<T, JobError>) -> Result<Option<T>, JobError> {
        match result {
            Ok(value) => Ok(Some(value)),
            Err(JobError::Crashed) => Err(JobError::Crashed),
            Err(error) => {
                self.error = Some(match self.error.take() {
                    Some(current) => current.merge(error),
                    None => error,
                });
                Ok(None)
            }
        }
    }

    /// Every result in order, failures as `None`. `Err` only for a crash.
    pub fn take_all<T>(
        &mut self,
        results: Vec<Result<T, JobError>>,
    ) -> Result<Vec<Option<T>>, JobError> {
        results
            .into_iter()
            .map(|result| self.take(result))
            .collect()
    }

    /// The job's summary if nothing failed; otherwise the failures, for the runner to retry.
    pub fn finish(self, summary: String) -> Result<String, JobError> {
        match self.error {
            None => Ok(summary),
            Some(error) => Err(error),
        }
    }
}
