//! The check-in's answers and what hangs off them (issue 11): `checkin <booking> done|partly|
//! absent`, `report @x <why>`, `snooze @x 7d|off`, `blocked`, and the snoozes the matcher
//! avoids. The rules are `core::check_in`; this file gathers facts and records results.
//!
//! Privacy: nothing here tells a member about another member's blocks, snoozes, reports,
//! absence claims or reliability. A report goes to the moderators only; the reported member is
//! never told, and the reporter's answer is the same whatever the moderators' setup.

use chrono::{DateTime, Utc};

use crate::command::{CheckInReply, MemberRef};
use crate::core::check_in::{
    clean_report_reason, mutual_absence_corrections, report_rate_check, snooze_until, AbsenceClaim,
    MAX_REPORTS_PER_PERIOD, MAX_SNOOZE_DAYS, REPORT_RATE_PERIOD, REPORT_WINDOW,
};
use crate::core::matching::{PairNote, PairTie};
use crate::core::message::{OutgoingMessage, Tone};
use crate::core::model::{BookingId, Community, Group, Member, MemberId, SlotId};
use crate::engine::effect_key::EffectKey;
use crate::engine::errors::{unexpected, CommandFailure, JobError, UserError};
use crate::engine::Engine;

/// How long after its end a session can still be checked in.
pub const CHECK_IN_OPEN_FOR: chrono::Duration = chrono::Duration::days(7);

/// Why a check-in command did nothing, in plain words.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CheckInRefusal {
    #[error("That session hasn't happened yet: check in after it.")]
    NotYetHappened,
    #[error("That session ended more than {0} days ago, so it can't be checked in any more.")]
    TooLongAgo(i64),
    #[error("You had no partner in that session, so there's nobody to mark absent.")]
    NoPartner,
    #[error("You had more than one partner in that session: say which one, like checkin {0} absent @name.")]
    WhichPartner(i64),
    #[error("They weren't your partner in that session.")]
    NotYourPartner,
    #[error("You can report the partners of your sessions from the last {0} days. For anything else, contact the community's moderators directly.")]
    NotARecentPartner(i64),
    #[error("You've sent {0} reports in the last {1} hours; you can send another from {2}. If it's urgent, contact a moderator directly.")]
    TooManyReports(usize, i64, String),
    #[error("A snooze lasts from 1 to {0} days. To never be paired with them, say block @name.")]
    SnoozeOutOfRange(u32),
    #[error("You haven't snoozed them.")]
    NotSnoozed,
    #[error("That's you! Pick someone else.")]
    Yourself,
}

impl Engine {
    pub(in crate::engine) async fn check_in_answer(
        &self,
        community: &Community,
        member: &Member,
        booking: i64,
        reply: CheckInReply,
    ) -> Result<OutgoingMessage, CommandFailure> {
        let now = self.clock.now();
        let found = self
            .store
            .booking(BookingId(booking))
            .await
            .map_err(unexpected)?;
        // Someone else's booking reads exactly like one that does not exist.
        let Some(booking_row) = found.filter(|b| b.member_id == member.id) else {
            return Err(UserError::NoSuchBooking(booking).into());
        };
        if booking_row.starts_at > now {
            return Err(CheckInRefusal::NotYetHappened.into());
        }
        let ends_at =
            booking_row.starts_at + chrono::Duration::minutes(booking_row.length_minutes as i64);
        if now - ends_at > CHECK_IN_OPEN_FOR {
            return Err(CheckInRefusal::TooLongAgo(CHECK_IN_OPEN_FOR.num_days()).into());
        }
        let slot = booking_row.slot_id;
        match reply {
            CheckInReply::Verdict(verdict) => {
                self.store
                    .record_check_in_verdict(slot, member.id, verdict, now)
                    .await
                    .map_err(unexpected)?;
                Ok(OutgoingMessage::new()
                    .titled("Thanks for checking in")
                    .tone(Tone::Confirmed)
                    .text(match verdict {
                        crate::core::check_in::SessionVerdict::Done => {
                            "Noted: you got it done. Well done!"
                        }
                        crate::core::check_in::SessionVerdict::Partly => {
                            "Noted: partly done. Every session counts."
                        }
                    }))
            }
            CheckInReply::PartnerAbsent(target) => {
                self.partner_absent(community, member, slot, booking, target.as_ref(), now)
                    .await
            }
        }
    }

    async fn partner_absent(
        &self,
        community: &Community,
        member: &Member,
        slot: SlotId,
        booking: i64,
        target: Option<&MemberRef>,
        now: DateTime<Utc>,
    ) -> Result<OutgoingMessage, CommandFailure> {
        let groups = self.store.groups_for_slot(slot).await.map_err(unexpected)?;
        let partners = latest_partners(&groups, member.id);
        let absent = match target {
            None => match partners.as_slice() {
                [] => return Err(CheckInRefusal::NoPartner.into()),
                [only] => *only,
                _ => return Err(CheckInRefusal::WhichPartner(booking).into()),
            },
            Some(target) => {
                let named = self.member_named(community, target).await?;
                if named.id == member.id {
                    return Err(CheckInRefusal::Yourself.into());
                }
                if !partners.contains(&named.id) {
                    return Err(CheckInRefusal::NotYourPartner.into());
                }
                named.id
            }
        };
        let claim = AbsenceClaim {
            claimant: member.id,
            absent,
        };
        self.store
            .record_absence_claim(slot, claim, now)
            .await
            .map_err(unexpected)?;
        // Mutual claims excuse both sides (see core::check_in); a correction is idempotent
        // (only an attended outcome changes), so a repeated answer changes nothing more.
        let claims = self
            .store
            .absence_claims_for_slot(slot)
            .await
            .map_err(unexpected)?;
        let outcomes = self
            .store
            .attendance_for_slot(slot)
            .await
            .map_err(unexpected)?;
        for corrected in mutual_absence_corrections(&claims, &outcomes) {
            if self
                .store
                .excuse_attended_session(slot, corrected)
                .await
                .map_err(unexpected)?
            {
                tracing::info!(
                    slot = slot.0,
                    member = corrected.0,
                    "attendance excused: both partners say the other was absent"
                );
            }
        }
        let partner = self.store.member(absent).await.map_err(unexpected)?;
        // The same answer whether or not the partner said the same: their answer is theirs.
        Ok(OutgoingMessage::new()
            .titled("Thanks for telling me")
            .tone(Tone::Confirmed)
            .text("Noted that ")
            .name(&partner.display_name)
            .text(
                " wasn't there. A session that both partners say didn't happen counts for \
                 neither. If something else went wrong, report it to the moderators.",
            ))
    }

    pub(in crate::engine) async fn report_member(
        &self,
        community: &Community,
        member: &Member,
        target: &MemberRef,
        reason: &str,
    ) -> Result<OutgoingMessage, CommandFailure> {
        let now = self.clock.now();
        let reported = self.member_named(community, target).await?;
        if reported.id == member.id {
            return Err(CheckInRefusal::Yourself.into());
        }
        let earlier = self
            .store
            .reports_filed_since(member.id, now - REPORT_RATE_PERIOD)
            .await
            .map_err(unexpected)?;
        if let Err(next) = report_rate_check(&earlier, now) {
            return Err(CheckInRefusal::TooManyReports(
                MAX_REPORTS_PER_PERIOD,
                REPORT_RATE_PERIOD.num_hours(),
                crate::core::message::render_time_in_zone(next, member.time_zone),
            )
            .into());
        }
        let sessions = self
            .store
            .sessions_sat_in(member.id, now - REPORT_WINDOW)
            .await
            .map_err(unexpected)?;
        let Some(session) = sessions
            .iter()
            .rev()
            .find(|sat| sat.starts_at <= now && sat.members.contains(&reported.id))
        else {
            return Err(CheckInRefusal::NotARecentPartner(REPORT_WINDOW.num_days()).into());
        };
        let reason = clean_report_reason(reason);
        let report = self
            .store
            .record_report(member.id, reported.id, Some(session.slot), &reason, now)
            .await
            .map_err(unexpected)?;
        let everyone = self
            .members_by_id(&session.members)
            .await
            .map_err(|error| unexpected(anyhow::anyhow!("{error}")))?;
        // All in the body, no fields: Discord's moderators' channel gets the parts as text.
        let zone = community.settings.default_time_zone;
        let mention = |member: &Member| {
            OutgoingMessage::new()
                .mention(member.platform_user_id.clone(), member.display_name.clone())
        };
        let mut note = OutgoingMessage::new()
            .titled("Report to the moderators")
            .tone(Tone::Problem)
            .text(format!("Report #{report}: "))
            .append(mention(member))
            .text(" reports ")
            .append(mention(&reported))
            .text(". Session: ")
            .time(session.starts_at, zone)
            .text(format!(
                " ({} min), with ",
                (session.ends_at - session.starts_at).num_minutes()
            ));
        let mut first = true;
        for id in &session.members {
            if let Some(sat) = everyone.get(id) {
                if !first {
                    note = note.text(", ");
                }
                first = false;
                note = note.append(mention(sat));
            }
        }
        note = note.text(". In their words: ").name(&reason).text(
            " — the reported member is not told; reply to the reporter privately if you need more.",
        );
        let platform = self.platform.clone();
        let platform_community = community.platform_community_id.clone();
        // Recorded once by its id; a moderators' destination that is missing or refuses is
        // the adapter's to log (the report itself is stored either way).
        let result = self
            .effect_once(EffectKey::ModeratorsReport { report }, |key| async move {
                platform
                    .notify_moderators(&platform_community, &note, &key)
                    .await
                    .map(|()| String::new())
            })
            .await;
        if let Err(error) = result {
            tracing::warn!(report, %error, "the report is stored but could not reach the moderators yet");
        }
        Ok(OutgoingMessage::new()
            .titled("Report sent")
            .tone(Tone::Confirmed)
            .text("Thank you. Your report about ")
            .name(&reported.display_name)
            .text(" went to the community's moderators, with when your session was. They aren't told who reported them."))
    }

    pub(in crate::engine) async fn snooze(
        &self,
        community: &Community,
        member: &Member,
        target: &MemberRef,
        days: Option<u32>,
    ) -> Result<OutgoingMessage, CommandFailure> {
        let now = self.clock.now();
        let other = self.member_named(community, target).await?;
        if other.id == member.id {
            return Err(CheckInRefusal::Yourself.into());
        }
        let Some(days) = days else {
            if !self
                .store
                .remove_snooze(member.id, other.id)
                .await
                .map_err(unexpected)?
            {
                return Err(CheckInRefusal::NotSnoozed.into());
            }
            return Ok(OutgoingMessage::new()
                .titled("Snooze ended")
                .tone(Tone::Confirmed)
                .text("You can be paired with ")
                .name(&other.display_name)
                .text(" again."));
        };
        let until = snooze_until(now, days)
            .map_err(|_| CheckInRefusal::SnoozeOutOfRange(MAX_SNOOZE_DAYS))?;
        self.store
            .set_snooze(member.id, other.id, until)
            .await
            .map_err(unexpected)?;
        Ok(OutgoingMessage::new()
            .titled("Snoozed")
            .tone(Tone::Confirmed)
            .text("You won't be paired with ")
            .name(&other.display_name)
            .text(" until ")
            .time(until, member.time_zone)
            .text(". They aren't told. snooze @name off ends it early."))
    }

    pub(in crate::engine) async fn blocked_list(
        &self,
        member: &Member,
    ) -> Result<OutgoingMessage, CommandFailure> {
        let now = self.clock.now();
        let blocked = self.store.blocked_by(member.id).await.map_err(unexpected)?;
        let snoozes = self
            .store
            .snoozes_of(member.id, now)
            .await
            .map_err(unexpected)?;
        let mut ids: Vec<MemberId> = blocked.clone();
        ids.extend(snoozes.iter().map(|snooze| snooze.other));
        let names = self
            .members_by_id(&ids)
            .await
            .map_err(|error| unexpected(anyhow::anyhow!("{error}")))?;
        let mut message = OutgoingMessage::new().titled("Blocked and snoozed");
        if blocked.is_empty() && snoozes.is_empty() {
            return Ok(
                message.text("You haven't blocked or snoozed anyone. Only you see this list.")
            );
        }
        message = message.text("Only you see this list; nobody on it was told.");
        for id in &blocked {
            if let Some(other) = names.get(id) {
                message = message.item(
                    OutgoingMessage::new()
                        .name(&other.display_name)
                        .text(" — blocked (unblock @name undoes it)"),
                );
            }
        }
        for snooze in &snoozes {
            if let Some(other) = names.get(&snooze.other) {
                message = message.item(
                    OutgoingMessage::new()
                        .name(&other.display_name)
                        .text(" — snoozed until ")
                        .time(snooze.until, member.time_zone),
                );
            }
        }
        Ok(message)
    }

    /// Snoozes running at `at` among these members, as the matcher's "never pair" notes:
    /// a snooze is a block with an end date.
    pub(in crate::engine) async fn snooze_notes(
        &self,
        members: &[MemberId],
        at: DateTime<Utc>,
    ) -> Result<Vec<PairNote>, JobError> {
        let snoozes = self
            .store
            .snoozes_among(members, at)
            .await
            .map_err(JobError::unexpected)?;
        Ok(snoozes
            .iter()
            .map(|snooze| PairNote {
                a: snooze.member,
                b: snooze.other,
                tie: PairTie::Blocked,
            })
            .collect())
    }
}

/// The member's partners in the last group of the slot they sat in (a rematch comes after the
/// matched group it replaced).
fn latest_partners(groups: &[Group], member: MemberId) -> Vec<MemberId> {
    groups
        .iter()
        .rev()
        .find(|group| group.members.contains(&member))
        .map(|group| {
            group
                .members
                .iter()
                .copied()
                .filter(|id| *id != member)
                .collect()
        })
        .unwrap_or_default()
}
