//! The reliability tier `book` checks (issue 11): a member whose show-up rate over their last
//! 20 booked sessions is under a threshold of `[community_defaults]` may hold fewer upcoming
//! bookings. The rules are `core::reliability`; this reads the member's recent sessions.

use super::errors::{unexpected, CommandFailure};
use super::Engine;
use crate::core::booking_rules::BookingRejection;
use crate::core::model::Member;
use crate::core::reliability::{
    recent_reliability, sessions_to_recover, tier_booking_limit, BookedSession, RecentReliability,
    RELIABILITY_WINDOW_SESSIONS,
};

/// The member's tier cap and the refusal to give when they are at it.
pub(crate) struct TierCap {
    pub limit: usize,
    pub refusal: BookingRejection,
}

impl Engine {
    /// The member's last 20 booked sessions (newest first) and the show-up rate over them:
    /// what the tiers judge and `prefs` shows.
    pub(crate) async fn recent_reliability_of(
        &self,
        member: &Member,
    ) -> Result<(Vec<BookedSession>, RecentReliability), CommandFailure> {
        let history = self
            .store
            .recent_booked_sessions(member.id, RELIABILITY_WINDOW_SESSIONS)
            .await
            .map_err(unexpected)?;
        let recent = recent_reliability(&history);
        Ok((history, recent))
    }

    /// `None` when the member's tier is unlimited. A member who never missed a session or
    /// cancelled late (their counters say so) costs no read: they cannot be tiered.
    pub(crate) async fn booking_tier_cap(
        &self,
        community: &crate::core::model::Community,
        member: &Member,
    ) -> Result<Option<TierCap>, CommandFailure> {
        if member.no_shows == 0 && member.late_cancels == 0 {
            return Ok(None);
        }
        let tiers = community.settings.reliability_tiers;
        let (history, recent) = self.recent_reliability_of(member).await?;
        let Some(limit) = tier_booking_limit(recent, &tiers) else {
            return Ok(None);
        };
        Ok(Some(TierCap {
            limit,
            refusal: BookingRejection::ReliabilityTier {
                limit,
                percent: (recent.rate * 100.0).floor() as u32,
                sessions: recent.sessions,
                threshold_percent: (tiers.limited_below * 100.0).round() as u32,
                to_recover: sessions_to_recover(&history, tiers.limited_below).unwrap_or(0),
            },
        }))
    }
}
