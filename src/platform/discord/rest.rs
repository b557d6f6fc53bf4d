//! focusfolk's own REST client for the calls it makes on its own (rooms, DMs, lobby posts,
//! channel lists). It needs what serenity's `Http` does not return: the `X-RateLimit-*`
//! headers and a 429's `retry_after`. Every call is paced (see `pacing`) and a 429 is waited
//! out and retried a few times before the job gives the effect back to the runner.

use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::Value;

use super::pacing::{LimitScope, Pacer};
use crate::engine::port::PlatformError;

/// 429s retried within one call before the caller's job is retried later instead.
const MAX_RATE_LIMIT_RETRIES: u32 = 6;
/// A 429 asking for longer than this is handed back to the job runner rather than waited out.
const LONGEST_INLINE_WAIT: Duration = Duration::from_secs(60);

/// The longest wait a header or 429 body can impose; anything longer is taken as this.
const LONGEST_PLATFORM_WAIT: Duration = Duration::from_secs(60 * 60);
/// The wait taken when Discord (or a proxy) sends a number that is no wait at all.
const GARBAGE_WAIT: Duration = Duration::from_secs(1);

/// A wait in seconds as Discord sends it (`x-ratelimit-reset-after`, `retry-after`, a 429's
/// `retry_after`), from text the platform controls: it never panics. Negative, NaN, infinite
/// or unparsable values mean [`GARBAGE_WAIT`]; long ones are capped at an hour.
pub(crate) fn wait_from_platform(seconds: &str) -> Duration {
    match seconds.trim().parse::<f64>() {
        Ok(seconds) if seconds.is_finite() && seconds >= 0.0 => {
            Duration::try_from_secs_f64(seconds)
                .unwrap_or(LONGEST_PLATFORM_WAIT)
                .min(LONGEST_PLATFORM_WAIT)
        }
        _ => GARBAGE_WAIT,
    }
}

/// Discord's JSON error codes the adapter acts on.
pub mod codes {
    pub const UNKNOWN_CHANNEL: i64 = 10003;
    pub const MISSING_ACCESS: i64 = 50001;
    pub const CANNOT_DM_USER: i64 = 50007;
    pub const MISSING_PERMISSIONS: i64 = 50013;
    pub const MAX_GUILD_CHANNELS: i64 = 30013;
}

#[derive(Debug, Clone)]
pub enum RestError {
    /// Discord answered with an error status and JSON body.
    Discord {
        status: u16,
        code: i64,
        message: String,
        body: Value,
    },
    /// Still rate-limited after our retries, or asked to wait longer than we wait inline.
    RateLimited(Duration),
    Network(String),
}

impl RestError {
    pub fn code(&self) -> Option<i64> {
        match self {
            RestError::Discord { code, .. } => Some(*code),
            _ => None,
        }
    }

    pub fn status(&self) -> Option<u16> {
        match self {
            RestError::Discord { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// Mapped to the port's error kinds: retry what may pass later, not what never will.
    pub fn into_platform(self, what: &str) -> PlatformError {
        match &self {
            RestError::Discord { code, .. } if *code == codes::CANNOT_DM_USER => {
                PlatformError::Unreachable(format!("{what}: {self}"))
            }
            RestError::Discord { status, .. } if *status >= 500 => {
                PlatformError::Temporary(format!("{what}: {self}"))
            }
            // Missing permissions may be fixed by an admin before the next attempt.
            RestError::Discord { code, .. }
                if *code == codes::MISSING_PERMISSIONS || *code == codes::MISSING_ACCESS =>
            {
                PlatformError::Temporary(format!("{what}: {self}"))
            }
            RestError::Discord { .. } => PlatformError::Permanent(format!("{what}: {self}")),
            RestError::RateLimited(_) | RestError::Network(_) => {
                PlatformError::Temporary(format!("{what}: {self}"))
            }
        }
    }
}

impl std::fmt::Display for RestError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RestError::Discord {
                status,
                code,
                message,
                ..
            } => write!(f, "Discord said {status} (code {code}): {message}"),
            RestError::RateLimited(wait) => write!(f, "rate limited for {wait:?} more"),
            RestError::Network(why) => write!(f, "network: {why}"),
        }
    }
}

pub struct DiscordRest {
    client: reqwest::Client,
    /// e.g. `https://discord.com/api/v10`, or a proxy's `http://127.0.0.1:3000/api/v10`.
    base: String,
    authorization: String,
    pacer: Pacer,
}

impl DiscordRest {
    pub fn new(
        api_base_url: &str,
        token: &str,
        requests_per_second: u32,
    ) -> anyhow::Result<DiscordRest> {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(20))
            .user_agent(concat!(
                "DiscordBot (focusfolk, ",
                env!("CARGO_PKG_VERSION"),
                ")"
            ))
            .build()?;
        let token = token.trim();
        let authorization = if token.starts_with("Bot ") {
            token.to_string()
        } else {
            format!("Bot {token}")
        };
        Ok(DiscordRest {
            client,
            base: format!("{}/api/v10", api_base_url.trim_end_matches('/')),
            authorization,
            pacer: Pacer::new(requests_per_second),
        })
    }

    /// The global pace every call shares, in requests per second.
    pub fn requests_per_second(&self) -> u32 {
        self.pacer.requests_per_second()
    }

    /// One request. `route` names its rate-limit bucket: method, path template and major
    /// parameter, e.g. `POST /channels/123/messages` (each channel is its own bucket).
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<Value, RestError> {
        let route = route_key(&method, path);
        let mut attempt = 0;
        loop {
            self.pacer.acquire(&route).await;
            let mut request = self
                .client
                .request(method.clone(), format!("{}{path}", self.base))
                .header("Authorization", &self.authorization);
            if let Some(body) = body {
                request = request.json(body);
            }
            let response = request
                .send()
                .await
                .map_err(|error| RestError::Network(error.to_string()))?;
            let status = response.status();
            let headers = response.headers().clone();
            let header = |name: &str| {
                headers
                    .get(name)
                    .and_then(|value| value.to_str().ok())
                    .map(str::to_string)
            };
            self.pacer.observe(
                &route,
                header("x-ratelimit-remaining").and_then(|v| v.parse().ok()),
                header("x-ratelimit-reset-after").map(|v| wait_from_platform(&v)),
            );
            let text = response
                .text()
                .await
                .map_err(|error| RestError::Network(error.to_string()))?;
            let json: Value = if text.is_empty() {
                Value::Null
            } else {
                serde_json::from_str(&text).unwrap_or(Value::String(text))
            };
            if status == StatusCode::TOO_MANY_REQUESTS {
                let retry_after = match (&json["retry_after"], header("retry-after")) {
                    (Value::Number(seconds), _) => wait_from_platform(&seconds.to_string()),
                    (Value::String(seconds), _) => wait_from_platform(seconds),
                    (_, Some(seconds)) => wait_from_platform(&seconds),
                    _ => GARBAGE_WAIT,
                };
                let global = json["global"].as_bool().unwrap_or(false)
                    || header("x-ratelimit-global").is_some_and(|v| v == "true");
                let scope = if global {
                    LimitScope::Global
                } else {
                    LimitScope::Route
                };
                self.pacer.rate_limited(&route, retry_after, scope);
                attempt += 1;
                tracing::warn!(%route, ?retry_after, global, attempt, "Discord rate limit; waiting it out");
                if attempt > MAX_RATE_LIMIT_RETRIES || retry_after > LONGEST_INLINE_WAIT {
                    return Err(RestError::RateLimited(retry_after));
                }
                continue;
            }
            if status.is_success() {
                return Ok(json);
            }
            if status.is_server_error() && attempt < 2 {
                attempt += 1;
                tokio::time::sleep(Duration::from_millis(500)).await;
                continue;
            }
            return Err(RestError::Discord {
                status: status.as_u16(),
                code: json["code"].as_i64().unwrap_or(0),
                message: json["message"].as_str().unwrap_or_default().to_string(),
                body: json,
            });
        }
    }
}

/// `POST /channels/123/messages` stays as is (the channel is the major parameter); other ids
/// become `{id}` so e.g. every `DELETE /channels/…` of one guild's rooms shares no bucket
/// it shouldn't.
pub fn route_key(method: &Method, path: &str) -> String {
    let path = path.split('?').next().unwrap_or(path);
    let segments: Vec<&str> = path
        .split('/')
        .filter(|segment| !segment.is_empty())
        .collect();
    let templated: Vec<String> = segments
        .iter()
        .enumerate()
        .map(|(index, segment)| {
            let major = index == 1 && matches!(segments[0], "channels" | "guilds" | "webhooks");
            if !major && segment.chars().all(|c| c.is_ascii_digit()) {
                "{id}".to_string()
            } else {
                segment.to_string()
            }
        })
        .collect();
    format!("{method} /{}", templated.join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn route_keys_keep_the_major_parameter() {
        assert_eq!(
            route_key(&Method::POST, "/channels/42/messages"),
            "POST /channels/42/messages"
        );
        assert_eq!(
            route_key(&Method::PATCH, "/channels/42/messages/7"),
            "PATCH /channels/42/messages/{id}"
        );
        assert_eq!(
            route_key(&Method::POST, "/users/@me/channels"),
            "POST /users/@me/channels"
        );
    }

    /// Platform-supplied waits never panic: garbage is a short default, huge values an hour.
    #[test]
    fn waits_from_the_platform_never_panic() {
        assert_eq!(wait_from_platform("1.5"), Duration::from_millis(1500));
        assert_eq!(wait_from_platform(" 0 "), Duration::ZERO);
        for garbage in [
            "-1", "-0.5", "NaN", "nan", "inf", "-inf", "infinity", "", "soon",
        ] {
            assert_eq!(wait_from_platform(garbage), GARBAGE_WAIT, "{garbage:?}");
        }
        for huge in [
            "1e300",
            "1.7976931348623157e308",
            "18446744073709551616",
            "86400",
        ] {
            assert_eq!(wait_from_platform(huge), LONGEST_PLATFORM_WAIT, "{huge:?}");
        }
    }
}
