//! The schema: every section and key the deserializer knows, with its kind and an example,
//! so messages can explain each key and suggest the one that was meant.

use super::{ENV_PREFIX, ENV_SEPARATOR};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum FieldKind {
    Text,
    OptionalText,
    /// Optional text that is a credential (a password, a token): its value is never echoed.
    Secret,
    Duration,
    Count,
    Days,
    Minutes,
    /// A list of text values, e.g. `["example.org"]`; from the environment `a,b`.
    TextList,
    /// `true` or `false`.
    Flag,
}

pub(super) struct Field {
    pub(super) name: &'static str,
    pub(super) kind: FieldKind,
    /// A valid TOML value, used in "write e.g. …".
    pub(super) example: &'static str,
}

pub(super) struct Section {
    pub(super) name: &'static str,
    pub(super) fields: &'static [Field],
}

impl Section {
    pub(super) fn field(&self, name: &str) -> Option<&'static Field> {
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
pub(super) static SCHEMA: &[Section] = &[
    Section {
        name: "database",
        fields: &[
            field("url", FieldKind::Text, "\"sqlite://focusfolk.sqlite\""),
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
            field(
                "session_modes",
                FieldKind::TextList,
                "[\"quiet\", \"talk\", \"moving\"]",
            ),
            field("reliability_limited_below_percent", FieldKind::Count, "80"),
            field("reliability_limited_bookings", FieldKind::Count, "3"),
            field(
                "reliability_restricted_below_percent",
                FieldKind::Count,
                "50",
            ),
            field("reliability_restricted_bookings", FieldKind::Count, "1"),
            field("reliability_min_sessions", FieldKind::Count, "3"),
        ],
    },
    Section {
        name: "runner",
        fields: &[
            field("worker_id", FieldKind::OptionalText, "\"bot-1\""),
            field("job_lease", FieldKind::Duration, "\"2m\""),
            field("max_idle_sleep", FieldKind::Duration, "\"30s\""),
            field("retry_delay", FieldKind::Duration, "\"20s\""),
            field("effects_in_flight", FieldKind::Count, "16"),
            field("shutdown_grace", FieldKind::Duration, "\"10s\""),
        ],
    },
    Section {
        name: "limits",
        fields: &[
            field("command_burst", FieldKind::Count, "10"),
            field("command_interval", FieldKind::Duration, "\"2s\""),
            field("max_future_bookings", FieldKind::Count, "20"),
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
            field("user_id", FieldKind::Text, "\"@focusfolk:example.org\""),
            field("password", FieldKind::Secret, "\"s3cret\""),
            field("access_token", FieldKind::Secret, "\"syt_…\""),
            field("device_name", FieldKind::Text, "\"focusfolk bot\""),
            field("store_path", FieldKind::Text, "\"matrix-store\""),
            field("allowed_servers", FieldKind::TextList, "[\"example.org\"]"),
            field(
                "allowed_rooms",
                FieldKind::TextList,
                "[\"#focus:example.org\"]",
            ),
            field(
                "jitsi_domain",
                FieldKind::OptionalText,
                "\"jitsi.example.org\"",
            ),
            field(
                "element_call_url",
                FieldKind::OptionalText,
                "\"https://call.example.org\"",
            ),
            field("max_rate_limit_wait", FieldKind::Duration, "\"90s\""),
            field("ignore_commands_older_than", FieldKind::Duration, "\"10m\""),
            field("command_prefix", FieldKind::Text, "\"!focusfolk\""),
        ],
    },
    Section {
        name: "discord",
        fields: &[
            field("token", FieldKind::Secret, "\"MTA…\""),
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
    Section {
        name: "http",
        fields: &[field("listen", FieldKind::Text, "\"127.0.0.1:9090\"")],
    },
    Section {
        name: "chores",
        fields: &[
            field("prune_cron", FieldKind::Text, "\"0 30 3 * * *\""),
            field("digest_cron", FieldKind::Text, "\"0 0 9 * * Mon\""),
            field("keep_effects", FieldKind::Duration, "\"30d\""),
            field("keep_finished_jobs", FieldKind::Duration, "\"30d\""),
            field("keep_attendance", FieldKind::Duration, "\"180d\""),
        ],
    },
    Section {
        name: "web",
        fields: &[field(
            "public_url",
            FieldKind::OptionalText,
            "\"https://focus.example.org\"",
        )],
    },
];

pub(super) fn section(name: &str) -> Option<&'static Section> {
    SCHEMA.iter().find(|section| section.name == name)
}

pub(super) fn schema_field(section_name: &str, key: &str) -> Option<&'static Field> {
    section(section_name).and_then(|section| section.field(key))
}

pub(super) fn env_name(section: &str, key: &str) -> String {
    format!(
        "{ENV_PREFIX}{}{ENV_SEPARATOR}{}",
        section.to_ascii_uppercase(),
        key.to_ascii_uppercase()
    )
}

pub(super) fn section_list() -> String {
    SCHEMA
        .iter()
        .map(|s| format!("[{}]", s.name))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use figment::providers::{Format, Toml};
    use figment::Figment;

    use crate::config::Config;

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
}
