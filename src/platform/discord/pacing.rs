//! Pacing of focusfolk's own REST calls, so a slot-start fan-out stays inside Discord's limits
//! instead of bouncing off them: a global limiter (GCRA, burst 1, so no one-second window
//! ever holds more than `requests_per_second` + 1 requests), per-route buckets learnt from
//! `X-RateLimit-*` headers, and waits imposed by 429s (global ones stop every route).
//!
//! This is what keeps the bot within limits in proxy mode, where serenity's own limiter is off.

use std::collections::HashMap;
use std::num::NonZeroU32;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};

#[derive(Debug, Clone, Copy)]
struct RouteState {
    remaining: u32,
    reset_at: Instant,
}

pub struct Pacer {
    global: DefaultDirectRateLimiter,
    /// Set by a global 429: nobody sends before this.
    global_blocked_until: Mutex<Option<Instant>>,
    routes: Mutex<HashMap<String, RouteState>>,
    requests_per_second: u32,
}

impl Pacer {
    pub fn new(requests_per_second: u32) -> Pacer {
        let rate = requests_per_second.clamp(1, 50);
        let period = Duration::from_secs_f64(1.0 / f64::from(rate));
        let quota = Quota::with_period(period)
            .expect("non-zero period")
            .allow_burst(NonZeroU32::MIN);
        Pacer {
            global: RateLimiter::direct(quota),
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
            let wait = self.wait_needed(route, Instant::now());
            if wait.is_zero() {
                self.global.until_ready().await;
                // The global wait may have crossed a 429 that arrived meanwhile: check again.
                if self.wait_needed(route, Instant::now()).is_zero() && self.reserve(route) {
                    return;
                }
                continue;
            }
            tokio::time::sleep(wait).await;
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
        let now = Instant::now();
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
            let reset_at = Instant::now() + reset_after;
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
    pub fn rate_limited(&self, route: &str, retry_after: Duration, global: bool) {
        let until = Instant::now() + retry_after;
        if global {
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

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn paces_to_the_configured_rate() {
        let pacer = Pacer::new(50);
        let started = Instant::now();
        for _ in 0..26 {
            pacer.acquire("GET /x").await;
        }
        // 26 requests at 50/s with burst 1: the last leaves ~0.5 s after the first.
        assert!(
            started.elapsed() >= Duration::from_millis(480),
            "{:?}",
            started.elapsed()
        );
    }

    #[tokio::test]
    async fn a_route_429_blocks_that_route_only() {
        let pacer = Pacer::new(50);
        pacer.rate_limited("POST /a", Duration::from_millis(300), false);
        let started = Instant::now();
        pacer.acquire("POST /b").await;
        assert!(started.elapsed() < Duration::from_millis(100));
        pacer.acquire("POST /a").await;
        assert!(started.elapsed() >= Duration::from_millis(290));
    }

    #[tokio::test]
    async fn an_exhausted_bucket_waits_for_its_reset() {
        let pacer = Pacer::new(50);
        pacer.observe("POST /c", Some(0), Some(Duration::from_millis(200)));
        let started = Instant::now();
        pacer.acquire("POST /c").await;
        assert!(started.elapsed() >= Duration::from_millis(190));
    }
}
