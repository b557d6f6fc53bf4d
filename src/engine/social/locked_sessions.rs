//! Locked-in sessions with a friend (issue 11): `book <time> with @x` books the slot and
//! invites x (a DM with Accept / Decline); `book accept|decline <invitation>` answers; prepare
//! settles what is left (`settle_locked_invitations`) and keeps accepted pairs together
//! (`lifecycle/locked_pairs.rs`). The rules are `core::locked_pairs`.
//!
//! Who is told what, and when: a decline is told to the inviter at once, as the decline's own
//! effect; an invitation still unanswered at the slot's prepare (the cutoff) is expired there
//! and the inviter told then. Prepare also re-sends (deduplicated by key) the decline's DM, so
//! both tellings ride on a durable, retried job: a DM that failed at decline time is not lost,
//! and no extra job kind (or schedule entry per invitation) is needed, since prepare already
//! runs for every slot exactly at the moment an answer stops mattering.

use std::collections::{HashMap, HashSet};

use super::SocialRefusal;
use crate::command::MemberRef;
use crate::core::booking_rules::{check_booking_cap, check_new_booking};
use crate::core::locked_pairs::{
    decide_invitation, InvitationId, InvitationState, LockRefusal, LockedInvitation,
};
use crate::core::message::{MessageAction, OutgoingMessage, Tone};
use crate::core::model::{Booking, BookingStatus, Community, Member, MemberId, Slot};
use crate::core::time_input::TimeSpec;
use crate::engine::effect_key::EffectKey;
use crate::engine::effects::EffectResult;
use crate::engine::errors::{unexpected, CommandFailure, JobError, UserError};
use crate::engine::{effective_settings, planned_jobs, Attachment, Engine};
use crate::store::{NewBookingRequest, NewInvitation, StoreError};

fn refused(refusal: LockRefusal) -> CommandFailure {
    SocialRefusal::from(refusal).into()
}

impl Engine {
    /// `book <time> [length] with @x`: x must be a friend; the booking is made as any other,
    /// then the invitation stored and (unless x blocked the member) sent.
    pub(in crate::engine) async fn book_with_friend(
        &self,
        community: &Community,
        member: &Member,
        when: &TimeSpec,
        length_minutes: Option<u32>,
        with: &MemberRef,
        session_mode: Option<&str>,
    ) -> Result<(OutgoingMessage, Booking), CommandFailure> {
        let friend = self.member_named(community, with).await?;
        if friend.id == member.id {
            return Err(SocialRefusal::Yourself.into());
        }
        let store = &self.store;
        let standing = store
            .friendship(member.id, friend.id)
            .await
            .map_err(unexpected)?;
        let actor_blocked_them = store
            .has_blocked(member.id, friend.id)
            .await
            .map_err(unexpected)?;
        let they_blocked_actor = store
            .has_blocked(friend.id, member.id)
            .await
            .map_err(unexpected)?;
        let deliver =
            decide_invitation(standing, actor_blocked_them, they_blocked_actor).map_err(refused)?;
        // Without the "nobody else booked yet" note: the friend is asked, and a decline or
        // no answer is told at prepare.
        let (booked, booking) = self
            .book_without_notes(community, member, when, length_minutes, false, session_mode)
            .await?;
        let invitation = store
            .create_locked_invitation(&NewInvitation {
                slot_id: booking.slot_id,
                inviter: member.id,
                invitee: friend.id,
                inviter_booking: booking.id,
                delivered: deliver,
                created_at: self.clock.now(),
            })
            .await
            .map_err(unexpected)?;
        if deliver {
            self.deliver_invitation(invitation, member, &friend, &booking)
                .await;
        }
        // The same answer whether or not it was delivered: blocks stay invisible.
        let reply = booked
            .field("With", OutgoingMessage::new().name(&friend.display_name))
            .text("\nI've asked ")
            .name(&friend.display_name)
            .text(" to join you. Once they accept, you're locked in together. If they decline or don't answer before the session is matched, it stays a normal booking and I'll tell you.");
        Ok((reply, booking))
    }

    async fn deliver_invitation(
        &self,
        invitation: InvitationId,
        from: &Member,
        to: &Member,
        booking: &Booking,
    ) {
        // A mode the inviter named is part of what is asked (a read failure only drops it).
        let mode = match self.store.booking_modes(&[booking.id]).await {
            Ok(named) => named
                .get(&booking.id)
                .map(|mode| format!(", {mode}"))
                .unwrap_or_default(),
            Err(error) => {
                tracing::warn!(%invitation, error = %error, "invitation's mode not read");
                String::new()
            }
        };
        let message = OutgoingMessage::new()
            .titled("Focus together?")
            .tone(Tone::Reminder)
            .name(&from.display_name)
            .text(" booked ")
            .time(booking.starts_at, to.time_zone)
            .text(format!(
                " ({} min{mode}) and asks you to join. Accept and you're booked too, paired together.",
                booking.length_minutes
            ))
            .action(MessageAction::AcceptLockedSession {
                invitation: invitation.0,
            })
            .action(MessageAction::DeclineLockedSession {
                invitation: invitation.0,
            });
        if let Err(error) = self
            .send_dm_once(EffectKey::LockInvitation { invitation }, to, message)
            .await
        {
            tracing::warn!(%invitation, error = %error, "invitation DM not sent");
        }
    }

    /// `book accept 7` / `book decline 7` (and the invitation's buttons).
    pub(in crate::engine) async fn answer_invitation(
        &self,
        community: &Community,
        member: &Member,
        id: i64,
        accept: bool,
        attachments: &mut Vec<Attachment>,
    ) -> Result<OutgoingMessage, CommandFailure> {
        let store = &self.store;
        let invitation = store
            .locked_invitation(InvitationId(id))
            .await
            .map_err(unexpected)?
            // An undelivered invitation does not exist for its invitee.
            .filter(|invitation| invitation.invitee == member.id && invitation.delivered)
            .ok_or_else(|| refused(LockRefusal::NoSuchInvitation(id)))?;
        match invitation.state {
            InvitationState::Pending => {}
            InvitationState::Expired => return Err(refused(LockRefusal::TooLate)),
            InvitationState::Accepted | InvitationState::Declined => {
                return Err(refused(LockRefusal::AlreadyAnswered))
            }
        }
        let inviter = store
            .members_by_ids(&[invitation.inviter])
            .await
            .map_err(unexpected)?
            .into_iter()
            .next()
            .ok_or_else(|| unexpected(anyhow::anyhow!("inviter of invitation {id} is gone")))?;
        let inviter_booking = store
            .booking(invitation.inviter_booking)
            .await
            .map_err(unexpected)?
            .filter(|booking| booking.status == BookingStatus::Active);
        if !accept {
            if !store
                .decline_locked_invitation(invitation.id, self.clock.now())
                .await
                .map_err(unexpected)?
            {
                return Err(refused(LockRefusal::TooLate));
            }
            if let Some(booking) = &inviter_booking {
                let key = EffectKey::LockDeclined {
                    invitation: invitation.id,
                };
                if let Err(error) = self
                    .send_dm_once(key, &inviter, declined_message(member, booking, &inviter))
                    .await
                {
                    // Prepare sends it again under the same key.
                    tracing::warn!(invitation = id, error = %error, "decline DM not sent");
                }
            }
            return Ok(OutgoingMessage::new()
                .titled("Invitation declined")
                .tone(Tone::Confirmed)
                .text("I've told ")
                .name(&inviter.display_name)
                .text("; their booking stays, and they'll be paired with someone else."));
        }
        let Some(inviter_booking) = inviter_booking else {
            return Err(refused(LockRefusal::InviterCancelled));
        };
        if store
            .accepted_lock_of_booking(inviter_booking.id)
            .await
            .map_err(unexpected)?
            .is_some()
        {
            return Err(refused(LockRefusal::AlreadyLocked));
        }
        let slot = store.slot(invitation.slot_id).await.map_err(unexpected)?;
        let (booking, newly_booked) = self.book_into_slot(community, member, &slot).await?;
        if store
            .accepted_lock_of_booking(booking.id)
            .await
            .map_err(unexpected)?
            .is_some()
        {
            return Err(refused(LockRefusal::AlreadyLocked));
        }
        let accepted = store
            .accept_locked_invitation(invitation.id, booking.id, self.clock.now())
            .await
            .map_err(unexpected)?;
        if newly_booked {
            // The friend's booking takes the mode the inviter named, so the card shows it.
            let named = store
                .booking_modes(&[inviter_booking.id])
                .await
                .map_err(unexpected)?;
            if let Some(mode) = named.get(&inviter_booking.id) {
                store
                    .set_booking_mode(booking.id, mode)
                    .await
                    .map_err(unexpected)?;
            }
            attachments.push(self.booking_invite(&booking, member));
        }
        if !accepted {
            // Prepare expired it between our read and the write: the booking stands as a
            // normal one, and the member is told so.
            return Ok(OutgoingMessage::new()
                .titled(format!("Booked #{}", booking.id))
                .tone(Tone::Problem)
                .text("The session was matched just before your answer, so you're booked as a normal session, not locked in together."));
        }
        let told = OutgoingMessage::new()
            .titled("Locked in")
            .tone(Tone::Confirmed)
            .name(&member.display_name)
            .text(" accepted: you're paired together at ")
            .time(slot.starts_at, inviter.time_zone)
            .text(".");
        if let Err(error) = self
            .send_dm_once(
                EffectKey::LockAccepted {
                    invitation: invitation.id,
                },
                &inviter,
                told,
            )
            .await
        {
            tracing::warn!(invitation = id, error = %error, "accepted DM not sent");
        }
        Ok(OutgoingMessage::new()
            .titled(format!("Booked #{}", booking.id))
            .tone(Tone::Confirmed)
            .field(
                "When",
                OutgoingMessage::new().time(slot.starts_at, member.time_zone),
            )
            .field(
                "Length",
                OutgoingMessage::new().text(format!("{} min", slot.length_minutes)),
            )
            .field("With", OutgoingMessage::new().name(&inviter.display_name))
            .text("You're locked in with ")
            .name(&inviter.display_name)
            .text(": you'll be paired together. If one of you cancels, the other is paired with someone else."))
    }

    /// Books the member into exactly this slot (the booking rules apply: cutoff, overlaps, the
    /// cap). Already booked there: that booking, not a refusal.
    async fn book_into_slot(
        &self,
        community: &Community,
        member: &Member,
        slot: &Slot,
    ) -> Result<(Booking, bool), CommandFailure> {
        let now = self.clock.now();
        let settings = effective_settings(&community.settings);
        let request = NewBookingRequest {
            community_id: community.id,
            member_id: member.id,
            starts_at: slot.starts_at,
            length_minutes: slot.length_minutes,
            recurring_weekly: false,
            created_at: now,
            max_future_bookings: self.runner.limits.max_future_bookings,
        };
        let already_there = || async {
            let bookings = self
                .store
                .active_bookings_for_slot(slot.id)
                .await
                .map_err(unexpected)?;
            bookings
                .into_iter()
                .find(|booking| booking.member_id == member.id)
                .ok_or(CommandFailure::from(UserError::AlreadyBooked))
        };
        if let Ok(booking) = already_there().await {
            return Ok((booking, false));
        }
        let cap = request.max_future_bookings;
        // Accepting books a session like `book` does: the reliability tier applies (issue 11).
        let tier_cap = self.booking_tier_cap(community, member).await?;
        let booked = self
            .store
            .create_booking_with_jobs(
                &request,
                |existing| {
                    check_new_booking(
                        now,
                        slot.starts_at,
                        slot.length_minutes,
                        &settings,
                        existing,
                    )?;
                    check_booking_cap(now, cap, existing)?;
                    match &tier_cap {
                        Some(tier) => check_booking_cap(now, tier.limit, existing)
                            .map_err(|_| tier.refusal.clone()),
                        None => Ok(()),
                    }
                },
                |slot| planned_jobs(&community.settings, slot),
            )
            .await;
        match booked {
            Ok(Ok((_slot, booking))) => {
                self.wake_runner.notify_one();
                Ok((booking, true))
            }
            Ok(Err(rejection)) => Err(UserError::Booking(rejection, member.time_zone).into()),
            Err(StoreError::BookingConflict) => Ok((already_there().await?, false)),
            Err(error) => Err(unexpected(error)),
        }
    }

    /// At the slot's prepare, the cutoff: pending invitations expire; inviters whose invitation
    /// was declined or went unanswered are told their booking is a normal one; and the pairs
    /// locked in (both still booked) come back for the matching. The DMs' results go to the
    /// job's shortfall, so a failed one is retried with the job.
    pub(crate) async fn settle_locked_invitations(
        &self,
        slot: &Slot,
    ) -> Result<
        (
            Vec<(MemberId, MemberId)>,
            Vec<Result<EffectResult, JobError>>,
        ),
        JobError,
    > {
        let store = &self.store;
        store
            .expire_pending_invitations(slot.id, self.clock.now())
            .await
            .map_err(JobError::unexpected)?;
        let invitations = store
            .locked_invitations_for_slot(slot.id)
            .await
            .map_err(JobError::unexpected)?;
        if invitations.is_empty() {
            return Ok((Vec::new(), Vec::new()));
        }
        let active: HashMap<_, Booking> = store
            .active_bookings_for_slot(slot.id)
            .await
            .map_err(JobError::unexpected)?
            .into_iter()
            .map(|booking| (booking.id, booking))
            .collect();
        let is_active = |id: Option<_>| id.is_some_and(|id| active.contains_key(&id));
        let locked: Vec<(MemberId, MemberId)> = invitations
            .iter()
            .filter(|invitation| invitation.state == InvitationState::Accepted)
            .filter(|invitation| {
                is_active(Some(invitation.inviter_booking)) && is_active(invitation.invitee_booking)
            })
            .map(|invitation| (invitation.inviter, invitation.invitee))
            .collect();
        let to_tell: Vec<&LockedInvitation> = invitations
            .iter()
            .filter(|invitation| {
                matches!(
                    invitation.state,
                    InvitationState::Declined | InvitationState::Expired
                )
            })
            .filter(|invitation| is_active(Some(invitation.inviter_booking)))
            .collect();
        let ids: Vec<MemberId> = to_tell
            .iter()
            .flat_map(|invitation| [invitation.inviter, invitation.invitee])
            .collect::<HashSet<_>>()
            .into_iter()
            .collect();
        let members = self.members_by_id(&ids).await?;
        let mut results = Vec::new();
        for invitation in to_tell {
            let (Some(inviter), Some(invitee)) = (
                members.get(&invitation.inviter),
                members.get(&invitation.invitee),
            ) else {
                continue;
            };
            let booking = &active[&invitation.inviter_booking];
            let (key, message) = if invitation.state == InvitationState::Declined {
                (
                    EffectKey::LockDeclined {
                        invitation: invitation.id,
                    },
                    declined_message(invitee, booking, inviter),
                )
            } else {
                (
                    EffectKey::LockUnanswered {
                        invitation: invitation.id,
                    },
                    OutgoingMessage::new()
                        .titled("Not locked in")
                        .tone(Tone::Problem)
                        .name(&invitee.display_name)
                        .text(" didn't answer before your session at ")
                        .time(booking.starts_at, inviter.time_zone)
                        .text(" was matched, so it's a normal booking: I'm pairing you with whoever is free."),
                )
            };
            results.push(self.send_dm_once(key, inviter, message).await);
        }
        Ok((locked, results))
    }
}

fn declined_message(invitee: &Member, booking: &Booking, inviter: &Member) -> OutgoingMessage {
    OutgoingMessage::new()
        .titled("Not locked in")
        .tone(Tone::Problem)
        .name(&invitee.display_name)
        .text(" can't join you at ")
        .time(booking.starts_at, inviter.time_zone)
        .text(". Your booking stays a normal one: I'll pair you with whoever is free.")
}
