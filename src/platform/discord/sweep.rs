//! Startup sweep of the adapter's own leftovers: voice channels named like our rooms
//! (`focus-<key> · …`) whose room record says the session ended long ago — left behind when a
//! delete failed for good or the bot was down at close time. The engine's own sweep closes
//! rooms the database still lists as open; this one catches what only Discord still shows.

use chrono::Duration;
use reqwest::Method;

use super::channels::VOICE;
use super::rest::codes;
use super::rooms::key_from_channel_name;
use super::DiscordPlatform;
use crate::engine::effect_key::EffectKey;

/// Rooms normally close minutes after the end; past this they are leftovers for sure.
const LEFTOVER_AFTER_END: i64 = 30 * 60;

/// Room records are kept this long after they were written, so the sweep can still recognise
/// a leftover channel; then they are deleted (one row per room would otherwise pile up).
const ROOM_RECORDS_KEPT_DAYS: i64 = 7;

impl DiscordPlatform {
    /// Deletes our rooms whose sessions ended; returns how many were deleted.
    pub async fn sweep_leftover_rooms(&self) -> anyhow::Result<usize> {
        let now = self.now();
        let mut deleted = 0;
        for (guild, setup) in self.configured_guilds().await? {
            let categories: Vec<u64> = setup
                .category
                .into_iter()
                .chain(setup.overflow_categories.iter().copied())
                .collect();
            if let Err(error) = self.refresh_index(guild).await {
                tracing::warn!(guild, %error, "cannot list channels for the sweep");
                continue;
            }
            for channel in self.channels.all(guild) {
                if channel.kind != VOICE
                    || !channel
                        .parent
                        .is_some_and(|parent| categories.contains(&parent))
                {
                    continue;
                }
                let Some(key) = key_from_channel_name(&channel.name) else {
                    continue;
                };
                let Some(record) = self.room_record(guild, &key).await? else {
                    continue;
                };
                let ended = chrono::DateTime::from_timestamp(record.ends_at, 0).unwrap_or(now);
                if now < ended + Duration::seconds(LEFTOVER_AFTER_END) {
                    continue;
                }
                match self
                    .rest
                    .call(Method::DELETE, &format!("/channels/{}", channel.id), None)
                    .await
                {
                    Ok(_) => deleted += 1,
                    Err(error) if error.code() == Some(codes::UNKNOWN_CHANNEL) => {}
                    Err(error) => {
                        tracing::warn!(guild, channel = channel.id, %error, "leftover room not deleted")
                    }
                }
                self.channels.remove(guild, channel.id);
            }
        }
        let pruned = self
            .state
            .prune(
                // Room records are stored under the engine's room keys.
                EffectKey::OPEN_ROOM_PREFIX,
                now - Duration::days(ROOM_RECORDS_KEPT_DAYS),
            )
            .await?;
        if pruned > 0 {
            tracing::info!(pruned, "forgot room records older than a week");
        }
        Ok(deleted)
    }
}
