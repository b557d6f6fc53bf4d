//! Locked-in sessions with a friend (issue 11): `book <time> with @x` invites a friend to the
//! slot; once x accepts, the two are one group whatever the matcher would prefer.
//!
//! The matcher (`core::matching`) is left as it is: a locked pair is taken out of its input
//! and added back as a group of its own ([`match_members_keeping_locked_pairs`]). That keeps
//! the matching's optimality proofs about the members it does see, and makes "never broken"
//! true by construction rather than by weights that another preference could outweigh. A lock
//! only holds while both members are booked in the slot: when one cancels (or, later, does not
//! show), the other is an ordinary member again and is matched or rematched like anyone.

use std::collections::HashSet;

use chrono::{DateTime, Utc};

use crate::core::friends::Friendship;
use crate::core::matching::{
    match_members, pair_weight, MatchingInput, MatchingOutcome, MatchingWeights, PairTie,
};
use crate::core::model::{BookingId, MemberId, SlotId};

/// A stored invitation's id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct InvitationId(pub i64);

impl std::fmt::Display for InvitationId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// Where an invitation stands. Only `Pending` moves, and only once: to `Accepted` or `Declined`
/// by the invitee, or to `Expired` by the slot's prepare (the cutoff).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InvitationState {
    Pending,
    Accepted,
    Declined,
    Expired,
}

impl InvitationState {
    pub fn as_str(self) -> &'static str {
        match self {
            InvitationState::Pending => "pending",
            InvitationState::Accepted => "accepted",
            InvitationState::Declined => "declined",
            InvitationState::Expired => "expired",
        }
    }
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "pending" => Some(InvitationState::Pending),
            "accepted" => Some(InvitationState::Accepted),
            "declined" => Some(InvitationState::Declined),
            "expired" => Some(InvitationState::Expired),
            _ => None,
        }
    }
}

/// One invitation as stored: who asked whom to which slot, and where it stands.
#[derive(Debug, Clone, PartialEq)]
pub struct LockedInvitation {
    pub id: InvitationId,
    pub slot_id: SlotId,
    pub inviter: MemberId,
    pub invitee: MemberId,
    pub inviter_booking: BookingId,
    /// The invitee's booking once they accepted.
    pub invitee_booking: Option<BookingId>,
    pub state: InvitationState,
    /// `false` when the invitee blocked the inviter: never shown to the invitee.
    pub delivered: bool,
    pub created_at: DateTime<Utc>,
}

/// Why `book … with @x` or an answer to an invitation does nothing, in the member's words.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum LockRefusal {
    #[error("You can lock in a session with friends only. Ask them first with friend and their name; once they accept, book with them.")]
    NotFriends,
    #[error("You blocked them. Unblock them first if you want to book with them.")]
    YouBlockedThem,
    #[error("There's no invitation #{0} for you.")]
    NoSuchInvitation(i64),
    #[error("You've already answered that invitation.")]
    AlreadyAnswered,
    #[error("That session has been matched already, so it's too late to lock in together.")]
    TooLate,
    #[error("They cancelled that booking, so there's no session to join.")]
    InviterCancelled,
    #[error("One of you is already locked in with someone else for that session.")]
    AlreadyLocked,
}

/// Whether `book … with @x` may invite x, and whether the invitation reaches them. Only
/// friends can be invited; an invitation to a friend who blocked the inviter is stored and
/// answered as sent but never delivered, so nobody learns they were blocked (as with friend
/// requests). The inviter's own block is theirs to lift.
pub fn decide_invitation(
    standing: Friendship,
    actor_blocked_them: bool,
    they_blocked_actor: bool,
) -> Result<bool, LockRefusal> {
    if actor_blocked_them {
        return Err(LockRefusal::YouBlockedThem);
    }
    match standing {
        Friendship::Friends => Ok(!they_blocked_actor),
        Friendship::Strangers | Friendship::RequestSent | Friendship::RequestReceived => {
            Err(LockRefusal::NotFriends)
        }
    }
}

/// The locked pairs that hold in a slot: both members present (still booked), no block between
/// them either way (a block is absolute, even over a lock made earlier), each member in one pair
/// only (the earliest lock wins; accepting refuses a second one, this is the backstop). Each
/// pair is returned lower id first, in the order given.
pub fn usable_locked_pairs(
    locked: &[(MemberId, MemberId)],
    present: &HashSet<MemberId>,
    blocked: &[(MemberId, MemberId)],
) -> Vec<(MemberId, MemberId)> {
    let is_blocked = |a: MemberId, b: MemberId| {
        blocked
            .iter()
            .any(|&(x, y)| (x == a && y == b) || (x == b && y == a))
    };
    let mut taken = HashSet::new();
    let mut pairs = Vec::new();
    for &(a, b) in locked {
        if a == b || !present.contains(&a) || !present.contains(&b) || is_blocked(a, b) {
            continue;
        }
        if taken.contains(&a) || taken.contains(&b) {
            continue;
        }
        taken.insert(a);
        taken.insert(b);
        pairs.push((a.min(b), a.max(b)));
    }
    pairs
}

/// The rest of the slot's members, who go to the matcher as usual.
pub fn members_outside_locked_pairs(
    members: &[MemberId],
    pairs: &[(MemberId, MemberId)],
) -> Vec<MemberId> {
    let locked: HashSet<MemberId> = pairs.iter().flat_map(|&(a, b)| [a, b]).collect();
    members
        .iter()
        .copied()
        .filter(|member| !locked.contains(member))
        .collect()
}

/// The matcher's outcome for everyone else, with the locked pairs added as groups. A member the
/// matcher could not place (alone among the others, or blocked by all of them) joins a locked
/// pair as a third where neither blocked them nor they either, as the matcher's own trios do:
/// company beats sitting alone, and the pair stays together.
pub fn add_locked_pairs(
    rest: MatchingOutcome,
    pairs: &[(MemberId, MemberId)],
    blocked: &[(MemberId, MemberId)],
) -> MatchingOutcome {
    let is_blocked = |a: MemberId, b: MemberId| {
        blocked
            .iter()
            .any(|&(x, y)| (x == a && y == b) || (x == b && y == a))
    };
    let mut locked_groups: Vec<Vec<MemberId>> = pairs.iter().map(|&(a, b)| vec![a, b]).collect();
    let mut unmatched = Vec::new();
    for member in rest.unmatched {
        let joinable = locked_groups.iter_mut().find(|group| {
            group.len() == 2 && group.iter().all(|&other| !is_blocked(member, other))
        });
        match joinable {
            Some(group) => group.push(member),
            None => unmatched.push(member),
        }
    }
    let mut groups = rest.groups;
    groups.extend(locked_groups);
    groups.sort_by_key(|group| group[0]);
    unmatched.sort();
    MatchingOutcome {
        groups,
        unmatched,
        pair_weight_total: rest.pair_weight_total,
    }
}

/// Pure reference of what prepare does: the locked pairs that hold, the matcher on everyone
/// else, the pairs added back (their weights counted in the total).
pub fn match_members_keeping_locked_pairs(
    input: &MatchingInput,
    locked: &[(MemberId, MemberId)],
    weights: &MatchingWeights,
) -> MatchingOutcome {
    let blocked: Vec<(MemberId, MemberId)> = input
        .notes
        .iter()
        .filter(|note| note.tie == PairTie::Blocked)
        .map(|note| (note.a, note.b))
        .collect();
    let present: HashSet<MemberId> = input
        .candidates
        .iter()
        .map(|candidate| candidate.member)
        .collect();
    let pairs = usable_locked_pairs(locked, &present, &blocked);
    let outside: HashSet<MemberId> = members_outside_locked_pairs(
        &input
            .candidates
            .iter()
            .map(|candidate| candidate.member)
            .collect::<Vec<_>>(),
        &pairs,
    )
    .into_iter()
    .collect();
    let rest_input = MatchingInput {
        candidates: input
            .candidates
            .iter()
            .filter(|candidate| outside.contains(&candidate.member))
            .cloned()
            .collect(),
        notes: input
            .notes
            .iter()
            .filter(|note| outside.contains(&note.a) && outside.contains(&note.b))
            .copied()
            .collect(),
        seed: input.seed,
    };
    let rest = match_members(&rest_input, weights);
    let candidate = |member: MemberId| {
        input
            .candidates
            .iter()
            .find(|candidate| candidate.member == member)
    };
    let locked_weight: i64 = pairs
        .iter()
        .filter_map(|&(a, b)| {
            let ties = input
                .notes
                .iter()
                .filter(|note| (note.a, note.b) == (a, b) || (note.a, note.b) == (b, a))
                .map(|note| note.tie);
            pair_weight(weights, candidate(a)?, candidate(b)?, ties)
        })
        .sum();
    let mut outcome = add_locked_pairs(rest, &pairs, &blocked);
    outcome.pair_weight_total += locked_weight;
    outcome
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::matching::Experience;
    use crate::core::matching::{Candidate, PairNote};

    fn m(id: i64) -> MemberId {
        MemberId(id)
    }

    fn input(ids: &[i64], notes: Vec<PairNote>) -> MatchingInput {
        MatchingInput {
            candidates: ids
                .iter()
                .map(|&id| Candidate {
                    member: m(id),
                    experience: Experience::Regular,
                })
                .collect(),
            notes,
            seed: 1,
        }
    }

    fn note(a: i64, b: i64, tie: PairTie) -> PairNote {
        PairNote {
            a: m(a),
            b: m(b),
            tie,
        }
    }

    #[test]
    fn only_friends_may_be_invited_and_a_block_stays_silent() {
        assert_eq!(
            decide_invitation(Friendship::Strangers, false, false),
            Err(LockRefusal::NotFriends)
        );
        assert_eq!(
            decide_invitation(Friendship::RequestSent, false, false),
            Err(LockRefusal::NotFriends)
        );
        assert_eq!(
            decide_invitation(Friendship::Friends, false, false),
            Ok(true)
        );
        // Blocked by them: allowed, never delivered, and the answer does not differ.
        assert_eq!(
            decide_invitation(Friendship::Friends, false, true),
            Ok(false)
        );
        assert_eq!(
            decide_invitation(Friendship::Friends, true, false),
            Err(LockRefusal::YouBlockedThem)
        );
    }

    #[test]
    fn a_locked_pair_stays_together_though_both_prefer_others() {
        // 1 and 2 are locked; 1 favours 3 both ways, 2 favours 4 both ways. The matcher alone
        // would pair 1–3 and 2–4.
        let notes = vec![
            note(1, 3, PairTie::Friend),
            note(3, 1, PairTie::Friend),
            note(2, 4, PairTie::Friend),
            note(4, 2, PairTie::Friend),
        ];
        let weights = MatchingWeights::default();
        let free = match_members(&input(&[1, 2, 3, 4], notes.clone()), &weights);
        assert!(free.groups.contains(&vec![m(1), m(3)]));
        let kept = match_members_keeping_locked_pairs(
            &input(&[1, 2, 3, 4], notes),
            &[(m(2), m(1))],
            &weights,
        );
        assert_eq!(kept.groups, vec![vec![m(1), m(2)], vec![m(3), m(4)]]);
    }

    #[test]
    fn a_lock_with_someone_gone_or_blocked_does_not_hold() {
        let present: HashSet<MemberId> = [m(1), m(2), m(3)].into_iter().collect();
        assert_eq!(
            usable_locked_pairs(&[(m(1), m(9))], &present, &[]),
            Vec::new()
        );
        assert_eq!(
            usable_locked_pairs(&[(m(1), m(2))], &present, &[(m(2), m(1))]),
            Vec::new()
        );
        // Each member in one lock: the first holds.
        assert_eq!(
            usable_locked_pairs(&[(m(2), m(1)), (m(1), m(3))], &present, &[]),
            vec![(m(1), m(2))]
        );
    }

    #[test]
    fn a_lone_other_member_joins_the_locked_pair_unless_blocked() {
        let kept = match_members_keeping_locked_pairs(
            &input(&[1, 2, 3], vec![]),
            &[(m(1), m(2))],
            &MatchingWeights::default(),
        );
        assert_eq!(kept.groups, vec![vec![m(1), m(2), m(3)]]);
        assert!(kept.unmatched.is_empty());
        let blocked = match_members_keeping_locked_pairs(
            &input(&[1, 2, 3], vec![note(3, 2, PairTie::Blocked)]),
            &[(m(1), m(2))],
            &MatchingWeights::default(),
        );
        assert_eq!(blocked.groups, vec![vec![m(1), m(2)]]);
        assert_eq!(blocked.unmatched, vec![m(3)]);
    }
}
