//! Reminder (T − reminder lead): every member booked in the slot, unless they opted out.

use crate::core::message::{MessageAction, OutgoingMessage, Tone};
use crate::core::model::{Booking, BookingStatus, Job, Member, Slot};
use crate::core::schedule::starts_in_words;
use crate::engine::effect_key::EffectKey;
use crate::engine::errors::JobError;
use crate::engine::fan_out::run_concurrently;
use crate::engine::Engine;

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
        let to_remind: Vec<(&Booking, &Member)> = active
            .iter()
            .filter_map(|booking| Some((*booking, members.get(&booking.member_id)?)))
            .filter(|(_, member)| member.reminders_enabled)
            .collect();
        let starts_in = starts_in_words(slot.starts_at - self.clock.now());
        let reminded = to_remind.len();
        run_concurrently(
            self.runner.effects_in_flight,
            to_remind,
            |(booking, member)| {
                let message = OutgoingMessage::new()
                    .titled(format!("Your focus session {starts_in}"))
                    .tone(Tone::Reminder)
                    .text("I'll tell you your partner and room when it starts.")
                    .field(
                        "When",
                        OutgoingMessage::new().time(slot.starts_at, member.time_zone),
                    )
                    .field(
                        "Length",
                        OutgoingMessage::new().text(format!("{} min", slot.length_minutes)),
                    )
                    .action(MessageAction::CancelBooking(booking.id));
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
