//! Who a member may message with `msg` (issue 11), decided without the store: the partners of
//! their current session, else of their next matched one, else of one that ended within 24 h;
//! with `msg @x`, x must be such a partner or a friend. Plus the per-member rate.
//!
//! A session is a group the member sat in. A member rematched at T+3 sat in two groups of one
//! slot; the later group (higher id) is the one that counts for that slot.

use chrono::{DateTime, Duration, Utc};

use super::model::{GroupId, MemberId, SlotId};

/// How long after a session its partners can still be messaged.
pub const MESSAGE_PARTNERS_FOR: Duration = Duration::hours(24);
/// At most this many messages per member in [`MESSAGE_WINDOW`]: enough to arrange a session or
/// say thanks, too few to flood anyone.
pub const MESSAGES_PER_WINDOW: usize = 5;
pub const MESSAGE_WINDOW: Duration = Duration::minutes(10);
/// The longest message relayed, in characters.
pub const MAX_MESSAGE_CHARS: usize = 1000;

/// One group the member sat in, with its slot's times and everyone in it.
#[derive(Debug, Clone, PartialEq)]
pub struct SatIn {
    pub group: GroupId,
    pub slot: SlotId,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub members: Vec<MemberId>,
}

impl SatIn {
    fn partners_of(&self, member: MemberId) -> Vec<MemberId> {
        self.members
            .iter()
            .copied()
            .filter(|other| *other != member)
            .collect()
    }
}

/// Which session `msg` without a name goes to, and how the relay describes it.
#[derive(Debug, Clone, PartialEq)]
pub struct PartnerSession {
    pub starts_at: DateTime<Utc>,
    pub partners: Vec<MemberId>,
}

/// The latest group of each slot: where the member really was.
fn latest_per_slot(sessions: &[SatIn]) -> Vec<&SatIn> {
    let mut latest: Vec<&SatIn> = Vec::new();
    for session in sessions {
        match latest.iter_mut().find(|kept| kept.slot == session.slot) {
            Some(kept) if kept.group < session.group => *kept = session,
            Some(_) => {}
            None => latest.push(session),
        }
    }
    latest
}

/// Sessions whose partners may be messaged now: running, ahead (already matched), or ended at
/// most [`MESSAGE_PARTNERS_FOR`] ago; each only if it has a partner.
fn messageable(now: DateTime<Utc>, member: MemberId, sessions: &[SatIn]) -> Vec<&SatIn> {
    latest_per_slot(sessions)
        .into_iter()
        .filter(|session| now - session.ends_at <= MESSAGE_PARTNERS_FOR)
        .filter(|session| !session.partners_of(member).is_empty())
        .collect()
}

/// The session `msg <text>` reaches: the current one, else the next matched one, else the one
/// that ended last (within 24 h).
pub fn session_to_message(
    now: DateTime<Utc>,
    member: MemberId,
    sessions: &[SatIn],
) -> Option<PartnerSession> {
    let candidates = messageable(now, member, sessions);
    let current = candidates
        .iter()
        .filter(|s| s.starts_at <= now && now < s.ends_at)
        .max_by_key(|s| s.starts_at);
    let next = candidates
        .iter()
        .filter(|s| s.starts_at > now)
        .min_by_key(|s| s.starts_at);
    let ended = candidates
        .iter()
        .filter(|s| s.ends_at <= now)
        .max_by_key(|s| s.ends_at);
    current.or(next).or(ended).map(|session| PartnerSession {
        starts_at: session.starts_at,
        partners: session.partners_of(member),
    })
}

/// Whether `other` is a partner of any session the member may message about (for `msg @x`),
/// and that session's start.
pub fn shared_session(
    now: DateTime<Utc>,
    member: MemberId,
    other: MemberId,
    sessions: &[SatIn],
) -> Option<DateTime<Utc>> {
    messageable(now, member, sessions)
        .into_iter()
        .filter(|session| session.partners_of(member).contains(&other))
        .map(|session| session.starts_at)
        .max()
}

/// Whether one more message fits, given when the member's recent messages were sent.
pub fn within_message_rate(now: DateTime<Utc>, recent_sends: &[DateTime<Utc>]) -> bool {
    recent_sends
        .iter()
        .filter(|sent| now - **sent < MESSAGE_WINDOW)
        .count()
        < MESSAGES_PER_WINDOW
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(hour: u32, minute: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 30, hour, minute, 0).unwrap()
    }

    fn sat(group: i64, slot: i64, start: DateTime<Utc>, members: &[i64]) -> SatIn {
        SatIn {
            group: GroupId(group),
            slot: SlotId(slot),
            starts_at: start,
            ends_at: start + Duration::minutes(50),
            members: members.iter().copied().map(MemberId).collect(),
        }
    }

    const ME: MemberId = MemberId(1);

    #[test]
    fn current_beats_next_beats_recently_ended() {
        let ended = sat(1, 1, at(7, 0), &[1, 2]);
        let current = sat(2, 2, at(9, 0), &[1, 3]);
        let next = sat(3, 3, at(10, 0), &[1, 4]);
        let all = [ended.clone(), current.clone(), next.clone()];
        let partners =
            |now, sessions: &[SatIn]| session_to_message(now, ME, sessions).map(|s| s.partners);
        assert_eq!(partners(at(9, 10), &all), Some(vec![MemberId(3)]));
        assert_eq!(
            partners(at(9, 10), &[ended.clone(), next.clone()]),
            Some(vec![MemberId(4)])
        );
        assert_eq!(
            partners(at(9, 10), std::slice::from_ref(&ended)),
            Some(vec![MemberId(2)])
        );
        // 24 h after it ended, no longer.
        assert_eq!(
            partners(
                at(7, 50) + Duration::hours(24),
                std::slice::from_ref(&ended)
            ),
            Some(vec![MemberId(2)])
        );
        assert_eq!(partners(at(7, 51) + Duration::hours(24), &[ended]), None);
        assert_eq!(partners(at(9, 10), &[]), None);
    }

    #[test]
    fn a_rematch_replaces_the_first_group_of_its_slot_and_a_lone_seat_is_nobody() {
        let first = sat(1, 1, at(9, 0), &[1, 2]);
        let rematch = sat(5, 1, at(9, 0), &[1, 3]);
        let found = session_to_message(at(9, 10), ME, &[rematch.clone(), first.clone()]);
        assert_eq!(found.map(|s| s.partners), Some(vec![MemberId(3)]));
        assert_eq!(
            shared_session(at(9, 10), ME, MemberId(2), &[first.clone(), rematch]),
            None
        );
        let alone = sat(2, 2, at(9, 0), &[1]);
        assert_eq!(session_to_message(at(9, 10), ME, &[alone]), None);
        assert_eq!(
            shared_session(at(9, 10), ME, MemberId(2), &[first]),
            Some(at(9, 0))
        );
    }

    #[test]
    fn the_rate_counts_the_last_ten_minutes_only() {
        let now = at(9, 30);
        let recent: Vec<_> = (0..MESSAGES_PER_WINDOW as i64)
            .map(|i| now - Duration::minutes(i))
            .collect();
        assert!(!within_message_rate(now, &recent));
        assert!(within_message_rate(now, &recent[1..]));
        let old: Vec<_> = recent.iter().map(|t| *t - MESSAGE_WINDOW).collect();
        assert!(within_message_rate(now, &old));
    }
}
