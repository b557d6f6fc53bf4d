//! `rematch now` / `rematch wait` (the buttons of the T + 2 min message) and
//! `prefs mixed-lengths on|off`. The choice is stored for the member's session in progress;
//! "Rematch now" also schedules the member's own rematch job, keyed by member and slot, so a
//! second click (or a retried command) rematches once.

use crate::core::message::{OutgoingMessage, Tone};

type CommandResult = Result<OutgoingMessage, CommandFailure>;
use crate::core::model::{Booking, Community, Member};
use crate::core::rematch::RematchChoice;
use crate::core::schedule::rematch_now_job;

use super::effect_key::EffectKey;
use super::errors::{unexpected, CommandFailure, UserError};
use super::Engine;

impl Engine {
    pub(crate) async fn choose_rematch(
        &self,
        community: &Community,
        member: &Member,
        choice: RematchChoice,
    ) -> CommandResult {
        let now = self.clock.now();
        let bookings = self
            .store
            .active_bookings_for_member(member.id, now)
            .await
            .map_err(unexpected)?;
        // The session in progress: started, not ended (the first, should two overlap).
        let in_progress = bookings
            .iter()
            .find(|booking| booking.starts_at <= now && now < booking.ends_at())
            .cloned();
        let booking = match in_progress {
            Some(booking) => booking,
            // A member the prepare left without a partner may ask from its "No partner" message
            // on: they have nobody to wait for, so they join the rematch pool of their start.
            None => self
                .left_alone_by_the_prepare(community, member, &bookings, now)
                .await?
                .filter(|_| choice == RematchChoice::RematchNow)
                .ok_or(UserError::NoSessionInProgress)?,
        };
        let slot = self.store.slot(booking.slot_id).await.map_err(unexpected)?;
        self.store
            .record_rematch_choice(slot.id, member.id, choice, now)
            .await
            .map_err(unexpected)?;
        Ok(match choice {
            RematchChoice::KeepWaiting => OutgoingMessage::new()
                .titled("Keeping your partner")
                .tone(Tone::Confirmed)
                .text("OK — I won't re-pair you; your room stays yours. If they don't come, this session still counts for you."),
            RematchChoice::RematchNow => {
                self.store
                    .schedule_job(&rematch_now_job(&slot, member.id, booking.id, now))
                    .await
                    .map_err(unexpected)?;
                self.wake_runner.notify_one();
                OutgoingMessage::new()
                    .titled("Finding you a new partner")
                    .tone(Tone::Confirmed)
                    .text("I'm looking for someone else who is free right now; I'll message you in a moment.")
            }
        })
    }

    /// The member's booking (starting within the prepare lead) whose prepare told them "No
    /// partner this time": the record of that message is the proof they were left alone.
    async fn left_alone_by_the_prepare(
        &self,
        community: &Community,
        member: &Member,
        bookings: &[Booking],
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<Option<Booking>, CommandFailure> {
        let lead = community.settings.prepare_lead;
        for booking in bookings
            .iter()
            .filter(|booking| booking.starts_at - lead <= now && now < booking.starts_at)
        {
            let told = EffectKey::Alone {
                slot: booking.slot_id,
                member: member.id,
            };
            if self
                .store
                .effect(&told.to_string())
                .await
                .map_err(unexpected)?
                .is_some()
            {
                return Ok(Some(booking.clone()));
            }
        }
        Ok(None)
    }

    pub(crate) async fn set_mixed_lengths(&self, member: &Member, allowed: bool) -> CommandResult {
        self.store
            .set_mixed_lengths(member.id, allowed)
            .await
            .map_err(unexpected)?;
        Ok(OutgoingMessage::new()
            .titled("Preference saved")
            .tone(Tone::Confirmed)
            .text(if allowed {
                "Mixed lengths on: when your partner doesn't come, I may pair you with someone on a longer or shorter session, for the minutes you share."
            } else {
                "Mixed lengths off: a rematch only pairs you with someone on a session of your own length."
            }))
    }

    /// "on" or "off", as `prefs` shows it.
    pub(crate) async fn mixed_lengths_word(
        &self,
        member: &Member,
    ) -> Result<&'static str, CommandFailure> {
        let allowed = self
            .store
            .mixed_lengths_of(&[member.id])
            .await
            .map_err(unexpected)?;
        Ok(if allowed.get(&member.id).copied().unwrap_or(true) {
            "on"
        } else {
            "off"
        })
    }
}
