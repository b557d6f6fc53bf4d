//! The social half of the bot (issue 11): friend requests and friendships, and what members
//! let each other see. Each command lives in a file of its own; `commands.rs` only dispatches
//! here. Refusals are [`SocialRefusal`]s, answered in plain words like every user error, and
//! never reveal what another member did not allow (blocks above all).

mod friends;
mod locked_sessions;
mod lone_booker;
mod messages;

use crate::core::friends::FriendRefusal;

/// Why a social command did nothing.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SocialRefusal {
    #[error("{0}")]
    Friend(#[from] FriendRefusal),
    #[error("That's you! Pick someone else.")]
    Yourself,
    #[error("You have no session partner to message right now: msg reaches the partner of your current session, your next matched one (matching happens 2 minutes before the start), or one that ended in the last 24 hours. To write to a friend, say msg @name and your message.")]
    NoPartnerToMessage,
    #[error("You can message your session partners (current, next matched, or from the last 24 hours) and your friends only.")]
    NotYourPartner,
    #[error("You blocked them, so I won't pass messages between you. Unblock them first.")]
    YouBlockedThem,
    #[error("That message is too long: keep it under {0} characters.")]
    MessageTooLong(usize),
    #[error("You've sent {0} messages in the last {1} minutes; wait a little before the next.")]
    TooManyMessages(usize, i64),
    #[error("{0}")]
    Locked(#[from] crate::core::locked_pairs::LockRefusal),
}
