//! The web side of the engine: private links (`calendar`, `calendar reset`, `setup page …`),
//! the `.ics` files replies carry, and the reads the web pages make (`src/web/`). Reads only
//! there: the pages never change anything.
//!
//! Tokens are 128 random bits in hex. The database finds a visitor's token by its SHA-256
//! (`token_hash`), and a members' key is checked by comparing digests, so no comparison ever
//! runs over the secret itself and response times say nothing about how close a guess was.

use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;
use rand::RngCore;
use sha2::{Digest, Sha256};

use super::calendar_ics::{cancel_attachment, invite_attachment, CalendarSession};
use super::errors::{unexpected, CommandFailure};
use super::reply::Attachment;
use super::Engine;
use crate::core::message::{CommandWord, OutgoingMessage};
use crate::core::model::{Booking, Community, CommunityId, Member, Platform, RelationKind};
use crate::core::web_page::{BookedSlot, PageVisibility};
use crate::store::{AttendanceCounts, StoreError};

/// What a member's calendar and event titles call the community.
const COMMUNITY_LABEL: &str = "focusfolk";

/// A new unguessable token: 128 bits from the OS-seeded thread RNG, as 32 hex digits.
fn new_token() -> String {
    let mut bytes = [0u8; 16];
    rand::rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// What the database stores and looks up instead of the token.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// A token in a URL is 32 lower-case hex digits; anything else is not ours (and is not even
/// hashed or looked up).
fn looks_like_token(token: &str) -> bool {
    token.len() == 32
        && token
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// A member's own page and feed, as `/me/<token>` and `/ical/<token>.ics` show them.
#[derive(Debug, Clone)]
pub struct MemberView {
    pub community: Community,
    pub member: Member,
    /// Upcoming sessions, with partner and room once matched.
    pub upcoming: Vec<CalendarSession>,
    /// The members this member marked, by name: their own choices.
    pub marked: Vec<(String, RelationKind)>,
    /// Their own bookings over the past eight weeks and the coming one (for the heatmap).
    pub recent: Vec<BookedSlot>,
    /// What `stats` says: sessions, hours, streak, show-up rate, partners (issue 11).
    pub stats: super::NamedMemberStats,
    pub now: DateTime<Utc>,
}

/// A community's page: counts only, never who.
#[derive(Debug, Clone)]
pub struct CommunityPageView {
    pub community: Community,
    pub default_zone: Tz,
    /// Booked slots from 29 days back (four weeks of history, and all of last week in any
    /// zone) to eight days ahead: the grid, the figures and the heatmap.
    pub slots: Vec<BookedSlot>,
    /// Attendance outcomes of the past four weeks.
    pub attendance: AttendanceCounts,
    pub now: DateTime<Utc>,
}

impl Engine {
    /// `base` + `path`, or the path alone when no public address is configured.
    pub fn web_url(&self, path: &str) -> String {
        match &self.runner.web_public_url {
            Some(base) => format!("{}{path}", base.trim_end_matches('/')),
            None => path.to_string(),
        }
    }

    /// `calendar` / `calendar reset`.
    pub(super) async fn calendar(
        &self,
        member: &Member,
        reset: bool,
    ) -> Result<OutgoingMessage, CommandFailure> {
        let now = self.clock.now();
        if reset {
            self.store
                .revoke_member_link(member.id, now)
                .await
                .map_err(unexpected)?;
        }
        let token = self.member_page_token(member).await.map_err(unexpected)?;
        let mut reply = OutgoingMessage::new();
        if reset {
            reply = reply.text("Your old links no longer work. ");
        }
        reply = reply
            .text(format!(
                "📅 Your private calendar feed: {} — add it to your calendar app by URL; it lists \
                 your upcoming sessions, with partner and room once you're paired. Your own page: {}. ",
                self.web_url(&format!("/ical/{token}.ics")),
                self.web_url(&format!("/me/{token}")),
            ))
            .text("Anyone with these links sees your sessions; ")
            .command(CommandWord::Calendar, "reset")
            .text(" makes new ones and the old ones stop working.");
        if self.runner.web_public_url.is_none() {
            reply = reply.text(
                " (This bot has no public web address set, so these are paths on its web server.)",
            );
        }
        Ok(reply)
    }

    /// The member's live page and feed token, made now if they have none (`calendar` and
    /// `stats` link to the page).
    pub(super) async fn member_page_token(&self, member: &Member) -> Result<String, StoreError> {
        match self.store.live_member_link(member.id).await? {
            Some(token) => Ok(token),
            None => {
                let token = new_token();
                self.store
                    .create_member_link(member.id, &token, &token_hash(&token), self.clock.now())
                    .await
            }
        }
    }

    /// `setup page public|members|off` (admins; the caller checked).
    pub(super) async fn set_page_visibility(
        &self,
        community: &Community,
        visibility: PageVisibility,
    ) -> Result<OutgoingMessage, CommandFailure> {
        let token = new_token();
        let page = self
            .store
            .set_community_page(
                community.id,
                visibility,
                &token,
                &token_hash(&token),
                self.clock.now(),
            )
            .await
            .map_err(unexpected)?;
        let url = self.web_url(&format!("/c/{}", community.id.0));
        Ok(OutgoingMessage::new().text(match page.visibility {
            PageVisibility::Public => format!("The community page is public: {url}"),
            PageVisibility::Members => format!(
                "The community page is for members: {url}?key={} ({} and stats replies show it to members).",
                page.token,
                CommandWord::Slots.as_str()
            ),
            PageVisibility::Off => "The community page is off.".to_string(),
        }))
    }

    /// The community page's link as a member may see it, if the page is on.
    pub(super) async fn community_page_link(
        &self,
        community: &Community,
    ) -> Result<Option<String>, CommandFailure> {
        let page = self
            .store
            .community_page(community.id)
            .await
            .map_err(unexpected)?;
        let path = format!("/c/{}", community.id.0);
        Ok(page.and_then(|page| match page.visibility {
            PageVisibility::Public => Some(self.web_url(&path)),
            PageVisibility::Members => Some(self.web_url(&format!("{path}?key={}", page.token))),
            PageVisibility::Off => None,
        }))
    }

    /// The invite a booking confirmation carries.
    pub(super) fn booking_invite(&self, booking: &Booking, member: &Member) -> Attachment {
        invite_attachment(
            &CalendarSession {
                booking: booking.clone(),
                community_label: COMMUNITY_LABEL.to_string(),
                partners: Vec::new(),
                room: None,
            },
            member.time_zone,
            self.clock.now(),
        )
    }

    /// The cancellation a cancel reply carries (same UID as the invite).
    pub(super) fn booking_cancellation(&self, booking: &Booking, member: &Member) -> Attachment {
        cancel_attachment(
            &CalendarSession {
                booking: booking.clone(),
                community_label: COMMUNITY_LABEL.to_string(),
                partners: Vec::new(),
                room: None,
            },
            member.time_zone,
            self.clock.now(),
        )
    }

    /// The member whose live link `token` is, with what their page and feed show; `None` for
    /// an unknown or revoked token.
    pub async fn member_view(&self, token: &str) -> anyhow::Result<Option<MemberView>> {
        if !looks_like_token(token) {
            return Ok(None);
        }
        let Some(member) = self.store.member_by_link_hash(&token_hash(token)).await? else {
            return Ok(None);
        };
        let community = self.store.community(member.community_id).await?;
        let now = self.clock.now();
        let bookings = self
            .store
            .active_bookings_for_member(member.id, now)
            .await?;
        let mut upcoming = Vec::with_capacity(bookings.len());
        for booking in bookings {
            upcoming.push(self.session_of(&community, &member, booking).await?);
        }
        let marked = self
            .store
            .marked_members(member.id)
            .await?
            .into_iter()
            .map(|(other, kind)| (other.display_name, kind))
            .collect();
        let recent = self
            .store
            .member_booked_slots(member.id, now - Duration::weeks(8), now + Duration::days(8))
            .await?;
        let stats = self.named_member_stats(&community, &member, now).await?;
        Ok(Some(MemberView {
            community,
            member,
            upcoming,
            marked,
            recent,
            stats,
            now,
        }))
    }

    /// A booking with its partners and room, once its slot is matched.
    async fn session_of(
        &self,
        community: &Community,
        member: &Member,
        booking: Booking,
    ) -> anyhow::Result<CalendarSession> {
        let groups = self.store.groups_for_slot(booking.slot_id).await?;
        let mine = groups
            .into_iter()
            .find(|group| group.members.contains(&member.id));
        let (partners, room) = match mine {
            Some(group) => {
                let others: Vec<_> = group
                    .members
                    .iter()
                    .copied()
                    .filter(|id| *id != member.id)
                    .collect();
                let names = self
                    .store
                    .members_by_ids(&others)
                    .await?
                    .into_iter()
                    .map(|other| other.display_name)
                    .collect();
                (names, group.room.map(|room| room_link(community, &room)))
            }
            None => (Vec::new(), None),
        };
        Ok(CalendarSession {
            booking,
            community_label: COMMUNITY_LABEL.to_string(),
            partners,
            room,
        })
    }

    /// The community page for a visitor with `key` (the members' token, if any); `None` when
    /// there is no such community, its page is off, or it is for members and the key is wrong.
    pub async fn community_page_view(
        &self,
        community_id: i64,
        key: Option<&str>,
    ) -> anyhow::Result<Option<CommunityPageView>> {
        let Some(page) = self.store.community_page(CommunityId(community_id)).await? else {
            return Ok(None);
        };
        let allowed = match page.visibility {
            PageVisibility::Public => true,
            PageVisibility::Members => key.is_some_and(|key| {
                looks_like_token(key) && token_hash(key) == token_hash(&page.token)
            }),
            PageVisibility::Off => false,
        };
        if !allowed {
            return Ok(None);
        }
        let community = match self.store.community(page.community_id).await {
            Ok(community) => community,
            Err(StoreError::NotFound(_)) => return Ok(None),
            Err(error) => return Err(error.into()),
        };
        let now = self.clock.now();
        let zone = community.settings.default_time_zone;
        let slots = self
            .store
            .booked_slots(
                community.id,
                now - Duration::days(29),
                now + Duration::days(8),
            )
            .await?;
        let attendance = self
            .store
            .attendance_counts(community.id, now - Duration::weeks(4), now)
            .await?;
        Ok(Some(CommunityPageView {
            community,
            default_zone: zone,
            slots,
            attendance,
            now,
        }))
    }
}

/// A room as a link a calendar can open: the channel or room on the platform's web client
/// where there is one.
fn room_link(community: &Community, room: &str) -> String {
    match community.platform {
        Platform::Discord => format!(
            "https://discord.com/channels/{}/{room}",
            community.platform_community_id
        ),
        Platform::Matrix => format!("https://matrix.to/#/{room}"),
        Platform::Shell => room.to_string(),
    }
}
