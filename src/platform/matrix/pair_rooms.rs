//! Pair rooms: one private room per pair/trio with a call widget, found again by an alias derived
//! from the idempotency key, watched for presence, closed after the session, and swept at start.
//!
//! The alias carries a tag keyed by a secret in the database, so nobody can predict the next
//! room's alias and squat it; and a room found under our alias is reused only when the bot made
//! it and our marker names this install and key. Anything else gets a fresh room without the
//! alias, and nobody is invited into the squatter's room.
//!
//! Everything a room needs goes into the one `createRoom` request (name, topic, invites, widget,
//! layout, our marker, power levels). Synapse rate-limits `createRoom` once, not per initial
//! event, and invites inside `createRoom` skip the per-invitee limiter, so a pair room costs one
//! room-creation token and one message token — the least a homeserver can be asked for.

use chrono::{DateTime, Utc};
use matrix_sdk::deserialized_responses::RawAnySyncOrStrippedState;
use matrix_sdk::ruma::api::client::alias::{delete_alias, get_alias};
use matrix_sdk::ruma::api::client::membership::{forget_room, invite_user, kick_user, leave_room};
use matrix_sdk::ruma::api::client::room::{create_room, Visibility};
use matrix_sdk::ruma::api::client::state::{get_state_event_for_key, get_state_events};
use matrix_sdk::ruma::api::error::ErrorKind;
use matrix_sdk::ruma::events::StateEventType;
use matrix_sdk::ruma::{OwnedRoomAliasId, OwnedRoomId, OwnedUserId, RoomId};
use rand::{RngCore, SeedableRng};
use serde_json::{json, Value};

use super::call::{
    CallServer, CALL_MEMBER_EVENT, STABLE_CALL_MEMBER_EVENT, WIDGET_EVENT, WIDGET_ID,
};
use super::ratelimit::{CallError, RateClass};
use super::{raw_json, MatrixPlatform};
use crate::engine::port::{PairRoomRequest, PlatformError};

/// Our marker on every pair room: which install made it and when it ends (for the sweep).
pub(super) const PAIR_ROOM_EVENT: &str = "org.focusfolk.pair_room";
const LAYOUT_EVENT: &str = "io.element.widgets.layout";
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
        let call = self.call_server().await;
        let create = self
            .pair_room_request(request, key, Some(&alias_local), &members, &call)
            .map_err(|error| error.into_platform("building a pair room"))?;
        let created =
            send_limited!(self, RateClass::RoomCreation, "create a pair room", create).await;
        match created {
            Ok(response) => {
                tracing::info!(room = %response.room_id, title = %request.title, "opened a pair room");
                Ok(response.room_id)
            }
            // The alias is taken: we created this room before and crashed before recording it,
            // or someone else holds the alias.
            Err(error) if error.is(&ErrorKind::RoomInUse) => {
                let room = self.resolve_alias(&alias_local).await?;
                if self.is_our_pair_room(&room, key).await? {
                    tracing::info!(%room, key, "pair room already existed; reusing it");
                    self.invite_missing(&room, &members).await?;
                    return Ok(room);
                }
                tracing::warn!(
                    squatted = %room,
                    alias = %alias_local,
                    key,
                    "a pair room alias points at a room the bot did not make; opening a room without the alias and inviting nobody there"
                );
                let create = self
                    .pair_room_request(request, key, None, &members, &call)
                    .map_err(|error| error.into_platform("building a pair room"))?;
                let response =
                    send_limited!(self, RateClass::RoomCreation, "create a pair room", create)
                        .await
                        .map_err(|error| error.into_platform("opening a pair room"))?;
                tracing::info!(room = %response.room_id, title = %request.title, "opened a pair room without its alias");
                Ok(response.room_id)
            }
            Err(error) => Err(error.into_platform("opening a pair room")),
        }
    }

    /// Whether `room` is the pair room this install made for `key`: the bot created it (its
    /// `m.room.create` sender) and our marker names this install and key. A room the bot
    /// cannot read is not ours.
    async fn is_our_pair_room(&self, room: &RoomId, key: &str) -> Result<bool, PlatformError> {
        let request = get_state_events::v3::Request::new(room.to_owned());
        let response = match send_limited!(
            self,
            RateClass::Other,
            "read a pair room's state",
            request
        )
        .await
        {
            Ok(response) => response,
            Err(error) if error.is_forbidden_or_not_found() => return Ok(false),
            Err(error) => return Err(error.into_platform("reading a pair room's state")),
        };
        let state: Vec<Value> = response
            .room_state
            .iter()
            .filter_map(|event| serde_json::from_str(event.json().get()).ok())
            .collect();
        Ok(made_by_us(&state, self.bot.as_str(), &self.install_id, key))
    }

    fn pair_room_request(
        &self,
        request: &PairRoomRequest,
        key: &str,
        alias_local: Option<&str>,
        members: &[OwnedUserId],
        call: &CallServer,
    ) -> Result<create_room::v3::Request, CallError> {
        let conference = format!("focusfolk{:032x}", rand::random::<u128>());
        let widget = call.widget(&conference, &request.title, self.bot.as_str());
        let state = |event_type: &str, state_key: &str, content: Value| {
            raw_json(&json!({"type": event_type, "state_key": state_key, "content": content}))
        };
        let mut create = create_room::v3::Request::new();
        create.preset = Some(create_room::v3::RoomPreset::PrivateChat);
        create.visibility = Visibility::Private;
        create.name = Some(request.title.clone());
        create.topic = Some(format!(
            "Your focusfolk session, {}–{} UTC. {}, say hello and what you'll work on, then focus. \
             The room closes a few minutes after the end.",
            request.starts_at.format("%H:%M"),
            request.ends_at.format("%H:%M"),
            if widget.is_some() { "Join the call above" } else { "Meet here" }
        ));
        create.room_alias_name = alias_local.map(str::to_string);
        create.invite = members.to_vec();
        let mut initial_state = vec![state(
            "m.room.guest_access",
            "",
            json!({"guest_access": "forbidden"}),
        )?];
        if let Some(widget) = widget {
            initial_state.push(state(WIDGET_EVENT, WIDGET_ID, widget)?);
            // Pins the call to the top of the room in Element.
            initial_state.push(state(
                LAYOUT_EVENT,
                "",
                json!({"widgets": {WIDGET_ID: {"container": "top", "index": 0, "width": 100, "height": 50}}}),
            )?);
        }
        initial_state.push(state(
            PAIR_ROOM_EVENT,
            "",
            json!({"install": self.install_id, "key": key, "starts_at": request.starts_at.timestamp(), "ends_at": request.ends_at.timestamp()}),
        )?);
        create.initial_state = initial_state;
        // Members stay at 0: they may talk and join the call (Element Call's membership state
        // events must be allowed at 0), but not invite strangers or change the room.
        create.power_level_content_override = Some(raw_json(&json!({
            "invite": 50,
            "state_default": 50,
            "events": {
                "m.room.power_levels": 100, "m.room.history_visibility": 100, "m.room.encryption": 100,
                "m.room.tombstone": 100, "m.room.server_acl": 100, "m.room.name": 50, "m.room.avatar": 50,
                "m.room.canonical_alias": 50, WIDGET_EVENT: 50, LAYOUT_EVENT: 50, PAIR_ROOM_EVENT: 100,
                CALL_MEMBER_EVENT: 0, STABLE_CALL_MEMBER_EVENT: 0,
            },
        }))?);
        Ok(create)
    }

    /// `focusfolk-<install>-room-g12-<tag>`: unique per database and group, so a retry finds its
    /// room; the tag is keyed by the install's secret, so nobody can predict it.
    fn alias_localpart(&self, key: &str) -> String {
        let readable: String = key
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '.' || c == '_' {
                    c.to_ascii_lowercase()
                } else {
                    '-'
                }
            })
            .collect();
        format!(
            "focusfolk-{}-{readable}-{}",
            self.install_id,
            alias_tag(&self.alias_secret, key)
        )
    }

    /// The full alias a pair room opened under `key` gets (`#…:<bot server>`).
    pub fn pair_room_alias(&self, key: &str) -> String {
        format!("#{}:{}", self.alias_localpart(key), self.server_name())
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
    /// MatrixRTC call membership (see `call.rs`).
    pub(super) async fn present_in(&self, room: &RoomId) -> Result<Vec<String>, PlatformError> {
        Ok(self.presence(room).await?.everyone())
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

/// 64 unguessable bits per key: the first word of ChaCha20's keystream under the install's
/// secret, on a stream chosen by the key (a keyed PRF; FNV-1a only picks the stream, and two
/// keys sharing one would still differ in the readable part of the alias).
fn alias_tag(secret: &[u8; 32], key: &str) -> String {
    let stream = key.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01b3)
    });
    let mut keystream = rand_chacha::ChaCha20Rng::from_seed(*secret);
    keystream.set_stream(stream);
    format!("{:016x}", keystream.next_u64())
}

/// The decision behind [`MatrixPlatform::is_our_pair_room`], on the room's full state events:
/// created by `bot`, and marked with our install and this key.
fn made_by_us(state: &[Value], bot: &str, install: &str, key: &str) -> bool {
    fn of_type<'a>(state: &'a [Value], event_type: &'a str) -> impl Iterator<Item = &'a Value> {
        state.iter().filter(move |event| {
            event.get("type").and_then(Value::as_str) == Some(event_type)
                && event.get("state_key").and_then(Value::as_str) == Some("")
        })
    }
    let created_by_bot = of_type(state, "m.room.create")
        .any(|event| event.get("sender").and_then(Value::as_str) == Some(bot));
    let marked = of_type(state, PAIR_ROOM_EVENT).any(|event| {
        event.pointer("/content/install").and_then(Value::as_str) == Some(install)
            && event.pointer("/content/key").and_then(Value::as_str) == Some(key)
    });
    created_by_bot && marked
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state(creator: &str, install: &str, key: &str) -> Vec<Value> {
        vec![
            json!({"type": "m.room.create", "state_key": "", "sender": creator, "content": {"room_version": "12"}}),
            json!({"type": PAIR_ROOM_EVENT, "state_key": "", "sender": creator, "content": {"install": install, "key": key}}),
        ]
    }

    #[test]
    fn only_a_room_the_bot_made_for_this_install_and_key_is_reused() {
        let bot = "@bot:example.org";
        assert!(made_by_us(
            &state(bot, "abc", "room:g1"),
            bot,
            "abc",
            "room:g1"
        ));
        // A squatter's room, even one that copies our marker.
        assert!(!made_by_us(
            &state("@mallory:example.org", "abc", "room:g1"),
            bot,
            "abc",
            "room:g1"
        ));
        assert!(!made_by_us(
            &state(bot, "other", "room:g1"),
            bot,
            "abc",
            "room:g1"
        ));
        assert!(!made_by_us(
            &state(bot, "abc", "room:g2"),
            bot,
            "abc",
            "room:g1"
        ));
        assert!(!made_by_us(
            &state(bot, "abc", "room:g1")[..1],
            bot,
            "abc",
            "room:g1"
        ));
        assert!(!made_by_us(&[], bot, "abc", "room:g1"));
    }

    #[test]
    fn alias_tags_are_stable_per_secret_and_key_and_unpredictable_without_the_secret() {
        let secret = [7u8; 32];
        let tag = alias_tag(&secret, "room:g1");
        assert_eq!(tag.len(), 16);
        assert_eq!(
            tag,
            alias_tag(&secret, "room:g1"),
            "a retry finds its alias"
        );
        assert_ne!(tag, alias_tag(&secret, "room:g2"));
        assert_ne!(tag, alias_tag(&[8u8; 32], "room:g1"));
    }
}
