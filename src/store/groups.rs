//! Groups: who shares a room in a slot, and the room's lifecycle (planned -> open -> closed).

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sqlx::any::AnyRow;
use sqlx::Row;

use super::{corrupt, int, minutes, text, time, unix, Result, Store, StoreError};
use crate::core::model::{
    CommunityId, Group, GroupId, GroupOrigin, GroupState, MemberId, Platform, Slot, SlotId,
};

impl Store {
    /// Inserts one group per member list (state Planned, no room), all in one transaction.
    pub async fn create_groups(
        &self,
        slot_id: SlotId,
        origin: GroupOrigin,
        groups: &[Vec<MemberId>],
    ) -> Result<Vec<Group>> {
        let mut tx = self.begin_write().await?;
        let mut created = Vec::with_capacity(groups.len());
        for members in groups {
            let row = sqlx::query(
                "INSERT INTO session_groups (slot_id, origin, state, room) \
                 VALUES ($1, $2, 'planned', NULL) RETURNING id",
            )
            .bind(slot_id.0)
            .bind(origin_text(origin))
            .fetch_one(&mut *tx)
            .await?;
            let id = GroupId(int(&row, "id")?);
            for (seat, member) in members.iter().enumerate() {
                sqlx::query(
                    "INSERT INTO group_members (group_id, member_id, seat) VALUES ($1, $2, $3)",
                )
                .bind(id.0)
                .bind(member.0)
                .bind(seat as i64)
                .execute(&mut *tx)
                .await?;
            }
            created.push(Group {
                id,
                slot_id,
                origin,
                state: GroupState::Planned,
                room: None,
                members: members.clone(),
            });
        }
        tx.commit().await?;
        Ok(created)
    }

    /// The slot's groups by id, each with its members in insertion order.
    pub async fn groups_for_slot(&self, slot_id: SlotId) -> Result<Vec<Group>> {
        let rows = sqlx::query(
            "SELECT id, slot_id, origin, state, room FROM session_groups WHERE slot_id = $1 ORDER BY id",
        )
        .bind(slot_id.0)
        .fetch_all(&self.pool)
        .await?;
        let seats = sqlx::query(
            "SELECT m.group_id, m.member_id FROM group_members m \
             JOIN session_groups g ON g.id = m.group_id \
             WHERE g.slot_id = $1 ORDER BY m.group_id, m.seat",
        )
        .bind(slot_id.0)
        .fetch_all(&self.pool)
        .await?;
        with_members(
            rows.iter().map(group_from_row).collect::<Result<_>>()?,
            &seats,
        )
    }

    /// Records the platform room and moves the group to Open.
    pub async fn set_group_room(&self, group_id: GroupId, room: &str) -> Result<()> {
        let done = sqlx::query("UPDATE session_groups SET room = $2, state = 'open' WHERE id = $1")
            .bind(group_id.0)
            .bind(room)
            .execute(&self.pool)
            .await?;
        found_one(done.rows_affected(), group_id)
    }

    pub async fn mark_group_closed(&self, group_id: GroupId) -> Result<()> {
        let done = sqlx::query("UPDATE session_groups SET state = 'closed' WHERE id = $1")
            .bind(group_id.0)
            .execute(&self.pool)
            .await?;
        found_one(done.rows_affected(), group_id)
    }

    /// Open groups whose slot ended (start + length) before `t`, by slot start then group id:
    /// the rooms a startup sweep must close.
    pub async fn open_groups_of_slots_ended_before(
        &self,
        t: DateTime<Utc>,
        platform: Platform,
    ) -> Result<Vec<(Group, Slot)>> {
        // Only this platform's rooms: another platform's adapter could not close them.
        const ENDED_OPEN: &str = "g.state = 'open' AND s.starts_at + s.length_minutes * 60 < $1 \
            AND s.community_id IN (SELECT id FROM communities WHERE platform = $2)";
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT g.id, g.slot_id, g.origin, g.state, g.room, s.community_id, s.starts_at, s.length_minutes \
             FROM session_groups g JOIN slots s ON s.id = g.slot_id \
             WHERE {ENDED_OPEN} ORDER BY s.starts_at, g.id"
        )))
        .bind(unix(t))
        .bind(platform.as_str())
        .fetch_all(&self.pool)
        .await?;
        let seats = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT m.group_id, m.member_id FROM group_members m \
             JOIN session_groups g ON g.id = m.group_id JOIN slots s ON s.id = g.slot_id \
             WHERE {ENDED_OPEN} ORDER BY m.group_id, m.seat"
        )))
        .bind(unix(t))
        .bind(platform.as_str())
        .fetch_all(&self.pool)
        .await?;
        let mut groups = Vec::with_capacity(rows.len());
        let mut slots = Vec::with_capacity(rows.len());
        for row in &rows {
            let group = group_from_row(row)?;
            slots.push(slot_of_group_row(row, &group)?);
            groups.push(group);
        }
        Ok(with_members(groups, &seats)?
            .into_iter()
            .zip(slots)
            .collect())
    }
}

/// A group row without its members (filled in by [`with_members`]).
fn group_from_row(row: &AnyRow) -> Result<Group> {
    let origin = match text(row, "origin")?.as_str() {
        "matched" => GroupOrigin::Matched,
        "rematch" => GroupOrigin::Rematch,
        other => return Err(corrupt(format!("group origin {other:?}"))),
    };
    let state = match text(row, "state")?.as_str() {
        "planned" => GroupState::Planned,
        "open" => GroupState::Open,
        "closed" => GroupState::Closed,
        other => return Err(corrupt(format!("group state {other:?}"))),
    };
    Ok(Group {
        id: GroupId(int(row, "id")?),
        slot_id: SlotId(int(row, "slot_id")?),
        origin,
        state,
        room: row.try_get::<Option<String>, _>("room")?,
        members: Vec::new(),
    })
}

/// The slot half of an `open_groups_of_slots_ended_before` row (its id is the group's `slot_id`).
fn slot_of_group_row(row: &AnyRow, group: &Group) -> Result<Slot> {
    Ok(Slot {
        id: group.slot_id,
        community_id: CommunityId(int(row, "community_id")?),
        starts_at: time(int(row, "starts_at")?)?,
        length_minutes: minutes(int(row, "length_minutes")?)?,
    })
}

/// Distributes `(group_id, member_id)` rows, already in seat order, onto their groups.
fn with_members(mut groups: Vec<Group>, seats: &[AnyRow]) -> Result<Vec<Group>> {
    let index: HashMap<GroupId, usize> =
        groups.iter().enumerate().map(|(i, g)| (g.id, i)).collect();
    for row in seats {
        let group_id = GroupId(int(row, "group_id")?);
        if let Some(&i) = index.get(&group_id) {
            groups[i].members.push(MemberId(int(row, "member_id")?));
        }
    }
    Ok(groups)
}

pub(super) fn origin_text(origin: GroupOrigin) -> &'static str {
    match origin {
        GroupOrigin::Matched => "matched",
        GroupOrigin::Rematch => "rematch",
    }
}

fn found_one(rows: u64, id: GroupId) -> Result<()> {
    if rows == 0 {
        return Err(StoreError::NotFound(format!("group {id}")));
    }
    Ok(())
}
