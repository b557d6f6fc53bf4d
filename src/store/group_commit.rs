//! Group commit for SQLite: single-statement writes that arrive while others are being written
//! share one transaction and one commit.
//!
//! SQLite has one writer at a time, and most of a small write's cost is the commit: taking the
//! file locks, appending the changed pages to the WAL and publishing them. When many members book
//! at once (the top of the hour in a busy community), committing each booking on its own makes
//! them queue for the write lock and write the same few pages over and over. Here they queue in
//! memory instead: one writer thread takes whatever has arrived, runs the statements in one
//! `BEGIN IMMEDIATE … COMMIT`, and only then answers each caller. A lone statement is run as it
//! is (autocommit), so a quiet bot pays nothing but a thread hand-off.
//!
//! Why a thread with its own `rusqlite` connection rather than a sqlx connection: sqlx runs every
//! statement as a round trip to the connection's worker thread, and each round trip costs two
//! thread wake-ups. Measured in the booking bench, a sqlx writer spent its time waiting for those
//! wake-ups (under one busy core of two) and the batching gained little. A synchronous
//! connection on the writer thread runs a whole batch without a hand-off per statement.
//!
//! Why one statement per caller is safe to share a transaction: a statement that breaks a
//! constraint (unique, foreign key, check, not null) is rolled back on its own by SQLite and the
//! transaction goes on, so that caller gets its error and the others are unaffected. Any other
//! error (disk full, I/O, a bad statement) may have rolled back the whole transaction, so every
//! caller of the batch is told its write was not committed. Nobody is ever answered "done"
//! before the commit.
//!
//! The write gate: SQLite's own lock is waited for by polling (sleeps of 1 ms … 100 ms), so a
//! write transaction outside the group would starve behind a writer that commits batch after
//! batch under load. Every SQLite write transaction started by `Store::begin_write` and every
//! batch here first takes one fair (first come, first served) lock, the gate.
//!
//! An in-memory database cannot be opened by a second connection, so it gets no group commit
//! (its single pooled connection serialises everything anyway).

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{mpsc, Arc};
use std::time::Duration;

use rusqlite::{ffi, Connection};
use tokio::sync::{oneshot, Mutex as AsyncMutex};

use super::StoreError;

/// One write statement: SQL with `$N` placeholders, and the values of `$1`, `$2`, …
///
/// The SQL is a constant: the writer keeps each one prepared, and no value ever becomes SQL.
#[derive(Debug, Clone)]
pub(super) struct GroupedWrite {
    pub sql: &'static str,
    pub values: Vec<WriteValue>,
}

#[derive(Debug, Clone)]
pub(super) enum WriteValue {
    Integer(i64),
    Text(String),
}

/// What a grouped write gives back: the integer columns of its `RETURNING` row, if it returned
/// one (`INSERT … ON CONFLICT DO NOTHING RETURNING id` returns none on a conflict).
pub(super) type ReturnedIntegers = Option<Vec<i64>>;

/// The most statements one transaction carries. Larger batches gain little (the commit is
/// already shared) and make the first caller of the batch wait for everyone else's statement.
const MOST_STATEMENTS_PER_COMMIT: usize = 64;

/// SQLite's wait for a lock held by another connection, like the pool's connections.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

type Reply = oneshot::Sender<Result<ReturnedIntegers, StoreError>>;

struct QueuedWrite {
    write: GroupedWrite,
    reply: Reply,
}

/// How much grouping happened: `statements / commits` is the mean batch size.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct GroupCommitStats {
    pub commits: u64,
    pub statements: u64,
}

#[derive(Default)]
struct Counters {
    commits: AtomicU64,
    statements: AtomicU64,
}

/// The queue of one SQLite database's grouped writes, and its gate. The writer thread ends when
/// the last clone of the store (and so this queue's sender) is dropped.
pub(super) struct SqliteGroupCommit {
    gate: Arc<AsyncMutex<()>>,
    inbox: mpsc::Sender<QueuedWrite>,
    counters: Arc<Counters>,
}

impl SqliteGroupCommit {
    /// Starts the writer thread for the database file at `path` (opened on the first write).
    pub(super) fn start(path: PathBuf) -> std::io::Result<Self> {
        let gate = Arc::new(AsyncMutex::new(()));
        let counters = Arc::new(Counters::default());
        let (inbox, receiver) = mpsc::channel();
        let writer = Writer {
            path,
            gate: gate.clone(),
            counters: counters.clone(),
            connection: None,
        };
        std::thread::Builder::new()
            .name("focusfolk-sqlite-writer".into())
            .spawn(move || writer.run(receiver))?;
        Ok(SqliteGroupCommit {
            gate,
            inbox,
            counters,
        })
    }

    /// Waits for the gate; hold the guard for the whole write transaction.
    pub(super) async fn enter_gate(&self) -> tokio::sync::OwnedMutexGuard<()> {
        self.gate.clone().lock_owned().await
    }

    /// Runs `write` in the next group commit and answers once that commit is done. A unique
    /// violation is [`StoreError::UniqueViolation`]; any other failure means not committed.
    pub(super) async fn write(&self, write: GroupedWrite) -> Result<ReturnedIntegers, StoreError> {
        let answer = self.enqueue(write)?;
        answer
            .await
            .unwrap_or_else(|_| Err(not_committed("the writer stopped before answering")))
    }

    fn enqueue(
        &self,
        write: GroupedWrite,
    ) -> Result<oneshot::Receiver<Result<ReturnedIntegers, StoreError>>, StoreError> {
        let (reply, answer) = oneshot::channel();
        self.inbox
            .send(QueuedWrite { write, reply })
            .map_err(|_| not_committed("the writer thread has stopped"))?;
        Ok(answer)
    }

    pub(super) fn stats(&self) -> GroupCommitStats {
        GroupCommitStats {
            commits: self.counters.commits.load(Ordering::Relaxed),
            statements: self.counters.statements.load(Ordering::Relaxed),
        }
    }
}

struct Writer {
    path: PathBuf,
    gate: Arc<AsyncMutex<()>>,
    counters: Arc<Counters>,
    /// Opened on first use, and again after a failure that may have left it in a bad state.
    connection: Option<Connection>,
}

impl Writer {
    fn run(mut self, inbox: mpsc::Receiver<QueuedWrite>) {
        let gate = self.gate.clone();
        while let Ok(first) = inbox.recv() {
            // Take the gate before draining the inbox, so whatever arrived while we waited for
            // it joins this batch.
            let _gate = gate.blocking_lock();
            let mut batch = vec![first];
            while batch.len() < MOST_STATEMENTS_PER_COMMIT {
                match inbox.try_recv() {
                    Ok(next) => batch.push(next),
                    Err(_) => break,
                }
            }
            // A panic while writing must not end the thread (every later write would fail
            // while the process looks healthy): the batch's callers are answered "not
            // committed" (their reply senders are dropped), the connection is dropped (rolling
            // back), and the writer goes on with a fresh connection.
            let written =
                std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| self.write_batch(batch)));
            if written.is_err() {
                self.connection = None;
                tracing::error!("the SQLite writer panicked on a batch; it was not committed");
            }
        }
    }

    fn write_batch(&mut self, batch: Vec<QueuedWrite>) {
        #[cfg(test)]
        if batch.iter().any(|queued| queued.write.sql == tests::PANIC) {
            panic!("a test asked the writer to panic");
        }
        let statements = batch.len() as u64;
        let connection = match self.connection.take() {
            Some(connection) => connection,
            None => match open(&self.path) {
                Ok(connection) => connection,
                Err(error) => {
                    let why = format!("the database could not be opened: {error}");
                    answer_all(batch.into_iter().map(|queued| queued.reply), &why);
                    return;
                }
            },
        };
        // The counters move before anyone is answered, so a caller that reads them after its
        // answer sees its own commit.
        let counters = &self.counters;
        let count_commit = || {
            counters.commits.fetch_add(1, Ordering::Relaxed);
            counters.statements.fetch_add(statements, Ordering::Relaxed);
        };
        let healthy = match <[QueuedWrite; 1]>::try_from(batch) {
            // Alone: autocommit, no BEGIN and COMMIT to pay for.
            Ok([QueuedWrite { write, reply }]) => {
                let result = run_statement(&connection, &write);
                let healthy = result.is_ok() || is_constraint_violation(&result);
                if healthy {
                    count_commit();
                }
                let _ = reply.send(result.map_err(store_error));
                healthy
            }
            Err(batch) => write_in_one_transaction(&connection, batch, count_commit),
        };
        if healthy {
            self.connection = Some(connection);
        }
        // Otherwise the connection is dropped (rolling back what is open) and the next batch
        // opens a fresh one.
    }
}

fn open(path: &std::path::Path) -> rusqlite::Result<Connection> {
    let connection = Connection::open(path)?;
    connection.busy_timeout(BUSY_TIMEOUT)?;
    connection.execute_batch(
        "PRAGMA foreign_keys = ON; PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;",
    )?;
    Ok(connection)
}

/// `false` when something other than a constraint violation failed (every caller was told).
fn write_in_one_transaction(
    connection: &Connection,
    batch: Vec<QueuedWrite>,
    on_commit: impl FnOnce(),
) -> bool {
    let mut writes = batch.into_iter();
    if let Err(error) = connection.execute_batch("BEGIN IMMEDIATE") {
        let why = format!("the transaction could not start: {error}");
        answer_all(writes.map(|queued| queued.reply), &why);
        return false;
    }
    // Every answer waits for the COMMIT, a constraint violation's too: the row it collided
    // with may be an earlier statement of this very batch, which a failed COMMIT undoes.
    let mut written: Vec<(Reply, Result<ReturnedIntegers, StoreError>)> = Vec::new();
    while let Some(QueuedWrite { write, reply }) = writes.next() {
        let result = run_statement(connection, &write);
        match result {
            Ok(returned) => written.push((reply, Ok(returned))),
            Err(_) if is_constraint_violation(&result) => {
                written.push((reply, result.map_err(store_error)));
            }
            Err(error) => {
                // The transaction may be gone with this error: nothing of this batch counts.
                let why = format!("another write of the same commit failed: {error}");
                let _ = reply.send(Err(store_error(error)));
                let unanswered = written
                    .into_iter()
                    .map(|(reply, _)| reply)
                    .chain(writes.map(|queued| queued.reply));
                answer_all(unanswered, &why);
                return false; // the caller drops the connection, which rolls back
            }
        }
    }
    match connection.execute_batch("COMMIT") {
        Ok(()) => {
            on_commit();
            for (reply, answer) in written {
                let _ = reply.send(answer);
            }
            true
        }
        Err(error) => {
            let why = format!("the commit failed: {error}");
            answer_all(written.into_iter().map(|(reply, _)| reply), &why);
            false
        }
    }
}

/// Binds `$N` to `values[N - 1]` by name (SQLite numbers a statement's parameters in order of
/// first appearance, not by their digits), runs the statement to completion and returns the
/// first row's integers.
fn run_statement(
    connection: &Connection,
    write: &GroupedWrite,
) -> rusqlite::Result<ReturnedIntegers> {
    let mut statement = connection.prepare_cached(write.sql)?;
    for index in 1..=statement.parameter_count() {
        let value = statement
            .parameter_name(index)
            .and_then(|name| name.strip_prefix('$'))
            .and_then(|number| number.parse::<usize>().ok())
            .and_then(|number| number.checked_sub(1))
            .and_then(|position| write.values.get(position))
            .ok_or_else(|| {
                rusqlite::Error::InvalidParameterName(format!(
                    "parameter {index} of {:?} has no value",
                    write.sql
                ))
            })?;
        match value {
            WriteValue::Integer(integer) => statement.raw_bind_parameter(index, integer)?,
            WriteValue::Text(text) => statement.raw_bind_parameter(index, text.as_str())?,
        }
    }
    let mut rows = statement.raw_query();
    let mut returned = None;
    while let Some(row) = rows.next()? {
        if returned.is_none() {
            let columns = row.as_ref().column_count();
            returned = Some(
                (0..columns)
                    .map(|column| row.get::<_, i64>(column))
                    .collect::<rusqlite::Result<Vec<_>>>()?,
            );
        }
    }
    Ok(returned)
}

/// Errors SQLite settles by undoing the one statement, leaving the transaction as it was.
fn is_constraint_violation<T>(result: &rusqlite::Result<T>) -> bool {
    matches!(
        result,
        Err(rusqlite::Error::SqliteFailure(failure, _))
            if failure.code == rusqlite::ErrorCode::ConstraintViolation
    )
}

fn store_error(error: rusqlite::Error) -> StoreError {
    match &error {
        rusqlite::Error::SqliteFailure(failure, _)
            if failure.extended_code == ffi::SQLITE_CONSTRAINT_UNIQUE
                || failure.extended_code == ffi::SQLITE_CONSTRAINT_PRIMARYKEY =>
        {
            StoreError::UniqueViolation(error.to_string())
        }
        _ => not_committed(&error.to_string()),
    }
}

/// Tells every caller their write was not committed, and why.
fn answer_all(replies: impl Iterator<Item = Reply>, why: &str) {
    for reply in replies {
        let _ = reply.send(Err(not_committed(why)));
    }
}

fn not_committed(why: &str) -> StoreError {
    StoreError::NotCommitted(why.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    const INSERT_NAME: &str = "INSERT INTO names (name) VALUES ($1) RETURNING id";
    /// A statement the writer panics on (test builds only).
    pub(super) const PANIC: &str = "-- panic";

    fn database() -> (tempfile::TempDir, PathBuf) {
        let directory = tempfile::tempdir().expect("temp dir");
        let path = directory.path().join("group-commit.sqlite");
        let connection = Connection::open(&path).expect("open");
        connection
            .execute_batch(
                "PRAGMA journal_mode = WAL; \
                 CREATE TABLE names (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, \
                                     number INTEGER); \
                 CREATE TABLE refs (id INTEGER PRIMARY KEY, \
                                    name_id INTEGER REFERENCES names (id) \
                                    DEFERRABLE INITIALLY DEFERRED)",
            )
            .expect("schema");
        (directory, path)
    }

    fn insert(name: &str) -> GroupedWrite {
        GroupedWrite {
            sql: INSERT_NAME,
            values: vec![WriteValue::Text(name.to_owned())],
        }
    }

    fn names_in(path: &std::path::Path) -> Vec<String> {
        let connection = Connection::open(path).expect("open");
        let mut statement = connection
            .prepare("SELECT name FROM names ORDER BY id")
            .expect("select");
        let rows = statement.query_map([], |row| row.get(0)).expect("rows");
        rows.collect::<rusqlite::Result<_>>().expect("names")
    }

    /// Queues every write while the gate is held, so the writer takes them as one batch.
    async fn as_one_batch(
        group: &SqliteGroupCommit,
        writes: Vec<GroupedWrite>,
    ) -> Vec<Result<ReturnedIntegers, StoreError>> {
        let gate = group.enter_gate().await;
        let answers: Vec<_> = writes
            .into_iter()
            .map(|write| group.enqueue(write).expect("queued"))
            .collect();
        drop(gate);
        let mut results = Vec::new();
        for answer in answers {
            results.push(answer.await.expect("answered"));
        }
        results
    }

    #[tokio::test]
    async fn a_batch_shares_one_commit_and_a_unique_violation_fails_only_its_own_write() {
        let (_directory, path) = database();
        let group = SqliteGroupCommit::start(path.clone()).expect("writer");
        let results = as_one_batch(
            &group,
            ["ada", "bo", "ada", "cy", "di"].map(insert).to_vec(),
        )
        .await;
        assert!(matches!(results[0], Ok(Some(ref ids)) if ids.len() == 1));
        assert!(
            matches!(results[2], Err(StoreError::UniqueViolation(_))),
            "{:?}",
            results[2]
        );
        for index in [1, 3, 4] {
            assert!(
                matches!(results[index], Ok(Some(_))),
                "{:?}",
                results[index]
            );
        }
        assert_eq!(names_in(&path), ["ada", "bo", "cy", "di"]);
        assert_eq!(
            group.stats(),
            GroupCommitStats {
                commits: 1,
                statements: 5
            }
        );
    }

    #[tokio::test]
    async fn any_other_failure_commits_nothing_of_its_batch_and_the_next_batch_still_works() {
        let (_directory, path) = database();
        let group = SqliteGroupCommit::start(path.clone()).expect("writer");
        let broken = GroupedWrite {
            sql: "INSERT INTO no_such_table (name) VALUES ($1)",
            values: vec![WriteValue::Text("x".into())],
        };
        let results = as_one_batch(&group, vec![insert("ada"), broken, insert("bo")]).await;
        for result in &results {
            assert!(
                matches!(result, Err(StoreError::NotCommitted(_))),
                "{result:?}"
            );
        }
        assert!(
            names_in(&path).is_empty(),
            "a failed batch left rows behind"
        );

        let after = group.write(insert("cy")).await;
        assert!(matches!(after, Ok(Some(_))), "{after:?}");
        assert_eq!(names_in(&path), ["cy"]);
    }

    #[tokio::test]
    async fn placeholders_are_bound_by_their_number_and_a_missing_value_is_an_error() {
        let (_directory, path) = database();
        let group = SqliteGroupCommit::start(path.clone()).expect("writer");
        // `$2` appears first: SQLite calls it parameter 1, but it must get the second value.
        let reordered = GroupedWrite {
            sql: "INSERT INTO names (number, name) VALUES ($2, $1) RETURNING id, number",
            values: vec![WriteValue::Text("ada".into()), WriteValue::Integer(42)],
        };
        let returned = group.write(reordered).await.expect("written");
        assert_eq!(returned.map(|ids| ids[1]), Some(42));
        assert_eq!(names_in(&path), ["ada"]);

        let short = GroupedWrite {
            sql: "INSERT INTO names (name, number) VALUES ($1, $2)",
            values: vec![WriteValue::Text("bo".into())],
        };
        let refused = group.write(short).await;
        assert!(
            matches!(refused, Err(StoreError::NotCommitted(_))),
            "{refused:?}"
        );
        assert_eq!(names_in(&path), ["ada"]);
    }

    #[tokio::test]
    async fn a_lone_write_is_committed_on_its_own_and_no_row_is_none() {
        let (_directory, path) = database();
        let group = SqliteGroupCommit::start(path.clone()).expect("writer");
        let quiet = GroupedWrite {
            sql: "INSERT INTO names (name) VALUES ($1) ON CONFLICT (name) DO NOTHING RETURNING id",
            values: vec![WriteValue::Text("ada".into())],
        };
        assert!(matches!(group.write(quiet.clone()).await, Ok(Some(_))));
        assert!(matches!(group.write(quiet).await, Ok(None)));
        assert_eq!(
            group.stats(),
            GroupCommitStats {
                commits: 2,
                statements: 2
            }
        );
    }

    /// K1: a unique violation against an earlier statement of the same batch is answered only
    /// once the batch commits; when the COMMIT fails (here a deferred foreign key), nothing
    /// was stored and nobody is told "you already have one".
    #[tokio::test]
    async fn a_constraint_violation_is_answered_only_after_its_batch_commits() {
        let (_directory, path) = database();
        let group = SqliteGroupCommit::start(path.clone()).expect("writer");
        let dangling = GroupedWrite {
            sql: "INSERT INTO refs (name_id) VALUES ($1)",
            values: vec![WriteValue::Integer(9999)],
        };
        let results = as_one_batch(&group, vec![insert("ada"), insert("ada"), dangling]).await;
        for result in &results {
            assert!(
                matches!(result, Err(StoreError::NotCommitted(_))),
                "the COMMIT failed, so every write of the batch is not committed: {results:?}"
            );
        }
        assert!(names_in(&path).is_empty());
        let after = group.write(insert("ada")).await;
        assert!(matches!(after, Ok(Some(_))), "{after:?}");
    }

    /// K6: a panic while writing a batch fails that batch, not the writer.
    #[tokio::test]
    async fn a_panicking_batch_fails_its_callers_and_the_writer_goes_on() {
        let (_directory, path) = database();
        let group = SqliteGroupCommit::start(path.clone()).expect("writer");
        let panicking = GroupedWrite {
            sql: PANIC,
            values: vec![],
        };
        let failed = group.write(panicking).await;
        assert!(
            matches!(failed, Err(StoreError::NotCommitted(_))),
            "{failed:?}"
        );
        let after = group.write(insert("bo")).await;
        assert!(
            matches!(after, Ok(Some(_))),
            "the writer still writes: {after:?}"
        );
        assert_eq!(names_in(&path), ["bo"]);
    }
}
