//! The Matrix adapter: the [`ChatPlatform`] port on a Matrix homeserver, and `!focusfolk …`
//! commands from rooms and DMs fed to the engine.
//!
//! - `session`: log in once (password or access token), keep the device across restarts.
//! - `sync`: the sync loop (backoff, resume from the stored position, no backlog answered twice).
//! - `commands`: invites (allow-list), encryption refusal, commands and their `m.notice` replies.
//! - `dm`: one unencrypted direct room per member (`m.direct`), created once and reused.
//! - `pair_rooms`: a private room per pair/trio with a call widget; presence; closing; sweep.
//! - `call`: which call server (configured, or Element Call on a homeserver with a MatrixRTC
//!   focus), its widget, and who is in the call.
//! - `room_pool`: pair rooms made ahead in idle time, claimed at prepare, reused after.
//! - `ratelimit`: `M_LIMIT_EXCEEDED` honoured with `retry_after_ms`; errors mapped for the engine.
//! - `render`: message parts as Matrix HTML (pills, room links, times in the member's zone).
//!
//! Everything the bot does to the homeserver is a plain client-server request built from ruma
//! types and sent through [`ratelimit::Limiter`], so it never depends on the local store being
//! caught up (after a crash the store may lag the server; the server is the truth).

/// `platform.client.send(request)` through the rate limiter, which waits out 429s and retries
/// with a fresh clone. A macro, not a method: `Client::send`'s bounds name matrix-sdk traits
/// that are not public, so a generic wrapper cannot spell them.
macro_rules! send_limited {
    ($platform:expr, $class:expr, $what:expr, $request:ident) => {
        $platform.limiter.call($class, $what, || {
            let request = $request.clone();
            async move {
                $platform
                    .client
                    .send(request)
                    .await
                    .map_err(matrix_sdk::Error::from)
            }
        })
    };
}

mod addressing;
mod call;
mod commands;
mod dm;
mod exemption;
mod fair_queue;
mod files;
mod membership;
mod moderators;
mod pair_rooms;
mod ratelimit;
pub mod render;
mod room_pool;
mod session;
mod sync;

use std::collections::HashMap;
use std::sync::Arc;

use async_trait::async_trait;
use matrix_sdk::ruma::api::client::message::send_message_event;
use matrix_sdk::ruma::events::MessageLikeEventType;
use matrix_sdk::ruma::serde::Raw;
use matrix_sdk::ruma::{
    OwnedDeviceId, OwnedEventId, OwnedRoomId, OwnedTransactionId, OwnedUserId, RoomId, UserId,
};
use matrix_sdk::Client;
use serde_json::Value;

use self::ratelimit::{CallError, Limiter, RateClass};
use crate::clock::Clock;
use crate::config::MatrixConfig;
use crate::core::message::OutgoingMessage;
use crate::core::model::Platform;
use crate::engine::port::{ChatPlatform, Membership, PairRoomRequest, PlatformError, Recipient};
use crate::engine::{EngineSetup, PlatformState};

pub use call::{CallServer, Presence, NO_CALL_SERVER, PUBLIC_ELEMENT_CALL_URL};
pub use room_pool::{POOL_ROOM_NAME, ROOM_POOL_TARGET};
pub use sync::run_sync;

/// The platform name in the store (`members.platform`, `platform_state.platform`).
pub const PLATFORM: Platform = Platform::Matrix;

pub struct MatrixPlatform {
    client: Client,
    /// The adapter's own notes in the database: the session, DM rooms, members' communities.
    state: PlatformState,
    clock: Arc<dyn Clock>,
    config: MatrixConfig,
    bot: OwnedUserId,
    install_id: String,
    /// Keys the unguessable part of pair-room aliases (see `pair_rooms.rs`).
    alias_secret: [u8; 32],
    limiter: Limiter,
    /// `allowed_rooms` aliases as the directory resolved them, and when (briefly cached).
    allowed_aliases: std::sync::Mutex<HashMap<String, (OwnedRoomId, std::time::Instant)>>,
    /// One DM room per member even when two DMs to them are sent at once.
    dm_locks: tokio::sync::Mutex<HashMap<OwnedUserId, Arc<tokio::sync::Mutex<()>>>>,
    /// Two groups never claim the same free pool room.
    pool_lock: tokio::sync::Mutex<()>,
    /// Set once the sync loop listens: commands sent before are history, not requests.
    ready: tokio::sync::watch::Sender<bool>,
    /// With no call server configured: what the homeserver's `.well-known` said, and when.
    discovered_call_server: tokio::sync::Mutex<Option<(CallServer, std::time::Instant)>>,
}

impl MatrixPlatform {
    /// Logs in (or restores the stored session) and returns the platform, not yet syncing.
    pub async fn connect(
        config: MatrixConfig,
        state: PlatformState,
        clock: Arc<dyn Clock>,
    ) -> anyhow::Result<Arc<Self>> {
        let limiter = Limiter::new(config.max_rate_limit_wait.as_std());
        let connected = session::connect(&config, &state, clock.as_ref(), &limiter).await?;
        let alias_secret = session::alias_secret(&state, clock.as_ref()).await?;
        let bot = connected
            .client
            .user_id()
            .ok_or_else(|| anyhow::anyhow!("the Matrix client has no user after login"))?
            .to_owned();
        let platform = Arc::new(MatrixPlatform {
            client: connected.client,
            state,
            clock,
            config,
            bot,
            install_id: connected.install_id,
            alias_secret,
            limiter,
            allowed_aliases: Default::default(),
            dm_locks: Default::default(),
            pool_lock: Default::default(),
            ready: tokio::sync::watch::channel(false).0,
            discovered_call_server: Default::default(),
        });
        let exemption = platform.check_rate_limit_exemption().await;
        tracing::info!(?exemption, "the homeserver's rate limits for the bot");
        Ok(platform)
    }

    pub fn client(&self) -> &Client {
        &self.client
    }

    pub fn user_id(&self) -> &UserId {
        &self.bot
    }

    pub fn device_id(&self) -> Option<OwnedDeviceId> {
        self.client.device_id().map(ToOwned::to_owned)
    }

    /// How many `M_LIMIT_EXCEEDED` answers were waited out so far.
    pub fn rate_limits_waited_out(&self) -> usize {
        self.limiter.rate_limits_waited_out()
    }

    /// Resolves once the sync loop is listening for commands.
    pub async fn wait_until_listening(&self) {
        let mut ready = self.ready.subscribe();
        let _ = ready.wait_for(|ready| *ready).await;
    }

    /// Where links and aliases point: the bot's own homeserver.
    fn server_name(&self) -> &str {
        self.bot.server_name().as_str()
    }

    /// Transaction ids are deduplicated per device for a day or so; the install id keeps a
    /// fresh database (whose keys restart at 1) from colliding with an old one's.
    fn txn_id(&self, key: &str) -> OwnedTransactionId {
        format!("focusfolk.{}.{}", self.install_id, key).into()
    }

    async fn state(&self, scope: &str, name: &str) -> Result<Option<String>, PlatformError> {
        self.state
            .get(scope, name)
            .await
            .map_err(|error| PlatformError::Temporary(format!("reading platform state: {error}")))
    }

    async fn set_state(&self, scope: &str, name: &str, value: &str) -> Result<(), PlatformError> {
        self.state
            .set(scope, name, value, self.clock.now())
            .await
            .map_err(|error| PlatformError::Temporary(format!("writing platform state: {error}")))
    }

    /// Sends an `m.room.message` with the given JSON content under a deterministic transaction
    /// id: sending it again (a retry after a crash) returns the first event, delivers nothing.
    async fn send_message(
        &self,
        room: &RoomId,
        content: Value,
        txn: OwnedTransactionId,
    ) -> Result<OwnedEventId, CallError> {
        let body: Raw<matrix_sdk::ruma::events::AnyMessageLikeEventContent> = raw_json(&content)?;
        let response = self
            .limiter
            .call(RateClass::Message, "send a message", || {
                let request = send_message_event::v3::Request::new_raw(
                    room.to_owned(),
                    txn.clone(),
                    MessageLikeEventType::RoomMessage,
                    body.clone(),
                );
                async move {
                    self.client
                        .send(request)
                        .await
                        .map_err(matrix_sdk::Error::from)
                }
            })
            .await?;
        Ok(response.event_id)
    }
}

pub(crate) fn raw_json<T>(value: &Value) -> Result<Raw<T>, CallError> {
    serde_json::value::to_raw_value(value)
        .map(Raw::from_json)
        .map_err(|error| CallError::Other(format!("serialising content: {error}")))
}

pub(crate) fn parse_room_id(room: &str) -> Result<OwnedRoomId, PlatformError> {
    OwnedRoomId::try_from(room).map_err(|error| {
        PlatformError::Permanent(format!("{room:?} is not a Matrix room id: {error}"))
    })
}

#[async_trait]
impl ChatPlatform for MatrixPlatform {
    /// What the mirror of the homeserver's message bucket allows (`ratelimit::Budget`);
    /// `None` when the bot is exempt or the server visibly allows more.
    fn direct_message_budget(&self, within: std::time::Duration) -> Option<usize> {
        self.limiter.budget().messages_within(within)
    }

    async fn post_in_community(
        &self,
        community: &str,
        message: &OutgoingMessage,
        idempotency_key: &str,
    ) -> Result<(), PlatformError> {
        let room = parse_room_id(community)?;
        let mut content = render::message_content(
            "m.text",
            &render::render(
                message,
                self.server_name(),
                render::CommandStyle::Prefixed(&self.config.command_prefix),
            ),
        );
        // Everyone the post names is notified: it stands in for their DM.
        let mentioned: Vec<&str> = message
            .parts
            .iter()
            .filter_map(|part| match part {
                crate::core::message::MessagePart::Mention {
                    platform_user_id, ..
                } if OwnedUserId::try_from(platform_user_id.as_str()).is_ok() => {
                    Some(platform_user_id.as_str())
                }
                _ => None,
            })
            .collect();
        content["m.mentions"] = serde_json::json!({ "user_ids": mentioned });
        self.send_message(&room, content, self.txn_id(idempotency_key))
            .await
            .map(|_| ())
            .map_err(|error| error.into_platform("posting in the community room"))
    }

    async fn send_direct_message(
        &self,
        to: &Recipient,
        message: &OutgoingMessage,
        idempotency_key: &str,
    ) -> Result<(), PlatformError> {
        self.send_dm(to, message, idempotency_key).await
    }

    async fn open_pair_room(
        &self,
        request: &PairRoomRequest,
        idempotency_key: &str,
    ) -> Result<String, PlatformError> {
        self.open_room(request, idempotency_key)
            .await
            .map(|room| room.to_string())
    }

    async fn close_pair_room(&self, room: &str) -> Result<(), PlatformError> {
        self.close_room(&parse_room_id(room)?).await
    }

    async fn present_members(&self, room: &str) -> Result<Vec<String>, PlatformError> {
        self.present_in(&parse_room_id(room)?).await
    }

    async fn is_community_member(&self, community: &str, user: &str) -> Membership {
        self.membership_in(community, user).await
    }

    /// A note in the community's moderators' room (`setup moderators <room>`, issue 11).
    async fn notify_moderators(
        &self,
        platform_community_id: &str,
        message: &OutgoingMessage,
        idempotency_key: &str,
    ) -> Result<(), PlatformError> {
        self.post_for_moderators(platform_community_id, message, idempotency_key)
            .await
    }
}

/// `focusfolk run` with Matrix: log in, sweep what a crash left behind, then run the job runner
/// and the sync loop until `shutdown` turns true. Returns early with an error if the session is
/// revoked or the homeserver refuses us for good.
pub async fn run_matrix(
    config: MatrixConfig,
    setup: EngineSetup,
    shutdown: tokio::sync::watch::Receiver<bool>,
) -> anyhow::Result<()> {
    let platform = MatrixPlatform::connect(config, setup.platform_state(), setup.clock()).await?;
    // Says at start which call pair rooms get (a warning when there is none).
    let call = platform.call_server().await;
    tracing::info!(?call, "pair rooms' call server");
    let engine = setup.build(platform.clone());
    engine.startup_sweep_logged().await;
    // The runner and the sync loop stop together: on shutdown, when the sync loop fails (a
    // revoked token), or when the runner ends unexpectedly — then Matrix stops with an error
    // and the process exits rather than answering "Booked" while nothing runs the slots.
    let (stop, stopping) = tokio::sync::watch::channel(false);
    let stop = Arc::new(stop);
    // Pool rooms are made in idle time, within the homeserver's limits (`room_pool.rs`).
    tokio::spawn(platform.clone().run_pool_filler(stopping.clone()));
    tokio::spawn({
        let (stop, mut shutdown) = (stop.clone(), shutdown.clone());
        async move {
            if shutdown.wait_for(|stopping| *stopping).await.is_ok() {
                let _ = stop.send(true);
            }
        }
    });
    let jobs = {
        let (engine, stop, stopping) = (engine.clone(), stop.clone(), stopping.clone());
        async move {
            let result = engine.run_supervised(stopping).await;
            let _ = stop.send(true);
            result
        }
    };
    let sync = async move {
        let result = run_sync(platform, engine, stopping).await;
        let _ = stop.send(true);
        result
    };
    let (runner, synced) = tokio::join!(jobs, sync);
    synced.and(runner)
}
