//! `friend @x` (a request with Accept / Decline actions, DMed to x), `friend accept|decline|
//! remove @x`, `friends`, and `prefs show-bookings friends|nobody`.
//!
//! The rules are `core::friends::decide_friend_step`; this file reads where two members stand,
//! applies the step and says what happened. A request to someone who blocked the requester is
//! stored but never delivered or listed, so nobody learns they were blocked.

use super::SocialRefusal;
use crate::command::MemberRef;
use crate::core::friends::{
    decide_friend_step, FriendChange, FriendRequestId, FriendStep, ShowBookings,
};
use crate::core::message::{CommandWord, MessageAction, OutgoingMessage, Tone};
use crate::core::model::{Community, Member, Platform};
use crate::engine::effect_key::EffectKey;
use crate::engine::errors::{unexpected, CommandFailure};
use crate::engine::Engine;

type SocialResult = Result<OutgoingMessage, CommandFailure>;

/// How many upcoming sessions `friends` shows per friend who shares them.
const BOOKINGS_SHOWN_PER_FRIEND: usize = 2;

impl Engine {
    pub(in crate::engine) async fn friend(
        &self,
        community: &Community,
        member: &Member,
        change: FriendChange,
        target: &MemberRef,
    ) -> SocialResult {
        let other = self.member_named(community, target).await?;
        if other.id == member.id {
            return Err(SocialRefusal::Yourself.into());
        }
        let store = &self.store;
        let standing = store
            .friendship(member.id, other.id)
            .await
            .map_err(unexpected)?;
        let actor_blocked_them = store
            .has_blocked(member.id, other.id)
            .await
            .map_err(unexpected)?;
        let they_blocked_actor = store
            .has_blocked(other.id, member.id)
            .await
            .map_err(unexpected)?;
        let step = decide_friend_step(standing, change, actor_blocked_them, they_blocked_actor)
            .map_err(SocialRefusal::from)?;
        let name = || OutgoingMessage::new().name(&other.display_name);
        match step {
            FriendStep::SendRequest { deliver } => {
                let request = store
                    .create_friend_request(member.id, other.id, self.clock.now())
                    .await
                    .map_err(unexpected)?;
                if deliver {
                    self.deliver_friend_request(request, member, &other).await;
                }
                // The same answer whether or not it was delivered: blocks stay invisible.
                Ok(OutgoingMessage::new()
                    .titled("Friend request sent")
                    .tone(Tone::Confirmed)
                    .text("You asked ")
                    .append(name())
                    .text(". You'll be friends once they accept; ")
                    .command(CommandWord::Friends, "")
                    .text(" shows where it stands."))
            }
            FriendStep::Accept => {
                let accepted = store
                    .accept_friend_request(other.id, member.id)
                    .await
                    .map_err(unexpected)?;
                let Some(request) = accepted else {
                    // Withdrawn between our read and the write.
                    return Err(SocialRefusal::from(
                        crate::core::friends::FriendRefusal::NoRequestFromThem,
                    )
                    .into());
                };
                self.tell_friend_request_accepted(request, member, &other)
                    .await;
                Ok(OutgoingMessage::new()
                    .titled("New friend")
                    .tone(Tone::Confirmed)
                    .text("You and ")
                    .append(name())
                    .text(" are friends now: you'll be paired together first when you book the same slot."))
            }
            FriendStep::Decline => {
                store
                    .delete_friend_request(other.id, member.id)
                    .await
                    .map_err(unexpected)?;
                Ok(OutgoingMessage::new()
                    .titled("Request declined")
                    .tone(Tone::Confirmed)
                    .text("You declined the friend request from ")
                    .append(name())
                    .text(". They aren't told."))
            }
            FriendStep::WithdrawRequest => {
                store
                    .delete_friend_request(member.id, other.id)
                    .await
                    .map_err(unexpected)?;
                Ok(OutgoingMessage::new()
                    .titled("Request withdrawn")
                    .tone(Tone::Confirmed)
                    .text("You withdrew your friend request to ")
                    .append(name())
                    .text("."))
            }
            FriendStep::Unfriend => {
                store
                    .remove_friendship(member.id, other.id)
                    .await
                    .map_err(unexpected)?;
                Ok(OutgoingMessage::new()
                    .titled("No longer friends")
                    .tone(Tone::Confirmed)
                    .append(name())
                    .text(" is no longer your friend. They aren't told."))
            }
        }
    }

    /// The request DM, with Accept / Decline actions. A DM that cannot be sent is logged: the
    /// request stands, and `friends` shows it to them.
    async fn deliver_friend_request(&self, request: FriendRequestId, from: &Member, to: &Member) {
        let message = OutgoingMessage::new()
            .titled("A friend request")
            .tone(Tone::Reminder)
            .name(&from.display_name)
            .text(" would like to be friends. Friends are paired together first when they book the same slot, and can message each other.")
            .action(MessageAction::AcceptFriend {
                requester_platform_user_id: from.platform_user_id.clone(),
            })
            .action(MessageAction::DeclineFriend {
                requester_platform_user_id: from.platform_user_id.clone(),
            });
        if let Err(error) = self
            .send_dm_once(EffectKey::FriendRequest { request }, to, message)
            .await
        {
            tracing::warn!(%request, error = %error, "friend request DM not sent");
        }
    }

    async fn tell_friend_request_accepted(
        &self,
        request: FriendRequestId,
        accepter: &Member,
        requester: &Member,
    ) {
        let message = OutgoingMessage::new()
            .titled("New friend")
            .tone(Tone::Confirmed)
            .name(&accepter.display_name)
            .text(" accepted your friend request.");
        if let Err(error) = self
            .send_dm_once(EffectKey::FriendAccepted { request }, requester, message)
            .await
        {
            tracing::warn!(%request, error = %error, "friend accepted DM not sent");
        }
    }

    /// Friends, requests both ways, and each friend's next sessions where they share them.
    /// Requests from members the viewer blocked are left out (they can't be accepted anyway);
    /// the viewer's requests to members who blocked the viewer stay listed as waiting, exactly
    /// as an unanswered request looks.
    pub(in crate::engine) async fn friends(
        &self,
        community: &Community,
        member: &Member,
    ) -> SocialResult {
        let store = &self.store;
        let lists = store.friend_lists(member.id).await.map_err(unexpected)?;
        let mut received = Vec::new();
        for id in lists.received {
            if !store.has_blocked(member.id, id).await.map_err(unexpected)? {
                received.push(id);
            }
        }
        if lists.friends.is_empty() && lists.sent.is_empty() && received.is_empty() {
            return Ok(OutgoingMessage::new()
                .text("No friends yet. Ask someone with ")
                .command(CommandWord::Friend, "@name")
                .text(": once they accept, you're paired together first."));
        }
        let now = self.clock.now();
        let zone = member.time_zone;
        let mut reply = OutgoingMessage::new();
        if lists.friends.is_empty() {
            reply = reply.text("No friends yet.");
        } else {
            reply = reply.text("Your friends:");
            for friend in store
                .members_by_ids(&lists.friends)
                .await
                .map_err(unexpected)?
            {
                reply = reply.text("\n  • ").name(&friend.display_name);
                let shared = store.show_bookings(friend.id).await.map_err(unexpected)?
                    == ShowBookings::Friends;
                if !shared {
                    continue;
                }
                let upcoming: Vec<_> = store
                    .active_bookings_for_member(friend.id, now)
                    .await
                    .map_err(unexpected)?
                    .into_iter()
                    .filter(|booking| booking.starts_at > now)
                    .take(BOOKINGS_SHOWN_PER_FRIEND)
                    .collect();
                if upcoming.is_empty() {
                    reply = reply.text(" · no sessions booked");
                }
                for (index, booking) in upcoming.iter().enumerate() {
                    reply = reply
                        .text(if index == 0 { " · next: " } else { ", " })
                        .time(booking.starts_at, zone)
                        .text(format!(" ({} min)", booking.length_minutes));
                }
            }
        }
        if !received.is_empty() {
            reply = reply.text("\nAsked to be your friend:");
            for from in store.members_by_ids(&received).await.map_err(unexpected)? {
                reply = reply.text("\n  • ").name(&from.display_name).text(" — ");
                reply = match typed_handle(community, &from) {
                    Some(handle) => reply
                        .command(CommandWord::Friend, format!("accept {handle}"))
                        .text(" or ")
                        .command(CommandWord::Friend, format!("decline {handle}")),
                    None => reply
                        .text("answer with the buttons of their request, or ")
                        .command(CommandWord::Friend, "accept")
                        .text(" and pick them"),
                };
            }
        }
        if !lists.sent.is_empty() {
            reply = reply.text("\nWaiting for an answer:");
            for to in store
                .members_by_ids(&lists.sent)
                .await
                .map_err(unexpected)?
            {
                reply = reply.text("\n  • ").name(&to.display_name);
            }
        }
        Ok(reply)
    }

    pub(in crate::engine) async fn set_show_bookings(
        &self,
        member: &Member,
        show: ShowBookings,
    ) -> SocialResult {
        self.store
            .set_show_bookings(member.id, show)
            .await
            .map_err(unexpected)?;
        Ok(OutgoingMessage::new().text(match show {
            ShowBookings::Friends => {
                "Your friends can now see your next sessions when they say friends."
            }
            ShowBookings::Nobody => "Nobody sees your upcoming sessions now.",
        }))
    }
}

/// How a member is named in a command another member can type: the Matrix id or the shell
/// name with a leading `@`. `None` on Discord, whose user ids are not for showing: there the
/// member picks the user in the slash command.
fn typed_handle(community: &Community, member: &Member) -> Option<String> {
    match community.platform {
        Platform::Matrix | Platform::Shell => Some(format!(
            "@{}",
            member.platform_user_id.trim_start_matches('@')
        )),
        Platform::Discord => None,
    }
}
