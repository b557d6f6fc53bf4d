//! A fresh PostgreSQL database per test, on the server named by `FOCUSFOLK_TEST_POSTGRES_URL`.
//!
//! `./scripts/test` starts a throwaway server and sets the variable. Without it the PostgreSQL
//! tests fail (never skip silently): a green run must mean both backends were exercised.

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use sqlx::{Connection, Executor, PgConnection};

pub const URL_VAR: &str = "FOCUSFOLK_TEST_POSTGRES_URL";

/// A database created for one test; [`TestDatabase::drop_database`] removes it again.
pub struct TestDatabase {
    /// URL of the new database, for `Store::connect`.
    pub url: String,
    server_url: String,
    name: String,
}

impl TestDatabase {
    pub async fn create() -> TestDatabase {
        let server_url = std::env::var(URL_VAR).unwrap_or_else(|_| {
            panic!(
                "{URL_VAR} is not set, so the PostgreSQL half of the store suite cannot run. \
                 Run the tests with ./scripts/test (it starts a throwaway PostgreSQL), or set \
                 {URL_VAR}=postgres://USER@HOST:PORT/postgres for a server where USER may CREATE DATABASE."
            )
        });
        let name = unique_name();
        let mut admin = connect(&server_url).await;
        admin
            .execute(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .await
            .unwrap_or_else(|error| panic!("CREATE DATABASE {name} failed: {error}"));
        admin.close().await.ok();
        TestDatabase {
            url: with_database(&server_url, &name),
            server_url,
            name,
        }
    }

    /// Drops the database, disconnecting anyone still on it. Call it at the end of a passing
    /// test; a failing test leaves its database behind for inspection.
    pub async fn drop_database(self) {
        let mut admin = connect(&self.server_url).await;
        admin
            .execute(sqlx::AssertSqlSafe(format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.name
            )))
            .await
            .unwrap_or_else(|error| panic!("DROP DATABASE {} failed: {error}", self.name));
        admin.close().await.ok();
    }
}

async fn connect(url: &str) -> PgConnection {
    PgConnection::connect(url)
        .await
        .unwrap_or_else(|error| panic!("cannot connect to {URL_VAR}={url}: {error}"))
}

fn unique_name() -> String {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!(
        "focusfolk_test_{}_{}_{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed),
        nanos
    )
}

/// `postgres://u@h:p/postgres?x=y` with the database replaced by `name`.
fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (url, None),
    };
    let authority_start = base.find("://").map(|i| i + 3).unwrap_or(0);
    let base = match base[authority_start..].find('/') {
        Some(slash) => &base[..authority_start + slash],
        None => base,
    };
    match query {
        Some(query) => format!("{base}/{name}?{query}"),
        None => format!("{base}/{name}"),
    }
}

#[test]
fn replaces_the_database_name() {
    assert_eq!(
        with_database("postgres://u@h:5/postgres", "x"),
        "postgres://u@h:5/x"
    );
    assert_eq!(with_database("postgres://u@h:5", "x"), "postgres://u@h:5/x");
    assert_eq!(
        with_database("postgres://u@h:5/postgres?sslmode=disable", "x"),
        "postgres://u@h:5/x?sslmode=disable"
    );
}
