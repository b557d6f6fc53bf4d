//! The narrow port between the engine and a chat platform. It belongs to the engine: adapters
//! (`src/platform/*`) implement it and import the engine; the engine never imports an adapter.
//!
//! Every effect carries an idempotency key derived from the database (session/group/member ids),
//! so a retried effect after a crash "between effect and record" is deduplicated by the platform
//! itself: Discord's message `nonce` + `enforce_nonce`, Matrix transaction ids, and rooms made
//! findable by a name derived from the key.

use async_trait::async_trait;

use crate::core::message::OutgoingMessage;

/// Who a DM goes to, in platform terms plus what the renderer needs (their zone).
#[derive(Debug, Clone, PartialEq)]
pub struct Recipient {
    pub platform_user_id: String,
    pub display_name: String,
    pub time_zone: chrono_tz::Tz,
    /// The community the message is about, when known: a Discord DM's buttons (cancel, book
    /// again) act in that guild, not in whichever guild the member was last seen in.
    pub platform_community_id: Option<String>,
}

/// What the engine asks for when a pair/trio needs a room.
#[derive(Debug, Clone, PartialEq)]
pub struct PairRoomRequest {
    /// Guild id, Matrix space/room id, or shell community name.
    pub platform_community_id: String,
    /// Human name, e.g. "Focus 09:00–09:50 · alice & bob".
    pub title: String,
    pub members: Vec<Recipient>,
    pub starts_at: chrono::DateTime<chrono::Utc>,
    pub ends_at: chrono::DateTime<chrono::Utc>,
}

#[derive(Debug, thiserror::Error)]
pub enum PlatformError {
    /// The member cannot be reached (e.g. Discord 50007: DMs closed). Not retried.
    #[error("recipient unreachable: {0}")]
    Unreachable(String),
    /// Worth retrying later (rate limit, network, server error).
    #[error("temporary platform failure: {0}")]
    Temporary(String),
    #[error("platform failure: {0}")]
    Permanent(String),
}

/// Whether someone still belongs to a community, as the platform sees it now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Membership {
    /// Joined (or invited back): they may book and be matched.
    Member,
    /// Left, kicked or banned: they may no longer act there, and their bookings go.
    Gone,
    /// The platform could not say (an error, a room the bot cannot see). Matching fails open;
    /// nothing is cancelled on an unknown.
    Unknown,
}

#[async_trait]
pub trait ChatPlatform: Send + Sync {
    /// How many direct messages per second the platform sustains, when that is known and low
    /// enough to matter (Discord's global rate limit). The engine then starts a slot's
    /// announcements early enough that the last one lands at T, not seconds after. `None`:
    /// announcements start at T.
    fn direct_messages_per_second(&self) -> Option<f64> {
        None
    }

    /// How many direct messages the platform can deliver between now and `within` from now,
    /// when a rate limit it knows of binds (Matrix without a rate-limit exemption). `None`: no
    /// such limit. Where this cannot cover one DM per member by the due time, reminders and
    /// announcements go out as one [`ChatPlatform::post_in_community`] instead.
    fn direct_message_budget(&self, _within: std::time::Duration) -> Option<usize> {
        None
    }

    /// Posts one message in the community's main room (a Matrix community room), notifying the
    /// members it mentions. Posting twice with the same key posts once. By default a platform
    /// has no such post, and callers send DMs instead.
    async fn post_in_community(
        &self,
        _platform_community_id: &str,
        _message: &OutgoingMessage,
        _idempotency_key: &str,
    ) -> Result<(), PlatformError> {
        Err(PlatformError::Permanent(
            "this platform has no community post".to_string(),
        ))
    }

    /// Sends a direct message. Sending twice with the same key delivers once.
    async fn send_direct_message(
        &self,
        to: &Recipient,
        message: &OutgoingMessage,
        idempotency_key: &str,
    ) -> Result<(), PlatformError>;

    /// Opens a private room for the members; returns the platform's room reference.
    /// Opening twice with the same key returns the room made the first time.
    async fn open_pair_room(
        &self,
        request: &PairRoomRequest,
        idempotency_key: &str,
    ) -> Result<String, PlatformError>;

    /// Closes a room. Closing a room that is already gone succeeds.
    async fn close_pair_room(&self, room: &str) -> Result<(), PlatformError>;

    /// Platform user ids currently present in the room (voice channel, joined Matrix room).
    async fn present_members(&self, room: &str) -> Result<Vec<String>, PlatformError>;

    /// Tells the community's moderators about something only a person can put right (a job
    /// the engine gave up on). Best effort; sending twice with the same key posts once where
    /// the platform deduplicates. By default there is nowhere to post: nothing happens.
    async fn notify_moderators(
        &self,
        _platform_community_id: &str,
        _message: &OutgoingMessage,
        _idempotency_key: &str,
    ) -> Result<(), PlatformError> {
        Ok(())
    }

    /// Whether `user` still belongs to `community` (a guild, a community room, a shell
    /// community). Errors are [`Membership::Unknown`], never a failure of the caller.
    async fn is_community_member(&self, community: &str, user: &str) -> Membership;
}
