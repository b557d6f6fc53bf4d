//! Loading: reading the file and the `FOCUSFOLK_*` environment, merging them over the defaults,
//! and the `check-config` report.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use figment::providers::{Format, Toml};
use figment::value::{Dict, Map, Value};
use figment::{Figment, Metadata, Profile, Provider};

use super::extract::{deserialize_collecting, remove_unknown_keys};
use super::messages::one_line;
use super::schema::{env_name, schema_field, FieldKind, SCHEMA};
use super::{Config, ConfigError, ConfigProblem, DEFAULT_CONFIG_FILE, ENV_PREFIX, ENV_SEPARATOR};

/// The TOML text and how to name it in messages.
struct Source {
    label: String,
    text: String,
}

/// `FOCUSFOLK_*` variables turned into a nested dict, and which variable set which key.
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
    /// Defaults < the TOML file < `FOCUSFOLK_*` environment variables, then [`Config::validate`].
    ///
    /// With `Some(path)` the file must exist; with `None`, `focusfolk.toml` in the working
    /// directory is read when present. All problems found are returned together.
    pub fn load(path: Option<&Path>) -> Result<Config, ConfigError> {
        let source = read_source(path)?;
        let env = read_env(process_env());
        build(source.as_ref(), env)
    }

    /// Like [`Config::load`] but from a TOML string and the given environment pairs (full names,
    /// e.g. `("FOCUSFOLK_DATABASE__URL", "sqlite::memory:")`; names without the prefix are
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
        out.push_str(&format!(
            "  limits: {} commands at once per member, then one every {}; at most {} upcoming \
             bookings per member\n",
            self.limits.command_burst,
            self.limits.command_interval,
            self.limits.max_future_bookings
        ));
        out.push_str(&format!(
            "  http: {}\n",
            match self.http.listen_address() {
                Some(address) => format!("health, readiness and metrics on http://{address}"),
                None => "off".to_string(),
            }
        ));
        out.push_str(&format!("  shell: community {:?}", self.shell.community));
        if self.discord.is_configured() {
            let (first, last, total) = self.discord.shard_range();
            out.push_str(&format!(
                "\n  discord: REST {}{}, shards {first}..={last} of {total}, {} requests/s, commands {}",
                self.discord.redacted_api_base_url(),
                if self.discord.use_serenity_ratelimiter { " (serenity rate limiter on)" } else { " (focusfolk pacing only)" },
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
                self.matrix.redacted_homeserver_url(),
                self.matrix.store_path,
                self.matrix.call_widget_summary()
            ));
        }
        out
    }
}

/// What `focusfolk check-config` prints: loads exactly like [`Config::load`] and summarises.
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

/// The process's `FOCUSFOLK_*` variables; non-UTF-8 values become problems.
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

/// `[section]` from `pairs` of key and text, each read the way the environment is (lists as
/// `25,50`, numbers as numbers), loaded and validated like any config, with no mention of the
/// environment in the problems: how `setup` puts an admin's value through the config's own
/// parser and validator.
pub(super) fn build_from_texts(
    section: &str,
    pairs: &[(&str, String)],
) -> Result<Config, ConfigError> {
    let mut env = read_env(
        pairs
            .iter()
            .map(|(key, text)| Ok((env_name(section, key), text.clone())))
            .collect(),
    );
    env.names.clear();
    build(None, env)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn condenses_toml_errors() {
        let raw = "TOML parse error at line 1, column 3\n  |\n1 | [a\n  |   ^\ninvalid table header\nexpected `.`, `]`\n";
        assert_eq!(
            condense_toml_error(raw),
            " at line 1, column 3: invalid table header; expected `.`, `]`"
        );
    }
}
