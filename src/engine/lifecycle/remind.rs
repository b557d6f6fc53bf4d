use super::recipient;
use crate::core::model::{BookingStatus, Job, Slot};
use crate::engine::jobs::JobError;
use crate::engine::Engine;
use crate::platform::OutgoingMessage;

impl Engine {
    pub(crate) async fn run_reminder(&self, job: &Job, slot: &Slot) -> Result<String, JobError> {
        let booking_id = job.booking_id.ok_or_else(|| {
            JobError::unexpected(anyhow::anyhow!("reminder {} has no booking", job.key))
        })?;
        let Some(booking) = self
            .store
            .booking(booking_id)
            .await
            .map_err(JobError::unexpected)?
        else {
            return Ok("booking gone".into());
        };
        if booking.status != BookingStatus::Active {
            return Ok("booking cancelled".into());
        }
        let member = self
            .store
            .member(booking.member_id)
            .await
            .map_err(JobError::unexpected)?;
        if !member.reminders_enabled {
            return Ok("member opted out of reminders".into());
        }
        let minutes_left = (slot.starts_at - self.clock.now()).num_minutes().max(0);
        let message = OutgoingMessage::new()
            .text(format!(
                "⏰ Your {}-minute focus session starts in {} min, at ",
                slot.length_minutes, minutes_left
            ))
            .time(slot.starts_at, member.time_zone)
            .text(". I'll tell you your partner and room when it starts.");
        let key = format!("dm:remind:b{}", booking.id);
        let to = recipient(&member);
        let platform = self.platform.clone();
        let sent_key = key.clone();
        self.effect_once(&key, || async move {
            platform
                .send_direct_message(&to, &message, &sent_key)
                .await
                .map(|()| String::new())
        })
        .await?;
        Ok(format!("reminded {}", member.display_name))
    }
}
