//! Pacing of focusfolk's own REST calls, so a slot-start fan-out stays inside Discord's limits
//! instead of bouncing off them: a global limiter (GCRA, burst 1, so no one-second window
//! ever holds more than `requests_per_second` + 1 requests), per-route buckets learnt from
//! `X-RateLimit-*` headers, and waits imposed by 429s (global ones stop every route).
//!
//! This is what keeps the bot within limits in proxy mode, where serenity's own limiter is off.

use std::collections::HashMap;
use std::future::Future;
use std::num::NonZeroU32;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use governor::middleware::NoOpMiddleware;
use governor::state::{InMemoryState, NotKeyed};
use governor::{Quota, RateLimiter};

/// Where the pacer reads the time and how it waits: [`SystemClock`] in production; the unit
/// tests inject a manual clock, so they assert on the time the pacer waited, not on how long a
/// (possibly starved) machine took.
pub trait PaceClock: Send + Sync {
    fn now(&self) -> Instant;
    fn sleep(&self, duration: Duration) -> Pin<Box<dyn Future<Output = ()> + Send + '_>>;
}

/// The real time: `Instant::now()` and tokio's timer.
pub struct SystemClock;

impl PaceClock for SystemClock {
    fn now(&self) -> Instant {
        Instant::now()
    }

    fn sleep(&self, duration: Duration) -> Pin<Box<dyn Future<Output = ()> + Send + '_>> {
        Box::pin(tokio::time::sleep(duration))
    }
}

/// The pacer's clock as governor's clock, so the global limiter and the route buckets share
/// one "now" (governor's default clock would ignore an injected one).
#[derive(Clone)]
struct GovernorClock(Arc<dyn PaceClock>);

impl governor::clock::Clock for GovernorClock {
    type Instant = Instant;

    fn now(&self) -> Instant {
        self.0.now()
    }
}

type GlobalLimiter = RateLimiter<NotKeyed, InMemoryState, GovernorClock, NoOpMiddleware<Instant>>;

#[derive(Debug, Clone, Copy)]
struct RouteState {
    remaining: u32,
    reset_at: Instant,
}

pub struct Pacer {
    clock: Arc<dyn PaceClock>,
    global: GlobalLimiter,
    /// Set by a global 429: nobody sends before this.
    global_blocked_until: Mutex<Option<Instant>>,
    routes: Mutex<HashMap<String, RouteState>>,
    requests_per_second: u32,
}

impl Pacer {
    pub fn new(requests_per_second: u32) -> Pacer {
        Pacer::with_clock(requests_per_second, Arc::new(SystemClock))
    }

    /// A pacer on the given clock (the tests' manual one; [`Pacer::new`] uses the real time).
    pub fn with_clock(requests_per_second: u32, clock: Arc<dyn PaceClock>) -> Pacer {
        let rate = requests_per_second.clamp(1, 50);
        let period = Duration::from_secs_f64(1.0 / f64::from(rate));
        let quota = Quota::with_period(period)
            .expect("non-zero period")
            .allow_burst(NonZeroU32::MIN);
        Pacer {
            global: RateLimiter::direct_with_clock(quota, GovernorClock(clock.clone())),
            clock,
            global_blocked_until: Mutex::new(None),
            routes: Mutex::new(HashMap::new()),
            requests_per_second: rate,
        }
    }

    /// The global pace, in requests per second.
    pub fn requests_per_second(&self) -> u32 {
        self.requests_per_second
    }

    /// Waits until a request on `route` may go out, and reserves its place in the route bucket.
    pub async fn acquire(&self, route: &str) {
        loop {
            let wait = self.wait_needed(route, self.clock.now());
            if wait.is_zero() {
                self.until_global_ready().await;
                // The global wait may have crossed a 429 that arrived meanwhile: check again.
                if self.wait_needed(route, self.clock.now()).is_zero() && self.reserve(route) {
                    return;
                }
                continue;
            }
            self.clock.sleep(wait).await;
        }
    }

    /// Waits for, and takes, the global limiter's next cell (governor's `until_ready`, on the
    /// pacer's clock).
    async fn until_global_ready(&self) {
        while let Err(not_until) = self.global.check() {
            let wait = not_until.wait_time_from(self.clock.now());
            self.clock.sleep(wait).await;
        }
    }

    fn wait_needed(&self, route: &str, now: Instant) -> Duration {
        let global = lock(&self.global_blocked_until)
            .map(|until| until.saturating_duration_since(now))
            .unwrap_or_default();
        let route_wait = lock(&self.routes)
            .get(route)
            .filter(|state| state.remaining == 0)
            .map(|state| state.reset_at.saturating_duration_since(now))
            .unwrap_or_default();
        global.max(route_wait)
    }

    /// Takes one request from the route's known budget; false if another task took the last.
    fn reserve(&self, route: &str) -> bool {
        let now = self.clock.now();
        let mut routes = lock(&self.routes);
        match routes.get_mut(route) {
            Some(state) if state.reset_at <= now => {
                routes.remove(route);
                true
            }
            Some(state) if state.remaining == 0 => false,
            Some(state) => {
                state.remaining -= 1;
                true
            }
            None => true,
        }
    }

    /// Learns the route's bucket from a response's `X-RateLimit-Remaining` / `-Reset-After`.
    pub fn observe(&self, route: &str, remaining: Option<u32>, reset_after: Option<Duration>) {
        if let (Some(remaining), Some(reset_after)) = (remaining, reset_after) {
            let reset_at = later(self.clock.now(), reset_after);
            lock(&self.routes).insert(
                route.to_string(),
                RouteState {
                    remaining,
                    reset_at,
                },
            );
        }
    }

    /// A 429: wait `retry_after` on this route, or everywhere when it was global.
    pub fn rate_limited(&self, route: &str, retry_after: Duration, scope: LimitScope) {
        crate::engine::metrics::rate_limit_waited(crate::core::model::Platform::Discord);
        let until = later(self.clock.now(), retry_after);
        if scope == LimitScope::Global {
            let mut blocked = lock(&self.global_blocked_until);
            *blocked = Some(blocked.map_or(until, |old| old.max(until)));
        } else {
            lock(&self.routes).insert(
                route.to_string(),
                RouteState {
                    remaining: 0,
                    reset_at: until,
                },
            );
        }
    }
}

/// What a 429 holds back: its route only, or every request (Discord's global limit).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LimitScope {
    Route,
    Global,
}

/// `now + wait`, or as late as an `Instant` can be a long way off: the wait comes from the
/// platform (a header, a 429), and an absurd one must not panic the caller.
fn later(now: Instant, wait: Duration) -> Instant {
    now.checked_add(wait)
        .or_else(|| now.checked_add(MAX_WAIT))
        .unwrap_or(now)
}

/// The longest wait [`later`] falls back to when the one asked for overflows `Instant`.
const MAX_WAIT: Duration = Duration::from_secs(60 * 60);

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Time that moves only when the pacer sleeps, by exactly as long as it asked to: what it
    /// shows afterwards is how long the pacer made its caller wait.
    struct ManualClock {
        start: Instant,
        waited: Mutex<Duration>,
    }

    impl ManualClock {
        fn new() -> Arc<ManualClock> {
            Arc::new(ManualClock {
                start: Instant::now(),
                waited: Mutex::new(Duration::ZERO),
            })
        }

        fn waited(&self) -> Duration {
            *lock(&self.waited)
        }
    }

    impl PaceClock for ManualClock {
        fn now(&self) -> Instant {
            self.start + self.waited()
        }

        fn sleep(&self, duration: Duration) -> Pin<Box<dyn Future<Output = ()> + Send + '_>> {
            *lock(&self.waited) += duration;
            Box::pin(std::future::ready(()))
        }
    }

    fn pacer(requests_per_second: u32) -> (Pacer, Arc<ManualClock>) {
        let clock = ManualClock::new();
        (Pacer::with_clock(requests_per_second, clock.clone()), clock)
    }

    fn ms(millis: u64) -> Duration {
        Duration::from_millis(millis)
    }

    #[tokio::test]
    async fn paces_to_the_configured_rate() {
        let (pacer, clock) = pacer(50);
        pacer.acquire("GET /x").await;
        assert_eq!(clock.waited(), Duration::ZERO, "the first goes at once");
        for _ in 1..26 {
            pacer.acquire("GET /x").await;
        }
        // 26 requests at 50/s with burst 1: the last leaves 25 periods of 20 ms after the first.
        let waited = clock.waited();
        assert!(waited >= ms(499) && waited <= ms(501), "{waited:?}");
    }

    #[tokio::test]
    async fn the_real_clock_paces_too() {
        let pacer = Pacer::new(50);
        let started = Instant::now();
        for _ in 0..6 {
            pacer.acquire("GET /x").await;
        }
        // Five periods of 20 ms at least; no upper bound on real time (a busy machine is slow).
        assert!(started.elapsed() >= ms(95), "{:?}", started.elapsed());
    }

    #[tokio::test]
    async fn a_route_429_blocks_that_route_only() {
        let (pacer, clock) = pacer(50);
        pacer.rate_limited("POST /a", ms(300), LimitScope::Route);
        pacer.acquire("POST /b").await;
        assert_eq!(clock.waited(), Duration::ZERO, "another route goes at once");
        pacer.acquire("POST /a").await;
        assert_eq!(
            clock.waited(),
            ms(300),
            "the limited route waits out its 429"
        );
    }

    #[tokio::test]
    async fn an_exhausted_bucket_waits_for_its_reset() {
        let (pacer, clock) = pacer(50);
        pacer.observe("POST /c", Some(0), Some(ms(200)));
        pacer.acquire("POST /c").await;
        assert_eq!(clock.waited(), ms(200));
    }

    /// A 429 or bucket reset that overflows `Instant` (Discord, or a proxy, sent nonsense) does
    /// not panic: the wait is capped at an hour.
    #[tokio::test]
    async fn waits_that_overflow_the_clock_do_not_panic() {
        let (pacer, clock) = pacer(50);
        pacer.observe("POST /d", Some(0), Some(Duration::MAX));
        pacer.rate_limited("POST /e", Duration::MAX, LimitScope::Global);
        pacer.acquire("POST /d").await;
        assert_eq!(clock.waited(), MAX_WAIT);
    }
}
