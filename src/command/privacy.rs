//! The privacy commands' grammar (issue 12): `privacy export` sends the member their data;
//! `privacy delete` asks first, and `privacy delete confirm` (what the confirmation's button
//! or reply line says) erases it.

use super::Command;

pub const USAGE_PRIVACY: &str = "privacy export|delete (e.g. privacy export)";

pub const HELP_PRIVACY: &str =
    "privacy export sends you everything stored about you, as a JSON file. \
privacy delete erases it all — your bookings are cancelled (partners are only told you cancelled) \
and nothing of you is kept but anonymous counts; it asks you to confirm first.";

/// What a member asks of their data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PrivacyRequest {
    /// Send me everything stored about me.
    Export,
    /// Erase me; without `confirmed` the answer only asks for the confirmation.
    Delete { confirmed: bool },
}

/// Whether `command` erases the member (`privacy delete confirm`).
pub fn erases(command: &Command) -> bool {
    matches!(
        command,
        Command::Privacy {
            request: PrivacyRequest::Delete { confirmed: true }
        }
    )
}

/// `privacy …`'s words (after the command word); an error is the problem in words (the parser
/// adds the usage).
pub fn parse_privacy(args: &[&str]) -> Result<Command, &'static str> {
    let words: Vec<String> = args.iter().map(|word| word.to_lowercase()).collect();
    let words: Vec<&str> = words.iter().map(String::as_str).collect();
    let request = match words.as_slice() {
        ["export"] => PrivacyRequest::Export,
        ["delete"] => PrivacyRequest::Delete { confirmed: false },
        ["delete", "confirm"] => PrivacyRequest::Delete { confirmed: true },
        _ => return Err("Say privacy export for your data, or privacy delete to erase it."),
    };
    Ok(Command::Privacy { request })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_command(text: &str) -> Result<Command, &'static str> {
        let words: Vec<&str> = text.split_whitespace().collect();
        let start = words
            .iter()
            .position(|word| *word == "privacy")
            .expect("privacy")
            + 1;
        parse_privacy(&words[start..])
    }

    #[test]
    fn privacy_commands_parse_and_deletion_needs_the_confirm_word() {
        assert_eq!(
            parse_command("privacy export"),
            Ok(Command::Privacy {
                request: PrivacyRequest::Export
            })
        );
        assert_eq!(
            parse_command("privacy DELETE"),
            Ok(Command::Privacy {
                request: PrivacyRequest::Delete { confirmed: false }
            })
        );
        assert_eq!(
            parse_command("privacy delete confirm"),
            Ok(Command::Privacy {
                request: PrivacyRequest::Delete { confirmed: true }
            })
        );
        for bad in [
            "privacy",
            "privacy delete now",
            "privacy confirm",
            "privacy export all",
        ] {
            assert!(parse_command(bad).is_err(), "{bad}");
        }
    }
}
