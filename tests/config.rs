//! Config loading: defaults < TOML < FOCUSFOLK_* environment, and plain-word problems.
//!
//! Most cases are rows of one table: a TOML snippet, environment pairs, and either the values
//! expected (by dotted key) or the problems expected (substrings; the count must match too).

use std::time::Duration;

use focusfolk::config::{check_config, Config, ConfigProblem, HumanDuration};
use focusfolk::core::model::CommunitySettings;

const EXAMPLE: &str = include_str!("../config.example.toml");

enum Expect {
    /// (dotted key, value as shown by `shown`) pairs that must hold.
    Values(&'static [(&'static str, &'static str)]),
    /// Each substring is in some problem, and each problem contains one of them.
    Problems(&'static [&'static str]),
}

struct Case {
    name: &'static str,
    toml: &'static str,
    env: &'static [(&'static str, &'static str)],
    expect: Expect,
}

use Expect::{Problems, Values};

const CASES: &[Case] = &[
    Case {
        name: "empty file gives the defaults",
        toml: "",
        env: &[],
        expect: Values(&[
            ("database.url", "sqlite://focusfolk.sqlite"),
            ("database.max_connections", "5"),
            ("community_defaults.allowed_lengths_minutes", "[25, 50, 75]"),
            ("community_defaults.booking_horizon", "14days"),
            ("community_defaults.booking_cutoff", "1m"),
            ("community_defaults.late_cancel_window", "1h"),
            ("community_defaults.reminder_lead", "10m"),
            ("community_defaults.prepare_lead", "2m"),
            ("community_defaults.attendance_grace", "3m"),
            ("community_defaults.close_delay", "5m"),
            ("community_defaults.recent_repeat_days", "7"),
            ("community_defaults.default_time_zone", "UTC"),
            ("community_defaults.session_modes", "[\"quiet\", \"talk\", \"moving\"]"),
            ("runner.worker_id", "None"),
            ("runner.job_lease", "2m"),
            ("runner.max_idle_sleep", "30s"),
            ("runner.retry_delay", "20s"),
            ("runner.shutdown_grace", "10s"),
            ("limits.command_burst", "10"),
            ("limits.command_interval", "2s"),
            ("limits.max_future_bookings", "20"),
            ("shell.community", "demo"),
            ("web.public_url", "None"),
        ]),
    },
    Case {
        name: "the web pages' public address",
        toml: "[web]\npublic_url = \"https://focus.example.org\"\n",
        env: &[],
        expect: Values(&[("web.public_url", "Some(\"https://focus.example.org\")")]),
    },
    Case {
        name: "a public address that is not one",
        toml: "[web]\npublic_url = \"focus.example.org\"\n",
        env: &[],
        expect: Problems(&["`web.public_url` = \"focus.example.org\" is not a web address"]),
    },
    Case {
        name: "reliability tiers that make no sense together",
        toml: "[community_defaults]\nreliability_limited_below_percent = 60\nreliability_restricted_below_percent = 70\nreliability_restricted_bookings = 0\n",
        env: &[("FOCUSFOLK_COMMUNITY_DEFAULTS__RELIABILITY_LIMITED_BELOW_PERCENT", "60")],
        expect: Problems(&[
            "`community_defaults.reliability_restricted_below_percent` = 70 must not be above `reliability_limited_below_percent` = 60",
            "`community_defaults.reliability_restricted_bookings` = 0 would stop members from booking at all",
        ]),
    },
    Case {
        name: "limits from the file and the environment",
        toml: "[limits]\ncommand_burst = 30\ncommand_interval = \"500ms\"\n",
        env: &[("FOCUSFOLK_LIMITS__MAX_FUTURE_BOOKINGS", "50")],
        expect: Values(&[
            ("limits.command_burst", "30"),
            ("limits.command_interval", "500ms"),
            ("limits.max_future_bookings", "50"),
        ]),
    },
    Case {
        name: "limits must leave members something",
        toml: "[limits]\ncommand_burst = 0\ncommand_interval = \"0s\"\nmax_future_bookings = 0\n",
        env: &[],
        expect: Problems(&[
            "`limits.command_burst` = 0 must be from 1 to 1000",
            "`limits.command_interval` = \"0s\" must be longer than zero",
            "`limits.max_future_bookings` = 0 must be from 1 to 10000",
        ]),
    },
    Case {
        name: "limits that are no limits",
        toml: "[limits]\ncommand_burst = 5000\ncommand_interval = \"2h\"\n",
        env: &[("FOCUSFOLK_LIMITS__MAX_FUTURE_BOOKINGS", "20000")],
        expect: Problems(&[
            "`limits.command_burst` = 5000 must be from 1 to 1000",
            "`limits.command_interval` = \"2h\" is more than an hour",
            "`limits.max_future_bookings` = 20000 must be from 1 to 10000",
        ]),
    },
    Case {
        name: "file values replace defaults, the rest stay",
        toml: r#"
            [community_defaults]
            allowed_lengths_minutes = [25, 50]
            reminder_lead = "1h 30m"
            default_time_zone = "Europe/Berlin"
            [shell]
            community = "team"
        "#,
        env: &[],
        expect: Values(&[
            ("community_defaults.allowed_lengths_minutes", "[25, 50]"),
            ("community_defaults.reminder_lead", "1h 30m"),
            ("community_defaults.default_time_zone", "Europe/Berlin"),
            ("community_defaults.prepare_lead", "2m"),
            ("shell.community", "team"),
            ("database.url", "sqlite://focusfolk.sqlite"),
        ]),
    },
    Case {
        name: "environment overrides the file, key by key",
        toml: r#"
            [database]
            url = "sqlite://from-file.sqlite"
            max_connections = 9
            [community_defaults]
            reminder_lead = "5m"
        "#,
        env: &[
            ("FOCUSFOLK_DATABASE__URL", "postgres://bot:secret@db/focusfolk"),
            ("FOCUSFOLK_COMMUNITY_DEFAULTS__REMINDER_LEAD", "15m"),
        ],
        expect: Values(&[
            ("database.url", "postgres://bot:secret@db/focusfolk"),
            ("database.max_connections", "9"),
            ("community_defaults.reminder_lead", "15m"),
        ]),
    },
    Case {
        name: "environment values are read by the key's type",
        toml: "",
        env: &[
            ("FOCUSFOLK_COMMUNITY_DEFAULTS__ALLOWED_LENGTHS_MINUTES", "25,50"),
            ("FOCUSFOLK_DATABASE__MAX_CONNECTIONS", "12"),
            ("FOCUSFOLK_RUNNER__WORKER_ID", "123"),
            ("FOCUSFOLK_COMMUNITY_DEFAULTS__PREPARE_LEAD", "0"),
            ("FOCUSFOLK_COMMUNITY_DEFAULTS__RECENT_REPEAT_DAYS", "0"),
            ("focusfolk_shell__community", "lowercase-works"),
        ],
        expect: Values(&[
            ("community_defaults.allowed_lengths_minutes", "[25, 50]"),
            ("database.max_connections", "12"),
            ("runner.worker_id", "Some(\"123\")"),
            ("community_defaults.prepare_lead", "0s"),
            ("community_defaults.recent_repeat_days", "0"),
            ("shell.community", "lowercase-works"),
        ]),
    },
    Case {
        name: "a bracketed list works in the environment too",
        toml: "",
        env: &[("FOCUSFOLK_COMMUNITY_DEFAULTS__ALLOWED_LENGTHS_MINUTES", "[50, 75]")],
        expect: Values(&[("community_defaults.allowed_lengths_minutes", "[50, 75]")]),
    },
    Case {
        name: "variables that are not ours are ignored",
        toml: "",
        env: &[("DATABASE__URL", "mysql://nope"), ("FOCUSFOLK_LOG", "debug"), ("RUST_LOG", "info")],
        expect: Values(&[("database.url", "sqlite://focusfolk.sqlite")]),
    },
    Case {
        name: "a zero prepare lead and a one-minute reminder lead are allowed",
        toml: "[community_defaults]\nreminder_lead = \"1m\"\nprepare_lead = 0\n",
        env: &[],
        expect: Values(&[
            ("community_defaults.reminder_lead", "1m"),
            ("community_defaults.prepare_lead", "0s"),
        ]),
    },
    Case {
        name: "unknown key with a suggestion",
        toml: "[community_defaults]\nreminder_leed = \"10m\"\n",
        env: &[],
        expect: Problems(&[
            "unknown key `reminder_leed` in [community_defaults]; did you mean `reminder_lead`?",
        ]),
    },
    Case {
        name: "unknown key with nothing close lists the valid keys",
        toml: "[shell]\nxyzzy = 1\n",
        env: &[],
        expect: Problems(&["unknown key `xyzzy` in [shell]; its keys are `community`"]),
    },
    Case {
        name: "unknown section with a suggestion",
        toml: "[databse]\nurl = \"sqlite://x.sqlite\"\n",
        env: &[],
        expect: Problems(&["unknown section [databse]; did you mean [database]?"]),
    },
    Case {
        name: "a key outside its section",
        toml: "url = \"sqlite://x.sqlite\"\n",
        env: &[],
        expect: Problems(&["`url` must go inside its section: write it below [database]"]),
    },
    Case {
        name: "unknown environment variable with a suggestion",
        toml: "",
        env: &[("FOCUSFOLK_DATABASE__URLL", "sqlite://x.sqlite")],
        expect: Problems(&["`FOCUSFOLK_DATABASE__URLL` is not a setting", "did you mean `FOCUSFOLK_DATABASE__URL`?"]),
    },
    Case {
        name: "environment variable with one underscore too few",
        toml: "",
        env: &[("FOCUSFOLK_DATABASE_URL", "sqlite://x.sqlite")],
        expect: Problems(&["did you mean `FOCUSFOLK_DATABASE__URL` (two underscores between section and key)?"]),
    },
    Case {
        name: "environment variable naming a wrong section",
        toml: "",
        env: &[("FOCUSFOLK_DATABSE__URL", "sqlite://x.sqlite")],
        expect: Problems(&["there is no section [databse]; did you mean `FOCUSFOLK_DATABASE__URL`?"]),
    },
    Case {
        name: "bad duration",
        toml: "[community_defaults]\nreminder_lead = \"10 minutes-ish\"\n",
        env: &[],
        expect: Problems(&[
            "`community_defaults.reminder_lead` = \"10 minutes-ish\" is not a duration; write e.g. \"10m\" or \"1h 30m\"",
        ]),
    },
    Case {
        name: "a bare number is not a duration",
        toml: "[runner]\njob_lease = 120\n",
        env: &[],
        expect: Problems(&["`runner.job_lease` = 120 is not a duration"]),
    },
    Case {
        name: "bad duration from the environment names the variable",
        toml: "",
        env: &[("FOCUSFOLK_COMMUNITY_DEFAULTS__REMINDER_LEAD", "soon")],
        expect: Problems(&[
            "`community_defaults.reminder_lead` = \"soon\" is not a duration; write e.g. \"10m\" or \"1h 30m\" (set by environment variable `FOCUSFOLK_COMMUNITY_DEFAULTS__REMINDER_LEAD`)",
        ]),
    },
    Case {
        name: "bad time zone with a suggestion",
        toml: "[community_defaults]\ndefault_time_zone = \"Europe/Berln\"\n",
        env: &[],
        expect: Problems(&[
            "`community_defaults.default_time_zone` = \"Europe/Berln\" is not a known time zone; did you mean \"Europe/Berlin\"?",
        ]),
    },
    Case {
        name: "time zone in the wrong case or as a city",
        toml: "",
        env: &[("FOCUSFOLK_COMMUNITY_DEFAULTS__DEFAULT_TIME_ZONE", "new york")],
        expect: Problems(&["did you mean \"America/New_York\"?"]),
    },
    Case {
        name: "empty session lengths",
        toml: "[community_defaults]\nallowed_lengths_minutes = []\n",
        env: &[],
        expect: Problems(&[
            "`community_defaults.allowed_lengths_minutes` = []: no session length is given; give at least one, e.g. 25, 50 and 75 minutes",
        ]),
    },
    Case {
        name: "zero and odd session lengths",
        toml: "[community_defaults]\nallowed_lengths_minutes = [0, 27, 33, 50]\n",
        env: &[],
        expect: Problems(&[
            "= [0, 27, 33, 50]: 0 minutes can't be a session length; a session lasts at least 5 minutes",
            "27 and 33 minutes can't be session lengths; use multiples of 5 minutes",
        ]),
    },
    Case {
        name: "session lengths too long or repeated (the same rule as /setup)",
        toml: "[community_defaults]\nallowed_lengths_minutes = [25, 50, 25, 240]\n",
        env: &[],
        expect: Problems(&[
            "240 minutes can't be a session length; the longest session is 180 minutes (3 hours)",
            "25 minutes is listed more than once",
        ]),
    },
    Case {
        name: "the longest session length is allowed",
        toml: "[community_defaults]\nallowed_lengths_minutes = [25, 180]\n",
        env: &[],
        expect: Values(&[("community_defaults.allowed_lengths_minutes", "[25, 180]")]),
    },
    Case {
        name: "session lengths of the wrong type",
        toml: "[community_defaults]\nallowed_lengths_minutes = [25, \"50\"]\n",
        env: &[],
        expect: Problems(&[
            "`community_defaults.allowed_lengths_minutes` = [25, \"50\"] is not a list of whole minutes; write e.g. allowed_lengths_minutes = [25, 50, 75]",
        ]),
    },
    Case {
        name: "unsupported database, password not shown",
        toml: "[database]\nurl = \"mysql://bot:hunter2@db/focusfolk\"\n",
        env: &[],
        expect: Problems(&["`database.url` = \"mysql://bot:***@db/focusfolk\" is not a database focusfolk can use"]),
    },
    Case {
        name: "postgresql scheme is fine",
        toml: "[database]\nurl = \"postgresql://bot@db/focusfolk\"\n",
        env: &[],
        expect: Values(&[("database.url", "postgresql://bot@db/focusfolk")]),
    },
    Case {
        name: "negative repeat days",
        toml: "[community_defaults]\nrecent_repeat_days = -1\n",
        env: &[],
        expect: Problems(&["`community_defaults.recent_repeat_days` = -1 cannot be negative"]),
    },
    Case {
        name: "attendance grace as long as the shortest session",
        toml: "[community_defaults]\nallowed_lengths_minutes = [25, 50]\nattendance_grace = \"25m\"\n",
        env: &[],
        expect: Problems(&["must be shorter than the shortest session (25 minutes)"]),
    },
    Case {
        name: "a horizon inside the cutoff leaves nothing bookable",
        toml: "[community_defaults]\nbooking_horizon = \"1h\"\nbooking_cutoff = \"2h\"\n",
        env: &[],
        expect: Problems(&["must be longer than `community_defaults.booking_cutoff`"]),
    },
    Case {
        name: "absurdly long durations",
        toml: "[community_defaults]\nclose_delay = \"5000d\"\n[runner]\nretry_delay = \"0s\"\n",
        env: &[],
        expect: Problems(&["`community_defaults.close_delay`", "is more than a year", "`runner.retry_delay` = \"0s\" must be longer than zero"]),
    },
    Case {
        name: "values of the wrong type",
        toml: "database = 5\n[shell]\ncommunity = 5\n[runner]\nworker_id = 7\n",
        env: &[],
        expect: Problems(&[
            "`database` = 5 is not a section",
            "`shell.community` = 5 is not text; put it in quotes, e.g. community = \"demo\"",
            "`runner.worker_id` = 7 is not text",
        ]),
    },
    Case {
        name: "numbers out of range",
        toml: "[database]\nmax_connections = -1\n",
        env: &[],
        expect: Problems(&["`database.max_connections` = -1 is out of range"]),
    },
    Case {
        name: "the shutdown grace comes from the file or the environment and is never zero",
        toml: "[runner]\nshutdown_grace = \"30s\"\n",
        env: &[("FOCUSFOLK_RUNNER__SHUTDOWN_GRACE", "5s")],
        expect: Values(&[("runner.shutdown_grace", "5s")]),
    },
    Case {
        name: "a zero shutdown grace is refused",
        toml: "[runner]\nshutdown_grace = \"0s\"\n",
        env: &[],
        expect: Problems(&["`runner.shutdown_grace` = \"0s\" must be longer than zero"]),
    },
    Case {
        name: "effects in flight must be from 1 to 256",
        toml: "[runner]\neffects_in_flight = 0\n",
        env: &[("FOCUSFOLK_RUNNER__EFFECTS_IN_FLIGHT", "1000")],
        expect: Problems(&["`runner.effects_in_flight` = 1000 must be from 1 to 256"]),
    },
    Case {
        name: "not TOML at all",
        toml: "[database\nurl = ",
        env: &[],
        expect: Problems(&["is not valid TOML at line 1"]),
    },
    Case {
        name: "several problems at once",
        toml: r#"
            [database]
            url = "mysql://db"
            max_connections = "five"
            [community_defaults]
            reminder_leed = "10m"
            close_delay = "soonish"
            default_time_zone = "Mars/Olympus"
            allowed_lengths_minutes = [25, 52]
            recent_repeat_days = -3
            [shell]
            community = ""
        "#,
        env: &[("FOCUSFOLK_RUNNER__JOB_LEASE", "forever")],
        expect: Problems(&[
            "`database.url` = \"mysql://db\"",
            "`database.max_connections` = \"five\" is not a whole number",
            "unknown key `reminder_leed`",
            "`community_defaults.close_delay` = \"soonish\" is not a duration",
            "\"Mars/Olympus\" is not a known time zone",
            "52 minutes can't be a session length; use multiples of 5",
            "`community_defaults.recent_repeat_days` = -3",
            "`shell.community` is empty",
            "`runner.job_lease` = \"forever\" is not a duration",
        ]),
    },
    Case {
        name: "session modes are checked like setup modes",
        toml: "[community_defaults]\nsession_modes = [\"quiet\", \"Loud!\", \"quiet\"]\n",
        env: &[],
        expect: Problems(&[
            "`community_defaults.session_modes` = [\"quiet\", \"Loud!\", \"quiet\"]: \"Loud!\" can't be a mode",
            "`community_defaults.session_modes` = [\"quiet\", \"Loud!\", \"quiet\"]: \"quiet\" is listed twice",
        ]),
    },
];

/// The value at a dotted key, in a form a table row can spell.
fn shown(config: &Config, key: &str) -> String {
    let d = &config.community_defaults;
    match key {
        "database.url" => config.database.url.clone(),
        "database.max_connections" => config.database.max_connections.to_string(),
        "community_defaults.allowed_lengths_minutes" => format!("{:?}", d.allowed_lengths_minutes),
        "community_defaults.booking_horizon" => d.booking_horizon.to_string(),
        "community_defaults.booking_cutoff" => d.booking_cutoff.to_string(),
        "community_defaults.late_cancel_window" => d.late_cancel_window.to_string(),
        "community_defaults.reminder_lead" => d.reminder_lead.to_string(),
        "community_defaults.prepare_lead" => d.prepare_lead.to_string(),
        "community_defaults.attendance_grace" => d.attendance_grace.to_string(),
        "community_defaults.close_delay" => d.close_delay.to_string(),
        "community_defaults.recent_repeat_days" => d.recent_repeat_days.to_string(),
        "community_defaults.default_time_zone" => d.default_time_zone.clone(),
        "community_defaults.session_modes" => format!("{:?}", d.session_modes),
        "runner.worker_id" => format!("{:?}", config.runner.worker_id),
        "runner.job_lease" => config.runner.job_lease.to_string(),
        "runner.max_idle_sleep" => config.runner.max_idle_sleep.to_string(),
        "runner.retry_delay" => config.runner.retry_delay.to_string(),
        "runner.shutdown_grace" => config.runner.shutdown_grace.to_string(),
        "limits.command_burst" => config.limits.command_burst.to_string(),
        "limits.command_interval" => config.limits.command_interval.to_string(),
        "limits.max_future_bookings" => config.limits.max_future_bookings.to_string(),
        "shell.community" => config.shell.community.clone(),
        "web.public_url" => format!("{:?}", config.web.public_url),
        other => panic!("test table names unknown key {other}"),
    }
}

fn check_problems(case: &Case, problems: &[ConfigProblem], wanted: &[&str]) {
    let listing = problems
        .iter()
        .map(|p| format!("  [{}] {}", p.key, p.message))
        .collect::<Vec<_>>()
        .join("\n");
    assert!(!problems.is_empty(), "{}: no problems", case.name);
    // Every expected substring is in some problem, and every problem is expected.
    for want in wanted {
        assert!(
            problems.iter().any(|p| p.message.contains(want)),
            "{}: no problem contains {want:?}; got:\n{listing}",
            case.name
        );
    }
    for problem in problems {
        assert!(
            wanted.iter().any(|want| problem.message.contains(want)),
            "{}: unexpected problem {:?}; got:\n{listing}",
            case.name,
            problem.message
        );
        assert!(
            !problem.message.contains('\n'),
            "{}: multi-line message {:?}",
            case.name,
            problem.message
        );
    }
}

#[test]
fn table() {
    for case in CASES {
        let result = Config::from_toml_str_and_env(case.toml, case.env);
        match (&case.expect, result) {
            (Values(values), Ok(config)) => {
                for (key, want) in *values {
                    assert_eq!(shown(&config, key), *want, "{}: {key}", case.name);
                }
                assert!(config.validate().is_empty(), "{}", case.name);
            }
            (Values(_), Err(error)) => panic!("{}: expected a config, got:\n{error}", case.name),
            (Problems(wanted), Err(error)) => check_problems(case, &error.problems, wanted),
            (Problems(wanted), Ok(config)) => {
                panic!(
                    "{}: expected problems {wanted:?}, got {config:#?}",
                    case.name
                )
            }
        }
    }
}

/// Exact problem counts, for rows where one problem carries several expected substrings.
#[test]
fn problem_counts() {
    type Env = &'static [(&'static str, &'static str)];
    let counts: &[(&str, Env, usize)] = &[
        ("[community_defaults]\nreminder_leed = \"10m\"\n", &[], 1),
        ("", &[("FOCUSFOLK_DATABASE__URLL", "x")], 1),
        (
            "[community_defaults]\nallowed_lengths_minutes = [0, 27, 33, 50]\n",
            &[],
            2,
        ),
        (
            "[community_defaults]\nallowed_lengths_minutes = [25, 50, 25, 240]\n",
            &[],
            2,
        ),
        (
            "[community_defaults]\nclose_delay = \"5000d\"\n[runner]\nretry_delay = \"0s\"\n",
            &[],
            2,
        ),
        (
            "database = 5\n[shell]\ncommunity = 5\n[runner]\nworker_id = 7\n",
            &[],
            3,
        ),
    ];
    for (toml, env, count) in counts {
        let error = Config::from_toml_str_and_env(toml, env).unwrap_err();
        assert_eq!(error.problems.len(), *count, "{toml:?}:\n{error}");
    }
    let several = CASES
        .iter()
        .find(|c| c.name == "several problems at once")
        .unwrap();
    let error = Config::from_toml_str_and_env(several.toml, several.env).unwrap_err();
    assert_eq!(error.problems.len(), 9, "{error}");
}

#[test]
fn example_file_is_clean_and_matches_the_defaults() {
    let config = Config::from_toml_str_and_env(EXAMPLE, &[]).unwrap_or_else(|e| panic!("{e}"));
    assert!(config.validate().is_empty());
    assert_eq!(config, Config::default());
}

#[test]
fn example_file_mentions_every_key() {
    let defaults = Config::default();
    let keys = [
        "url",
        "max_connections",
        "allowed_lengths_minutes",
        "booking_horizon",
        "booking_cutoff",
        "late_cancel_window",
        "reminder_lead",
        "prepare_lead",
        "attendance_grace",
        "close_delay",
        "recent_repeat_days",
        "default_time_zone",
        "worker_id",
        "job_lease",
        "max_idle_sleep",
        "retry_delay",
        "effects_in_flight",
        "shutdown_grace",
        "command_burst",
        "command_interval",
        "max_future_bookings",
        "community",
    ];
    for key in keys {
        assert!(
            EXAMPLE.contains(&format!("{key} = ")),
            "config.example.toml lacks `{key}`"
        );
    }
    assert!(EXAMPLE.contains("postgres://"));
    assert!(EXAMPLE.contains("FOCUSFOLK_DATABASE__URL"));
    assert_eq!(defaults.database.url, "sqlite://focusfolk.sqlite");
}

#[test]
fn load_reads_the_given_file_which_must_exist() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("focusfolk.toml");
    std::fs::write(&path, "[shell]\ncommunity = \"from-file\"\n").unwrap();
    // The process environment of a test run has no FOCUSFOLK_SHELL__COMMUNITY.
    let config = Config::load(Some(&path)).unwrap();
    assert_eq!(config.shell.community, "from-file");

    let missing = dir.path().join("missing.toml");
    let error = Config::load(Some(&missing)).unwrap_err();
    assert_eq!(error.problems.len(), 1);
    assert!(error.to_string().contains("does not exist"), "{error}");

    std::fs::write(&path, [0xff, 0xfe, 0x00]).unwrap();
    let error = Config::load(Some(&path)).unwrap_err();
    assert!(error.to_string().contains("not UTF-8"), "{error}");
}

#[test]
fn check_config_summarises() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("config.example.toml");
    let summary = check_config(Some(&path)).unwrap_or_else(|e| panic!("{e}"));
    assert!(
        summary.starts_with("config OK: read config file"),
        "{summary}"
    );
    assert!(summary.contains("sqlite://focusfolk.sqlite"), "{summary}");
    assert!(summary.contains("25, 50, 75 minutes"), "{summary}");
    assert!(
        summary.contains("limits: 10 commands at once per member, then one every 2s; at most 20 upcoming bookings per member"),
        "{summary}"
    );

    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.toml");
    std::fs::write(
        &bad,
        "[community_defaults]\nreminder_leed = \"x\"\ndefault_time_zone = \"Utc\"\n",
    )
    .unwrap();
    let error = check_config(Some(&bad)).unwrap_err();
    let text = error.to_string();
    assert_eq!(text.lines().count(), 2, "{text}");
    assert!(text.contains("did you mean `reminder_lead`?"), "{text}");
    assert!(text.contains("did you mean \"UTC\"?"), "{text}");
}

/// `reminder_lead = "0s"` was documented as "at the start" but every such reminder was
/// dropped as "session already started". It is refused now, in plain words, as is anything
/// under a minute (a large slot's "It's time" goes out up to a minute early).
#[test]
fn a_reminder_at_the_start_is_refused_with_a_reason() {
    for value in ["\"0s\"", "0", "\"30s\""] {
        let toml = format!("[community_defaults]\nreminder_lead = {value}\n");
        let error = Config::from_toml_str_and_env(&toml, &[]).unwrap_err();
        assert_eq!(error.problems.len(), 1, "{value}: {error}");
        let text = error.to_string();
        assert!(
            text.contains("`community_defaults.reminder_lead`")
                && text.contains("\"It's time\" message already tells them")
                && text.contains("at least \"1m\" before the start")
                && text.contains("prefs reminders off"),
            "{value}: {text}"
        );
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("zero.toml");
    std::fs::write(&path, "[community_defaults]\nreminder_lead = \"0s\"\n").unwrap();
    let error = check_config(Some(&path)).unwrap_err();
    assert!(error.to_string().contains("reminder_lead"), "{error}");
    let documented = EXAMPLE
        .split("\n\n")
        .find(|paragraph| paragraph.contains("reminder_lead ="))
        .unwrap();
    assert!(
        documented.contains("At least \"1m\"") && !documented.contains("\"0s\""),
        "the example no longer promises a reminder at the start: {documented}"
    );
}

#[test]
fn community_settings_convert() {
    assert_eq!(
        Config::default().community_settings().unwrap(),
        CommunitySettings::default()
    );

    let config = Config::from_toml_str_and_env(
        "[community_defaults]\ndefault_time_zone = \"Europe/Berlin\"\nreminder_lead = \"1h 30m\"\n",
        &[],
    )
    .unwrap();
    let settings = config.community_settings().unwrap();
    assert_eq!(settings.default_time_zone, chrono_tz::Europe::Berlin);
    assert_eq!(settings.reminder_lead, chrono::Duration::minutes(90));

    // Built by hand (skipping load), bad values are still caught here.
    let mut config = Config::default();
    config.community_defaults.default_time_zone = "Nowhere/Special".into();
    config.community_defaults.allowed_lengths_minutes = vec![];
    config.database.url = "mysql://db".into(); // not a community setting: not reported here
    let error = config.community_settings().unwrap_err();
    assert_eq!(error.problems.len(), 2, "{error}");
}

#[test]
fn human_durations() {
    let parsed: HumanDuration = "1h 30m".parse().unwrap();
    assert_eq!(parsed, HumanDuration(Duration::from_secs(90 * 60)));
    assert_eq!(parsed.to_string(), "1h 30m");
    assert_eq!(HumanDuration::from_mins(10).to_string(), "10m");
    assert!("10 minutes-ish".parse::<HumanDuration>().is_err());
}

#[test]
fn nothing_panics_on_odd_input() {
    let inputs = [
        "[[database]]\nurl = 1",
        "community_defaults = [1, 2]",
        "[community_defaults]\nallowed_lengths_minutes = [[1], {a = 1}, 1.5, true]",
        "[community_defaults]\nbooking_horizon = \"99999999999999999999999y\"",
        "[community_defaults]\nbooking_horizon = \"500000000000d\"",
        "[community_defaults]\nrecent_repeat_days = 9223372036854775807",
        "[community_defaults]\nallowed_lengths_minutes = [4294967295, 4294967296]",
        "[community_defaults]\nreminder_lead = -5",
        "[community_defaults]\ndefault_time_zone = \"\"",
        "[community_defaults]\ndefault_time_zone = \"ÜTC/Zürich\u{1F600}\"",
        "[community_defaults.nested]\nx = 1",
        "[runner]\nworker_id = \"  \"\nmax_idle_sleep = 2024-01-01T00:00:00Z",
        "\u{feff}[shell]\ncommunity = \"bom\"",
        "[\"\u{1F600}\"]\n\"\u{1F600}\" = \"\u{1F600}\"",
        "a.b.c.d.e = 1",
        "[shell]\ncommunity = \"x\"\n[shell]\ncommunity = \"y\"",
    ];
    let envs: &[&[(&str, &str)]] = &[
        &[],
        &[("FOCUSFOLK_", "x")],
        &[("FOCUSFOLK___", "x")],
        &[("FOCUSFOLK_A__B__C", "x")],
        &[("FOCUSFOLK_DATABASE", "x")],
        &[("FOCUSFOLK_DATABASE__MAX_CONNECTIONS", "[1, {")],
        &[("FOCUSFOLK_COMMUNITY_DEFAULTS__ALLOWED_LENGTHS_MINUTES", "")],
        &[("FOCUSFOLK_\u{1F600}__\u{1F600}", "\u{1F600}")],
    ];
    for toml in inputs {
        for env in envs {
            let result = std::panic::catch_unwind(|| Config::from_toml_str_and_env(toml, env));
            let result = result.unwrap_or_else(|_| panic!("panicked on {toml:?} with {env:?}"));
            if let Err(error) = result {
                assert!(!error.problems.is_empty());
                for problem in &error.problems {
                    assert!(
                        !problem.message.is_empty() && !problem.message.contains('\n'),
                        "{problem:?}"
                    );
                }
            }
        }
    }
}

/// Pair rooms' calls: with no call server configured `check-config` says plainly that one must
/// be (Element Call is only used where the homeserver offers it); meet.jit.si, the old default,
/// is flagged for cutting embedded calls after 5 minutes.
#[test]
fn check_config_says_plainly_when_no_call_server_is_configured() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("focusfolk.toml");
    let matrix = "[matrix]\nhomeserver_url = \"https://matrix.example.org\"\nuser_id = \"@focusfolk:example.org\"\npassword = \"pw\"\n";
    let summary_with = |extra: &str| {
        std::fs::write(&path, format!("{matrix}{extra}")).unwrap();
        check_config(Some(&path)).unwrap_or_else(|e| panic!("{e}"))
    };

    let none = summary_with("");
    assert!(none.contains("call widget NONE CONFIGURED"), "{none}");
    assert!(
        none.contains("A Jitsi or Element Call server must be configured"),
        "{none}"
    );
    assert!(none.contains("org.matrix.msc4143.rtc_foci"), "{none}");

    let public_jitsi = summary_with("jitsi_domain = \"meet.jit.si\"\n");
    assert!(
        public_jitsi.contains("Jitsi on meet.jit.si"),
        "{public_jitsi}"
    );
    assert!(
        public_jitsi.contains("ends embedded calls after 5 minutes"),
        "{public_jitsi}"
    );

    let own_jitsi = summary_with("jitsi_domain = \"jitsi.example.org\"\n");
    assert!(
        own_jitsi.contains("call widget Jitsi on jitsi.example.org"),
        "{own_jitsi}"
    );
    assert!(!own_jitsi.contains("WARNING"), "{own_jitsi}");

    let element = summary_with(
        "jitsi_domain = \"jitsi.example.org\"\nelement_call_url = \"https://call.example.org/\"\n",
    );
    assert!(
        element.contains("call widget Element Call at https://call.example.org"),
        "{element}"
    );

    std::fs::write(
        &path,
        format!("{matrix}jitsi_domain = \"https://jitsi.example.org/x\"\n"),
    )
    .unwrap();
    let error = check_config(Some(&path)).unwrap_err();
    assert!(
        error.to_string().contains("must be a host name only"),
        "{error}"
    );
}
