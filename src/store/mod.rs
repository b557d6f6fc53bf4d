//! Durable state: communities, members, slots, bookings, relations, groups, the job schedule
//! and the effect log.
//!
//! # Decision: one store over `sqlx::Any`, portable SQL, two backends
//!
//! There is exactly one [`Store`]. It talks to an [`sqlx::AnyPool`] with portable SQL, so the
//! same code and the same test suite (`tests/store.rs`) run on
//!
//! * **SQLite** — the embedded default (`sqlite://path/to/focusfolk.sqlite` or `sqlite:path`): the
//!   file is created if missing, and every connection runs in WAL mode with a 5 s busy timeout
//!   and foreign keys on (set in `after_connect`, because `Any` connect options cannot carry
//!   SQLite pragmas);
//! * **PostgreSQL** — scale-out (`postgres://…`): several bot instances share one database.
//!
//! `sqlx::Any` carries only integers, floats, text and blobs, which fixes the representation:
//!
//! * times are `INTEGER`/`BIGINT` unix seconds, converted to `DateTime<Utc>` at the store edge
//!   (sub-second precision is dropped);
//! * durations are integer seconds; booleans are integers 0/1;
//! * enums are lower-case `TEXT` guarded by `CHECK` constraints;
//! * time zones are IANA names as `TEXT`, parsed with `chrono-tz` at the edge;
//! * allowed session lengths are `TEXT` like `"25,50,75"`.
//!
//! Unknown enum text, a bad zone name or an out-of-range number read back from the database is
//! [`StoreError::Corrupt`], never a panic. `$N` placeholders work on both backends, and ids come
//! back with `RETURNING id` (`INTEGER PRIMARY KEY` on SQLite, `BIGSERIAL` on PostgreSQL).
//!
//! Invariants live in the schema, not only in code: foreign keys, one *active* booking per
//! member and slot (a partial unique index), unique job and effect keys, unique slots,
//! members and communities, `CHECK`s on enums and lengths. Races are settled by the database:
//! `ensure_*` reads first (the usual case: one `SELECT`, no write) and only when the row is
//! missing runs `INSERT … ON CONFLICT DO NOTHING RETURNING …`, falling back to a `SELECT` if a
//! concurrent caller won the insert.
//!
//! # Decision: a booking is one write transaction
//!
//! [`Store::create_booking_with_jobs`] reads the member's active bookings, lets the caller's
//! rules decide, finds or creates the slot, inserts the booking and every job it needs in one
//! transaction with one commit, so a booking is never stored without its schedule and the
//! overlap check cannot race another booking of the same member. Write transactions start with
//! [`Store::begin_write`]: `BEGIN IMMEDIATE` on SQLite (the write lock is taken up front, so a
//! read-then-write transaction never fails to upgrade its lock under concurrency), a plain
//! `BEGIN` on PostgreSQL (which locks the member row instead).
//!
//! The common booking (not weekly, into a slot that exists, no overlap, under the cap) skips
//! the transaction: one statement on SQLite, whose write lock is taken before it reads; on
//! PostgreSQL one call of a plpgsql function (migration 0015) that locks the member row and
//! then inserts with a fresh snapshot, which one plain statement could not do safely under
//! READ COMMITTED. Anything else falls back to the transaction, whose rules say why.
//!
//! Job claiming also differs per backend: PostgreSQL adds `FOR UPDATE SKIP LOCKED` so several
//! instances claim different jobs without waiting on each other (see `jobs.rs`).
//!
//! # Decision: SQLite's single-statement booking writes share commits
//!
//! [`Store::write_statement`] runs one constant-SQL statement. On a SQLite file it goes through
//! the group commit (`group_commit.rs`): statements that arrive together share one transaction,
//! on a writer thread with its own `rusqlite` connection. On PostgreSQL (and in-memory SQLite)
//! it runs through sqlx like everything else. `book` uses it for a new member's row and for the
//! booking fast path; SQLite write transactions ([`Store::begin_write`]) take turns with it
//! through a fair write gate.
//!
//! Migrations are embedded per backend (`migrations/sqlite`, `migrations/postgres`; same tables,
//! same names, only the column types differ) and run through the `Any` connection.
//! [`Store::connect`] does not migrate; [`Store::connect_and_migrate`] does.

mod bookings;
mod check_ins;
mod chores;
mod communities;
mod effects;
mod friends;
mod group_commit;
mod groups;
mod jobs;
mod locked_invitations;
mod member_stats;
mod members;
mod operations;
mod partner_messages;
mod planned_jobs;
mod platform_state;
pub mod privacy;
mod relations;
mod rematch;
mod session_choices;
mod web_links;

pub use bookings::{NewBooking, NewBookingRequest, SlotBookingCount};
pub use check_ins::Snooze;
pub use chores::PruneReport;
pub use effects::EffectRecord;
pub use friends::FriendLists;
pub use locked_invitations::NewInvitation;
pub use members::MAX_NAMESAKES;
pub use operations::{CommunityFigures, JobListFilter, JobListing, JobRetry};
pub use session_choices::SlotBookingWithChoices;
pub use web_links::{AttendanceCounts, CommunityPage};

pub use group_commit::GroupCommitStats;
use group_commit::{GroupedWrite, ReturnedIntegers, SqliteGroupCommit, WriteValue};

use std::path::PathBuf;
use std::str::FromStr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use sqlx::any::AnyPoolOptions;
use sqlx::migrate::Migrator;
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{AnyConnection, AnyPool, Connection, Executor, Row};

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("migrations/sqlite");
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("migrations/postgres");

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The database handle. Cheap to clone (the pool is shared).
#[derive(Clone)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
    /// Bumped by every local change of community settings; in-process caches of communities
    /// compare it to drop what they hold (see `Engine::community_for`).
    community_generation: Arc<AtomicU64>,
    /// The config's `[community_defaults]`: what a community follows where it changed nothing
    /// (its rows in `community_settings` are only the keys it changed). Shared by clones; the
    /// engine hands it over (`Store::use_community_defaults`).
    community_defaults: Arc<std::sync::RwLock<crate::core::model::CommunitySettings>>,
    /// SQLite only: grouped single-statement writes and the write gate (see `group_commit`).
    sqlite_writes: Option<Arc<SqliteGroupCommit>>,
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("booking conflicts with an existing active booking")]
    BookingConflict,
    #[error("not found: {0}")]
    NotFound(String),
    #[error("invalid data in database: {0}")]
    Corrupt(String),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
    #[error(transparent)]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// A single-statement write broke a unique constraint (see [`Store::write_statement`]).
    #[error("unique constraint violated: {0}")]
    UniqueViolation(String),
    /// A grouped write failed, or something else in its group did (see `group_commit`);
    /// nothing of it is in the database.
    #[error("write not committed: {0}")]
    NotCommitted(String),
}

type Result<T, E = StoreError> = std::result::Result<T, E>;

/// The pool size when the caller does not choose one (`[database] max_connections`).
pub const DEFAULT_MAX_CONNECTIONS: u32 = 5;

impl Store {
    /// Connects without migrating. The URL picks the backend: `sqlite:`/`sqlite://` or
    /// `postgres://`/`postgresql://`.
    pub async fn connect(url: &str) -> Result<Store> {
        Store::connect_with_pool_size(url, DEFAULT_MAX_CONNECTIONS).await
    }

    /// [`Store::connect`] with at most `max_connections` connections (an in-memory SQLite
    /// database always has exactly one: it lives as long as its connection).
    pub async fn connect_with_pool_size(url: &str, max_connections: u32) -> Result<Store> {
        sqlx::any::install_default_drivers();
        let backend = backend_of(url)?;
        let max_connections = max_connections.max(1);
        let (pool, sqlite_writes) = match backend {
            Backend::Postgres => {
                let url = without_unknown_postgres_parameters(url);
                let pool = postgres_pool_options(max_connections).connect(&url).await?;
                (pool, None)
            }
            Backend::Sqlite => {
                let (pool, file) = connect_sqlite(url, max_connections).await?;
                let group_commit = match file {
                    Some(path) => Some(Arc::new(
                        SqliteGroupCommit::start(path).map_err(sqlx::Error::Io)?,
                    )),
                    None => None,
                };
                (pool, group_commit)
            }
        };
        Ok(Store {
            pool,
            backend,
            community_generation: Arc::new(AtomicU64::new(0)),
            community_defaults: Arc::default(),
            sqlite_writes,
        })
    }

    pub async fn connect_and_migrate(url: &str) -> Result<Store> {
        Store::connect_and_migrate_with_pool_size(url, DEFAULT_MAX_CONNECTIONS).await
    }

    pub async fn connect_and_migrate_with_pool_size(
        url: &str,
        max_connections: u32,
    ) -> Result<Store> {
        let store = Store::connect_with_pool_size(url, max_connections).await?;
        store.migrate().await?;
        Ok(store)
    }

    /// The most connections the pool opens.
    pub fn max_connections(&self) -> u32 {
        self.pool.options().get_max_connections()
    }

    /// Applies the embedded migrations of this backend; a no-op when they are applied already.
    /// On PostgreSQL concurrent callers are serialised by sqlx's advisory lock.
    pub async fn migrate(&self) -> Result<()> {
        let migrator = match self.backend {
            Backend::Sqlite => &SQLITE_MIGRATIONS,
            Backend::Postgres => &POSTGRES_MIGRATIONS,
        };
        migrator.run(&self.pool).await?;
        Ok(())
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Changes whenever this process (through any clone of this store) updates a community's
    /// settings. A cache that remembers the value it saw knows when its copy is stale.
    pub fn community_generation(&self) -> u64 {
        self.community_generation.load(Ordering::Acquire)
    }

    /// Starts a write transaction. SQLite: `BEGIN IMMEDIATE` takes the database's write lock
    /// now (waiting up to the busy timeout), so a transaction that reads before it writes
    /// never hits `SQLITE_BUSY` on upgrading a read lock; the write gate is taken first, so
    /// this transaction takes its turn with the grouped writes instead of polling for the lock
    /// behind them (so never call [`Store::write_statement`] while holding one: the writer
    /// would wait for this gate). PostgreSQL: a plain `BEGIN`.
    async fn begin_write(&self) -> Result<WriteTransaction> {
        let gate = match &self.sqlite_writes {
            Some(sqlite_writes) => Some(sqlite_writes.enter_gate().await),
            None => None,
        };
        let transaction = match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await?,
            Backend::Postgres => self.pool.begin().await?,
        };
        Ok(WriteTransaction {
            transaction,
            _gate: gate,
        })
    }

    /// Runs one write statement and returns the integers of its `RETURNING` row, if any. On
    /// SQLite it joins the next group commit (see `group_commit`); on PostgreSQL it runs on its
    /// own, as concurrent PostgreSQL writers do not queue for one lock.
    async fn write_statement(&self, write: GroupedWrite) -> Result<ReturnedIntegers> {
        if let Some(sqlite_writes) = &self.sqlite_writes {
            return sqlite_writes.write(write).await;
        }
        write_statement_on(&self.pool, write).await
    }

    /// How many SQLite commits the group commit made and how many writes they carried; `None`
    /// without one (PostgreSQL, or an in-memory database).
    pub fn group_commit_stats(&self) -> Option<GroupCommitStats> {
        self.sqlite_writes.as_ref().map(|writes| writes.stats())
    }
}

/// Runs `write` through sqlx on `executor` (PostgreSQL, or inside a SQLite transaction).
async fn write_statement_on<'c>(
    executor: impl Executor<'c, Database = sqlx::Any>,
    write: GroupedWrite,
) -> Result<ReturnedIntegers> {
    let mut query = sqlx::query(write.sql);
    for value in write.values {
        query = match value {
            WriteValue::Integer(integer) => query.bind(integer),
            WriteValue::Text(text) => query.bind(text),
        };
    }
    match query.fetch_optional(executor).await {
        Ok(row) => row
            .map(|row| {
                (0..row.len())
                    .map(|column| Ok(row.try_get::<i64, _>(column)?))
                    .collect()
            })
            .transpose(),
        Err(error) if is_unique_violation(&error) => {
            Err(StoreError::UniqueViolation(error.to_string()))
        }
        Err(error) => Err(error.into()),
    }
}

/// A write transaction, holding SQLite's write gate until it ends. Derefs to the connection,
/// like [`sqlx::Transaction`]; dropping it uncommitted rolls back.
struct WriteTransaction {
    transaction: sqlx::Transaction<'static, sqlx::Any>,
    _gate: Option<tokio::sync::OwnedMutexGuard<()>>,
}

impl WriteTransaction {
    async fn commit(self) -> Result<()> {
        Ok(self.transaction.commit().await?)
    }
}

impl std::ops::Deref for WriteTransaction {
    type Target = AnyConnection;
    fn deref(&self) -> &AnyConnection {
        &self.transaction
    }
}

impl std::ops::DerefMut for WriteTransaction {
    fn deref_mut(&mut self) -> &mut AnyConnection {
        &mut self.transaction
    }
}

fn backend_of(url: &str) -> Result<Backend> {
    if url.starts_with("sqlite:") {
        Ok(Backend::Sqlite)
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(Backend::Postgres)
    } else {
        let scheme = url.split(':').next().unwrap_or_default();
        Err(sqlx::Error::Configuration(
            format!("unsupported database URL scheme {scheme:?}: use sqlite: or postgres://")
                .into(),
        )
        .into())
    }
}

/// The query parameters sqlx's PostgreSQL driver reads (sqlx-postgres 0.9 `options/parse.rs`).
const POSTGRES_PARAMETERS: &[&str] = &[
    "sslmode",
    "ssl-mode",
    "sslrootcert",
    "ssl-root-cert",
    "ssl-ca",
    "sslcert",
    "ssl-cert",
    "sslkey",
    "ssl-key",
    "statement-cache-capacity",
    "host",
    "hostaddr",
    "port",
    "dbname",
    "user",
    "password",
    "application_name",
    "options",
];

/// The URL without the query parameters the PostgreSQL driver would ignore anyway. sqlx logs
/// each one it ignores *with its value* at every connection attempt, and libpq-only ones such as
/// `sslpassword` are credentials; here only their names are logged, once.
fn without_unknown_postgres_parameters(url: &str) -> String {
    let Some((base, query)) = url.split_once('?') else {
        return url.to_string();
    };
    let (query, fragment) = match query.split_once('#') {
        Some((query, fragment)) => (query, Some(fragment)),
        None => (query, None),
    };
    let mut kept = Vec::new();
    for pair in query.split('&').filter(|pair| !pair.is_empty()) {
        let key = percent_decoded(pair.split('=').next().unwrap_or_default());
        let known = POSTGRES_PARAMETERS.contains(&key.as_str())
            || (key.starts_with("options[") && key.ends_with(']'));
        if known {
            kept.push(pair);
        } else {
            tracing::warn!(
                parameter = %key,
                "ignoring a database URL parameter the PostgreSQL driver does not use (value not shown)"
            );
        }
    }
    let mut out = base.to_string();
    if !kept.is_empty() {
        out.push('?');
        out.push_str(&kept.join("&"));
    }
    if let Some(fragment) = fragment {
        out.push('#');
        out.push_str(fragment);
    }
    out
}

/// `%XX` escapes and `+` decoded, as the URL's query pairs are read (invalid escapes stay).
fn percent_decoded(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        let hex = |at: usize| {
            bytes
                .get(at)
                .and_then(|b| char::from(*b).to_digit(16))
                .map(|d| d as u8)
        };
        match bytes[index] {
            b'%' => match (hex(index + 1), hex(index + 2)) {
                (Some(high), Some(low)) => {
                    out.push(high * 16 + low);
                    index += 3;
                    continue;
                }
                _ => out.push(b'%'),
            },
            b'+' => out.push(b' '),
            byte => out.push(byte),
        }
        index += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A pooled PostgreSQL connection idle for longer than this is pinged before it is handed out.
const POSTGRES_PING_AFTER_IDLE: Duration = Duration::from_secs(1);

/// Pool options for PostgreSQL: ping a connection before handing it out only when it has been
/// idle for a while (the pattern sqlx documents for `before_acquire`).
///
/// Why: sqlx's default pings every connection on every acquire, and pings it again when it
/// comes back. A ping is a round trip to the server, so a returning member's `/book` (three
/// statements) cost the server nine. Measured in the latency bench, dropping the acquire ping
/// took the server's CPU per `/book` from about 0.55 to 0.45 ms and the burst's p99 down by
/// about 7 %. A connection used within the last second passed its release ping then; one that
/// sat idle (over a quiet spell, a server restart, a failover) is still checked before use.
fn postgres_pool_options(max_connections: u32) -> AnyPoolOptions {
    AnyPoolOptions::new()
        .max_connections(max_connections)
        .test_before_acquire(false)
        .before_acquire(|conn, meta| {
            Box::pin(async move {
                if meta.idle_for > POSTGRES_PING_AFTER_IDLE {
                    conn.ping().await?;
                }
                Ok(true)
            })
        })
}

/// The pool, and the database file's path (`None` in memory).
async fn connect_sqlite(url: &str, max_connections: u32) -> Result<(AnyPool, Option<PathBuf>)> {
    let in_memory = url.contains(":memory:") || url.contains("mode=memory");
    let url = if in_memory || url.contains("mode=") {
        url.to_owned()
    } else {
        let separator = if url.contains('?') { '&' } else { '?' };
        format!("{url}{separator}mode=rwc")
    };
    if !in_memory && url.contains("mode=rwc") {
        create_private_file(SqliteConnectOptions::from_str(&url)?.get_filename())?;
    }
    // No ping before handing out a connection: an embedded database has no network link to go
    // stale, and sqlx still pings every connection when it comes back to the pool (dropping
    // one whose worker died). That saves a round trip to the connection's thread per query.
    let options = AnyPoolOptions::new()
        .test_before_acquire(false)
        .after_connect(|conn, _meta| Box::pin(async move { sqlite_pragmas(conn).await }));
    // An in-memory database lives as long as its connections: keep exactly one, forever.
    let options = if in_memory {
        options
            .max_connections(1)
            .min_connections(1)
            .idle_timeout(None)
            .max_lifetime(None)
    } else {
        options.max_connections(max_connections)
    };
    let pool = options.connect(&url).await?;
    let file = if in_memory {
        None
    } else {
        // sqlx's own reading of the URL, so both connections open the same file.
        let parsed = SqliteConnectOptions::from_str(&url)?;
        Some(parsed.get_filename().to_path_buf())
    };
    Ok((pool, file))
}

/// Creates a missing database file readable and writable by its owner only (0600 on unix;
/// SQLite gives its `-wal` and `-shm` files the same mode): the database holds the bot's Matrix
/// session, a bearer credential. An existing file keeps the mode its owner gave it.
fn create_private_file(path: &std::path::Path) -> Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    match options.open(path) {
        Ok(_) => Ok(()),
        Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(error) => Err(sqlx::Error::Io(std::io::Error::new(
            error.kind(),
            format!("creating the database file {}: {error}", path.display()),
        ))
        .into()),
    }
}

/// Per-connection SQLite settings. `journal_mode = WAL` is persistent in the file and a no-op
/// once set; in-memory databases answer `memory` and stay so. `synchronous = NORMAL` is the
/// usual WAL pairing: a power cut may lose the last commits but never corrupts the file.
async fn sqlite_pragmas(conn: &mut AnyConnection) -> Result<(), sqlx::Error> {
    conn.execute("PRAGMA busy_timeout = 5000").await?;
    conn.execute("PRAGMA foreign_keys = ON").await?;
    conn.fetch_one("PRAGMA journal_mode = WAL").await?;
    conn.execute("PRAGMA synchronous = NORMAL").await?;
    Ok(())
}

// ---- conversions at the store edge -------------------------------------------------------

fn unix(t: DateTime<Utc>) -> i64 {
    t.timestamp()
}

fn time(secs: i64) -> Result<DateTime<Utc>> {
    DateTime::from_timestamp(secs, 0).ok_or_else(|| corrupt(format!("timestamp {secs}")))
}

fn zone(name: &str) -> Result<Tz> {
    name.parse::<Tz>()
        .map_err(|_| corrupt(format!("time zone {name:?}")))
}

fn flag(value: bool) -> i64 {
    value as i64
}

fn boolean(value: i64, what: &str) -> Result<bool> {
    match value {
        0 => Ok(false),
        1 => Ok(true),
        other => Err(corrupt(format!("{what} = {other}, expected 0 or 1"))),
    }
}

fn minutes(value: i64) -> Result<u32> {
    u32::try_from(value).map_err(|_| corrupt(format!("length {value} minutes")))
}

fn corrupt(what: impl Into<String>) -> StoreError {
    StoreError::Corrupt(what.into())
}

/// Reads `column` of `row` as an i64 (every integer column, any width, either backend).
fn int(row: &sqlx::any::AnyRow, column: &str) -> Result<i64> {
    Ok(row.try_get::<i64, _>(column)?)
}

fn text(row: &sqlx::any::AnyRow, column: &str) -> Result<String> {
    Ok(row.try_get::<String, _>(column)?)
}

/// `"$first, $first+1, …"`: `count` placeholders for an `IN (…)` list.
fn placeholders(first: usize, count: usize) -> String {
    (first..first + count)
        .map(|n| format!("${n}"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn is_unique_violation(error: &sqlx::Error) -> bool {
    matches!(error, sqlx::Error::Database(db) if db.is_unique_violation())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Parameters sqlx would ignore (and log with their values) are dropped before it sees
    /// them; the ones it reads stay, in order.
    #[test]
    fn unknown_postgres_parameters_are_dropped_before_sqlx_logs_their_values() {
        assert_eq!(
            without_unknown_postgres_parameters(
                "postgres://u:p@db/x?sslmode=require&SSLPASSWORD=s3cret&password=pw&sslpassword=k&options[search_path]=a&%70assword=q"
            ),
            "postgres://u:p@db/x?sslmode=require&password=pw&options[search_path]=a&%70assword=q"
        );
        assert_eq!(
            without_unknown_postgres_parameters("postgres://db/x?token=t"),
            "postgres://db/x"
        );
        assert_eq!(
            without_unknown_postgres_parameters("postgres://db/x"),
            "postgres://db/x"
        );
    }

    /// S4: the database holds the bot's Matrix session, so a new SQLite file (and its WAL) is
    /// readable by its owner only; an existing file keeps its mode.
    #[cfg(unix)]
    #[tokio::test]
    async fn a_new_sqlite_file_is_readable_by_its_owner_only() {
        use std::os::unix::fs::PermissionsExt;
        let directory = tempfile::tempdir().expect("temp dir");
        let path = directory.path().join("fresh.sqlite");
        let store = Store::connect_and_migrate(&format!("sqlite://{}", path.display()))
            .await
            .expect("store");
        let mode = |path: &std::path::Path| {
            std::fs::metadata(path)
                .expect("the file exists")
                .permissions()
                .mode()
                & 0o777
        };
        assert_eq!(mode(&path), 0o600, "{}", path.display());
        let wal = directory.path().join("fresh.sqlite-wal");
        if wal.exists() {
            assert_eq!(mode(&wal), 0o600, "{}", wal.display());
        }
        drop(store);

        let shared = directory.path().join("shared.sqlite");
        std::fs::write(&shared, b"").expect("write");
        std::fs::set_permissions(&shared, std::fs::Permissions::from_mode(0o640)).expect("chmod");
        let _store = Store::connect_and_migrate(&format!("sqlite:{}", shared.display()))
            .await
            .expect("store");
        assert_eq!(mode(&shared), 0o640, "an existing file keeps its mode");
    }
}
