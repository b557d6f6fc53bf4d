//! Nobody is ever alone without warning (issue 11): the only booker of a slot is told so when
//! they book and in the reminder, with the nearest slots that have company
//! (`core::lone_booker`) as actions; `move 12 <time>` moves the booking there in one step.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use crate::core::booking_rules::{check_booking_cap, check_cancel, check_new_booking, CancelKind};
use crate::core::lone_booker::{slots_with_company, BookedSlot, COMPANY_SEARCH_WINDOW};
use crate::core::message::{MessageAction, OutgoingMessage};
use crate::core::model::{Booking, BookingId, BookingStatus, Community, Member};
use crate::core::slot_grid::wall_clock;
use crate::core::time_input::{resolve_time_spec, TimeSpec};
use crate::engine::errors::{unexpected, CommandFailure, UserError};
use crate::engine::{effective_settings, planned_jobs, Engine};
use crate::store::{NewBookingRequest, StoreError};

/// The slot's wall time in `zone`, as `move` takes it ("2026-11-30 09:15").
fn typed_local_time(at: DateTime<Utc>, zone: Tz) -> Option<String> {
    wall_clock(at, zone).map(|wall| wall.format("%Y-%m-%d %H:%M").to_string())
}

impl Engine {
    /// The nearest slots with company for a lone booking, as move actions in `zone`.
    pub(crate) async fn company_offers(
        &self,
        community: &Community,
        booking: &Booking,
        zone: Tz,
    ) -> Result<Vec<MessageAction>, StoreError> {
        let now = self.clock.now();
        let counts = self
            .store
            .slot_booking_counts(
                community.id,
                (booking.starts_at - COMPANY_SEARCH_WINDOW).max(now),
                booking.starts_at + COMPANY_SEARCH_WINDOW + chrono::Duration::minutes(1),
            )
            .await?;
        let slots: Vec<BookedSlot> = counts
            .iter()
            .map(|count| BookedSlot {
                starts_at: count.starts_at,
                length_minutes: count.length_minutes,
                booked: count.active_bookings,
            })
            .collect();
        let earliest = now + community.settings.booking_cutoff;
        Ok(
            slots_with_company(booking.starts_at, booking.length_minutes, &slots, earliest)
                .into_iter()
                .filter_map(|start| typed_local_time(start, zone))
                .map(|local_time| MessageAction::MoveBooking {
                    booking: booking.id,
                    local_time,
                })
                .collect(),
        )
    }

    /// "You're the only one booked then so far", with offers, when the booking's slot has no
    /// one else; nothing otherwise. `slot_bookings` are the slot's active bookings, read once
    /// by the caller (a /book reads them for this note and the no-fitting-partner one).
    pub(crate) async fn lone_booker_note(
        &self,
        community: &Community,
        member: &Member,
        booking: &Booking,
        slot_bookings: &[Booking],
    ) -> Result<OutgoingMessage, StoreError> {
        let others = slot_bookings
            .iter()
            .filter(|other| other.member_id != member.id && other.status == BookingStatus::Active)
            .count();
        if others > 0 {
            return Ok(OutgoingMessage::new());
        }
        let offers = self
            .company_offers(community, booking, member.time_zone)
            .await?;
        let mut note = OutgoingMessage::new()
            .text("\n👤 Nobody else has booked that time yet, so for now you'd have no partner.");
        if offers.is_empty() {
            note = note.text(" If someone books it, I'll pair you.");
        } else {
            note = note.text(" These nearby times have company; one step moves your booking:");
            for offer in offers {
                note = note.action(offer);
            }
        }
        Ok(note)
    }

    /// `move 12 <time>`: books the new slot (same length) as if booking 12 were not there,
    /// then cancels 12, never as a late cancel: moving to company is what we asked for.
    pub(in crate::engine) async fn move_booking(
        &self,
        community: &Community,
        member: &Member,
        booking_id: i64,
        when: &TimeSpec,
    ) -> Result<OutgoingMessage, CommandFailure> {
        let now = self.clock.now();
        let old = self
            .store
            .booking(BookingId(booking_id))
            .await
            .map_err(unexpected)?
            .filter(|booking| booking.community_id == community.id)
            .ok_or(UserError::NoSuchBooking(booking_id))?;
        check_cancel(now, &old, member.id, &community.settings).map_err(UserError::Cancel)?;
        let settings = effective_settings(&community.settings);
        let starts_at = resolve_time_spec(when, now, member.time_zone)?;
        let length = old.length_minutes;
        let request = NewBookingRequest {
            community_id: community.id,
            member_id: member.id,
            starts_at,
            length_minutes: length,
            recurring_weekly: false,
            created_at: now,
            max_future_bookings: self.runner.limits.max_future_bookings,
        };
        let cap = request.max_future_bookings;
        let booked = self
            .store
            .create_booking_with_jobs(
                &request,
                |existing| {
                    let others: Vec<Booking> = existing
                        .iter()
                        .filter(|booking| booking.id != old.id)
                        .cloned()
                        .collect();
                    check_new_booking(now, starts_at, length, &settings, &others)?;
                    check_booking_cap(now, cap, &others)
                },
                |slot| planned_jobs(&community.settings, slot),
            )
            .await;
        let new = match booked {
            Ok(Ok((_slot, booking))) => booking,
            Ok(Err(rejection)) => {
                return Err(UserError::Booking(rejection, member.time_zone).into())
            }
            Err(StoreError::BookingConflict) => return Err(UserError::AlreadyBooked.into()),
            Err(error) => return Err(unexpected(error)),
        };
        self.store
            .cancel_booking(old.id, CancelKind::OnTime)
            .await
            .map_err(unexpected)?;
        self.wake_runner.notify_one();
        let company = self
            .store
            .active_bookings_for_slot(new.slot_id)
            .await
            .map_err(unexpected)?
            .iter()
            .filter(|other| other.member_id != member.id && other.status == BookingStatus::Active)
            .count();
        let mut reply = OutgoingMessage::new()
            .text(format!("✅ Moved #{} to ", old.id))
            .time(starts_at, member.time_zone)
            .text(format!(" ({length} min), now booking #{}.", new.id));
        reply = match company {
            0 => reply.text(" Nobody else is booked then yet."),
            1 => reply.text(" One other member is booked then."),
            n => reply.text(format!(" {n} others are booked then.")),
        };
        Ok(reply)
    }
}
