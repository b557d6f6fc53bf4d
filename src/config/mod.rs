//! Configuration: built-in defaults < a TOML file < `FOCUSFOLK_*` environment variables.
//!
//! * The file is the one given with `--config`, or else `focusfolk.toml` in the working
//!   directory when it exists (running with no file at all is fine: everything has a default).
//! * An environment variable `FOCUSFOLK_<SECTION>__<KEY>` (two underscores between section and
//!   key) overrides `<key>` in `[<section>]`, e.g. `FOCUSFOLK_DATABASE__URL`,
//!   `FOCUSFOLK_COMMUNITY_DEFAULTS__REMINDER_LEAD`. Lists may be written `25,50` or `[25, 50]`.
//!   `FOCUSFOLK_*` variables without `__` are not configuration (other tools may use the prefix),
//!   unless they look exactly like a setting with one underscore too few, which is reported.
//!
//! Loading never stops at the first mistake: unknown keys (with a "did you mean"), values of
//! the wrong type, and values that make no sense together are all collected into one
//! [`ConfigError`], one plain-English [`ConfigProblem`] per line. Nothing here panics on any
//! input.

use std::time::Duration;

mod chores;
mod community_setting;
mod duration;
mod extract;
mod http;
mod load;
mod messages;
mod problems;
mod schema;
mod sections;
mod validate;

pub use chores::ChoresConfig;
pub use community_setting::community_settings_with;
pub use duration::HumanDuration;
pub use http::{HttpConfig, DEFAULT_HTTP_LISTEN};
pub use load::check_config;
pub use problems::{ConfigError, ConfigProblem};
pub use sections::{
    CommunityDefaults, Config, DatabaseConfig, DiscordConfig, LimitsConfig, MatrixConfig,
    RunnerConfig, ShellConfig, DISCORD_API_BASE,
};

/// Prefix of the environment variables that override the file.
pub const ENV_PREFIX: &str = "FOCUSFOLK_";
/// Separator between section and key in an environment variable name.
pub const ENV_SEPARATOR: &str = "__";
/// The file read when no path is given, if it exists in the working directory.
pub const DEFAULT_CONFIG_FILE: &str = "focusfolk.toml";

/// Nothing configurable may be longer than this; it keeps date arithmetic far from overflow.
const MAX_DURATION: Duration = Duration::from_secs(366 * 24 * 60 * 60);
const MAX_REPEAT_DAYS: i64 = 366;
/// More effects in flight than this only piles requests up behind the platforms' rate limits.
const MAX_EFFECTS_IN_FLIGHT: u32 = 256;
/// A member's command burst: more than this is no limit at all.
const MAX_COMMAND_BURST: u32 = 1000;
/// One command per hour is already more than any person waits for.
const MAX_COMMAND_INTERVAL: Duration = Duration::from_secs(60 * 60);
/// Far beyond a member's real use (20 by default); the cap is against floods.
const MAX_FUTURE_BOOKINGS: u32 = 10_000;
