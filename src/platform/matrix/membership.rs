//! Whether a member still belongs to a community room: their `m.room.member` state there, read
//! from the homeserver (the local store may lag after a crash; the server is the truth).
//! `join` and `invite` are members; `leave` (left or kicked), `ban`, `knock` and no membership
//! at all are gone; anything the bot cannot read is unknown.

use matrix_sdk::ruma::api::client::state::get_state_event_for_key;
use matrix_sdk::ruma::api::error::ErrorKind;
use matrix_sdk::ruma::events::StateEventType;
use matrix_sdk::ruma::{OwnedRoomId, OwnedUserId};

use super::ratelimit::RateClass;
use super::MatrixPlatform;
use crate::engine::port::Membership;

impl MatrixPlatform {
    pub(super) async fn membership_in(&self, community: &str, user: &str) -> Membership {
        let (Ok(room), Ok(user)) = (
            OwnedRoomId::try_from(community),
            OwnedUserId::try_from(user),
        ) else {
            return Membership::Unknown;
        };
        let request = get_state_event_for_key::v3::Request::new(
            room.clone(),
            StateEventType::RoomMember,
            user.to_string(),
        );
        match send_limited!(self, RateClass::Other, "read community membership", request).await {
            Ok(response) => {
                let content: serde_json::Value =
                    serde_json::from_str(response.event_or_content.get()).unwrap_or_default();
                membership_of(content["membership"].as_str())
            }
            // No member event at all: they never joined.
            Err(error) if error.is(&ErrorKind::NotFound) => Membership::Gone,
            Err(error) => {
                tracing::warn!(%room, %user, %error, "community membership unknown");
                Membership::Unknown
            }
        }
    }
}

fn membership_of(state: Option<&str>) -> Membership {
    match state {
        Some("join" | "invite") => Membership::Member,
        Some("leave" | "ban" | "knock") => Membership::Gone,
        _ => Membership::Unknown,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn joined_and_invited_are_members_left_and_banned_are_gone() {
        assert_eq!(membership_of(Some("join")), Membership::Member);
        assert_eq!(membership_of(Some("invite")), Membership::Member);
        assert_eq!(membership_of(Some("leave")), Membership::Gone);
        assert_eq!(membership_of(Some("ban")), Membership::Gone);
        assert_eq!(membership_of(Some("knock")), Membership::Gone);
        assert_eq!(membership_of(None), Membership::Unknown);
    }
}
