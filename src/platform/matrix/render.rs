//! Message parts as Matrix sees them: a plain `body` for every client and an HTML
//! `formatted_body` where mentions are matrix.to pills and rooms are links. Times are written in
//! the recipient's zone (Matrix clients cannot localise a timestamp inside text).
//!
//! A card (a message with a title, fields, a list, …) is laid out as a bold first line, the body,
//! a bulleted list, "Name: value" lines, the footer in italics, and the next step last: a link
//! to join the room, or "Reply `cancel 12` to cancel this session." (Matrix has no buttons).
//! Everything a member typed (display names, room titles) is HTML-escaped.

use serde_json::{json, Value};

use crate::core::message::{
    command_text, render_time_in_zone, CommandWord, MessageAction, MessagePart, OutgoingMessage,
};

/// How command parts are written: members type commands bare in their DM room with the bot,
/// and after the prefix (`!focusfolk book next`) in a community room.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum CommandStyle<'a> {
    Bare,
    Prefixed(&'a str),
}

impl CommandStyle<'_> {
    fn write(self, word: CommandWord, arguments: &str, open: &str, close: &str) -> String {
        match self {
            CommandStyle::Bare => command_text(word, arguments, open, close),
            CommandStyle::Prefixed(prefix) => {
                let bare = command_text(word, arguments, "", "");
                format!("{open}{prefix} {bare}{close}")
            }
        }
    }
}

pub struct Rendered {
    pub body: String,
    pub html: String,
}

/// `via` makes room links work for members on other homeservers: room ids of version 12 rooms
/// carry no server name to route through.
pub fn render(message: &OutgoingMessage, via_server: &str, commands: CommandStyle) -> Rendered {
    if !message.is_card() {
        return render_parts(&message.parts, via_server, commands);
    }
    // Lines of the plain body, and blocks of HTML: a list is a block of its own, everything
    // else a line ended by `<br>`.
    let mut body: Vec<String> = Vec::new();
    let mut html = String::new();
    let html_line = |html: &mut String, line: String| {
        if !html.is_empty() && !html.ends_with("</ul>") {
            html.push_str("<br>");
        }
        html.push_str(&line);
    };
    if let Some(title) = &message.title {
        body.push(title.clone());
        html_line(&mut html, format!("<strong>{}</strong>", escape(title)));
    }
    let parts: Vec<MessagePart> = message.body_parts().cloned().collect();
    let text = render_parts(&parts, via_server, commands);
    if !text.body.trim().is_empty() {
        body.push(text.body.trim().to_string());
        html_line(&mut html, text.html.trim().to_string());
    }
    if !message.items.is_empty() {
        let mut list = String::from("<ul>");
        for item in &message.items {
            let item = render_parts(item, via_server, commands);
            body.push(format!("  • {}", item.body));
            list.push_str(&format!("<li>{}</li>", item.html));
        }
        list.push_str("</ul>");
        html.push_str(&list);
    }
    for field in &message.fields {
        let value = render_parts(&field.value, via_server, commands);
        body.push(format!("{}: {}", field.name, value.body));
        html_line(
            &mut html,
            format!("{}: {}", escape(&field.name), value.html),
        );
    }
    if let Some(footer) = &message.footer {
        body.push(footer.clone());
        html_line(&mut html, format!("<em>{}</em>", escape(footer)));
    }
    if let Some(join) = &message.join {
        let link = room_link(&join.room, via_server);
        body.push(format!("→ Join the room: {link}"));
        html_line(
            &mut html,
            format!(
                "→ <a href=\"{}\">Join the room</a> ({})",
                escape(&link),
                escape(&join.title)
            ),
        );
    }
    for action in message.actions() {
        body.push(reply_line(action, commands, "`", "`", false));
        html_line(
            &mut html,
            reply_line(action, commands, "<code>", "</code>", true),
        );
    }
    Rendered {
        body: body.join("\n"),
        html,
    }
}

/// "→ Reply `cancel 12` to cancel this session.": what a button does elsewhere, as a reply.
fn reply_line(
    action: &MessageAction,
    commands: CommandStyle,
    open: &str,
    close: &str,
    html: bool,
) -> String {
    let (word, arguments) = action.as_command();
    let arguments = if html { escape(&arguments) } else { arguments };
    let label = if html {
        escape(&action.label())
    } else {
        action.label()
    };
    let mut what = label.chars();
    let what = match what.next() {
        Some(first) => first.to_lowercase().chain(what).collect::<String>(),
        None => String::new(),
    };
    format!(
        "→ Reply {} to {what}.",
        commands.write(word, &arguments, open, close)
    )
}

/// Parts as a body and HTML, in order: what a message without card structure is.
fn render_parts(parts: &[MessagePart], via_server: &str, commands: CommandStyle) -> Rendered {
    let mut body = String::new();
    let mut html = String::new();
    for part in parts {
        match part {
            MessagePart::Text(text) => {
                body.push_str(text);
                html.push_str(&text_to_html(text));
            }
            // Someone's chosen name: escaped and nothing more (a backtick in it is a backtick).
            MessagePart::Name(name) => {
                body.push_str(name);
                html.push_str(&escape(name));
            }
            MessagePart::Time { at, zone } => {
                let text = render_time_in_zone(*at, *zone);
                html.push_str(&escape(&text));
                body.push_str(&text);
            }
            MessagePart::Mention {
                platform_user_id,
                display_name,
            } => {
                body.push_str(display_name);
                if is_matrix_user_id(platform_user_id) {
                    html.push_str(&format!(
                        "<a href=\"https://matrix.to/#/{}\">{}</a>",
                        escape(platform_user_id),
                        escape(display_name)
                    ));
                } else {
                    html.push_str(&escape(display_name));
                }
            }
            MessagePart::Command { word, arguments } => {
                body.push_str(&commands.write(*word, arguments, "`", "`"));
                html.push_str(&commands.write(*word, &escape(arguments), "<code>", "</code>"));
            }
            MessagePart::Action(action) => {
                // No buttons on Matrix: the line says what to reply instead.
                let (word, arguments) = action.as_command();
                // A label may carry a member's display name (the check-in's "Report ann"):
                // escaped like every name in the HTML body.
                let line = |label: &str, open: &str, close: &str, arguments: &str| {
                    format!(
                        "\n→ {label}: {}",
                        commands.write(word, arguments, open, close)
                    )
                };
                body.push_str(&line(&action.label(), "`", "`", &arguments));
                html.push_str(
                    &line(
                        &escape(&action.label()),
                        "<code>",
                        "</code>",
                        &escape(&arguments),
                    )
                    .replace('\n', "<br>"),
                );
            }
            MessagePart::Room { room, title } => {
                let link = room_link(room, via_server);
                body.push_str(&format!("{title} ({link})"));
                html.push_str(&format!(
                    "<a href=\"{}\">{}</a>",
                    escape(&link),
                    escape(title)
                ));
            }
        }
    }
    Rendered { body, html }
}

pub fn room_link(room_id: &str, via_server: &str) -> String {
    format!("https://matrix.to/#/{room_id}?via={via_server}")
}

/// The JSON content of an `m.room.message` (`msgtype` is `m.text` or `m.notice`).
pub fn message_content(msgtype: &str, rendered: &Rendered) -> Value {
    json!({
        "msgtype": msgtype,
        "body": rendered.body,
        "format": "org.matrix.custom.html",
        "formatted_body": rendered.html,
    })
}

fn is_matrix_user_id(id: &str) -> bool {
    id.starts_with('@') && id.contains(':')
}

/// Backticks become `<code>` (commands in help texts), newlines `<br>`.
fn text_to_html(text: &str) -> String {
    let mut out = String::new();
    for (index, piece) in text.split('`').enumerate() {
        let escaped = escape(piece).replace('\n', "<br>");
        if index % 2 == 1 {
            out.push_str(&format!("<code>{escaped}</code>"));
        } else {
            out.push_str(&escaped);
        }
    }
    out
}

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn mentions_are_pills_times_are_local_and_html_is_escaped() {
        let at = chrono::Utc.with_ymd_and_hms(2026, 11, 30, 8, 0, 0).unwrap();
        let message = OutgoingMessage::new()
            .text("<b> with ")
            .mention("@bob:example.org", "Bob")
            .text(" at ")
            .time(at, chrono_tz::Europe::Paris)
            .text(" in ")
            .room("!abc", "Focus 08:00 · a & b")
            .text(" — `help`");
        let rendered = render(&message, "example.org", CommandStyle::Bare);
        assert_eq!(
            rendered.body,
            "<b> with Bob at Mon 30 Nov 09:00 CET in Focus 08:00 · a & b (https://matrix.to/#/!abc?via=example.org) — `help`"
        );
        assert!(rendered.html.starts_with(
            "&lt;b&gt; with <a href=\"https://matrix.to/#/@bob:example.org\">Bob</a>"
        ));
        assert!(rendered.html.contains(
            "<a href=\"https://matrix.to/#/!abc?via=example.org\">Focus 08:00 · a &amp; b</a>"
        ));
        assert!(rendered.html.ends_with("<code>help</code>"));
    }

    #[test]
    fn commands_carry_the_prefix_in_community_rooms_and_actions_say_what_to_reply() {
        let message = OutgoingMessage::new()
            .text("Try ")
            .command(CommandWord::Book, "next")
            .action(crate::core::message::MessageAction::CancelBooking(
                crate::core::model::BookingId(12),
            ));
        let bare = render(&message, "x", CommandStyle::Bare);
        assert_eq!(
            bare.body,
            "Try `book next`\n→ Cancel this session: `cancel 12`"
        );
        assert_eq!(
            bare.html,
            "Try <code>book next</code><br>→ Cancel this session: <code>cancel 12</code>"
        );
        let prefixed = render(&message, "x", CommandStyle::Prefixed("!focus"));
        assert_eq!(
            prefixed.body,
            "Try `!focus book next`\n→ Cancel this session: `!focus cancel 12`"
        );
    }

    #[test]
    fn a_display_name_in_an_action_label_is_escaped_in_html() {
        let message =
            OutgoingMessage::new().action(crate::core::message::MessageAction::AboutPartner {
                kind: crate::core::message::PartnerActionKind::Report,
                partner_platform_user_id: "@x:example.org".into(),
                partner_name: "<img src=x>".into(),
            });
        let rendered = render(&message, "x", CommandStyle::Bare);
        assert!(rendered
            .body
            .contains("→ Report <img src=x>: `report @x:example.org"));
        assert!(
            rendered.html.contains("→ Report &lt;img src=x&gt;: <code>")
                && !rendered.html.contains("<img"),
            "{}",
            rendered.html
        );
        let card = render(&message.titled("Session done"), "x", CommandStyle::Bare);
        assert!(!card.html.contains("<img"), "{}", card.html);
    }

    #[test]
    fn non_matrix_mentions_stay_plain_names() {
        let rendered = render(
            &OutgoingMessage::new().mention("ann", "Ann"),
            "x",
            CommandStyle::Bare,
        );
        assert_eq!(rendered.html, "Ann");
    }
}
