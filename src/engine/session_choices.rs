//! The members' matching choices in the engine (issue 11; the rules are
//! `core::session_choice`): the notes they add to a slot's matching, a booking's mode, `prefs
//! availability|mix-modes`, `setup modes`, and the warning — at booking and in the reminder —
//! when the member's own choices rule out everyone booked in their slot.

use std::collections::HashMap;

use super::errors::{unexpected, CommandFailure, JobError, UserError};
use super::Engine;
use crate::command::PrefsChange;
use crate::core::matching::PairNote;
use crate::core::message::{CommandWord, OutgoingMessage, Tone};
use crate::core::model::{Booking, BookingId, Community, Member, MemberId, Relation, RelationKind};
use crate::core::session_choice::{
    choice_notes, default_mode, friend_or_favourite_lists, modes_clash, resolve_mode,
    session_mode_problems, Availability, MatchPreferences, SlotMemberChoice,
};
use crate::store::{SlotBookingWithChoices, StoreError};

/// "quiet, talk or moving".
fn listed(modes: &[String]) -> String {
    match modes.split_last() {
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
        None => String::new(),
    }
}

impl Engine {
    /// The booked members' choices as the matcher's notes: friends-only members blocked from
    /// everyone not on their list, quiet–talk blocked unless both allow it, other mode
    /// differences a penalty. `starts_at` finds each member's booking (one per start).
    pub(crate) async fn session_choice_notes(
        &self,
        community: &Community,
        starts_at: chrono::DateTime<chrono::Utc>,
        members: &[MemberId],
        relations: &[Relation],
    ) -> Result<Vec<PairNote>, JobError> {
        let choices = self
            .slot_member_choices(community, starts_at, members)
            .await
            .map_err(JobError::unexpected)?;
        Ok(choice_notes(&choices, relations))
    }

    async fn slot_member_choices(
        &self,
        community: &Community,
        starts_at: chrono::DateTime<chrono::Utc>,
        members: &[MemberId],
    ) -> Result<Vec<SlotMemberChoice>, StoreError> {
        let preferences = self.store.match_preferences_of(members).await?;
        let modes = self
            .store
            .named_modes_starting_at(members, starts_at)
            .await?;
        let default = default_mode(&community.settings.session_modes);
        Ok(members
            .iter()
            .map(|member| SlotMemberChoice {
                member: *member,
                mode: modes
                    .get(member)
                    .cloned()
                    .unwrap_or_else(|| default.clone()),
                preferences: preferences.get(member).copied().unwrap_or_default(),
            })
            .collect())
    }

    /// The mode a `book` names, checked against the community's list before anything is
    /// written; `None` when the member named none (the community default applies).
    pub(crate) fn checked_session_mode(
        &self,
        community: &Community,
        named: Option<&str>,
    ) -> Result<Option<String>, CommandFailure> {
        let Some(named) = named else {
            return Ok(None);
        };
        resolve_mode(Some(named), &community.settings.session_modes)
            .map(Some)
            .map_err(|offered| {
                UserError::SessionChoice(format!(
                    "This community's session modes are {}; \"{}\" isn't one of them.",
                    listed(&offered),
                    crate::command::parse::shorten(named)
                ))
                .into()
            })
    }

    /// Stores a named mode with its booking (a booking without one costs no write).
    pub(crate) async fn record_session_mode(
        &self,
        booking: &Booking,
        mode: Option<&str>,
    ) -> Result<(), CommandFailure> {
        if let Some(mode) = mode {
            self.store
                .set_booking_mode(booking.id, mode)
                .await
                .map_err(unexpected)?;
        }
        Ok(())
    }

    /// A weekly booking's next week keeps the mode the series named.
    pub(crate) async fn carry_session_mode(
        &self,
        from: &Booking,
        to: &Booking,
    ) -> Result<(), JobError> {
        let named = self
            .store
            .booking_modes(&[from.id])
            .await
            .map_err(JobError::unexpected)?;
        if let Some(mode) = named.get(&from.id) {
            self.store
                .set_booking_mode(to.id, mode)
                .await
                .map_err(JobError::unexpected)?;
        }
        Ok(())
    }

    /// Each booking's mode, the community default where none was named.
    pub(crate) async fn session_modes_of(
        &self,
        community: &Community,
        bookings: &[Booking],
    ) -> Result<HashMap<BookingId, String>, StoreError> {
        let ids: Vec<BookingId> = bookings.iter().map(|booking| booking.id).collect();
        let named = self.store.booking_modes(&ids).await?;
        let default = default_mode(&community.settings.session_modes);
        Ok(ids
            .into_iter()
            .map(|id| {
                (
                    id,
                    named.get(&id).cloned().unwrap_or_else(|| default.clone()),
                )
            })
            .collect())
    }

    /// The modes the booked members named (for the announcement); members who named none
    /// are absent.
    pub(crate) async fn named_session_modes_by_member(
        &self,
        bookings: &[Booking],
    ) -> Result<HashMap<MemberId, String>, JobError> {
        let ids: Vec<BookingId> = bookings.iter().map(|booking| booking.id).collect();
        let named = self
            .store
            .booking_modes(&ids)
            .await
            .map_err(JobError::unexpected)?;
        Ok(bookings
            .iter()
            .filter_map(|booking| Some((booking.member_id, named.get(&booking.id)?.clone())))
            .collect())
    }

    /// `prefs availability …` and `prefs mix-modes …`.
    pub(crate) async fn set_match_choice(
        &self,
        member: &Member,
        change: PrefsChange,
    ) -> Result<OutgoingMessage, CommandFailure> {
        let mut preferences = self
            .store
            .match_preferences(member.id)
            .await
            .map_err(unexpected)?;
        let said = match change {
            PrefsChange::Availability(Availability::Everyone) => {
                preferences.availability = Availability::Everyone;
                "You can be matched with anyone booked at your times."
            }
            PrefsChange::Availability(Availability::Friends) => {
                preferences.availability = Availability::Friends;
                "From now on you're matched only with friends and your favourites. If none of them \
                 books your time, I'll tell you in the reminder."
            }
            PrefsChange::MixModes(true) => {
                preferences.mix_modes = true;
                "A quiet session may now be paired with a talk one when nobody in your mode is free."
            }
            PrefsChange::MixModes(false) => {
                preferences.mix_modes = false;
                "Quiet and talk sessions are never paired for you."
            }
            _ => {
                return Err(CommandFailure::Unexpected(anyhow::anyhow!(
                    "not a match choice"
                )))
            }
        };
        self.store
            .set_match_preferences(member.id, preferences)
            .await
            .map_err(unexpected)?;
        Ok(OutgoingMessage::new()
            .titled("Preferences saved")
            .tone(Tone::Confirmed)
            .text(said))
    }

    /// The two fields `prefs` shows.
    pub(crate) async fn match_choice_fields(
        &self,
        member: &Member,
        message: OutgoingMessage,
    ) -> Result<OutgoingMessage, CommandFailure> {
        let preferences = self
            .store
            .match_preferences(member.id)
            .await
            .map_err(unexpected)?;
        Ok(message
            .field(
                "Matched with",
                OutgoingMessage::new().text(match preferences.availability {
                    Availability::Everyone => "everyone",
                    Availability::Friends => "friends and favourites only",
                }),
            )
            .field(
                "Quiet with talk",
                OutgoingMessage::new().text(if preferences.mix_modes {
                    "allowed"
                } else {
                    "never"
                }),
            ))
    }

    /// For each of these bookings (of one slot) whose member's own choices rule out every other
    /// member booked in it, the warning with the lone booker's move offers. Only the member's
    /// own choices count: another member's availability or block is never hinted at. Nothing
    /// for a lone booker (the lone booker note covers them) or when nobody chose anything.
    pub(crate) async fn no_fitting_partner_notes(
        &self,
        community: &Community,
        bookings: &[&Booking],
        members: &HashMap<MemberId, Member>,
    ) -> Result<HashMap<BookingId, OutgoingMessage>, StoreError> {
        if bookings.len() < 2 {
            return Ok(HashMap::new());
        }
        let owned: Vec<Booking> = bookings.iter().map(|booking| (*booking).clone()).collect();
        let ids: Vec<MemberId> = owned.iter().map(|booking| booking.member_id).collect();
        let preferences = self.store.match_preferences_of(&ids).await?;
        let modes = self.session_modes_of(community, &owned).await?;
        self.no_fitting_partner_notes_given(community, &owned, members, &preferences, &modes)
            .await
    }

    /// [`Engine::no_fitting_partner_notes`] once the members' preferences (absent: the
    /// defaults) and every booking's mode (resolved to the community's first) are known.
    async fn no_fitting_partner_notes_given(
        &self,
        community: &Community,
        owned: &[Booking],
        members: &HashMap<MemberId, Member>,
        preferences: &HashMap<MemberId, MatchPreferences>,
        modes: &HashMap<BookingId, String>,
    ) -> Result<HashMap<BookingId, OutgoingMessage>, StoreError> {
        let mut notes = HashMap::new();
        if owned.len() < 2 {
            return Ok(notes);
        }
        let ids: Vec<MemberId> = owned.iter().map(|booking| booking.member_id).collect();
        let mode_of = |booking: &Booking| modes.get(&booking.id).map_or("", String::as_str);
        // Only the bookings of `members` get a note: at booking that is the booker alone, so
        // a /book judges one member against the slot, not every pair of it.
        let judged: Vec<&Booking> = owned
            .iter()
            .filter(|booking| members.contains_key(&booking.member_id))
            .collect();
        let anyone_restricted = judged.iter().any(|booking| {
            let own = preferences
                .get(&booking.member_id)
                .copied()
                .unwrap_or_default();
            own.availability == Availability::Friends
                || (!own.mix_modes
                    && owned
                        .iter()
                        .any(|other| modes_clash(mode_of(booking), mode_of(other))))
        });
        if !anyone_restricted {
            return Ok(notes);
        }
        let relations = self.store.relations_among(&ids).await?;
        let lists = friend_or_favourite_lists(&relations);
        for booking in judged {
            let own: MatchPreferences = preferences
                .get(&booking.member_id)
                .copied()
                .unwrap_or_default();
            let own_mode = mode_of(booking);
            let fits = |other: &Booking| {
                let on_list = lists
                    .get(&booking.member_id)
                    .is_some_and(|list| list.contains(&other.member_id));
                let available = own.availability == Availability::Everyone || on_list;
                let mode_ok = own.mix_modes || !modes_clash(own_mode, mode_of(other));
                // The member's own block counts too: they chose it.
                let blocked_by_them = relations.iter().any(|relation| {
                    relation.kind == RelationKind::Block
                        && relation.member == booking.member_id
                        && relation.other == other.member_id
                });
                available && mode_ok && !blocked_by_them
            };
            let anyone_fits = owned
                .iter()
                .filter(|other| other.member_id != booking.member_id)
                .any(fits);
            if anyone_fits {
                continue;
            }
            let Some(member) = members.get(&booking.member_id) else {
                continue;
            };
            notes.insert(
                booking.id,
                self.no_fitting_partner_note(community, member, booking, own, own_mode)
                    .await?,
            );
        }
        Ok(notes)
    }

    /// The warning for one booking; see [`Engine::no_fitting_partner_notes`].
    async fn no_fitting_partner_note(
        &self,
        community: &Community,
        member: &Member,
        booking: &Booking,
        own: MatchPreferences,
        own_mode: &str,
    ) -> Result<OutgoingMessage, StoreError> {
        let mut note = OutgoingMessage::new().text(match own.availability {
            Availability::Friends => {
                "\n👥 None of your friends or favourites is booked at that time yet, and you're \
                 matched only with them, so for now you'd have no partner."
            }
            Availability::Everyone => {
                "\n🔇 Everyone else booked at that time chose a mode that isn't paired with yours, \
                 so for now you'd have no partner."
            }
        });
        let offers = self
            .company_offers(community, booking, member.time_zone)
            .await?;
        if !offers.is_empty() {
            note = note.text(" These nearby times have company; one step moves your booking:");
            for offer in offers {
                note = note.action(offer);
            }
        }
        note = match own.availability {
            Availability::Friends => note
                .text(" Or be matched with anyone: ")
                .command(CommandWord::Prefs, "availability everyone")
                .text("."),
            Availability::Everyone => note
                .text(format!(" Or let {own_mode} be paired with any mode: "))
                .command(CommandWord::Prefs, "mix-modes on")
                .text("."),
        };
        Ok(note)
    }

    /// The warning at booking time for this one booking, when it applies. `slot` is the
    /// slot's active bookings with their choices, read once by the caller.
    pub(crate) async fn no_fitting_partner_note_at_booking(
        &self,
        community: &Community,
        member: &Member,
        booking: &Booking,
        slot: &[SlotBookingWithChoices],
    ) -> Result<OutgoingMessage, StoreError> {
        let default = default_mode(&community.settings.session_modes);
        let bookings: Vec<Booking> = slot.iter().map(|entry| entry.booking.clone()).collect();
        let preferences = slot
            .iter()
            .map(|entry| (entry.booking.member_id, entry.preferences))
            .collect();
        let modes = slot
            .iter()
            .map(|entry| {
                let mode = entry.named_mode.clone();
                (entry.booking.id, mode.unwrap_or_else(|| default.clone()))
            })
            .collect();
        let members = HashMap::from([(member.id, member.clone())]);
        let mut notes = self
            .no_fitting_partner_notes_given(community, &bookings, &members, &preferences, &modes)
            .await?;
        Ok(notes.remove(&booking.id).unwrap_or_default())
    }
}

/// The announcement's "Mode" field: the member's own mode, and a partner's where it differs
/// (after a mix both allowed, or a difference the matcher could not avoid). Only when someone
/// in the group named a mode: a community that never uses modes sees nothing new.
pub(crate) fn session_mode_field(
    message: OutgoingMessage,
    community: &Community,
    named: &HashMap<MemberId, String>,
    member: &Member,
    partners: &[&Member],
) -> OutgoingMessage {
    let someone_named = std::iter::once(member.id)
        .chain(partners.iter().map(|partner| partner.id))
        .any(|id| named.contains_key(&id));
    if !someone_named {
        return message;
    }
    let default = default_mode(&community.settings.session_modes);
    let mode_of = |id: MemberId| named.get(&id).cloned().unwrap_or_else(|| default.clone());
    let own_mode = mode_of(member.id);
    let mut value = OutgoingMessage::new().text(own_mode.clone());
    for partner in partners {
        let mode = mode_of(partner.id);
        if mode != own_mode {
            value = value
                .text(" · ")
                .name(partner.display_name.clone())
                .text(format!(": {mode}"));
        }
    }
    message.field("Mode", value)
}

/// `setup modes …`'s list, checked by the same rule as the config file's.
pub(crate) fn checked_session_modes(modes: Vec<String>) -> Result<Vec<String>, CommandFailure> {
    let problems = session_mode_problems(&modes);
    if !problems.is_empty() {
        return Err(UserError::BadSetup(problems.join(" ")).into());
    }
    Ok(modes)
}
