//! Announce (T): each member learns their partner(s) and room.

use std::collections::HashSet;

use crate::core::model::{GroupOrigin, Slot};
use crate::engine::jobs::JobError;
use crate::engine::Engine;
use crate::platform::OutgoingMessage;

impl Engine {
    pub(crate) async fn run_announce(&self, slot: &Slot) -> Result<String, JobError> {
        let community = self
            .store
            .community(slot.community_id)
            .await
            .map_err(JobError::unexpected)?;
        let active: HashSet<_> = self
            .store
            .active_bookings_for_slot(slot.id)
            .await
            .map_err(JobError::unexpected)?
            .into_iter()
            .map(|booking| booking.member_id)
            .collect();
        let groups = self
            .store
            .groups_for_slot(slot.id)
            .await
            .map_err(JobError::unexpected)?;
        let mut announced = 0;
        for group in groups
            .iter()
            .filter(|group| group.origin == GroupOrigin::Matched)
        {
            let members = self.members_by_id(&group.members).await?;
            // The prepare job normally opened it; after downtime it may not have.
            let Some(room) = self
                .ensure_group_room(&community, slot, group, &members)
                .await?
            else {
                continue;
            };
            let title = super::room_title(
                slot,
                &group
                    .members
                    .iter()
                    .filter_map(|id| members.get(id).cloned())
                    .collect::<Vec<_>>(),
            );
            for member_id in group.members.iter().filter(|id| active.contains(id)) {
                let Some(member) = members.get(member_id) else {
                    continue;
                };
                let partners: Vec<_> = group
                    .members
                    .iter()
                    .filter(|id| *id != member_id && active.contains(id))
                    .filter_map(|id| members.get(id))
                    .collect();
                let mut message = if partners.is_empty() {
                    // Everyone else cancelled after matching: the attendance check re-pairs
                    // stranded members, so say that instead of naming a partner who won't come.
                    OutgoingMessage::new().text(
                        "🎯 It's time! Your partner cancelled at the last minute. Join anyway — if anyone else is left without a partner, I'll pair you in a few minutes: ",
                    )
                } else {
                    OutgoingMessage::new().text("🎯 It's time! You're with ")
                };
                for (index, partner) in partners.iter().enumerate() {
                    if index > 0 {
                        message = message.text(" and ");
                    }
                    message = message.mention(
                        partner.platform_user_id.clone(),
                        partner.display_name.clone(),
                    );
                }
                message = message
                    .text(if partners.is_empty() {
                        ""
                    } else {
                        " — join "
                    })
                    .room(room.clone(), title.clone())
                    .text(format!(". {} minutes, until ", slot.length_minutes))
                    .time(slot.ends_at(), member.time_zone)
                    .text(".");
                self.send_dm_once(
                    &format!("dm:announce:g{}:m{}", group.id, member.id),
                    member,
                    message,
                )
                .await?;
                announced += 1;
            }
        }
        Ok(format!("announced to {announced} members"))
    }
}
