//! Messages as Discord shows them: times as `<t:unix:F>` (each viewer's own zone) with a
//! relative `<t:unix:R>`, mentions as `<@id>`, pair rooms as `<#channel>`; command parts
//! (`book next`) become the slash commands members have here (`/book next`, and `/partner` for
//! friend, favourite and block). Actions are buttons (see `components`), not text.

use crate::core::message::{CommandWord, MessagePart, OutgoingMessage};

/// Discord refuses longer messages.
pub const MAX_MESSAGE_CHARS: usize = 2000;

/// A message's parts as content, cut to Discord's 2000 characters. Cards go through `card`.
pub fn render(message: &OutgoingMessage) -> String {
    truncate(&render_parts(&message.parts), MAX_MESSAGE_CHARS)
}

/// Parts in Discord's markdown, uncut (embeds have limits of their own).
pub fn render_parts(parts: &[MessagePart]) -> String {
    let mut out = String::new();
    for part in parts {
        match part {
            MessagePart::Text(text) => out.push_str(text),
            // Another member's nickname: a masked link or markdown in it shows as written.
            MessagePart::Name(name) => out.push_str(&escape_markdown(name)),
            MessagePart::Command { word, arguments } => {
                out.push_str(&slash_command(*word, arguments))
            }
            // A button on the message (`card`), not part of its text.
            MessagePart::Action(_) => {}
            MessagePart::Time { at, .. } => {
                let unix = at.timestamp();
                out.push_str(&format!("<t:{unix}:F> (<t:{unix}:R>)"));
            }
            MessagePart::Mention {
                platform_user_id,
                display_name,
            } => match platform_user_id.parse::<u64>() {
                Ok(id) => out.push_str(&format!("<@{id}>")),
                Err(_) => out.push_str(&format!("@{}", escape_markdown(display_name))),
            },
            MessagePart::Room { room, title } => match super::room_ref::RoomRef::parse(room) {
                Some(room) => out.push_str(&format!("<#{}>", room.channel)),
                None => out.push_str(&format!("#{}", escape_markdown(title))),
            },
        }
    }
    out
}

/// Cuts at a character boundary, marking the cut.
pub fn truncate(text: &str, max_chars: usize) -> String {
    if text.chars().count() <= max_chars {
        return text.to_string();
    }
    let kept: String = text.chars().take(max_chars.saturating_sub(1)).collect();
    format!("{kept}…")
}

/// Names typed by members must not turn into formatting or mass mentions.
pub fn escape_markdown(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(
            c,
            '*' | '_' | '`' | '~' | '|' | '>' | '\\' | '[' | ']' | '(' | ')'
        ) {
            out.push('\\');
        }
        out.push(c);
    }
    out.replace('@', "@\u{200b}")
}

/// The slash command a member types here for a command word: `/book next`; the relation
/// words live under `/partner` (`/partner friend <name>`), Discord's only way to offer them.
pub fn slash_command(word: CommandWord, arguments: &str) -> String {
    let arguments = arguments.trim();
    let (command, arguments) = match word {
        CommandWord::Friend
        | CommandWord::Unfriend
        | CommandWord::Favourite
        | CommandWord::Unfavourite
        | CommandWord::Block
        | CommandWord::Unblock => (
            "partner",
            format!("{} {arguments}", word.as_str()).trim().to_string(),
        ),
        other => (other.as_str(), arguments.to_string()),
    };
    if arguments.is_empty() {
        format!("`/{command}`")
    } else {
        format!("`/{command} {arguments}`")
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn renders_times_mentions_rooms_and_hints() {
        let at = chrono::Utc.with_ymd_and_hms(2026, 11, 30, 9, 0, 0).unwrap();
        let message = OutgoingMessage::new()
            .text("You're with ")
            .mention("42", "bob")
            .text(" — join ")
            .room("7/99", "Focus")
            .text(" at ")
            .time(at, chrono_tz::Europe::Paris)
            .text(". Try ")
            .command(CommandWord::Book, "next")
            .text(" or `anything else`.")
            .action(crate::core::message::MessageAction::BookAnother);
        assert_eq!(
            render(&message),
            "You're with <@42> — join <#99> at <t:1796029200:F> (<t:1796029200:R>). Try `/book next` or `anything else`."
        );
    }

    #[test]
    fn long_messages_are_cut_to_discords_limit() {
        let message = OutgoingMessage::new().text("é".repeat(3000));
        let rendered = render(&message);
        assert_eq!(rendered.chars().count(), MAX_MESSAGE_CHARS);
        assert!(rendered.ends_with('…'));
    }

    #[test]
    fn names_cannot_ping_everyone() {
        assert_eq!(
            escape_markdown("@everyone *x*"),
            "@\u{200b}everyone \\*x\\*"
        );
    }
}
