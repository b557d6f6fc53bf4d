//! Friendship rules: friends are mutual, so a friendship starts as a request that the other
//! member accepts. What a `friend …` command does depends only on where the two members stand
//! (and on blocks), which is decided here, without the store.
//!
//! Favourites stay one-way and private (`favourite @x` needs nobody's agreement and x is never
//! told); blocks are one-way and silent. The matching weighs a friendship (two `Friend` notes,
//! one from each side) above a favourite (one `Favourite` note): see
//! [`crate::core::matching::MatchingWeights`], whose defaults keep `2 × friend > favourite`.

/// A stored friend request's id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FriendRequestId(pub i64);

impl std::fmt::Display for FriendRequestId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// Where the actor and another member stand, seen from the actor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Friendship {
    Strangers,
    Friends,
    /// The actor asked; the other member has not answered.
    RequestSent,
    /// The other member asked the actor.
    RequestReceived,
}

/// What the member asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FriendChange {
    /// `friend @x`
    Request,
    /// `friend accept @x`
    Accept,
    /// `friend decline @x`
    Decline,
    /// `friend remove @x` (or `unfriend @x`): ends a friendship, or withdraws a request.
    Remove,
}

/// What to do, once allowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FriendStep {
    /// Store a request and tell the other member (unless they blocked the actor: then the
    /// request is stored, never shown to them, and the actor is not told why).
    SendRequest { deliver: bool },
    /// Both want it: the request from the other member becomes a friendship. Also what
    /// `friend @x` does when x already asked (asking back is agreeing).
    Accept,
    /// Drop the other member's request; they are not told.
    Decline,
    /// Drop the actor's own pending request.
    WithdrawRequest,
    /// End the friendship, for both.
    Unfriend,
}

/// Why a `friend …` command does nothing, in words the member sees.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum FriendRefusal {
    #[error("You're already friends.")]
    AlreadyFriends,
    #[error("You've already asked; they haven't answered yet.")]
    AlreadyRequested,
    #[error("They haven't sent you a friend request.")]
    NoRequestFromThem,
    #[error("You aren't friends, and there's no request between you.")]
    NotFriends,
    #[error("You blocked them. Unblock them first if you want to be friends.")]
    YouBlockedThem,
}

/// The one decision every `friend …` command goes through. `they_blocked_actor` never shows in
/// a refusal: a member must not learn who blocked them.
pub fn decide_friend_step(
    standing: Friendship,
    change: FriendChange,
    actor_blocked_them: bool,
    they_blocked_actor: bool,
) -> Result<FriendStep, FriendRefusal> {
    use FriendChange as C;
    use Friendship as S;
    match (change, standing) {
        (C::Request | C::Accept, _) if actor_blocked_them => Err(FriendRefusal::YouBlockedThem),
        (C::Request, S::Strangers) => Ok(FriendStep::SendRequest {
            deliver: !they_blocked_actor,
        }),
        (C::Request, S::RequestSent) => Err(FriendRefusal::AlreadyRequested),
        (C::Request | C::Accept, S::Friends) => Err(FriendRefusal::AlreadyFriends),
        (C::Request | C::Accept, S::RequestReceived) => Ok(FriendStep::Accept),
        (C::Accept | C::Decline, S::Strangers | S::RequestSent) => {
            Err(FriendRefusal::NoRequestFromThem)
        }
        (C::Decline, S::Friends) => Err(FriendRefusal::AlreadyFriends),
        (C::Decline | C::Remove, S::RequestReceived) => Ok(FriendStep::Decline),
        (C::Remove, S::RequestSent) => Ok(FriendStep::WithdrawRequest),
        (C::Remove, S::Friends) => Ok(FriendStep::Unfriend),
        (C::Remove, S::Strangers) => Err(FriendRefusal::NotFriends),
    }
}

/// Who may see a member's upcoming bookings (`prefs show-bookings friends|nobody`). Nobody is
/// the default: no command reveals a member's bookings unless they allowed it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ShowBookings {
    Friends,
    #[default]
    Nobody,
}

impl ShowBookings {
    pub fn as_str(self) -> &'static str {
        match self {
            ShowBookings::Friends => "friends",
            ShowBookings::Nobody => "nobody",
        }
    }
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "friends" => Some(ShowBookings::Friends),
            "nobody" => Some(ShowBookings::Nobody),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use FriendChange as C;
    use FriendRefusal as R;
    use FriendStep as Step;
    use Friendship as S;

    #[test]
    fn every_standing_and_change_has_one_answer() {
        let table = [
            (
                S::Strangers,
                C::Request,
                Ok(Step::SendRequest { deliver: true }),
            ),
            (S::RequestSent, C::Request, Err(R::AlreadyRequested)),
            (S::RequestReceived, C::Request, Ok(Step::Accept)),
            (S::Friends, C::Request, Err(R::AlreadyFriends)),
            (S::Strangers, C::Accept, Err(R::NoRequestFromThem)),
            (S::RequestSent, C::Accept, Err(R::NoRequestFromThem)),
            (S::RequestReceived, C::Accept, Ok(Step::Accept)),
            (S::Friends, C::Accept, Err(R::AlreadyFriends)),
            (S::Strangers, C::Decline, Err(R::NoRequestFromThem)),
            (S::RequestReceived, C::Decline, Ok(Step::Decline)),
            (S::Friends, C::Decline, Err(R::AlreadyFriends)),
            (S::Strangers, C::Remove, Err(R::NotFriends)),
            (S::RequestSent, C::Remove, Ok(Step::WithdrawRequest)),
            (S::RequestReceived, C::Remove, Ok(Step::Decline)),
            (S::Friends, C::Remove, Ok(Step::Unfriend)),
        ];
        for (standing, change, expected) in table {
            assert_eq!(
                decide_friend_step(standing, change, false, false),
                expected,
                "{standing:?} {change:?}"
            );
        }
    }

    #[test]
    fn blocks_refuse_the_blocker_and_stay_invisible_to_the_blocked() {
        assert_eq!(
            decide_friend_step(S::Strangers, C::Request, true, false),
            Err(R::YouBlockedThem)
        );
        assert_eq!(
            decide_friend_step(S::RequestReceived, C::Accept, true, false),
            Err(R::YouBlockedThem)
        );
        // Blocked by them: the request is accepted as usual but never delivered.
        assert_eq!(
            decide_friend_step(S::Strangers, C::Request, false, true),
            Ok(Step::SendRequest { deliver: false })
        );
        // Removing and declining stay possible whatever the blocks.
        assert_eq!(
            decide_friend_step(S::Friends, C::Remove, true, true),
            Ok(Step::Unfriend)
        );
    }
}

#[cfg(test)]
mod weight_order {
    use crate::core::matching::MatchingWeights;

    /// The order `help` documents: a friendship (a Friend note from each side) weighs more than
    /// favourites, even two-way ones; and a favourite still counts.
    #[test]
    fn a_friendship_outweighs_favourites_both_ways() {
        let weights = MatchingWeights::default();
        assert!(2 * weights.friend > 2 * weights.favourite);
        assert!(weights.favourite > 0);
    }
}
