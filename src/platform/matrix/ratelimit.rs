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
    /// The bot's own estimate of the homeserver's buckets (see [`Budget`]).
    budget: Mutex<Budget>,
    /// Per class: no request before this instant (the server told us so).
    not_before: Mutex<HashMap<RateClass, Instant>>,
    /// How many 429s were waited out; tests and the benchmark report it.
    waited: std::sync::atomic::AtomicUsize,
}

impl Limiter {
    pub fn new(max_wait: Duration) -> Self {
        Limiter {
            max_wait,
            budget: Mutex::new(Budget::new(Instant::now())),
            not_before: Mutex::new(HashMap::new()),
            waited: Default::default(),
        }
    }

    pub fn rate_limits_waited_out(&self) -> usize {
        self.waited.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// The budget the bot plans with (a copy, brought up to now).
    pub fn budget(&self) -> Budget {
        let mut budget = self.lock_budget();
        budget.refill(Instant::now());
        budget.clone()
    }

    /// What the homeserver's admin API said about the bot's exemption.
    pub fn set_exemption(&self, exemption: Exemption) {
        self.lock_budget().exemption = exemption;
    }

    fn lock_budget(&self) -> std::sync::MutexGuard<'_, Budget> {
        self.budget
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
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
            // Once the server is known to limit the bot, it waits for its own token instead
            // of asking and being told to wait.
            let paced = self.lock_budget().reserve(class, Instant::now());
            if let Some(wait) = paced {
                if started.elapsed() + wait > self.max_wait {
                    self.lock_budget().unreserve(class);
                    return Err(CallError::RateLimited(wait));
                }
                tokio::time::sleep(wait).await;
            }
            let error = match request().await {
                Ok(value) => {
                    if paced.is_none() {
                        self.lock_budget().spent(class, Instant::now());
                    }
                    return Ok(value);
                }
                Err(error) => error,
            };
            match classify(&error) {
                Classified::RateLimited(retry_after) => {
                    crate::engine::metrics::rate_limit_waited(crate::core::model::Platform::Matrix);
                    let mut budget = self.lock_budget();
                    // Refused: the server did not count this attempt, so neither does the mirror.
                    if paced.is_some() {
                        budget.unreserve(class);
                    }
                    budget.refused(class, Instant::now(), retry_after);
                    drop(budget);
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

/// Whether the homeserver exempts the bot from its rate limits, as far as the bot can tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exemption {
    /// The admin API shows an override without limits (`override_ratelimit`).
    Exempt,
    /// The admin API shows no override: Synapse's limits apply to the bot.
    NotExempt,
    /// The bot cannot ask (it is no server admin) and has seen no sign either way.
    Unknown,
    /// More requests went through than Synapse's default buckets hold, without one 429:
    /// the limits are raised or lifted for the bot.
    RaisedSeen,
}

/// One of Synapse's token buckets: `burst` requests at once, refilled at `per_second`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BucketShape {
    pub burst: f64,
    pub per_second: f64,
}

/// Synapse's `rc_message` defaults; messages, state events, invites, kicks and `createRoom`
/// all draw from it.
pub const DEFAULT_MESSAGES: BucketShape = BucketShape {
    burst: 10.0,
    per_second: 0.2,
};
/// Synapse's `rc_room_creation` defaults.
pub const DEFAULT_ROOM_CREATIONS: BucketShape = BucketShape {
    burst: 10.0,
    per_second: 0.016,
};
/// How far past an empty default bucket the bot must get, without a 429, before it believes
/// the limits are raised (a little slack for requests Synapse does not count).
const RAISED_MARGIN: f64 = 5.0;

/// The bot's mirror of one bucket: every request it made is taken out, time puts tokens back.
/// Below zero means the server let through more than the default shape allows.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bucket {
    pub shape: BucketShape,
    pub tokens: f64,
}

impl Bucket {
    pub fn full(shape: BucketShape) -> Self {
        Bucket {
            shape,
            tokens: shape.burst,
        }
    }

    fn refill(&mut self, seconds: f64) {
        self.tokens = (self.tokens + seconds * self.shape.per_second).min(self.shape.burst);
    }

    /// How many requests fit between now and `within` from now: what is left plus what
    /// refills meanwhile.
    pub fn within(&self, within: Duration) -> usize {
        let refilled = within.as_secs_f64() * self.shape.per_second;
        (self.tokens.max(0.0) + refilled).floor() as usize
    }
}

/// What the bot plans with: its mirror of the homeserver's message and room-creation buckets
/// (Synapse's defaults: most public servers keep them), and whether they bind at all.
#[derive(Debug, Clone)]
pub struct Budget {
    pub messages: Bucket,
    pub room_creations: Bucket,
    pub exemption: Exemption,
    /// Whether the homeserver ever answered 429 since the bot started.
    pub refusals_seen: bool,
    at: Instant,
}

impl Budget {
    pub fn new(now: Instant) -> Self {
        Budget {
            messages: Bucket::full(DEFAULT_MESSAGES),
            room_creations: Bucket::full(DEFAULT_ROOM_CREATIONS),
            exemption: Exemption::Unknown,
            refusals_seen: false,
            at: now,
        }
    }

    /// Whether the limits bind: unless the bot knows it is exempt (or has seen the server
    /// allow more than the defaults), it plans as if Synapse's defaults applied.
    pub fn binds(&self) -> bool {
        !matches!(self.exemption, Exemption::Exempt | Exemption::RaisedSeen)
    }

    /// How many messages the bot can send within `within` from now; `None` when no limit binds.
    pub fn messages_within(&self, within: Duration) -> Option<usize> {
        self.binds().then(|| self.messages.within(within))
    }

    /// Whether requests wait for the mirror's tokens: the limits bind and the server has
    /// shown it (a 429, or the admin API). Before that the bot asks and learns.
    pub fn paces(&self) -> bool {
        self.binds() && (self.refusals_seen || self.exemption == Exemption::NotExempt)
    }

    fn buckets_of(&mut self, class: RateClass) -> Vec<&mut Bucket> {
        match class {
            RateClass::RoomCreation => vec![&mut self.room_creations, &mut self.messages],
            RateClass::Message | RateClass::Invite | RateClass::Join => vec![&mut self.messages],
            RateClass::Other => Vec::new(),
        }
    }

    /// Takes the tokens a request of `class` needs and says how long until they exist;
    /// `None` when the bot does not pace (the request then goes at once).
    fn reserve(&mut self, class: RateClass, now: Instant) -> Option<Duration> {
        if !self.paces() || class == RateClass::Other {
            return None;
        }
        self.refill(now);
        let mut wait: f64 = 0.0;
        for bucket in self.buckets_of(class) {
            bucket.tokens -= 1.0;
            if bucket.tokens < 0.0 {
                wait = wait.max(-bucket.tokens / bucket.shape.per_second);
            }
        }
        Some(Duration::from_secs_f64(wait))
    }

    fn unreserve(&mut self, class: RateClass) {
        for bucket in self.buckets_of(class) {
            bucket.tokens += 1.0;
        }
    }

    fn refill(&mut self, now: Instant) {
        let seconds = now.saturating_duration_since(self.at).as_secs_f64();
        self.at = self.at.max(now);
        self.messages.refill(seconds);
        self.room_creations.refill(seconds);
    }

    fn spent(&mut self, class: RateClass, now: Instant) {
        self.refill(now);
        match class {
            RateClass::RoomCreation => {
                self.room_creations.tokens -= 1.0;
                self.messages.tokens -= 1.0;
            }
            RateClass::Message | RateClass::Invite | RateClass::Join => {
                self.messages.tokens -= 1.0;
            }
            RateClass::Other => {}
        }
        let beyond_defaults =
            self.messages.tokens < -RAISED_MARGIN || self.room_creations.tokens < -RAISED_MARGIN;
        if beyond_defaults && !self.refusals_seen && self.exemption == Exemption::Unknown {
            tracing::info!("the homeserver allowed more than its default rate limits without a 429: planning without them");
            self.exemption = Exemption::RaisedSeen;
        }
    }

    /// A 429: the server is the truth. The mirror's next token of that bucket comes when the
    /// server said to retry (or at once when it did not say).
    fn refused(&mut self, class: RateClass, now: Instant, retry_after: Option<Duration>) {
        self.refill(now);
        self.refusals_seen = true;
        if self.exemption == Exemption::RaisedSeen {
            self.exemption = Exemption::Unknown;
        }
        let bucket = match class {
            RateClass::RoomCreation => &mut self.room_creations,
            RateClass::Message => &mut self.messages,
            // Invites and joins have buckets of their own as well; a 429 there says nothing
            // certain about the message bucket.
            RateClass::Invite | RateClass::Join | RateClass::Other => return,
        };
        let floor = retry_after.map_or(0.0, |wait| {
            1.0 - wait.as_secs_f64() * bucket.shape.per_second
        });
        bucket.tokens = bucket.tokens.min(floor);
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

    #[test]
    fn the_budget_mirrors_synapse_defaults_and_refills_with_time() {
        let start = Instant::now();
        let mut budget = Budget::new(start);
        assert!(budget.binds(), "unknown exemption: plan with the defaults");
        assert_eq!(budget.messages_within(Duration::ZERO), Some(10));
        // 10 at once, then one per 5 s: 16 within 30 s.
        assert_eq!(budget.messages_within(Duration::from_secs(30)), Some(16));
        for _ in 0..10 {
            budget.spent(RateClass::Message, start);
        }
        assert_eq!(budget.messages_within(Duration::from_secs(30)), Some(6));
        // A room creation takes from both buckets.
        budget.spent(RateClass::RoomCreation, start);
        assert_eq!(budget.room_creations.tokens, 9.0);
        budget.refill(start + Duration::from_secs(60));
        assert_eq!(
            budget.messages_within(Duration::ZERO),
            Some(10),
            "capped at the burst"
        );
        assert!((budget.room_creations.tokens - 9.96).abs() < 1e-9);
        // A 429 empties the mirror of that bucket.
        budget.refused(RateClass::Message, start + Duration::from_secs(60), None);
        assert_eq!(budget.messages_within(Duration::from_secs(10)), Some(2));
        assert!(budget.refusals_seen);
    }

    #[test]
    fn limits_stop_binding_when_exempt_or_when_the_server_allows_more_than_the_defaults() {
        let start = Instant::now();
        let mut budget = Budget::new(start);
        budget.exemption = Exemption::Exempt;
        assert_eq!(budget.messages_within(Duration::ZERO), None);

        let mut budget = Budget::new(start);
        for _ in 0..15 {
            budget.spent(RateClass::Message, start);
        }
        assert!(budget.binds(), "5 past the burst is still within the slack");
        budget.spent(RateClass::Message, start);
        assert_eq!(budget.exemption, Exemption::RaisedSeen);
        assert!(!budget.binds());
        // One 429 later the bot plans with the defaults again.
        budget.refused(RateClass::Message, start, None);
        assert!(budget.binds());

        // A server that ever refused is not judged "raised" by a burst afterwards.
        let mut budget = Budget::new(start);
        budget.refused(RateClass::Invite, start, None);
        for _ in 0..30 {
            budget.spent(RateClass::Message, start);
        }
        assert!(budget.binds());
    }

    #[test]
    fn once_the_server_has_refused_the_bot_waits_for_its_own_tokens() {
        let start = Instant::now();
        let mut budget = Budget::new(start);
        assert_eq!(
            budget.reserve(RateClass::Message, start),
            None,
            "asks before it knows"
        );
        budget.refused(RateClass::Message, start, None);
        // The 429 emptied the bucket: one token per 5 s, each reservation queued after the last.
        let waits: Vec<Duration> = (0..3)
            .map(|_| budget.reserve(RateClass::Message, start).unwrap())
            .collect();
        assert_eq!(
            waits,
            [5, 10, 15].map(Duration::from_secs),
            "reservations queue one per 5 s"
        );
        budget.unreserve(RateClass::Message);
        assert_eq!(
            budget.reserve(RateClass::Message, start),
            Some(Duration::from_secs(15))
        );
        assert_eq!(budget.reserve(RateClass::Other, start), None);
        // Exempt: nothing waits.
        budget.exemption = Exemption::Exempt;
        assert_eq!(budget.reserve(RateClass::Message, start), None);
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
        // A fresh limiter: this one now knows the next message may not go for 120 s.
        let limiter = Limiter::new(Duration::from_secs(90));
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
