//! Every request the adapter makes goes through [`Limiter::call`]: it honours the homeserver's
//! `429 M_LIMIT_EXCEEDED` by waiting `retry_after_ms` and trying again, and turns every other
//! failure into the engine's three kinds of [`PlatformError`].
//!
//! matrix-sdk can retry 429s itself, but for up to 15 minutes and invisibly; a lifecycle job
//! holds a lease of a couple of minutes, so the adapter disables the SDK's retries and bounds
//! the wait here (`max_rate_limit_wait`). Beyond that bound the job is handed back to the
//! runner as a temporary failure and retried later, which is what the lease is for.
//!
//! Synapse keeps separate buckets (room creation, messages, invites, joins). When one bucket
//! says "wait 60 s", every other request of the same class would get the same answer, so a
//! per-class gate makes them wait instead of hammering the server.

use std::collections::HashMap;
use std::future::Future;
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime};

use matrix_sdk::ruma::api::error::{ErrorKind, RetryAfter};

use crate::engine::port::PlatformError;

/// Which of the homeserver's rate-limit buckets a request draws from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RateClass {
    RoomCreation,
    /// Messages, state events, kicks (Synapse's `rc_message`).
    Message,
    Invite,
    Join,
    /// Reads and everything else.
    Other,
}

/// What went wrong with a request, before the caller decides what it means for a member.
#[derive(Debug)]
pub enum CallError {
    /// Still rate-limited after waiting as long as allowed.
    RateLimited(Duration),
    /// The server answered with a Matrix error code (`M_FORBIDDEN`, `M_ROOM_IN_USE`, …).
    Matrix { kind: ErrorKind, message: String },
    /// Network trouble or a 5xx: worth retrying later.
    Transient(String),
    /// Anything else (bad request, unexpected response).
    Other(String),
}

impl CallError {
    pub fn is(&self, wanted: &ErrorKind) -> bool {
        matches!(self, CallError::Matrix { kind, .. } if kind == wanted)
    }

    pub fn is_forbidden_or_not_found(&self) -> bool {
        self.is(&ErrorKind::Forbidden) || self.is(&ErrorKind::NotFound)
    }

    /// The engine's view: rate limits and outages are retried; the rest is not.
    pub fn into_platform(self, what: &str) -> PlatformError {
        match self {
            CallError::RateLimited(wait) => PlatformError::Temporary(format!(
                "{what}: rate-limited by the homeserver for another {:.0} s",
                wait.as_secs_f64()
            )),
            CallError::Transient(why) => PlatformError::Temporary(format!("{what}: {why}")),
            CallError::Matrix { kind, message } => {
                PlatformError::Permanent(format!("{what}: {}: {message}", kind.errcode().as_str()))
            }
            CallError::Other(why) => PlatformError::Permanent(format!("{what}: {why}")),
        }
    }
}

impl std::fmt::Display for CallError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CallError::RateLimited(wait) => {
                write!(f, "rate-limited for {:.0} s", wait.as_secs_f64())
            }
            CallError::Matrix { kind, message } => {
                write!(f, "{}: {message}", kind.errcode().as_str())
            }
            CallError::Transient(why) | CallError::Other(why) => f.write_str(why),
        }
    }
}

pub struct Limiter {
    max_wait: Duration,
    /// Per class: no request before this instant (the server told us so).
    not_before: Mutex<HashMap<RateClass, Instant>>,
    /// How many 429s were waited out; tests and the benchmark report it.
    waited: std::sync::atomic::AtomicUsize,
}

impl Limiter {
    pub fn new(max_wait: Duration) -> Self {
        Limiter {
            max_wait,
            not_before: Mutex::new(HashMap::new()),
            waited: Default::default(),
        }
    }

    pub fn rate_limits_waited_out(&self) -> usize {
        self.waited.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Runs `request` (built afresh for each attempt), waiting out rate limits within budget.
    pub async fn call<T, F, Fut>(
        &self,
        class: RateClass,
        what: &str,
        mut request: F,
    ) -> Result<T, CallError>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, matrix_sdk::Error>>,
    {
        let started = Instant::now();
        loop {
            self.wait_for_gate(class).await;
            let error = match request().await {
                Ok(value) => return Ok(value),
                Err(error) => error,
            };
            match classify(&error) {
                Classified::RateLimited(retry_after) => {
                    crate::engine::metrics::rate_limit_waited(crate::core::model::Platform::Matrix);
                    let wait =
                        retry_after.unwrap_or(Duration::from_secs(2)) + Duration::from_millis(50);
                    let spent = started.elapsed();
                    if spent + wait > self.max_wait {
                        tracing::warn!(
                            what,
                            wait_s = wait.as_secs_f64(),
                            "rate-limited beyond max_rate_limit_wait; giving the job back"
                        );
                        return Err(CallError::RateLimited(wait));
                    }
                    tracing::info!(
                        what,
                        wait_s = wait.as_secs_f64(),
                        ?class,
                        "rate-limited by the homeserver (M_LIMIT_EXCEEDED); waiting as asked"
                    );
                    self.waited
                        .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    self.close_gate(class, wait);
                }
                Classified::Failed(call_error) => return Err(call_error),
            }
        }
    }

    async fn wait_for_gate(&self, class: RateClass) {
        let until = self.lock().get(&class).copied();
        if let Some(until) = until {
            let now = Instant::now();
            if until > now {
                tokio::time::sleep(until - now).await;
            }
        }
    }

    fn close_gate(&self, class: RateClass, wait: Duration) {
        let until = Instant::now() + wait;
        let mut gates = self.lock();
        let entry = gates.entry(class).or_insert(until);
        if *entry < until {
            *entry = until;
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<RateClass, Instant>> {
        self.not_before
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

enum Classified {
    RateLimited(Option<Duration>),
    Failed(CallError),
}

fn classify(error: &matrix_sdk::Error) -> Classified {
    if let Some(api_error) = error.as_client_api_error() {
        let message = match &api_error.body {
            matrix_sdk::ruma::api::error::ErrorBody::Standard(body) => body.message.clone(),
            other => format!("{other:?}"),
        };
        if let Some(kind) = api_error.error_kind() {
            if let ErrorKind::LimitExceeded(data) = kind {
                return Classified::RateLimited(data.retry_after.map(retry_after_duration));
            }
            if api_error.status_code.is_server_error() {
                return Classified::Failed(CallError::Transient(format!(
                    "{}: {}: {message}",
                    api_error.status_code,
                    kind.errcode().as_str()
                )));
            }
            return Classified::Failed(CallError::Matrix {
                kind: kind.clone(),
                message,
            });
        }
        if api_error.status_code.as_u16() == 429 {
            return Classified::RateLimited(None);
        }
        if api_error.status_code.is_server_error() {
            return Classified::Failed(CallError::Transient(format!(
                "{}: {message}",
                api_error.status_code
            )));
        }
        return Classified::Failed(CallError::Other(format!(
            "{}: {message}",
            api_error.status_code
        )));
    }
    match error {
        matrix_sdk::Error::Http(http) if matches!(**http, matrix_sdk::HttpError::Reqwest(_)) => {
            Classified::Failed(CallError::Transient(format!("network: {error}")))
        }
        _ => Classified::Failed(CallError::Other(error.to_string())),
    }
}

fn retry_after_duration(retry_after: RetryAfter) -> Duration {
    match retry_after {
        RetryAfter::Delay(delay) => delay,
        RetryAfter::DateTime(at) => at.duration_since(SystemTime::now()).unwrap_or_default(),
    }
}

/// The wait a 429 asks for, if `error` is one (the sync loop backs off by it).
pub fn rate_limit_of(error: &matrix_sdk::Error) -> Option<Duration> {
    match classify(error) {
        Classified::RateLimited(wait) => Some(wait.unwrap_or(Duration::from_secs(2))),
        Classified::Failed(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use matrix_sdk::ruma::api::client::uiaa::UiaaResponse;
    use matrix_sdk::ruma::api::error::{
        Error as ApiError, ErrorBody, FromHttpResponseError, LimitExceededErrorData,
        StandardErrorBody,
    };

    use super::*;

    fn limit_exceeded(retry_after: Duration) -> matrix_sdk::Error {
        let mut data = LimitExceededErrorData::new();
        data.retry_after = Some(RetryAfter::Delay(retry_after));
        let body = ErrorBody::Standard(StandardErrorBody::new(
            ErrorKind::LimitExceeded(data),
            "Too Many Requests".into(),
        ));
        let error = ApiError::new(matrix_sdk::reqwest::StatusCode::TOO_MANY_REQUESTS, body);
        matrix_sdk::HttpError::Api(Box::new(FromHttpResponseError::Server(
            UiaaResponse::MatrixError(error),
        )))
        .into()
    }

    fn forbidden() -> matrix_sdk::Error {
        let body = ErrorBody::Standard(StandardErrorBody::new(ErrorKind::Forbidden, "no".into()));
        let error = ApiError::new(matrix_sdk::reqwest::StatusCode::FORBIDDEN, body);
        matrix_sdk::HttpError::Api(Box::new(FromHttpResponseError::Server(
            UiaaResponse::MatrixError(error),
        )))
        .into()
    }

    #[tokio::test]
    async fn waits_as_long_as_the_server_asks_then_retries() {
        let limiter = Limiter::new(Duration::from_secs(5));
        let attempts = AtomicUsize::new(0);
        let started = tokio::time::Instant::now();
        let result = limiter
            .call(RateClass::RoomCreation, "test", || async {
                match attempts.fetch_add(1, Ordering::SeqCst) {
                    0 | 1 => Err(limit_exceeded(Duration::from_millis(150))),
                    _ => Ok("created"),
                }
            })
            .await;
        assert_eq!(result.unwrap(), "created");
        assert_eq!(attempts.load(Ordering::SeqCst), 3);
        assert!(
            started.elapsed() >= Duration::from_millis(300),
            "waited {:?}",
            started.elapsed()
        );
        assert_eq!(limiter.rate_limits_waited_out(), 2);
    }

    #[tokio::test]
    async fn gives_the_job_back_beyond_the_budget_and_maps_other_errors() {
        let limiter = Limiter::new(Duration::from_secs(90));
        let started = tokio::time::Instant::now();
        let error = limiter
            .call(RateClass::Message, "test", || async {
                Err::<(), _>(limit_exceeded(Duration::from_secs(120)))
            })
            .await
            .unwrap_err();
        assert!(
            started.elapsed() < Duration::from_secs(1),
            "no pointless wait"
        );
        assert!(matches!(error, CallError::RateLimited(_)));
        assert!(matches!(
            error.into_platform("x"),
            PlatformError::Temporary(_)
        ));
        let error = limiter
            .call(RateClass::Message, "test", || async {
                Err::<(), _>(forbidden())
            })
            .await
            .unwrap_err();
        assert!(error.is(&ErrorKind::Forbidden));
        assert!(matches!(
            error.into_platform("x"),
            PlatformError::Permanent(_)
        ));
    }
}
