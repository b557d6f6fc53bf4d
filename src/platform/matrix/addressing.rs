//! Whether a message in a community room is meant for the bot, and the command after the
//! address. Matrix bots are addressed two ways, and members use both:
//!
//! - a prefix word, `[matrix] command_prefix` (default `!focusfolk`): `!focusfolk book 9:00`;
//! - a mention: `@focusfolk:example.org book 9:00`, `@focusfolk: book 9:00`, or an Element pill,
//!   whose plain `body` starts with the bot's display name and whose `formatted_body` starts with
//!   a `matrix.to` link to the bot (Element also lists the bot in `m.mentions`).
//!
//! A bare display name ("focusfolk: book") counts only when the message really mentions the bot
//! (a pill or `m.mentions`): a member talking *about* the bot must not trigger it.

use matrix_sdk::ruma::UserId;

/// What a message carries that can address the bot.
pub(super) struct IncomingText<'a> {
    pub body: &'a str,
    pub formatted_body: Option<&'a str>,
    /// `m.mentions.user_ids` contains the bot.
    pub mentions_bot: bool,
}

/// The command text of a message addressed to the bot (possibly empty: "@focusfolk" alone), or
/// `None` when the message is not for the bot.
pub(super) fn command_text<'a>(
    message: &IncomingText<'a>,
    prefix: &str,
    bot: &UserId,
) -> Option<&'a str> {
    let body = message.body.trim_start();
    let first_word = body.split_whitespace().next()?;
    if first_word.eq_ignore_ascii_case(prefix) {
        return Some(body[first_word.len()..].trim_start());
    }
    let mut addresses = vec![bot.as_str().to_string(), format!("@{}", bot.localpart())];
    let pill_text = message
        .formatted_body
        .and_then(|html| leading_pill_text(html, bot));
    if pill_text.is_some() || message.mentions_bot {
        addresses.extend(pill_text.map(str::to_string));
        addresses.push(bot.localpart().to_string());
    }
    // Longest first: "@focusfolk:example.org" must win over "@focusfolk" followed by ':'.
    addresses.sort_by_key(|address| std::cmp::Reverse(address.len()));
    addresses
        .iter()
        .filter(|address| !address.is_empty())
        .find_map(|address| strip_address(body, address))
}

/// `body` without a leading `address` and its separator (`:`, `,` or space); `None` when the
/// address is only the start of a longer word ("@focusfolkfan").
fn strip_address<'a>(body: &'a str, address: &str) -> Option<&'a str> {
    let head = body.get(..address.len())?;
    if !head.eq_ignore_ascii_case(address) {
        return None;
    }
    let rest = &body[address.len()..];
    let rest = match rest.chars().next() {
        None => rest,
        Some(':' | ',') => &rest[1..],
        Some(c) if c.is_whitespace() => rest,
        Some(_) => return None,
    };
    Some(rest.trim_start())
}

/// The text of a `matrix.to` link to `bot` that opens the HTML body, as Element writes a pill:
/// `<a href="https://matrix.to/#/@focusfolk:example.org">focusfolk</a>: book 9:00`.
fn leading_pill_text<'a>(html: &'a str, bot: &UserId) -> Option<&'a str> {
    let html = html.trim_start();
    let after_open = html.strip_prefix("<a href=\"")?;
    let (href, after_href) = after_open.split_once('"')?;
    let target = href.strip_prefix("https://matrix.to/#/")?;
    let target = target.split('?').next().unwrap_or(target);
    let target = target
        .replace("%40", "@")
        .replace("%3A", ":")
        .replace("%3a", ":");
    if target != bot.as_str() {
        return None;
    }
    let after_tag = &after_href[after_href.find('>')? + 1..];
    let (text, _) = after_tag.split_once("</a>")?;
    (!text.contains('<') && !text.contains('&')).then_some(text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use matrix_sdk::ruma::user_id;

    fn plain(body: &str) -> IncomingText<'_> {
        IncomingText {
            body,
            formatted_body: None,
            mentions_bot: false,
        }
    }

    #[test]
    fn the_prefix_word_addresses_the_bot_in_any_case() {
        let bot = user_id!("@focusfolk:example.org");
        assert_eq!(
            command_text(&plain("!focusfolk book 9:00"), "!focusfolk", bot),
            Some("book 9:00")
        );
        assert_eq!(
            command_text(&plain("  !FocusFolk"), "!focusfolk", bot),
            Some("")
        );
        assert_eq!(
            command_text(&plain("!focusfolkfoo book"), "!focusfolk", bot),
            None
        );
        assert_eq!(
            command_text(&plain("hey !focusfolk"), "!focusfolk", bot),
            None
        );
    }

    #[test]
    fn a_custom_prefix_replaces_the_default_one() {
        let bot = user_id!("@focusfolk:example.org");
        assert_eq!(
            command_text(&plain("!focus sessions"), "!focus", bot),
            Some("sessions")
        );
        assert_eq!(
            command_text(&plain("!focusfolk sessions"), "!focus", bot),
            None
        );
    }

    #[test]
    fn a_typed_mention_addresses_the_bot() {
        let bot = user_id!("@focusfolk:example.org");
        let prefix = "!focusfolk";
        assert_eq!(
            command_text(&plain("@focusfolk: book 9am"), prefix, bot),
            Some("book 9am")
        );
        assert_eq!(
            command_text(&plain("@focusfolk book 9am"), prefix, bot),
            Some("book 9am")
        );
        assert_eq!(
            command_text(&plain("@focusfolk:example.org: book 9am"), prefix, bot),
            Some("book 9am")
        );
        assert_eq!(
            command_text(&plain("@focusfolk:example.org book 9am"), prefix, bot),
            Some("book 9am")
        );
        assert_eq!(command_text(&plain("@focusfolkfan: hi"), prefix, bot), None);
        // Talking about the bot without mentioning it is not a command.
        assert_eq!(
            command_text(&plain("focusfolk: is it any good?"), prefix, bot),
            None
        );
    }

    #[test]
    fn an_element_pill_addresses_the_bot_by_its_display_name() {
        let bot = user_id!("@bot:example.org");
        let pill = IncomingText {
            body: "Focus Helper: book tomorrow 9:00",
            formatted_body: Some(
                "<a href=\"https://matrix.to/#/@bot:example.org\">Focus Helper</a>: book tomorrow 9:00",
            ),
            mentions_bot: true,
        };
        assert_eq!(
            command_text(&pill, "!focusfolk", bot),
            Some("book tomorrow 9:00")
        );

        let someone_else = IncomingText {
            body: "Focus Helper: hi",
            formatted_body: Some(
                "<a href=\"https://matrix.to/#/@other:example.org\">Focus Helper</a>: hi",
            ),
            mentions_bot: false,
        };
        assert_eq!(command_text(&someone_else, "!focusfolk", bot), None);

        let mentioned_by_localpart = IncomingText {
            body: "bot: sessions",
            formatted_body: None,
            mentions_bot: true,
        };
        assert_eq!(
            command_text(&mentioned_by_localpart, "!focusfolk", bot),
            Some("sessions")
        );
    }

    #[test]
    fn percent_encoded_pills_are_understood() {
        let bot = user_id!("@bot:example.org");
        let pill = IncomingText {
            body: "bot: help",
            formatted_body: Some(
                "<a href=\"https://matrix.to/#/%40bot%3Aexample.org?via=x\">bot</a>: help",
            ),
            mentions_bot: false,
        };
        assert_eq!(command_text(&pill, "!focusfolk", bot), Some("help"));
    }
}
