//! Roll forward (per weekly booking, at its start): book the series' next week.
//!
//! A job of its own, so the next occurrence never depends on the slot's prepare (dropped when
//! the bot was down through the session, given up, or returned early). It runs however late:
//! weeks already past are skipped and the first week still ahead is booked. A cancelled
//! occurrence still rolls (only `cancel … series` ends a series, by clearing its weekly flag).

use chrono::Duration;

use crate::core::booking_rules::{
    check_new_booking, weekly_occurrence, BookingRejection, WeeklyOccurrence,
};
use crate::core::message::{CommandWord, OutgoingMessage, Tone};
use crate::core::model::{Booking, Community, Job, Member};
use crate::engine::effect_key::EffectKey;
use crate::engine::errors::JobError;
use crate::engine::{effective_settings, planned_jobs, Engine};
use crate::store::{NewBookingRequest, StoreError};

/// How many weeks ahead a roll-forward looks for a week it can book (past weeks after downtime,
/// skipped weeks) before giving up on the series.
const WEEKS_AHEAD_AT_MOST: u32 = 60;

/// A rolled occurrence is booked however far ahead it lies (the horizon is for members).
const NO_HORIZON: Duration = Duration::days(366 * 100);

impl Engine {
    pub(crate) async fn run_roll_forward(&self, job: &Job) -> Result<String, JobError> {
        let booking_id = job.booking_id.ok_or_else(|| {
            JobError::unexpected(anyhow::anyhow!("job {} has no booking", job.key))
        })?;
        let Some(booking) = self
            .store
            .booking(booking_id)
            .await
            .map_err(JobError::unexpected)?
        else {
            return Ok("booking gone".to_string());
        };
        if !booking.recurring_weekly {
            return Ok("weekly series ended".to_string());
        }
        let community = self
            .store
            .community(booking.community_id)
            .await
            .map_err(JobError::unexpected)?;
        let members = self.members_by_id(&[booking.member_id]).await?;
        let Some(member) = members.get(&booking.member_id) else {
            return Ok("member gone".to_string());
        };
        self.roll_recurring_booking_forward(&community, member, &booking)
            .await
    }

    /// Books the first week after `booking` that the booking rules allow (without the horizon),
    /// at the same local wall time in the member's zone:
    /// - a week already past or too close (downtime) is skipped silently;
    /// - a week whose wall time falls in a DST gap gets a one-off booking at the nearest valid
    ///   time after it (the member is told), and the series goes on the week after;
    /// - a week overlapping another of the member's bookings is skipped (the member is told);
    /// - a length the community no longer allows ends the series (the member is told): the
    ///   admins chose to stop offering it, so it is not kept alive behind their back.
    ///
    /// Idempotent: a week already booked at that slot (a re-run) counts as done.
    pub(crate) async fn roll_recurring_booking_forward(
        &self,
        community: &Community,
        member: &Member,
        booking: &Booking,
    ) -> Result<String, JobError> {
        let now = self.clock.now();
        let mut rules = effective_settings(&community.settings);
        rules.booking_horizon = NO_HORIZON;
        let zone = member.time_zone;
        let length = booking.length_minutes;
        let mut notes = Vec::new();
        for weeks in 1..=WEEKS_AHEAD_AT_MOST {
            let Some(occurrence) = weekly_occurrence(booking.starts_at, zone, weeks) else {
                break;
            };
            let at = occurrence.at();
            let moved = matches!(occurrence, WeeklyOccurrence::Moved { .. });
            let request = NewBookingRequest {
                community_id: community.id,
                member_id: member.id,
                starts_at: at,
                length_minutes: length,
                // A moved week is a one-off: the series keeps its own wall time after it.
                recurring_weekly: !moved,
                created_at: now,
                // A series already booked counts as one member's plan: rolling it is not capped.
                max_future_bookings: usize::MAX,
            };
            let booked = self
                .store
                .create_booking_with_jobs(
                    &request,
                    |existing| {
                        // The occurrence itself (a re-run) is the unique index's business.
                        let others: Vec<Booking> = existing
                            .iter()
                            .filter(|other| {
                                !(other.starts_at == at && other.length_minutes == length)
                            })
                            .cloned()
                            .collect();
                        check_new_booking(now, at, length, &rules, &others)
                    },
                    |slot| planned_jobs(&community.settings, slot),
                )
                .await;
            let key = EffectKey::Weekly {
                booking: booking.id,
                weeks,
            };
            match booked {
                Ok(Ok((_slot, rolled))) => {
                    // A weekly series keeps the mode it was booked with (issue 11).
                    self.carry_session_mode(booking, &rolled).await?;
                    self.wake_runner.notify_one();
                    notes.push(format!("booked #{} at {}", rolled.id, at));
                    if let WeeklyOccurrence::Moved { wanted, .. } = occurrence {
                        let message = OutgoingMessage::new()
                            .titled("Your weekly session moves this once")
                            .tone(Tone::Reminder)
                            .text("Your weekly session moves to ")
                            .time(at, zone)
                            .text(format!(
                                " instead of {} that day, because the clocks change. The weeks after it stay at {}.",
                                wanted.format("%H:%M"),
                                wanted.format("%H:%M")
                            ));
                        self.send_dm_once(key, member, message).await?;
                        continue;
                    }
                    break;
                }
                Err(StoreError::BookingConflict) => {
                    // Already booked at that slot: rolled before (a re-run), or the member
                    // booked that very session themselves. Either way that week is covered.
                    let existing_is_weekly = self
                        .store
                        .active_bookings_for_member(member.id, at)
                        .await
                        .map_err(JobError::unexpected)?
                        .iter()
                        .any(|other| other.starts_at == at && other.recurring_weekly);
                    if existing_is_weekly {
                        notes.push(format!("already rolled to {at}"));
                        break;
                    }
                    notes.push(format!("{at} already booked"));
                    continue;
                }
                Err(error) => return Err(JobError::unexpected(error)),
                Ok(Err(BookingRejection::InPast | BookingRejection::TooSoon { .. })) => {
                    continue;
                }
                Ok(Err(rejection @ BookingRejection::LengthNotAllowed { .. })) => {
                    let message = OutgoingMessage::new()
                        .titled("Your weekly series ends")
                        .tone(Tone::Problem)
                        .text("Your weekly session at ")
                        .time(booking.starts_at, zone)
                        .text(" ends here: ")
                        .append(rejection.describe(zone))
                        .text(" Book another length with ")
                        .command(CommandWord::Book, "… weekly")
                        .text(".");
                    self.send_dm_once(key, member, message).await?;
                    notes.push(format!("series ended: {length} min no longer allowed"));
                    return Ok(notes.join("; "));
                }
                Ok(Err(rejection)) => {
                    // An overlap with another booking (or a moved time off the grid): skip
                    // that week, never two overlapping bookings; the series goes on.
                    let why = match rejection {
                        BookingRejection::Overlaps {
                            booking_id,
                            starts_at,
                            length_minutes,
                        } => OutgoingMessage::new()
                            .text(format!("it would overlap your booking #{booking_id} at "))
                            .time(starts_at, zone)
                            .text(format!(" ({length_minutes} min).")),
                        other => other.describe(zone),
                    };
                    let message = OutgoingMessage::new()
                        .titled("One weekly session skipped")
                        .tone(Tone::Problem)
                        .text("Your weekly session on ")
                        .time(at, zone)
                        .text(" is skipped that week: ")
                        .append(why)
                        .text(" The weekly series goes on the week after.");
                    self.send_dm_once(key, member, message).await?;
                    notes.push(format!("skipped {at}"));
                    continue;
                }
            }
        }
        Ok(notes.join("; "))
    }
}
