//! A community's settings as the config's defaults under the keys its admins changed.
//!
//! Every `[community_defaults]` key is a [`SettingKey`] here: its name (the config's), how its
//! value reads as text and how that text reads back. A community stores only the keys it
//! changed ([`SettingOverrides`], one text per key); everything else follows the config's
//! *current* default, so an operator who changes `[community_defaults]` and restarts changes
//! every community that never chose otherwise.
//!
//! Adding a key is a field in `CommunitySettings` (and in the config's section, schema and
//! conversion), and one `SettingKey` line below. What a valid value is stays the config's
//! business (`config::CommunityDefaults::with_setting`): this file only reads back text that
//! was validated before it was stored.
//!
//! Pure: no I/O. Texts are the config's forms: `"10m"`, `"25,50,75"`, `"7"`, `"Europe/Berlin"`.

use std::collections::BTreeMap;
use std::time::Duration as StdDuration;

use chrono::Duration;

use super::model::{CommunitySettings, JobKind};

/// One configurable key of a community.
pub struct SettingKey {
    /// The config's key name in `[community_defaults]`, also what admins type after `setup`.
    pub name: &'static str,
    /// A few words for `setup`'s listing.
    pub label: &'static str,
    /// The value in `settings` as stored and shown.
    pub read: fn(&CommunitySettings) -> String,
    /// Sets the value from its stored text; `None` when the text is not one.
    pub write: fn(&mut CommunitySettings, &str) -> Option<()>,
    /// The slot job whose due time this key sets (a lead), if any: a change moves the
    /// pending jobs of that kind (see `schedule::slot_jobs`).
    pub moves_jobs: Option<JobKind>,
}

macro_rules! duration_key {
    ($name:literal, $label:literal, $field:ident, $moves:expr) => {
        SettingKey {
            name: $name,
            label: $label,
            read: |s| duration_text(s.$field),
            write: |s, text| {
                s.$field = parse_duration(text)?;
                Some(())
            },
            moves_jobs: $moves,
        }
    };
}

/// A reliability threshold, stored and shown as whole percent (the config's form).
macro_rules! percent_key {
    ($name:literal, $label:literal, $field:ident) => {
        SettingKey {
            name: $name,
            label: $label,
            read: |s| ((s.reliability_tiers.$field * 100.0).round() as u32).to_string(),
            write: |s, text| {
                let percent: u32 = text.trim().parse().ok()?;
                s.reliability_tiers.$field = f64::from(percent) / 100.0;
                Some(())
            },
            moves_jobs: None,
        }
    };
}

/// A count of the reliability tiers (bookings, sessions).
macro_rules! count_key {
    ($name:literal, $label:literal, $field:ident) => {
        SettingKey {
            name: $name,
            label: $label,
            read: |s| s.reliability_tiers.$field.to_string(),
            write: |s, text| {
                s.reliability_tiers.$field = text.trim().parse().ok()?;
                Some(())
            },
            moves_jobs: None,
        }
    };
}

/// Every key, in the config's order.
pub static SETTING_KEYS: &[SettingKey] = &[
    SettingKey {
        name: "allowed_lengths_minutes",
        label: "session lengths (minutes)",
        read: |s| lengths_text(&s.allowed_lengths_minutes),
        write: |s, text| {
            s.allowed_lengths_minutes = parse_lengths(text)?;
            Some(())
        },
        moves_jobs: None,
    },
    duration_key!(
        "booking_horizon",
        "book up to this far ahead",
        booking_horizon,
        None
    ),
    duration_key!(
        "booking_cutoff",
        "book at least this long before",
        booking_cutoff,
        None
    ),
    duration_key!(
        "late_cancel_window",
        "a cancel this close is late",
        late_cancel_window,
        None
    ),
    duration_key!(
        "reminder_lead",
        "reminder this long before",
        reminder_lead,
        Some(JobKind::Remind)
    ),
    duration_key!(
        "prepare_lead",
        "matching this long before",
        prepare_lead,
        Some(JobKind::Prepare)
    ),
    duration_key!(
        "attendance_grace",
        "attendance check this long after the start",
        attendance_grace,
        Some(JobKind::AttendanceCheck)
    ),
    duration_key!(
        "close_delay",
        "rooms close this long after the end",
        close_delay,
        Some(JobKind::CloseRooms)
    ),
    SettingKey {
        name: "recent_repeat_days",
        label: "avoid partners met within (days)",
        read: |s| s.recent_repeat_days.to_string(),
        write: |s, text| {
            s.recent_repeat_days = text.trim().parse().ok()?;
            Some(())
        },
        moves_jobs: None,
    },
    SettingKey {
        name: "default_time_zone",
        label: "time zone of members who set none",
        read: |s| s.default_time_zone.name().to_string(),
        write: |s, text| {
            s.default_time_zone = text.trim().parse().ok()?;
            Some(())
        },
        moves_jobs: None,
    },
    percent_key!(
        "reliability_limited_below_percent",
        "fewer bookings under this show-up rate (%)",
        limited_below
    ),
    count_key!(
        "reliability_limited_bookings",
        "upcoming bookings allowed under it",
        limited_bookings
    ),
    percent_key!(
        "reliability_restricted_below_percent",
        "fewest bookings under this show-up rate (%)",
        restricted_below
    ),
    count_key!(
        "reliability_restricted_bookings",
        "upcoming bookings allowed under it",
        restricted_bookings
    ),
    count_key!(
        "reliability_min_sessions",
        "no tier before this many booked sessions",
        min_sessions
    ),
    SettingKey {
        name: "session_modes",
        label: "session modes (the first is a booking's default)",
        read: |s| s.session_modes.join(","),
        write: |s, text| {
            let modes: Vec<String> = text
                .split(',')
                .map(|mode| mode.trim().to_string())
                .filter(|mode| !mode.is_empty())
                .collect();
            (!modes.is_empty()).then(|| s.session_modes = modes)
        },
        moves_jobs: None,
    },
];

/// The key named `name` (exactly the config's name).
pub fn setting_key(name: &str) -> Option<&'static SettingKey> {
    SETTING_KEYS.iter().find(|key| key.name == name)
}

/// The keys a community changed, by name, with their stored texts.
pub type SettingOverrides = BTreeMap<String, String>;

/// A stored override that no longer reads (a key since removed, a text from an older form).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnreadableOverride {
    pub key: String,
    pub value: String,
}

/// The community's settings: `defaults` under `overrides`. An override that does not read is
/// skipped (the default applies) and returned, so a bad row never takes a community down.
pub fn resolve_settings(
    defaults: &CommunitySettings,
    overrides: &SettingOverrides,
) -> (CommunitySettings, Vec<UnreadableOverride>) {
    let mut settings = defaults.clone();
    let mut unreadable = Vec::new();
    for (name, value) in overrides {
        let applied = setting_key(name).and_then(|key| {
            let mut candidate = settings.clone();
            (key.write)(&mut candidate, value).map(|()| candidate)
        });
        match applied {
            Some(candidate) => settings = candidate,
            None => unreadable.push(UnreadableOverride {
                key: name.clone(),
                value: value.clone(),
            }),
        }
    }
    (settings, unreadable)
}

/// The overrides that make `defaults` into `settings`: every key whose value differs.
pub fn overrides_between(
    defaults: &CommunitySettings,
    settings: &CommunitySettings,
) -> SettingOverrides {
    SETTING_KEYS
        .iter()
        .filter_map(|key| {
            let value = (key.read)(settings);
            (value != (key.read)(defaults)).then(|| (key.name.to_string(), value))
        })
        .collect()
}

/// One line of `setup`'s listing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SettingLine {
    pub name: &'static str,
    pub label: &'static str,
    pub value: String,
    /// `false` when the community changed it (even to the default's current value).
    pub is_default: bool,
}

/// Every key with the community's value and whether it follows the default.
pub fn setting_lines(
    settings: &CommunitySettings,
    overrides: &SettingOverrides,
) -> Vec<SettingLine> {
    SETTING_KEYS
        .iter()
        .map(|key| SettingLine {
            name: key.name,
            label: key.label,
            value: (key.read)(settings),
            is_default: !overrides.contains_key(key.name),
        })
        .collect()
}

/// `10m`, `1h 30m`, `14days` (the config's duration form).
pub fn duration_text(duration: Duration) -> String {
    humantime::format_duration(duration.to_std().unwrap_or_default()).to_string()
}

fn parse_duration(text: &str) -> Option<Duration> {
    let parsed: StdDuration = humantime::parse_duration(text.trim()).ok()?;
    Duration::from_std(parsed).ok()
}

fn lengths_text(lengths: &[u32]) -> String {
    lengths
        .iter()
        .map(u32::to_string)
        .collect::<Vec<_>>()
        .join(",")
}

fn parse_lengths(text: &str) -> Option<Vec<u32>> {
    let lengths: Option<Vec<u32>> = text
        .split(',')
        .map(|part| part.trim().parse().ok())
        .collect();
    lengths.filter(|lengths| !lengths.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_reads_back_what_it_writes() {
        let changed = CommunitySettings {
            allowed_lengths_minutes: vec![25, 50],
            booking_horizon: Duration::days(7),
            booking_cutoff: Duration::seconds(30),
            late_cancel_window: Duration::minutes(90),
            reminder_lead: Duration::minutes(15),
            prepare_lead: Duration::minutes(3),
            attendance_grace: Duration::minutes(4),
            close_delay: Duration::minutes(6),
            recent_repeat_days: 10,
            default_time_zone: chrono_tz::Europe::Berlin,
            session_modes: vec!["deep".into(), "chatty".into()],
            reliability_tiers: crate::core::reliability::ReliabilityTiers {
                limited_below: 0.7,
                limited_bookings: 4,
                restricted_below: 0.4,
                restricted_bookings: 2,
                min_sessions: 5,
            },
        };
        let overrides = overrides_between(&CommunitySettings::default(), &changed);
        assert_eq!(overrides.len(), SETTING_KEYS.len(), "{overrides:?}");
        let (resolved, unreadable) = resolve_settings(&CommunitySettings::default(), &overrides);
        assert_eq!(resolved, changed);
        assert!(unreadable.is_empty());
        assert_eq!(overrides["reminder_lead"], "15m");
        assert_eq!(overrides["late_cancel_window"], "1h 30m");
        assert_eq!(overrides["allowed_lengths_minutes"], "25,50");
    }

    #[test]
    fn keys_not_overridden_follow_the_defaults_and_a_bad_override_is_skipped() {
        let defaults = CommunitySettings {
            close_delay: Duration::minutes(9),
            ..CommunitySettings::default()
        };
        let overrides: SettingOverrides = [
            ("reminder_lead".to_string(), "900s".to_string()),
            ("prepare_lead".to_string(), "soon".to_string()),
            ("no_such_key".to_string(), "1".to_string()),
        ]
        .into_iter()
        .collect();
        let (resolved, unreadable) = resolve_settings(&defaults, &overrides);
        assert_eq!(resolved.reminder_lead, Duration::minutes(15));
        assert_eq!(resolved.close_delay, Duration::minutes(9));
        assert_eq!(resolved.prepare_lead, Duration::minutes(2));
        assert_eq!(unreadable.len(), 2);
        let lines = setting_lines(&resolved, &overrides);
        let line = |name| lines.iter().find(|line| line.name == name).unwrap();
        assert!(!line("reminder_lead").is_default);
        assert_eq!(line("reminder_lead").value, "15m");
        assert!(line("close_delay").is_default);
        assert_eq!(line("close_delay").value, "9m");
    }

    #[test]
    fn the_leads_name_the_jobs_they_time() {
        let moved: Vec<JobKind> = SETTING_KEYS.iter().filter_map(|k| k.moves_jobs).collect();
        assert_eq!(
            moved,
            vec![
                JobKind::Remind,
                JobKind::Prepare,
                JobKind::AttendanceCheck,
                JobKind::CloseRooms
            ]
        );
    }
}
