//! The one place every platform's commands are handled. Adapters parse their input into a
//! [`Command`] (or hand us text), give us an [`Actor`], and send back the reply we return.

use chrono::Datelike;

use super::errors::{unexpected, CommandFailure, UserError, GENERIC_FAILURE_REPLY};
use super::{effective_settings, planned_jobs, Actor, CommandOutcome, Engine, Reply};
use crate::command::parse::{help_text, parse_command, CommandParseError};
use crate::command::{CancelScope, CancelTarget, Command, MemberRef, PrefsChange, RelationChange};
use crate::core::booking_rules::{
    check_booking_cap, check_cancel, check_new_booking, default_length, weekly_occurrence,
    CancelKind, CancelRejection,
};
use crate::core::message::{CommandWord, MessageAction, OutgoingMessage, Tone};
use crate::core::model::{Booking, BookingStatus, Community, Member, Platform, Relation};
use crate::core::slot_grid::{local_day_bounds, wall_clock};
use crate::core::time_input::{parse_time_zone, resolve_day, resolve_time_spec, DaySpec};
use crate::store::{NewBookingRequest, StoreError};

type CommandResult = Result<OutgoingMessage, CommandFailure>;

impl Engine {
    /// Parses and handles one line of text (Matrix messages, the shell).
    pub async fn handle_text(&self, actor: &Actor, text: &str) -> Reply {
        if let Some(slow_down) = self.over_command_rate(actor) {
            return slow_down;
        }
        match parse_command(text) {
            Ok(command) => self.handle_allowed_command(actor, command).await,
            Err(error) => Reply::refused(self.parse_error_message(actor, &error).await),
        }
    }

    /// A parse error in words, `book`'s usage with the lengths the actor's community allows
    /// (the built-in ones if the community cannot be read just now).
    pub async fn parse_error_message(
        &self,
        actor: &Actor,
        error: &CommandParseError,
    ) -> OutgoingMessage {
        let text = match self.community_for(actor).await {
            Ok(community) => {
                error.message_with_lengths(&community.settings.allowed_lengths_minutes)
            }
            Err(_) => error.to_string(),
        };
        OutgoingMessage::new().text(text)
    }

    /// Every platform's commands come through here (or `handle_text`), so the per-member
    /// command rate of `[limits]` holds on all of them.
    pub async fn handle_command(&self, actor: &Actor, command: Command) -> Reply {
        if let Some(slow_down) = self.over_command_rate(actor) {
            return slow_down;
        }
        self.handle_allowed_command(actor, command).await
    }

    /// The "slow down" answer when the actor has used up their command allowance.
    fn over_command_rate(&self, actor: &Actor) -> Option<Reply> {
        let allowed = self.command_limiter.allow(
            actor.platform,
            &actor.platform_community_id,
            &actor.platform_user_id,
        );
        (!allowed).then(|| Reply::refused(UserError::SlowDown.message()))
    }

    async fn handle_allowed_command(&self, actor: &Actor, command: Command) -> Reply {
        let started = std::time::Instant::now();
        let description = format!("{command:?}");
        let reply = self.answer_command(actor, command, &description).await;
        super::metrics::command_answered(actor.platform, &description, &reply, started.elapsed());
        reply
    }

    async fn answer_command(&self, actor: &Actor, command: Command, description: &str) -> Reply {
        match self.try_handle_command(actor, command).await {
            Ok(reply) => reply,
            Err(CommandFailure::User(error)) => Reply::refused(error.message()),
            Err(CommandFailure::Unexpected(error)) => {
                tracing::error!(user = %actor.platform_user_id, community = %actor.platform_community_id, command = %description, error = ?error, "command failed");
                Reply::new(
                    OutgoingMessage::new().text(GENERIC_FAILURE_REPLY),
                    CommandOutcome::Failed,
                )
            }
        }
    }

    async fn try_handle_command(
        &self,
        actor: &Actor,
        command: Command,
    ) -> Result<Reply, CommandFailure> {
        if actor.platform != self.runner.platform {
            // An adapter wired to the wrong engine; acting would book into a community whose
            // jobs this engine never runs.
            return Err(CommandFailure::Unexpected(anyhow::anyhow!(
                "a {} actor reached the {} engine",
                actor.platform,
                self.runner.platform
            )));
        }
        let community = self
            .community_for(actor)
            .await
            .map_err(CommandFailure::Unexpected)?;
        let now = self.clock.now();
        if let Command::Book {
            when,
            length_minutes,
            repeat_weekly,
            session_mode,
        } = &command
        {
            let member = self.member_for_booking(&community, actor, now).await?;
            let (booked, booking) = self
                .book(
                    &community,
                    &member,
                    when,
                    *length_minutes,
                    *repeat_weekly,
                    session_mode.as_deref(),
                )
                .await?;
            let invite = self.booking_invite(&booking, &member);
            return Ok(Reply::new(booked, CommandOutcome::Booked).with_attachments(vec![invite]));
        }
        if let Command::BookWith {
            when,
            length_minutes,
            with,
            session_mode,
        } = &command
        {
            let member = self.member_for_booking(&community, actor, now).await?;
            let (booked, booking) = self
                .book_with_friend(
                    &community,
                    &member,
                    when,
                    *length_minutes,
                    with,
                    session_mode.as_deref(),
                )
                .await?;
            let invite = self.booking_invite(&booking, &member);
            return Ok(Reply::new(booked, CommandOutcome::Booked).with_attachments(vec![invite]));
        }
        let member = self
            .store
            .ensure_member(
                &community,
                &actor.platform_user_id,
                &actor.display_name,
                now,
            )
            .await
            .map_err(unexpected)?;
        let mut attachments = Vec::new();
        let outcome = match crate::command::privacy::erases(&command) {
            true => CommandOutcome::Erased,
            false => CommandOutcome::Done,
        };
        let result = self
            .handle_member_command(actor, &community, member, command, &mut attachments)
            .await;
        // The command may have changed the member (time zone, preferences, cancels).
        self.members.forget(community.id, &actor.platform_user_id);
        result.map(|message| Reply::new(message, outcome).with_attachments(attachments))
    }

    /// The member as `book` needs them: from the short-lived cache, or else created (most
    /// members who book without a cached entry are new, so creating first is one statement
    /// for them and two for the others).
    async fn member_for_booking(
        &self,
        community: &Community,
        actor: &Actor,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<Member, CommandFailure> {
        if let Some(member) = self.members.get(
            community.id,
            &actor.platform_user_id,
            &actor.display_name,
            now,
        ) {
            return Ok(member);
        }
        let member = self
            .store
            .ensure_member_creating_first(
                community,
                &actor.platform_user_id,
                &actor.display_name,
                now,
            )
            .await
            .map_err(unexpected)?;
        self.members.put(&member, now);
        Ok(member)
    }

    async fn handle_member_command(
        &self,
        actor: &Actor,
        community: &Community,
        member: Member,
        command: Command,
        attachments: &mut Vec<super::Attachment>,
    ) -> CommandResult {
        match command {
            Command::Book {
                when,
                length_minutes,
                repeat_weekly,
                session_mode,
            } => {
                let (message, booking) = self
                    .book(
                        community,
                        &member,
                        &when,
                        length_minutes,
                        repeat_weekly,
                        session_mode.as_deref(),
                    )
                    .await?;
                attachments.push(self.booking_invite(&booking, &member));
                Ok(message)
            }
            Command::Cancel {
                target,
                scope: CancelScope::Occurrence,
            } => self.cancel(community, &member, target, attachments).await,
            Command::Cancel {
                target,
                scope: CancelScope::Series,
            } => {
                self.cancel_series(community, &member, target, attachments)
                    .await
            }
            Command::Calendar { reset } => self.calendar(&member, reset).await,
            Command::Sessions => self.sessions(&member).await,
            Command::Slots { day } => self.slots(community, &member, day).await,
            Command::Timezone { zone } => self.timezone(&member, zone).await,
            Command::Prefs { change } => self.prefs(&member, change).await,
            // Friends are mutual: a friend "relation" is a request (or its removal).
            Command::Relate {
                kind: crate::core::model::RelationKind::Friend,
                target,
                change,
            } => {
                let change = match change {
                    RelationChange::Set => crate::core::friends::FriendChange::Request,
                    RelationChange::Remove => crate::core::friends::FriendChange::Remove,
                };
                self.friend(community, &member, change, &target).await
            }
            Command::Relate {
                kind,
                target,
                change,
            } => self.relate(community, &member, kind, &target, change).await,
            Command::Friend { change, target } => {
                self.friend(community, &member, change, &target).await
            }
            Command::Friends => self.friends(community, &member).await,
            Command::Move { booking, when } => {
                self.move_booking(community, &member, booking, &when).await
            }
            Command::Message { to, text } => {
                self.message_partner(community, &member, to.as_ref(), &text)
                    .await
            }
            Command::Setup { change } => self.setup(actor, community, change).await,
            Command::Stats => self.stats(community, &member, attachments).await,
            Command::Leaderboard => self.leaderboard(community, &member).await,
            Command::Rematch { choice } => self.choose_rematch(community, &member, choice).await,
            Command::BookWith {
                when,
                length_minutes,
                with,
                session_mode,
            } => self
                .book_with_friend(
                    community,
                    &member,
                    &when,
                    length_minutes,
                    &with,
                    session_mode.as_deref(),
                )
                .await
                .map(|(message, booking)| {
                    attachments.push(self.booking_invite(&booking, &member));
                    message
                }),
            Command::AnswerInvitation { invitation, accept } => {
                self.answer_invitation(community, &member, invitation, accept, attachments)
                    .await
            }
            Command::Privacy { request } => {
                self.privacy(community, &member, request, attachments).await
            }
            Command::CheckIn { booking, reply } => {
                self.check_in_answer(community, &member, booking, reply)
                    .await
            }
            Command::Report { target, reason } => {
                self.report_member(community, &member, &target, &reason)
                    .await
            }
            Command::Snooze { target, days } => {
                self.snooze(community, &member, &target, days).await
            }
            Command::Blocked => self.blocked_list(&member).await,
            Command::Help { topic } => Ok(OutgoingMessage::new()
                .titled(match &topic {
                    Some(_) => "Help".to_string(),
                    None => "How focusfolk works".to_string(),
                })
                .text(help_text(
                    topic.as_deref(),
                    &community.settings.allowed_lengths_minutes,
                ))),
        }
    }

    pub(super) async fn book(
        &self,
        community: &Community,
        member: &Member,
        when: &crate::core::time_input::TimeSpec,
        length_minutes: Option<u32>,
        repeat_weekly: bool,
        session_mode: Option<&str>,
    ) -> Result<(OutgoingMessage, Booking), CommandFailure> {
        let (reply, booking) = self
            .book_without_notes(
                community,
                member,
                when,
                length_minutes,
                repeat_weekly,
                session_mode,
            )
            .await?;
        // Both notes look at who else is booked and what they chose: one read.
        let slot = self
            .store
            .active_bookings_with_choices_for_slot(booking.slot_id)
            .await
            .map_err(unexpected)?;
        let slot_bookings: Vec<Booking> = slot.iter().map(|entry| entry.booking.clone()).collect();
        // Alone in the slot: say so now, with nearby times that have company (issue 11).
        let note = self
            .lone_booker_note(community, member, &booking, &slot_bookings)
            .await
            .map_err(unexpected)?;
        // Company, but none that the member's own choices allow (issue 11): say so now too.
        let choice_note = self
            .no_fitting_partner_note_at_booking(community, member, &booking, &slot)
            .await
            .map_err(unexpected)?;
        Ok((reply.append(note).append(choice_note), booking))
    }

    /// The booking and its confirmation, without the notes about who else is booked: a
    /// booking with an invited friend has its partner (or hears at prepare that it hasn't).
    pub(super) async fn book_without_notes(
        &self,
        community: &Community,
        member: &Member,
        when: &crate::core::time_input::TimeSpec,
        length_minutes: Option<u32>,
        repeat_weekly: bool,
        session_mode: Option<&str>,
    ) -> Result<(OutgoingMessage, Booking), CommandFailure> {
        let now = self.clock.now();
        // An unknown mode is refused before anything is written.
        let session_mode = self.checked_session_mode(community, session_mode)?;
        let settings = effective_settings(&community.settings);
        let starts_at = resolve_time_spec(when, now, member.time_zone)?;
        let length =
            length_minutes.unwrap_or_else(|| default_length(&settings.allowed_lengths_minutes));
        let request = NewBookingRequest {
            community_id: community.id,
            member_id: member.id,
            starts_at,
            length_minutes: length,
            recurring_weekly: repeat_weekly,
            created_at: now,
            max_future_bookings: self.runner.limits.max_future_bookings,
        };
        let max_future_bookings = request.max_future_bookings;
        // Below a reliability threshold a member holds fewer upcoming bookings (issue 11).
        let tier_cap = self.booking_tier_cap(community, member).await?;
        // One transaction: the rules see the member's bookings as of the write lock, and the
        // booking is committed together with all of its jobs before we reply.
        let booked = self
            .store
            .create_booking_with_jobs(
                &request,
                |existing| {
                    check_new_booking(now, starts_at, length, &settings, existing)?;
                    check_booking_cap(now, max_future_bookings, existing)?;
                    match &tier_cap {
                        Some(tier) => check_booking_cap(now, tier.limit, existing)
                            .map_err(|_| tier.refusal.clone()),
                        None => Ok(()),
                    }
                },
                |slot| planned_jobs(&community.settings, slot),
            )
            .await;
        let booking = match booked {
            Ok(Ok((_slot, booking))) => booking,
            Ok(Err(rejection)) => {
                return Err(UserError::Booking(rejection, member.time_zone).into())
            }
            Err(StoreError::BookingConflict) => return Err(UserError::AlreadyBooked.into()),
            Err(error) => return Err(unexpected(error)),
        };
        self.record_session_mode(&booking, session_mode.as_deref())
            .await?;
        self.wake_runner.notify_one();
        let mut reply = OutgoingMessage::new()
            .titled(format!("Booked #{}", booking.id))
            .tone(Tone::Confirmed)
            .field(
                "When",
                OutgoingMessage::new().time(starts_at, member.time_zone),
            )
            .field(
                "Length",
                OutgoingMessage::new().text(format!(
                    "{length} min{}",
                    if repeat_weekly { ", every week" } else { "" }
                )),
            );
        if let Some(mode) = &session_mode {
            reply = reply.field("Mode", OutgoingMessage::new().text(mode.clone()));
        }
        // The slot's reminder goes to whoever is booked when it runs: booked later, no reminder.
        let reminder_still_ahead = starts_at - now > community.settings.reminder_lead;
        reply = if member.reminders_enabled && reminder_still_ahead {
            reply.text(format!(
                "I'll remind you {} min before and pair you when it starts.",
                community.settings.reminder_lead.num_minutes()
            ))
        } else {
            reply.text("I'll pair you when it starts.")
        };
        Ok((reply, booking))
    }

    async fn cancel(
        &self,
        community: &Community,
        member: &Member,
        target: CancelTarget,
        attachments: &mut Vec<super::Attachment>,
    ) -> CommandResult {
        let now = self.clock.now();
        let upcoming = self
            .store
            .active_bookings_for_member(member.id, now)
            .await
            .map_err(unexpected)?;
        let booking: Booking = match target {
            CancelTarget::Next => upcoming
                .into_iter()
                .find(|booking| booking.starts_at > now)
                .ok_or(UserError::NothingToCancel)?,
            CancelTarget::BookingId(id) => self.booking_in_community(community, id).await?,
            CancelTarget::At(spec) => {
                let at = resolve_time_spec(&spec, now, member.time_zone)?;
                upcoming
                    .into_iter()
                    .find(|booking| booking.starts_at == at)
                    .ok_or(UserError::NoBookingAt(at, member.time_zone))?
            }
        };
        let kind = check_cancel(now, &booking, member.id, &community.settings)
            .map_err(UserError::Cancel)?;
        let cancelled = self
            .store
            .cancel_booking(booking.id, kind)
            .await
            .map_err(unexpected)?;
        if !cancelled {
            return Err(UserError::Cancel(
                crate::core::booking_rules::CancelRejection::AlreadyCancelled,
            )
            .into());
        }
        super::metrics::booking_cancelled(community.platform, 1);
        attachments.push(self.booking_cancellation(&booking, member));
        let mut reply = OutgoingMessage::new()
            .titled(format!("Cancelled #{}", booking.id))
            .tone(Tone::Confirmed)
            .field(
                "Was at",
                OutgoingMessage::new().time(booking.starts_at, member.time_zone),
            );
        if booking.recurring_weekly {
            // Its roll-forward job (due at its start, so it has not run yet) still books the
            // next week: cancelling one occurrence never ends the series.
            reply = reply.text("Your weekly series goes on");
            if let Some(next) = weekly_occurrence(booking.starts_at, member.time_zone, 1) {
                reply = reply
                    .text(" (next: ")
                    .time(next.at(), member.time_zone)
                    .text(")");
            }
            reply = reply
                .text("; to end it, say ")
                .command(CommandWord::Cancel, format!("{} series", booking.id))
                .text(".");
        }
        if kind == CancelKind::Late {
            reply = reply.text(format!(
                "{}It was within {} min of the start, so it counts as a late cancel.",
                if booking.recurring_weekly { " " } else { "" },
                community.settings.late_cancel_window.num_minutes()
            ));
        }
        Ok(reply.action(MessageAction::BookAnother))
    }

    /// Booking number `id` as a member names it: one of this community's, or "no such booking".
    async fn booking_in_community(
        &self,
        community: &Community,
        id: i64,
    ) -> Result<Booking, CommandFailure> {
        Ok(self
            .store
            .booking(crate::core::model::BookingId(id))
            .await
            .map_err(unexpected)?
            .filter(|booking| booking.community_id == community.id)
            .ok_or(UserError::NoSuchBooking(id))?)
    }

    /// Ends a booking's weekly series: every occurrence not yet started is cancelled, and every
    /// occurrence (past, running, cancelled or ahead) stops being weekly, so no roll-forward
    /// job books another week. The series is the member's weekly bookings of the same length
    /// at the same local weekday and time.
    async fn cancel_series(
        &self,
        community: &Community,
        member: &Member,
        target: CancelTarget,
        attachments: &mut Vec<super::Attachment>,
    ) -> CommandResult {
        let now = self.clock.now();
        let zone = member.time_zone;
        // A roll-forward delayed by downtime may still be pending for a week past: look back.
        let weekly = self
            .store
            .weekly_bookings_for_member(member.id, now - chrono::Duration::days(30))
            .await
            .map_err(unexpected)?;
        let chosen: Booking = match target {
            CancelTarget::Next => weekly
                .iter()
                .find(|booking| booking.status == BookingStatus::Active && booking.ends_at() > now)
                .or_else(|| weekly.iter().find(|booking| booking.ends_at() > now))
                .cloned()
                .ok_or(UserError::NoWeeklySeries)?,
            CancelTarget::BookingId(id) => {
                let booking = self.booking_in_community(community, id).await?;
                if booking.member_id != member.id {
                    return Err(UserError::Cancel(CancelRejection::NotYours).into());
                }
                if !booking.recurring_weekly {
                    return Err(UserError::NotWeekly(id).into());
                }
                booking
            }
            CancelTarget::At(spec) => {
                let at = resolve_time_spec(&spec, now, zone)?;
                weekly
                    .iter()
                    .find(|booking| booking.starts_at == at)
                    .cloned()
                    .ok_or(UserError::NoBookingAt(at, zone))?
            }
        };
        let local = |booking: &Booking| {
            wall_clock(booking.starts_at, zone).map(|wall| (wall.weekday(), wall.time()))
        };
        let mut series: Vec<Booking> = weekly
            .into_iter()
            .filter(|booking| {
                booking.length_minutes == chosen.length_minutes && local(booking) == local(&chosen)
            })
            .collect();
        if !series.iter().any(|booking| booking.id == chosen.id) {
            series.push(chosen.clone());
        }
        let ids: Vec<_> = series.iter().map(|booking| booking.id).collect();
        self.store.stop_recurring(&ids).await.map_err(unexpected)?;
        let mut reply = OutgoingMessage::new()
            .titled("Weekly series ended")
            .tone(Tone::Confirmed)
            .field(
                "Was every week at",
                OutgoingMessage::new().time(chosen.starts_at, zone),
            )
            .text("No more weekly sessions will be booked at this time.");
        let mut late = false;
        for booking in series
            .iter()
            .filter(|booking| booking.status == BookingStatus::Active)
        {
            match check_cancel(now, booking, member.id, &community.settings) {
                Ok(kind) => {
                    if self
                        .store
                        .cancel_booking(booking.id, kind)
                        .await
                        .map_err(unexpected)?
                    {
                        super::metrics::booking_cancelled(community.platform, 1);
                        late |= kind == CancelKind::Late;
                        attachments.push(self.booking_cancellation(booking, member));
                        reply = reply.item(
                            OutgoingMessage::new()
                                .text(format!("Cancelled #{}: ", booking.id))
                                .time(booking.starts_at, zone),
                        );
                    }
                }
                Err(CancelRejection::AlreadyStarted) if booking.ends_at() > now => {
                    reply = reply.item(
                        OutgoingMessage::new()
                            .text(format!("#{} has already started, so it stays.", booking.id)),
                    );
                }
                Err(_) => {}
            }
        }
        if late {
            reply = reply.text(format!(
                " One was within {} min of the start, so it counts as a late cancel.",
                community.settings.late_cancel_window.num_minutes()
            ));
        }
        Ok(reply)
    }

    async fn sessions(&self, member: &Member) -> CommandResult {
        let now = self.clock.now();
        let bookings = self
            .store
            .active_bookings_for_member(member.id, now)
            .await
            .map_err(unexpected)?;
        if bookings.is_empty() {
            return Ok(OutgoingMessage::new()
                .titled("No upcoming sessions")
                .text("Book one with ")
                .command(CommandWord::Book, "next")
                .text(" or ")
                .command(CommandWord::Book, "tomorrow 9:00 50m")
                .text("."));
        }
        // Only modes a member named show: a community that never uses modes sees no change.
        let booking_ids: Vec<_> = bookings.iter().map(|booking| booking.id).collect();
        let modes = self
            .store
            .booking_modes(&booking_ids)
            .await
            .map_err(unexpected)?;
        // "with bob" on a booking locked in with a friend who is still booked.
        let locked_partners = self
            .store
            .locked_partner_names(&booking_ids)
            .await
            .map_err(unexpected)?;
        let mut reply = OutgoingMessage::new().titled("Your upcoming sessions");
        for booking in &bookings {
            reply = reply.item(
                OutgoingMessage::new()
                    .text(format!("#{} ", booking.id))
                    .time(booking.starts_at, member.time_zone)
                    .text(format!(
                        " · {} min{}{}",
                        booking.length_minutes,
                        modes
                            .get(&booking.id)
                            .map(|mode| format!(" · {mode}"))
                            .unwrap_or_default(),
                        if booking.recurring_weekly {
                            " · weekly"
                        } else {
                            ""
                        }
                    ))
                    .append(match locked_partners.get(&booking.id) {
                        Some(partner) => OutgoingMessage::new().text(" · with ").name(partner),
                        None => OutgoingMessage::new(),
                    }),
            );
        }
        Ok(reply
            .text("To cancel one, say ")
            .command(CommandWord::Cancel, "<number>")
            .text("."))
    }

    async fn slots(
        &self,
        community: &Community,
        member: &Member,
        day: Option<DaySpec>,
    ) -> CommandResult {
        let now = self.clock.now();
        let date = resolve_day(&day.unwrap_or(DaySpec::Today), now, member.time_zone);
        let (day_start, day_end) = local_day_bounds(date, member.time_zone);
        let counts = self
            .store
            .slot_booking_counts(community.id, day_start.max(now), day_end)
            .await
            .map_err(unexpected)?;
        let lengths = community
            .settings
            .allowed_lengths_minutes
            .iter()
            .map(u32::to_string)
            .collect::<Vec<_>>()
            .join("/");
        let mut reply = OutgoingMessage::new()
            .titled(format!(
                "Open times on {} ({})",
                date.format("%a %-d %b"),
                member.time_zone
            ))
            .text(format!(
                "Any quarter hour can be booked, {lengths} min long."
            ));
        if counts.is_empty() {
            reply = reply.text(" Nobody has booked that day yet — be the first!");
        } else {
            reply = reply.text(" Already booked (you'd have company):");
            for count in &counts {
                reply = reply.item(
                    OutgoingMessage::new()
                        .time(count.starts_at, member.time_zone)
                        .text(format!(
                            " · {} min · {} booked",
                            count.length_minutes, count.active_bookings
                        )),
                );
            }
        }
        if let Some(link) = self.community_page_link(community).await? {
            reply = reply.text(format!("\nThe whole week at a glance: {link}"));
        }
        Ok(reply)
    }

    async fn timezone(&self, member: &Member, zone: Option<String>) -> CommandResult {
        let Some(zone) = zone else {
            return Ok(OutgoingMessage::new()
                .titled("Your time zone")
                .text(format!(
                    "Your time zone is {}. Change it with ",
                    member.time_zone
                ))
                .command(CommandWord::Timezone, "Europe/Paris")
                .text(" (any IANA name)."));
        };
        let zone = parse_time_zone(&zone)?;
        self.store
            .set_member_time_zone(member.id, zone)
            .await
            .map_err(unexpected)?;
        Ok(OutgoingMessage::new()
            .titled("Time zone saved")
            .tone(Tone::Confirmed)
            .text(format!("Time zone set to {zone}. It's now "))
            .time(self.clock.now(), zone)
            .text(" for you."))
    }

    async fn prefs(&self, member: &Member, change: Option<PrefsChange>) -> CommandResult {
        if let Some(PrefsChange::ShowBookings(show)) = change {
            return self.set_show_bookings(member, show).await;
        }
        if let Some(PrefsChange::Leaderboard(opted_in)) = change {
            return self.set_leaderboard(member, opted_in).await;
        }
        if let Some(PrefsChange::MixedLengths(allowed)) = change {
            return self.set_mixed_lengths(member, allowed).await;
        }
        if let Some(choice @ (PrefsChange::Availability(_) | PrefsChange::MixModes(_))) = &change {
            return self.set_match_choice(member, choice.clone()).await;
        }
        let mut reminders = member.reminders_enabled;
        if let Some(PrefsChange::Reminders(enabled)) = change {
            self.store
                .set_member_reminders(member.id, enabled)
                .await
                .map_err(unexpected)?;
            reminders = enabled;
        }
        let value = |text: String| OutgoingMessage::new().text(text);
        // The same figure the booking tiers use (issue 11): the last 20 booked sessions.
        let (_, recent) = self.recent_reliability_of(member).await?;
        let reliability_shown = match recent.sessions {
            0 => "100% (no sessions yet)".to_string(),
            1 => format!("{:.0}% over your last session", recent.rate * 100.0),
            n => format!("{:.0}% over your last {n} sessions", recent.rate * 100.0),
        };
        let shown = OutgoingMessage::new()
            .titled("Your preferences and stats")
            .tone(if change.is_some() {
                Tone::Confirmed
            } else {
                Tone::Plain
            })
            .field(
                "Reminders",
                value(if reminders { "on" } else { "off" }.to_string()),
            )
            .field("Time zone", value(member.time_zone.to_string()))
            .field(
                "Mixed lengths",
                value(self.mixed_lengths_word(member).await?.to_string()),
            )
            .field("Sessions", value(member.sessions_attended.to_string()))
            .field("No-shows", value(member.no_shows.to_string()))
            .field("Late cancels", value(member.late_cancels.to_string()))
            .field("Reliability", value(reliability_shown))
            .footer(
                "Reliability is the sessions you came to on time out of your last 20 booked: no-shows and late cancels count against it, the bot's own downtime never does.",
            );
        self.match_choice_fields(member, shown).await
    }

    async fn relate(
        &self,
        community: &Community,
        member: &Member,
        kind: crate::core::model::RelationKind,
        target: &MemberRef,
        change: RelationChange,
    ) -> CommandResult {
        let other = self.member_named(community, target).await?;
        if other.id == member.id {
            return Err(UserError::RelationToSelf.into());
        }
        let relation = Relation {
            member: member.id,
            other: other.id,
            kind,
        };
        let verb = kind.as_str();
        if change == RelationChange::Remove {
            self.store
                .remove_relation(relation)
                .await
                .map_err(unexpected)?;
            Ok(OutgoingMessage::new()
                .titled(format!("No longer your {verb}"))
                .tone(Tone::Confirmed)
                .name(&other.display_name)
                .text(format!(" is no longer your {verb}.")))
        } else {
            self.store
                .set_relation(relation)
                .await
                .map_err(unexpected)?;
            // The name is a name part: Discord shows another member's nickname as written.
            Ok(match kind {
                crate::core::model::RelationKind::Block => OutgoingMessage::new()
                    .titled("Blocked")
                    .tone(Tone::Confirmed)
                    .text("Blocked ")
                    .name(&other.display_name)
                    .text(" — you'll never be paired together."),
                _ => OutgoingMessage::new()
                    .titled(format!("New {verb}"))
                    .tone(Tone::Confirmed)
                    .name(&other.display_name)
                    .text(format!(
                        " is now your {verb} — you'll be paired more often."
                    )),
            })
        }
    }
}

impl Engine {
    /// The one member `target` names. A platform id is an id and nothing else. A typed name
    /// is a handle (the platform user id, with or without a leading `@`) or a display name;
    /// a display name that several members share is refused, listing their handles, rather
    /// than picking one: anyone can take anyone's name.
    pub(super) async fn member_named(
        &self,
        community: &Community,
        target: &MemberRef,
    ) -> Result<Member, CommandFailure> {
        let unknown = || UserError::UnknownMember(target.as_str().to_string());
        let typed = match target {
            MemberRef::PlatformId(id) => {
                return self
                    .store
                    .member_by_platform_id(community.id, id)
                    .await
                    .map_err(unexpected)?
                    .ok_or_else(|| unknown().into());
            }
            MemberRef::Typed(typed) => typed,
        };
        // As typed ("@bob:example.org" on Matrix keeps its '@'), then the handle with or
        // without the '@' the member may have added or left out (the shell's "bob").
        let bare = typed.strip_prefix('@').unwrap_or(typed);
        let other_form = if bare == typed {
            format!("@{bare}")
        } else {
            bare.to_string()
        };
        for id in [typed.as_str(), other_form.as_str()] {
            if let Some(member) = self
                .store
                .member_by_platform_id(community.id, id)
                .await
                .map_err(unexpected)?
            {
                return Ok(member);
            }
        }
        let mut found = self
            .store
            .find_members(community.id, bare)
            .await
            .map_err(unexpected)?;
        if found.is_empty() && bare != typed {
            // A display name that itself starts with '@'.
            found = self
                .store
                .find_members(community.id, typed)
                .await
                .map_err(unexpected)?;
        }
        match found.len() {
            0 => Err(unknown().into()),
            1 => Ok(found.remove(0)),
            count => {
                // Matrix ids and the shell's names are what those platforms show anyway;
                // elsewhere a user id is not for showing.
                let handles = match community.platform {
                    Platform::Matrix | Platform::Shell => found
                        .iter()
                        .map(|member| match member.platform_user_id.starts_with('@') {
                            true => member.platform_user_id.clone(),
                            false => format!("@{}", member.platform_user_id),
                        })
                        .collect(),
                    Platform::Discord => Vec::new(),
                };
                Err(UserError::AmbiguousMember {
                    name: typed.clone(),
                    count,
                    handles,
                }
                .into())
            }
        }
    }
}
