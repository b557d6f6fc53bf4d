//! The grammar of the matching choices (issue 11): a session mode in `book` (`book 9:00 talk`),
//! `prefs availability everyone|friends`, `prefs mix-modes on|off`, and `setup modes …`.
//! Kept apart from `parse.rs`, which only dispatches here.

use super::social::BadSocialArguments;
use super::{Command, PrefsChange, SetupChange};
use crate::core::session_choice::{Availability, DEFAULT_SESSION_MODES};
use crate::core::time_input::parse_time_spec;

pub const USAGE_SETUP_MODES: &str = "setup modes quiet talk moving (the first is the default)";

type Parsed = Result<Command, BadSocialArguments>;

fn bad(
    command: &'static str,
    usage: &'static str,
    problem: impl Into<String>,
) -> BadSocialArguments {
    BadSocialArguments {
        command,
        usage,
        problem: problem.into(),
    }
}

/// Takes the session mode out of `book`'s time words. A default mode's name (quiet, talk,
/// moving) is always a mode; a community's own mode is recognised as the last word when the
/// time reads only without it ("book 9:00 deep"). Whether the community offers it is the
/// handler's question. `Err` when two modes were named.
pub fn split_book_mode<'a>(words: &[&'a str]) -> Result<(Option<String>, Vec<&'a str>), String> {
    let is_default_mode =
        |word: &str| DEFAULT_SESSION_MODES.contains(&word.to_lowercase().as_str());
    let named: Vec<String> = words
        .iter()
        .filter(|word| is_default_mode(word))
        .map(|word| word.to_lowercase())
        .collect();
    if named.len() > 1 {
        return Err(format!(
            "I read two session modes, {} and {}. Give one.",
            named[0], named[1]
        ));
    }
    if let Some(mode) = named.into_iter().next() {
        let rest = words
            .iter()
            .copied()
            .filter(|w| !is_default_mode(w))
            .collect();
        return Ok((Some(mode), rest));
    }
    if let Some((last, rest)) = words.split_last() {
        let alphabetic = last.chars().all(|c| c.is_ascii_alphabetic() || c == '-');
        if alphabetic
            && !rest.is_empty()
            && parse_time_spec(&words.join(" ")).is_err()
            && parse_time_spec(&rest.join(" ")).is_ok()
        {
            return Ok((Some(last.to_lowercase()), rest.to_vec()));
        }
    }
    Ok((None, words.to_vec()))
}

/// `prefs availability everyone|friends` (lower-cased words after "availability").
pub fn parse_availability(setting: &[&str]) -> Parsed {
    match setting {
        [value] => Availability::parse(value)
            .map(|availability| Command::Prefs {
                change: Some(PrefsChange::Availability(availability)),
            })
            .ok_or_else(|| {
                bad(
                    "prefs",
                    super::social::USAGE_PREFS,
                    "You can be matched with everyone, or with friends (and your favourites) only.",
                )
            }),
        _ => Err(bad(
            "prefs",
            super::social::USAGE_PREFS,
            "Say who you may be matched with: prefs availability everyone, or friends.",
        )),
    }
}

/// `prefs mix-modes on|off`.
pub fn parse_mix_modes(setting: &[&str]) -> Parsed {
    let on = match setting {
        ["on" | "yes" | "true"] => true,
        ["off" | "no" | "false"] => false,
        _ => {
            return Err(bad(
                "prefs",
                super::social::USAGE_PREFS,
                "Say whether a quiet session may be paired with a talk one: prefs mix-modes on, or off.",
            ))
        }
    };
    Ok(Command::Prefs {
        change: Some(PrefsChange::MixModes(on)),
    })
}

/// `setup modes quiet talk moving` (commas allowed); checked by the handler.
pub fn parse_setup_modes(rest: &[&str]) -> Parsed {
    let modes: Vec<String> = rest
        .iter()
        .flat_map(|word| word.split(','))
        .map(|mode| mode.trim().to_lowercase())
        .filter(|mode| !mode.is_empty())
        .collect();
    if modes.is_empty() {
        return Err(bad(
            "setup",
            USAGE_SETUP_MODES,
            "Give the session modes members may pick, the default first, like: setup modes quiet talk moving",
        ));
    }
    Ok(Command::Setup {
        change: Some(SetupChange::SessionModes(modes)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn book_words_give_up_their_mode() {
        assert_eq!(
            split_book_mode(&["tomorrow", "9:00", "Talk"]),
            Ok((Some("talk".to_string()), vec!["tomorrow", "9:00"]))
        );
        assert_eq!(
            split_book_mode(&["9:00", "deep"]),
            Ok((Some("deep".to_string()), vec!["9:00"]))
        );
        assert_eq!(
            split_book_mode(&["tomorrow", "9:00"]),
            Ok((None, vec!["tomorrow", "9:00"]))
        );
        assert_eq!(split_book_mode(&["next"]), Ok((None, vec!["next"])));
        assert!(split_book_mode(&["9:00", "quiet", "talk"]).is_err());
    }
}
