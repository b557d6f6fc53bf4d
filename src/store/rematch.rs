//! The rematch's durable facts: each member's T + 2 min choice, `prefs mixed-lengths`, and the
//! rematch groups with their seats (one per member and start moment).

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};

use super::bookings::slot_from_row;
use super::groups::origin_text;
use super::{boolean, corrupt, int, placeholders, text, unix, Result, Store};
use crate::core::model::{
    CommunityId, Group, GroupId, GroupOrigin, GroupState, MemberId, Slot, SlotId,
};
use crate::core::rematch::{RematchChoice, RematchGroup, MIXED_LENGTHS_BY_DEFAULT};

impl Store {
    /// Records (or changes) a member's choice for their slot; the latest choice counts.
    pub async fn record_rematch_choice(
        &self,
        slot_id: SlotId,
        member_id: MemberId,
        choice: RematchChoice,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO rematch_choices (slot_id, member_id, choice, chosen_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (slot_id, member_id) DO UPDATE SET choice = excluded.choice, chosen_at = excluded.chosen_at",
        )
        .bind(slot_id.0)
        .bind(member_id.0)
        .bind(choice.as_str())
        .bind(unix(now))
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The choices made in these slots, by member.
    pub async fn rematch_choices_in(
        &self,
        slots: &[SlotId],
    ) -> Result<HashMap<MemberId, RematchChoice>> {
        if slots.is_empty() {
            return Ok(HashMap::new());
        }
        let sql = format!(
            "SELECT member_id, choice FROM rematch_choices WHERE slot_id IN ({})",
            placeholders(1, slots.len())
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for slot in slots {
            query = query.bind(slot.0);
        }
        let rows = query.fetch_all(&self.pool).await?;
        rows.iter()
            .map(|row| {
                let choice = text(row, "choice")?;
                let choice = RematchChoice::parse(&choice)
                    .ok_or_else(|| corrupt(format!("rematch choice {choice:?}")))?;
                Ok((MemberId(int(row, "member_id")?), choice))
            })
            .collect()
    }

    /// `prefs mixed-lengths on|off`.
    pub async fn set_mixed_lengths(&self, member_id: MemberId, allowed: bool) -> Result<()> {
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO member_rematch_prefs (member_id, mixed_lengths) VALUES ($1, $2) \
             ON CONFLICT (member_id) DO UPDATE SET mixed_lengths = excluded.mixed_lengths",
        )
        .bind(member_id.0)
        .bind(i64::from(allowed))
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Whether each of these members allows mixed lengths (the default for those who never said).
    pub async fn mixed_lengths_of(&self, members: &[MemberId]) -> Result<HashMap<MemberId, bool>> {
        let mut allowed: HashMap<MemberId, bool> = members
            .iter()
            .map(|id| (*id, MIXED_LENGTHS_BY_DEFAULT))
            .collect();
        if members.is_empty() {
            return Ok(allowed);
        }
        let sql = format!(
            "SELECT member_id, mixed_lengths FROM member_rematch_prefs WHERE member_id IN ({})",
            placeholders(1, members.len())
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for member in members {
            query = query.bind(member.0);
        }
        for row in query.fetch_all(&self.pool).await? {
            allowed.insert(
                MemberId(int(&row, "member_id")?),
                boolean(int(&row, "mixed_lengths")?, "mixed_lengths")?,
            );
        }
        Ok(allowed)
    }

    /// The community's slots that start at this moment (one per length).
    pub async fn slots_starting_at(
        &self,
        community_id: CommunityId,
        starts_at: DateTime<Utc>,
    ) -> Result<Vec<Slot>> {
        let rows = sqlx::query(
            "SELECT id, community_id, starts_at, length_minutes FROM slots \
             WHERE community_id = $1 AND starts_at = $2 ORDER BY length_minutes, id",
        )
        .bind(community_id.0)
        .bind(unix(starts_at))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(slot_from_row).collect()
    }

    /// Stores rematch groups and their members' seats in one transaction. A member already
    /// seated at this start moment (another job rematched them first) fails the whole
    /// transaction with a unique violation: the caller's retry reads the seats afresh.
    pub async fn create_rematch_groups(
        &self,
        starts_at: DateTime<Utc>,
        groups: &[RematchGroup],
    ) -> Result<Vec<Group>> {
        let mut tx = self.begin_write().await?;
        let mut created = Vec::with_capacity(groups.len());
        for group in groups {
            let row = sqlx::query(
                "INSERT INTO session_groups (slot_id, origin, state, room) \
                 VALUES ($1, $2, 'planned', NULL) RETURNING id",
            )
            .bind(group.slot.0)
            .bind(origin_text(GroupOrigin::Rematch))
            .fetch_one(&mut *tx)
            .await?;
            let id = GroupId(int(&row, "id")?);
            for (seat, member) in group.members.iter().enumerate() {
                sqlx::query(
                    "INSERT INTO group_members (group_id, member_id, seat) VALUES ($1, $2, $3)",
                )
                .bind(id.0)
                .bind(member.0)
                .bind(seat as i64)
                .execute(&mut *tx)
                .await?;
                sqlx::query(
                    "INSERT INTO rematch_seats (member_id, starts_at, group_id) VALUES ($1, $2, $3)",
                )
                .bind(member.0)
                .bind(unix(starts_at))
                .bind(id.0)
                .execute(&mut *tx)
                .await?;
            }
            created.push(Group {
                id,
                slot_id: group.slot,
                origin: GroupOrigin::Rematch,
                state: GroupState::Planned,
                room: None,
                members: group.members.clone(),
            });
        }
        tx.commit().await?;
        Ok(created)
    }

    /// Members of these slots' rematch groups (seated before this table existed, too).
    pub async fn rematched_members_in(&self, slots: &[SlotId]) -> Result<HashSet<MemberId>> {
        let mut seated = HashSet::new();
        for slot in slots {
            for group in self.groups_for_slot(*slot).await? {
                if group.origin == GroupOrigin::Rematch {
                    seated.extend(group.members);
                }
            }
        }
        Ok(seated)
    }
}
