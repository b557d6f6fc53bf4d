//! The rematch's grammar (issue 11): `rematch now` / `rematch wait`, the two actions of the
//! T + 2 min "your partner isn't here yet" message, and `prefs mixed-lengths on|off`.

use super::social::{BadSocialArguments, USAGE_PREFS};
use super::{Command, PrefsChange};
use crate::core::rematch::RematchChoice;

pub const USAGE_REMATCH: &str = "rematch now|wait (when your partner hasn't arrived yet)";

/// `rematch now` or `rematch wait` (already split words, any case).
pub fn parse_rematch(args: &[&str]) -> Result<Command, BadSocialArguments> {
    let lowered: Vec<String> = args.iter().map(|word| word.to_lowercase()).collect();
    let choice = match lowered
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        ["now"] => Some(RematchChoice::RematchNow),
        ["wait"] | ["keep", "waiting"] => Some(RematchChoice::KeepWaiting),
        _ => None,
    };
    choice
        .map(|choice| Command::Rematch { choice })
        .ok_or_else(|| BadSocialArguments {
            command: "rematch",
            usage: USAGE_REMATCH,
            problem:
                "Say rematch now for a new partner, or rematch wait to keep waiting for yours."
                    .to_string(),
        })
}

/// `prefs mixed-lengths on|off` (already lower-cased words after "mixed-lengths").
pub fn parse_mixed_lengths(setting: &[&str]) -> Result<Command, BadSocialArguments> {
    let allowed = match setting {
        ["on" | "yes" | "true"] => Some(true),
        ["off" | "no" | "false"] => Some(false),
        _ => None,
    };
    allowed
        .map(|allowed| Command::Prefs {
            change: Some(PrefsChange::MixedLengths(allowed)),
        })
        .ok_or_else(|| BadSocialArguments {
            command: "prefs",
            usage: USAGE_PREFS,
            problem: "Say prefs mixed-lengths on to allow a rematch with someone whose session is longer or shorter (for the minutes you share), or off.".to_string(),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rematch_and_mixed_lengths_parse_and_refuse_plainly() {
        assert_eq!(
            parse_rematch(&["now"]),
            Ok(Command::Rematch {
                choice: RematchChoice::RematchNow
            })
        );
        assert_eq!(
            parse_rematch(&["Wait"]),
            Ok(Command::Rematch {
                choice: RematchChoice::KeepWaiting
            })
        );
        let refused = parse_rematch(&["later"]).unwrap_err();
        assert!(refused.problem.contains("rematch now"), "{refused:?}");
        assert_eq!(
            parse_mixed_lengths(&["off"]),
            Ok(Command::Prefs {
                change: Some(PrefsChange::MixedLengths(false))
            })
        );
        assert!(parse_mixed_lengths(&["maybe"]).is_err());
    }
}
