//! From the merged figment value to a [`Config`]: unknown sections and keys and values of the
//! wrong type are each turned into a plain [`ConfigProblem`] instead of stopping at the first.

use std::collections::BTreeMap;

use figment::value::Value;

use super::messages::{closest, one_line, redact_url};
use super::schema::{
    env_name, schema_field, section, section_list, Field, FieldKind, Section, SCHEMA,
};
use super::{Config, ConfigProblem};

/// Reports and removes every unknown section and key, so all of them are reported at once.
pub(super) fn remove_unknown_keys(
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
pub(super) fn deserialize_collecting(
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
            let found = if is_secret(&path) {
                Some(HIDDEN_VALUE.to_string())
            } else {
                find_at(value, &path).map(render_value)
            };
            problems.push(type_problem(&error, &path, found, env_names));
            removed_any |= remove_at(value, &path);
        }
        if !removed_any {
            return None;
        }
    }
    None
}

/// What a problem shows instead of a credential's value.
const HIDDEN_VALUE: &str = "(value not shown)";

/// A password or token key: whatever was written there is never echoed, right type or not.
fn is_secret(path: &[String]) -> bool {
    match path {
        [section_name, key] => {
            schema_field(section_name, key).is_some_and(|field| field.kind == FieldKind::Secret)
        }
        _ => false,
    }
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
        _ if is_secret(path) => HIDDEN_VALUE.to_string(),
        Kind::InvalidType(actual, _) | Kind::InvalidValue(actual, _) => actual.to_string(),
        _ => "this value".to_string(),
    });
    // A URL written where it does not belong may carry credentials.
    let shown = redact_url(&shown);
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
            None => format!(
                "`{dotted}`: {}",
                redact_url(&one_line(&error.kind.to_string()))
            ),
        },
        _ => format!(
            "`{dotted}`: {}",
            redact_url(&one_line(&error.kind.to_string()))
        ),
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
        FieldKind::Text | FieldKind::OptionalText | FieldKind::Secret => {
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
