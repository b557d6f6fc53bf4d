//! A small key-value corner for platform adapters (a guild's setup, a member's DM room, a sync
//! token). Values are the adapter's own text; the engine and the core never look inside.

use chrono::{DateTime, Utc};
use sqlx::Row;

use super::{unix, GroupedWrite, Result, Store, WriteValue};
use crate::core::model::Platform;

impl Store {
    pub async fn platform_state(
        &self,
        platform: Platform,
        scope: &str,
        name: &str,
    ) -> Result<Option<String>> {
        let row = sqlx::query(
            "SELECT value FROM platform_state WHERE platform = $1 AND scope = $2 AND name = $3",
        )
        .bind(platform.as_str())
        .bind(scope)
        .bind(name)
        .fetch_optional(&self.pool)
        .await?;
        Ok(match row {
            Some(row) => Some(row.try_get::<String, _>("value")?),
            None => None,
        })
    }

    /// Inserts or replaces the value.
    ///
    /// A grouped write (see `group_commit`): adapters write these on the command path (the
    /// member's server, their DM channel), and on SQLite a write outside the group polls for
    /// the write lock behind the booking batches of a busy hour, sleeping 1–100 ms at a time.
    pub async fn set_platform_state(
        &self,
        platform: Platform,
        scope: &str,
        name: &str,
        value: &str,
        now: DateTime<Utc>,
    ) -> Result<()> {
        self.write_statement(GroupedWrite {
            sql: UPSERT_PLATFORM_STATE,
            values: vec![
                WriteValue::Text(platform.as_str().to_owned()),
                WriteValue::Text(scope.to_owned()),
                WriteValue::Text(name.to_owned()),
                WriteValue::Text(value.to_owned()),
                WriteValue::Integer(unix(now)),
            ],
        })
        .await?;
        Ok(())
    }

    /// Deletes one entry, if it is there (a grouped write, like [`Store::set_platform_state`]).
    pub async fn delete_platform_state(
        &self,
        platform: Platform,
        scope: &str,
        name: &str,
    ) -> Result<()> {
        self.write_statement(GroupedWrite {
            sql: "DELETE FROM platform_state WHERE platform = $1 AND scope = $2 AND name = $3",
            values: vec![
                WriteValue::Text(platform.as_str().to_owned()),
                WriteValue::Text(scope.to_owned()),
                WriteValue::Text(name.to_owned()),
            ],
        })
        .await?;
        Ok(())
    }

    /// Every (scope, value) stored under `name` for a platform, e.g. all guild setups at start.
    pub async fn platform_state_by_name(
        &self,
        platform: Platform,
        name: &str,
    ) -> Result<Vec<(String, String)>> {
        let rows = sqlx::query("SELECT scope, value FROM platform_state WHERE platform = $1 AND name = $2 ORDER BY scope")
            .bind(platform.as_str())
            .bind(name)
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|row| {
                Ok((
                    row.try_get::<String, _>("scope")?,
                    row.try_get::<String, _>("value")?,
                ))
            })
            .collect()
    }

    /// Deletes a platform's entries whose name starts with `name_prefix` and that were last
    /// written before `before` (e.g. records of rooms long closed); returns how many.
    pub async fn delete_platform_state_older_than(
        &self,
        platform: Platform,
        name_prefix: &str,
        before: DateTime<Utc>,
    ) -> Result<u64> {
        let done = sqlx::query(
            "DELETE FROM platform_state \
             WHERE platform = $1 AND substr(name, 1, length($2)) = $2 AND updated_at < $3",
        )
        .bind(platform.as_str())
        .bind(name_prefix)
        .bind(unix(before))
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected())
    }
}

const UPSERT_PLATFORM_STATE: &str =
    "INSERT INTO platform_state (platform, scope, name, value, updated_at) VALUES ($1, $2, $3, $4, $5) \
     ON CONFLICT (platform, scope, name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at";
