//! Prepare (T − prepare lead): match the slot's members, store the groups, open their rooms,
//! and tell anyone who could not be matched. (Weekly bookings roll forward in a job of their
//! own, `roll_forward.rs`, so a series never depends on prepare.)

use std::collections::{HashMap, HashSet};

use super::SlotSnapshot;
use crate::core::message::{CommandWord, MessageAction, OutgoingMessage, Tone};
use crate::core::model::{Group, GroupOrigin, JobKind, Member, MemberId, Slot};
use crate::core::schedule::{announce_due_at, slot_job_key};
use crate::engine::effect_key::EffectKey;
use crate::engine::errors::{JobError, Shortfall};
use crate::engine::fan_out::run_each;
use crate::engine::Engine;

impl Engine {
    pub(crate) async fn run_prepare(&self, slot: &Slot) -> Result<String, JobError> {
        let mut snapshot = self.slot_snapshot(slot).await?;
        // Members who left the community are not matched, and their future bookings go.
        if self
            .cancel_bookings_of_members_who_left(&snapshot, slot)
            .await?
            > 0
        {
            snapshot = self.slot_snapshot(slot).await?;
        }
        let SlotSnapshot {
            community,
            bookings,
            active,
            ..
        } = &snapshot;
        let member_ids: Vec<MemberId> = bookings.iter().map(|booking| booking.member_id).collect();
        // Prepare works with the members still booked: a retry after a crash may find that
        // someone matched earlier has cancelled since, and their room is opened without them.
        let members: &HashMap<MemberId, Member> = &snapshot
            .members
            .iter()
            .filter(|(id, _)| active.contains(id))
            .map(|(id, member)| (*id, member.clone()))
            .collect();

        // Locked-in pairs (issue 11); pending invitations expire here, at the cutoff.
        let (locked, locked_dms) = self.settle_locked_invitations(slot).await?;
        let mut groups: Vec<Group> = snapshot.matched_groups().into_iter().cloned().collect();
        if groups.is_empty() && member_ids.len() >= 2 {
            // Matching happens once per slot: the stored groups are the decision, so a retry
            // after a crash reuses them instead of matching again with a different outcome.
            let slot_members = snapshot.members_of(&member_ids);
            let seed = slot.id.0 as u64;
            let outcome = self
                .match_keeping_locked_pairs(community, slot, &slot_members, seed, &locked)
                .await?;
            groups = self
                .store
                .create_groups(slot.id, GroupOrigin::Matched, &outcome.groups)
                .await
                .map_err(JobError::unexpected)?;
            for group in &groups {
                crate::engine::metrics::group_matched(self.runner.platform, group.members.len());
            }
            tracing::info!(slot = slot.id.0, community = %community.platform_community_id, members = member_ids.len(), groups = groups.len(), "slot matched");
        }

        // A room that fails does not stop the other rooms, the DMs or the roll-forward below;
        // the job fails at the end so the runner retries what failed (and only that).
        let mut shortfall = Shortfall::default();
        shortfall.take_all(locked_dms)?;
        shortfall.take_all(
            run_each(self.runner.effects_in_flight, &groups, |group| {
                self.ensure_group_room(community, slot, group, members)
            })
            .await,
        )?;

        let grouped: HashSet<MemberId> = groups
            .iter()
            .flat_map(|group| group.members.iter().copied())
            .collect();
        // With many members and a slow DM rate (Discord), announcing at T would leave the last
        // members waiting seconds after T: start early enough that the last DM lands by T.
        let announce_at = announce_due_at(
            slot.starts_at,
            grouped.len(),
            self.platform.direct_messages_per_second(),
        );
        if announce_at < slot.starts_at {
            self.store
                .move_job_earlier(&slot_job_key(JobKind::Announce, slot.id), announce_at)
                .await
                .map_err(JobError::unexpected)?;
        }

        // Bookings that committed after the snapshot was read are in no group: tell them too.
        let late = self.members_who_booked_late(slot, &member_ids).await?;
        let alone: Vec<&Member> = member_ids
            .iter()
            .filter(|id| !grouped.contains(id))
            .filter_map(|id| members.get(id))
            .chain(&late)
            .collect();
        let alone_dms = run_each(self.runner.effects_in_flight, alone, |member| {
            let message = OutgoingMessage::new()
                .titled("No partner this time")
                .tone(Tone::Problem)
                .text("Nobody else could be matched with you for ")
                .time(slot.starts_at, member.time_zone)
                .text(". Your booking stays, so you can still focus solo — or pick a busier time with ")
                .command(CommandWord::Slots, "")
                .text(". Or choose Rematch now: if someone starting then is left alone (their partner doesn't come), I'll pair you with them.")
                .action(MessageAction::RematchNow);
            let key = EffectKey::Alone {
                slot: slot.id,
                member: member.id,
            };
            async move { self.send_dm_once(key, member, message).await }
        })
        .await;
        shortfall.take_all(alone_dms)?;

        shortfall.finish(format!(
            "{} members in {} groups",
            grouped.len(),
            groups.len()
        ))
    }
}
