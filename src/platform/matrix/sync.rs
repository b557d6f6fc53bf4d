//! The sync loop. It resumes from the position matrix-sdk stored, so events seen before a
//! restart are not seen again; a brand-new store starts with one sync whose history is only
//! read, never answered. Errors back off exponentially (1 s … 60 s), a 429 waits exactly as
//! long as asked, and a revoked token stops the loop with an error the operator can act on.
//!
//! The sync position is saved before event handlers run, so a crash mid-handling loses (not
//! repeats) those commands; replies carry transaction ids derived from the command's event id,
//! so even a replayed command is answered once.

use std::sync::Arc;
use std::time::Duration;

use matrix_sdk::config::SyncSettings;
use matrix_sdk::event_handler::EventHandlerHandle;
use matrix_sdk::ruma::api::client::filter::FilterDefinition;
use matrix_sdk::ruma::api::client::sync::sync_events;
use matrix_sdk::ruma::api::error::ErrorKind;
use matrix_sdk::ruma::events::room::encryption::OriginalSyncRoomEncryptionEvent;
use matrix_sdk::ruma::events::room::member::{MembershipState, StrippedRoomMemberEvent};
use matrix_sdk::ruma::events::room::message::OriginalSyncRoomMessageEvent;
use matrix_sdk::store::{StateStoreDataKey, StateStoreDataValue};
use matrix_sdk::{Client, Room};

use super::commands::{enqueue, incoming_queue, workers, Incoming, IncomingQueue};
use super::ratelimit::rate_limit_of;
use super::MatrixPlatform;
use crate::engine::Engine;

const LONG_POLL: Duration = Duration::from_secs(30);
const MAX_BACKOFF: Duration = Duration::from_secs(60);

/// Runs until `shutdown` is true. The engine answers the commands; it should be built on this
/// same platform.
pub async fn run_sync(
    platform: Arc<MatrixPlatform>,
    engine: Engine,
    mut shutdown: tokio::sync::watch::Receiver<bool>,
) -> anyhow::Result<()> {
    let client = platform.client().clone();
    let health = engine.clone();
    // Members' join/leave in big community rooms are not needed to answer commands.
    let settings = SyncSettings::new().filter(sync_events::v3::Filter::FilterDefinition(
        FilterDefinition::with_lazy_loading(),
    ));

    warn_if_encryption_is_forced(&client).await;
    if !has_synced_before(&client).await {
        tracing::info!("first sync of a new store: reading history without answering it");
        if !sync_until_ok(
            &client,
            settings.clone().timeout(Duration::ZERO),
            &mut shutdown,
            &health,
        )
        .await?
        {
            return Ok(());
        }
    }

    let queue = Arc::new(incoming_queue());
    let handlers = register_handlers(&client, &platform, queue.clone());
    let grace = engine.shutdown_grace();
    let mut worker_task = tokio::spawn(workers(platform.clone(), engine, queue.clone()));
    // Invites that arrived while nobody listened.
    for room in client.invited_rooms() {
        if let Ok(details) = room.invite_details().await {
            let is_direct = room.is_direct().await.unwrap_or(false);
            enqueue(
                &queue,
                Incoming::Invite {
                    room,
                    inviter: details.inviter_id,
                    is_direct,
                },
            );
        }
    }
    let swept = platform.sweep_forgotten_pair_rooms().await;
    if swept > 0 {
        tracing::info!(swept, "closed pair rooms left open by an earlier run");
    }

    // From here on every new event reaches a handler (the stored position predates it).
    platform.ready.send_replace(true);
    // Logged in, store loaded, handlers listening: connected (a failing sync says otherwise).
    health.report_connected(true);
    let result = loop {
        match sync_until_ok(
            &client,
            settings.clone().timeout(LONG_POLL),
            &mut shutdown,
            &health,
        )
        .await
        {
            Ok(true) => {}
            Ok(false) => break Ok(()),
            Err(error) => break Err(error),
        }
    };
    // Let the workers finish the commands in hand (a booking may be committed and not yet
    // answered); what is still queued is dropped (those senders were told nothing yet and
    // their commands are history at the next start). Only workers still busy after the grace
    // are aborted.
    for handler in handlers {
        client.remove_event_handler(handler);
    }
    queue.close();
    if tokio::time::timeout(grace, &mut worker_task).await.is_err() {
        tracing::warn!(grace = ?grace, "the Matrix command workers did not finish in time; aborted");
        worker_task.abort();
    }
    result
}

/// One successful sync (retrying with backoff); `Ok(false)` if shut down meanwhile.
async fn sync_until_ok(
    client: &Client,
    settings: SyncSettings,
    shutdown: &mut tokio::sync::watch::Receiver<bool>,
    health: &Engine,
) -> anyhow::Result<bool> {
    let mut backoff = Duration::from_secs(1);
    loop {
        if *shutdown.borrow() {
            return Ok(false);
        }
        let outcome = tokio::select! {
            outcome = client.sync_once(settings.clone()) => outcome,
            _ = shutdown.changed() => return Ok(false),
        };
        let error = match outcome {
            Ok(_) => {
                health.report_connected(true);
                return Ok(true);
            }
            Err(error) => error,
        };
        health.report_connected(false);
        if matches!(
            error.client_api_error_kind(),
            Some(ErrorKind::UnknownToken(_))
        ) {
            return Err(anyhow::anyhow!(
                "the homeserver no longer accepts the bot's access token (logged out?); restart focusfolk to log in again: {error}"
            ));
        }
        let wait = match rate_limit_of(&error) {
            Some(asked) => asked,
            None => {
                let wait = backoff;
                backoff = (backoff * 2).min(MAX_BACKOFF);
                wait
            }
        };
        tracing::warn!(%error, wait_s = wait.as_secs_f64(), "sync failed; retrying");
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = shutdown.changed() => return Ok(false),
        }
    }
}

/// Synapse can force encryption on new private rooms; the bot's DM and pair rooms would then be
/// encrypted, and members' answers there unreadable to it.
async fn warn_if_encryption_is_forced(client: &Client) {
    if let Ok(features) = client.unstable_features().await {
        let forced: Vec<String> = features
            .iter()
            .map(|feature| feature.to_string())
            .filter(|name| name.starts_with("io.element.e2ee_forced"))
            .collect();
        if !forced.is_empty() {
            tracing::warn!(?forced, "the homeserver may force encryption on new rooms; the bot cannot read encrypted replies");
        }
    }
}

async fn has_synced_before(client: &Client) -> bool {
    matches!(
        client
            .state_store()
            .get_kv_data(StateStoreDataKey::SyncToken)
            .await,
        Ok(Some(StateStoreDataValue::SyncToken(_)))
    )
}

/// Handlers only queue events (bounded per sender); the workers answer them, each sender's in
/// order, off the sync loop. Returns the handlers so shutdown can stop taking new events.
fn register_handlers(
    client: &Client,
    platform: &Arc<MatrixPlatform>,
    queue: Arc<IncomingQueue>,
) -> Vec<EventHandlerHandle> {
    let messages = queue.clone();
    let me = platform.user_id().to_owned();
    let on_message =
        client.add_event_handler(move |event: OriginalSyncRoomMessageEvent, room: Room| {
            let messages = messages.clone();
            // The bot's own replies come back through sync; they would only queue up to be
            // ignored (and, in a busy room, overflow the bot's own turn).
            let ours = event.sender == me;
            async move {
                if !ours {
                    enqueue(&messages, Incoming::Message(Box::new(event), room));
                }
            }
        });
    let invites = queue.clone();
    let bot = platform.user_id().to_owned();
    let on_invite = client.add_event_handler(move |event: StrippedRoomMemberEvent, room: Room| {
        let invites = invites.clone();
        let bot = bot.clone();
        async move {
            if event.state_key == bot && event.content.membership == MembershipState::Invite {
                let is_direct = event.content.is_direct.unwrap_or(false);
                enqueue(
                    &invites,
                    Incoming::Invite {
                        room,
                        inviter: event.sender,
                        is_direct,
                    },
                );
            }
        }
    });
    let on_encryption =
        client.add_event_handler(move |_: OriginalSyncRoomEncryptionEvent, room: Room| {
            let queue = queue.clone();
            async move {
                enqueue(&queue, Incoming::EncryptionEnabled(room));
            }
        });
    vec![on_message, on_invite, on_encryption]
}
