//! Messages are built from parts so each platform renders times and mentions its own way:
//! the shell prints "09:00 CET", Discord writes `<t:unix:F>`, Matrix writes the member's zone.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

#[derive(Debug, Clone, PartialEq)]
pub enum MessagePart {
    Text(String),
    /// An instant, to be shown in `zone` where the platform cannot localise it itself.
    Time {
        at: DateTime<Utc>,
        zone: Tz,
    },
    /// A member mention.
    Mention {
        platform_user_id: String,
        display_name: String,
    },
    /// A pair room reference.
    Room {
        room: String,
        title: String,
    },
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct OutgoingMessage {
    pub parts: Vec<MessagePart>,
}

impl OutgoingMessage {
    pub fn new() -> Self {
        Self::default()
    }
    pub fn text(mut self, text: impl Into<String>) -> Self {
        self.parts.push(MessagePart::Text(text.into()));
        self
    }
    pub fn time(mut self, at: DateTime<Utc>, zone: Tz) -> Self {
        self.parts.push(MessagePart::Time { at, zone });
        self
    }
    pub fn mention(
        mut self,
        platform_user_id: impl Into<String>,
        display_name: impl Into<String>,
    ) -> Self {
        self.parts.push(MessagePart::Mention {
            platform_user_id: platform_user_id.into(),
            display_name: display_name.into(),
        });
        self
    }
    pub fn room(mut self, room: impl Into<String>, title: impl Into<String>) -> Self {
        self.parts.push(MessagePart::Room {
            room: room.into(),
            title: title.into(),
        });
        self
    }

    /// Plain-text rendering with times in their zones: the shell's and the logs' view.
    pub fn render_plain(&self) -> String {
        let mut out = String::new();
        for part in &self.parts {
            match part {
                MessagePart::Text(text) => out.push_str(text),
                MessagePart::Time { at, zone } => out.push_str(&render_time_in_zone(*at, *zone)),
                MessagePart::Mention { display_name, .. } => {
                    out.push('@');
                    out.push_str(display_name);
                }
                MessagePart::Room { title, .. } => {
                    out.push('#');
                    out.push_str(title);
                }
            }
        }
        out
    }
}

/// "Mon 30 Nov 09:00 CET" — always with the zone abbreviation, so nobody guesses which zone.
pub fn render_time_in_zone(at: DateTime<Utc>, zone: Tz) -> String {
    at.with_timezone(&zone)
        .format("%a %-d %b %H:%M %Z")
        .to_string()
}
