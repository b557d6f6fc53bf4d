//! An adapter's own corner of the database: durable notes (a guild's setup, a member's DM room,
//! a Matrix session) scoped to one platform. It is all of the store an adapter gets; bookings,
//! members and jobs are the engine's, reached through its commands and queries.

use chrono::{DateTime, Utc};

use crate::core::model::Platform;
use crate::store::Store;

#[derive(Clone)]
pub struct PlatformState {
    store: Store,
    platform: Platform,
}

impl PlatformState {
    /// The corner of `platform` in `store`. Built by whoever wires an adapter up (the engine's
    /// [`super::EngineSetup`], or a test harness).
    pub fn new(store: Store, platform: Platform) -> Self {
        PlatformState { store, platform }
    }

    pub fn platform(&self) -> Platform {
        self.platform
    }

    pub async fn get(&self, scope: &str, name: &str) -> anyhow::Result<Option<String>> {
        Ok(self
            .store
            .platform_state(self.platform, scope, name)
            .await?)
    }

    /// Inserts or replaces the value.
    pub async fn set(
        &self,
        scope: &str,
        name: &str,
        value: &str,
        now: DateTime<Utc>,
    ) -> anyhow::Result<()> {
        Ok(self
            .store
            .set_platform_state(self.platform, scope, name, value, now)
            .await?)
    }

    /// Deletes the value, if there is one.
    pub async fn delete(&self, scope: &str, name: &str) -> anyhow::Result<()> {
        Ok(self
            .store
            .delete_platform_state(self.platform, scope, name)
            .await?)
    }

    /// Every (scope, value) stored under `name`, e.g. all guild setups at start.
    pub async fn by_name(&self, name: &str) -> anyhow::Result<Vec<(String, String)>> {
        Ok(self
            .store
            .platform_state_by_name(self.platform, name)
            .await?)
    }

    /// Deletes entries whose name starts with `name_prefix` and that were last written before
    /// `before` (records of rooms long closed); returns how many.
    pub async fn prune(&self, name_prefix: &str, before: DateTime<Utc>) -> anyhow::Result<u64> {
        Ok(self
            .store
            .delete_platform_state_older_than(self.platform, name_prefix, before)
            .await?)
    }
}
