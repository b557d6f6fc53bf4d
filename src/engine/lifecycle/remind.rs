//! Reminder (T − reminder lead): every member booked in the slot, unless they opted out.

use crate::core::message::{CommandWord, MessageAction, OutgoingMessage, Tone};
use crate::core::model::{Booking, BookingStatus, Job, Member, Slot};
use crate::core::reliability::is_first_timer;
use crate::core::schedule::starts_in_words;
use crate::engine::effect_key::EffectKey;
use crate::engine::errors::JobError;
use crate::engine::fan_out::run_concurrently;
use crate::engine::Engine;

/// Reminders are due when their job runs; DMs that cannot all go out within this make one post.
const REMINDER_DEADLINE: chrono::Duration = chrono::Duration::seconds(60);

impl Engine {
    /// One job per slot reminds everyone booked. A job carrying a booking id comes from a
    /// database written before reminders were per slot, and reminds that booking's member.
    pub(crate) async fn run_reminder(&self, job: &Job, slot: &Slot) -> Result<String, JobError> {
        let bookings: Vec<Booking> = match job.booking_id {
            Some(booking_id) => self
                .store
                .booking(booking_id)
                .await
                .map_err(JobError::unexpected)?
                .into_iter()
                .collect(),
            None => self
                .store
                .active_bookings_for_slot(slot.id)
                .await
                .map_err(JobError::unexpected)?,
        };
        let active: Vec<&Booking> = bookings
            .iter()
            .filter(|booking| booking.status == BookingStatus::Active)
            .collect();
        let member_ids: Vec<_> = active.iter().map(|booking| booking.member_id).collect();
        let members = self.members_by_id(&member_ids).await?;
        // The only booker of the slot hears of it even with reminders off: nobody is ever
        // alone without warning (issue 11). A first-timer's reminder carries the etiquette
        // (what to expect); one who turned reminders off is not sent it, as they asked.
        let alone = active.len() == 1 && job.booking_id.is_none();
        // So does a member whose own choices (friends only, quiet never with talk) rule out
        // everyone booked with them (issue 11, `engine::session_choices`).
        let choice_notes = if job.booking_id.is_none() {
            let community = self
                .store
                .community(slot.community_id)
                .await
                .map_err(JobError::unexpected)?;
            self.no_fitting_partner_notes(&community, &active, &members)
                .await
                .map_err(JobError::unexpected)?
        } else {
            std::collections::HashMap::new()
        };
        let to_remind: Vec<(&Booking, &Member)> = active
            .iter()
            .filter_map(|booking| Some((*booking, members.get(&booking.member_id)?)))
            .filter(|(booking, member)| {
                member.reminders_enabled || alone || choice_notes.contains_key(&booking.id)
            })
            .collect();
        let mut lone_notes = std::collections::HashMap::new();
        if alone {
            let community = self
                .store
                .community(slot.community_id)
                .await
                .map_err(JobError::unexpected)?;
            for (booking, member) in &to_remind {
                let note = self
                    .lone_booker_note(&community, member, booking, &bookings)
                    .await
                    .map_err(JobError::unexpected)?;
                lone_notes.insert(booking.id, note);
            }
        }
        let starts_in = starts_in_words(slot.starts_at - self.clock.now());
        let reminded = to_remind.len();
        // Too many for the platform's DM budget within a minute: one post for everyone.
        let post = EffectKey::CommunityRemind { slot: slot.id };
        if job.booking_id.is_none()
            && self
                .use_community_post(post, reminded, self.clock.now() + REMINDER_DEADLINE)
                .await?
        {
            let community = self
                .store
                .community(slot.community_id)
                .await
                .map_err(JobError::unexpected)?;
            {
                let mut message = OutgoingMessage::new().text(format!(
                    "⏰ The {}-minute focus session {starts_in}: ",
                    slot.length_minutes
                ));
                message = super::mention_partners(message, to_remind.iter().map(|(_, member)| *member))
                    .text(". I'll post your partners and rooms here when it starts. Can't make it? Cancel with ")
                    .command(CommandWord::Cancel, "")
                    .text(".");
                let covered: Vec<EffectKey> = to_remind
                    .iter()
                    .map(|(booking, _)| EffectKey::Remind {
                        booking: booking.id,
                    })
                    .collect();
                if self
                    .post_once_covering(&community, post, message, &covered)
                    .await?
                {
                    return Ok(format!(
                        "reminded {reminded} of {} booked members in one community post",
                        active.len()
                    ));
                }
            }
        }
        run_concurrently(
            self.runner.effects_in_flight,
            to_remind,
            |(booking, member)| {
                let message = OutgoingMessage::new()
                    .titled(format!("Your focus session {starts_in}"))
                    .tone(Tone::Reminder)
                    .text("I'll tell you your partner and room when it starts.")
                    .append(lone_notes.get(&booking.id).cloned().unwrap_or_default())
                    .append(choice_notes.get(&booking.id).cloned().unwrap_or_default())
                    .field(
                        "When",
                        OutgoingMessage::new().time(slot.starts_at, member.time_zone),
                    )
                    .field(
                        "Length",
                        OutgoingMessage::new().text(format!("{} min", slot.length_minutes)),
                    )
                    .action(MessageAction::CancelBooking(booking.id));
                let message = if is_first_timer(member) {
                    super::first_session::with_etiquette(message)
                } else {
                    message
                };
                // Keyed by booking, as before reminders were per slot: a reminder already sent
                // by an old per-booking job is not sent again.
                let key = EffectKey::Remind {
                    booking: booking.id,
                };
                async move { self.send_dm_once(key, member, message).await }
            },
        )
        .await?;
        Ok(format!(
            "reminded {reminded} of {} booked members",
            active.len()
        ))
    }
}
