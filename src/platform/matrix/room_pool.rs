//! A pool of pair rooms made ahead of time, so a busy slot does not wait on the homeserver's
//! room-creation limit (Synapse's default: 10, then one a minute) nor spend message tokens on
//! invites when members can walk in by themselves.
//!
//! - **Filling** happens in idle time (`run_pool_filler`), one room at a time and only while
//!   the bot's mirror of the homeserver's buckets (`ratelimit::Budget`) keeps a reserve for
//!   what members do meanwhile (a new member's DM room, a reply), so the filler never draws a
//!   429. A pool room is a pair room without members: our marker (without a key or end, so
//!   the forgotten-room sweep leaves it), the call widget, a neutral name, and history visible
//!   only from joining, so a new pair never reads an earlier pair's messages.
//! - **Claiming** (`open_pair_room` at prepare) records the room under the group's key first
//!   (a retry finds it), then lets the pair in with as few messages as the homeserver allows:
//!   one `m.room.join_rules` event, `restricted` to the members' own DM rooms with the bot, so
//!   each member can join from the room link in their announcement without an invite (an
//!   invite costs a message token and one of the 5 a member may receive per ~5.5 minutes).
//!   A member without a DM room they have joined (and only they and the bot are in) is
//!   invited instead. Where no limit binds, the room is also named after the pair.
//! - **Releasing** (`close_pair_room`, after the session) kicks everyone, sets the join rule
//!   back to invite-only, puts a widget with a new conference (the old pair cannot walk into
//!   the next call) and the neutral name back, and frees the room. Presence only counts joins
//!   since the claim (`pair_rooms::present_in`).
//!
//! The records are the adapter's `PlatformState`: `pool_room` per room (`free` or the claim),
//! `pool_claim` per key (the room).

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use matrix_sdk::ruma::api::client::state::{get_state_event_for_key, send_state_event};
use matrix_sdk::ruma::events::StateEventType;
use matrix_sdk::ruma::{OwnedRoomId, OwnedUserId, RoomId, UserId};
use serde_json::{json, Value};

use super::dm::DM_ROOM;
use super::ratelimit::{CallError, RateClass};
use super::{raw_json, MatrixPlatform};
use crate::engine::port::{PairRoomRequest, PlatformError};

/// platform_state name, scope = room id: `free`, or the claim as JSON (key, claimed_at, ends_at).
pub(super) const POOL_ROOM: &str = "pool_room";
/// platform_state name, scope = the open-room key (`room:g12`): the pool room claimed for it.
const POOL_CLAIM: &str = "pool_claim";
const FREE: &str = "free";
/// A pool room that became a member's DM room (it never returns to the pool).
const DM: &str = "dm";
/// The name a pool room carries between sessions (and during one, where limits bind).
pub const POOL_ROOM_NAME: &str = "Focus session";
/// How many free rooms the filler keeps ready: a slot of this many pairs opens no room.
pub const ROOM_POOL_TARGET: usize = 20;
/// Tokens the filler leaves in each bucket for what members do meanwhile.
const RESERVE: f64 = 4.0;
/// How often the filler looks at the pool (it makes at most one room per look).
const FILL_EVERY: Duration = Duration::from_secs(15);
/// A claim whose session ended this long ago was forgotten (its close job lost): release it.
const FORGOTTEN_AFTER: chrono::Duration = chrono::Duration::hours(1);

impl MatrixPlatform {
    /// Free rooms in the pool now.
    pub async fn pool_rooms_free(&self) -> usize {
        match self.state.by_name(POOL_ROOM).await {
            Ok(rooms) => rooms.iter().filter(|(_, value)| value == FREE).count(),
            Err(error) => {
                tracing::warn!(%error, "could not read the room pool");
                0
            }
        }
    }

    /// Makes pool rooms until `target` are free. `paced`: stop at the first room the budget
    /// cannot spare (the filler's way); unpaced waits out the homeserver as long as allowed.
    /// Returns how many rooms it made.
    pub async fn fill_room_pool(&self, target: usize, paced: bool) -> Result<usize, PlatformError> {
        let mut made = 0;
        while self.pool_rooms_free().await < target {
            if paced && !self.can_spare_a_room() {
                break;
            }
            let create = self
                .pool_room_create_request(POOL_ROOM_NAME, self.clock.now())
                .await
                .map_err(|error| error.into_platform("building a pool room"))?;
            let response =
                send_limited!(self, RateClass::RoomCreation, "create a pool room", create)
                    .await
                    .map_err(|error| error.into_platform("creating a pool room"))?;
            self.set_state(response.room_id.as_str(), POOL_ROOM, FREE)
                .await?;
            tracing::debug!(room = %response.room_id, "made a pool room");
            made += 1;
        }
        Ok(made)
    }

    fn can_spare_a_room(&self) -> bool {
        let budget = self.limiter.budget();
        !budget.binds()
            || (budget.room_creations.tokens >= RESERVE + 1.0
                && budget.messages.tokens >= RESERVE + 1.0)
    }

    /// Keeps the pool filled and releases forgotten claims until `stopping` turns true.
    pub(super) async fn run_pool_filler(
        self: Arc<Self>,
        mut stopping: tokio::sync::watch::Receiver<bool>,
    ) {
        loop {
            self.release_forgotten_claims().await;
            if let Err(error) = self.fill_room_pool(ROOM_POOL_TARGET, true).await {
                tracing::warn!(%error, "could not add a room to the pool; trying again later");
            }
            tokio::select! {
                _ = tokio::time::sleep(FILL_EVERY) => {}
                _ = stopping.wait_for(|stop| *stop) => return,
            }
        }
    }

    async fn release_forgotten_claims(&self) {
        let Ok(rooms) = self.state.by_name(POOL_ROOM).await else {
            return;
        };
        let now = self.clock.now();
        for (room, value) in rooms {
            let Some(claim) = Claim::parse(&value) else {
                continue;
            };
            if claim.ends_at + FORGOTTEN_AFTER < now {
                if let Ok(room) = OwnedRoomId::try_from(room) {
                    if let Err(error) = self.release_pool_room(&room).await {
                        tracing::warn!(%room, %error, "could not release a forgotten pool room");
                    }
                }
            }
        }
    }

    /// The pool room for `key`: the one claimed for it before, or a free one claimed now, with
    /// the members let in. `None` when the pool is empty (the caller creates a room).
    pub(super) async fn claim_pool_room(
        &self,
        request: &PairRoomRequest,
        key: &str,
        members: &[OwnedUserId],
    ) -> Result<Option<OwnedRoomId>, PlatformError> {
        let room = {
            let _one_at_a_time = self.pool_lock.lock().await;
            match self
                .state(key, POOL_CLAIM)
                .await?
                .filter(|room| !room.is_empty())
            {
                Some(room) => super::parse_room_id(&room)?,
                None => {
                    let free = self
                        .state
                        .by_name(POOL_ROOM)
                        .await
                        .map_err(|error| {
                            PlatformError::Temporary(format!("reading the room pool: {error}"))
                        })?
                        .into_iter()
                        .find(|(_, value)| value == FREE);
                    let Some((room, _)) = free else {
                        return Ok(None);
                    };
                    let claim = Claim {
                        key: key.to_string(),
                        claimed_at: self.clock.now(),
                        ends_at: request.ends_at,
                    };
                    // Claimed before anyone is let in: a retry after a crash finds it by key.
                    self.set_state(&room, POOL_ROOM, &claim.to_json()).await?;
                    self.set_state(key, POOL_CLAIM, &room).await?;
                    super::parse_room_id(&room)?
                }
            }
        };
        self.let_in(&room, members).await?;
        if !self.limiter.budget().binds() {
            // Cosmetic; where messages are scarce the announcement names the pair instead.
            let _ = self
                .put_state(&room, "m.room.name", "", json!({"name": request.title}))
                .await;
        }
        tracing::info!(%room, key, title = %request.title, "opened a pair room from the pool");
        Ok(Some(room))
    }

    /// A free pool room turned into `user`'s DM room, when the bot could not create one now
    /// without waiting for the homeserver (its room-creation bucket is empty). It leaves the
    /// pool for good: invited as a direct chat, its call widget and name removed, the DM topic
    /// set. `None`: create a room instead.
    pub(super) async fn take_pool_room_for_dm(
        &self,
        user: &UserId,
        topic: &str,
    ) -> Result<Option<OwnedRoomId>, PlatformError> {
        let budget = self.limiter.budget();
        if !budget.binds() || budget.room_creations.tokens >= 1.0 {
            return Ok(None);
        }
        let room = {
            let _one_at_a_time = self.pool_lock.lock().await;
            let free = self
                .state
                .by_name(POOL_ROOM)
                .await
                .map_err(|error| {
                    PlatformError::Temporary(format!("reading the room pool: {error}"))
                })?
                .into_iter()
                .find(|(_, value)| value == FREE);
            let Some((room, _)) = free else {
                return Ok(None);
            };
            // Out of the pool before it becomes the DM: no pair can claim it meanwhile.
            self.set_state(&room, POOL_ROOM, DM).await?;
            super::parse_room_id(&room)?
        };
        let invite = json!({"membership": "invite", "is_direct": true});
        if let Err(error) = self
            .put_state_as(
                RateClass::Invite,
                &room,
                "m.room.member",
                user.as_str(),
                invite,
            )
            .await
        {
            // Not theirs after all: back into the pool.
            self.set_state(room.as_str(), POOL_ROOM, FREE).await?;
            return Err(match error {
                CallError::Matrix {
                    kind: matrix_sdk::ruma::api::error::ErrorKind::Forbidden,
                    message,
                } => PlatformError::Unreachable(format!(
                    "{user} cannot be invited to a DM: {message}"
                )),
                other => other.into_platform("inviting to a DM room from the pool"),
            });
        }
        // What makes it look like a DM rather than a session room; a failure only looks odd.
        let (widget_type, widget_key, _) = self.fresh_call_widget(POOL_ROOM_NAME).await;
        let steps = [
            (widget_type, widget_key, json!({})),
            (super::pair_rooms::LAYOUT_EVENT, "", json!({})),
            ("m.room.name", "", json!({"name": ""})),
            ("m.room.topic", "", json!({"topic": topic})),
        ];
        for (event_type, state_key, content) in steps {
            if let Err(error) = self.put_state(&room, event_type, state_key, content).await {
                tracing::warn!(%room, event_type, %error, "could not tidy a pool room into a DM room");
            }
        }
        tracing::info!(%user, %room, "a pool room became a DM room");
        Ok(Some(room))
    }

    /// One join rule letting in everyone whose own DM room qualifies; invites for the rest.
    async fn let_in(&self, room: &RoomId, members: &[OwnedUserId]) -> Result<(), PlatformError> {
        let mut allow = Vec::new();
        let mut invite = Vec::new();
        for user in members {
            match self.private_dm_room(user).await {
                Some(dm) => allow.push(json!({"type": "m.room_membership", "room_id": dm})),
                None => invite.push(user.clone()),
            }
        }
        if !allow.is_empty() {
            let rule = json!({"join_rule": "restricted", "allow": allow});
            if self.state_content(room, "m.room.join_rules").await.as_ref() != Some(&rule) {
                self.put_state(room, "m.room.join_rules", "", rule)
                    .await
                    .map_err(|error| error.into_platform("letting a pair into a pool room"))?;
            }
        }
        self.invite_missing(room, &invite).await
    }

    /// The member's DM room with the bot, if they have joined it and nobody else is in it:
    /// membership there is what lets them into their pair room.
    async fn private_dm_room(&self, user: &UserId) -> Option<OwnedRoomId> {
        let dm = self.state(user.as_str(), DM_ROOM).await.ok()??;
        let dm = OwnedRoomId::try_from(dm).ok()?;
        if self.membership(&dm, user).await.as_deref() != Some("join") {
            return None;
        }
        let others = self.invited_or_joined(&dm).await.ok()?;
        (others.as_slice() == [user.to_owned()]).then_some(dm)
    }

    /// Puts a pool room back: everyone out, invite-only, a new call, the neutral name, free.
    /// `false` when `room` is not a pool room.
    pub(super) async fn release_pool_room(&self, room: &RoomId) -> Result<bool, PlatformError> {
        let Some(value) = self.state(room.as_str(), POOL_ROOM).await? else {
            return Ok(false);
        };
        let Some(claim) = Claim::parse(&value) else {
            return Ok(true); // free already, or now a DM room: nothing to put back
        };
        if !self.remove_everyone(room).await? {
            // The bot is no longer in it: the room is lost to the pool.
            tracing::warn!(%room, "a pool room the bot is no longer in; dropping it from the pool");
            self.delete_state(room.as_str(), POOL_ROOM).await?;
            self.delete_state(&claim.key, POOL_CLAIM).await?;
            return Ok(true);
        }
        let (widget_type, widget_key, widget) = self.fresh_call_widget(POOL_ROOM_NAME).await;
        let steps = [
            ("m.room.join_rules", "", json!({"join_rule": "invite"})),
            (widget_type, widget_key, widget),
            ("m.room.name", "", json!({"name": POOL_ROOM_NAME})),
        ];
        for (event_type, state_key, content) in steps {
            self.put_state(room, event_type, state_key, content)
                .await
                .map_err(|error| error.into_platform("resetting a pool room"))?;
        }
        self.delete_state(&claim.key, POOL_CLAIM).await?;
        self.set_state(room.as_str(), POOL_ROOM, FREE).await?;
        tracing::info!(%room, "returned a pair room to the pool");
        Ok(true)
    }

    /// When `room` was claimed from the pool for its current session (unix seconds).
    pub(super) async fn pool_claimed_at(&self, room: &RoomId) -> Option<i64> {
        let value = self.state(room.as_str(), POOL_ROOM).await.ok()??;
        Claim::parse(&value).map(|claim| claim.claimed_at.timestamp())
    }

    async fn put_state(
        &self,
        room: &RoomId,
        event_type: &str,
        state_key: &str,
        content: Value,
    ) -> Result<(), CallError> {
        self.put_state_as(RateClass::Message, room, event_type, state_key, content)
            .await
    }

    async fn put_state_as(
        &self,
        class: RateClass,
        room: &RoomId,
        event_type: &str,
        state_key: &str,
        content: Value,
    ) -> Result<(), CallError> {
        let body = raw_json(&content)?;
        let request = send_state_event::v3::Request::new_raw(
            room.to_owned(),
            StateEventType::from(event_type),
            state_key.to_string(),
            body,
        );
        send_limited!(self, class, "set a pool room's state", request).await?;
        Ok(())
    }

    async fn state_content(&self, room: &RoomId, event_type: &str) -> Option<Value> {
        let request = get_state_event_for_key::v3::Request::new(
            room.to_owned(),
            StateEventType::from(event_type),
            String::new(),
        );
        let response = send_limited!(self, RateClass::Other, "read a pool room's state", request)
            .await
            .ok()?;
        serde_json::from_str(response.event_or_content.get()).ok()
    }

    async fn delete_state(&self, scope: &str, name: &str) -> Result<(), PlatformError> {
        self.state
            .delete(scope, name)
            .await
            .map_err(|error| PlatformError::Temporary(format!("writing platform state: {error}")))
    }
}

/// A pool room's current use.
#[derive(Debug, Clone, PartialEq)]
struct Claim {
    key: String,
    claimed_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
}

impl Claim {
    fn to_json(&self) -> String {
        json!({"key": self.key, "claimed_at": self.claimed_at.timestamp(), "ends_at": self.ends_at.timestamp()})
            .to_string()
    }

    /// `None` for a free room (or a record this version cannot read, treated as free).
    fn parse(value: &str) -> Option<Claim> {
        let value: Value = serde_json::from_str(value).ok()?;
        let at = |field: &str| DateTime::<Utc>::from_timestamp(value.get(field)?.as_i64()?, 0);
        Some(Claim {
            key: value.get("key")?.as_str()?.to_string(),
            claimed_at: at("claimed_at")?,
            ends_at: at("ends_at")?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_claim_reads_back_and_free_is_no_claim() {
        let claim = Claim {
            key: "room:g12".to_string(),
            claimed_at: DateTime::<Utc>::from_timestamp(1_800_000_000, 0).unwrap(),
            ends_at: DateTime::<Utc>::from_timestamp(1_800_003_000, 0).unwrap(),
        };
        assert_eq!(Claim::parse(&claim.to_json()), Some(claim));
        assert_eq!(Claim::parse(FREE), None);
        assert_eq!(Claim::parse("{\"key\": 5}"), None);
    }
}
