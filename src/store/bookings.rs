//! Slots and bookings.

use chrono::{DateTime, Utc};
use sqlx::any::AnyRow;
use sqlx::AnyConnection;

use super::{
    boolean, corrupt, flag, int, is_unique_violation, minutes, text, time, unix,
    write_statement_on, Backend, GroupedWrite, Result, ReturnedIntegers, Store, StoreError,
    WriteValue,
};
use crate::core::booking_rules::CancelKind;
use crate::core::model::{
    Booking, BookingId, BookingStatus, CommunityId, MemberId, Platform, Slot, SlotId,
};
use crate::core::schedule::{booking_jobs, PlannedJob};

/// A booking as a member asks for it: the slot is found or created by the store.
#[derive(Debug, Clone)]
pub struct NewBookingRequest {
    pub community_id: CommunityId,
    pub member_id: MemberId,
    pub starts_at: DateTime<Utc>,
    pub length_minutes: u32,
    pub recurring_weekly: bool,
    /// Also the "now" of the overlap check: the member's bookings ending after it are read.
    pub created_at: DateTime<Utc>,
    /// The most upcoming bookings the member may hold (`[limits] max_future_bookings`). The
    /// rule itself is the caller's `check`; the fast path, which shows `check` no
    /// bookings, only steps aside for the transaction when the member is at the cap.
    pub max_future_bookings: usize,
}

pub struct NewBooking {
    pub community_id: CommunityId,
    pub member_id: MemberId,
    pub slot_id: SlotId,
    pub recurring_weekly: bool,
    pub created_at: DateTime<Utc>,
}

/// How many active bookings one slot has (for the "who's booked when" view).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlotBookingCount {
    pub starts_at: DateTime<Utc>,
    pub length_minutes: u32,
    pub active_bookings: i64,
}

/// The columns `booking_from_row` reads (`b` = bookings, `s` = slots), as a literal so that
/// statements selecting more beside them (`concat!`) cannot drift from it.
macro_rules! booking_columns {
    () => {
        "b.id, b.community_id, b.member_id, b.slot_id, s.starts_at, s.length_minutes, b.status, \
         b.recurring_weekly, b.created_at"
    };
}
pub(super) use booking_columns;

/// A booking row joined with its slot.
const BOOKING_SELECT: &str = concat!(
    "SELECT ",
    booking_columns!(),
    " FROM bookings b JOIN slots s ON s.id = b.slot_id"
);

/// Inserts the booking, taking its slot id from the (community, start, length) slot in the
/// same statement; no row comes back when that slot does not exist yet.
const INSERT_BOOKING_INTO_SLOT: &str = "INSERT INTO bookings \
    (community_id, member_id, slot_id, status, recurring_weekly, created_at) \
    SELECT $1, $2, s.id, 'active', $3, $4 FROM slots s \
    WHERE s.community_id = $1 AND s.starts_at = $5 AND s.length_minutes = $6 \
    RETURNING id, slot_id";

/// [`INSERT_BOOKING_INTO_SLOT`] that also refuses a booking overlapping one of the member's
/// active bookings ($7 = the new session's end), or one that would take the member past
/// $8 upcoming bookings (the transaction path then asks the rules, which say why). On SQLite a
/// write statement takes the write lock before it reads, so this one statement is as safe as
/// the transaction path.
const INSERT_BOOKING_INTO_EXISTING_SLOT_UNLESS_OVERLAPPING: &str = "INSERT INTO bookings \
    (community_id, member_id, slot_id, status, recurring_weekly, created_at) \
    SELECT $1, $2, s.id, 'active', $3, $4 FROM slots s \
    WHERE s.community_id = $1 AND s.starts_at = $5 AND s.length_minutes = $6 \
      AND NOT EXISTS (SELECT 1 FROM bookings b JOIN slots o ON o.id = b.slot_id \
                      WHERE b.member_id = $2 AND b.status = 'active' \
                        AND o.starts_at < $7 AND o.starts_at + o.length_minutes * 60 > $5) \
      AND (SELECT COUNT(*) FROM bookings h JOIN slots hs ON hs.id = h.slot_id \
           WHERE h.member_id = $2 AND h.status = 'active' AND hs.starts_at > $4) < $8 \
    RETURNING id, slot_id";

/// [`INSERT_BOOKING_INTO_EXISTING_SLOT_UNLESS_OVERLAPPING`] on PostgreSQL, with the same
/// parameters: a function (migrations/postgres/0015) that first locks the member row, then
/// inserts with a fresh snapshot, so it is as safe as the transaction path in one round trip.
const BOOK_INTO_EXISTING_SLOT_UNLESS_OVERLAPPING_ON_POSTGRES: &str =
    "SELECT booking_id, booked_slot_id FROM \
     book_into_existing_slot_unless_overlapping($1, $2, $3, $4, $5, $6, $7, $8)";

/// Rows per `INSERT INTO jobs` statement: 5 parameters each, far below both backends' limits.
const JOBS_PER_STATEMENT: usize = 200;

impl Store {
    /// Books `request` atomically.
    ///
    /// `check` is first called with no bookings, so requests that break a rule regardless of
    /// other bookings never touch the database. Then:
    ///
    /// - **the fast path** (not weekly, the slot exists, nothing overlaps): one statement
    ///   inserts the booking (on PostgreSQL one call of a function that locks the member
    ///   first). A slot's jobs were written with the slot, so there is nothing else to write —
    ///   this is what keeps booking throughput close to a bare insert;
    /// - **otherwise** one write transaction with one commit: reads the member's active bookings
    ///   ending after `request.created_at` (on PostgreSQL after locking the member row, so two
    ///   bookings of one member are checked one at a time; SQLite's `BEGIN IMMEDIATE` already
    ///   serialises writers); asks `check` about them (a rejection rolls back and comes back
    ///   as `Ok(Err(rejection))`); finds or creates the slot and inserts the booking
    ///   ([`StoreError::BookingConflict`] if the member already has an active booking there);
    ///   and, when it created the slot, inserts every job `jobs` plans for it in one
    ///   statement (keys that exist already are skipped), plus the booking's own jobs
    ///   (`core::schedule::booking_jobs`: a weekly booking's roll-forward). A weekly booking
    ///   always takes this path, so its roll-forward job is committed with it.
    ///
    /// When this returns `Ok(Ok(_))` the booking (and a new slot's jobs) are committed.
    pub async fn create_booking_with_jobs<R>(
        &self,
        request: &NewBookingRequest,
        check: impl Fn(&[Booking]) -> std::result::Result<(), R>,
        jobs: impl FnOnce(&Slot) -> Vec<PlannedJob>,
    ) -> Result<std::result::Result<(Slot, Booking), R>> {
        if let Err(rejection) = check(&[]) {
            return Ok(Err(rejection));
        }
        if !request.recurring_weekly {
            let inserted = self
                .write_statement(booking_insert(request, RefuseOverlap::Yes(self.backend)))
                .await;
            if let Some(ids) = booking_conflict_if_unique_violation(inserted)? {
                return Ok(Ok(booked_from_ids(request, &ids)?));
            }
            // No slot yet, or an overlap: the transaction below finds out which and says so.
        }
        let mut tx = self.begin_write().await?;
        if self.backend == Backend::Postgres {
            sqlx::query("SELECT id FROM members WHERE id = $1 FOR UPDATE")
                .bind(request.member_id.0)
                .fetch_optional(&mut *tx)
                .await?;
        }
        let existing =
            active_bookings_for_member_on(&mut tx, request.member_id, request.created_at).await?;
        if let Err(rejection) = check(&existing) {
            return Ok(Err(rejection)); // dropping `tx` rolls back (nothing was written)
        }
        let (ids, slot_created) = match insert_booking_into_slot(&mut tx, request).await? {
            Some(ids) => (ids, false),
            None => {
                insert_slot_if_missing(
                    &mut *tx,
                    request.community_id,
                    request.starts_at,
                    request.length_minutes,
                )
                .await?;
                let ids = insert_booking_into_slot(&mut tx, request)
                    .await?
                    .ok_or_else(|| {
                        StoreError::NotFound(format!(
                            "slot {} ({} min)",
                            request.starts_at, request.length_minutes
                        ))
                    })?;
                (ids, true)
            }
        };
        let (slot, booking) = booked_from_ids(request, &ids)?;
        let mut planned = booking_jobs(&booking);
        if slot_created {
            // A slot and its jobs are committed together, so an existing slot has its jobs
            // (the startup sweep re-plans any a crash could have left out elsewhere).
            planned.extend(jobs(&slot));
        }
        insert_jobs(&mut tx, &planned).await?;
        tx.commit().await?;
        Ok(Ok((slot, booking)))
    }

    /// Inserts the jobs whose keys do not exist yet, in as few statements as possible (one for
    /// a slot's six); returns how many were new.
    pub async fn schedule_jobs(&self, jobs: &[PlannedJob]) -> Result<u64> {
        if jobs.is_empty() {
            return Ok(0);
        }
        let mut conn = self.pool.acquire().await?;
        insert_jobs(&mut conn, jobs).await
    }

    /// The slot (community, start, length), created if missing. Race-safe: concurrent callers
    /// get the same row.
    pub async fn ensure_slot(
        &self,
        community_id: CommunityId,
        starts_at: DateTime<Utc>,
        length_minutes: u32,
    ) -> Result<Slot> {
        if let Some(slot) = self
            .find_slot(community_id, starts_at, length_minutes)
            .await?
        {
            return Ok(slot);
        }
        insert_slot_if_missing(&self.pool, community_id, starts_at, length_minutes).await?;
        self.find_slot(community_id, starts_at, length_minutes)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("slot {starts_at} ({length_minutes} min)")))
    }

    pub async fn slot(&self, id: SlotId) -> Result<Slot> {
        let row = sqlx::query(
            "SELECT id, community_id, starts_at, length_minutes FROM slots WHERE id = $1",
        )
        .bind(id.0)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|row| slot_from_row(&row))
            .transpose()?
            .ok_or_else(|| StoreError::NotFound(format!("slot {id}")))
    }

    /// Inserts an active booking; [`StoreError::BookingConflict`] if the member already has an
    /// active booking for this slot (the partial unique index decides, so races are safe too).
    pub async fn create_booking(&self, new: &NewBooking) -> Result<Booking> {
        let inserted = sqlx::query(
            "INSERT INTO bookings (community_id, member_id, slot_id, status, recurring_weekly, created_at) \
             VALUES ($1, $2, $3, 'active', $4, $5) RETURNING id",
        )
        .bind(new.community_id.0)
        .bind(new.member_id.0)
        .bind(new.slot_id.0)
        .bind(flag(new.recurring_weekly))
        .bind(unix(new.created_at))
        .fetch_one(&self.pool)
        .await;
        let row = match inserted {
            Ok(row) => row,
            Err(error) if is_unique_violation(&error) => return Err(StoreError::BookingConflict),
            Err(error) => return Err(error.into()),
        };
        let id = BookingId(int(&row, "id")?);
        self.booking(id)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("booking {id}")))
    }

    /// Active -> cancelled; a late cancel also bumps the member's `late_cancels`, in the same
    /// transaction. `false` if the booking was not active (or does not exist).
    pub async fn cancel_booking(&self, id: BookingId, kind: CancelKind) -> Result<bool> {
        let mut tx = self.begin_write().await?;
        let row = sqlx::query(
            "UPDATE bookings SET status = 'cancelled', cancelled_late = $2 \
             WHERE id = $1 AND status = 'active' RETURNING member_id",
        )
        .bind(id.0)
        // Dated per booking (migration 0011), so reliability can look at recent sessions only.
        .bind(i64::from(kind == CancelKind::Late))
        .fetch_optional(&mut *tx)
        .await?;
        let Some(row) = row else {
            return Ok(false); // dropping `tx` rolls back the (empty) transaction
        };
        if kind == CancelKind::Late {
            sqlx::query("UPDATE members SET late_cancels = late_cancels + 1 WHERE id = $1")
                .bind(int(&row, "member_id")?)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(true)
    }

    /// Ends the weekly series of these bookings: each stays as it is (active or cancelled) but
    /// is no longer weekly, so its roll-forward job books nothing. Returns how many changed.
    pub async fn stop_recurring(&self, ids: &[BookingId]) -> Result<u64> {
        let mut tx = self.begin_write().await?;
        let mut changed = 0;
        for id in ids {
            changed += sqlx::query(
                "UPDATE bookings SET recurring_weekly = 0 WHERE id = $1 AND recurring_weekly = 1",
            )
            .bind(id.0)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        }
        tx.commit().await?;
        Ok(changed)
    }

    /// The member's weekly bookings (active or cancelled) whose session ends after
    /// `ending_after`, by start time: the occurrences a series may still have ahead.
    pub async fn weekly_bookings_for_member(
        &self,
        member_id: MemberId,
        ending_after: DateTime<Utc>,
    ) -> Result<Vec<Booking>> {
        let sql = format!(
            "{BOOKING_SELECT} WHERE b.member_id = $1 AND b.recurring_weekly = 1 \
             AND s.starts_at + s.length_minutes * 60 > $2 ORDER BY s.starts_at, b.id"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(member_id.0)
            .bind(unix(ending_after))
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(booking_from_row).collect()
    }

    pub async fn booking(&self, id: BookingId) -> Result<Option<Booking>> {
        let sql = format!("{BOOKING_SELECT} WHERE b.id = $1");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(id.0)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|row| booking_from_row(&row)).transpose()
    }

    /// The member's active bookings whose session ends after `ending_after`, by start time.
    pub async fn active_bookings_for_member(
        &self,
        member_id: MemberId,
        ending_after: DateTime<Utc>,
    ) -> Result<Vec<Booking>> {
        let mut conn = self.pool.acquire().await?;
        active_bookings_for_member_on(&mut conn, member_id, ending_after).await
    }

    /// Active bookings of this platform's communities whose session starts after `t`, by
    /// start time (the startup sweep reads slots and weekly bookings instead, see
    /// `upcoming_booked_slots`).
    pub async fn active_bookings_starting_after(
        &self,
        t: DateTime<Utc>,
        platform: Platform,
    ) -> Result<Vec<Booking>> {
        let sql = format!(
            "{BOOKING_SELECT} WHERE b.status = 'active' AND s.starts_at > $1 \
             AND s.community_id IN (SELECT id FROM communities WHERE platform = $2) \
             ORDER BY s.starts_at, s.length_minutes, b.id"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(unix(t))
            .bind(platform.as_str())
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(booking_from_row).collect()
    }

    /// Upcoming slots of this platform's communities with at least one active booking, by
    /// start: what the startup sweep checks jobs for. One row per slot, however many bookings
    /// (a sweep over 100,000 bookings must not hold them all in memory).
    pub async fn upcoming_booked_slots(
        &self,
        t: DateTime<Utc>,
        platform: Platform,
    ) -> Result<Vec<Slot>> {
        let rows = sqlx::query(
            "SELECT s.id, s.community_id, s.starts_at, s.length_minutes FROM slots s \
             WHERE s.starts_at > $1 \
             AND s.community_id IN (SELECT id FROM communities WHERE platform = $2) \
             AND EXISTS (SELECT 1 FROM bookings b WHERE b.slot_id = s.id AND b.status = 'active') \
             ORDER BY s.starts_at, s.length_minutes, s.id",
        )
        .bind(unix(t))
        .bind(platform.as_str())
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(slot_from_row).collect()
    }

    /// Upcoming active weekly bookings of this platform's communities: each has its own
    /// roll-forward job.
    pub async fn upcoming_weekly_bookings(
        &self,
        t: DateTime<Utc>,
        platform: Platform,
    ) -> Result<Vec<Booking>> {
        let sql = format!(
            "{BOOKING_SELECT} WHERE b.status = 'active' AND b.recurring_weekly = 1 \
             AND s.starts_at > $1 \
             AND s.community_id IN (SELECT id FROM communities WHERE platform = $2) \
             ORDER BY s.starts_at, b.id"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(unix(t))
            .bind(platform.as_str())
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(booking_from_row).collect()
    }

    /// The slot's active bookings, by id (booking order).
    pub async fn active_bookings_for_slot(&self, slot_id: SlotId) -> Result<Vec<Booking>> {
        let sql =
            format!("{BOOKING_SELECT} WHERE b.slot_id = $1 AND b.status = 'active' ORDER BY b.id");
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(slot_id.0)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(booking_from_row).collect()
    }

    /// Slots of the community starting in `[from, to)` with at least one active booking, by
    /// start time then length.
    pub async fn slot_booking_counts(
        &self,
        community_id: CommunityId,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<SlotBookingCount>> {
        let rows = sqlx::query(
            "SELECT s.starts_at, s.length_minutes, COUNT(*) AS active_bookings \
             FROM slots s JOIN bookings b ON b.slot_id = s.id AND b.status = 'active' \
             WHERE s.community_id = $1 AND s.starts_at >= $2 AND s.starts_at < $3 \
             GROUP BY s.id, s.starts_at, s.length_minutes \
             ORDER BY s.starts_at, s.length_minutes",
        )
        .bind(community_id.0)
        .bind(unix(from))
        .bind(unix(to))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(SlotBookingCount {
                    starts_at: time(int(row, "starts_at")?)?,
                    length_minutes: minutes(int(row, "length_minutes")?)?,
                    active_bookings: int(row, "active_bookings")?,
                })
            })
            .collect()
    }

    async fn find_slot(
        &self,
        community_id: CommunityId,
        starts_at: DateTime<Utc>,
        length_minutes: u32,
    ) -> Result<Option<Slot>> {
        let row = sqlx::query(
            "SELECT id, community_id, starts_at, length_minutes FROM slots \
             WHERE community_id = $1 AND starts_at = $2 AND length_minutes = $3",
        )
        .bind(community_id.0)
        .bind(unix(starts_at))
        .bind(i64::from(length_minutes))
        .fetch_optional(&self.pool)
        .await?;
        row.map(|row| slot_from_row(&row)).transpose()
    }
}

async fn active_bookings_for_member_on(
    conn: &mut AnyConnection,
    member_id: MemberId,
    ending_after: DateTime<Utc>,
) -> Result<Vec<Booking>> {
    let sql = format!(
        "{BOOKING_SELECT} WHERE b.member_id = $1 AND b.status = 'active' \
         AND s.starts_at + s.length_minutes * 60 > $2 ORDER BY s.starts_at, s.length_minutes, b.id"
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(member_id.0)
        .bind(unix(ending_after))
        .fetch_all(&mut *conn)
        .await?;
    rows.iter().map(booking_from_row).collect()
}

/// The slot and booking a successful insert made: ids from the `RETURNING id, slot_id` row,
/// everything else from the request, read back the way the columns store it.
fn booked_from_ids(request: &NewBookingRequest, ids: &[i64]) -> Result<(Slot, Booking)> {
    let &[booking_id, slot_id] = ids else {
        return Err(corrupt(format!(
            "booking insert returned {ids:?}, not (id, slot_id)"
        )));
    };
    let slot = Slot {
        id: SlotId(slot_id),
        community_id: request.community_id,
        starts_at: time(unix(request.starts_at))?,
        length_minutes: request.length_minutes,
    };
    let booking = Booking {
        id: BookingId(booking_id),
        community_id: request.community_id,
        member_id: request.member_id,
        slot_id: slot.id,
        starts_at: slot.starts_at,
        length_minutes: slot.length_minutes,
        status: BookingStatus::Active,
        recurring_weekly: request.recurring_weekly,
        created_at: time(unix(request.created_at))?,
    };
    Ok((slot, booking))
}

/// [`INSERT_BOOKING_INTO_SLOT`] on `conn`: `(id, slot_id)`, or `None` if the slot does not
/// exist; `BookingConflict` if the member already has an active booking in it.
async fn insert_booking_into_slot(
    conn: &mut AnyConnection,
    request: &NewBookingRequest,
) -> Result<ReturnedIntegers> {
    booking_conflict_if_unique_violation(
        write_statement_on(&mut *conn, booking_insert(request, RefuseOverlap::No)).await,
    )
}

#[derive(PartialEq)]
enum RefuseOverlap {
    /// The fast path's statement, which differs by backend.
    Yes(Backend),
    No,
}

/// The statement inserting the booking into its existing slot (optionally unless it overlaps
/// another of the member's bookings); it returns `(id, slot_id)`, or no row.
fn booking_insert(request: &NewBookingRequest, refuse_overlap: RefuseOverlap) -> GroupedWrite {
    let sql = match refuse_overlap {
        RefuseOverlap::Yes(Backend::Sqlite) => INSERT_BOOKING_INTO_EXISTING_SLOT_UNLESS_OVERLAPPING,
        RefuseOverlap::Yes(Backend::Postgres) => {
            BOOK_INTO_EXISTING_SLOT_UNLESS_OVERLAPPING_ON_POSTGRES
        }
        RefuseOverlap::No => INSERT_BOOKING_INTO_SLOT,
    };
    let mut values = vec![
        WriteValue::Integer(request.community_id.0),
        WriteValue::Integer(request.member_id.0),
        WriteValue::Integer(flag(request.recurring_weekly)),
        WriteValue::Integer(unix(request.created_at)),
        WriteValue::Integer(unix(request.starts_at)),
        WriteValue::Integer(i64::from(request.length_minutes)),
    ];
    if refuse_overlap != RefuseOverlap::No {
        let ends_at = request.starts_at + chrono::Duration::minutes(request.length_minutes.into());
        values.push(WriteValue::Integer(unix(ends_at)));
        values.push(WriteValue::Integer(
            i64::try_from(request.max_future_bookings).unwrap_or(i64::MAX),
        ));
    }
    GroupedWrite { sql, values }
}

/// The partial unique index (one active booking per member and slot) said no.
fn booking_conflict_if_unique_violation<T>(result: Result<T>) -> Result<T> {
    match result {
        Err(StoreError::UniqueViolation(_)) => Err(StoreError::BookingConflict),
        other => other,
    }
}

/// Multi-row `INSERT … ON CONFLICT (key) DO NOTHING`; returns how many rows were new.
async fn insert_jobs(conn: &mut AnyConnection, jobs: &[PlannedJob]) -> Result<u64> {
    let mut inserted = 0;
    for chunk in jobs.chunks(JOBS_PER_STATEMENT) {
        let rows = (0..chunk.len())
            .map(|row| {
                let p = row * 5;
                format!(
                    "(${}, ${}, ${}, ${}, ${}, 'pending', 0)",
                    p + 1,
                    p + 2,
                    p + 3,
                    p + 4,
                    p + 5
                )
            })
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!(
            "INSERT INTO jobs (key, kind, slot_id, booking_id, due_at, status, attempts) \
             VALUES {rows} ON CONFLICT (key) DO NOTHING"
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for job in chunk {
            query = query
                .bind(job.key.as_str())
                .bind(job.kind.as_str())
                .bind(job.slot_id.map(|id| id.0))
                .bind(job.booking_id.map(|id| id.0))
                .bind(unix(job.due_at));
        }
        inserted += query.execute(&mut *conn).await?.rows_affected();
    }
    Ok(inserted)
}

pub(super) fn slot_from_row(row: &AnyRow) -> Result<Slot> {
    Ok(Slot {
        id: SlotId(int(row, "id")?),
        community_id: CommunityId(int(row, "community_id")?),
        starts_at: time(int(row, "starts_at")?)?,
        length_minutes: minutes(int(row, "length_minutes")?)?,
    })
}

pub(super) fn booking_from_row(row: &AnyRow) -> Result<Booking> {
    let status = match text(row, "status")?.as_str() {
        "active" => BookingStatus::Active,
        "cancelled" => BookingStatus::Cancelled,
        other => return Err(corrupt(format!("booking status {other:?}"))),
    };
    Ok(Booking {
        id: BookingId(int(row, "id")?),
        community_id: CommunityId(int(row, "community_id")?),
        member_id: MemberId(int(row, "member_id")?),
        slot_id: SlotId(int(row, "slot_id")?),
        starts_at: time(int(row, "starts_at")?)?,
        length_minutes: minutes(int(row, "length_minutes")?)?,
        status,
        recurring_weekly: boolean(int(row, "recurring_weekly")?, "recurring_weekly")?,
        created_at: time(int(row, "created_at")?)?,
    })
}

/// The one slot insert: a no-op when the (community, start, length) slot exists already, so
/// concurrent first bookings of a slot agree on one row. Runs on a pool or inside a
/// transaction.
async fn insert_slot_if_missing<'e, E>(
    executor: E,
    community_id: CommunityId,
    starts_at: DateTime<Utc>,
    length_minutes: u32,
) -> Result<()>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    sqlx::query(
        "INSERT INTO slots (community_id, starts_at, length_minutes) VALUES ($1, $2, $3) \
         ON CONFLICT (community_id, starts_at, length_minutes) DO NOTHING",
    )
    .bind(community_id.0)
    .bind(unix(starts_at))
    .bind(i64::from(length_minutes))
    .execute(executor)
    .await?;
    Ok(())
}
