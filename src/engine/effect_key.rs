//! The idempotency keys of every external effect the engine performs, built in one place.
//!
//! A key is stored with the effect's record (`effects` table) and handed to the platform as
//! text (Discord nonce, Matrix transaction id, part of a room's name), so the text each variant
//! displays is a stored format: it must never change, or records written before the change
//! would no longer deduplicate (see the table in the tests).

use std::fmt;

use crate::core::friends::FriendRequestId;
use crate::core::locked_pairs::InvitationId;
use crate::core::model::{BookingId, GroupId, MemberId, SlotId};

/// One external effect, identified by the database ids it is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EffectKey {
    /// The group's room opened (`room:g12`).
    OpenRoom { group: GroupId },
    /// The group's room closed (`close:g12`).
    CloseRoom { group: GroupId },
    /// The reminder DM of one booking (`dm:remind:b5`); keyed by booking, as before
    /// reminders were per slot.
    Remind { booking: BookingId },
    /// "Nobody else could be matched with you" (`dm:alone:s7:m3`).
    Alone { slot: SlotId, member: MemberId },
    /// "It's time, you're with …" (`dm:announce:g12:m3`).
    Announce { group: GroupId, member: MemberId },
    /// "Your room couldn't be opened, meet in the lobby" (`dm:noroom:g12:m3`).
    NoRoom { group: GroupId, member: MemberId },
    /// "I re-paired you" (`dm:rematch:g13:m3`).
    Rematch { group: GroupId, member: MemberId },
    /// "Nobody else is free right now" (`dm:stranded:s7:m3`).
    Stranded { slot: SlotId, member: MemberId },
    /// "We missed you" (`dm:missed:s7:m3`).
    Missed { slot: SlotId, member: MemberId },
    /// "Session done, how did it go?" (`dm:checkin:s7:m3`).
    CheckIn { slot: SlotId, member: MemberId },
    /// One post in the community room announcing every group of the slot, when the platform's
    /// DM budget cannot reach each member in time (`post:announce:s7`).
    CommunityAnnounce { slot: SlotId },
    /// One post in the community room reminding every member of the slot (`post:remind:s7`).
    CommunityRemind { slot: SlotId },
    /// What rolling weekly booking 5 forward did to the week `weeks` weeks after it, when the
    /// member needs telling: moved (DST gap), skipped (overlap) or the series ended
    /// (`dm:weekly:b5:w1`).
    Weekly { booking: BookingId, weeks: u32 },
    /// "Alice would like to be friends" with Accept / Decline (`dm:friend:r7`).
    FriendRequest { request: FriendRequestId },
    /// "Bob accepted your friend request" (`dm:friendok:r7`).
    FriendAccepted { request: FriendRequestId },
    /// A relayed partner message, by its log id (`dm:msg:p7`).
    PartnerMessage { message: i64 },
    /// "You left, so your upcoming sessions are cancelled", told at the prepare of the slot
    /// that found them gone (`dm:departed:s7:m3`).
    Departed { slot: SlotId, member: MemberId },
    /// "Your partner isn't here yet" with Keep waiting / Rematch now (`dm:late:s7:m3`).
    PartnerLate { slot: SlotId, member: MemberId },
    /// "Nobody else is free yet" after Rematch now found nobody (`dm:nofree:s7:m3`).
    NobodyFreeYet { slot: SlotId, member: MemberId },
    /// "Still waiting, as you asked" at the attendance check (`dm:waiting:s7:m3`).
    KeptWaiting { slot: SlotId, member: MemberId },
    /// "Alice booked 9:00 and asks you to join" with Accept / Decline (`dm:lock:i7`).
    LockInvitation { invitation: InvitationId },
    /// "Bob accepted: you're locked in together" (`dm:lockok:i7`).
    LockAccepted { invitation: InvitationId },
    /// "Bob can't join; your booking stays a normal one", sent on the decline and again
    /// (deduplicated) at prepare in case that send failed (`dm:lockno:i7`).
    LockDeclined { invitation: InvitationId },
    /// "No answer by the time it was matched; your booking is a normal one" (`dm:lockexp:i7`).
    LockUnanswered { invitation: InvitationId },
}

impl EffectKey {
    /// How every [`EffectKey::OpenRoom`] key starts: a platform that stores something per room
    /// under the room's key can name all such records with it.
    pub const OPEN_ROOM_PREFIX: &'static str = "room:";

    /// The group of an [`EffectKey::OpenRoom`] key (`room:g12` → 12); `None` for any other text.
    pub fn parse_room(key: &str) -> Option<GroupId> {
        let id = key
            .strip_prefix(Self::OPEN_ROOM_PREFIX)?
            .strip_prefix('g')?;
        // Only what `Display` writes: plain decimal digits, no sign, no leading zero.
        let canonical = !id.is_empty()
            && id.bytes().all(|b| b.is_ascii_digit())
            && (id == "0" || !id.starts_with('0'));
        canonical.then(|| id.parse().ok().map(GroupId)).flatten()
    }
}

impl fmt::Display for EffectKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EffectKey::OpenRoom { group } => write!(f, "{}g{group}", Self::OPEN_ROOM_PREFIX),
            EffectKey::CloseRoom { group } => write!(f, "close:g{group}"),
            EffectKey::Remind { booking } => write!(f, "dm:remind:b{booking}"),
            EffectKey::Alone { slot, member } => write!(f, "dm:alone:s{slot}:m{member}"),
            EffectKey::Announce { group, member } => write!(f, "dm:announce:g{group}:m{member}"),
            EffectKey::NoRoom { group, member } => write!(f, "dm:noroom:g{group}:m{member}"),
            EffectKey::Rematch { group, member } => write!(f, "dm:rematch:g{group}:m{member}"),
            EffectKey::Stranded { slot, member } => write!(f, "dm:stranded:s{slot}:m{member}"),
            EffectKey::Missed { slot, member } => write!(f, "dm:missed:s{slot}:m{member}"),
            EffectKey::CheckIn { slot, member } => write!(f, "dm:checkin:s{slot}:m{member}"),
            EffectKey::Weekly { booking, weeks } => write!(f, "dm:weekly:b{booking}:w{weeks}"),
            EffectKey::FriendRequest { request } => write!(f, "dm:friend:r{request}"),
            EffectKey::FriendAccepted { request } => write!(f, "dm:friendok:r{request}"),
            EffectKey::PartnerMessage { message } => write!(f, "dm:msg:p{message}"),
            EffectKey::Departed { slot, member } => write!(f, "dm:departed:s{slot}:m{member}"),
            EffectKey::PartnerLate { slot, member } => write!(f, "dm:late:s{slot}:m{member}"),
            EffectKey::NobodyFreeYet { slot, member } => write!(f, "dm:nofree:s{slot}:m{member}"),
            EffectKey::KeptWaiting { slot, member } => write!(f, "dm:waiting:s{slot}:m{member}"),
            EffectKey::CommunityAnnounce { slot } => write!(f, "post:announce:s{slot}"),
            EffectKey::CommunityRemind { slot } => write!(f, "post:remind:s{slot}"),
            EffectKey::LockInvitation { invitation } => write!(f, "dm:lock:i{invitation}"),
            EffectKey::LockAccepted { invitation } => write!(f, "dm:lockok:i{invitation}"),
            EffectKey::LockDeclined { invitation } => write!(f, "dm:lockno:i{invitation}"),
            EffectKey::LockUnanswered { invitation } => write!(f, "dm:lockexp:i{invitation}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// These strings are stored (effect records, Discord room records and channel names) and
    /// sent (nonces, transaction ids): each must stay exactly as it is.
    #[test]
    fn every_key_displays_exactly_its_stored_text() {
        let (group, slot, member) = (GroupId(12), SlotId(7), MemberId(3));
        let table = [
            (EffectKey::OpenRoom { group }, "room:g12"),
            (EffectKey::CloseRoom { group }, "close:g12"),
            (
                EffectKey::Remind {
                    booking: BookingId(5),
                },
                "dm:remind:b5",
            ),
            (EffectKey::Alone { slot, member }, "dm:alone:s7:m3"),
            (EffectKey::Announce { group, member }, "dm:announce:g12:m3"),
            (EffectKey::NoRoom { group, member }, "dm:noroom:g12:m3"),
            (EffectKey::Rematch { group, member }, "dm:rematch:g12:m3"),
            (EffectKey::Stranded { slot, member }, "dm:stranded:s7:m3"),
            (EffectKey::Missed { slot, member }, "dm:missed:s7:m3"),
            (EffectKey::CheckIn { slot, member }, "dm:checkin:s7:m3"),
            (EffectKey::CommunityAnnounce { slot }, "post:announce:s7"),
            (EffectKey::PartnerLate { slot, member }, "dm:late:s7:m3"),
            (EffectKey::NobodyFreeYet { slot, member }, "dm:nofree:s7:m3"),
            (EffectKey::KeptWaiting { slot, member }, "dm:waiting:s7:m3"),
            (EffectKey::CommunityRemind { slot }, "post:remind:s7"),
            (
                EffectKey::Weekly {
                    booking: BookingId(5),
                    weeks: 1,
                },
                "dm:weekly:b5:w1",
            ),
            (
                EffectKey::FriendRequest {
                    request: FriendRequestId(7),
                },
                "dm:friend:r7",
            ),
            (
                EffectKey::FriendAccepted {
                    request: FriendRequestId(7),
                },
                "dm:friendok:r7",
            ),
            (EffectKey::PartnerMessage { message: 7 }, "dm:msg:p7"),
            (EffectKey::Departed { slot, member }, "dm:departed:s7:m3"),
            (
                EffectKey::LockInvitation {
                    invitation: InvitationId(7),
                },
                "dm:lock:i7",
            ),
            (
                EffectKey::LockAccepted {
                    invitation: InvitationId(7),
                },
                "dm:lockok:i7",
            ),
            (
                EffectKey::LockDeclined {
                    invitation: InvitationId(7),
                },
                "dm:lockno:i7",
            ),
            (
                EffectKey::LockUnanswered {
                    invitation: InvitationId(7),
                },
                "dm:lockexp:i7",
            ),
        ];
        for (key, text) in table {
            assert_eq!(key.to_string(), text, "{key:?}");
        }
    }

    #[test]
    fn room_keys_parse_back_and_nothing_else_does() {
        for id in [0, 1, 12, 987_654_321] {
            let key = EffectKey::OpenRoom { group: GroupId(id) }.to_string();
            assert_eq!(EffectKey::parse_room(&key), Some(GroupId(id)), "{key}");
        }
        for other in [
            "close:g12",
            "dm:announce:g12:m3",
            "room:",
            "room:g",
            "room:12",
            "room:g-1",
            "room:g+1",
            "room:g012",
            "room:g12:m3",
            "room:g1x",
            "room:g99999999999999999999",
        ] {
            assert_eq!(EffectKey::parse_room(other), None, "{other}");
        }
    }
}
