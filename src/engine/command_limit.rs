//! Abuse limits the engine applies to every platform's commands: a per-member command rate
//! (a keyed GCRA limiter, keyed by platform, community and user) and the cap on a member's
//! future bookings (the rule itself is pure: `core::booking_rules::check_booking_cap`).
//!
//! The limiter reads the engine's injected clock, so a manual clock drives it in tests and the
//! shell exactly as it drives bookings: no wall-clock time is involved.

use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use governor::clock::Clock as GovernorClock;
use governor::middleware::NoOpMiddleware;
use governor::nanos::Nanos;
use governor::state::keyed::DefaultKeyedStateStore;
use governor::{Quota, RateLimiter};

use crate::clock::Clock;
use crate::core::model::Platform;

/// The limits of `[limits]` in the config, as the engine takes them.
#[derive(Debug, Clone, PartialEq)]
pub struct CommandLimits {
    /// How many commands a member may send in a burst before being told to slow down.
    pub command_burst: u32,
    /// After the burst, one more command per this interval. Zero turns the rate limit off.
    pub command_interval: Duration,
    /// The most future (not yet started) active bookings one member may hold.
    pub max_future_bookings: usize,
}

impl Default for CommandLimits {
    /// Generous for people: ten commands at once, then one every two seconds; twenty booked
    /// sessions ahead (a weekly series counts once per booked week, i.e. once).
    fn default() -> Self {
        CommandLimits {
            command_burst: 10,
            command_interval: Duration::from_secs(2),
            max_future_bookings: 20,
        }
    }
}

/// Governor's view of the engine clock: nanoseconds since the Unix epoch.
#[derive(Clone)]
struct EngineClock(Arc<dyn Clock>);

impl GovernorClock for EngineClock {
    type Instant = Nanos;

    fn now(&self) -> Nanos {
        let nanos = self.0.now().timestamp_nanos_opt().unwrap_or(0).max(0);
        Nanos::from(nanos as u64)
    }
}

/// (platform, platform community id, platform user id).
type Key = (Platform, String, String);

type Keyed = RateLimiter<Key, DefaultKeyedStateStore<Key>, EngineClock, NoOpMiddleware<Nanos>>;

/// Forget members who have been quiet long enough to have a full burst again once in this
/// many checks, so the limiter's memory follows the number of recently active members.
const FORGET_EVERY: u64 = 1024;

pub(crate) struct CommandLimiter {
    limiter: Option<Keyed>,
    checks: AtomicU64,
}

impl CommandLimiter {
    pub(crate) fn new(limits: &CommandLimits, clock: Arc<dyn Clock>) -> Self {
        let quota = NonZeroU32::new(limits.command_burst).and_then(|burst| {
            Quota::with_period(limits.command_interval).map(|quota| quota.allow_burst(burst))
        });
        CommandLimiter {
            limiter: quota
                .map(|quota| RateLimiter::new(quota, Default::default(), EngineClock(clock))),
            checks: AtomicU64::new(0),
        }
    }

    /// Takes one command from the member's allowance; `false` means "slow down".
    pub(crate) fn allow(&self, platform: Platform, community: &str, user: &str) -> bool {
        let Some(limiter) = &self.limiter else {
            return true;
        };
        if self.checks.fetch_add(1, Ordering::Relaxed) % FORGET_EVERY == FORGET_EVERY - 1 {
            limiter.retain_recent();
            limiter.shrink_to_fit();
        }
        limiter
            .check_key(&(platform, community.to_string(), user.to_string()))
            .is_ok()
    }
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};

    use super::*;
    use crate::clock::ManualClock;

    #[test]
    fn a_burst_then_one_per_interval_on_the_engine_clock() {
        let clock = Arc::new(ManualClock::new(
            Utc.with_ymd_and_hms(2030, 1, 7, 9, 0, 0).unwrap(),
        ));
        let limiter = CommandLimiter::new(&CommandLimits::default(), clock.clone());
        let ann = |limiter: &CommandLimiter| limiter.allow(Platform::Shell, "c", "ann");
        assert!((0..10).all(|_| ann(&limiter)));
        assert!(!ann(&limiter), "the 11th in the same instant");
        assert!(limiter.allow(Platform::Shell, "c", "ben"), "someone else");
        assert!(
            limiter.allow(Platform::Shell, "other", "ann"),
            "another community"
        );
        clock.advance_by(chrono::Duration::milliseconds(1999));
        assert!(!ann(&limiter));
        clock.advance_by(chrono::Duration::milliseconds(1));
        assert!(ann(&limiter));
        assert!(!ann(&limiter));
    }

    #[test]
    fn a_zero_interval_or_burst_means_no_limit() {
        let clock = Arc::new(ManualClock::new(Utc::now()));
        for limits in [
            CommandLimits {
                command_interval: Duration::ZERO,
                ..CommandLimits::default()
            },
            CommandLimits {
                command_burst: 0,
                ..CommandLimits::default()
            },
        ] {
            let limiter = CommandLimiter::new(&limits, clock.clone());
            assert!((0..100).all(|_| limiter.allow(Platform::Shell, "c", "ann")));
        }
    }
}
