//! Communities and the settings keys they changed.
//!
//! A community row is only its identity; its settings are the config's current
//! `[community_defaults]` (held by the store, handed over by the engine) under the keys its
//! admins changed, one `community_settings` row each (migration 0013). Reads resolve the two
//! (`core::community_settings::resolve_settings`), so a community that never changed a key
//! follows a changed config after a restart.

use sqlx::any::AnyRow;

use super::{corrupt, int, text, Result, Store, StoreError};
use crate::core::community_settings::{overrides_between, resolve_settings, SettingOverrides};
use crate::core::model::{Community, CommunityId, CommunitySettings, Platform};

const COLUMNS: &str = "id, platform, platform_community_id";

impl Store {
    /// The config's `[community_defaults]` every community follows where it changed nothing.
    /// A change (another config at start, a test) shows in every later read.
    pub fn use_community_defaults(&self, defaults: &CommunitySettings) {
        let mut held = self
            .community_defaults
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if *held != *defaults {
            *held = defaults.clone();
            self.community_generation
                .fetch_add(1, std::sync::atomic::Ordering::AcqRel);
        }
    }

    /// What [`Store::use_community_defaults`] last set (the built-in defaults before that).
    pub fn community_defaults(&self) -> CommunitySettings {
        self.community_defaults
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }

    /// Inserts the community if it is missing (nothing of `defaults` is copied) and returns it
    /// with `defaults` under the keys it changed. One `SELECT` of each table when it exists.
    pub async fn ensure_community(
        &self,
        platform: Platform,
        platform_community_id: &str,
        defaults: &CommunitySettings,
    ) -> Result<Community> {
        let row = match self
            .find_community_row(platform, platform_community_id)
            .await?
        {
            Some(row) => row,
            None => {
                let sql = format!(
                    "INSERT INTO communities (platform, platform_community_id) VALUES ($1, $2) \
                     ON CONFLICT (platform, platform_community_id) DO NOTHING RETURNING {COLUMNS}"
                );
                let inserted = sqlx::query(sqlx::AssertSqlSafe(sql))
                    .bind(platform.as_str())
                    .bind(platform_community_id)
                    .fetch_optional(&self.pool)
                    .await?;
                match inserted {
                    Some(row) => row,
                    // A concurrent caller inserted it first.
                    None => self
                        .find_community_row(platform, platform_community_id)
                        .await?
                        .ok_or_else(|| {
                            StoreError::NotFound(format!(
                                "community {platform}/{platform_community_id}"
                            ))
                        })?,
                }
            }
        };
        self.resolved(&row, defaults).await
    }

    /// The community with the held defaults under the keys it changed.
    pub async fn community(&self, id: CommunityId) -> Result<Community> {
        let sql = format!("SELECT {COLUMNS} FROM communities WHERE id = $1");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(id.0)
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("community {id}")))?;
        self.resolved(&row, &self.community_defaults()).await
    }

    /// The keys the community changed, with their stored texts.
    pub async fn community_overrides(&self, id: CommunityId) -> Result<SettingOverrides> {
        let rows: Vec<(String, String)> =
            sqlx::query_as("SELECT key, value FROM community_settings WHERE community_id = $1")
                .bind(id.0)
                .fetch_all(&self.pool)
                .await?;
        Ok(rows.into_iter().collect())
    }

    /// Sets one key for the community (`Some(text)`, a value the config's validator took) or
    /// returns it to the default (`None`).
    pub async fn set_community_setting(
        &self,
        id: CommunityId,
        key: &str,
        value: Option<&str>,
    ) -> Result<()> {
        self.community(id).await?;
        match value {
            Some(value) => {
                sqlx::query(
                    "INSERT INTO community_settings (community_id, key, value) VALUES ($1, $2, $3) \
                     ON CONFLICT (community_id, key) DO UPDATE SET value = excluded.value",
                )
                .bind(id.0)
                .bind(key)
                .bind(value)
                .execute(&self.pool)
                .await?;
            }
            None => {
                sqlx::query("DELETE FROM community_settings WHERE community_id = $1 AND key = $2")
                    .bind(id.0)
                    .bind(key)
                    .execute(&self.pool)
                    .await?;
            }
        }
        self.community_generation
            .fetch_add(1, std::sync::atomic::Ordering::AcqRel);
        Ok(())
    }

    /// Makes the community's settings `settings`: every key that differs from the held
    /// defaults becomes its override, every other key follows the defaults again.
    pub async fn update_community_settings(
        &self,
        id: CommunityId,
        settings: &CommunitySettings,
    ) -> Result<()> {
        self.community(id).await?;
        let overrides = overrides_between(&self.community_defaults(), settings);
        let mut tx = self.begin_write().await?;
        sqlx::query("DELETE FROM community_settings WHERE community_id = $1")
            .bind(id.0)
            .execute(&mut *tx)
            .await?;
        for (key, value) in &overrides {
            sqlx::query(
                "INSERT INTO community_settings (community_id, key, value) VALUES ($1, $2, $3)",
            )
            .bind(id.0)
            .bind(key.as_str())
            .bind(value.as_str())
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        self.community_generation
            .fetch_add(1, std::sync::atomic::Ordering::AcqRel);
        Ok(())
    }

    async fn find_community_row(
        &self,
        platform: Platform,
        platform_id: &str,
    ) -> Result<Option<AnyRow>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM communities WHERE platform = $1 AND platform_community_id = $2"
        );
        Ok(sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(platform.as_str())
            .bind(platform_id)
            .fetch_optional(&self.pool)
            .await?)
    }

    async fn resolved(&self, row: &AnyRow, defaults: &CommunitySettings) -> Result<Community> {
        let id = CommunityId(int(row, "id")?);
        let overrides = self.community_overrides(id).await?;
        let (settings, unreadable) = resolve_settings(defaults, &overrides);
        for bad in unreadable {
            // Written only after the config's validator took it, so this is a key since
            // removed or a hand-edited row: the default applies and the operator hears of it.
            tracing::warn!(community = id.0, key = %bad.key, value = %bad.value,
                "a stored community setting does not read; the default applies");
        }
        Ok(Community {
            id,
            platform: {
                let name = text(row, "platform")?;
                Platform::parse(&name).ok_or_else(|| corrupt(format!("platform {name:?}")))?
            },
            platform_community_id: text(row, "platform_community_id")?,
            settings,
        })
    }
}
