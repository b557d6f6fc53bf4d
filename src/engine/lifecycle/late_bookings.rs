//! K3: a booking can pass the cutoff check just before prepare runs and commit just after
//! prepare read the slot (the write gate, a busy timeout, group commit). Its member was told
//! "I'll pair you"; prepare reads the slot's bookings again after it grouped everyone and
//! counts such late arrivals among those it tells "nobody else could be matched", so no one
//! is left in silence.

use crate::core::model::{Member, MemberId, Slot};
use crate::engine::errors::JobError;
use crate::engine::Engine;

impl Engine {
    /// Members with an active booking in the slot now who were not among `read_before`.
    pub(crate) async fn members_who_booked_late(
        &self,
        slot: &Slot,
        read_before: &[MemberId],
    ) -> Result<Vec<Member>, JobError> {
        let now = self
            .store
            .active_bookings_for_slot(slot.id)
            .await
            .map_err(JobError::unexpected)?;
        let late: Vec<MemberId> = now
            .iter()
            .map(|booking| booking.member_id)
            .filter(|id| !read_before.contains(id))
            .collect();
        if late.is_empty() {
            return Ok(Vec::new());
        }
        tracing::info!(slot = %slot.id, late = late.len(), "bookings committed after prepare read the slot");
        let members = self.members_by_id(&late).await?;
        Ok(late
            .iter()
            .filter_map(|id| members.get(id).cloned())
            .collect())
    }
}
