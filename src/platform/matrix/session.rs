//! Logging in once and staying the same device.
//!
//! Transaction ids (our exactly-once guarantee for DMs) are deduplicated by the homeserver per
//! device, so a restart must come back as the same device: the session (user, device, token) is
//! kept in the database (`platform_state`), not only in matrix-sdk's store directory, which a
//! redeploy may lose. A password login happens only when no stored session works, and even then
//! reuses the stored device id. An access token from the config is used as it is and is not
//! copied into the database: the config has it on every restart, and its device is the token's.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{anyhow, Context};
use matrix_sdk::authentication::matrix::MatrixSession;
use matrix_sdk::config::RequestConfig;
use matrix_sdk::ruma::api::error::ErrorKind;
use matrix_sdk::ruma::{OwnedDeviceId, OwnedUserId};
use matrix_sdk::{Client, SessionMeta, SessionTokens};

use super::ratelimit::{CallError, Limiter, RateClass};
use crate::clock::Clock;
use crate::config::MatrixConfig;
use crate::engine::PlatformState;

const SCOPE: &str = "bot";

pub struct Connected {
    pub client: Client,
    /// Random per database: namespaces transaction ids and room aliases, so a fresh database
    /// with the same bot account never collides with what an earlier one created.
    pub install_id: String,
}

pub async fn connect(
    config: &MatrixConfig,
    state: &PlatformState,
    clock: &dyn Clock,
    limiter: &Limiter,
) -> anyhow::Result<Connected> {
    let user_id = OwnedUserId::try_from(config.user_id.trim()).map_err(|error| {
        anyhow!(
            "matrix.user_id {:?} is not a Matrix user id: {error}",
            config.user_id
        )
    })?;
    let store_dir = PathBuf::from(&config.store_path).join(directory_name(&user_id));
    std::fs::create_dir_all(&store_dir)
        .with_context(|| format!("creating the Matrix store {}", store_dir.display()))?;
    let client = Client::builder()
        .homeserver_url(config.homeserver_url.trim())
        .sqlite_store(&store_dir, None)
        // Retries (429 included) are ours: bounded, logged, and aware of the job lease.
        .request_config(
            RequestConfig::new()
                .disable_retry()
                .timeout(Duration::from_secs(60)),
        )
        .build()
        .await
        .with_context(|| format!("connecting to {}", config.redacted_homeserver_url()))?;

    let install_id = install_id(state, clock).await?;
    let session_name = format!("session:{user_id}");
    let stored: Option<MatrixSession> = match state.get(SCOPE, &session_name).await? {
        Some(json) => {
            Some(serde_json::from_str(&json).context("reading the stored Matrix session")?)
        }
        None => None,
    };

    if let Some(token) = config
        .access_token
        .as_deref()
        .filter(|token| !token.trim().is_empty())
    {
        let session = session_for_token(&client, token.trim()).await?;
        if session.meta.user_id != user_id {
            return Err(anyhow!(
                "matrix.access_token belongs to {}, not matrix.user_id {user_id}",
                session.meta.user_id
            ));
        }
        client.restore_session(session).await?;
        // Not persisted: the database would only hold a second copy of a bearer credential the
        // config already has. A copy an earlier version stored is removed.
        if stored.is_some_and(|stored| stored.tokens.access_token == token.trim()) {
            state.delete(SCOPE, &session_name).await?;
        }
        return Ok(Connected { client, install_id });
    }

    let password = config
        .password
        .as_deref()
        .ok_or_else(|| anyhow!("[matrix] needs a password or an access_token"))?;
    if let Some(session) = stored
        .clone()
        .filter(|session| session.meta.user_id == user_id)
    {
        client.restore_session(session.clone()).await?;
        match limiter
            .call(RateClass::Other, "whoami", || async {
                client.whoami().await.map_err(Into::into)
            })
            .await
        {
            Ok(_) => {
                tracing::info!(device = %session.meta.device_id, "restored the stored Matrix session");
                return Ok(Connected { client, install_id });
            }
            Err(error) if unknown_token(&error) => {
                tracing::warn!(device = %session.meta.device_id, "the stored Matrix token was revoked; logging in again on the same device");
            }
            Err(error) => return Err(anyhow!("checking the stored Matrix session: {error}")),
        }
    }
    // A revoked token leaves the client half-restored; a fresh client logs in cleanly.
    let client = if stored.is_some() {
        drop(client);
        rebuild(config, &store_dir).await?
    } else {
        client
    };
    let device: Option<OwnedDeviceId> = stored.map(|session| session.meta.device_id);
    let response = limiter
        .call(RateClass::Other, "login", || {
            let mut login = client
                .matrix_auth()
                .login_username(user_id.as_str(), password)
                .initial_device_display_name(&config.device_name);
            if let Some(device) = &device {
                login = login.device_id(device.as_str());
            }
            async move { login.send().await }
        })
        .await
        .map_err(|error| anyhow!("logging in as {user_id}: {error}"))?;
    tracing::info!(device = %response.device_id, "logged in to Matrix");
    let session = client
        .matrix_auth()
        .session()
        .ok_or_else(|| anyhow!("login succeeded but left no session"))?;
    persist(state, clock, &session_name, &session).await?;
    Ok(Connected { client, install_id })
}

fn unknown_token(error: &CallError) -> bool {
    matches!(
        error,
        CallError::Matrix {
            kind: ErrorKind::UnknownToken(_),
            ..
        }
    )
}

async fn rebuild(config: &MatrixConfig, store_dir: &std::path::Path) -> anyhow::Result<Client> {
    Ok(Client::builder()
        .homeserver_url(config.homeserver_url.trim())
        .sqlite_store(store_dir, None)
        .request_config(
            RequestConfig::new()
                .disable_retry()
                .timeout(Duration::from_secs(60)),
        )
        .build()
        .await?)
}

/// `whoami` tells which user and device a configured access token belongs to.
async fn session_for_token(client: &Client, token: &str) -> anyhow::Result<MatrixSession> {
    let url = client
        .homeserver()
        .join("_matrix/client/v3/account/whoami")?;
    let response = client
        .http_client()
        .get(url)
        .bearer_auth(token)
        .send()
        .await
        .context("whoami")?;
    let status = response.status();
    let body: serde_json::Value =
        serde_json::from_slice(&response.bytes().await.context("whoami response")?)
            .context("whoami response")?;
    if !status.is_success() {
        return Err(anyhow!(
            "matrix.access_token was refused by the homeserver ({status}): {body}"
        ));
    }
    let user_id = body["user_id"]
        .as_str()
        .ok_or_else(|| anyhow!("whoami returned no user_id"))?;
    let device_id = body["device_id"].as_str().ok_or_else(|| {
        anyhow!("whoami returned no device_id (appservice tokens are not supported)")
    })?;
    Ok(MatrixSession {
        meta: SessionMeta {
            user_id: user_id.try_into()?,
            device_id: device_id.into(),
        },
        tokens: SessionTokens {
            access_token: token.to_string(),
            refresh_token: None,
        },
    })
}

async fn persist(
    state: &PlatformState,
    clock: &dyn Clock,
    name: &str,
    session: &MatrixSession,
) -> anyhow::Result<()> {
    state
        .set(SCOPE, name, &serde_json::to_string(session)?, clock.now())
        .await?;
    Ok(())
}

async fn install_id(state: &PlatformState, clock: &dyn Clock) -> anyhow::Result<String> {
    if let Some(id) = state.get(SCOPE, "install_id").await? {
        return Ok(id);
    }
    let id = format!("{:08x}", rand::random::<u32>());
    state.set(SCOPE, "install_id", &id, clock.now()).await?;
    // Two instances starting together on a fresh database: whoever wrote last wins for both.
    Ok(state.get(SCOPE, "install_id").await?.unwrap_or(id))
}

/// The secret behind the unguessable part of pair-room aliases (`pair_rooms.rs`): 32 random
/// bytes, made once per database and kept in it, so every instance and every restart derives
/// the same alias for a key while nobody outside can predict the next one.
pub(super) async fn alias_secret(
    state: &PlatformState,
    clock: &dyn Clock,
) -> anyhow::Result<[u8; 32]> {
    const NAME: &str = "pair_room_alias_secret";
    if let Some(secret) = state
        .get(SCOPE, NAME)
        .await?
        .as_deref()
        .and_then(parse_secret)
    {
        return Ok(secret);
    }
    let fresh: [u8; 32] = rand::random();
    let hex: String = fresh.iter().map(|byte| format!("{byte:02x}")).collect();
    state.set(SCOPE, NAME, &hex, clock.now()).await?;
    // Two instances starting together on a fresh database: whoever wrote last wins for both.
    Ok(state
        .get(SCOPE, NAME)
        .await?
        .as_deref()
        .and_then(parse_secret)
        .unwrap_or(fresh))
}

fn parse_secret(hex: &str) -> Option<[u8; 32]> {
    let mut secret = [0u8; 32];
    if hex.len() != 64 || !hex.is_ascii() {
        return None;
    }
    for (byte, pair) in secret.iter_mut().zip(hex.as_bytes().chunks(2)) {
        *byte = u8::from_str_radix(std::str::from_utf8(pair).ok()?, 16).ok()?;
    }
    Some(secret)
}

/// One store directory per account, so changing `user_id` never mixes two accounts' state.
fn directory_name(user_id: &OwnedUserId) -> String {
    user_id
        .as_str()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect()
}
