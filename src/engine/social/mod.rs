//! The social half of the bot (issue 11): friend requests and friendships, and what members
//! let each other see. Each command lives in a file of its own; `commands.rs` only dispatches
//! here. Refusals are [`SocialRefusal`]s, answered in plain words like every user error, and
//! never reveal what another member did not allow (blocks above all).

mod friends;

use crate::core::friends::FriendRefusal;

/// Why a social command did nothing.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SocialRefusal {
    #[error("{0}")]
    Friend(#[from] FriendRefusal),
    #[error("That's you! Pick someone else.")]
    Yourself,
}
