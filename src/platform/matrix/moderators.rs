//! The moderators' room (issue 11): where reports and problems go on Matrix. An admin says
//! `setup moderators <room id or #alias>` in the community room; the bot joins that room (it
//! must be invited first if the room is not public) and keeps its id in its platform state,
//! scoped to the community room, just as Discord keeps `/setup moderators:`'s channel.
//!
//! Notes are sent with empty `m.mentions`: a report names the reported member as a pill, and
//! that must never ping them.

use matrix_sdk::ruma::{OwnedRoomAliasId, OwnedRoomId, RoomOrAliasId};

use super::{render, MatrixPlatform};
use crate::core::message::OutgoingMessage;
use crate::engine::port::PlatformError;

/// The platform-state name (scope: the community room id).
const MODERATORS_ROOM: &str = "moderators_room";

impl MatrixPlatform {
    /// Joins `room` (an id or an alias) and remembers it as `community`'s moderators' room.
    /// `Err` is a sentence for the admin.
    pub(super) async fn set_moderators_room(
        &self,
        community: &str,
        room: &str,
    ) -> Result<OwnedRoomId, String> {
        let parsed = <&RoomOrAliasId>::try_from(room).map_err(|_| {
            format!("\"{room}\" isn't a Matrix room id or alias: give one like !abc:example.org or #mods:example.org.")
        })?;
        let room_id = if parsed.is_room_id() {
            OwnedRoomId::try_from(parsed.as_str()).map_err(|error| error.to_string())?
        } else {
            let alias = OwnedRoomAliasId::try_from(parsed.as_str()).map_err(|e| e.to_string())?;
            self.client
                .resolve_room_alias(&alias)
                .await
                .map_err(|_| format!("I couldn't find the room {room}."))?
                .room_id
        };
        self.client.join_room_by_id(&room_id).await.map_err(|_| {
            format!("I couldn't join {room}: invite me to it first, then say this again.")
        })?;
        self.set_state(community, MODERATORS_ROOM, room_id.as_str())
            .await
            .map_err(|error| error.to_string())?;
        Ok(room_id)
    }

    /// Posts `message` in the community's moderators' room, pinging nobody; without one set it
    /// is logged (an admin has to say `setup moderators …`).
    pub(super) async fn post_for_moderators(
        &self,
        community: &str,
        message: &OutgoingMessage,
        idempotency_key: &str,
    ) -> Result<(), PlatformError> {
        let Some(room) = self.state(community, MODERATORS_ROOM).await? else {
            tracing::warn!(
                community,
                "no moderators' room set: say `setup moderators <room>`"
            );
            return Ok(());
        };
        let room = super::parse_room_id(&room)?;
        let mut content = render::message_content(
            "m.text",
            &render::render(
                message,
                self.server_name(),
                render::CommandStyle::Prefixed(&self.config.command_prefix),
            ),
        );
        content["m.mentions"] = serde_json::json!({});
        self.send_message(&room, content, self.txn_id(idempotency_key))
            .await
            .map(|_| ())
            .map_err(|error| error.into_platform("posting in the moderators' room"))
    }
}
