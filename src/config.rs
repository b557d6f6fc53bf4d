//! Configuration: built-in defaults < a TOML file < `COFOCUS_*` environment variables.
//!
//! * The file is the one given with `--config`, or else `cofocus.toml` in the working
//!   directory when it exists (running with no file at all is fine: everything has a default).
//! * An environment variable `COFOCUS_<SECTION>__<KEY>` (two underscores between section and
//!   key) overrides `<key>` in `[<section>]`, e.g. `COFOCUS_DATABASE__URL`,
//!   `COFOCUS_COMMUNITY_DEFAULTS__REMINDER_LEAD`. Lists may be written `25,50` or `[25, 50]`.
//!   `COFOCUS_*` variables without `__` are not configuration (other tools may use the prefix),
//!   unless they look exactly like a setting with one underscore too few, which is reported.
//!
//! Loading never stops at the first mistake: unknown keys (with a "did you mean"), values of
//! the wrong type, and values that make no sense together are all collected into one
//! [`ConfigError`], one plain-English [`ConfigProblem`] per line. Nothing here panics on any
//! input.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use figment::providers::{Format, Toml};
use figment::value::{Dict, Map, Value};
use figment::{Figment, Metadata, Profile, Provider};
use serde::de::{self, Unexpected, Visitor};
use serde::{Deserialize, Deserializer};

use crate::core::model::CommunitySettings;

/// Prefix of the environment variables that override the file.
pub const ENV_PREFIX: &str = "COFOCUS_";
/// Separator between section and key in an environment variable name.
pub const ENV_SEPARATOR: &str = "__";
/// The file read when no path is given, if it exists in the working directory.
pub const DEFAULT_CONFIG_FILE: &str = "cofocus.toml";

/// Nothing configurable may be longer than this; it keeps date arithmetic far from overflow.
const MAX_DURATION: Duration = Duration::from_secs(366 * 24 * 60 * 60);
const MAX_REPEAT_DAYS: i64 = 366;
const MAX_SESSION_MINUTES: u32 = 24 * 60;

// ---------------------------------------------------------------------------------------------
// The configuration
// ---------------------------------------------------------------------------------------------

/// The whole configuration. Every section and every key is optional.
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    pub database: DatabaseConfig,
    /// Rules for communities that have not overridden them.
    pub community_defaults: CommunityDefaults,
    pub runner: RunnerConfig,
    pub shell: ShellConfig,
    /// The Matrix adapter; off while `homeserver_url` is empty.
    pub matrix: MatrixConfig,
    /// The Discord adapter; off while `token` is unset.
    pub discord: DiscordConfig,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
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
            url: "sqlite://cofocus.sqlite".to_string(),
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
}

impl Default for RunnerConfig {
    fn default() -> Self {
        RunnerConfig {
            worker_id: None,
            job_lease: HumanDuration::from_mins(2),
            max_idle_sleep: HumanDuration::from_secs(30),
            retry_delay: HumanDuration::from_secs(20),
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

#[derive(Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MatrixConfig {
    /// `https://matrix.example.org`; empty means the Matrix adapter is not configured.
    pub homeserver_url: String,
    /// The bot's account, e.g. `@cofocus:example.org`.
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
    /// The Jitsi server of the call widget in pair rooms.
    pub jitsi_domain: String,
    /// An Element Call deployment (`https://call.example.org`); when set, pair rooms get an
    /// Element Call widget instead of Jitsi.
    pub element_call_url: Option<String>,
    /// The longest the bot waits out one `M_LIMIT_EXCEEDED` before giving the job back to the
    /// runner to retry later.
    pub max_rate_limit_wait: HumanDuration,
    /// Commands older than this when the bot sees them (sent while it was offline) are not
    /// acted on; the sender is told to send them again.
    pub ignore_commands_older_than: HumanDuration,
}

impl Default for MatrixConfig {
    fn default() -> Self {
        MatrixConfig {
            homeserver_url: String::new(),
            user_id: String::new(),
            password: None,
            access_token: None,
            device_name: "cofocus bot".to_string(),
            store_path: "matrix-store".to_string(),
            allowed_servers: Vec::new(),
            allowed_rooms: Vec::new(),
            jitsi_domain: "meet.jit.si".to_string(),
            element_call_url: None,
            max_rate_limit_wait: HumanDuration::from_secs(90),
            ignore_commands_older_than: HumanDuration::from_mins(10),
        }
    }
}

impl MatrixConfig {
    pub fn is_configured(&self) -> bool {
        !self.homeserver_url.trim().is_empty()
    }
}

// Secrets never reach a log line through `{:?}`.
impl fmt::Debug for MatrixConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let hidden = |secret: &Option<String>| secret.as_ref().map(|_| "***");
        f.debug_struct("MatrixConfig")
            .field("homeserver_url", &self.homeserver_url)
            .field("user_id", &self.user_id)
            .field("password", &hidden(&self.password))
            .field("access_token", &hidden(&self.access_token))
            .field("device_name", &self.device_name)
            .field("store_path", &self.store_path)
            .field("allowed_servers", &self.allowed_servers)
            .field("allowed_rooms", &self.allowed_rooms)
            .field("jitsi_domain", &self.jitsi_domain)
            .field("element_call_url", &self.element_call_url)
            .field("max_rate_limit_wait", &self.max_rate_limit_wait)
            .field(
                "ignore_commands_older_than",
                &self.ignore_commands_older_than,
            )
            .finish()
    }
}

/// The Discord bot. In proxy mode (`api_base_url` not Discord's own) serenity's rate limiter
/// must be off: serenity 0.12.5 builds its rate-limited requests without the proxy, so cofocus
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
    /// cofocus' own pacing of its REST calls, below Discord's global 50 requests/s.
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
            .field("api_base_url", &self.api_base_url)
            .field("use_serenity_ratelimiter", &self.use_serenity_ratelimiter)
            .field("requests_per_second", &self.requests_per_second)
            .field("total_shards", &self.total_shards)
            .field("first_shard", &self.first_shard)
            .field("shard_count", &self.shard_count)
            .field("command_guild_id", &self.command_guild_id)
            .finish()
    }
}

// ---------------------------------------------------------------------------------------------
// HumanDuration
// ---------------------------------------------------------------------------------------------

/// A duration written like "10m", "1h 30m", "14d" (humantime); deserializes from a string
/// (or the number 0). Displays in the same form, e.g. `1h 30m`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct HumanDuration(pub Duration);

impl HumanDuration {
    pub const ZERO: HumanDuration = HumanDuration(Duration::ZERO);

    pub const fn from_secs(secs: u64) -> Self {
        HumanDuration(Duration::from_secs(secs))
    }

    pub const fn from_mins(mins: u64) -> Self {
        HumanDuration(Duration::from_secs(mins * 60))
    }

    pub const fn as_std(self) -> Duration {
        self.0
    }

    /// As a chrono duration; `None` only for absurdly long values (which validation rejects).
    pub fn to_chrono(self) -> Option<chrono::Duration> {
        chrono::Duration::from_std(self.0).ok()
    }
}

impl From<Duration> for HumanDuration {
    fn from(duration: Duration) -> Self {
        HumanDuration(duration)
    }
}

impl From<HumanDuration> for Duration {
    fn from(duration: HumanDuration) -> Self {
        duration.0
    }
}

impl fmt::Display for HumanDuration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", humantime::format_duration(self.0))
    }
}

impl FromStr for HumanDuration {
    type Err = humantime::DurationError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        humantime::parse_duration(text.trim()).map(HumanDuration)
    }
}

const DURATION_EXPECTED: &str = "a duration such as \"10m\" or \"1h 30m\"";

impl<'de> Deserialize<'de> for HumanDuration {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct DurationVisitor;

        impl Visitor<'_> for DurationVisitor {
            type Value = HumanDuration;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(DURATION_EXPECTED)
            }

            fn visit_str<E: de::Error>(self, text: &str) -> Result<HumanDuration, E> {
                text.parse()
                    .map_err(|_| E::invalid_value(Unexpected::Str(text), &DURATION_EXPECTED))
            }

            // A bare number has no unit, so only zero is unambiguous.
            fn visit_u64<E: de::Error>(self, n: u64) -> Result<HumanDuration, E> {
                match n {
                    0 => Ok(HumanDuration::ZERO),
                    _ => Err(E::invalid_value(
                        Unexpected::Unsigned(n),
                        &DURATION_EXPECTED,
                    )),
                }
            }

            fn visit_i64<E: de::Error>(self, n: i64) -> Result<HumanDuration, E> {
                match n {
                    0 => Ok(HumanDuration::ZERO),
                    _ => Err(E::invalid_value(Unexpected::Signed(n), &DURATION_EXPECTED)),
                }
            }
        }

        deserializer.deserialize_any(DurationVisitor)
    }
}

// ---------------------------------------------------------------------------------------------
// Problems
// ---------------------------------------------------------------------------------------------

/// One thing wrong with the configuration, in plain words.
#[derive(Debug, Clone, PartialEq)]
pub struct ConfigProblem {
    /// The dotted key, e.g. `community_defaults.reminder_lead`; a section name for problems with
    /// a whole section; empty for problems with the whole file (unreadable, not TOML, …).
    pub key: String,
    /// A sentence that names the key and says how to fix it.
    pub message: String,
}

impl ConfigProblem {
    fn new(key: impl Into<String>, message: impl Into<String>) -> Self {
        ConfigProblem {
            key: key.into(),
            message: message.into(),
        }
    }
}

impl fmt::Display for ConfigProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// Everything wrong with the configuration. Displays one problem per line.
#[derive(Debug)]
pub struct ConfigError {
    pub problems: Vec<ConfigProblem>,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.problems.is_empty() {
            return f.write_str("the configuration is invalid");
        }
        for (index, problem) in self.problems.iter().enumerate() {
            if index > 0 {
                f.write_str("\n")?;
            }
            // A message never spans lines, so "one per line" holds.
            f.write_str(&problem.message.replace('\n', " "))?;
        }
        Ok(())
    }
}

impl std::error::Error for ConfigError {}

impl From<ConfigProblem> for ConfigError {
    fn from(problem: ConfigProblem) -> Self {
        ConfigError {
            problems: vec![problem],
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Schema: what the deserializer knows, plus how to explain each key
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FieldKind {
    Text,
    OptionalText,
    Duration,
    Count,
    Days,
    Minutes,
    /// A list of text values, e.g. `["example.org"]`; from the environment `a,b`.
    TextList,
    /// `true` or `false`.
    Flag,
}

struct Field {
    name: &'static str,
    kind: FieldKind,
    /// A valid TOML value, used in "write e.g. …".
    example: &'static str,
}

struct Section {
    name: &'static str,
    fields: &'static [Field],
}

impl Section {
    fn field(&self, name: &str) -> Option<&'static Field> {
        self.fields.iter().find(|field| field.name == name)
    }
}

const fn field(name: &'static str, kind: FieldKind, example: &'static str) -> Field {
    Field {
        name,
        kind,
        example,
    }
}

/// Must list exactly the serde fields of [`Config`] and its sections (a unit test checks).
static SCHEMA: &[Section] = &[
    Section {
        name: "database",
        fields: &[
            field("url", FieldKind::Text, "\"sqlite://cofocus.sqlite\""),
            field("max_connections", FieldKind::Count, "5"),
        ],
    },
    Section {
        name: "community_defaults",
        fields: &[
            field(
                "allowed_lengths_minutes",
                FieldKind::Minutes,
                "[25, 50, 75]",
            ),
            field("booking_horizon", FieldKind::Duration, "\"14d\""),
            field("booking_cutoff", FieldKind::Duration, "\"1m\""),
            field("late_cancel_window", FieldKind::Duration, "\"1h\""),
            field("reminder_lead", FieldKind::Duration, "\"10m\""),
            field("prepare_lead", FieldKind::Duration, "\"2m\""),
            field("attendance_grace", FieldKind::Duration, "\"3m\""),
            field("close_delay", FieldKind::Duration, "\"5m\""),
            field("recent_repeat_days", FieldKind::Days, "7"),
            field("default_time_zone", FieldKind::Text, "\"Europe/Berlin\""),
        ],
    },
    Section {
        name: "runner",
        fields: &[
            field("worker_id", FieldKind::OptionalText, "\"bot-1\""),
            field("job_lease", FieldKind::Duration, "\"2m\""),
            field("max_idle_sleep", FieldKind::Duration, "\"30s\""),
            field("retry_delay", FieldKind::Duration, "\"20s\""),
        ],
    },
    Section {
        name: "shell",
        fields: &[field("community", FieldKind::Text, "\"demo\"")],
    },
    Section {
        name: "matrix",
        fields: &[
            field(
                "homeserver_url",
                FieldKind::Text,
                "\"https://matrix.example.org\"",
            ),
            field("user_id", FieldKind::Text, "\"@cofocus:example.org\""),
            field("password", FieldKind::OptionalText, "\"s3cret\""),
            field("access_token", FieldKind::OptionalText, "\"syt_…\""),
            field("device_name", FieldKind::Text, "\"cofocus bot\""),
            field("store_path", FieldKind::Text, "\"matrix-store\""),
            field("allowed_servers", FieldKind::TextList, "[\"example.org\"]"),
            field(
                "allowed_rooms",
                FieldKind::TextList,
                "[\"#focus:example.org\"]",
            ),
            field("jitsi_domain", FieldKind::Text, "\"meet.jit.si\""),
            field(
                "element_call_url",
                FieldKind::OptionalText,
                "\"https://call.example.org\"",
            ),
            field("max_rate_limit_wait", FieldKind::Duration, "\"90s\""),
            field("ignore_commands_older_than", FieldKind::Duration, "\"10m\""),
        ],
    },
    Section {
        name: "discord",
        fields: &[
            field("token", FieldKind::OptionalText, "\"MTA…\""),
            field("api_base_url", FieldKind::Text, "\"https://discord.com\""),
            field("use_serenity_ratelimiter", FieldKind::Flag, "true"),
            field("requests_per_second", FieldKind::Count, "47"),
            field("total_shards", FieldKind::Count, "1"),
            field("first_shard", FieldKind::Count, "0"),
            field("shard_count", FieldKind::Count, "0"),
            field(
                "command_guild_id",
                FieldKind::OptionalText,
                "\"123456789012345678\"",
            ),
        ],
    },
];

fn section(name: &str) -> Option<&'static Section> {
    SCHEMA.iter().find(|section| section.name == name)
}

fn schema_field(section_name: &str, key: &str) -> Option<&'static Field> {
    section(section_name).and_then(|section| section.field(key))
}

fn env_name(section: &str, key: &str) -> String {
    format!(
        "{ENV_PREFIX}{}{ENV_SEPARATOR}{}",
        section.to_ascii_uppercase(),
        key.to_ascii_uppercase()
    )
}

fn section_list() -> String {
    SCHEMA
        .iter()
        .map(|s| format!("[{}]", s.name))
        .collect::<Vec<_>>()
        .join(", ")
}

// ---------------------------------------------------------------------------------------------
// Loading
// ---------------------------------------------------------------------------------------------

/// The TOML text and how to name it in messages.
struct Source {
    label: String,
    text: String,
}

/// `COFOCUS_*` variables turned into a nested dict, and which variable set which key.
struct EnvInput {
    dict: Dict,
    /// Dotted key (`database.url`) to the variable that set it.
    names: BTreeMap<String, String>,
    problems: Vec<ConfigProblem>,
}

/// Feeds [`EnvInput`] to figment, so process and test environments go through the same code.
struct EnvOverrides(Dict);

impl Provider for EnvOverrides {
    fn metadata(&self) -> Metadata {
        Metadata::named(format!("`{ENV_PREFIX}*` environment variables"))
    }

    fn data(&self) -> Result<Map<Profile, Dict>, figment::Error> {
        let mut data = Map::new();
        data.insert(Profile::Default, self.0.clone());
        Ok(data)
    }
}

impl Config {
    /// Defaults < the TOML file < `COFOCUS_*` environment variables, then [`Config::validate`].
    ///
    /// With `Some(path)` the file must exist; with `None`, `cofocus.toml` in the working
    /// directory is read when present. All problems found are returned together.
    pub fn load(path: Option<&Path>) -> Result<Config, ConfigError> {
        let source = read_source(path)?;
        let env = read_env(process_env());
        build(source.as_ref(), env)
    }

    /// Like [`Config::load`] but from a TOML string and the given environment pairs (full names,
    /// e.g. `("COFOCUS_DATABASE__URL", "sqlite::memory:")`; names without the prefix are
    /// ignored, as in the real environment). Reads no file and no process environment.
    pub fn from_toml_str_and_env(toml: &str, env: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let source = Source {
            label: "the config text".to_string(),
            text: toml.to_string(),
        };
        let env = read_env(
            env.iter()
                .map(|(name, value)| Ok((name.to_string(), value.to_string())))
                .collect(),
        );
        build(Some(&source), env)
    }

    /// The per-community defaults as the core's settings type. Fails with the problems of the
    /// `[community_defaults]` section only (a bad database URL does not stop this).
    pub fn community_settings(&self) -> Result<CommunitySettings, ConfigError> {
        let problems: Vec<ConfigProblem> = self
            .validate()
            .into_iter()
            .filter(|problem| problem.key.split('.').next() == Some("community_defaults"))
            .collect();
        if !problems.is_empty() {
            return Err(ConfigError { problems });
        }
        let defaults = &self.community_defaults;
        let mut problems = Vec::new();
        let mut convert = |name: &str, duration: HumanDuration| match duration.to_chrono() {
            Some(duration) => duration,
            None => {
                problems.push(too_long_problem(
                    &format!("community_defaults.{name}"),
                    duration,
                ));
                chrono::Duration::zero()
            }
        };
        let booking_horizon = convert("booking_horizon", defaults.booking_horizon);
        let booking_cutoff = convert("booking_cutoff", defaults.booking_cutoff);
        let late_cancel_window = convert("late_cancel_window", defaults.late_cancel_window);
        let reminder_lead = convert("reminder_lead", defaults.reminder_lead);
        let prepare_lead = convert("prepare_lead", defaults.prepare_lead);
        let attendance_grace = convert("attendance_grace", defaults.attendance_grace);
        let close_delay = convert("close_delay", defaults.close_delay);
        let default_time_zone = match defaults.default_time_zone.parse::<chrono_tz::Tz>() {
            Ok(zone) => zone,
            Err(_) => {
                problems.push(time_zone_problem(&defaults.default_time_zone));
                chrono_tz::UTC
            }
        };
        if !problems.is_empty() {
            return Err(ConfigError { problems });
        }
        Ok(CommunitySettings {
            allowed_lengths_minutes: defaults.allowed_lengths_minutes.clone(),
            booking_horizon,
            booking_cutoff,
            late_cancel_window,
            reminder_lead,
            prepare_lead,
            attendance_grace,
            close_delay,
            recent_repeat_days: defaults.recent_repeat_days,
            default_time_zone,
        })
    }

    /// Every semantic problem (types are already right by now). Empty means valid.
    pub fn validate(&self) -> Vec<ConfigProblem> {
        let mut problems = Vec::new();
        self.validate_database(&mut problems);
        self.validate_community_defaults(&mut problems);
        self.validate_runner(&mut problems);
        self.validate_matrix(&mut problems);
        self.validate_discord(&mut problems);
        if self.shell.community.trim().is_empty() {
            problems.push(ConfigProblem::new(
                "shell.community",
                "`shell.community` is empty; name the shell's community, e.g. community = \"demo\"",
            ));
        }
        problems
    }

    fn validate_database(&self, problems: &mut Vec<ConfigProblem>) {
        let url = self.database.url.trim();
        let lower = url.to_ascii_lowercase();
        if url.is_empty() {
            problems.push(ConfigProblem::new(
                "database.url",
                "`database.url` is empty; write e.g. url = \"sqlite://cofocus.sqlite\" or \
                 url = \"postgres://cofocus:password@localhost/cofocus\"",
            ));
        } else if !["sqlite:", "postgres:", "postgresql:"]
            .iter()
            .any(|scheme| lower.starts_with(scheme))
        {
            problems.push(ConfigProblem::new(
                "database.url",
                format!(
                    "`database.url` = {:?} is not a database cofocus can use; the URL must start \
                     with sqlite: (e.g. \"sqlite://cofocus.sqlite\") or postgres: / postgresql: \
                     (e.g. \"postgres://cofocus:password@localhost/cofocus\")",
                    self.database.redacted_url()
                ),
            ));
        }
        if self.database.max_connections == 0 {
            problems.push(ConfigProblem::new(
                "database.max_connections",
                "`database.max_connections` = 0 leaves no connection to the database; use 1 or more, e.g. 5",
            ));
        }
    }

    fn validate_community_defaults(&self, problems: &mut Vec<ConfigProblem>) {
        let defaults = &self.community_defaults;
        let key = |name: &str| format!("community_defaults.{name}");

        // Session lengths.
        let lengths = &defaults.allowed_lengths_minutes;
        let lengths_key = key("allowed_lengths_minutes");
        if lengths.is_empty() {
            problems.push(ConfigProblem::new(
                &lengths_key,
                "`community_defaults.allowed_lengths_minutes` is empty; list at least one session \
                 length in minutes, e.g. [25, 50, 75]",
            ));
        }
        if lengths.contains(&0) {
            problems.push(ConfigProblem::new(
                &lengths_key,
                "`community_defaults.allowed_lengths_minutes` contains 0; a session must last at \
                 least 5 minutes",
            ));
        }
        let not_multiple: Vec<String> = lengths
            .iter()
            .filter(|m| **m % 5 != 0)
            .map(|m| m.to_string())
            .collect();
        if !not_multiple.is_empty() {
            problems.push(ConfigProblem::new(
                &lengths_key,
                format!(
                    "`community_defaults.allowed_lengths_minutes` contains {}, which {} not a \
                     multiple of 5 minutes; sessions start on a 5-minute grid, e.g. [25, 50, 75]",
                    join_and(&not_multiple),
                    if not_multiple.len() == 1 { "is" } else { "are" }
                ),
            ));
        }
        let too_long: Vec<String> = lengths
            .iter()
            .filter(|m| **m > MAX_SESSION_MINUTES)
            .map(|m| m.to_string())
            .collect();
        if !too_long.is_empty() {
            problems.push(ConfigProblem::new(
                &lengths_key,
                format!(
                    "`community_defaults.allowed_lengths_minutes` contains {}, longer than a day \
                     ({MAX_SESSION_MINUTES} minutes)",
                    join_and(&too_long)
                ),
            ));
        }
        let mut seen = std::collections::BTreeSet::new();
        let repeated: std::collections::BTreeSet<String> = lengths
            .iter()
            .filter(|m| !seen.insert(**m))
            .map(|m| m.to_string())
            .collect();
        if !repeated.is_empty() {
            problems.push(ConfigProblem::new(
                &lengths_key,
                format!(
                    "`community_defaults.allowed_lengths_minutes` lists {} more than once",
                    join_and(&repeated.into_iter().collect::<Vec<_>>())
                ),
            ));
        }

        // Durations.
        let durations = [
            ("booking_horizon", defaults.booking_horizon),
            ("booking_cutoff", defaults.booking_cutoff),
            ("late_cancel_window", defaults.late_cancel_window),
            ("reminder_lead", defaults.reminder_lead),
            ("prepare_lead", defaults.prepare_lead),
            ("attendance_grace", defaults.attendance_grace),
            ("close_delay", defaults.close_delay),
        ];
        for (name, duration) in durations {
            if duration.0 > MAX_DURATION {
                problems.push(too_long_problem(&key(name), duration));
            }
        }
        if defaults.booking_horizon.0.is_zero() {
            problems.push(ConfigProblem::new(
                key("booking_horizon"),
                "`community_defaults.booking_horizon` = \"0s\" means nothing can ever be booked; \
                 write how far ahead members may book, e.g. \"14d\"",
            ));
        } else if defaults.booking_horizon <= defaults.booking_cutoff {
            problems.push(ConfigProblem::new(
                key("booking_horizon"),
                format!(
                    "`community_defaults.booking_horizon` = \"{}\" must be longer than \
                     `community_defaults.booking_cutoff` = \"{}\", or no slot can ever be booked",
                    defaults.booking_horizon, defaults.booking_cutoff
                ),
            ));
        }
        if let Some(shortest) = lengths.iter().copied().filter(|m| *m > 0).min() {
            let shortest_duration = Duration::from_secs(u64::from(shortest) * 60);
            if defaults.attendance_grace.0 >= shortest_duration {
                problems.push(ConfigProblem::new(
                    key("attendance_grace"),
                    format!(
                        "`community_defaults.attendance_grace` = \"{}\" must be shorter than the \
                         shortest session ({shortest} minutes), or the attendance check would run \
                         after the session is over; e.g. \"3m\"",
                        defaults.attendance_grace
                    ),
                ));
            }
        }

        // Days and zone.
        if defaults.recent_repeat_days < 0 {
            problems.push(ConfigProblem::new(
                key("recent_repeat_days"),
                format!(
                    "`community_defaults.recent_repeat_days` = {} cannot be negative; use 0 to \
                     not avoid recent partners, or e.g. 7",
                    defaults.recent_repeat_days
                ),
            ));
        } else if defaults.recent_repeat_days > MAX_REPEAT_DAYS {
            problems.push(ConfigProblem::new(
                key("recent_repeat_days"),
                format!(
                    "`community_defaults.recent_repeat_days` = {} is more than a year; use at most \
                     {MAX_REPEAT_DAYS}, e.g. 7",
                    defaults.recent_repeat_days
                ),
            ));
        }
        if defaults.default_time_zone.parse::<chrono_tz::Tz>().is_err() {
            problems.push(time_zone_problem(&defaults.default_time_zone));
        }
    }

    fn validate_runner(&self, problems: &mut Vec<ConfigProblem>) {
        if let Some(worker_id) = &self.runner.worker_id {
            if worker_id.trim().is_empty() {
                problems.push(ConfigProblem::new(
                    "runner.worker_id",
                    "`runner.worker_id` is empty; remove it to use hostname-pid, or name this \
                     worker, e.g. worker_id = \"bot-1\"",
                ));
            }
        }
        let durations = [
            ("job_lease", self.runner.job_lease, "2m"),
            ("max_idle_sleep", self.runner.max_idle_sleep, "30s"),
            ("retry_delay", self.runner.retry_delay, "20s"),
        ];
        for (name, duration, example) in durations {
            let key = format!("runner.{name}");
            if duration.0.is_zero() {
                problems.push(ConfigProblem::new(
                    &key,
                    format!("`{key}` = \"0s\" must be longer than zero; e.g. \"{example}\""),
                ));
            } else if duration.0 > MAX_DURATION {
                problems.push(too_long_problem(&key, duration));
            }
        }
    }

    /// Only a configured adapter (a homeserver URL is set) is checked.
    fn validate_matrix(&self, problems: &mut Vec<ConfigProblem>) {
        let matrix = &self.matrix;
        if !matrix.is_configured() {
            return;
        }
        let url = matrix.homeserver_url.trim().to_ascii_lowercase();
        if !(url.starts_with("https://") || url.starts_with("http://")) {
            problems.push(ConfigProblem::new(
                "matrix.homeserver_url",
                format!(
                    "`matrix.homeserver_url` = {:?} must start with https:// (or http:// for a local \
                     test server), e.g. \"https://matrix.example.org\"",
                    matrix.homeserver_url
                ),
            ));
        }
        let user = matrix.user_id.trim();
        let looks_like_user = user.starts_with('@')
            && user
                .split_once(':')
                .is_some_and(|(local, server)| local.len() > 1 && !server.is_empty());
        if !looks_like_user {
            problems.push(ConfigProblem::new(
                "matrix.user_id",
                format!(
                    "`matrix.user_id` = {:?} is not a Matrix user id; write the bot's full id, e.g. \
                     user_id = \"@cofocus:example.org\"",
                    matrix.user_id
                ),
            ));
        }
        let has = |secret: &Option<String>| secret.as_ref().is_some_and(|s| !s.trim().is_empty());
        if !has(&matrix.password) && !has(&matrix.access_token) {
            problems.push(ConfigProblem::new(
                "matrix.password",
                "[matrix] needs `password` or `access_token` to log in; prefer the environment, \
                 e.g. COFOCUS_MATRIX__PASSWORD=…",
            ));
        }
        for (key, value) in [
            ("device_name", &matrix.device_name),
            ("store_path", &matrix.store_path),
            ("jitsi_domain", &matrix.jitsi_domain),
        ] {
            if value.trim().is_empty() {
                problems.push(ConfigProblem::new(
                    format!("matrix.{key}"),
                    format!("`matrix.{key}` is empty; remove it to use the default"),
                ));
            }
        }
        if matrix.jitsi_domain.contains('/') {
            problems.push(ConfigProblem::new(
                "matrix.jitsi_domain",
                format!(
                    "`matrix.jitsi_domain` = {:?} must be a host name only, e.g. \"meet.jit.si\"",
                    matrix.jitsi_domain
                ),
            ));
        }
        if matrix.max_rate_limit_wait.0 > MAX_DURATION {
            problems.push(too_long_problem(
                "matrix.max_rate_limit_wait",
                matrix.max_rate_limit_wait,
            ));
        }
        if matrix.ignore_commands_older_than.0.is_zero() {
            problems.push(ConfigProblem::new(
                "matrix.ignore_commands_older_than",
                "`matrix.ignore_commands_older_than` = \"0s\" would ignore every command; e.g. \"10m\"",
            ));
        }
    }

    /// Only a configured adapter (a token is set) is checked.
    fn validate_discord(&self, problems: &mut Vec<ConfigProblem>) {
        let discord = &self.discord;
        if !discord.is_configured() {
            return;
        }
        let base = discord.api_base_url.trim().to_ascii_lowercase();
        if !(base.starts_with("https://") || base.starts_with("http://")) {
            problems.push(ConfigProblem::new(
                "discord.api_base_url",
                format!(
                    "`discord.api_base_url` = {:?} must be a URL such as \"https://discord.com\" or \
                     a REST proxy's \"http://127.0.0.1:3000\"",
                    discord.api_base_url
                ),
            ));
        }
        if discord.is_proxy() && discord.use_serenity_ratelimiter {
            problems.push(ConfigProblem::new(
                "discord.use_serenity_ratelimiter",
                "`discord.use_serenity_ratelimiter` must be false when `discord.api_base_url` is a \
                 proxy: serenity 0.12.5 sends its rate-limited requests to Discord directly, \
                 bypassing the proxy; cofocus' own pacing keeps the bot within limits",
            ));
        }
        if discord.requests_per_second == 0 || discord.requests_per_second > 50 {
            problems.push(ConfigProblem::new(
                "discord.requests_per_second",
                format!(
                    "`discord.requests_per_second` = {} must be from 1 to 50 (Discord's global \
                     limit); e.g. 47",
                    discord.requests_per_second
                ),
            ));
        }
        if discord.total_shards == 0 {
            problems.push(ConfigProblem::new(
                "discord.total_shards",
                "`discord.total_shards` = 0: a bot runs at least 1 shard",
            ));
        } else if discord.first_shard >= discord.total_shards
            || discord.first_shard.saturating_add(discord.shard_count) > discord.total_shards
        {
            problems.push(ConfigProblem::new(
                "discord.first_shard",
                format!(
                    "shards {}..{} (first_shard = {}, shard_count = {}) are not within \
                     total_shards = {}; shards are numbered from 0",
                    discord.first_shard,
                    discord
                        .first_shard
                        .saturating_add(discord.shard_count.max(1)),
                    discord.first_shard,
                    discord.shard_count,
                    discord.total_shards
                ),
            ));
        }
        if let Some(guild) = &discord.command_guild_id {
            if guild.trim().parse::<u64>().is_err() {
                problems.push(ConfigProblem::new(
                    "discord.command_guild_id",
                    format!(
                        "`discord.command_guild_id` = {guild:?} is not a server id; copy it from \
                         Discord (Developer Mode → right-click the server → Copy Server ID)"
                    ),
                ));
            }
        }
    }

    /// The `check-config` report: where the values came from and what they are.
    fn summary(&self, source: Option<&Source>, overrides: &[String]) -> String {
        let defaults = &self.community_defaults;
        let from = match source {
            Some(source) => format!("read {}", source.label),
            None => format!("no config file ({DEFAULT_CONFIG_FILE} not found), built-in defaults"),
        };
        let env = match overrides.len() {
            0 => String::new(),
            1 => format!(" + environment override {}", overrides[0]),
            n => format!(" + {n} environment overrides ({})", overrides.join(", ")),
        };
        let lengths: Vec<String> = defaults
            .allowed_lengths_minutes
            .iter()
            .map(|m| m.to_string())
            .collect();
        let worker = match &self.runner.worker_id {
            Some(id) => format!("{id:?}"),
            None => "hostname-pid (automatic)".to_string(),
        };
        let mut out = format!("config OK: {from}{env}\n");
        out.push_str(&format!(
            "  database: {}, up to {} connections\n",
            self.database.redacted_url(),
            self.database.max_connections
        ));
        out.push_str(&format!(
            "  sessions: {} minutes, bookable from {} to {} ahead; cancelling within {} of the \
             start is late\n",
            lengths.join(", "),
            defaults.booking_cutoff,
            defaults.booking_horizon,
            defaults.late_cancel_window
        ));
        out.push_str(&format!(
            "  lifecycle: reminder {} before, matching {} before, attendance check {} after the \
             start, rooms close {} after the end\n",
            defaults.reminder_lead,
            defaults.prepare_lead,
            defaults.attendance_grace,
            defaults.close_delay
        ));
        out.push_str(&format!(
            "  matching: partners from the last {} days are avoided; default time zone {}\n",
            defaults.recent_repeat_days, defaults.default_time_zone
        ));
        out.push_str(&format!(
            "  runner: worker id {worker}, job lease {}, idle sleep up to {}, retry after {}\n",
            self.runner.job_lease, self.runner.max_idle_sleep, self.runner.retry_delay
        ));
        out.push_str(&format!("  shell: community {:?}", self.shell.community));
        if self.discord.is_configured() {
            let (first, last, total) = self.discord.shard_range();
            out.push_str(&format!(
                "\n  discord: REST {}{}, shards {first}..={last} of {total}, {} requests/s, commands {}",
                self.discord.api_base_url,
                if self.discord.use_serenity_ratelimiter { " (serenity rate limiter on)" } else { " (cofocus pacing only)" },
                self.discord.requests_per_second,
                self.discord.command_guild_id.as_deref().map_or("global".to_string(), |guild| format!("in guild {guild}"))
            ));
        }
        if self.matrix.is_configured() {
            let login = if self.matrix.access_token.is_some() {
                "access token"
            } else {
                "password"
            };
            out.push_str(&format!(
                "\n  matrix: {} on {} (login by {login}), store {}, call widget {}",
                self.matrix.user_id,
                self.matrix.homeserver_url,
                self.matrix.store_path,
                self.matrix
                    .element_call_url
                    .as_deref()
                    .unwrap_or(&self.matrix.jitsi_domain)
            ));
        }
        out
    }
}

/// What `cofocus check-config` prints: loads exactly like [`Config::load`] and summarises.
pub fn check_config(path: Option<&Path>) -> Result<String, ConfigError> {
    let source = read_source(path)?;
    let env = read_env(process_env());
    let overrides: Vec<String> = env.names.values().cloned().collect();
    let config = build(source.as_ref(), env)?;
    Ok(config.summary(source.as_ref(), &overrides))
}

fn read_source(path: Option<&Path>) -> Result<Option<Source>, ConfigError> {
    let (path, required) = match path {
        Some(path) => (path.to_path_buf(), true),
        None => (PathBuf::from(DEFAULT_CONFIG_FILE), false),
    };
    if !required && !path.exists() {
        return Ok(None);
    }
    let label = format!("config file `{}`", path.display());
    match std::fs::read_to_string(&path) {
        Ok(text) => Ok(Some(Source { label, text })),
        Err(error) => {
            let why = match error.kind() {
                std::io::ErrorKind::NotFound => "it does not exist".to_string(),
                std::io::ErrorKind::InvalidData => "it is not UTF-8 text".to_string(),
                _ => error.to_string(),
            };
            Err(ConfigProblem::new("", format!("cannot read {label}: {why}")).into())
        }
    }
}

/// The process's `COFOCUS_*` variables; non-UTF-8 values become problems.
fn process_env() -> Vec<Result<(String, String), ConfigProblem>> {
    std::env::vars_os()
        .filter_map(|(name, value)| {
            let name = name.into_string().ok()?;
            if !has_prefix(&name) {
                return None;
            }
            Some(match value.into_string() {
                Ok(value) => Ok((name, value)),
                Err(_) => Err(ConfigProblem::new(
                    "",
                    format!("environment variable `{name}` is not valid UTF-8 text"),
                )),
            })
        })
        .collect()
}

fn has_prefix(name: &str) -> bool {
    name.len() >= ENV_PREFIX.len()
        && name.is_char_boundary(ENV_PREFIX.len())
        && name[..ENV_PREFIX.len()].eq_ignore_ascii_case(ENV_PREFIX)
}

fn read_env(vars: Vec<Result<(String, String), ConfigProblem>>) -> EnvInput {
    let mut input = EnvInput {
        dict: Dict::new(),
        names: BTreeMap::new(),
        problems: Vec::new(),
    };
    for var in vars {
        let (name, value) = match var {
            Ok(pair) => pair,
            Err(problem) => {
                input.problems.push(problem);
                continue;
            }
        };
        if !has_prefix(&name) {
            continue;
        }
        let rest = name[ENV_PREFIX.len()..].to_ascii_lowercase();
        if !rest.contains(ENV_SEPARATOR) {
            // Not configuration, unless it is a setting with one underscore too few.
            for section in SCHEMA {
                for field in section.fields {
                    if rest == format!("{}_{}", section.name, field.name) {
                        input.problems.push(ConfigProblem::new(
                            format!("{}.{}", section.name, field.name),
                            format!(
                                "environment variable `{name}` is not read; did you mean `{}` \
                                 (two underscores between section and key)?",
                                env_name(section.name, field.name)
                            ),
                        ));
                    }
                }
            }
            continue;
        }
        let parts: Vec<&str> = rest.split(ENV_SEPARATOR).collect();
        if parts.len() != 2 || parts.iter().any(|part| part.is_empty()) {
            input.problems.push(ConfigProblem::new(
                "",
                format!(
                    "environment variable `{name}` does not name a setting; write \
                     {ENV_PREFIX}<SECTION>{ENV_SEPARATOR}<KEY>, e.g. {}",
                    env_name("database", "url")
                ),
            ));
            continue;
        }
        let (section_name, key) = (parts[0], parts[1]);
        let value = match schema_field(section_name, key).map(|field| field.kind) {
            Some(FieldKind::Count) | Some(FieldKind::Days) | Some(FieldKind::Flag) => value
                .trim()
                .parse::<Value>()
                .unwrap_or_else(|never| match never {}),
            Some(FieldKind::Minutes) | Some(FieldKind::TextList) => parse_env_list(&value),
            _ => Value::from(value),
        };
        let entry = input
            .dict
            .entry(section_name.to_string())
            .or_insert_with(|| Value::from(Dict::new()));
        if let Value::Dict(_, section_dict) = entry {
            section_dict.insert(key.to_string(), value);
        }
        input.names.insert(format!("{section_name}.{key}"), name);
    }
    input
}

/// `25,50`, `25 50` or `[25, 50]`; items that are not numbers stay strings (and get reported).
fn parse_env_list(text: &str) -> Value {
    let text = text.trim();
    if text.starts_with('[') {
        return text.parse::<Value>().unwrap_or_else(|never| match never {});
    }
    let items: Vec<Value> = text
        .split(|c: char| c == ',' || c.is_whitespace())
        .filter(|item| !item.is_empty())
        .map(|item| item.parse::<Value>().unwrap_or_else(|never| match never {}))
        .collect();
    Value::from(items)
}

fn build(source: Option<&Source>, env: EnvInput) -> Result<Config, ConfigError> {
    let EnvInput {
        dict,
        names,
        mut problems,
    } = env;
    let mut figment = Figment::new();
    if let Some(source) = source {
        figment = figment.merge(Toml::string(&source.text));
    }
    figment = figment.merge(EnvOverrides(dict));

    let mut value = match figment.extract::<Value>() {
        Ok(value) => value,
        Err(error) => {
            let label = source.map_or("the configuration", |s| s.label.as_str());
            problems.extend(error.into_iter().map(|e| provider_problem(&e, label)));
            return Err(ConfigError { problems });
        }
    };
    problems.extend(remove_unknown_keys(&mut value, &names));
    let config = deserialize_collecting(&mut value, &names, &mut problems);
    if let Some(config) = &config {
        problems.extend(config.validate());
    }
    match config {
        Some(config) if problems.is_empty() => Ok(config),
        _ => {
            if problems.is_empty() {
                problems.push(ConfigProblem::new(
                    "",
                    "the configuration could not be read",
                ));
            }
            Err(ConfigError { problems })
        }
    }
}

/// A provider failed: in practice the TOML does not parse.
fn provider_problem(error: &figment::Error, label: &str) -> ConfigProblem {
    match &error.kind {
        figment::error::Kind::Message(message) if message.contains("TOML parse error") => {
            ConfigProblem::new(
                "",
                format!("{label} is not valid TOML{}", condense_toml_error(message)),
            )
        }
        kind => ConfigProblem::new(
            "",
            format!("{label} could not be read: {}", one_line(&kind.to_string())),
        ),
    }
}

/// "TOML parse error at line 1, column 3\n  |\n1 | [a\n  |   ^\ninvalid table header\n…" becomes
/// " at line 1, column 3: invalid table header; …".
fn condense_toml_error(message: &str) -> String {
    let mut position = String::new();
    let mut details = Vec::new();
    for line in message.lines() {
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with('|') {
            continue;
        }
        if let Some((number, _)) = trimmed.split_once('|') {
            let number = number.trim();
            if !number.is_empty() && number.chars().all(|c| c.is_ascii_digit()) {
                continue; // the quoted source line
            }
        }
        if let Some(at) = trimmed.strip_prefix("TOML parse error at ") {
            position = format!(" at {at}");
        } else {
            details.push(trimmed.to_string());
        }
    }
    if details.is_empty() {
        position
    } else {
        format!("{position}: {}", details.join("; "))
    }
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Reports and removes every unknown section and key, so all of them are reported at once.
fn remove_unknown_keys(
    value: &mut Value,
    env_names: &BTreeMap<String, String>,
) -> Vec<ConfigProblem> {
    let mut problems = Vec::new();
    let Value::Dict(_, top) = value else {
        return problems;
    };
    let top_keys: Vec<String> = top.keys().cloned().collect();
    for top_key in top_keys {
        match section(&top_key) {
            None => {
                if let Some(unknown) = top.remove(&top_key) {
                    problems.extend(unknown_top_level(&top_key, &unknown, env_names));
                }
            }
            Some(section) => {
                if let Some(Value::Dict(_, keys)) = top.get_mut(&top_key) {
                    let names: Vec<String> = keys.keys().cloned().collect();
                    for name in names {
                        if section.field(&name).is_none() {
                            keys.remove(&name);
                            problems.push(unknown_key(section, &name, env_names));
                        }
                    }
                }
                // A section that is not a table is reported by the deserializer.
            }
        }
    }
    problems
}

fn unknown_key(
    section: &Section,
    name: &str,
    env_names: &BTreeMap<String, String>,
) -> ConfigProblem {
    let dotted = format!("{}.{name}", section.name);
    let suggestion = closest(name, section.fields.iter().map(|f| f.name));
    let message = match (env_names.get(&dotted), suggestion) {
        (Some(var), Some(good)) => format!(
            "environment variable `{var}` is not a setting: [{}] has no key `{name}`; did you mean `{}`?",
            section.name,
            env_name(section.name, good)
        ),
        (Some(var), None) => format!(
            "environment variable `{var}` is not a setting: [{}] has no key `{name}`; its keys are {}",
            section.name,
            key_list(section)
        ),
        (None, Some(good)) => {
            format!("unknown key `{name}` in [{}]; did you mean `{good}`?", section.name)
        }
        (None, None) => format!(
            "unknown key `{name}` in [{}]; its keys are {}",
            section.name,
            key_list(section)
        ),
    };
    ConfigProblem::new(dotted, message)
}

fn key_list(section: &Section) -> String {
    section
        .fields
        .iter()
        .map(|f| format!("`{}`", f.name))
        .collect::<Vec<_>>()
        .join(", ")
}

fn unknown_top_level(
    name: &str,
    value: &Value,
    env_names: &BTreeMap<String, String>,
) -> Vec<ConfigProblem> {
    let mut problems = Vec::new();
    let section_suggestion = closest(name, SCHEMA.iter().map(|s| s.name));
    let mut from_file = !matches!(value, Value::Dict(_, keys) if !keys.is_empty());
    if let Value::Dict(_, keys) = value {
        for key in keys.keys() {
            let dotted = format!("{name}.{key}");
            let Some(var) = env_names.get(&dotted) else {
                from_file = true;
                continue;
            };
            let hint = match section_suggestion {
                Some(good) if schema_field(good, key).is_some() => {
                    format!("; did you mean `{}`?", env_name(good, key))
                }
                Some(good) => format!("; did you mean section `{}`?", good.to_ascii_uppercase()),
                None => format!("; the sections are {}", section_list()),
            };
            problems.push(ConfigProblem::new(
                dotted,
                format!("environment variable `{var}` is not a setting: there is no section [{name}]{hint}"),
            ));
        }
    }
    if !from_file {
        return problems;
    }
    let message = if matches!(value, Value::Dict(..)) {
        match section_suggestion {
            Some(good) => format!("unknown section [{name}]; did you mean [{good}]?"),
            None => format!(
                "unknown section [{name}]; the sections are {}",
                section_list()
            ),
        }
    } else if let Some(home) = SCHEMA.iter().find(|s| s.field(name).is_some()) {
        format!(
            "`{name}` must go inside its section: write it below [{}]",
            home.name
        )
    } else {
        let all_keys = SCHEMA
            .iter()
            .flat_map(|s| s.fields.iter().map(move |f| (s.name, f.name)));
        let candidates: Vec<(&str, &str)> = all_keys.collect();
        match closest(name, candidates.iter().map(|(_, key)| *key)) {
            Some(good) => {
                let home = candidates
                    .iter()
                    .find(|(_, key)| *key == good)
                    .map_or("", |(s, _)| *s);
                format!("unknown top-level key `{name}`; did you mean `{good}` in [{home}]?")
            }
            None => format!(
                "unknown top-level key `{name}`; settings go inside the sections {}",
                section_list()
            ),
        }
    };
    problems.push(ConfigProblem::new(name, message));
    problems
}

/// Deserializes, turning each figment error into a plain problem and dropping the offending key
/// (so its default applies) until the rest deserializes. `None` only if that never happens.
fn deserialize_collecting(
    value: &mut Value,
    env_names: &BTreeMap<String, String>,
    problems: &mut Vec<ConfigProblem>,
) -> Option<Config> {
    let max_rounds = SCHEMA.iter().map(|s| s.fields.len() + 1).sum::<usize>() + 4;
    for _ in 0..max_rounds {
        let error = match value.deserialize::<Config>() {
            Ok(config) => return Some(config),
            Err(error) => error,
        };
        let mut removed_any = false;
        for error in error {
            let path: Vec<String> = error.path.iter().take(2).cloned().collect();
            let found = find_at(value, &path).map(render_value);
            problems.push(type_problem(&error, &path, found, env_names));
            removed_any |= remove_at(value, &path);
        }
        if !removed_any {
            return None;
        }
    }
    None
}

fn find_at<'a>(value: &'a Value, path: &[String]) -> Option<&'a Value> {
    let mut current = value;
    for key in path {
        match current {
            Value::Dict(_, dict) => current = dict.get(key)?,
            _ => return None,
        }
    }
    Some(current)
}

fn remove_at(value: &mut Value, path: &[String]) -> bool {
    let Some((last, parents)) = path.split_last() else {
        return false;
    };
    let mut current = value;
    for key in parents {
        match current {
            Value::Dict(_, dict) => match dict.get_mut(key) {
                Some(next) => current = next,
                None => return false,
            },
            _ => return false,
        }
    }
    match current {
        Value::Dict(_, dict) => dict.remove(last).is_some(),
        _ => false,
    }
}

fn type_problem(
    error: &figment::Error,
    path: &[String],
    found: Option<String>,
    env_names: &BTreeMap<String, String>,
) -> ConfigProblem {
    use figment::error::Kind;
    let dotted = path.join(".");
    let shown = found.unwrap_or_else(|| match &error.kind {
        Kind::InvalidType(actual, _) | Kind::InvalidValue(actual, _) => actual.to_string(),
        _ => "this value".to_string(),
    });
    let from_env = env_names
        .get(&dotted)
        .map(|var| format!(" (set by environment variable `{var}`)"))
        .unwrap_or_default();

    if let Kind::UnknownField(name, _) = &error.kind {
        // Normally caught earlier by `remove_unknown_keys`; kept as a safety net.
        let message = match path.first().and_then(|s| section(s)) {
            Some(section) if path.len() == 2 => return unknown_key(section, name, env_names),
            _ => format!("unknown key `{dotted}`"),
        };
        return ConfigProblem::new(dotted, message);
    }

    let message = match path {
        [section_name] if section(section_name).is_some() => format!(
            "`{section_name}` = {shown} is not a section; write [{section_name}] on a line of its \
             own and put its keys below it"
        ),
        [section_name, key] => match schema_field(section_name, key) {
            Some(field) => field_type_message(field, &dotted, &shown, &error.kind),
            None => format!("`{dotted}`: {}", one_line(&error.kind.to_string())),
        },
        _ => format!("`{dotted}`: {}", one_line(&error.kind.to_string())),
    };
    ConfigProblem::new(dotted, format!("{message}{from_env}"))
}

fn field_type_message(
    field: &Field,
    dotted: &str,
    shown: &str,
    kind: &figment::error::Kind,
) -> String {
    let (name, example) = (field.name, field.example);
    let out_of_range = matches!(
        kind,
        figment::error::Kind::InvalidValue(
            figment::error::Actual::Signed(_) | figment::error::Actual::Unsigned(_),
            _
        )
    );
    match field.kind {
        FieldKind::Duration => {
            format!("`{dotted}` = {shown} is not a duration; write e.g. \"10m\" or \"1h 30m\"")
        }
        FieldKind::Text | FieldKind::OptionalText => {
            format!("`{dotted}` = {shown} is not text; put it in quotes, e.g. {name} = {example}")
        }
        FieldKind::Count if out_of_range => format!(
            "`{dotted}` = {shown} is out of range; write a whole number from 0 to {}, e.g. {name} = {example}",
            u32::MAX
        ),
        FieldKind::Count => {
            format!("`{dotted}` = {shown} is not a whole number; write e.g. {name} = {example}")
        }
        FieldKind::Days => format!(
            "`{dotted}` = {shown} is not a whole number of days; write e.g. {name} = {example}"
        ),
        FieldKind::Minutes => format!(
            "`{dotted}` = {shown} is not a list of whole minutes; write e.g. {name} = {example}"
        ),
        FieldKind::TextList => format!(
            "`{dotted}` = {shown} is not a list of texts; write e.g. {name} = {example}"
        ),
        FieldKind::Flag => {
            format!("`{dotted}` = {shown} is not true or false; write e.g. {name} = {example}")
        }
    }
}

const TOML_DATETIME: &str = "$__toml_private_datetime";

/// A TOML-like rendering of a value for messages, cut short when long.
fn render_value(value: &Value) -> String {
    fn render(value: &Value) -> String {
        match value {
            Value::String(_, text) => format!("{text:?}"),
            Value::Char(_, c) => format!("{:?}", c.to_string()),
            Value::Bool(_, b) => b.to_string(),
            Value::Num(_, num) => match num.to_actual() {
                figment::error::Actual::Unsigned(n) => n.to_string(),
                figment::error::Actual::Signed(n) => n.to_string(),
                figment::error::Actual::Float(n) => n.to_string(),
                other => other.to_string(),
            },
            Value::Empty(..) => "nothing".to_string(),
            Value::Array(_, items) => {
                format!(
                    "[{}]",
                    items.iter().map(render).collect::<Vec<_>>().join(", ")
                )
            }
            Value::Dict(_, dict) if dict.is_empty() => "{}".to_string(),
            // How figment carries a TOML date-time.
            Value::Dict(_, dict) if dict.len() == 1 && dict.contains_key(TOML_DATETIME) => dict
                .get(TOML_DATETIME)
                .map_or_else(String::new, |inner| match inner {
                    Value::String(_, text) => text.clone(),
                    other => render(other),
                }),
            Value::Dict(_, dict) => format!(
                "{{ {} }}",
                dict.iter()
                    .map(|(k, v)| format!("{k} = {}", render(v)))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }
    }
    let text = one_line(&render(value));
    const LIMIT: usize = 80;
    if text.chars().count() > LIMIT {
        let cut: String = text.chars().take(LIMIT).collect();
        format!("{cut}…")
    } else {
        text
    }
}

// ---------------------------------------------------------------------------------------------
// Messages and suggestions
// ---------------------------------------------------------------------------------------------

fn too_long_problem(key: &str, duration: HumanDuration) -> ConfigProblem {
    ConfigProblem::new(
        key,
        format!("`{key}` = \"{duration}\" is more than a year; that cannot be right"),
    )
}

fn time_zone_problem(zone: &str) -> ConfigProblem {
    let key = "community_defaults.default_time_zone";
    let message = if zone.trim().is_empty() {
        format!("`{key}` is empty; write an IANA time zone name, e.g. \"UTC\" or \"Europe/Berlin\"")
    } else {
        match suggest_time_zone(zone) {
            // POSIX signs: Etc/GMT+2 is two hours *behind* UTC, a classic trap.
            Some(good) if good.starts_with("Etc/GMT") && good.len() > "Etc/GMT".len() => format!(
                "`{key}` = {zone:?} is not a known time zone; did you mean \"{good}\"? (careful: \
                 in \"Etc/GMT+N\" names the sign is reversed, \"Etc/GMT+2\" is UTC-2; a city \
                 name like \"Europe/Berlin\" is clearer)"
            ),
            Some(good) => format!(
                "`{key}` = {zone:?} is not a known time zone; did you mean \"{good}\"? \
                 (IANA names like \"Europe/Berlin\" or \"UTC\")"
            ),
            None => format!(
                "`{key}` = {zone:?} is not a known time zone; write an IANA name like \
                 \"Europe/Berlin\", \"America/New_York\" or \"UTC\""
            ),
        }
    };
    ConfigProblem::new(key, message)
}

/// The closest candidate by edit distance (case-insensitive), if close enough to be a typo.
fn closest<'a>(input: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let input = input.to_ascii_lowercase();
    let mut best: Option<(f64, &'a str)> = None;
    for candidate in candidates {
        let lower = candidate.to_ascii_lowercase();
        let mut score = strsim::normalized_damerau_levenshtein(&input, &lower);
        if input.len() >= 3 && (lower.contains(&input) || input.contains(&lower)) {
            score = score.max(0.5);
        }
        if best.is_none_or(|(best_score, _)| score > best_score) {
            best = Some((score, candidate));
        }
    }
    best.filter(|(score, _)| *score >= 0.5)
        .map(|(_, candidate)| candidate)
}

/// The closest IANA name: same name in another case, then same city, then by edit distance.
fn suggest_time_zone(input: &str) -> Option<&'static str> {
    let wanted = input.trim().replace(' ', "_").to_ascii_lowercase();
    if wanted.is_empty() {
        return Some("UTC");
    }
    // Common abbreviations that are not zone names themselves.
    const ABBREVIATIONS: &[(&str, &str)] = &[
        ("pst", "America/Los_Angeles"),
        ("pdt", "America/Los_Angeles"),
        ("mdt", "America/Denver"),
        ("cst", "America/Chicago"),
        ("cdt", "America/Chicago"),
        ("edt", "America/New_York"),
        ("bst", "Europe/London"),
        ("cest", "Europe/Berlin"),
        ("eest", "Europe/Athens"),
        ("ist", "Asia/Kolkata"),
        ("jst", "Asia/Tokyo"),
        ("kst", "Asia/Seoul"),
        ("aest", "Australia/Sydney"),
        ("aedt", "Australia/Sydney"),
        ("nzst", "Pacific/Auckland"),
        ("nzdt", "Pacific/Auckland"),
    ];
    if let Some((_, zone)) = ABBREVIATIONS
        .iter()
        .find(|(abbreviation, _)| *abbreviation == wanted)
    {
        return Some(zone);
    }
    let names = || chrono_tz::TZ_VARIANTS.iter().map(|zone| zone.name());
    let city = |name: &str| name.rsplit('/').next().unwrap_or(name).to_ascii_lowercase();
    if let Some(exact) = names().find(|name| name.eq_ignore_ascii_case(&wanted)) {
        return Some(exact);
    }
    let wanted_city = city(&wanted);
    if let Some(same_city) = names().find(|name| name.contains('/') && city(name) == wanted_city) {
        return Some(same_city);
    }
    let mut best: Option<(f64, &'static str)> = None;
    for name in names() {
        let full = strsim::normalized_damerau_levenshtein(&wanted, &name.to_ascii_lowercase());
        let by_city = strsim::normalized_damerau_levenshtein(&wanted_city, &city(name)) * 0.95;
        let score = full.max(by_city);
        if best.is_none_or(|(best_score, _)| score > best_score) {
            best = Some((score, name));
        }
    }
    best.filter(|(score, _)| *score >= 0.4)
        .map(|(_, name)| name)
}

fn join_and(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

/// Replaces the password in `scheme://user:password@host/…` with `***`.
fn redact_url(url: &str) -> String {
    let Some(scheme_end) = url.find("://") else {
        return url.to_string();
    };
    let rest_start = scheme_end + 3;
    let rest = &url[rest_start..];
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = &rest[..authority_end];
    let Some(at) = authority.rfind('@') else {
        return url.to_string();
    };
    let user_info = &authority[..at];
    let Some(colon) = user_info.find(':') else {
        return url.to_string();
    };
    format!(
        "{}{}:***{}",
        &url[..rest_start],
        &user_info[..colon],
        &url[rest_start + at..]
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The schema must name exactly the serde fields, or suggestions and messages drift.
    #[test]
    fn schema_matches_serde_fields() {
        let expected_of = |toml: &str| -> Vec<String> {
            let error = Figment::from(Toml::string(toml))
                .extract::<Config>()
                .unwrap_err();
            match error.kind {
                figment::error::Kind::UnknownField(_, expected) => {
                    expected.iter().map(|s| s.to_string()).collect()
                }
                other => panic!("unexpected {other:?}"),
            }
        };
        let sections: Vec<String> = SCHEMA.iter().map(|s| s.name.to_string()).collect();
        assert_eq!(expected_of("zzz = 1"), sections);
        for section in SCHEMA {
            let fields: Vec<String> = section.fields.iter().map(|f| f.name.to_string()).collect();
            assert_eq!(
                expected_of(&format!("[{}]\nzzz = 1", section.name)),
                fields,
                "[{}]",
                section.name
            );
        }
    }

    #[test]
    fn schema_examples_are_valid() {
        for section in SCHEMA {
            for field in section.fields {
                let toml = format!("[{}]\n{} = {}", section.name, field.name, field.example);
                assert!(
                    Figment::from(Toml::string(&toml))
                        .extract::<Config>()
                        .is_ok(),
                    "{toml}"
                );
            }
        }
    }

    #[test]
    fn redacts_passwords() {
        assert_eq!(
            redact_url("postgres://bot:s3cret@db:5432/cofocus"),
            "postgres://bot:***@db:5432/cofocus"
        );
        assert_eq!(
            redact_url("postgres://bot@db/cofocus"),
            "postgres://bot@db/cofocus"
        );
        assert_eq!(
            redact_url("sqlite://cofocus.sqlite"),
            "sqlite://cofocus.sqlite"
        );
        assert_eq!(
            redact_url("postgres://db/x?password=a@b"),
            "postgres://db/x?password=a@b"
        );
    }

    #[test]
    fn suggests_time_zones() {
        assert_eq!(suggest_time_zone("Europe/Berln"), Some("Europe/Berlin"));
        assert_eq!(suggest_time_zone("europe/berlin"), Some("Europe/Berlin"));
        assert_eq!(suggest_time_zone("New York"), Some("America/New_York"));
        assert_eq!(
            suggest_time_zone("Amercia/Chicago"),
            Some("America/Chicago")
        );
    }

    #[test]
    fn condenses_toml_errors() {
        let raw = "TOML parse error at line 1, column 3\n  |\n1 | [a\n  |   ^\ninvalid table header\nexpected `.`, `]`\n";
        assert_eq!(
            condense_toml_error(raw),
            " at line 1, column 3: invalid table header; expected `.`, `]`"
        );
    }
}
