//! What adapters may read to show members (autocomplete, the shell's prompt): answers in
//! domain types, scoped to the asking member's community. Adapters never reach the store.

use chrono::{DateTime, Utc};

use super::{Actor, Engine};
use crate::core::model::{Booking, Community, Member};
use crate::store::SlotBookingCount;

impl Engine {
    /// The engine's clock: adapters that compute times for members (autocomplete) must agree
    /// with the engine, which in tests and the shell is a manual clock.
    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    /// The actor's community and, if they have used the bot before, the member.
    pub async fn community_and_member(
        &self,
        actor: &Actor,
    ) -> anyhow::Result<(Community, Option<Member>)> {
        let community = self.community_for(actor).await?;
        let member = self
            .store
            .member_by_platform_id(community.id, &actor.platform_user_id)
            .await?;
        Ok((community, member))
    }

    /// How many active bookings each slot of `community` starting in `[from, to)` has.
    pub async fn booking_counts_between(
        &self,
        community: &Community,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> anyhow::Result<Vec<SlotBookingCount>> {
        Ok(self
            .store
            .slot_booking_counts(community.id, from, to)
            .await?)
    }

    /// The member's active bookings that have not ended yet.
    pub async fn upcoming_bookings_of(&self, member: &Member) -> anyhow::Result<Vec<Booking>> {
        Ok(self
            .store
            .active_bookings_for_member(member.id, self.clock.now())
            .await?)
    }

    /// When the next job this runner could claim becomes due (see `run_forever`).
    pub async fn next_due_at(&self) -> anyhow::Result<Option<DateTime<Utc>>> {
        Ok(self.store.next_pending_due_at(self.runner.platform).await?)
    }
}
