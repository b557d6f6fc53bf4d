//! Pair rooms: one private room per pair/trio with a call widget, found again by an alias derived
//! from the idempotency key, watched for presence, closed after the session, and swept at start.
//!
//! Everything a room needs goes into the one `createRoom` request (name, topic, invites, widget,
//! layout, our marker, power levels). Synapse rate-limits `createRoom` once, not per initial
//! event, and invites inside `createRoom` skip the per-invitee limiter, so a pair room costs one
//! room-creation token and one message token — the least a homeserver can be asked for.

use chrono::{DateTime, Utc};
use matrix_sdk::deserialized_responses::RawAnySyncOrStrippedState;
use matrix_sdk::ruma::api::client::alias::{delete_alias, get_alias};
use matrix_sdk::ruma::api::client::filter::RoomEventFilter;
use matrix_sdk::ruma::api::client::membership::{forget_room, invite_user, kick_user, leave_room};
use matrix_sdk::ruma::api::client::message::get_message_events;
use matrix_sdk::ruma::api::client::room::{create_room, Visibility};
use matrix_sdk::ruma::api::client::state::get_state_event_for_key;
use matrix_sdk::ruma::api::error::ErrorKind;
use matrix_sdk::ruma::events::StateEventType;
use matrix_sdk::ruma::{OwnedRoomAliasId, OwnedRoomId, OwnedUserId, RoomId, UInt};
use serde_json::{json, Value};

use super::ratelimit::{CallError, RateClass};
use super::{raw_json, MatrixPlatform};
use crate::engine::port::{PairRoomRequest, PlatformError};

/// Our marker on every pair room: which install made it and when it ends (for the sweep).
pub(super) const PAIR_ROOM_EVENT: &str = "org.focusfolk.pair_room";
const WIDGET_EVENT: &str = "im.vector.modular.widgets";
const LAYOUT_EVENT: &str = "io.element.widgets.layout";
const CALL_MEMBER_EVENT: &str = "org.matrix.msc3401.call.member";
const WIDGET_ID: &str = "focusfolk-call";
/// The engine closes rooms a few minutes after the end; the adapter's own sweep only takes
/// rooms that are clearly forgotten (a crash lost the record, the slot was dropped).
const SWEEP_AFTER: chrono::Duration = chrono::Duration::hours(1);
fn closing_reason(prefix: &str) -> String {
    format!("The session is over — thanks for focusing! Book the next one with {prefix} book next.")
}

impl MatrixPlatform {
    pub(super) async fn open_room(
        &self,
        request: &PairRoomRequest,
        key: &str,
    ) -> Result<OwnedRoomId, PlatformError> {
        let members: Vec<OwnedUserId> = request
            .members
            .iter()
            .filter_map(|member| match OwnedUserId::try_from(member.platform_user_id.as_str()) {
                Ok(user) => Some(user),
                Err(_) => {
                    tracing::warn!(member = %member.platform_user_id, "not a Matrix user; not invited");
                    None
                }
            })
            .collect();
        let alias_local = self.alias_localpart(key);
        let create = self
            .pair_room_request(request, key, &alias_local, &members)
            .map_err(|error| error.into_platform("building a pair room"))?;
        let created =
            send_limited!(self, RateClass::RoomCreation, "create a pair room", create).await;
        match created {
            Ok(response) => {
                tracing::info!(room = %response.room_id, title = %request.title, "opened a pair room");
                Ok(response.room_id)
            }
            // The alias is taken: we created this room before and crashed before recording it.
            Err(error) if error.is(&ErrorKind::RoomInUse) => {
                let room = self.resolve_alias(&alias_local).await?;
                tracing::info!(%room, key, "pair room already existed; reusing it");
                self.invite_missing(&room, &members).await?;
                Ok(room)
            }
            Err(error) => Err(error.into_platform("opening a pair room")),
        }
    }

    fn pair_room_request(
        &self,
        request: &PairRoomRequest,
        key: &str,
        alias_local: &str,
        members: &[OwnedUserId],
    ) -> Result<create_room::v3::Request, CallError> {
        let conference = format!("focusfolk{:032x}", rand::random::<u128>());
        let widget = self.widget_content(&conference, &request.title);
        let state = |event_type: &str, state_key: &str, content: Value| {
            raw_json(&json!({"type": event_type, "state_key": state_key, "content": content}))
        };
        let mut create = create_room::v3::Request::new();
        create.preset = Some(create_room::v3::RoomPreset::PrivateChat);
        create.visibility = Visibility::Private;
        create.name = Some(request.title.clone());
        create.topic = Some(format!(
            "Your focusfolk session, {}–{} UTC. Join the call above, say hello and what you'll work on, then focus. \
             The room closes a few minutes after the end.",
            request.starts_at.format("%H:%M"),
            request.ends_at.format("%H:%M")
        ));
        create.room_alias_name = Some(alias_local.to_string());
        create.invite = members.to_vec();
        create.initial_state = vec![
            state(
                "m.room.guest_access",
                "",
                json!({"guest_access": "forbidden"}),
            )?,
            state(WIDGET_EVENT, WIDGET_ID, widget)?,
            // Pins the call to the top of the room in Element.
            state(
                LAYOUT_EVENT,
                "",
                json!({"widgets": {WIDGET_ID: {"container": "top", "index": 0, "width": 100, "height": 50}}}),
            )?,
            state(
                PAIR_ROOM_EVENT,
                "",
                json!({"install": self.install_id, "key": key, "starts_at": request.starts_at.timestamp(), "ends_at": request.ends_at.timestamp()}),
            )?,
        ];
        // Members stay at 0: they may talk and join the call (Element Call's membership state
        // events must be allowed at 0), but not invite strangers or change the room.
        create.power_level_content_override = Some(raw_json(&json!({
            "invite": 50,
            "state_default": 50,
            "events": {
                "m.room.power_levels": 100, "m.room.history_visibility": 100, "m.room.encryption": 100,
                "m.room.tombstone": 100, "m.room.server_acl": 100, "m.room.name": 50, "m.room.avatar": 50,
                "m.room.canonical_alias": 50, WIDGET_EVENT: 50, LAYOUT_EVENT: 50, PAIR_ROOM_EVENT: 100,
                CALL_MEMBER_EVENT: 0, "m.call.member": 0,
            },
        }))?);
        Ok(create)
    }

    /// A Jitsi widget (Element renders it with its own Jitsi wrapper from `data`; other
    /// clients open `url`), or Element Call where the deployment has one.
    fn widget_content(&self, conference: &str, title: &str) -> Value {
        let creator = self.bot.as_str();
        match self
            .config
            .element_call_url
            .as_deref()
            .map(|url| url.trim_end_matches('/'))
            .filter(|url| !url.is_empty())
        {
            Some(call) => json!({
                "type": "m.custom",
                "name": "Element Call",
                "url": format!("{call}/room/#?roomId=$matrix_room_id&displayName=$matrix_display_name&userId=$matrix_user_id&deviceId=$org.matrix.msc3819.matrix_device_id&baseUrl=$org.matrix.msc4039.matrix_base_url&confineToRoom=true"),
                "data": {"title": title},
                "creatorUserId": creator,
                "id": WIDGET_ID,
            }),
            None => {
                let domain = self.config.jitsi_domain.trim();
                json!({
                    "type": "jitsi",
                    "name": "Focus call",
                    "url": format!("https://{domain}/{conference}"),
                    "data": {"domain": domain, "conferenceId": conference, "isAudioOnly": false, "roomName": title},
                    "creatorUserId": creator,
                    "id": WIDGET_ID,
                })
            }
        }
    }

    /// `focusfolk-<install>-room-g12`: unique per database and group, so a retry finds its room.
    fn alias_localpart(&self, key: &str) -> String {
        let key: String = key
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '.' || c == '_' {
                    c.to_ascii_lowercase()
                } else {
                    '-'
                }
            })
            .collect();
        format!("focusfolk-{}-{key}", self.install_id)
    }

    fn alias(&self, localpart: &str) -> Result<OwnedRoomAliasId, PlatformError> {
        OwnedRoomAliasId::try_from(format!("#{localpart}:{}", self.server_name()))
            .map_err(|error| PlatformError::Permanent(format!("bad alias {localpart}: {error}")))
    }

    async fn resolve_alias(&self, localpart: &str) -> Result<OwnedRoomId, PlatformError> {
        let request = get_alias::v3::Request::new(self.alias(localpart)?);
        let response = send_limited!(self, RateClass::Other, "resolve a pair room alias", request)
            .await
            .map_err(|error| error.into_platform("resolving a pair room alias"))?;
        Ok(response.room_id)
    }

    async fn invite_missing(
        &self,
        room: &RoomId,
        members: &[OwnedUserId],
    ) -> Result<(), PlatformError> {
        let present = self
            .invited_or_joined(room)
            .await
            .map_err(|error| error.into_platform("listing pair room members"))?;
        for user in members.iter().filter(|user| !present.contains(user)) {
            let request = invite_user::v3::Request::new(
                room.to_owned(),
                invite_user::v3::InvitationRecipient::UserId(invite_user::v3::InviteUserId::new(
                    user.clone(),
                )),
            );
            send_limited!(self, RateClass::Invite, "invite to a pair room", request)
                .await
                .map_err(|error| error.into_platform("inviting to a pair room"))?;
        }
        Ok(())
    }

    /// Kicks whoever is still there (revoking open invites), drops the alias, leaves and
    /// forgets. A room the bot is no longer in counts as closed.
    pub(super) async fn close_room(&self, room: &RoomId) -> Result<(), PlatformError> {
        let members = match self.invited_or_joined(room).await {
            Ok(members) => members,
            Err(error) if error.is_forbidden_or_not_found() => return Ok(()),
            Err(error) => return Err(error.into_platform("listing pair room members")),
        };
        for user in members {
            let mut request = kick_user::v3::Request::new(room.to_owned(), user.clone());
            request.reason = Some(closing_reason(&self.config.command_prefix));
            match self
                .limiter
                .call(
                    RateClass::Message,
                    "remove a member from a pair room",
                    || {
                        let request = request.clone();
                        async move {
                            self.client
                                .send(request)
                                .await
                                .map_err(matrix_sdk::Error::from)
                        }
                    },
                )
                .await
            {
                Ok(_) => {}
                Err(error) if error.is_forbidden_or_not_found() => {}
                Err(error) => return Err(error.into_platform("closing a pair room")),
            }
        }
        if let Some(alias) = self.canonical_alias(room).await {
            let request = delete_alias::v3::Request::new(alias);
            let deleted =
                send_limited!(self, RateClass::Other, "delete a pair room alias", request).await;
            if let Some(error) = deleted
                .as_ref()
                .err()
                .filter(|error| !error.is_forbidden_or_not_found())
            {
                return Err(PlatformError::Temporary(format!(
                    "deleting a pair room alias: {error}"
                )));
            }
        }
        let left = self
            .limiter
            .call(RateClass::Join, "leave a pair room", || async {
                self.client
                    .send(leave_room::v3::Request::new(room.to_owned()))
                    .await
                    .map_err(matrix_sdk::Error::from)
            })
            .await;
        match left {
            Ok(_) => {}
            Err(error) if error.is_forbidden_or_not_found() => {}
            Err(error) => return Err(error.into_platform("leaving a pair room")),
        }
        // Forgetting keeps the bot's room list (and every sync) small; failing to is harmless.
        let _ = self
            .limiter
            .call(RateClass::Other, "forget a pair room", || async {
                self.client
                    .send(forget_room::v3::Request::new(room.to_owned()))
                    .await
                    .map_err(matrix_sdk::Error::from)
            })
            .await;
        tracing::info!(%room, "closed a pair room");
        Ok(())
    }

    async fn canonical_alias(&self, room: &RoomId) -> Option<OwnedRoomAliasId> {
        let request = get_state_event_for_key::v3::Request::new(
            room.to_owned(),
            StateEventType::RoomCanonicalAlias,
            String::new(),
        );
        let response = send_limited!(self, RateClass::Other, "read a pair room alias", request)
            .await
            .ok()?;
        let content: Value = serde_json::from_str(response.event_or_content.get()).ok()?;
        OwnedRoomAliasId::try_from(content.get("alias")?.as_str()?).ok()
    }

    /// Who showed up: everyone who joined the room at any point (the room's membership history,
    /// so a member who joined at T and stepped out at T+2 still counts), and anyone with a live
    /// MatrixRTC call membership (`org.matrix.msc3401.call.member`, Element Call).
    pub(super) async fn present_in(&self, room: &RoomId) -> Result<Vec<String>, PlatformError> {
        let mut request = get_message_events::v3::Request::backward(room.to_owned());
        request.limit = UInt::from(500u32);
        let mut filter = RoomEventFilter::empty();
        filter.types = Some(vec![
            "m.room.member".to_string(),
            CALL_MEMBER_EVENT.to_string(),
            "m.call.member".to_string(),
        ]);
        request.filter = filter;
        let response = send_limited!(self, RateClass::Other, "read pair room presence", request)
            .await
            .map_err(|error| error.into_platform("reading pair room presence"))?;
        let mut present: Vec<String> = Vec::new();
        for event in &response.chunk {
            let event_type: Option<String> = event.get_field("type").ok().flatten();
            let content: Value = event
                .get_field("content")
                .ok()
                .flatten()
                .unwrap_or(Value::Null);
            let user: Option<String> = match event_type.as_deref() {
                Some("m.room.member")
                    if content.get("membership").and_then(Value::as_str) == Some("join") =>
                {
                    event.get_field("state_key").ok().flatten()
                }
                Some(CALL_MEMBER_EVENT | "m.call.member")
                    if content.as_object().is_some_and(|fields| !fields.is_empty()) =>
                {
                    event.get_field("sender").ok().flatten()
                }
                _ => None,
            };
            if let Some(user) = user.filter(|user| user != self.bot.as_str()) {
                if !present.contains(&user) {
                    present.push(user);
                }
            }
        }
        Ok(present)
    }

    /// At start: pair rooms of ours that ended long ago (their record was lost, or their slot
    /// was dropped) are closed, so no private room stays open for ever.
    pub(super) async fn sweep_forgotten_pair_rooms(&self) -> usize {
        let now = self.clock.now();
        let mut closed = 0;
        for room in self.client.joined_rooms() {
            let Ok(Some(state)) = room
                .get_state_event(StateEventType::from(PAIR_ROOM_EVENT), "")
                .await
            else {
                continue;
            };
            let content: Option<Value> = match &state {
                RawAnySyncOrStrippedState::Sync(raw) => raw.get_field("content").ok().flatten(),
                RawAnySyncOrStrippedState::Stripped(raw) => raw.get_field("content").ok().flatten(),
            };
            let Some(content) = content else { continue };
            if content.get("install").and_then(Value::as_str) != Some(self.install_id.as_str()) {
                continue;
            }
            let Some(ends_at) = content
                .get("ends_at")
                .and_then(Value::as_i64)
                .and_then(|at| DateTime::<Utc>::from_timestamp(at, 0))
            else {
                continue;
            };
            if ends_at + SWEEP_AFTER < now {
                match self.close_room(room.room_id()).await {
                    Ok(()) => closed += 1,
                    Err(error) => {
                        tracing::warn!(room = %room.room_id(), %error, "could not close a forgotten pair room")
                    }
                }
            }
        }
        closed
    }
}
