//! Announce (T): each member learns their partner(s) and room.

use super::SlotSnapshot;
use crate::core::message::{OutgoingMessage, Tone};
use crate::core::model::{Member, Slot};
use crate::engine::effect_key::EffectKey;
use crate::engine::errors::{JobError, Shortfall};
use crate::engine::fan_out::run_each;
use crate::engine::Engine;

impl Engine {
    /// Every group is carried to its own end: a group whose room fails temporarily is retried
    /// later (alone), a group whose room the platform refused for good is told to meet in the
    /// lobby, and every other group is announced regardless.
    pub(crate) async fn run_announce(&self, slot: &Slot) -> Result<String, JobError> {
        let snapshot = self.slot_snapshot(slot).await?;
        let SlotSnapshot {
            community,
            active,
            members,
            ..
        } = &snapshot;
        let matched = snapshot.matched_groups();
        let mut shortfall = Shortfall::default();
        // The prepare job normally opened them; after downtime it may not have.
        let rooms = shortfall.take_all(
            run_each(self.runner.effects_in_flight, &matched, |group| {
                self.ensure_group_room(community, slot, group, members)
            })
            .await,
        )?;
        let mut messages = Vec::new();
        let mut without_room = 0;
        for (group, room) in matched.iter().zip(rooms) {
            // `None`: this group's room failed for now; the retry comes back for it.
            let Some(room) = room else {
                continue;
            };
            let title = super::room_title(slot, &snapshot.members_of(&group.members));
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
                let (key, message) = match &room {
                    Some(room) => (
                        EffectKey::Announce {
                            group: group.id,
                            member: member.id,
                        },
                        announcement(slot, member, &partners, room, &title),
                    ),
                    None => {
                        without_room += 1;
                        (
                            EffectKey::NoRoom {
                                group: group.id,
                                member: member.id,
                            },
                            super::no_room_message(member, slot, partners.iter().copied()),
                        )
                    }
                };
                messages.push((key, member, message));
            }
        }
        let announced = messages.len() - without_room;
        shortfall.take_all(
            run_each(
                self.runner.effects_in_flight,
                messages,
                |(key, member, message)| async move { self.send_dm_once(key, member, message).await },
            )
            .await,
        )?;
        let mut summary = format!("announced to {announced} members");
        if without_room > 0 {
            summary.push_str(&format!(
                "; {without_room} told their room couldn't be opened"
            ));
        }
        shortfall.finish(summary)
    }
}

/// "It's time! Join your room": the partner(s), the room and the end time, and one button.
fn announcement(
    slot: &Slot,
    member: &Member,
    partners: &[&Member],
    room: &str,
    title: &str,
) -> OutgoingMessage {
    let message = OutgoingMessage::new()
        .titled("It's time! Join your room")
        .tone(Tone::Start);
    let message = if partners.is_empty() {
        // Everyone else cancelled after matching: the attendance check re-pairs stranded
        // members, so say that instead of naming a partner who won't come.
        message.text(
            "Your partner cancelled at the last minute. Join anyway — if anyone else is left without a partner, I'll pair you in a few minutes.",
        )
    } else {
        message.field(
            "With",
            super::mention_partners(OutgoingMessage::new(), partners.iter().copied()),
        )
    };
    message
        .field(
            "Room",
            OutgoingMessage::new().room(room.to_string(), title.to_string()),
        )
        .field(
            "Until",
            OutgoingMessage::new()
                .time(slot.ends_at(), member.time_zone)
                .text(format!(" ({} min)", slot.length_minutes)),
        )
        .join_room(room.to_string(), title.to_string())
}
