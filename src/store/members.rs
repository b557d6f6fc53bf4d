//! Members, their preferences and counters, and attendance.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use sqlx::any::AnyRow;

use super::{
    boolean, corrupt, flag, int, placeholders, text, time, unix, zone, GroupedWrite, Result, Store,
    StoreError, WriteValue,
};
use crate::core::model::{AttendanceOutcome, Community, CommunityId, Member, MemberId, SlotId};

/// A new member: the community's default zone, reminders on, counters at their zero defaults.
const INSERT_MEMBER_UNLESS_PRESENT: &str = "INSERT INTO members \
    (community_id, platform_user_id, display_name, display_name_folded, time_zone, \
     reminders_enabled, created_at) \
    VALUES ($1, $2, $3, $4, $5, 1, $6) \
    ON CONFLICT (community_id, platform_user_id) DO NOTHING RETURNING id";

const COLUMNS: &str = "id, community_id, platform_user_id, display_name, time_zone, \
    reminders_enabled, sessions_attended, no_shows, late_cancels, created_at";

impl Store {
    /// Returns the member, inserting it (community default zone, reminders on, zero counters)
    /// if missing, and updating its display name if it changed. A known member with an
    /// unchanged name costs one `SELECT`; a new one a `SELECT` and an `INSERT … RETURNING`.
    pub async fn ensure_member(
        &self,
        community: &Community,
        platform_user_id: &str,
        display_name: &str,
        now: DateTime<Utc>,
    ) -> Result<Member> {
        if let Some(mut member) = self
            .member_by_platform_id(community.id, platform_user_id)
            .await?
        {
            if member.display_name != display_name {
                sqlx::query(
                    "UPDATE members SET display_name = $2, display_name_folded = $3 WHERE id = $1",
                )
                .bind(member.id.0)
                .bind(display_name)
                .bind(fold(display_name))
                .execute(&self.pool)
                .await?;
                member.display_name = display_name.to_owned();
            }
            return Ok(member);
        }
        if let Some(member) = self
            .insert_member_if_missing(community, platform_user_id, display_name, now)
            .await?
        {
            return Ok(member);
        }
        // A concurrent caller inserted it first; theirs is the member (with their display
        // name: the next command updates it).
        self.member_by_platform_id(community.id, platform_user_id)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("member {platform_user_id}")))
    }

    /// [`Store::ensure_member`] for callers who expect a new member: tries the insert first,
    /// so a new member costs one statement (an existing one costs two).
    pub async fn ensure_member_creating_first(
        &self,
        community: &Community,
        platform_user_id: &str,
        display_name: &str,
        now: DateTime<Utc>,
    ) -> Result<Member> {
        match self
            .insert_member_if_missing(community, platform_user_id, display_name, now)
            .await?
        {
            Some(member) => Ok(member),
            None => {
                self.ensure_member(community, platform_user_id, display_name, now)
                    .await
            }
        }
    }

    /// Inserts the member with the community's defaults; `None` if they exist already.
    async fn insert_member_if_missing(
        &self,
        community: &Community,
        platform_user_id: &str,
        display_name: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<Member>> {
        // A single statement, so on SQLite it can share a commit with other members' writes.
        // It returns only the id: the rest of the row is what this insert wrote.
        let zone = community.settings.default_time_zone;
        let inserted = self
            .write_statement(GroupedWrite {
                sql: INSERT_MEMBER_UNLESS_PRESENT,
                values: vec![
                    WriteValue::Integer(community.id.0),
                    WriteValue::Text(platform_user_id.to_owned()),
                    WriteValue::Text(display_name.to_owned()),
                    WriteValue::Text(fold(display_name)),
                    WriteValue::Text(zone.name().to_owned()),
                    WriteValue::Integer(unix(now)),
                ],
            })
            .await?;
        let Some(returned) = inserted else {
            return Ok(None);
        };
        let &[id] = returned.as_slice() else {
            return Err(corrupt(format!(
                "member insert returned {returned:?}, not (id)"
            )));
        };
        Ok(Some(Member {
            id: MemberId(id),
            community_id: community.id,
            platform_user_id: platform_user_id.to_owned(),
            display_name: display_name.to_owned(),
            time_zone: zone,
            reminders_enabled: true,
            sessions_attended: 0,
            no_shows: 0,
            late_cancels: 0,
            created_at: time(unix(now))?,
        }))
    }

    pub async fn member(&self, id: MemberId) -> Result<Member> {
        let sql = format!("SELECT {COLUMNS} FROM members WHERE id = $1");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(id.0)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|row| from_row(&row))
            .transpose()?
            .ok_or_else(|| StoreError::NotFound(format!("member {id}")))
    }

    /// The members with these ids, in the order given (duplicates repeat); `NotFound` if any
    /// id is unknown.
    pub async fn members_by_ids(&self, ids: &[MemberId]) -> Result<Vec<Member>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT {COLUMNS} FROM members WHERE id IN ({})",
            placeholders(1, ids.len())
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for id in ids {
            query = query.bind(id.0);
        }
        let mut found: HashMap<MemberId, Member> = HashMap::new();
        for row in query.fetch_all(&self.pool).await? {
            let member = from_row(&row)?;
            found.insert(member.id, member);
        }
        ids.iter()
            .map(|id| {
                found
                    .get(id)
                    .cloned()
                    .ok_or_else(|| StoreError::NotFound(format!("member {id}")))
            })
            .collect()
    }

    /// The members `platform_user_id_or_display_name` may mean: the one with exactly that
    /// platform user id, or else every member whose display name matches ignoring case
    /// (Unicode-aware), by id and at most [`MAX_NAMESAKES`]. Names are not unique and anyone
    /// can pick any, so a caller must not act on a name that finds more than one.
    pub async fn find_members(
        &self,
        community_id: CommunityId,
        platform_user_id_or_display_name: &str,
    ) -> Result<Vec<Member>> {
        let needle = platform_user_id_or_display_name;
        if let Some(member) = self.member_by_platform_id(community_id, needle).await? {
            return Ok(vec![member]);
        }
        let sql = format!(
            "SELECT {COLUMNS} FROM members WHERE community_id = $1 AND display_name_folded = $2 \
             ORDER BY id LIMIT {MAX_NAMESAKES}"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(community_id.0)
            .bind(fold(needle))
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(from_row).collect()
    }

    pub async fn set_member_time_zone(&self, id: MemberId, zone: Tz) -> Result<()> {
        let done = sqlx::query("UPDATE members SET time_zone = $2 WHERE id = $1")
            .bind(id.0)
            .bind(zone.name())
            .execute(&self.pool)
            .await?;
        found_one(done.rows_affected(), id)
    }

    pub async fn set_member_reminders(&self, id: MemberId, enabled: bool) -> Result<()> {
        let done = sqlx::query("UPDATE members SET reminders_enabled = $2 WHERE id = $1")
            .bind(id.0)
            .bind(flag(enabled))
            .execute(&self.pool)
            .await?;
        found_one(done.rows_affected(), id)
    }

    /// Records the outcome once per (slot, member); `false` if it was recorded already.
    /// The member's counters change only with the first record, in the same transaction.
    pub async fn record_attendance(
        &self,
        slot_id: SlotId,
        member_id: MemberId,
        outcome: AttendanceOutcome,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        let mut tx = self.begin_write().await?;
        let inserted = sqlx::query(
            "INSERT INTO attendance (slot_id, member_id, outcome, recorded_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (slot_id, member_id) DO NOTHING",
        )
        .bind(slot_id.0)
        .bind(member_id.0)
        .bind(outcome_text(outcome))
        .bind(unix(now))
        .execute(&mut *tx)
        .await?
        .rows_affected()
            == 1;
        let counter = match outcome {
            AttendanceOutcome::Attended => {
                Some("UPDATE members SET sessions_attended = sessions_attended + 1 WHERE id = $1")
            }
            AttendanceOutcome::NoShow => {
                Some("UPDATE members SET no_shows = no_shows + 1 WHERE id = $1")
            }
            AttendanceOutcome::Excused => None,
        };
        if let (true, Some(sql)) = (inserted, counter) {
            sqlx::query(sql).bind(member_id.0).execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(inserted)
    }

    /// Every recorded attendance outcome of the slot, by member id.
    pub async fn attendance_for_slot(
        &self,
        slot_id: SlotId,
    ) -> Result<Vec<(MemberId, AttendanceOutcome)>> {
        let rows = sqlx::query(
            "SELECT member_id, outcome FROM attendance WHERE slot_id = $1 ORDER BY member_id",
        )
        .bind(slot_id.0)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                let outcome = text(row, "outcome")?;
                let outcome = match outcome.as_str() {
                    "attended" => AttendanceOutcome::Attended,
                    "no_show" => AttendanceOutcome::NoShow,
                    "excused" => AttendanceOutcome::Excused,
                    _ => return Err(corrupt(format!("attendance outcome {outcome:?}"))),
                };
                Ok((MemberId(int(row, "member_id")?), outcome))
            })
            .collect()
    }

    /// The member with exactly this platform user id (a Discord user id, a Matrix user id).
    pub async fn member_by_platform_id(
        &self,
        community_id: CommunityId,
        platform_user_id: &str,
    ) -> Result<Option<Member>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM members WHERE community_id = $1 AND platform_user_id = $2"
        );
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(community_id.0)
            .bind(platform_user_id)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|row| from_row(&row)).transpose()
    }
}

/// How many members of one name [`Store::find_members`] returns at most.
pub const MAX_NAMESAKES: usize = 10;

pub(super) fn from_row(row: &AnyRow) -> Result<Member> {
    Ok(Member {
        id: MemberId(int(row, "id")?),
        community_id: CommunityId(int(row, "community_id")?),
        platform_user_id: text(row, "platform_user_id")?,
        display_name: text(row, "display_name")?,
        time_zone: zone(&text(row, "time_zone")?)?,
        reminders_enabled: boolean(int(row, "reminders_enabled")?, "reminders_enabled")?,
        sessions_attended: int(row, "sessions_attended")?,
        no_shows: int(row, "no_shows")?,
        late_cancels: int(row, "late_cancels")?,
        created_at: time(int(row, "created_at")?)?,
    })
}

/// The case-folded form `find_members` compares, stored next to the display name.
fn fold(display_name: &str) -> String {
    display_name.to_lowercase()
}

fn outcome_text(outcome: AttendanceOutcome) -> &'static str {
    match outcome {
        AttendanceOutcome::Attended => "attended",
        AttendanceOutcome::NoShow => "no_show",
        AttendanceOutcome::Excused => "excused",
    }
}

fn found_one(rows: u64, id: MemberId) -> Result<()> {
    if rows == 0 {
        return Err(StoreError::NotFound(format!("member {id}")));
    }
    Ok(())
}
