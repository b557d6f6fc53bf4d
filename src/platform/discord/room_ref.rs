//! How a Discord room is written down in the engine's records: `guild/channel`, with `/pool`
//! for a lent pool channel. A leaf: the renderer, the DM sender and the room code all read it.

use std::fmt;

/// A room as the engine stores it: `guild/channel`, or `guild/channel/pool` for a lent one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RoomRef {
    pub guild: u64,
    pub channel: u64,
    pub pool: bool,
}

impl RoomRef {
    pub fn parse(text: &str) -> Option<RoomRef> {
        let mut parts = text.split('/');
        let guild = parts.next()?.parse().ok()?;
        let channel = parts.next()?.parse().ok()?;
        let pool = match parts.next() {
            None => false,
            Some("pool") => true,
            Some(_) => return None,
        };
        Some(RoomRef {
            guild,
            channel,
            pool,
        })
    }
}

impl fmt::Display for RoomRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}/{}{}",
            self.guild,
            self.channel,
            if self.pool { "/pool" } else { "" }
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn room_refs_round_trip() {
        for text in ["1/2", "1/2/pool"] {
            assert_eq!(RoomRef::parse(text).unwrap().to_string(), text);
        }
        assert_eq!(RoomRef::parse("x/2"), None);
        assert_eq!(RoomRef::parse("1/2/other"), None);
    }
}
