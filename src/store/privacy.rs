//! Privacy (issue 12): everything stored about one member, read out (`privacy export`) or
//! erased (`privacy delete`).
//!
//! [`TABLES`] is the inventory: every table of the schema, one line each, saying how privacy
//! covers it. `tests/privacy.rs` reads the live schema and fails when a table is missing from
//! it, so a migration that adds a table must add its line here (and, if the table holds rows
//! about members, a `DELETE` and an export field).
//!
//! Erasing keeps the community's figures: the member's attendance rows become anonymous counts
//! in `erased_attendance` (per slot and outcome, no member), and every figure that counts
//! attendance reads [`ATTENDANCE_WITH_ERASED`] instead of `attendance`.

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::Row;

use super::{int, text, time, Result, Store};
use crate::core::model::{MemberId, Platform};

/// How privacy covers one table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TableCoverage {
    /// No row is about one member (communities, slots, the schedule of a slot…).
    NotPersonal,
    /// Rows about the member: read into the export, and deleted by this `WHERE` clause
    /// (`$1` is the member's id) when the member is erased, in the order of [`TABLES`].
    Member(&'static str),
    /// Rows about the member found another way than by a member id column (effects by key,
    /// jobs by booking, platform notes by user id, attendance turned into counts): exported and
    /// erased by named code in this file.
    ByCode,
}

/// One table of the schema and how privacy covers it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TablePrivacy {
    pub table: &'static str,
    pub coverage: TableCoverage,
}

const fn table(table: &'static str, coverage: TableCoverage) -> TablePrivacy {
    TablePrivacy { table, coverage }
}

use TableCoverage::{ByCode, Member, NotPersonal};

/// Every table of the schema (sqlx's own `_sqlx_migrations` aside). **A new table is one line
/// here.** `Member` lines are deleted top to bottom, so a table that references another comes
/// before it, and `members` is last.
#[rustfmt::skip] // one line per table, however long
pub const TABLES: &[TablePrivacy] = &[
    table("communities", NotPersonal),
    table("slots", NotPersonal),
    table("session_groups", NotPersonal),
    table("community_pages", NotPersonal),
    // The settings a community's admins changed: about the community, never who changed them.
    table("community_settings", NotPersonal),
    // Anonymous counts only: what is left of erased members' attendance.
    table("erased_attendance", NotPersonal),
    table("effects", ByCode),
    table("jobs", ByCode),
    table("platform_state", ByCode),
    table("attendance", ByCode),
    table("group_members", Member("member_id = $1")),
    // Marks others made about the member go too: a block or favourite of nobody.
    table("relations", Member("member_id = $1 OR other_id = $1")),
    table("friend_requests", Member("from_member_id = $1 OR to_member_id = $1")),
    table("partner_messages", Member("from_member_id = $1 OR to_member_id = $1")),
    table("member_privacy", Member("member_id = $1")),
    table("member_links", Member("member_id = $1")),
    table("rematch_choices", Member("member_id = $1")),
    table("rematch_seats", Member("member_id = $1")),
    table("member_rematch_prefs", Member("member_id = $1")),
    table("leaderboard_opt_in", Member("member_id = $1")),
    table("locked_invitations", Member("inviter_member_id = $1 OR invitee_member_id = $1")),
    // Issue 11's matching choices: a member's availability and mode mixing, their bookings' modes.
    table("member_match_preferences", Member("member_id = $1")),
    table("booking_modes", Member("booking_id IN (SELECT id FROM bookings WHERE member_id = $1)")),
    // The check-in's answers, reports both ways, snoozes both ways (issue 11, migration 0011).
    table("check_in_answers", Member("member_id = $1")),
    table("absence_claims", Member("member_id = $1 OR absent_id = $1")),
    table("member_reports", Member("reporter_id = $1 OR reported_id = $1")),
    table("snoozes", Member("member_id = $1 OR other_id = $1")),
    table("bookings", Member("member_id = $1")),
    table("members", Member("id = $1")),
];

/// `attendance` with the erased members' counts: `(slot_id, outcome, members)` rows, one per
/// member for the living and one per slot and outcome for the erased. Figures count
/// `SUM(members)` over it, so erasing a member changes none of them.
pub const ATTENDANCE_WITH_ERASED: &str = "(SELECT slot_id, outcome, 1 AS members FROM attendance \
     UNION ALL SELECT slot_id, outcome, members FROM erased_attendance)";

/// Everything stored about one member, as `privacy export` sends it (JSON). Times are UTC.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MemberDataExport {
    pub exported_at: DateTime<Utc>,
    pub platform: String,
    pub community: String,
    pub member: ExportedMember,
    /// `prefs show-bookings`, when the member changed it.
    pub show_bookings: Option<String>,
    /// Since when the member is on the leaderboard (`prefs leaderboard on`), if they are.
    pub on_leaderboard_since: Option<DateTime<Utc>>,
    pub bookings: Vec<ExportedBooking>,
    /// The sessions the member was matched into, with the partners' names as told.
    pub sessions: Vec<ExportedSession>,
    pub attendance: Vec<ExportedAttendance>,
    /// Friends, favourites and blocks the member set (marks others set are theirs).
    pub marks: Vec<ExportedMark>,
    pub friend_requests_sent: Vec<ExportedFriendRequest>,
    /// Requests waiting for the member's answer (not those from members they blocked, which
    /// were never delivered).
    pub friend_requests_received: Vec<ExportedFriendRequest>,
    /// Partner messages: who and when; the text was never stored.
    pub messages_sent: Vec<ExportedPartnerMessage>,
    pub messages_received: Vec<ExportedPartnerMessage>,
    /// Invitations to lock in a session with a friend (`book … with @x`), both ways; those
    /// from members they blocked were never delivered and are left out.
    pub session_invitations: Vec<ExportedInvitation>,
    /// "Keep waiting" / "Rematch now" answers to a late partner, by session start.
    pub rematch_choices: Vec<ExportedRematchChoice>,
    /// `prefs mixed-lengths`, when the member changed it.
    pub mixed_lengths: Option<bool>,
    /// `prefs availability` and `prefs mix-modes`, when the member changed them.
    pub match_preferences: Option<ExportedMatchPreferences>,
    /// The member's answers to check-ins ("done" / "partly"), by session start.
    pub check_in_answers: Vec<ExportedCheckInAnswer>,
    /// "Partner absent" claims the member made (claims others made are theirs).
    pub absence_claims: Vec<ExportedMark>,
    /// Reports the member sent to the moderators (reports about them are the moderators').
    pub reports_sent: Vec<ExportedReport>,
    /// `snooze @x`: who, and until when.
    pub snoozes: Vec<ExportedSnooze>,
    /// Private calendar/page links: when made and revoked. The link itself is a secret, shown
    /// by `calendar`; neither it nor its hash is in the export.
    pub calendar_links: Vec<ExportedLink>,
    /// Jobs about the member's bookings (a weekly series rolling forward).
    pub scheduled_jobs: Vec<ExportedJob>,
    /// Messages the bot sent the member, by their record (the text is not stored).
    pub messages_from_the_bot: Vec<ExportedEffect>,
    /// What the chat adapter noted about the member's account (DM channel or room, home
    /// community).
    pub platform_notes: Vec<ExportedPlatformNote>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExportedMember {
    pub id: i64,
    pub platform_user_id: String,
    pub display_name: String,
    pub time_zone: String,
    pub reminders_enabled: bool,
    pub sessions_attended: i64,
    pub no_shows: i64,
    pub late_cancels: i64,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExportedBooking {
    pub id: i64,
    pub starts_at: DateTime<Utc>,
    pub length_minutes: i64,
    pub status: String,
    pub weekly: bool,
    /// The session mode named when booking (`book … talk`), if one was.
    pub mode: Option<String>,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExportedSession {
    pub group: i64,
    pub starts_at: DateTime<Utc>,
    pub length_minutes: i64,
    pub origin: String,
    pub partners: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExportedAttendance {
    pub session_starts_at: DateTime<Utc>,
    pub outcome: String,
    pub recorded_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExportedMark {
    pub kind: String,
    pub member: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExportedFriendRequest {
    pub member: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExportedMatchPreferences {
    /// `everyone` or `friends`.
    pub availability: String,
    /// May a quiet session be paired with a talk one.
    pub mix_modes: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExportedCheckInAnswer {
    pub session_starts_at: DateTime<Utc>,
    pub verdict: String,
    pub answered_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExportedReport {
    pub member: String,
    pub reason: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExportedSnooze {
    pub member: String,
    pub until: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExportedRematchChoice {
    pub starts_at: DateTime<Utc>,
    pub choice: String,
    pub chosen_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExportedInvitation {
    /// `sent` or `received`.
    pub direction: String,
    pub member: String,
    pub starts_at: DateTime<Utc>,
    pub state: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExportedPartnerMessage {
    pub member: String,
    pub sent_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExportedLink {
    pub created_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExportedJob {
    pub key: String,
    pub kind: String,
    pub due_at: DateTime<Utc>,
    pub status: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExportedEffect {
    pub key: String,
    pub result: String,
    pub recorded_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExportedPlatformNote {
    pub scope: String,
    pub name: String,
    pub value: String,
}

/// What erasing a member removed, by table (for the log and the tests).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ErasureReport {
    pub rows_deleted: Vec<(&'static str, u64)>,
}

impl ErasureReport {
    pub fn total(&self) -> u64 {
        self.rows_deleted.iter().map(|(_, rows)| rows).sum()
    }
}

/// The member's own effect keys: DMs keyed by the member's id (`dm:announce:g12:m3`) end in
/// `:m<id>`; those keyed by one of their bookings, friend requests or partner messages are
/// listed exactly (see `engine::effect_key`, whose formats are stored and never change).
struct MemberKeys {
    member_suffix: String,
    exact: Vec<String>,
    weekly_prefixes: Vec<String>,
}

impl Store {
    /// Everything stored about `member` (of `platform`), read now.
    pub async fn export_member_data(
        &self,
        member: MemberId,
        platform: Platform,
        now: DateTime<Utc>,
    ) -> Result<MemberDataExport> {
        let row = sqlx::query(
            "SELECT m.*, c.platform_community_id FROM members m \
             JOIN communities c ON c.id = m.community_id WHERE m.id = $1",
        )
        .bind(member.0)
        .fetch_optional(&self.pool)
        .await?
        .ok_or_else(|| super::StoreError::NotFound(format!("member {}", member.0)))?;
        let platform_user_id = text(&row, "platform_user_id")?;
        let exported_member = ExportedMember {
            id: int(&row, "id")?,
            platform_user_id: platform_user_id.clone(),
            display_name: text(&row, "display_name")?,
            time_zone: text(&row, "time_zone")?,
            reminders_enabled: int(&row, "reminders_enabled")? == 1,
            sessions_attended: int(&row, "sessions_attended")?,
            no_shows: int(&row, "no_shows")?,
            late_cancels: int(&row, "late_cancels")?,
            created_at: time(int(&row, "created_at")?)?,
        };
        let show_bookings =
            sqlx::query("SELECT show_bookings FROM member_privacy WHERE member_id = $1")
                .bind(member.0)
                .fetch_optional(&self.pool)
                .await?
                .map(|row| text(&row, "show_bookings"))
                .transpose()?;
        let on_leaderboard_since =
            sqlx::query("SELECT opted_in_at FROM leaderboard_opt_in WHERE member_id = $1")
                .bind(member.0)
                .fetch_optional(&self.pool)
                .await?
                .map(|row| time(int(&row, "opted_in_at")?))
                .transpose()?;
        Ok(MemberDataExport {
            exported_at: now,
            platform: platform.as_str().to_string(),
            community: text(&row, "platform_community_id")?,
            member: exported_member,
            show_bookings,
            on_leaderboard_since,
            bookings: self.exported_bookings(member).await?,
            sessions: self.exported_sessions(member).await?,
            attendance: self.exported_attendance(member).await?,
            marks: self.exported_marks(member).await?,
            friend_requests_sent: self.exported_requests(member, true).await?,
            friend_requests_received: self.exported_requests(member, false).await?,
            messages_sent: self.exported_messages(member, true).await?,
            messages_received: self.exported_messages(member, false).await?,
            session_invitations: self.exported_invitations(member).await?,
            rematch_choices: self.exported_rematch_choices(member).await?,
            mixed_lengths: self.exported_mixed_lengths(member).await?,
            match_preferences: self.exported_match_preferences(member).await?,
            check_in_answers: self.exported_check_in_answers(member).await?,
            absence_claims: self.exported_absence_claims(member).await?,
            reports_sent: self.exported_reports(member).await?,
            snoozes: self.exported_snoozes(member).await?,
            calendar_links: self.exported_links(member).await?,
            scheduled_jobs: self.exported_jobs(member).await?,
            messages_from_the_bot: self.exported_effects(member).await?,
            platform_notes: self
                .exported_platform_notes(platform, &platform_user_id)
                .await?,
        })
    }

    async fn exported_bookings(&self, member: MemberId) -> Result<Vec<ExportedBooking>> {
        let sql = "SELECT b.id, s.starts_at, s.length_minutes, b.status, b.recurring_weekly, b.created_at, \
             bm.mode FROM bookings b JOIN slots s ON s.id = b.slot_id \
             LEFT JOIN booking_modes bm ON bm.booking_id = b.id WHERE b.member_id = $1 \
             ORDER BY s.starts_at, b.id";
        self.read_rows_of_member(sql, member, |row| {
            Ok(ExportedBooking {
                id: int(row, "id")?,
                starts_at: time(int(row, "starts_at")?)?,
                length_minutes: int(row, "length_minutes")?,
                status: text(row, "status")?,
                weekly: int(row, "recurring_weekly")? == 1,
                mode: row.try_get::<Option<String>, _>("mode")?,
                created_at: time(int(row, "created_at")?)?,
            })
        })
        .await
    }

    async fn exported_sessions(&self, member: MemberId) -> Result<Vec<ExportedSession>> {
        let rows = self
            .rows_of_member(
                "SELECT g.id, s.starts_at, s.length_minutes, g.origin FROM group_members me \
             JOIN session_groups g ON g.id = me.group_id JOIN slots s ON s.id = g.slot_id \
             WHERE me.member_id = $1 ORDER BY s.starts_at, g.id",
                member,
            )
            .await?;
        let mut sessions = Vec::with_capacity(rows.len());
        for row in &rows {
            let group = int(row, "id")?;
            let partners = sqlx::query(
                "SELECT m.display_name FROM group_members o JOIN members m ON m.id = o.member_id \
                 WHERE o.group_id = $1 AND o.member_id <> $2 ORDER BY o.seat",
            )
            .bind(group)
            .bind(member.0)
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|row| text(row, "display_name"))
            .collect::<Result<Vec<_>>>()?;
            sessions.push(ExportedSession {
                group,
                starts_at: time(int(row, "starts_at")?)?,
                length_minutes: int(row, "length_minutes")?,
                origin: text(row, "origin")?,
                partners,
            });
        }
        Ok(sessions)
    }

    /// The rows `sql` returns for the member (`$1` is the member's id): the export's one query
    /// shape.
    async fn rows_of_member(&self, sql: &'static str, member: MemberId) -> Result<Vec<AnyRow>> {
        Ok(sqlx::query(sql)
            .bind(member.0)
            .fetch_all(&self.pool)
            .await?)
    }

    /// [`Store::rows_of_member`], each row read by `read`: most of the export's lists.
    async fn read_rows_of_member<T>(
        &self,
        sql: &'static str,
        member: MemberId,
        read: impl Fn(&AnyRow) -> Result<T>,
    ) -> Result<Vec<T>> {
        self.rows_of_member(sql, member)
            .await?
            .iter()
            .map(read)
            .collect()
    }

    async fn exported_attendance(&self, member: MemberId) -> Result<Vec<ExportedAttendance>> {
        self.read_rows_of_member(
            "SELECT s.starts_at, a.outcome, a.recorded_at FROM attendance a \
             JOIN slots s ON s.id = a.slot_id WHERE a.member_id = $1 ORDER BY s.starts_at",
            member,
            |row| {
                Ok(ExportedAttendance {
                    session_starts_at: time(int(row, "starts_at")?)?,
                    outcome: text(row, "outcome")?,
                    recorded_at: time(int(row, "recorded_at")?)?,
                })
            },
        )
        .await
    }

    async fn exported_marks(&self, member: MemberId) -> Result<Vec<ExportedMark>> {
        self.read_rows_of_member(
            "SELECT r.kind, m.display_name FROM relations r JOIN members m ON m.id = r.other_id \
             WHERE r.member_id = $1 ORDER BY r.kind, m.display_name_folded",
            member,
            |row| {
                Ok(ExportedMark {
                    kind: text(row, "kind")?,
                    member: text(row, "display_name")?,
                })
            },
        )
        .await
    }

    async fn exported_requests(
        &self,
        member: MemberId,
        sent: bool,
    ) -> Result<Vec<ExportedFriendRequest>> {
        let sql = if sent {
            "SELECT m.display_name, f.created_at FROM friend_requests f \
             JOIN members m ON m.id = f.to_member_id WHERE f.from_member_id = $1 ORDER BY f.id"
        } else {
            "SELECT m.display_name, f.created_at FROM friend_requests f \
             JOIN members m ON m.id = f.from_member_id WHERE f.to_member_id = $1 \
             AND NOT EXISTS (SELECT 1 FROM relations b WHERE b.member_id = $1 \
                 AND b.other_id = f.from_member_id AND b.kind = 'block') ORDER BY f.id"
        };
        self.read_rows_of_member(sql, member, |row| {
            Ok(ExportedFriendRequest {
                member: text(row, "display_name")?,
                created_at: time(int(row, "created_at")?)?,
            })
        })
        .await
    }

    async fn exported_rematch_choices(
        &self,
        member: MemberId,
    ) -> Result<Vec<ExportedRematchChoice>> {
        self.read_rows_of_member(
            "SELECT s.starts_at, c.choice, c.chosen_at FROM rematch_choices c \
             JOIN slots s ON s.id = c.slot_id WHERE c.member_id = $1 ORDER BY c.chosen_at",
            member,
            |row| {
                Ok(ExportedRematchChoice {
                    starts_at: time(int(row, "starts_at")?)?,
                    choice: text(row, "choice")?,
                    chosen_at: time(int(row, "chosen_at")?)?,
                })
            },
        )
        .await
    }

    async fn exported_mixed_lengths(&self, member: MemberId) -> Result<Option<bool>> {
        let row =
            sqlx::query("SELECT mixed_lengths FROM member_rematch_prefs WHERE member_id = $1")
                .bind(member.0)
                .fetch_optional(&self.pool)
                .await?;
        row.map(|row| Ok(int(&row, "mixed_lengths")? == 1))
            .transpose()
    }

    async fn exported_match_preferences(
        &self,
        member: MemberId,
    ) -> Result<Option<ExportedMatchPreferences>> {
        let rows = self
            .rows_of_member(
                "SELECT availability, mix_modes FROM member_match_preferences WHERE member_id = $1",
                member,
            )
            .await?;
        rows.first()
            .map(|row| {
                Ok(ExportedMatchPreferences {
                    availability: text(row, "availability")?,
                    mix_modes: int(row, "mix_modes")? == 1,
                })
            })
            .transpose()
    }

    async fn exported_check_in_answers(
        &self,
        member: MemberId,
    ) -> Result<Vec<ExportedCheckInAnswer>> {
        self.read_rows_of_member(
            "SELECT s.starts_at, a.verdict, a.answered_at FROM check_in_answers a \
             JOIN slots s ON s.id = a.slot_id WHERE a.member_id = $1 ORDER BY s.starts_at",
            member,
            |row| {
                Ok(ExportedCheckInAnswer {
                    session_starts_at: time(int(row, "starts_at")?)?,
                    verdict: text(row, "verdict")?,
                    answered_at: time(int(row, "answered_at")?)?,
                })
            },
        )
        .await
    }

    /// As marks: `kind` is `partner absent`, `member` the partner named.
    async fn exported_absence_claims(&self, member: MemberId) -> Result<Vec<ExportedMark>> {
        self.read_rows_of_member(
            "SELECT m.display_name FROM absence_claims c JOIN members m ON m.id = c.absent_id \
             WHERE c.member_id = $1 ORDER BY c.claimed_at",
            member,
            |row| {
                Ok(ExportedMark {
                    kind: "partner absent".to_string(),
                    member: text(row, "display_name")?,
                })
            },
        )
        .await
    }

    async fn exported_reports(&self, member: MemberId) -> Result<Vec<ExportedReport>> {
        self.read_rows_of_member(
            "SELECT m.display_name, r.reason, r.created_at FROM member_reports r \
             JOIN members m ON m.id = r.reported_id WHERE r.reporter_id = $1 ORDER BY r.id",
            member,
            |row| {
                Ok(ExportedReport {
                    member: text(row, "display_name")?,
                    reason: text(row, "reason")?,
                    created_at: time(int(row, "created_at")?)?,
                })
            },
        )
        .await
    }

    async fn exported_snoozes(&self, member: MemberId) -> Result<Vec<ExportedSnooze>> {
        self.read_rows_of_member(
            "SELECT m.display_name, z.snoozed_until FROM snoozes z \
             JOIN members m ON m.id = z.other_id WHERE z.member_id = $1 ORDER BY z.snoozed_until",
            member,
            |row| {
                Ok(ExportedSnooze {
                    member: text(row, "display_name")?,
                    until: time(int(row, "snoozed_until")?)?,
                })
            },
        )
        .await
    }

    async fn exported_invitations(&self, member: MemberId) -> Result<Vec<ExportedInvitation>> {
        let sql = "SELECT CASE WHEN i.inviter_member_id = $1 THEN 'sent' ELSE 'received' END AS direction, \
             m.display_name, s.starts_at, i.state, i.created_at FROM locked_invitations i \
             JOIN slots s ON s.id = i.slot_id \
             JOIN members m ON m.id = CASE WHEN i.inviter_member_id = $1 \
                 THEN i.invitee_member_id ELSE i.inviter_member_id END \
             WHERE i.inviter_member_id = $1 OR (i.invitee_member_id = $1 AND i.delivered = 1) \
             ORDER BY i.id";
        self.read_rows_of_member(sql, member, |row| {
            Ok(ExportedInvitation {
                direction: text(row, "direction")?,
                member: text(row, "display_name")?,
                starts_at: time(int(row, "starts_at")?)?,
                state: text(row, "state")?,
                created_at: time(int(row, "created_at")?)?,
            })
        })
        .await
    }

    /// Sent messages without their `delivered` flag (it would tell who blocked the member);
    /// received ones only as delivered.
    async fn exported_messages(
        &self,
        member: MemberId,
        sent: bool,
    ) -> Result<Vec<ExportedPartnerMessage>> {
        let sql = if sent {
            "SELECT m.display_name, p.sent_at FROM partner_messages p \
             JOIN members m ON m.id = p.to_member_id WHERE p.from_member_id = $1 ORDER BY p.id"
        } else {
            "SELECT m.display_name, p.sent_at FROM partner_messages p \
             JOIN members m ON m.id = p.from_member_id WHERE p.to_member_id = $1 \
             AND p.delivered = 1 ORDER BY p.id"
        };
        self.read_rows_of_member(sql, member, |row| {
            Ok(ExportedPartnerMessage {
                member: text(row, "display_name")?,
                sent_at: time(int(row, "sent_at")?)?,
            })
        })
        .await
    }

    async fn exported_links(&self, member: MemberId) -> Result<Vec<ExportedLink>> {
        self.read_rows_of_member(
            "SELECT created_at, revoked_at FROM member_links WHERE member_id = $1 ORDER BY id",
            member,
            |row| {
                Ok(ExportedLink {
                    created_at: time(int(row, "created_at")?)?,
                    revoked_at: row
                        .try_get::<Option<i64>, _>("revoked_at")?
                        .map(time)
                        .transpose()?,
                })
            },
        )
        .await
    }

    async fn exported_jobs(&self, member: MemberId) -> Result<Vec<ExportedJob>> {
        self.read_rows_of_member(
            "SELECT key, kind, due_at, status FROM jobs WHERE booking_id IN \
             (SELECT id FROM bookings WHERE member_id = $1) ORDER BY due_at, id",
            member,
            |row| {
                Ok(ExportedJob {
                    key: text(row, "key")?,
                    kind: text(row, "kind")?,
                    due_at: time(int(row, "due_at")?)?,
                    status: text(row, "status")?,
                })
            },
        )
        .await
    }

    async fn exported_effects(&self, member: MemberId) -> Result<Vec<ExportedEffect>> {
        let mut connection = self.pool.acquire().await?;
        let keys = self.member_keys(&mut connection, member).await?;
        drop(connection);
        let mut effects = Vec::new();
        let rows = sqlx::query(
            "SELECT key, result, recorded_at FROM effects WHERE key LIKE $1 ORDER BY recorded_at, key",
        )
        .bind(format!("%{}", keys.member_suffix))
        .fetch_all(&self.pool)
        .await?;
        effects.extend(rows);
        for key in &keys.exact {
            effects.extend(
                sqlx::query("SELECT key, result, recorded_at FROM effects WHERE key = $1")
                    .bind(key)
                    .fetch_all(&self.pool)
                    .await?,
            );
        }
        for prefix in &keys.weekly_prefixes {
            effects.extend(
                sqlx::query("SELECT key, result, recorded_at FROM effects WHERE key LIKE $1")
                    .bind(format!("{prefix}%"))
                    .fetch_all(&self.pool)
                    .await?,
            );
        }
        effects
            .iter()
            .map(|row| {
                Ok(ExportedEffect {
                    key: text(row, "key")?,
                    result: text(row, "result")?,
                    recorded_at: time(int(row, "recorded_at")?)?,
                })
            })
            .collect()
    }

    async fn exported_platform_notes(
        &self,
        platform: Platform,
        platform_user_id: &str,
    ) -> Result<Vec<ExportedPlatformNote>> {
        let rows = sqlx::query(
            "SELECT scope, name, value FROM platform_state \
             WHERE platform = $1 AND (scope = $2 OR value = $2) ORDER BY scope, name",
        )
        .bind(platform.as_str())
        .bind(platform_user_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(ExportedPlatformNote {
                    scope: text(row, "scope")?,
                    name: text(row, "name")?,
                    value: text(row, "value")?,
                })
            })
            .collect()
    }

    async fn member_keys(
        &self,
        connection: &mut sqlx::AnyConnection,
        member: MemberId,
    ) -> Result<MemberKeys> {
        let mut lists = Vec::new();
        for sql in [
            "SELECT id FROM bookings WHERE member_id = $1",
            "SELECT id FROM friend_requests WHERE from_member_id = $1 OR to_member_id = $1",
            "SELECT id FROM partner_messages WHERE from_member_id = $1 OR to_member_id = $1",
        ] {
            let ids = sqlx::query(sql)
                .bind(member.0)
                .fetch_all(&mut *connection)
                .await?
                .iter()
                .map(|row| int(row, "id"))
                .collect::<Result<Vec<i64>>>()?;
            lists.push(ids);
        }
        let [bookings, requests, messages] =
            <[Vec<i64>; 3]>::try_from(lists).map_err(|_| super::corrupt("three id lists"))?;
        let mut exact = Vec::new();
        exact.extend(bookings.iter().map(|id| format!("dm:remind:b{id}")));
        exact.extend(requests.iter().map(|id| format!("dm:friend:r{id}")));
        exact.extend(requests.iter().map(|id| format!("dm:friendok:r{id}")));
        exact.extend(messages.iter().map(|id| format!("dm:msg:p{id}")));
        Ok(MemberKeys {
            member_suffix: format!(":m{}", member.0),
            exact,
            weekly_prefixes: bookings
                .iter()
                .map(|id| format!("dm:weekly:b{id}:w"))
                .collect(),
        })
    }

    /// Deletes every row about `member` (whose account on `platform` is `platform_user_id`)
    /// in one transaction, keeping their attendance as anonymous counts. The platform's notes
    /// about the account go only when no other community of the platform still has the member
    /// (they are per account, not per community). Bookings should be cancelled first, through
    /// the usual path, so slots and partners see ordinary cancels.
    pub async fn erase_member(
        &self,
        member: MemberId,
        platform: Platform,
        platform_user_id: &str,
    ) -> Result<ErasureReport> {
        let mut tx = self.begin_write().await?;
        let mut report = ErasureReport::default();
        // Attendance first: counts per slot and outcome, then the rows themselves.
        sqlx::query(
            "INSERT INTO erased_attendance (slot_id, outcome, members) \
             SELECT slot_id, outcome, COUNT(*) FROM attendance WHERE member_id = $1 \
             GROUP BY slot_id, outcome \
             ON CONFLICT (slot_id, outcome) DO UPDATE SET members = erased_attendance.members + excluded.members",
        )
        .bind(member.0)
        .execute(&mut *tx)
        .await?;
        let attendance = sqlx::query("DELETE FROM attendance WHERE member_id = $1")
            .bind(member.0)
            .execute(&mut *tx)
            .await?;
        report
            .rows_deleted
            .push(("attendance", attendance.rows_affected()));

        let keys = self.member_keys(&mut tx, member).await?;
        let mut effects = sqlx::query("DELETE FROM effects WHERE key LIKE $1")
            .bind(format!("%{}", keys.member_suffix))
            .execute(&mut *tx)
            .await?
            .rows_affected();
        for key in &keys.exact {
            effects += sqlx::query("DELETE FROM effects WHERE key = $1")
                .bind(key)
                .execute(&mut *tx)
                .await?
                .rows_affected();
        }
        for prefix in &keys.weekly_prefixes {
            effects += sqlx::query("DELETE FROM effects WHERE key LIKE $1")
                .bind(format!("{prefix}%"))
                .execute(&mut *tx)
                .await?
                .rows_affected();
        }
        report.rows_deleted.push(("effects", effects));

        let jobs = sqlx::query(
            "DELETE FROM jobs WHERE booking_id IN (SELECT id FROM bookings WHERE member_id = $1) \
             OR (kind = 'rematch_now' AND key LIKE $2)",
        )
        .bind(member.0)
        // A member's "Rematch now" is keyed `rematch_now:slot:S:member:M`.
        .bind(format!("rematch_now:slot:%:member:{}", member.0))
        .execute(&mut *tx)
        .await?;
        report.rows_deleted.push(("jobs", jobs.rows_affected()));

        for entry in TABLES {
            if let TableCoverage::Member(condition) = entry.coverage {
                let sql = format!("DELETE FROM {} WHERE {condition}", entry.table);
                let deleted = sqlx::query(sqlx::AssertSqlSafe(sql))
                    .bind(member.0)
                    .execute(&mut *tx)
                    .await?;
                report
                    .rows_deleted
                    .push((entry.table, deleted.rows_affected()));
            }
        }

        let notes = sqlx::query(
            "DELETE FROM platform_state WHERE platform = $1 AND (scope = $2 OR value = $2) \
             AND NOT EXISTS (SELECT 1 FROM members m JOIN communities c ON c.id = m.community_id \
                             WHERE c.platform = $1 AND m.platform_user_id = $2)",
        )
        .bind(platform.as_str())
        .bind(platform_user_id)
        .execute(&mut *tx)
        .await?;
        report
            .rows_deleted
            .push(("platform_state", notes.rows_affected()));
        tx.commit().await?;
        Ok(report)
    }
}
