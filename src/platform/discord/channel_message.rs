//! The body of a channel message Discord creates at most once (a DM, a lobby fallback, the
//! moderators' note): its nonce is derived from the engine's idempotency key. A leaf, shared by
//! the DM sender and the room code.

use serde_json::json;

/// A channel message Discord creates at most once for `key` (its nonce, enforced), pinging
/// nobody unless the caller sets `allowed_mentions` otherwise.
pub(super) fn message_once(content: &str, key: &str) -> serde_json::Value {
    json!({
        "content": content,
        "nonce": nonce_for(key),
        "enforce_nonce": true,
        "allowed_mentions": {"parse": []},
    })
}

/// Discord nonces are at most 25 characters; keys can be longer, so they are hashed (FNV-1a,
/// stable across runs and versions, unlike std's hasher).
pub fn nonce_for(key: &str) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in key.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    let mut digits = Vec::new();
    while hash > 0 {
        let digit = (hash % 36) as u32;
        digits.push(std::char::from_digit(digit, 36).unwrap_or('0'));
        hash /= 36;
    }
    format!("cf{}", digits.iter().rev().collect::<String>())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nonces_are_short_stable_and_distinct() {
        let a = nonce_for("dm:announce:g123456789:m987654321");
        assert!(a.len() <= 25, "{a}");
        assert_eq!(a, nonce_for("dm:announce:g123456789:m987654321"));
        assert_ne!(a, nonce_for("dm:announce:g123456789:m987654322"));
    }
}
