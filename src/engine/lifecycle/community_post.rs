//! When the platform cannot deliver one DM per member by the time they are due (Matrix on a
//! homeserver's default rate limits: ten messages, then one per 5 s), a slot's reminders or
//! announcements go out as one post in the community room that mentions every member, instead
//! of DMs that trickle in after the moment has passed. The choice is the platform's budget
//! (`ChatPlatform::direct_message_budget`) against the number of DMs; once a post is made, a
//! retry keeps to it. Each member's DM key is then recorded as delivered by the post, so the
//! attendance check counts them as told on time and no retry sends them the DM as well.

use chrono::{DateTime, Utc};

use crate::core::message::OutgoingMessage;
use crate::core::model::Community;
use crate::engine::effect_key::EffectKey;
use crate::engine::errors::JobError;
use crate::engine::Engine;

/// Recorded as the result of a DM that the community post delivered.
const DELIVERED_BY_POST: &str = "in the community post";

impl Engine {
    /// Whether `count` DMs due by `deadline` go out as the one community post `post` instead.
    pub(crate) async fn use_community_post(
        &self,
        post: EffectKey,
        count: usize,
        deadline: DateTime<Utc>,
    ) -> Result<bool, JobError> {
        if count == 0 {
            return Ok(false);
        }
        let made = self
            .store
            .effect(&post.to_string())
            .await
            .map_err(JobError::unexpected)?
            .is_some();
        if made {
            return Ok(true);
        }
        let within = (deadline - self.clock.now()).to_std().unwrap_or_default();
        let budget = self.platform.direct_message_budget(within);
        let short = budget.is_some_and(|budget| budget < count);
        if short {
            tracing::info!(%post, count, ?budget, "the DM budget cannot reach every member in time: one community post instead");
        }
        Ok(short)
    }

    /// Posts `message` once, then records every key in `covered` as delivered by it. `false`
    /// when the platform refused the post for good: the caller sends the DMs after all.
    pub(crate) async fn post_once_covering(
        &self,
        community: &Community,
        post: EffectKey,
        message: OutgoingMessage,
        covered: &[EffectKey],
    ) -> Result<bool, JobError> {
        let platform = self.platform.clone();
        let community_id = community.platform_community_id.clone();
        let result = self
            .effect_once(post, |key| async move {
                platform
                    .post_in_community(&community_id, &message, &key)
                    .await
                    .map(|()| String::new())
            })
            .await?;
        if !result.is_done() {
            tracing::warn!(%post, "the community post was refused; sending DMs instead");
            return Ok(false);
        }
        for key in covered {
            self.effect_once(*key, |_| async { Ok(DELIVERED_BY_POST.to_string()) })
                .await?;
        }
        Ok(true)
    }
}
