//! The configuration's sections: [`Config`] and one struct per `[section]`, with their
//! defaults and the helpers the adapters use.

use std::fmt;

use serde::Deserialize;

use super::messages::redact_url;
use super::HumanDuration;

/// The whole configuration. Every section and every key is optional.
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    pub database: DatabaseConfig,
    /// Rules for communities that have not overridden them.
    pub community_defaults: CommunityDefaults,
    pub runner: RunnerConfig,
    /// Abuse limits on members' commands and bookings, on every platform.
    pub limits: LimitsConfig,
    pub shell: ShellConfig,
    /// The Matrix adapter; off while `homeserver_url` is empty.
    pub matrix: MatrixConfig,
    /// The Discord adapter; off while `token` is unset.
    pub discord: DiscordConfig,
    /// The HTTP endpoint: health, readiness, metrics (and the web pages).
    pub http: super::HttpConfig,
    /// The scheduled chores: retention pruning.
    pub chores: super::ChoresConfig,
    /// The web pages and calendar feeds (links in replies).
    pub web: WebConfig,
}

/// `[web]`: where members reach the pages and feeds (served by the HTTP server).
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct WebConfig {
    /// The public address the HTTP server is reached at, e.g. `https://focus.example.org`;
    /// replies link to `<public_url>/ical/…`, `/me/…` and `/c/…`. Unset: replies give paths.
    pub public_url: Option<String>,
}

#[derive(Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DatabaseConfig {
    /// `sqlite://path`, `sqlite::memory:`, or `postgres://user:password@host/db`.
    pub url: String,
    /// Size of the connection pool.
    pub max_connections: u32,
}

impl Default for DatabaseConfig {
    fn default() -> Self {
        DatabaseConfig {
            url: "sqlite://focusfolk.sqlite".to_string(),
            max_connections: 5,
        }
    }
}

impl DatabaseConfig {
    /// The URL with any password replaced by `***`, safe to print or log.
    pub fn redacted_url(&self) -> String {
        redact_url(&self.url)
    }
}

// The URL's password (in `user:password@` or `?password=`) never reaches a log through `{:?}`.
impl fmt::Debug for DatabaseConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DatabaseConfig")
            .field("url", &self.redacted_url())
            .field("max_connections", &self.max_connections)
            .finish()
    }
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CommunityDefaults {
    pub allowed_lengths_minutes: Vec<u32>,
    pub booking_horizon: HumanDuration,
    pub booking_cutoff: HumanDuration,
    pub late_cancel_window: HumanDuration,
    pub reminder_lead: HumanDuration,
    pub prepare_lead: HumanDuration,
    pub attendance_grace: HumanDuration,
    pub close_delay: HumanDuration,
    pub recent_repeat_days: i64,
    /// An IANA zone name such as `Europe/Berlin`.
    pub default_time_zone: String,
    /// The session modes members may book; the first is the default (`core::session_choice`).
    pub session_modes: Vec<String>,
    /// Reliability tiers (issue 11): under this show-up rate (percent, over the last 20 booked
    /// sessions) a member holds at most `reliability_limited_bookings` upcoming sessions…
    pub reliability_limited_below_percent: u32,
    pub reliability_limited_bookings: u32,
    /// …and under this one at most `reliability_restricted_bookings`.
    pub reliability_restricted_below_percent: u32,
    pub reliability_restricted_bookings: u32,
    /// Nobody is tiered before this many booked sessions.
    pub reliability_min_sessions: u32,
}

impl Default for CommunityDefaults {
    fn default() -> Self {
        CommunityDefaults {
            allowed_lengths_minutes: vec![25, 50, 75],
            booking_horizon: HumanDuration::from_mins(14 * 24 * 60),
            booking_cutoff: HumanDuration::from_mins(1),
            late_cancel_window: HumanDuration::from_mins(60),
            reminder_lead: HumanDuration::from_mins(10),
            prepare_lead: HumanDuration::from_mins(2),
            attendance_grace: HumanDuration::from_mins(3),
            close_delay: HumanDuration::from_mins(5),
            recent_repeat_days: 7,
            default_time_zone: "UTC".to_string(),
            session_modes: crate::core::session_choice::default_session_modes(),
            reliability_limited_below_percent: 80,
            reliability_limited_bookings: 3,
            reliability_restricted_below_percent: 50,
            reliability_restricted_bookings: 1,
            reliability_min_sessions: 3,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RunnerConfig {
    /// Identifies this process in job leases; `None` means the caller uses `hostname-pid`.
    pub worker_id: Option<String>,
    /// How long a claimed job stays reserved for this worker.
    pub job_lease: HumanDuration,
    /// The longest the runner sleeps when no job is due.
    pub max_idle_sleep: HumanDuration,
    /// How long a failed job waits before it is tried again.
    pub retry_delay: HumanDuration,
    /// How many of one job's effects (DMs, rooms) are in flight at once.
    pub effects_in_flight: u32,
    /// On SIGTERM or Ctrl-C, how long the job in flight may take to finish.
    pub shutdown_grace: HumanDuration,
}

impl Default for RunnerConfig {
    fn default() -> Self {
        RunnerConfig {
            worker_id: None,
            job_lease: HumanDuration::from_mins(2),
            max_idle_sleep: HumanDuration::from_secs(30),
            retry_delay: HumanDuration::from_secs(20),
            effects_in_flight: 16,
            shutdown_grace: HumanDuration::from_secs(10),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LimitsConfig {
    /// How many commands one member may send at once before being told to slow down.
    pub command_burst: u32,
    /// After the burst, one more command per this long.
    pub command_interval: HumanDuration,
    /// The most upcoming bookings one member may hold (each booked week of a weekly series
    /// counts, and a series books one week at a time).
    pub max_future_bookings: u32,
}

impl Default for LimitsConfig {
    fn default() -> Self {
        LimitsConfig {
            command_burst: 10,
            command_interval: HumanDuration::from_secs(2),
            max_future_bookings: 20,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ShellConfig {
    /// The community the local shell platform plays in.
    pub community: String,
}

impl Default for ShellConfig {
    fn default() -> Self {
        ShellConfig {
            community: "demo".to_string(),
        }
    }
}

/// What `[matrix] command_prefix` is when the config does not say.
pub const DEFAULT_MATRIX_COMMAND_PREFIX: &str = "!focusfolk";

#[derive(Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MatrixConfig {
    /// `https://matrix.example.org`; empty means the Matrix adapter is not configured.
    pub homeserver_url: String,
    /// The bot's account, e.g. `@focusfolk:example.org`.
    pub user_id: String,
    /// Used to log in once; the session (device and token) is then kept in the database.
    pub password: Option<String>,
    /// An existing access token instead of a password (its device is used as is).
    pub access_token: Option<String>,
    /// The device name other clients show for the bot's session.
    pub device_name: String,
    /// Directory of matrix-sdk's own SQLite store (room state, sync position).
    pub store_path: String,
    /// Homeservers whose users may invite the bot; empty: only the bot's own homeserver.
    /// `"*"` allows any.
    pub allowed_servers: Vec<String>,
    /// Rooms (ids `!…` or aliases `#…:server`) the bot joins when invited, whoever invites it.
    pub allowed_rooms: Vec<String>,
    /// A Jitsi server for the call widget in pair rooms. No default: meet.jit.si cuts embedded
    /// calls after 5 minutes. Unset together with `element_call_url`: Element Call where the
    /// homeserver advertises a MatrixRTC focus, otherwise no call (see `platform/matrix/call.rs`).
    pub jitsi_domain: Option<String>,
    /// An Element Call deployment (`https://call.example.org`); when set, pair rooms get an
    /// Element Call widget (it wins over `jitsi_domain`).
    pub element_call_url: Option<String>,
    /// The longest the bot waits out one `M_LIMIT_EXCEEDED` before giving the job back to the
    /// runner to retry later.
    pub max_rate_limit_wait: HumanDuration,
    /// Commands older than this when the bot sees them (sent while it was offline) are not
    /// acted on; the sender is told to send them again.
    pub ignore_commands_older_than: HumanDuration,
    /// The word that addresses the bot in a community room (`!focusfolk book 9:00`); members
    /// can also mention the bot instead (`@focusfolk: book 9:00`, a pill in Element).
    pub command_prefix: String,
}

impl Default for MatrixConfig {
    fn default() -> Self {
        MatrixConfig {
            homeserver_url: String::new(),
            user_id: String::new(),
            password: None,
            access_token: None,
            device_name: "focusfolk bot".to_string(),
            store_path: "matrix-store".to_string(),
            allowed_servers: Vec::new(),
            allowed_rooms: Vec::new(),
            jitsi_domain: None,
            element_call_url: None,
            max_rate_limit_wait: HumanDuration::from_secs(90),
            ignore_commands_older_than: HumanDuration::from_mins(10),
            command_prefix: DEFAULT_MATRIX_COMMAND_PREFIX.to_string(),
        }
    }
}

impl MatrixConfig {
    pub fn is_configured(&self) -> bool {
        !self.homeserver_url.trim().is_empty()
    }

    /// `check-config`'s words for the pair rooms' call: the configured server, or plainly that
    /// one must be configured unless the homeserver offers Element Call.
    pub fn call_widget_summary(&self) -> String {
        let set = |value: &Option<String>| {
            value
                .as_deref()
                .map(str::trim)
                .filter(|value| !value.is_empty())
                .map(str::to_string)
        };
        match (set(&self.element_call_url), set(&self.jitsi_domain)) {
            (Some(url), _) => format!("Element Call at {}", redact_url(&url)),
            (None, Some(domain)) if domain.eq_ignore_ascii_case("meet.jit.si") => format!(
                "Jitsi on {domain}\n  WARNING: meet.jit.si ends embedded calls after 5 minutes and asks \
                 for a login to start one; set [matrix] jitsi_domain to a Jitsi server you run, or \
                 element_call_url"
            ),
            (None, Some(domain)) => format!("Jitsi on {domain}"),
            (None, None) => "NONE CONFIGURED\n  WARNING: no call server is configured. Pair rooms \
                get Element Call only if the homeserver advertises a MatrixRTC focus \
                (org.matrix.msc4143.rtc_foci in its /.well-known/matrix/client); otherwise they \
                have no call. A Jitsi or Element Call server must be configured: set [matrix] \
                jitsi_domain (a Jitsi server you run) or element_call_url (an Element Call \
                deployment)"
                .to_string(),
        }
    }

    /// The homeserver URL with any credentials in it replaced by `***`, safe to print or log.
    pub fn redacted_homeserver_url(&self) -> String {
        redact_url(&self.homeserver_url)
    }
}

// Secrets never reach a log line through `{:?}`.
impl fmt::Debug for MatrixConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let hidden = |secret: &Option<String>| secret.as_ref().map(|_| "***");
        f.debug_struct("MatrixConfig")
            .field("homeserver_url", &redact_url(&self.homeserver_url))
            .field("user_id", &self.user_id)
            .field("password", &hidden(&self.password))
            .field("access_token", &hidden(&self.access_token))
            .field("device_name", &self.device_name)
            .field("store_path", &self.store_path)
            .field("allowed_servers", &self.allowed_servers)
            .field("allowed_rooms", &self.allowed_rooms)
            .field("jitsi_domain", &self.jitsi_domain)
            .field(
                "element_call_url",
                &self.element_call_url.as_deref().map(redact_url),
            )
            .field("max_rate_limit_wait", &self.max_rate_limit_wait)
            .field(
                "ignore_commands_older_than",
                &self.ignore_commands_older_than,
            )
            .field("command_prefix", &self.command_prefix)
            .finish()
    }
}

/// The Discord bot. In proxy mode (`api_base_url` not Discord's own) serenity's rate limiter
/// must be off: serenity 0.12.5 builds its rate-limited requests without the proxy, so focusfolk
/// paces every request itself and honours each 429's `retry_after`.
#[derive(Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DiscordConfig {
    /// The bot token; unset means the Discord adapter is not configured.
    pub token: Option<String>,
    /// What replaces `https://discord.com` in REST URLs: Discord itself or a REST proxy
    /// (twilight-http-proxy, nirn-proxy) shared by several instances.
    pub api_base_url: String,
    /// serenity's own per-route limiter; must be off behind a proxy.
    pub use_serenity_ratelimiter: bool,
    /// focusfolk's own pacing of its REST calls, below Discord's global 50 requests/s.
    pub requests_per_second: u32,
    /// Shards of the whole bot (all instances together).
    pub total_shards: u32,
    /// The first shard this instance runs.
    pub first_shard: u32,
    /// How many shards this instance runs from `first_shard`; 0 means all the rest.
    pub shard_count: u32,
    /// Register slash commands in this guild only (instant, for trying the bot out) instead
    /// of globally.
    pub command_guild_id: Option<String>,
}

pub const DISCORD_API_BASE: &str = "https://discord.com";

impl Default for DiscordConfig {
    fn default() -> Self {
        DiscordConfig {
            token: None,
            api_base_url: DISCORD_API_BASE.to_string(),
            use_serenity_ratelimiter: true,
            requests_per_second: 47,
            total_shards: 1,
            first_shard: 0,
            shard_count: 0,
            command_guild_id: None,
        }
    }
}

impl DiscordConfig {
    pub fn is_configured(&self) -> bool {
        self.token
            .as_ref()
            .is_some_and(|token| !token.trim().is_empty())
    }

    /// The REST base URL with any credentials in it (a proxy's `user:password@`) replaced by
    /// `***`, safe to print or log.
    pub fn redacted_api_base_url(&self) -> String {
        redact_url(&self.api_base_url)
    }

    /// A REST proxy (or a test server) rather than Discord itself.
    pub fn is_proxy(&self) -> bool {
        self.api_base_url.trim_end_matches('/') != DISCORD_API_BASE
    }

    /// The shards this instance runs, as serenity takes them: `first..=last` of `total`.
    pub fn shard_range(&self) -> (u32, u32, u32) {
        let total = self.total_shards.max(1);
        let first = self.first_shard.min(total - 1);
        let last = match self.shard_count {
            0 => total - 1,
            count => (first + count - 1).min(total - 1),
        };
        (first, last, total)
    }
}

// Secrets never reach a log line through `{:?}`.
impl fmt::Debug for DiscordConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DiscordConfig")
            .field("token", &self.token.as_ref().map(|_| "***"))
            .field("api_base_url", &redact_url(&self.api_base_url))
            .field("use_serenity_ratelimiter", &self.use_serenity_ratelimiter)
            .field("requests_per_second", &self.requests_per_second)
            .field("total_shards", &self.total_shards)
            .field("first_shard", &self.first_shard)
            .field("shard_count", &self.shard_count)
            .field("command_guild_id", &self.command_guild_id)
            .finish()
    }
}
