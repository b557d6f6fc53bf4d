//! The effect log: one row per external effect (DM sent, room opened or closed), keyed so a
//! re-run job can see what already happened and reuse its result instead of repeating it.

use chrono::{DateTime, Utc};

use super::{int, text, time, unix, Result, Store};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EffectRecord {
    pub key: String,
    /// What the effect produced, e.g. the room id, or "sent".
    pub result: String,
    pub recorded_at: DateTime<Utc>,
}

impl Store {
    pub async fn effect(&self, key: &str) -> Result<Option<EffectRecord>> {
        let row = sqlx::query("SELECT key, result, recorded_at FROM effects WHERE key = $1")
            .bind(key)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|row| {
            Ok(EffectRecord {
                key: text(&row, "key")?,
                result: text(&row, "result")?,
                recorded_at: time(int(&row, "recorded_at")?)?,
            })
        })
        .transpose()
    }

    /// Records the effect; if the key is recorded already, the first record is kept.
    pub async fn record_effect(&self, key: &str, result: &str, now: DateTime<Utc>) -> Result<()> {
        sqlx::query(
            "INSERT INTO effects (key, result, recorded_at) VALUES ($1, $2, $3) ON CONFLICT (key) DO NOTHING",
        )
        .bind(key)
        .bind(result)
        .bind(unix(now))
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}
