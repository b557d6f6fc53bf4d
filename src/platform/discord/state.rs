//! The adapter's durable notes, kept in the store's platform-state corner (the only store
//! methods an adapter uses): each guild's setup, each room it opened (so a retry finds it and
//! the startup sweep knows when it ended), members' DM channels, the guild a member last used
//! the bot in, pool-channel loans, and presence in pair rooms for other instances.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::DiscordPlatform;

/// What `/setup` chose for a guild.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct GuildSetup {
    /// Category for pair rooms.
    pub category: Option<u64>,
    /// Categories made when the first one held 50 channels, in order.
    pub overflow_categories: Vec<u64>,
    /// Where members whose DMs are closed are mentioned instead.
    pub lobby: Option<u64>,
    /// Where admins are told about problems (channel limits, missing permissions).
    pub moderators: Option<u64>,
    /// A role allowed into every pair room (safety: moderators can always look in).
    pub moderator_role: Option<u64>,
    /// A category of standing voice channels lent to pairs when the guild is near 500 channels.
    pub pool_category: Option<u64>,
    /// When admins were last told the guild is near its channel limit (unix seconds).
    pub limit_warned_at: Option<i64>,
}

/// A pair room as the adapter remembers it, keyed by the engine's idempotency key.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RoomRecord {
    /// None while the create call is in flight (a crash there leaves it None).
    pub channel: Option<u64>,
    pub ends_at: i64,
    #[serde(default)]
    pub pool: bool,
}

/// A standing pool channel lent to a pair; the overwrites to give back when it is returned.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PoolLoan {
    pub key: String,
    pub ends_at: i64,
    pub base_overwrites: serde_json::Value,
}

impl DiscordPlatform {
    async fn read_state<T: for<'de> Deserialize<'de>>(
        &self,
        scope: &str,
        name: &str,
    ) -> anyhow::Result<Option<T>> {
        let Some(text) = self.state.get(scope, name).await? else {
            return Ok(None);
        };
        Ok(serde_json::from_str(&text).ok())
    }

    async fn write_state<T: Serialize>(
        &self,
        scope: &str,
        name: &str,
        value: &T,
    ) -> anyhow::Result<()> {
        let text = serde_json::to_string(value)?;
        self.state.set(scope, name, &text, self.clock.now()).await?;
        Ok(())
    }

    pub async fn guild_setup(&self, guild: u64) -> anyhow::Result<GuildSetup> {
        Ok(self
            .read_state(&guild.to_string(), "setup")
            .await?
            .unwrap_or_default())
    }

    pub async fn save_guild_setup(&self, guild: u64, setup: &GuildSetup) -> anyhow::Result<()> {
        self.write_state(&guild.to_string(), "setup", setup).await
    }

    /// Every guild that ran `/setup` (the startup sweep visits these).
    pub async fn configured_guilds(&self) -> anyhow::Result<Vec<(u64, GuildSetup)>> {
        let rows = self.state.by_name("setup").await?;
        Ok(rows
            .into_iter()
            .filter_map(|(scope, value)| {
                Some((scope.parse().ok()?, serde_json::from_str(&value).ok()?))
            })
            .collect())
    }

    pub async fn room_record(&self, guild: u64, key: &str) -> anyhow::Result<Option<RoomRecord>> {
        self.read_state(&guild.to_string(), key).await
    }

    pub async fn save_room_record(
        &self,
        guild: u64,
        key: &str,
        record: &RoomRecord,
    ) -> anyhow::Result<()> {
        self.write_state(&guild.to_string(), key, record).await
    }

    pub async fn pool_loan(&self, guild: u64, channel: u64) -> anyhow::Result<Option<PoolLoan>> {
        self.read_state(&guild.to_string(), &format!("pool:{channel}"))
            .await
    }

    /// `None` marks the channel free again.
    pub async fn save_pool_loan(
        &self,
        guild: u64,
        channel: u64,
        loan: Option<&PoolLoan>,
    ) -> anyhow::Result<()> {
        self.write_state(&guild.to_string(), &format!("pool:{channel}"), &loan)
            .await
    }

    pub async fn stored_dm_channel(&self, user: u64) -> anyhow::Result<Option<u64>> {
        self.read_state(&user.to_string(), "dm_channel").await
    }

    pub async fn save_dm_channel(&self, user: u64, channel: u64) -> anyhow::Result<()> {
        self.write_state(&user.to_string(), "dm_channel", &channel)
            .await
    }

    /// The guild a member last used the bot in: DM buttons act there.
    pub async fn home_guild(&self, user: u64) -> anyhow::Result<Option<u64>> {
        self.read_state(&user.to_string(), "guild").await
    }

    pub async fn save_home_guild(&self, user: u64, guild: u64) -> anyhow::Result<()> {
        if self.home_guild(user).await? != Some(guild) {
            self.write_state(&user.to_string(), "guild", &guild).await?;
        }
        Ok(())
    }

    pub async fn stored_presence(&self, channel: u64) -> anyhow::Result<Vec<u64>> {
        Ok(self
            .read_state(&channel.to_string(), "voice")
            .await?
            .unwrap_or_default())
    }

    pub async fn save_presence(&self, channel: u64, members: &[u64]) -> anyhow::Result<()> {
        self.write_state(&channel.to_string(), "voice", &members)
            .await
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }
}
