//! Members who left the community (or were removed or banned) are not matched: prepare asks the
//! platform about each booked member and cancels every future booking of those who are gone
//! (weekly ones included, so the series ends), as ordinary on-time cancels — leaving is not a
//! late cancel and not a no-show. An unknown answer (a platform error) keeps the booking.
//!
//! The member is told, once and best-effort: the sessions were theirs, and a member removed by
//! mistake learns why their bookings vanished. Where they cannot be reached any more (on
//! Discord a DM needs a shared guild, so it usually fails with 50007) the failure is recorded
//! like any other unreachable DM; a temporary failure is logged and not retried, since the
//! retried prepare no longer finds bookings of theirs to cancel. It never fails the prepare.

use super::SlotSnapshot;
use crate::core::booking_rules::CancelKind;
use crate::core::message::{OutgoingMessage, Tone};
use crate::core::model::{Member, Slot};
use crate::engine::effect_key::EffectKey;
use crate::engine::errors::JobError;
use crate::engine::fan_out::run_concurrently;
use crate::engine::port::Membership;
use crate::engine::Engine;

impl Engine {
    /// Cancels the future bookings of the slot's booked members who left its community;
    /// returns how many members that was (0: the snapshot is still accurate).
    pub(crate) async fn cancel_bookings_of_members_who_left(
        &self,
        snapshot: &SlotSnapshot,
        slot: &Slot,
    ) -> Result<usize, JobError> {
        let community = snapshot.community.platform_community_id.as_str();
        let booked = snapshot.members_of(&snapshot.active);
        let memberships = run_concurrently(
            self.runner.effects_in_flight,
            &booked,
            |member| async move {
                let membership = self
                    .platform
                    .is_community_member(community, &member.platform_user_id)
                    .await;
                Ok::<_, JobError>(membership)
            },
        )
        .await?;
        let gone: Vec<&Member> = booked
            .iter()
            .zip(memberships)
            .filter(|(_, membership)| *membership == Membership::Gone)
            .map(|(member, _)| member)
            .collect();
        for member in &gone {
            let bookings = self
                .store
                .active_bookings_for_member(member.id, slot.starts_at)
                .await
                .map_err(JobError::unexpected)?;
            let future: Vec<_> = bookings
                .iter()
                .filter(|booking| booking.starts_at >= slot.starts_at)
                .collect();
            // A cancelled week of a series still rolls forward; clearing the weekly flag is
            // what ends a series (as `cancel … series` does).
            let weekly: Vec<_> = future
                .iter()
                .filter(|booking| booking.recurring_weekly)
                .map(|booking| booking.id)
                .collect();
            self.store
                .stop_recurring(&weekly)
                .await
                .map_err(JobError::unexpected)?;
            let mut cancelled = 0;
            for booking in future {
                if self
                    .store
                    .cancel_booking(booking.id, CancelKind::OnTime)
                    .await
                    .map_err(JobError::unexpected)?
                {
                    cancelled += 1;
                }
            }
            tracing::info!(member = %member.platform_user_id, community, cancelled, "member left the community; their bookings are cancelled");
            if cancelled > 0 {
                self.tell_departed_member(slot, member, cancelled).await;
            }
        }
        Ok(gone.len())
    }

    async fn tell_departed_member(&self, slot: &Slot, member: &Member, cancelled: usize) {
        let intro = "You're no longer a member of the community you booked in, so I cancelled ";
        let message = if cancelled == 1 {
            OutgoingMessage::new()
                .text(format!("{intro}your session there at "))
                .time(slot.starts_at, member.time_zone)
                .text(".")
        } else {
            OutgoingMessage::new()
                .text(format!(
                    "{intro}your {cancelled} upcoming sessions there, from "
                ))
                .time(slot.starts_at, member.time_zone)
                .text(" on.")
        }
        .text(" If that's a mistake, rejoin and book again.")
        .titled("Your bookings are cancelled")
        .tone(Tone::Problem);
        let key = EffectKey::Departed {
            slot: slot.id,
            member: member.id,
        };
        match self.send_dm_once(key, member, message).await {
            Ok(result) if !result.is_done() => {
                tracing::info!(member = %member.platform_user_id, ?result, "a member who left could not be told their bookings are cancelled")
            }
            Ok(_) => {}
            Err(error) => {
                tracing::warn!(member = %member.platform_user_id, %error, "could not tell a member who left that their bookings are cancelled; not retried")
            }
        }
    }
}
