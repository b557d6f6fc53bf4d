//! `msg <text>` / `msg @x <text>`: a partner message relayed by DM with the sender's display
//! name and a Reply action. Who may be reached is `core::partner_messages`; every message is
//! logged (never its text) so the relay is keyed once and the per-member rate holds across
//! restarts and instances. A message to someone who blocked the sender is logged undelivered
//! and the sender gets the same answer as for a delivered one.

use super::SocialRefusal;
use crate::command::MemberRef;
use crate::core::friends::Friendship;
use crate::core::message::{MessageAction, OutgoingMessage};
use crate::core::model::{Community, Member};
use crate::core::partner_messages::{
    session_to_message, shared_session, within_message_rate, MAX_MESSAGE_CHARS,
    MESSAGES_PER_WINDOW, MESSAGE_PARTNERS_FOR, MESSAGE_WINDOW,
};
use crate::engine::effect_key::EffectKey;
use crate::engine::errors::{unexpected, CommandFailure};
use crate::engine::Engine;

/// Why the recipient may be written to, as the relay says it.
enum Context {
    Partner(chrono::DateTime<chrono::Utc>),
    Friend,
}

impl Engine {
    pub(in crate::engine) async fn message_partner(
        &self,
        community: &Community,
        member: &Member,
        to: Option<&MemberRef>,
        text: &str,
    ) -> Result<OutgoingMessage, CommandFailure> {
        let text = text.trim();
        if text.chars().count() > MAX_MESSAGE_CHARS {
            return Err(SocialRefusal::MessageTooLong(MAX_MESSAGE_CHARS).into());
        }
        let now = self.clock.now();
        let store = &self.store;
        let recent = store
            .partner_messages_sent_since(member.id, now - MESSAGE_WINDOW)
            .await
            .map_err(unexpected)?;
        if !within_message_rate(now, &recent) {
            return Err(SocialRefusal::TooManyMessages(
                MESSAGES_PER_WINDOW,
                MESSAGE_WINDOW.num_minutes(),
            )
            .into());
        }
        // Sessions are at most a day long, so a session that ended within the last 24 h
        // started within the last 48 h.
        let sessions = store
            .sessions_sat_in(
                member.id,
                now - MESSAGE_PARTNERS_FOR - chrono::Duration::days(1),
            )
            .await
            .map_err(unexpected)?;
        let recipients: Vec<(Member, Context)> = match to {
            None => {
                let session = session_to_message(now, member.id, &sessions)
                    .ok_or(SocialRefusal::NoPartnerToMessage)?;
                let partners = store
                    .members_by_ids(&session.partners)
                    .await
                    .map_err(unexpected)?;
                let mut kept = Vec::new();
                for partner in partners {
                    // A partner the sender blocked is left out of a trio's relay.
                    if !store
                        .has_blocked(member.id, partner.id)
                        .await
                        .map_err(unexpected)?
                    {
                        kept.push((partner, Context::Partner(session.starts_at)));
                    }
                }
                if kept.is_empty() {
                    return Err(SocialRefusal::YouBlockedThem.into());
                }
                kept
            }
            Some(target) => {
                let other = self.member_named(community, target).await?;
                if other.id == member.id {
                    return Err(SocialRefusal::Yourself.into());
                }
                let context = match shared_session(now, member.id, other.id, &sessions) {
                    Some(at) => Context::Partner(at),
                    None => {
                        let friends = store
                            .friendship(member.id, other.id)
                            .await
                            .map_err(unexpected)?
                            == Friendship::Friends;
                        if !friends {
                            return Err(SocialRefusal::NotYourPartner.into());
                        }
                        Context::Friend
                    }
                };
                if store
                    .has_blocked(member.id, other.id)
                    .await
                    .map_err(unexpected)?
                {
                    return Err(SocialRefusal::YouBlockedThem.into());
                }
                vec![(other, context)]
            }
        };
        let mut reply = OutgoingMessage::new().text("✉️ Sent to ");
        for (index, (recipient, context)) in recipients.iter().enumerate() {
            if index > 0 {
                reply = reply.text(" and ");
            }
            reply = reply.name(&recipient.display_name);
            self.relay(member, recipient, context, text, now).await?;
        }
        Ok(reply.text("."))
    }

    /// Logs one message and, unless the recipient blocked the sender, DMs it once.
    async fn relay(
        &self,
        sender: &Member,
        recipient: &Member,
        context: &Context,
        text: &str,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<(), CommandFailure> {
        let blocked = self
            .store
            .has_blocked(recipient.id, sender.id)
            .await
            .map_err(unexpected)?;
        let id = self
            .store
            .record_partner_message(sender.id, recipient.id, now, !blocked)
            .await
            .map_err(unexpected)?;
        if blocked {
            return Ok(());
        }
        let mut message = OutgoingMessage::new()
            .text("💬 ")
            .name(&sender.display_name);
        message = match context {
            Context::Partner(at) => message
                .text(" (your partner at ")
                .time(*at, recipient.time_zone)
                .text(")"),
            Context::Friend => message.text(" (your friend)"),
        };
        // The text is a name part: shown as written, never as markup or a mass mention.
        message = message
            .text(":\n")
            .name(text)
            .action(MessageAction::ReplyTo {
                sender_platform_user_id: sender.platform_user_id.clone(),
            });
        if let Err(error) = self
            .send_dm_once(
                EffectKey::PartnerMessage { message: id },
                recipient,
                message,
            )
            .await
        {
            tracing::warn!(message = id, error = %error, "partner message not relayed");
        }
        Ok(())
    }
}
