//! `privacy export` and `privacy delete` (issue 12).
//!
//! Export reads everything the store keeps about the member (`store::privacy`) into one JSON
//! file on the reply: Discord attaches it, Matrix uploads it into the DM, the shell prints it.
//!
//! Delete asks first: the answer carries a confirmation action (a button on Discord, "reply
//! `privacy delete confirm`" elsewhere), and only `privacy delete confirm` erases. Erasing
//! cancels the member's upcoming bookings the way `cancel` does (so a partner already matched
//! hears only "your partner cancelled" at the start, and slots and their jobs stay as after
//! any cancel; weekly series end), then deletes every row about them in one transaction,
//! keeping their attendance as anonymous counts so the community's figures do not move. A
//! member who writes again afterwards is a new member.

use super::errors::{unexpected, CommandFailure};
use super::{Attachment, Engine};
use crate::command::privacy::PrivacyRequest;
use crate::core::booking_rules::CancelKind;
use crate::core::message::{MessageAction, OutgoingMessage, Tone};
use crate::core::model::{Community, Member};

/// The export's file name and media type.
pub const EXPORT_FILE_NAME: &str = "focusfolk-my-data.json";
pub const JSON_MEDIA_TYPE: &str = "application/json";

impl Engine {
    pub(super) async fn privacy(
        &self,
        community: &Community,
        member: &Member,
        request: PrivacyRequest,
        attachments: &mut Vec<Attachment>,
    ) -> Result<OutgoingMessage, CommandFailure> {
        match request {
            PrivacyRequest::Export => {
                self.export_member_data(community, member, attachments)
                    .await
            }
            PrivacyRequest::Delete { confirmed: false } => Ok(deletion_question()),
            PrivacyRequest::Delete { confirmed: true } => {
                self.erase_member(community, member, attachments).await
            }
        }
    }

    async fn export_member_data(
        &self,
        community: &Community,
        member: &Member,
        attachments: &mut Vec<Attachment>,
    ) -> Result<OutgoingMessage, CommandFailure> {
        let export = self
            .store
            .export_member_data(member.id, community.platform, self.clock.now())
            .await
            .map_err(unexpected)?;
        let bytes = serde_json::to_vec_pretty(&export).map_err(unexpected)?;
        attachments.push(Attachment {
            file_name: EXPORT_FILE_NAME.to_string(),
            media_type: JSON_MEDIA_TYPE,
            bytes,
        });
        Ok(OutgoingMessage::new()
            .titled("Your data")
            .tone(Tone::Confirmed)
            .text(format!(
                "Everything stored about you is in the attached file {EXPORT_FILE_NAME}: \
                 {} bookings, {} sessions, {} attendance records, {} marks, {} friend requests, \
                 {} partner messages (who and when; their text is never stored).",
                export.bookings.len(),
                export.sessions.len(),
                export.attendance.len(),
                export.marks.len(),
                export.friend_requests_sent.len() + export.friend_requests_received.len(),
                export.messages_sent.len() + export.messages_received.len(),
            ))
            .footer("To erase it all, say privacy delete."))
    }

    async fn erase_member(
        &self,
        community: &Community,
        member: &Member,
        attachments: &mut Vec<Attachment>,
    ) -> Result<OutgoingMessage, CommandFailure> {
        let now = self.clock.now();
        // As `cancel … series` and a departed member's bookings: end weekly series, then
        // cancel what has not started, on time (leaving is nobody's late cancel).
        let upcoming: Vec<_> = self
            .store
            .active_bookings_for_member(member.id, now)
            .await
            .map_err(unexpected)?
            .into_iter()
            .filter(|booking| booking.starts_at > now)
            .collect();
        let weekly: Vec<_> = self
            .store
            .weekly_bookings_for_member(member.id, now - chrono::Duration::days(30))
            .await
            .map_err(unexpected)?
            .iter()
            .map(|booking| booking.id)
            .collect();
        self.store
            .stop_recurring(&weekly)
            .await
            .map_err(unexpected)?;
        let mut cancelled = 0;
        for booking in &upcoming {
            if self
                .store
                .cancel_booking(booking.id, CancelKind::OnTime)
                .await
                .map_err(unexpected)?
            {
                cancelled += 1;
                // Their calendar drops the session too.
                attachments.push(self.booking_cancellation(booking, member));
            }
        }
        super::metrics::booking_cancelled(community.platform, cancelled);
        let report = self
            .store
            .erase_member(member.id, community.platform, &member.platform_user_id)
            .await
            .map_err(unexpected)?;
        tracing::info!(community = %community.platform_community_id, cancelled, rows = report.total(), "a member erased their data");
        self.wake_runner.notify_one();
        Ok(OutgoingMessage::new()
            .titled("Your data is deleted")
            .tone(Tone::Confirmed)
            .text(match cancelled {
                0 => "Everything stored about you is gone.".to_string(),
                1 => "Your upcoming session is cancelled and everything stored about you is gone."
                    .to_string(),
                n => format!(
                    "Your {n} upcoming sessions are cancelled and everything stored about you is gone."
                ),
            })
            .footer(
                "Only anonymous counts remain (how many came to each session). If you write to me again, you start as a new member.",
            ))
    }
}

/// "Delete your data?" with what it means and the one action that does it.
fn deletion_question() -> OutgoingMessage {
    OutgoingMessage::new()
        .titled("Delete your data?")
        .tone(Tone::Problem)
        .text(
            "This cancels your upcoming sessions (partners are only told you cancelled) and erases \
             everything stored about you: bookings, history, friends, marks and settings. \
             It cannot be undone. Nothing is deleted until you confirm.",
        )
        .action(MessageAction::ConfirmDeletion)
}
