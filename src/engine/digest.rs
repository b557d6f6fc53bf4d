//! The weekly community digest job (`digest:community:3:2026-W49`): one post in the
//! community's lobby (`ChatPlatform::post_in_community`: Discord's lobby channel, the Matrix
//! community room, the shell's output) with the coming week's busiest slots and last week's
//! sessions and hours. The cron tick only enqueues the job (`cron.rs`); the post is an effect
//! keyed by community and ISO week, so a retried or doubled job posts once.

use chrono::{DateTime, Datelike, Duration, Utc};

use super::effect_key::EffectKey;
use super::effects::EffectResult;
use super::jobs::{JobError, JobOutcome};
use super::Engine;
use crate::core::digest::{weekly_digest, weekly_digest_card, DIGEST_STALE_AFTER};
use crate::core::model::Job;

impl Engine {
    pub(crate) async fn run_digest(
        &self,
        job: &Job,
        now: DateTime<Utc>,
    ) -> Result<JobOutcome, JobError> {
        if now - job.due_at > DIGEST_STALE_AFTER {
            return Ok(JobOutcome::Dropped(
                "the weekly digest is more than a day late; the next week's will do",
            ));
        }
        let community_id = self
            .store
            .community_of_job(job.id)
            .await
            .map_err(JobError::unexpected)?
            .ok_or_else(|| {
                JobError::unexpected(anyhow::anyhow!("digest job {} has no community", job.key))
            })?;
        let community = self
            .store
            .community(community_id)
            .await
            .map_err(JobError::unexpected)?;
        // The figures as of the tick, so a retry an hour later posts the same digest.
        let at = job.due_at;
        let week = Duration::days(7);
        let slots = self
            .store
            .booked_slots(community.id, at - week, at + week)
            .await
            .map_err(JobError::unexpected)?;
        let digest = weekly_digest(&slots, at);
        let message = weekly_digest_card(&digest, community.settings.default_time_zone);
        let iso = at.iso_week();
        let key = EffectKey::CommunityDigest {
            community: community.id,
            iso_year: iso.year(),
            iso_week: iso.week(),
        };
        let platform = self.platform.clone();
        let target = community.platform_community_id.clone();
        let result = self
            .effect_once(key, |key| async move {
                platform
                    .post_in_community(&target, &message, &key)
                    .await
                    .map(|()| String::new())
            })
            .await?;
        Ok(JobOutcome::Done(match result {
            EffectResult::Done(_) => format!(
                "digest posted: {} sessions last week, {} busy slots ahead",
                digest.last_week.sessions,
                digest.busiest.len()
            ),
            EffectResult::Unreachable => "digest not posted: the lobby is unreachable".to_string(),
            EffectResult::Failed(why) => format!("digest not posted: {why}"),
        }))
    }
}
