//! `setup <key> <value>`: one `[community_defaults]` key changed for one community, checked by
//! the config's own parser and validator, so an admin's value is refused exactly when the same
//! value in the config file would be, in the same words.
//!
//! How: every key's current value and then the admin's text go in as the environment would
//! give them (each key's text form is the environment's: `15m`, `25,50`, `7`), and the whole
//! thing is loaded like a config. Cross-key rules (the attendance check within the shortest
//! session, the horizon beyond the cutoff) then see the community's other values, as they
//! would in a file. A key added to `SETTING_KEYS` takes part with no code here.

use crate::core::community_settings::{setting_key, SETTING_KEYS};
use crate::core::model::CommunitySettings;

use super::load::build_from_texts;
use super::messages::closest;

const SECTION: &str = "community_defaults";

/// `settings` with `key` set from `text`, or the config's problems with it (one sentence each).
pub fn community_settings_with(
    settings: &CommunitySettings,
    key: &str,
    text: &str,
) -> Result<CommunitySettings, Vec<String>> {
    if setting_key(key).is_none() {
        let names = SETTING_KEYS.iter().map(|key| key.name);
        let hint = closest(key, names)
            .map(|name| format!(" Did you mean `{name}`?"))
            .unwrap_or_default();
        let all: Vec<&str> = SETTING_KEYS.iter().map(|key| key.name).collect();
        return Err(vec![format!(
            "There is no setting `{key}`.{hint} The settings are: {}.",
            all.join(", ")
        )]);
    }
    let mut pairs: Vec<(&str, String)> = SETTING_KEYS
        .iter()
        .filter(|setting| setting.name != key)
        .map(|setting| (setting.name, (setting.read)(settings)))
        .collect();
    pairs.push((key, text.to_string()));
    let config = build_from_texts(SECTION, &pairs).map_err(|error| messages(&error.problems))?;
    config
        .community_settings()
        .map_err(|error| messages(&error.problems))
}

fn messages(problems: &[super::ConfigProblem]) -> Vec<String> {
    problems
        .iter()
        .map(|problem| problem.message.clone())
        .collect()
}

#[cfg(test)]
mod tests {
    use chrono::Duration;

    use super::super::Config;
    use super::*;

    #[test]
    fn every_key_written_out_loads_back_as_the_same_settings() {
        let settings = CommunitySettings {
            allowed_lengths_minutes: vec![25, 50],
            late_cancel_window: Duration::minutes(90),
            default_time_zone: chrono_tz::Europe::Berlin,
            recent_repeat_days: 3,
            ..CommunitySettings::default()
        };
        // Setting a key to its own value changes nothing: every key's text reads back.
        for key in SETTING_KEYS {
            let same = community_settings_with(&settings, key.name, &(key.read)(&settings));
            assert_eq!(same, Ok(settings.clone()), "{}", key.name);
        }
    }

    #[test]
    fn a_value_is_refused_in_the_words_the_config_file_would_get() {
        let settings = CommunitySettings::default();
        let changed = community_settings_with(&settings, "reminder_lead", "15m").unwrap();
        assert_eq!(changed.reminder_lead, Duration::minutes(15));
        let lengths =
            community_settings_with(&settings, "allowed_lengths_minutes", "25,50").unwrap();
        assert_eq!(lengths.allowed_lengths_minutes, vec![25, 50]);

        let refused = community_settings_with(&settings, "reminder_lead", "30s").unwrap_err();
        let from_file =
            Config::from_toml_str_and_env("[community_defaults]\nreminder_lead = \"30s\"\n", &[])
                .unwrap_err();
        assert_eq!(refused, messages(&from_file.problems));

        let not_a_duration =
            community_settings_with(&settings, "close_delay", "later").unwrap_err();
        assert!(
            not_a_duration[0].contains("is not a duration"),
            "{not_a_duration:?}"
        );
        assert!(
            !not_a_duration[0].contains("environment"),
            "{not_a_duration:?}"
        );
        // A rule across keys sees the community's other values.
        let short = CommunitySettings {
            allowed_lengths_minutes: vec![25],
            ..CommunitySettings::default()
        };
        let grace = community_settings_with(&short, "attendance_grace", "30m").unwrap_err();
        assert!(
            grace[0].contains("shortest session (25 minutes)"),
            "{grace:?}"
        );
        let unknown = community_settings_with(&settings, "reminder_leed", "10m").unwrap_err();
        assert!(
            unknown[0].contains("Did you mean `reminder_lead`?"),
            "{unknown:?}"
        );
    }
}
