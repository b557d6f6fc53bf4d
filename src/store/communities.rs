//! Communities and their settings.

use sqlx::any::AnyRow;

use super::{corrupt, duration, int, seconds, text, zone, Result, Store, StoreError};
use crate::core::model::{Community, CommunityId, CommunitySettings, Platform};

const COLUMNS: &str =
    "id, platform, platform_community_id, allowed_lengths, booking_horizon_secs, \
    booking_cutoff_secs, late_cancel_window_secs, reminder_lead_secs, prepare_lead_secs, \
    attendance_grace_secs, close_delay_secs, recent_repeat_days, default_time_zone, session_modes";

/// Binds the settings columns in `COLUMNS` order (allowed lengths … default time zone), after
/// whatever the query bound before them; insert and update share it so they cannot drift.
fn bind_settings<'q>(
    query: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments>,
    s: &'q CommunitySettings,
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments> {
    query
        .bind(lengths_text(&s.allowed_lengths_minutes))
        .bind(seconds(s.booking_horizon))
        .bind(seconds(s.booking_cutoff))
        .bind(seconds(s.late_cancel_window))
        .bind(seconds(s.reminder_lead))
        .bind(seconds(s.prepare_lead))
        .bind(seconds(s.attendance_grace))
        .bind(seconds(s.close_delay))
        .bind(s.recent_repeat_days)
        .bind(s.default_time_zone.name())
        .bind(s.session_modes.join(","))
}

impl Store {
    /// Inserts the community with `defaults` as its settings if it is missing; returns the
    /// stored row either way (existing settings are left alone). One `SELECT` when it exists.
    pub async fn ensure_community(
        &self,
        platform: Platform,
        platform_community_id: &str,
        defaults: &CommunitySettings,
    ) -> Result<Community> {
        if let Some(found) = self.find_community(platform, platform_community_id).await? {
            return Ok(found);
        }
        let sql = format!(
            "INSERT INTO communities (platform, platform_community_id, allowed_lengths, \
                booking_horizon_secs, booking_cutoff_secs, late_cancel_window_secs, \
                reminder_lead_secs, prepare_lead_secs, attendance_grace_secs, close_delay_secs, \
                recent_repeat_days, default_time_zone, session_modes) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) \
             ON CONFLICT (platform, platform_community_id) DO NOTHING RETURNING {COLUMNS}"
        );
        let query = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(platform.as_str())
            .bind(platform_community_id);
        let inserted = bind_settings(query, defaults)
            .fetch_optional(&self.pool)
            .await?;
        if let Some(row) = inserted {
            return from_row(&row);
        }
        // A concurrent caller inserted it first.
        self.find_community(platform, platform_community_id)
            .await?
            .ok_or_else(|| {
                StoreError::NotFound(format!("community {platform}/{platform_community_id}"))
            })
    }

    pub async fn community(&self, id: CommunityId) -> Result<Community> {
        let sql = format!("SELECT {COLUMNS} FROM communities WHERE id = $1");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(id.0)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|row| from_row(&row))
            .transpose()?
            .ok_or_else(|| StoreError::NotFound(format!("community {id}")))
    }

    pub async fn update_community_settings(
        &self,
        id: CommunityId,
        settings: &CommunitySettings,
    ) -> Result<()> {
        let query = sqlx::query(
            "UPDATE communities SET allowed_lengths = $2, booking_horizon_secs = $3, \
                booking_cutoff_secs = $4, late_cancel_window_secs = $5, reminder_lead_secs = $6, \
                prepare_lead_secs = $7, attendance_grace_secs = $8, close_delay_secs = $9, \
                recent_repeat_days = $10, default_time_zone = $11, session_modes = $12 \
             WHERE id = $1",
        )
        .bind(id.0);
        let done = bind_settings(query, settings).execute(&self.pool).await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound(format!("community {id}")));
        }
        self.community_generation
            .fetch_add(1, std::sync::atomic::Ordering::AcqRel);
        Ok(())
    }

    async fn find_community(
        &self,
        platform: Platform,
        platform_id: &str,
    ) -> Result<Option<Community>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM communities WHERE platform = $1 AND platform_community_id = $2"
        );
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(platform.as_str())
            .bind(platform_id)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|row| from_row(&row)).transpose()
    }
}

fn from_row(row: &AnyRow) -> Result<Community> {
    Ok(Community {
        id: CommunityId(int(row, "id")?),
        platform: {
            let name = text(row, "platform")?;
            Platform::parse(&name).ok_or_else(|| corrupt(format!("platform {name:?}")))?
        },
        platform_community_id: text(row, "platform_community_id")?,
        settings: CommunitySettings {
            allowed_lengths_minutes: parse_lengths(&text(row, "allowed_lengths")?)?,
            booking_horizon: duration(int(row, "booking_horizon_secs")?)?,
            booking_cutoff: duration(int(row, "booking_cutoff_secs")?)?,
            late_cancel_window: duration(int(row, "late_cancel_window_secs")?)?,
            reminder_lead: duration(int(row, "reminder_lead_secs")?)?,
            prepare_lead: duration(int(row, "prepare_lead_secs")?)?,
            attendance_grace: duration(int(row, "attendance_grace_secs")?)?,
            close_delay: duration(int(row, "close_delay_secs")?)?,
            recent_repeat_days: int(row, "recent_repeat_days")?,
            default_time_zone: zone(&text(row, "default_time_zone")?)?,
            session_modes: text(row, "session_modes")?
                .split(',')
                .map(str::to_string)
                .collect(),
        },
    })
}

/// `[25, 50, 75]` -> `"25,50,75"`.
fn lengths_text(lengths: &[u32]) -> String {
    lengths
        .iter()
        .map(u32::to_string)
        .collect::<Vec<_>>()
        .join(",")
}

/// `"25,50,75"` -> `[25, 50, 75]`.
fn parse_lengths(text: &str) -> Result<Vec<u32>> {
    text.split(',')
        .map(|part| {
            part.trim()
                .parse::<u32>()
                .map_err(|_| corrupt(format!("allowed lengths {text:?}")))
        })
        .collect()
}
