//! Check-in (T + length), room closing (T + length + delay), and the startup sweep.

use crate::core::model::{AttendanceOutcome, GroupState, Slot};
use crate::engine::fan_out::run_concurrently;
use crate::engine::jobs::JobError;
use crate::engine::Engine;
use crate::platform::OutgoingMessage;

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
        let members = self.members_by_id(&attended).await?;
        run_concurrently(self.runner.effects_in_flight, attended.iter().filter_map(|id| members.get(id)), |member| {
            let message = OutgoingMessage::new().text(format!(
                "✅ Session done — {} minutes of focus. How did it go? Liked your partner? `friend <name>` pairs you again; `book next` books another.",
                slot.length_minutes
            ));
            let key = format!("dm:checkin:s{}:m{}", slot.id, member.id);
            async move { self.send_dm_once(&key, member, message).await }
        })
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

    async fn close_room_once(
        &self,
        group_id: crate::core::model::GroupId,
        room: &str,
    ) -> Result<(), JobError> {
        let platform = self.platform.clone();
        let room_to_close = room.to_string();
        // Done or unreachable (a room already gone): either way it is closed for us.
        self.effect_once(&format!("close:g{group_id}"), || async move {
            platform
                .close_pair_room(&room_to_close)
                .await
                .map(|()| String::new())
        })
        .await?;
        self.store
            .mark_group_closed(group_id)
            .await
            .map_err(JobError::unexpected)?;
        Ok(())
    }

    /// At startup: take back our own leases, close rooms a crash left open, and make sure every upcoming booking has its
    /// jobs (a crash between saving a booking and scheduling its jobs must not lose them).
    pub async fn startup_sweep(&self) -> anyhow::Result<String> {
        let now = self.clock.now();
        let released = self
            .store
            .release_leases_held_by(&self.runner.worker_id)
            .await?;
        let mut closed = 0;
        for (group, slot) in self.store.open_groups_of_slots_ended_before(now).await? {
            let community = self.store.community(slot.community_id).await?;
            if now < slot.ends_at() + community.settings.close_delay {
                continue; // its close job is still ahead and will do it
            }
            if let Some(room) = &group.room {
                self.close_room_once(group.id, room)
                    .await
                    .map_err(|error| anyhow::anyhow!("{error}"))?;
                closed += 1;
            }
        }
        // Jobs belong to slots: one check per upcoming slot, however many bookings it has.
        let mut slots_checked = std::collections::HashSet::new();
        for booking in self.store.active_bookings_starting_after(now).await? {
            if !slots_checked.insert(booking.slot_id) {
                continue;
            }
            let slot = self.store.slot(booking.slot_id).await?;
            let community = self.store.community(slot.community_id).await?;
            self.schedule_slot_jobs(&community.settings, &slot)
                .await
                .map_err(|error| anyhow::anyhow!("{error}"))?;
        }
        Ok(format!(
            "released {released} leases of a previous run; closed {closed} leftover rooms; checked jobs of {} upcoming slots",
            slots_checked.len()
        ))
    }
}
