//! Check-in (T + length) and room closing (T + length + delay).

use crate::core::check_in_message::check_in_message;
use crate::core::message::{MessageAction, OutgoingMessage, Tone};
use crate::core::model::{AttendanceOutcome, GroupState, Slot};
use crate::engine::effect_key::EffectKey;
use crate::engine::errors::JobError;
use crate::engine::fan_out::run_concurrently;
use crate::engine::Engine;

impl Engine {
    pub(crate) async fn run_check_in(&self, slot: &Slot) -> Result<String, JobError> {
        let outcomes = self
            .store
            .attendance_for_slot(slot.id)
            .await
            .map_err(JobError::unexpected)?;
        let attended: Vec<_> = outcomes
            .iter()
            .filter(|(_, outcome)| *outcome == AttendanceOutcome::Attended)
            .map(|(id, _)| *id)
            .collect();
        // The check-in's actions name the member's booking and partners (issue 11).
        let bookings = self
            .store
            .active_bookings_for_slot(slot.id)
            .await
            .map_err(JobError::unexpected)?;
        let groups = self
            .store
            .groups_for_slot(slot.id)
            .await
            .map_err(JobError::unexpected)?;
        let mut ids = attended.clone();
        ids.extend(
            groups
                .iter()
                .flat_map(|group| group.members.iter().copied()),
        );
        let members = self.members_by_id(&ids).await?;
        run_concurrently(
            self.runner.effects_in_flight,
            attended.iter().filter_map(|id| members.get(id)),
            |member| {
                let booking = bookings
                    .iter()
                    .find(|booking| booking.member_id == member.id)
                    .map(|booking| booking.id);
                // The last group the member sat in: a rematch comes after the matched group.
                let partners: Vec<_> = groups
                    .iter()
                    .rev()
                    .find(|group| group.members.contains(&member.id))
                    .map(|group| {
                        group
                            .members
                            .iter()
                            .filter(|id| **id != member.id)
                            .filter_map(|id| members.get(id).cloned())
                            .collect()
                    })
                    .unwrap_or_default();
                let message = match booking {
                    Some(booking) => check_in_message(slot, member, booking, &partners),
                    // No active booking (cancelled after the start): the plain thanks.
                    None => OutgoingMessage::new()
                        .titled("Session done. Nice work!")
                        .tone(Tone::Confirmed)
                        .text(format!("{} minutes of focus.", slot.length_minutes))
                        .action(MessageAction::BookAnother),
                };
                let key = EffectKey::CheckIn {
                    slot: slot.id,
                    member: member.id,
                };
                async move { self.send_dm_once(key, member, message).await }
            },
        )
        .await?;
        Ok(format!("checked in with {} members", attended.len()))
    }

    pub(crate) async fn run_close_rooms(&self, slot: &Slot) -> Result<String, JobError> {
        let groups = self
            .store
            .groups_for_slot(slot.id)
            .await
            .map_err(JobError::unexpected)?;
        let open: Vec<_> = groups
            .iter()
            .filter(|group| group.state == GroupState::Open)
            .filter_map(|group| Some((group.id, group.room.as_deref()?)))
            .collect();
        let closed = open.len();
        run_concurrently(self.runner.effects_in_flight, open, |(group_id, room)| {
            self.close_room_once(group_id, room)
        })
        .await?;
        Ok(format!("closed {closed} rooms"))
    }

    /// Closes the group's room unless that is recorded already, and marks the group closed.
    pub(super) async fn close_room_once(
        &self,
        group_id: crate::core::model::GroupId,
        room: &str,
    ) -> Result<(), JobError> {
        let platform = self.platform.clone();
        let room_to_close = room.to_string();
        // Done or unreachable (a room already gone): either way it is closed for us. A refusal
        // for good (recorded, never retried) is logged loudly: a moderator has to close it.
        let result = self
            .effect_once(EffectKey::CloseRoom { group: group_id }, |_| async move {
                platform
                    .close_pair_room(&room_to_close)
                    .await
                    .map(|()| String::new())
            })
            .await?;
        if let crate::engine::effects::EffectResult::Failed(why) = result {
            tracing::error!(group = group_id.0, %room, %why, "the platform refused to close a room; a moderator must close it");
        }
        self.store
            .mark_group_closed(group_id)
            .await
            .map_err(JobError::unexpected)?;
        Ok(())
    }
}
