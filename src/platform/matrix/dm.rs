//! Direct messages: one room per member, created once, listed in the bot's `m.direct`, and kept
//! unencrypted on purpose (without matrix-sdk's `e2e-encryption` the bot could not read a
//! member's answers there), which the room's topic and first message say plainly.
//!
//! DMs are `m.text`, not `m.notice`: the default push rules mute notices, and a reminder that
//! does not notify is no reminder. Command replies are notices (see `commands`).

use std::sync::Arc;

use matrix_sdk::ruma::api::client::membership::{get_member_events, invite_user};
use matrix_sdk::ruma::api::client::room::{create_room, Visibility};
use matrix_sdk::ruma::api::client::state::get_state_event_for_key;
use matrix_sdk::ruma::api::error::ErrorKind;
use matrix_sdk::ruma::events::{GlobalAccountDataEventType, StateEventType};
use matrix_sdk::ruma::{OwnedRoomId, OwnedUserId, RoomId, UserId};
use serde_json::{json, Value};

use super::ratelimit::{CallError, RateClass};
use super::render::{message_content, render, CommandStyle};
use super::{raw_json, MatrixPlatform};
use crate::core::message::OutgoingMessage;
use crate::engine::port::{PlatformError, Recipient};

/// platform_state names: member → DM room, DM room → member.
pub(super) const DM_ROOM: &str = "dm_room";
pub(super) const DM_OF: &str = "dm_of";

const DM_TOPIC: &str = "focusfolk: your reminders, partners and session rooms. This chat is not end-to-end \
encrypted (the bot cannot read encrypted messages), so it stays unencrypted. You can type commands here too.";

fn dm_intro(prefix: &str) -> String {
    format!(
        "👋 I'm the focusfolk bot. Your reminders, partners and session rooms arrive here. \
This chat is not end-to-end encrypted — I can't read encrypted messages — so please don't share anything \
private here. You can type commands in this chat without the `{prefix}` prefix, e.g. `sessions` or `help`."
    )
}

impl MatrixPlatform {
    pub(super) async fn send_dm(
        &self,
        to: &Recipient,
        message: &OutgoingMessage,
        key: &str,
    ) -> Result<(), PlatformError> {
        let user = OwnedUserId::try_from(to.platform_user_id.as_str()).map_err(|_| {
            PlatformError::Unreachable(format!("{:?} is not a Matrix user", to.platform_user_id))
        })?;
        let mut content = message_content(
            "m.text",
            &render(message, self.server_name(), CommandStyle::Bare),
        );
        // Partners are named with pills; nobody should be pinged by a DM about them.
        content["m.mentions"] = json!({});
        for attempt in 0..2 {
            let room = self.dm_room(&user).await?;
            self.make_sure_they_can_read(&room, &user).await?;
            match self
                .send_message(&room, content.clone(), self.txn_id(key))
                .await
            {
                Ok(_) => return Ok(()),
                // The bot is no longer in that room (someone removed it): start a new DM once.
                Err(error) if attempt == 0 && error.is(&ErrorKind::Forbidden) => {
                    tracing::warn!(%user, %room, "cannot post in the member's DM room any more; opening a new one");
                    self.set_state(user.as_str(), DM_ROOM, "").await?;
                }
                Err(error) => return Err(error.into_platform("sending a DM")),
            }
        }
        Err(PlatformError::Unreachable(format!(
            "no usable DM room with {user}"
        )))
    }

    /// The member's DM room, created on first use. Serialised per member.
    pub(super) async fn dm_room(&self, user: &UserId) -> Result<OwnedRoomId, PlatformError> {
        let lock = {
            let mut locks = self.dm_locks.lock().await;
            locks
                .entry(user.to_owned())
                .or_insert_with(|| Arc::new(tokio::sync::Mutex::new(())))
                .clone()
        };
        let _guard = lock.lock().await;
        if let Some(room) = self
            .state(user.as_str(), DM_ROOM)
            .await?
            .filter(|room| !room.is_empty())
        {
            if let Ok(room) = OwnedRoomId::try_from(room) {
                return Ok(room);
            }
        }
        // A database restored from backup, or a crash right after creating: the server's
        // m.direct still knows the room, and reusing it beats inviting the member again.
        let room = match self.existing_dm(user).await {
            Some(room) => {
                self.record_dm_room(user, &room).await?;
                room
            }
            None => self.create_dm_room(user).await?,
        };
        Ok(room)
    }

    async fn record_dm_room(&self, user: &UserId, room: &RoomId) -> Result<(), PlatformError> {
        // Reverse first: the member may answer in the room as soon as the invite shows.
        self.set_state(room.as_str(), DM_OF, user.as_str()).await?;
        self.set_state(user.as_str(), DM_ROOM, room.as_str()).await
    }

    /// Adopts a DM room the member opened with the bot themselves (unencrypted ones only).
    pub(super) async fn adopt_dm_room(
        &self,
        user: &UserId,
        room: &RoomId,
    ) -> Result<(), PlatformError> {
        self.set_state(room.as_str(), DM_OF, user.as_str()).await?;
        if self
            .state(user.as_str(), DM_ROOM)
            .await?
            .filter(|room| !room.is_empty())
            .is_none()
        {
            self.set_state(user.as_str(), DM_ROOM, room.as_str())
                .await?;
        }
        Ok(())
    }

    async fn create_dm_room(&self, user: &UserId) -> Result<OwnedRoomId, PlatformError> {
        // When a new room would wait a minute for the homeserver, a pool room serves instead.
        let room = match self.take_pool_room_for_dm(user, DM_TOPIC).await? {
            Some(room) => room,
            None => self.create_new_dm_room(user).await?,
        };
        self.record_dm_room(user, &room).await?;
        self.introduce_dm_room(user, &room).await;
        Ok(room)
    }

    async fn create_new_dm_room(&self, user: &UserId) -> Result<OwnedRoomId, PlatformError> {
        let mut request = create_room::v3::Request::new();
        request.is_direct = true;
        request.invite = vec![user.to_owned()];
        // private_chat, not trusted_private_chat: the member stays at power level 0 and so
        // cannot switch encryption on in a room the bot must be able to read.
        request.preset = Some(create_room::v3::RoomPreset::PrivateChat);
        request.visibility = Visibility::Private;
        request.topic = Some(DM_TOPIC.to_string());
        request.initial_state = vec![raw_json(&json!({
            "type": "m.room.guest_access", "state_key": "", "content": {"guest_access": "forbidden"}
        }))
        .map_err(|error| error.into_platform("building a DM room"))?];
        let response = send_limited!(self, RateClass::RoomCreation, "create a DM room", request)
            .await
            .map_err(|error| match error {
                // Their server refuses invites from us, or they ignore the bot.
                CallError::Matrix {
                    kind: ErrorKind::Forbidden,
                    message,
                } => PlatformError::Unreachable(format!(
                    "{user} cannot be invited to a DM: {message}"
                )),
                other => other.into_platform("creating a DM room"),
            })?;
        let room = response.room_id;
        tracing::info!(%user, %room, "created a DM room");
        Ok(room)
    }

    /// Lists the room in the bot's `m.direct` and posts the introduction; neither is vital.
    async fn introduce_dm_room(&self, user: &UserId, room: &RoomId) {
        if let Err(error) = self
            .limiter
            .call(RateClass::Other, "mark the DM room in m.direct", || async {
                self.client
                    .account()
                    .mark_as_dm(room, &[user.to_owned()])
                    .await
            })
            .await
        {
            // Clients then show it as a group chat of two; everything else works.
            tracing::warn!(%room, %error, "could not list the DM room in m.direct");
        }
        let content = message_content(
            "m.notice",
            &render(
                &OutgoingMessage::new().text(dm_intro(&self.config.command_prefix)),
                self.server_name(),
                CommandStyle::Bare,
            ),
        );
        if let Err(error) = self
            .send_message(room, content, self.txn_id(&format!("intro:{room}")))
            .await
        {
            tracing::warn!(%room, %error, "could not post the DM introduction");
        }
    }

    async fn existing_dm(&self, user: &UserId) -> Option<OwnedRoomId> {
        let direct = self
            .limiter
            .call(RateClass::Other, "read m.direct", || async {
                self.client
                    .account()
                    .fetch_account_data(GlobalAccountDataEventType::Direct)
                    .await
            })
            .await
            .ok()??;
        let direct: Value = direct.deserialize_as_unchecked().ok()?;
        let rooms = direct.get(user.as_str())?.as_array()?.clone();
        for room in rooms.iter().rev().filter_map(Value::as_str) {
            let Ok(room) = OwnedRoomId::try_from(room) else {
                continue;
            };
            let bot_joined = self.membership(&room, &self.bot).await.as_deref() == Some("join");
            let theirs = self.membership(&room, user).await;
            if bot_joined && matches!(theirs.as_deref(), Some("join" | "invite")) {
                return Some(room);
            }
        }
        None
    }

    /// A member who left their DM room is invited back: they booked, so they want the DM.
    async fn make_sure_they_can_read(
        &self,
        room: &RoomId,
        user: &UserId,
    ) -> Result<(), PlatformError> {
        let membership = match self.client.get_room(room) {
            Some(known) => match known.get_member_no_sync(user).await {
                Ok(Some(member)) => Some(member.membership().to_string()),
                _ => None,
            },
            None => None,
        };
        match membership.as_deref() {
            Some("leave") => {
                let request = invite_user::v3::Request::new(
                    room.to_owned(),
                    invite_user::v3::InvitationRecipient::UserId(
                        invite_user::v3::InviteUserId::new(user.to_owned()),
                    ),
                );
                send_limited!(self, RateClass::Invite, "re-invite to the DM room", request)
                    .await
                    // Through the normal mapping: a rate limit beyond budget or a network
                    // error is temporary (retried), not a reason to stop DMing them for good.
                    .map_err(|error| {
                        error.into_platform(&format!("re-inviting {user} to their DM room"))
                    })?;
                Ok(())
            }
            Some("ban") => Err(PlatformError::Unreachable(format!(
                "{user} is banned from their DM room"
            ))),
            _ => Ok(()),
        }
    }

    /// A user's current membership in a room, straight from the server.
    pub(super) async fn membership(&self, room: &RoomId, user: &UserId) -> Option<String> {
        let request = get_state_event_for_key::v3::Request::new(
            room.to_owned(),
            StateEventType::RoomMember,
            user.to_string(),
        );
        let response = send_limited!(self, RateClass::Other, "read a membership", request)
            .await
            .ok()?;
        let content: Value = serde_json::from_str(response.event_or_content.get()).ok()?;
        content
            .get("membership")
            .and_then(Value::as_str)
            .map(str::to_string)
    }

    /// Everyone invited to or joined in a room, except the bot (server's view).
    pub(super) async fn invited_or_joined(
        &self,
        room: &RoomId,
    ) -> Result<Vec<OwnedUserId>, CallError> {
        let request = get_member_events::v3::Request::new(room.to_owned());
        let response = send_limited!(self, RateClass::Other, "list room members", request).await?;
        Ok(response
            .chunk
            .iter()
            .filter_map(|event| {
                let user: String = event.get_field("state_key").ok()??;
                let content: Value = event.get_field("content").ok()??;
                let membership = content.get("membership")?.as_str()?;
                matches!(membership, "join" | "invite").then_some(user)
            })
            .filter_map(|user| OwnedUserId::try_from(user).ok())
            .filter(|user| *user != self.bot)
            .collect())
    }
}
