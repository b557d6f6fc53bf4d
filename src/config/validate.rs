//! Validation: the semantic checks of [`Config::validate`] (types are already right by then),
//! and the conversion of `[community_defaults]` to the core's settings.

use std::time::Duration;

use crate::core::booking_rules::session_length_problems;
use crate::core::model::CommunitySettings;
use crate::core::schedule::MIN_REMINDER_LEAD;

use super::messages::{time_zone_problem, too_long_problem};
use super::{
    Config, ConfigError, ConfigProblem, HumanDuration, MAX_COMMAND_BURST, MAX_COMMAND_INTERVAL,
    MAX_DURATION, MAX_EFFECTS_IN_FLIGHT, MAX_FUTURE_BOOKINGS, MAX_REPEAT_DAYS,
};

impl Config {
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
            session_modes: defaults.session_modes.clone(),
            reliability_tiers: self.reliability_tiers(),
        })
    }

    /// Every semantic problem (types are already right by now). Empty means valid.
    pub fn validate(&self) -> Vec<ConfigProblem> {
        let mut problems = Vec::new();
        self.validate_database(&mut problems);
        self.validate_community_defaults(&mut problems);
        self.validate_runner(&mut problems);
        self.validate_limits(&mut problems);
        self.validate_web(&mut problems);
        self.validate_matrix(&mut problems);
        self.validate_discord(&mut problems);
        self.http.validate(&mut problems);
        self.chores.validate(&mut problems);
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
                "`database.url` is empty; write e.g. url = \"sqlite://focusfolk.sqlite\" or \
                 url = \"postgres://focusfolk:password@localhost/focusfolk\"",
            ));
        } else if !["sqlite:", "postgres:", "postgresql:"]
            .iter()
            .any(|scheme| lower.starts_with(scheme))
        {
            problems.push(ConfigProblem::new(
                "database.url",
                format!(
                    "`database.url` = {:?} is not a database focusfolk can use; the URL must start \
                     with sqlite: (e.g. \"sqlite://focusfolk.sqlite\") or postgres: / postgresql: \
                     (e.g. \"postgres://focusfolk:password@localhost/focusfolk\")",
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

        // Session lengths: the same rule `/setup` applies (core::booking_rules).
        let lengths = &defaults.allowed_lengths_minutes;
        for problem in session_length_problems(lengths) {
            problems.push(ConfigProblem::new(
                &key("allowed_lengths_minutes"),
                format!("`community_defaults.allowed_lengths_minutes` = {lengths:?}: {problem}"),
            ));
        }

        // Session modes: the same rule `setup modes` applies (core::session_choice).
        let modes = &defaults.session_modes;
        for problem in crate::core::session_choice::session_mode_problems(modes) {
            problems.push(ConfigProblem::new(
                key("session_modes"),
                format!("`community_defaults.session_modes` = {modes:?}: {problem}"),
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
        // A reminder at the start is no reminder: see `MIN_REMINDER_LEAD`.
        let min_reminder_lead = MIN_REMINDER_LEAD.to_std().unwrap_or_default();
        if defaults.reminder_lead.0 < min_reminder_lead {
            problems.push(ConfigProblem::new(
                key("reminder_lead"),
                format!(
                    "`community_defaults.reminder_lead` = \"{}\" would remind members as the \
                     session starts, when the \"It's time\" message already tells them their \
                     partner and room; a reminder goes out at least \"{}\" before the start, \
                     e.g. \"10m\" (members who want no reminders turn theirs off with `prefs \
                     reminders off`)",
                    defaults.reminder_lead,
                    HumanDuration(min_reminder_lead)
                ),
            ));
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
        for problem in reliability_tier_problems(defaults) {
            problems.push(problem);
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
            ("shutdown_grace", self.runner.shutdown_grace, "10s"),
        ];
        if !(1..=MAX_EFFECTS_IN_FLIGHT).contains(&self.runner.effects_in_flight) {
            problems.push(ConfigProblem::new(
                "runner.effects_in_flight",
                format!(
                    "`runner.effects_in_flight` = {} must be from 1 to {MAX_EFFECTS_IN_FLIGHT}; \
                     e.g. 16 (the platforms' own rate limits pace the rest)",
                    self.runner.effects_in_flight
                ),
            ));
        }
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

    fn validate_limits(&self, problems: &mut Vec<ConfigProblem>) {
        let limits = &self.limits;
        if !(1..=MAX_COMMAND_BURST).contains(&limits.command_burst) {
            problems.push(ConfigProblem::new(
                "limits.command_burst",
                format!(
                    "`limits.command_burst` = {} must be from 1 to {MAX_COMMAND_BURST}; e.g. 10 \
                     (commands a member may send at once before being asked to slow down)",
                    limits.command_burst
                ),
            ));
        }
        if limits.command_interval.0.is_zero() {
            problems.push(ConfigProblem::new(
                "limits.command_interval",
                "`limits.command_interval` = \"0s\" must be longer than zero; e.g. \"2s\"",
            ));
        } else if limits.command_interval.0 > MAX_COMMAND_INTERVAL {
            problems.push(ConfigProblem::new(
                "limits.command_interval",
                format!(
                    "`limits.command_interval` = \"{}\" is more than an hour; members would \
                     wait that long between commands after a burst; e.g. \"2s\"",
                    limits.command_interval
                ),
            ));
        }
        if !(1..=MAX_FUTURE_BOOKINGS).contains(&limits.max_future_bookings) {
            problems.push(ConfigProblem::new(
                "limits.max_future_bookings",
                format!(
                    "`limits.max_future_bookings` = {} must be from 1 to {MAX_FUTURE_BOOKINGS}; \
                     e.g. 20",
                    limits.max_future_bookings
                ),
            ));
        }
    }

    /// Replies put this address in front of every page and feed link: it must be one.
    fn validate_web(&self, problems: &mut Vec<ConfigProblem>) {
        if let Some(url) = &self.web.public_url {
            let scheme_ok = url.starts_with("https://") || url.starts_with("http://");
            if !scheme_ok || url.contains(char::is_whitespace) || url.contains('?') {
                problems.push(ConfigProblem::new(
                    "web.public_url",
                    format!(
                        "`web.public_url` = {url:?} is not a web address members can open;                          e.g. \"https://focus.example.org\" (no query string)"
                    ),
                ));
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
                    matrix.redacted_homeserver_url()
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
                     user_id = \"@focusfolk:example.org\"",
                    matrix.user_id
                ),
            ));
        }
        let has = |secret: &Option<String>| secret.as_ref().is_some_and(|s| !s.trim().is_empty());
        if !has(&matrix.password) && !has(&matrix.access_token) {
            problems.push(ConfigProblem::new(
                "matrix.password",
                "[matrix] needs `password` or `access_token` to log in; prefer the environment, \
                 e.g. FOCUSFOLK_MATRIX__PASSWORD=…",
            ));
        }
        for (key, value) in [
            ("device_name", &matrix.device_name),
            ("store_path", &matrix.store_path),
        ] {
            if value.trim().is_empty() {
                problems.push(ConfigProblem::new(
                    format!("matrix.{key}"),
                    format!("`matrix.{key}` is empty; remove it to use the default"),
                ));
            }
        }
        if let Some(domain) = &matrix.jitsi_domain {
            if domain.trim().is_empty() {
                problems.push(ConfigProblem::new(
                    "matrix.jitsi_domain",
                    "`matrix.jitsi_domain` is empty; remove it to have no Jitsi server",
                ));
            } else if domain.contains('/') {
                problems.push(ConfigProblem::new(
                    "matrix.jitsi_domain",
                    format!(
                        "`matrix.jitsi_domain` = {domain:?} must be a host name only, e.g. \"jitsi.example.org\""
                    ),
                ));
            }
        }
        if matrix.max_rate_limit_wait.0 > MAX_DURATION {
            problems.push(too_long_problem(
                "matrix.max_rate_limit_wait",
                matrix.max_rate_limit_wait,
            ));
        }
        let prefix = &matrix.command_prefix;
        if prefix.is_empty()
            || prefix.chars().any(char::is_whitespace)
            || prefix.chars().count() > 32
        {
            problems.push(ConfigProblem::new(
                "matrix.command_prefix",
                format!(
                    "`matrix.command_prefix` = {prefix:?} must be one word of at most 32 characters, \
                     e.g. \"!focusfolk\" or \"!focus\" (members can also mention the bot)"
                ),
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
                    discord.redacted_api_base_url()
                ),
            ));
        }
        if discord.is_proxy() && discord.use_serenity_ratelimiter {
            problems.push(ConfigProblem::new(
                "discord.use_serenity_ratelimiter",
                "`discord.use_serenity_ratelimiter` must be false when `discord.api_base_url` is a \
                 proxy: serenity 0.12.5 sends its rate-limited requests to Discord directly, \
                 bypassing the proxy; focusfolk's own pacing keeps the bot within limits",
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
}

/// The reliability tiers must make sense together: percentages, the stricter tier under the
/// looser one, and at least one booking in each (a member must be able to recover).
fn reliability_tier_problems(defaults: &super::CommunityDefaults) -> Vec<ConfigProblem> {
    let mut problems = Vec::new();
    let key = |name: &str| format!("community_defaults.{name}");
    for (name, value) in [
        (
            "reliability_limited_below_percent",
            defaults.reliability_limited_below_percent,
        ),
        (
            "reliability_restricted_below_percent",
            defaults.reliability_restricted_below_percent,
        ),
    ] {
        if value > 100 {
            problems.push(ConfigProblem::new(
                key(name),
                format!("`community_defaults.{name}` = {value} is a percentage: use 0 to 100"),
            ));
        }
    }
    if defaults.reliability_restricted_below_percent > defaults.reliability_limited_below_percent {
        problems.push(ConfigProblem::new(
            key("reliability_restricted_below_percent"),
            format!(
                "`community_defaults.reliability_restricted_below_percent` = {} must not be above \
                 `reliability_limited_below_percent` = {}: the stricter tier is the lower one",
                defaults.reliability_restricted_below_percent,
                defaults.reliability_limited_below_percent
            ),
        ));
    }
    for (name, value) in [
        (
            "reliability_limited_bookings",
            defaults.reliability_limited_bookings,
        ),
        (
            "reliability_restricted_bookings",
            defaults.reliability_restricted_bookings,
        ),
    ] {
        if value == 0 {
            problems.push(ConfigProblem::new(
                key(name),
                format!(
                    "`community_defaults.{name}` = 0 would stop members from booking at all, so \
                     they could never recover; use at least 1"
                ),
            ));
        }
    }
    problems
}

impl Config {
    /// The reliability tiers of `[community_defaults]` as the core's type (assumes a valid
    /// config; `validate` reports the problems).
    pub fn reliability_tiers(&self) -> crate::core::reliability::ReliabilityTiers {
        let defaults = &self.community_defaults;
        crate::core::reliability::ReliabilityTiers {
            limited_below: f64::from(defaults.reliability_limited_below_percent) / 100.0,
            limited_bookings: defaults.reliability_limited_bookings as usize,
            restricted_below: f64::from(defaults.reliability_restricted_below_percent) / 100.0,
            restricted_bookings: defaults.reliability_restricted_bookings as usize,
            min_sessions: defaults.reliability_min_sessions as usize,
        }
    }
}
