//! A member's first session (issue 11): their reminder carries what to expect, so nobody
//! arrives at their first room unsure what happens there. Sent only as part of the reminder
//! of their own booking, never on its own.

use crate::core::message::OutgoingMessage;

/// The etiquette, as one field of the reminder card.
pub fn with_etiquette(reminder: OutgoingMessage) -> OutgoingMessage {
    reminder.field(
        "Your first session: what to expect",
        OutgoingMessage::new().text(
            "The room link comes at the start time, with your partner's name. \
             Join, say hi, and say your goal for the session in a sentence; then work quietly \
             side by side. Cameras are optional, so is talking. At the end, tell each other \
             how it went.",
        ),
    )
}
