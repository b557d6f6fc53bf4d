//! Discord's REST limits as the fake enforces them: a global bucket (50 requests in any
//! one-second window; interaction callbacks are exempt, as on Discord), per-route buckets keyed
//! by route and major parameter with `X-RateLimit-*` headers, 429s carrying `retry_after`, and
//! injected 429 storms. Requests that arrive while the bot was told to wait are counted as
//! violations — the number Discord would hold against a misbehaving bot.

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

#[derive(Debug, Clone)]
pub struct RouteLimit {
    /// e.g. "POST /channels/{}/messages"
    pub route: &'static str,
    pub limit: u32,
    pub window: Duration,
}

#[derive(Debug, Clone)]
pub struct LimitConfig {
    pub global_per_second: u32,
    pub routes: Vec<RouteLimit>,
    /// Bucket for routes not listed.
    pub default_route: (u32, Duration),
}

impl Default for LimitConfig {
    fn default() -> Self {
        LimitConfig {
            global_per_second: 50,
            routes: vec![
                // Discord: 5 messages per 5 s per channel.
                RouteLimit {
                    route: "POST /channels/{}/messages",
                    limit: 5,
                    window: Duration::from_secs(5),
                },
                RouteLimit {
                    route: "POST /guilds/{}/channels",
                    limit: 50,
                    window: Duration::from_secs(1),
                },
                RouteLimit {
                    route: "DELETE /channels/{}",
                    limit: 50,
                    window: Duration::from_secs(1),
                },
                RouteLimit {
                    route: "POST /users/@me/channels",
                    limit: 50,
                    window: Duration::from_secs(1),
                },
            ],
            default_route: (50, Duration::from_secs(1)),
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct LimitStats {
    pub requests: u64,
    pub rate_limited: u64,
    pub injected_served: u64,
    /// Requests received while a 429 told the bot to wait (global or that route).
    pub violations: u64,
    /// Most requests seen in any one-second window.
    pub peak_per_second: u32,
}

pub struct Rejection {
    /// The 429's JSON body when an injected one is not what Discord would send.
    pub body: Option<serde_json::Value>,
    pub retry_after: Duration,
    pub global: bool,
    pub headers: Vec<(String, String)>,
}

struct Bucket {
    count: u32,
    reset_at: Instant,
    blocked_until: Option<Instant>,
}

#[derive(Default)]
pub struct Limiter {
    pub config: LimitConfig,
    pub stats: LimitStats,
    global_log: VecDeque<Instant>,
    global_blocked_until: Option<Instant>,
    buckets: HashMap<String, Bucket>,
    injected: VecDeque<(Duration, bool)>,
    /// 429s answered exactly as given (body and headers), before any other injected one.
    injected_raw: VecDeque<(serde_json::Value, Vec<(String, String)>)>,
}

fn epoch_secs(at: Instant) -> f64 {
    let now = Instant::now();
    let wall = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs_f64();
    if at >= now {
        wall + (at - now).as_secs_f64()
    } else {
        wall - (now - at).as_secs_f64()
    }
}

impl Limiter {
    pub fn new(config: LimitConfig) -> Limiter {
        Limiter {
            config,
            ..Limiter::default()
        }
    }

    /// The next `count` limited requests get a 429 with this `retry_after`.
    pub fn inject(&mut self, count: usize, retry_after: Duration, global: bool) {
        for _ in 0..count {
            self.injected.push_back((retry_after, global));
        }
    }

    /// The next limited request gets a 429 with exactly this body and these headers, however
    /// little sense they make (a broken proxy).
    pub fn inject_raw(&mut self, body: serde_json::Value, headers: Vec<(String, String)>) {
        self.injected_raw.push_back((body, headers));
    }

    /// Checks one request; `Ok` carries the headers to add to a success.
    pub fn check(
        &mut self,
        route: &str,
        major: &str,
        exempt_from_global: bool,
    ) -> Result<Vec<(String, String)>, Rejection> {
        let now = Instant::now();
        self.stats.requests += 1;
        let key = format!("{route} {major}");
        let route_blocked = self
            .buckets
            .get(&key)
            .and_then(|bucket| bucket.blocked_until)
            .is_some_and(|until| now < until);
        let global_blocked =
            !exempt_from_global && self.global_blocked_until.is_some_and(|until| now < until);
        if route_blocked || global_blocked {
            self.stats.violations += 1;
        }

        if !exempt_from_global {
            if let Some((body, headers)) = self.injected_raw.pop_front() {
                self.stats.injected_served += 1;
                self.stats.rate_limited += 1;
                return Err(Rejection {
                    body: Some(body),
                    retry_after: Duration::ZERO,
                    global: false,
                    headers,
                });
            }
            if let Some((retry_after, global)) = self.injected.pop_front() {
                self.stats.injected_served += 1;
                return Err(self.reject(&key, route, now, retry_after, global));
            }
            while self
                .global_log
                .front()
                .is_some_and(|first| now.duration_since(*first) >= Duration::from_secs(1))
            {
                self.global_log.pop_front();
            }
            if self.global_log.len() as u32 >= self.config.global_per_second {
                let oldest = *self.global_log.front().expect("non-empty");
                let retry_after = Duration::from_secs(1).saturating_sub(now.duration_since(oldest));
                return Err(self.reject(&key, route, now, retry_after, true));
            }
        }

        let (limit, window) = self
            .config
            .routes
            .iter()
            .find(|limit| limit.route == route)
            .map(|limit| (limit.limit, limit.window))
            .unwrap_or(self.config.default_route);
        let bucket = self.buckets.entry(key.clone()).or_insert(Bucket {
            count: 0,
            reset_at: now + window,
            blocked_until: None,
        });
        if now >= bucket.reset_at {
            bucket.count = 0;
            bucket.reset_at = now + window;
        }
        if bucket.count >= limit {
            let retry_after = bucket.reset_at - now;
            return Err(self.reject(&key, route, now, retry_after, false));
        }
        bucket.count += 1;
        let (count, reset_at) = (bucket.count, bucket.reset_at);
        if !exempt_from_global {
            self.global_log.push_back(now);
            self.stats.peak_per_second =
                self.stats.peak_per_second.max(self.global_log.len() as u32);
        }
        Ok(vec![
            ("X-RateLimit-Limit".into(), limit.to_string()),
            ("X-RateLimit-Remaining".into(), (limit - count).to_string()),
            (
                "X-RateLimit-Reset".into(),
                format!("{:.3}", epoch_secs(reset_at)),
            ),
            (
                "X-RateLimit-Reset-After".into(),
                format!("{:.3}", (reset_at - now).as_secs_f64()),
            ),
            ("X-RateLimit-Bucket".into(), bucket_hash(route)),
        ])
    }

    fn reject(
        &mut self,
        key: &str,
        route: &str,
        now: Instant,
        retry_after: Duration,
        global: bool,
    ) -> Rejection {
        self.stats.rate_limited += 1;
        let until = now + retry_after;
        if global {
            self.global_blocked_until = Some(
                self.global_blocked_until
                    .map_or(until, |old| old.max(until)),
            );
        } else if let Some(bucket) = self.buckets.get_mut(key) {
            bucket.blocked_until = Some(until);
        } else {
            self.buckets.insert(
                key.to_string(),
                Bucket {
                    count: 0,
                    reset_at: until,
                    blocked_until: Some(until),
                },
            );
        }
        let mut headers = vec![
            (
                "Retry-After".to_string(),
                retry_after.as_secs_f64().ceil().to_string(),
            ),
            (
                "X-RateLimit-Scope".to_string(),
                if global { "global" } else { "user" }.to_string(),
            ),
        ];
        if global {
            headers.push(("X-RateLimit-Global".into(), "true".into()));
        } else {
            headers.push(("X-RateLimit-Limit".into(), "1".into()));
            headers.push(("X-RateLimit-Remaining".into(), "0".into()));
            headers.push((
                "X-RateLimit-Reset-After".into(),
                format!("{:.3}", retry_after.as_secs_f64()),
            ));
            headers.push(("X-RateLimit-Bucket".into(), bucket_hash(route)));
        }
        Rejection {
            body: None,
            retry_after,
            global,
            headers,
        }
    }
}

fn bucket_hash(route: &str) -> String {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    route.hash(&mut hasher);
    format!("{:016x}", hasher.finish())
}
