//! Privacy (issue 12): `privacy export` sends the member everything stored about them;
//! `privacy delete` asks first and `privacy delete confirm` erases them from every table,
//! keeping the community's figures. Each test runs on SQLite and on PostgreSQL (`./scripts/test`
//! provides the server), through the real engine and the shell platform.
//!
//! The table inventory lives in `src/store/privacy.rs` (`TABLES`): a table the schema has and
//! the inventory lacks fails `every_table_is_covered_by_privacy`.

mod common;
#[path = "support/postgres.rs"]
mod pg;

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use sqlx::{AnyPool, Row};

use common::{at, build, test_limits, test_start, TestApp, COMMUNITY};
use focusfolk::clock::{Clock, ManualClock};
use focusfolk::core::model::Platform;
use focusfolk::engine::{Actor, CommandOutcome, NoFaults};
use focusfolk::platform::shell::ShellPlatform;
use focusfolk::store::privacy::{TableCoverage, TABLES};
use focusfolk::store::{Backend, Store};

/// The member who erases themselves: an id no other text contains by accident.
const ZED: &str = "zed-erasable";

macro_rules! on_both_backends {
    ($($test:ident),* $(,)?) => {
        mod sqlite {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $test() { super::on_sqlite(super::$test).await }
            )*
        }
        mod postgres {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $test() { super::on_postgres(super::$test).await }
            )*
        }
    };
}

on_both_backends! {
    every_table_is_covered_by_privacy,
    deletion_needs_the_confirmation_and_then_nothing_references_the_member,
    the_export_holds_each_kind_of_data,
    the_export_holds_the_members_own_check_ins_reports_snoozes_and_choices,
}

async fn on_sqlite<F, Fut>(test: F)
where
    F: FnOnce(TestApp, AnyPool, Backend) -> Fut,
    Fut: Future<Output = ()>,
{
    let directory = Arc::new(tempfile::tempdir().expect("temp dir"));
    let url = format!(
        "sqlite://{}",
        directory.path().join("focusfolk.sqlite").display()
    );
    let (app, raw) = app_on(&url, directory).await;
    test(app, raw, Backend::Sqlite).await;
}

async fn on_postgres<F, Fut>(test: F)
where
    F: FnOnce(TestApp, AnyPool, Backend) -> Fut,
    Fut: Future<Output = ()>,
{
    let database = pg::TestDatabase::create().await;
    let directory = Arc::new(tempfile::tempdir().expect("temp dir"));
    let (app, raw) = app_on(&database.url, directory).await;
    test(app, raw, Backend::Postgres).await;
    database.drop_database().await;
}

/// The engine on a fresh database at `url`, and a raw pool on the same database for looking
/// at every table.
async fn app_on(url: &str, directory: Arc<tempfile::TempDir>) -> (TestApp, AnyPool) {
    let store = Store::connect_and_migrate(url).await.expect("store");
    let app = build(
        store,
        Arc::new(ShellPlatform::new()),
        Arc::new(ManualClock::new(test_start())),
        url.to_string(),
        directory,
        "worker-1",
        Arc::new(NoFaults),
        test_limits(),
    );
    let raw = sqlx::any::AnyPoolOptions::new()
        .max_connections(1)
        .connect(url)
        .await
        .expect("raw pool");
    (app, raw)
}

async fn store_of(app: &TestApp) -> Store {
    Store::connect(&app.database_url).await.expect("store")
}

// ---- the inventory ------------------------------------------------------------------------

async fn schema_tables(raw: &AnyPool, backend: Backend) -> Vec<String> {
    let sql = match backend {
        Backend::Sqlite => {
            "SELECT name FROM sqlite_master WHERE type = 'table' \
             AND name NOT LIKE 'sqlite_%' AND name <> '_sqlx_migrations' ORDER BY name"
        }
        Backend::Postgres => {
            "SELECT CAST(table_name AS TEXT) AS name FROM information_schema.tables \
             WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' \
             AND table_name <> '_sqlx_migrations' ORDER BY table_name"
        }
    };
    sqlx::query(sql)
        .fetch_all(raw)
        .await
        .expect("tables")
        .iter()
        .map(|row| row.get::<String, _>("name"))
        .collect()
}

async fn columns(raw: &AnyPool, backend: Backend, table: &str) -> Vec<String> {
    let rows = match backend {
        Backend::Sqlite => {
            sqlx::query("SELECT name FROM pragma_table_info($1)")
                .bind(table)
                .fetch_all(raw)
                .await
        }
        Backend::Postgres => {
            sqlx::query(
                "SELECT CAST(column_name AS TEXT) AS name FROM information_schema.columns \
             WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position",
            )
            .bind(table)
            .fetch_all(raw)
            .await
        }
    };
    rows.expect("columns")
        .iter()
        .map(|row| row.get::<String, _>("name"))
        .collect()
}

/// The schema's tables and `store::privacy::TABLES` are the same set: a migration that adds a
/// table fails here until the table has its line (and, if it holds rows about members, its
/// erasure). A table with a member id column cannot be marked "not personal".
async fn every_table_is_covered_by_privacy(_app: TestApp, raw: AnyPool, backend: Backend) {
    let in_schema = schema_tables(&raw, backend).await;
    let listed: Vec<&str> = TABLES.iter().map(|entry| entry.table).collect();
    let missing: Vec<&String> = in_schema
        .iter()
        .filter(|table| !listed.contains(&table.as_str()))
        .collect();
    assert!(
        missing.is_empty(),
        "tables privacy does not cover (add a line to TABLES in src/store/privacy.rs): {missing:?}"
    );
    for table in &listed {
        assert!(
            in_schema.iter().any(|name| name == table),
            "TABLES lists {table}, which the schema does not have"
        );
    }
    for entry in TABLES {
        let names = columns(&raw, backend, entry.table).await;
        let about_a_member = names.iter().any(|column| column.ends_with("member_id"));
        assert!(
            !(about_a_member && entry.coverage == TableCoverage::NotPersonal),
            "{} has a member id column but is marked NotPersonal",
            entry.table
        );
    }
    assert_eq!(
        TABLES.last().map(|entry| entry.table),
        Some("members"),
        "members is erased last (the other rows reference it)"
    );
}

// ---- a community with history ---------------------------------------------------------------

async fn say(app: &TestApp, member: &str, text: &str) -> String {
    app.say(member, text).await
}

/// Zed, Ann, Ben, Cat and Dan: a past session (Zed with Ann, messages both ways, attended),
/// friends, marks both ways, requests both ways, a private link, a weekly series, a session at
/// 10:00 already matched with Cat, and notes the platform keeps about Zed's account. The clock
/// ends at 09:58.
async fn history(app: &TestApp) {
    for member in [ZED, "ann", "ben", "cat", "dan"] {
        say(app, member, "help").await;
    }
    assert!(say(app, ZED, "prefs show-bookings friends")
        .await
        .contains("friends"));
    assert!(say(app, ZED, "calendar").await.contains("/ical/"));
    say(app, ZED, "favourite @ann").await;
    say(app, "ben", &format!("block @{ZED}")).await;
    say(app, ZED, "friend @cat").await;
    say(app, "dan", &format!("friend @{ZED}")).await;
    say(app, "ann", &format!("friend @{ZED}")).await;
    assert!(say(app, ZED, "friend accept @ann").await.contains("ann"));
    for member in [ZED, "ann"] {
        assert!(say(app, member, "book 9:00 25m").await.contains("Booked"));
    }
    assert!(say(app, ZED, "book tue 11:00 25m weekly")
        .await
        .contains("Booked"));
    for member in [ZED, "cat"] {
        assert!(say(app, member, "book 10:00 25m").await.contains("Booked"));
    }
    app.advance_to(at(9, 0)).await;
    app.join(&[ZED, "ann"]);
    assert!(say(app, ZED, "msg hello").await.contains("Sent"));
    assert!(say(app, "ann", "msg hi back").await.contains("Sent"));
    app.advance_to(at(9, 58)).await;
    let store = store_of(app).await;
    for (scope, name, value) in [
        (ZED, "dm_room", "!dm-of-zed"),
        ("!dm-of-zed", "dm_of", ZED),
        ("ann", "dm_room", "!dm-of-ann"),
    ] {
        store
            .set_platform_state(Platform::Shell, scope, name, value, app.clock.now())
            .await
            .expect("platform note");
    }
}

/// The ids that stand for the member in other rows: theirs, their bookings' (jobs, reminder
/// keys), their friend requests' and partner messages' (DM keys). Read before erasing.
struct Traces {
    member_id: i64,
    bookings: Vec<i64>,
    requests: Vec<i64>,
    messages: Vec<i64>,
}

async fn traces_of(raw: &AnyPool, member_id: i64) -> Traces {
    let ids = |sql: &'static str| async move {
        sqlx::query(sql)
            .bind(member_id)
            .fetch_all(raw)
            .await
            .expect("ids")
            .iter()
            .map(|row| row.get::<i64, _>("id"))
            .collect::<Vec<i64>>()
    };
    Traces {
        member_id,
        bookings: ids("SELECT id FROM bookings WHERE member_id = $1").await,
        requests: ids(
            "SELECT id FROM friend_requests WHERE from_member_id = $1 OR to_member_id = $1",
        )
        .await,
        messages: ids(
            "SELECT id FROM partner_messages WHERE from_member_id = $1 OR to_member_id = $1",
        )
        .await,
    }
}

impl Traces {
    fn effect_key_is_theirs(&self, key: &str) -> bool {
        key.ends_with(&format!(":m{}", self.member_id))
            || self.bookings.iter().any(|id| {
                key == format!("dm:remind:b{id}") || key.starts_with(&format!("dm:weekly:b{id}:"))
            })
            || self
                .requests
                .iter()
                .any(|id| key == format!("dm:friend:r{id}") || key == format!("dm:friendok:r{id}"))
            || self
                .messages
                .iter()
                .any(|id| key == format!("dm:msg:p{id}"))
    }
}

/// Every row (table, row as text) that references the member: a member id column holding
/// their id, a booking id column holding one of their bookings, an effect key of theirs, or
/// any text containing their account id (`platform_user_id`).
async fn references(
    raw: &AnyPool,
    backend: Backend,
    traces: &Traces,
    platform_user_id: &str,
) -> Vec<(String, String)> {
    let member_id = traces.member_id.to_string();
    let mut found = Vec::new();
    for table in schema_tables(raw, backend).await {
        let names = columns(raw, backend, &table).await;
        let select = names
            .iter()
            .map(|column| format!("CAST({column} AS TEXT) AS {column}"))
            .collect::<Vec<_>>()
            .join(", ");
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {select} FROM {table}")))
            .fetch_all(raw)
            .await
            .expect("rows");
        for row in &rows {
            let values: Vec<(String, Option<String>)> = names
                .iter()
                .map(|column| {
                    (
                        column.clone(),
                        row.get::<Option<String>, _>(column.as_str()),
                    )
                })
                .collect();
            let hit = values.iter().any(|(column, value)| {
                let Some(value) = value else { return false };
                let member_column = column.ends_with("member_id")
                    || column == "other_id"
                    || (table == "members" && column == "id");
                let booking_column =
                    column == "booking_id" || (table == "bookings" && column == "id");
                (member_column && *value == member_id)
                    || (booking_column && traces.bookings.iter().any(|id| *value == id.to_string()))
                    || value.contains(platform_user_id)
                    || (table == "effects" && column == "key" && traces.effect_key_is_theirs(value))
            });
            if hit {
                found.push((table.clone(), format!("{values:?}")));
            }
        }
    }
    found
}

fn figures_without_members(
    figures: &[focusfolk::store::CommunityFigures],
) -> Vec<(String, i64, i64, i64, i64)> {
    figures
        .iter()
        .map(|figure| {
            (
                figure.platform_community_id.clone(),
                figure.sessions_last_week,
                figure.minutes_attended_last_week,
                figure.attended_total,
                figure.no_shows_total,
            )
        })
        .collect()
}

async fn deletion_needs_the_confirmation_and_then_nothing_references_the_member(
    app: TestApp,
    raw: AnyPool,
    backend: Backend,
) {
    history(&app).await;
    let store = store_of(&app).await;
    let community = store
        .ensure_community(Platform::Shell, COMMUNITY, &Default::default())
        .await
        .expect("community");
    let zed = store
        .member_by_platform_id(community.id, ZED)
        .await
        .expect("read")
        .expect("zed is a member");
    let now = app.clock.now();
    let figures_before = store.community_figures(now).await.expect("figures");
    let page_counts = |store: Store| async move {
        store
            .attendance_counts(community.id, now - Duration::days(7), now)
            .await
            .expect("page counts")
    };
    let page_before = page_counts(store.clone()).await;
    assert_eq!(page_before.attended, 2, "Zed and Ann came at 9:00");
    let traces = traces_of(&raw, zed.id.0).await;
    let before = references(&raw, backend, &traces, ZED).await;
    let tables_before: BTreeMap<&str, usize> =
        before.iter().fold(BTreeMap::new(), |mut map, (table, _)| {
            *map.entry(table.as_str()).or_default() += 1;
            map
        });
    for table in [
        "members",
        "bookings",
        "attendance",
        "group_members",
        "relations",
        "friend_requests",
        "partner_messages",
        "member_privacy",
        "member_links",
        "jobs",
        "effects",
        "platform_state",
    ] {
        assert!(
            tables_before.contains_key(table),
            "the history should leave Zed in {table}: {tables_before:?}"
        );
    }

    let cat_dms_before = app.dms("cat").len();
    // Asking is not confirming: nothing changes.
    let asked = app
        .engine
        .handle_text(
            &Actor::new(Platform::Shell, COMMUNITY, ZED, ZED),
            "privacy delete",
        )
        .await;
    assert_eq!(asked.outcome, CommandOutcome::Done);
    let asked = asked.render_plain();
    assert!(asked.contains("Delete your data?"), "{asked}");
    assert!(asked.contains("`privacy delete confirm`"), "{asked}");
    assert_eq!(references(&raw, backend, &traces, ZED).await, before);

    let erased = app
        .engine
        .handle_text(
            &Actor::new(Platform::Shell, COMMUNITY, ZED, ZED),
            "privacy delete confirm",
        )
        .await;
    assert_eq!(erased.outcome, CommandOutcome::Erased);
    let text = erased.render_plain();
    assert!(text.contains("Your data is deleted"), "{text}");
    assert!(text.contains("2 upcoming sessions are cancelled"), "{text}");
    // The calendar drops them too: one CANCEL per upcoming booking.
    assert_eq!(erased.attachments.len(), 2);

    let left = references(&raw, backend, &traces, ZED).await;
    assert!(left.is_empty(), "rows still about Zed: {left:#?}");
    // Ann's own platform note stays.
    assert_eq!(
        store
            .platform_state(Platform::Shell, "ann", "dm_room")
            .await
            .expect("read")
            .as_deref(),
        Some("!dm-of-ann")
    );
    let figures_after = store.community_figures(now).await.expect("figures");
    assert_eq!(
        figures_without_members(&figures_after),
        figures_without_members(&figures_before),
        "the community's figures are kept"
    );
    assert_eq!(figures_after[0].members, figures_before[0].members - 1);
    assert_eq!(page_counts(store.clone()).await, page_before);

    // Cat, matched with Zed at 10:00, hears only that the partner cancelled.
    app.advance_to(at(10, 1)).await;
    let cat = app.dms("cat")[cat_dms_before..].to_vec();
    assert_eq!(cat.len(), 1, "{cat:?}");
    assert!(cat[0].contains("Your partner cancelled"), "{cat:?}");
    assert!(
        !cat.iter()
            .any(|dm| dm.contains(ZED) || dm.contains("delete")),
        "{cat:?}"
    );
    // Nothing of Zed came back through the jobs that ran since.
    let left = references(&raw, backend, &traces, ZED).await;
    assert!(
        left.is_empty(),
        "rows about Zed after the jobs ran: {left:#?}"
    );

    // Writing again makes a new member, with nothing of the old one.
    assert!(say(&app, ZED, "sessions")
        .await
        .contains("No upcoming sessions"));
    let again = store
        .member_by_platform_id(community.id, ZED)
        .await
        .expect("read")
        .expect("a new member");
    assert_ne!(again.id, zed.id);
    assert_eq!(again.sessions_attended, 0);

    // Ann, who sat with Zed at 9:00, goes too: the slot's anonymous count adds up.
    assert!(say(&app, "ann", "privacy delete confirm")
        .await
        .contains("Your data is deleted"));
    assert_eq!(
        figures_without_members(&store.community_figures(now).await.expect("figures")),
        figures_without_members(&figures_before),
    );
    assert_eq!(page_counts(store.clone()).await, page_before);
    let erased: Vec<(i64, String, i64)> = sqlx::query(
        "SELECT slot_id, outcome, members FROM erased_attendance ORDER BY slot_id, outcome",
    )
    .fetch_all(&raw)
    .await
    .expect("erased counts")
    .iter()
    .map(|row| (row.get("slot_id"), row.get("outcome"), row.get("members")))
    .collect();
    assert_eq!(erased.len(), 1, "{erased:?}");
    assert_eq!((erased[0].1.as_str(), erased[0].2), ("attended", 2));
}

// ---- the export -----------------------------------------------------------------------------

/// Zed's `privacy export`: the reply, and its one file (JSON) read.
async fn export_of_zed(app: &TestApp) -> (focusfolk::engine::Reply, serde_json::Value) {
    let reply = app
        .engine
        .handle_text(
            &Actor::new(Platform::Shell, COMMUNITY, ZED, ZED),
            "privacy export",
        )
        .await;
    assert_eq!(reply.outcome, CommandOutcome::Done);
    let [file] = reply.attachments.as_slice() else {
        panic!("one file: {:?}", reply.attachments);
    };
    assert_eq!(file.file_name, "focusfolk-my-data.json");
    assert_eq!(file.media_type, "application/json");
    let export = serde_json::from_slice(&file.bytes).expect("JSON");
    (reply, export)
}

/// A list of the export, which must be one.
fn list_in(export: &serde_json::Value, name: &str) -> Vec<serde_json::Value> {
    export[name]
        .as_array()
        .unwrap_or_else(|| panic!("{name} is a list: {export:#}"))
        .clone()
}

async fn the_export_holds_each_kind_of_data(app: TestApp, _raw: AnyPool, _backend: Backend) {
    history(&app).await;
    let (reply, export) = export_of_zed(&app).await;
    assert_eq!(export["member"]["platform_user_id"], ZED);
    assert_eq!(export["show_bookings"], "friends");
    let list = |name: &str| list_in(&export, name);
    // Past, weekly and matched bookings.
    assert_eq!(list("bookings").len(), 3, "{export:#}");
    let sessions = list("sessions");
    assert!(
        sessions
            .iter()
            .any(|session| session["partners"][0] == "ann"),
        "{sessions:?}"
    );
    assert!(
        sessions
            .iter()
            .any(|session| session["partners"][0] == "cat"),
        "{sessions:?}"
    );
    assert_eq!(list("attendance")[0]["outcome"], "attended");
    let marks = list("marks");
    assert!(marks
        .iter()
        .any(|mark| mark["kind"] == "favourite" && mark["member"] == "ann"));
    assert!(marks
        .iter()
        .any(|mark| mark["kind"] == "friend" && mark["member"] == "ann"));
    // Ben's block of Zed is Ben's: never told, so never exported.
    assert!(
        !marks.iter().any(|mark| mark["kind"] == "block"),
        "{marks:?}"
    );
    assert_eq!(list("friend_requests_sent")[0]["member"], "cat");
    assert_eq!(list("friend_requests_received")[0]["member"], "dan");
    assert_eq!(list("messages_sent")[0]["member"], "ann");
    assert_eq!(list("messages_received")[0]["member"], "ann");
    assert!(list("messages_sent")[0].get("delivered").is_none());
    let links = list("calendar_links");
    assert_eq!(links.len(), 1);
    // The link is a secret: neither it nor its hash is in the file.
    assert_eq!(
        links[0].as_object().unwrap().keys().collect::<Vec<_>>(),
        ["created_at", "revoked_at"]
    );
    assert!(list("scheduled_jobs")
        .iter()
        .any(|job| job["kind"] == "roll_forward"));
    let bot = list("messages_from_the_bot");
    for key in ["dm:remind:b", "dm:announce:", "dm:checkin:", "dm:msg:p"] {
        assert!(
            bot.iter()
                .any(|effect| effect["key"].as_str().unwrap().starts_with(key)),
            "{key} in {bot:?}"
        );
    }
    let notes = list("platform_notes");
    assert_eq!(notes.len(), 2, "{notes:?}");
    // Times are UTC instants.
    let created: DateTime<Utc> = export["member"]["created_at"]
        .as_str()
        .unwrap()
        .parse()
        .expect("RFC 3339");
    assert_eq!(created, test_start());
    let text = reply.render_plain();
    assert!(text.contains("focusfolk-my-data.json"), "{text}");
}

/// Issue 11's tables in the export: the member's own check-in answers, absence claims,
/// reports, snoozes, matching choices and booking modes, and nothing others said about them.
async fn the_export_holds_the_members_own_check_ins_reports_snoozes_and_choices(
    app: TestApp,
    _raw: AnyPool,
    _backend: Backend,
) {
    history(&app).await;
    let check_in = app
        .dms(ZED)
        .into_iter()
        .find(|dm| dm.contains("`checkin "))
        .unwrap_or_else(|| panic!("a check-in with actions: {:?}", app.dms(ZED)));
    let booking: String = check_in
        .split("`checkin ")
        .nth(1)
        .unwrap()
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    let answered = say(&app, ZED, &format!("checkin {booking} partly")).await;
    assert!(!answered.contains("Usage"), "{answered}");
    say(&app, ZED, &format!("checkin {booking} absent @ann")).await;
    // Ann's claim about Zed is Ann's, and her report about Zed the moderators'.
    say(&app, "ann", &format!("report @{ZED} never said a word")).await;
    let reported = say(&app, ZED, "report @ann kept the camera on the ceiling").await;
    assert!(!reported.contains("Usage"), "{reported}");
    assert!(say(&app, ZED, "snooze @cat 7d").await.contains("cat"));
    say(&app, ZED, "prefs availability friends").await;
    assert!(say(&app, ZED, "book wed 12:00 25m talk")
        .await
        .contains("Booked"));

    let (_, export) = export_of_zed(&app).await;
    let list = |name: &str| list_in(&export, name);
    let answers = list("check_in_answers");
    assert_eq!(answers.len(), 1, "{answers:?}");
    assert_eq!(answers[0]["verdict"], "partly");
    let claims = list("absence_claims");
    assert_eq!(claims.len(), 1, "only Zed's own claim: {claims:?}");
    assert_eq!(claims[0]["member"], "ann");
    let reports = list("reports_sent");
    assert_eq!(reports.len(), 1, "only the report Zed sent: {reports:?}");
    assert_eq!(reports[0]["member"], "ann");
    assert_eq!(reports[0]["reason"], "kept the camera on the ceiling");
    assert!(!export.to_string().contains("never said a word"));
    let snoozes = list("snoozes");
    assert_eq!(snoozes.len(), 1, "{snoozes:?}");
    assert_eq!(snoozes[0]["member"], "cat");
    assert_eq!(export["match_preferences"]["availability"], "friends");
    assert_eq!(export["match_preferences"]["mix_modes"], false);
    let modes: Vec<serde_json::Value> = list("bookings")
        .iter()
        .map(|booking| booking["mode"].clone())
        .collect();
    assert!(modes.contains(&serde_json::json!("talk")), "{modes:?}");
    assert!(modes.contains(&serde_json::Value::Null), "{modes:?}");
}

// ---- the shell ------------------------------------------------------------------------------

#[tokio::test]
async fn the_shell_prints_the_export_and_erases_only_after_confirm() {
    let directory = tempfile::tempdir().unwrap();
    let mut session = focusfolk::demo::build_shell_session(
        &format!("sqlite://{}", directory.path().join("s.sqlite").display()),
        Default::default(),
        at(8, 0),
        "demo",
    )
    .await
    .unwrap();
    session.attachment_dir = directory.path().join("files");
    session.current_user = "zoe".to_string();
    session.handle_line("book 9:00 25m").await.unwrap();
    let export = session.handle_line("privacy export").await.unwrap();
    let json_start = export.find("\n{").expect("the JSON is printed");
    let printed: serde_json::Value =
        serde_json::from_str(export[json_start..].trim()).expect("printed JSON");
    assert_eq!(printed["member"]["platform_user_id"], "zoe");
    assert_eq!(printed["bookings"].as_array().unwrap().len(), 1);
    assert!(export.contains("📎 your data: "), "{export}");

    let unclear = session.handle_line("privacy forget me").await.unwrap();
    assert!(
        unclear.contains("Usage: privacy export|delete"),
        "{unclear}"
    );
    let asked = session.handle_line("privacy delete").await.unwrap();
    assert!(
        asked.contains("→ Yes, delete my data: `privacy delete confirm`"),
        "{asked}"
    );
    assert!(session
        .handle_line("sessions")
        .await
        .unwrap()
        .contains("#1"));
    let erased = session.handle_line("privacy delete confirm").await.unwrap();
    assert!(erased.contains("Your data is deleted"), "{erased}");
    assert!(erased.contains("📎 calendar file: "), "{erased}");
    assert!(session
        .handle_line("sessions")
        .await
        .unwrap()
        .contains("No upcoming sessions"));
    let again = session.handle_line("privacy export").await.unwrap();
    let json_start = again.find("\n{").expect("the JSON is printed");
    let printed: serde_json::Value = serde_json::from_str(again[json_start..].trim()).unwrap();
    assert_eq!(printed["bookings"].as_array().unwrap().len(), 0);
}
