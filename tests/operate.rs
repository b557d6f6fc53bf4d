//! Issue 12, running it like a service: the HTTP endpoint (/healthz, /readyz, /metrics) on a
//! real socket, the `focusfolk` binary's `healthcheck`, `jobs` and `stats` against a real
//! database (SQLite, and PostgreSQL through `./scripts/test`), and `--version`.

mod common;
#[path = "support/postgres.rs"]
mod pg;

use std::process::Command;
use std::sync::Arc;

use common::{at, spawn_app, TestApp};
use focusfolk::core::model::Platform;
use focusfolk::engine::health::HealthBoard;
use focusfolk::http::health::{check_readiness, ReadinessRules};
use focusfolk::http::OpsState;
use focusfolk::store::Store;

/// The metrics recorder is process-wide: tests that book run one at a time, so the one that
/// reads the counters sees exactly its own.
static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

const BINARY: &str = env!("CARGO_BIN_EXE_focusfolk");

struct Server {
    base: String,
    address: std::net::SocketAddr,
    _stop: tokio::sync::watch::Sender<bool>,
}

async fn serve(state: OpsState) -> Server {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let (stop, shutdown) = tokio::sync::watch::channel(false);
    tokio::spawn(focusfolk::http::serve(
        listener,
        state,
        axum::Router::new().route("/extra", axum::routing::get(|| async { "merged" })),
        shutdown,
    ));
    Server {
        base: format!("http://{address}"),
        address,
        _stop: stop,
    }
}

fn ops_state(store: Store, health: Arc<HealthBoard>) -> OpsState {
    OpsState {
        store,
        health,
        metrics: None,
        readiness: ReadinessRules::default(),
    }
}

async fn get(url: &str) -> (u16, String) {
    let response = reqwest::get(url).await.expect("request");
    let status = response.status().as_u16();
    (status, response.text().await.expect("body"))
}

#[tokio::test]
async fn readyz_is_ready_only_when_database_runner_and_connection_are_and_says_which_is_not() {
    let _serial = SERIAL.lock().await;
    let app = spawn_app().await;
    let store = app.engine.store_for_tests().clone();
    let health = Arc::new(HealthBoard::new());
    health.expect_platform(Platform::Shell);
    let server = serve(ops_state(store.clone(), health.clone())).await;

    let (status, body) = get(&format!("{}/healthz", server.base)).await;
    assert_eq!((status, body.as_str()), (200, "ok\n"));
    let (status, body) = get(&format!("{}/extra", server.base)).await;
    assert_eq!(
        (status, body.as_str()),
        (200, "merged"),
        "extra routes merged"
    );

    let (status, body) = get(&format!("{}/readyz", server.base)).await;
    assert_eq!(status, 503, "{body}");
    let json: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(json["ready"], false);
    assert_eq!(json["database"]["ok"], true);
    assert_eq!(json["platforms"][0]["platform"], "shell");
    assert_eq!(
        json["platforms"][0]["connection"]["problem"],
        "not connected yet"
    );
    assert_eq!(
        json["platforms"][0]["runner"]["problem"],
        "the job runner has not started"
    );

    health.set_connected(Platform::Shell, true);
    health.runner_seen(Platform::Shell, std::time::Duration::from_secs(60));
    let (status, body) = get(&format!("{}/readyz", server.base)).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&body).unwrap()["ready"],
        true
    );

    // A booking at 09:00 plans its reminder for 08:50. Half a minute after that nothing is
    // behind yet; five minutes after, the unclaimed reminder makes the runner "behind".
    assert!(app.say("ann", "book 9:00").await.contains("Booked"));
    let state = ops_state(store.clone(), health.clone());
    let early = check_readiness(&state, at(8, 50) + chrono::Duration::seconds(30)).await;
    assert!(early.ready, "{early:?}");
    let late = check_readiness(&state, at(8, 55)).await;
    assert!(!late.ready);
    let problem = late.platforms[0].runner.problem.clone().unwrap();
    assert!(
        problem.starts_with("behind: a job due 300 s ago"),
        "{problem}"
    );

    health.set_connected(Platform::Shell, false);
    health.runner_stopped(Platform::Shell);
    let (status, body) = get(&format!("{}/readyz", server.base)).await;
    assert_eq!(status, 503);
    assert!(body.contains("disconnected; reconnecting"), "{body}");
    assert!(body.contains("the job runner stopped"), "{body}");
}

#[tokio::test]
async fn metrics_count_bookings_cancels_matches_dms_rooms_job_lag_and_command_latency() {
    let _serial = SERIAL.lock().await;
    let handle = focusfolk::http::metrics::install_recorder().expect("recorder");
    let app = spawn_app().await;
    let mut state = ops_state(
        app.engine.store_for_tests().clone(),
        Arc::new(HealthBoard::new()),
    );
    state.metrics = Some(handle);
    let server = serve(state).await;

    for member in ["ann", "bob", "cat"] {
        assert!(app.say(member, "book 9:00").await.contains("Booked"));
    }
    assert!(app.say("dan", "book 9:00").await.contains("Booked"));
    assert!(app.say("dan", "cancel").await.contains("Cancelled"));
    app.advance_to(at(9, 1)).await;
    app.advance_to(at(10, 0)).await;

    let (status, body) = get(&format!("{}/metrics", server.base)).await;
    assert_eq!(status, 200);
    let value = |line_start: &str| -> f64 {
        body.lines()
            .find(|line| line.starts_with(line_start))
            .unwrap_or_else(|| panic!("no {line_start} in\n{body}"))
            .rsplit(' ')
            .next()
            .unwrap()
            .parse()
            .unwrap()
    };
    assert_eq!(
        value(r#"focusfolk_bookings_made_total{platform="shell"}"#),
        4.0
    );
    assert_eq!(
        value(r#"focusfolk_bookings_cancelled_total{platform="shell"}"#),
        1.0
    );
    // Three members: one trio.
    assert_eq!(
        value(r#"focusfolk_members_matched_total{platform="shell",group_size="3"}"#),
        3.0
    );
    assert_eq!(
        value(r#"focusfolk_rooms_opened_total{platform="shell"}"#),
        1.0
    );
    assert_eq!(
        value(r#"focusfolk_rooms_closed_total{platform="shell"}"#),
        1.0
    );
    assert_eq!(
        value(r#"focusfolk_dms_sent_total{platform="shell",kind="announce"}"#),
        3.0
    );
    // Nobody joined the room: all three are no-shows, told so.
    assert_eq!(value(r#"focusfolk_no_shows_total{platform="shell"}"#), 3.0);
    // fast_forward runs each job at its own due time: every lag is under the first bucket.
    assert!(
        value(r#"focusfolk_job_lag_seconds_bucket{platform="shell",kind="prepare",le="0.1"}"#)
            >= 1.0
    );
    assert!(
        value(r#"focusfolk_command_duration_seconds_count{platform="shell",command="book"}"#)
            == 4.0
    );
    assert!(body.contains("# HELP focusfolk_bookings_made_total Bookings made."));
    assert!(body.contains("# TYPE focusfolk_command_duration_seconds histogram"));
}

/// The binary with the test's database and HTTP address in its environment.
fn focusfolk(database_url: &str, args: &[&str]) -> (bool, String, String) {
    let output = Command::new(BINARY)
        .args(args)
        .env("FOCUSFOLK_DATABASE__URL", database_url)
        .env("FOCUSFOLK_HTTP__LISTEN", "127.0.0.1:1")
        .env_remove("RUST_LOG")
        .current_dir(std::env::temp_dir())
        .output()
        .expect("run focusfolk");
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

// Multi-threaded: the server answers while this thread waits for the child process.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn healthcheck_passes_against_a_live_endpoint_and_fails_against_none() {
    let app = spawn_app().await;
    let server = serve(ops_state(
        app.engine.store_for_tests().clone(),
        Arc::new(HealthBoard::new()),
    ))
    .await;
    let output = Command::new(BINARY)
        .arg("healthcheck")
        .env("FOCUSFOLK_HTTP__LISTEN", server.address.to_string())
        .current_dir(std::env::temp_dir())
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    // A wildcard listen address is probed on loopback.
    let wildcard = format!("0.0.0.0:{}", server.address.port());
    let output = Command::new(BINARY)
        .arg("healthcheck")
        .env("FOCUSFOLK_HTTP__LISTEN", wildcard)
        .current_dir(std::env::temp_dir())
        .output()
        .unwrap();
    assert!(output.status.success());

    let (ok, _, stderr) = focusfolk(&app.database_url, &["healthcheck"]);
    assert!(!ok, "nothing listens on port 1");
    assert!(
        stderr.contains("cannot reach http://127.0.0.1:1/healthz"),
        "{stderr}"
    );
    let output = Command::new(BINARY)
        .arg("healthcheck")
        .env("FOCUSFOLK_HTTP__LISTEN", "")
        .current_dir(std::env::temp_dir())
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("the HTTP endpoint is off"));
}

#[test]
fn version_names_the_compiled_in_platforms() {
    let output = Command::new(BINARY).arg("--version").output().unwrap();
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(text.starts_with(&format!("focusfolk {}", env!("CARGO_PKG_VERSION"))));
    #[cfg(feature = "discord")]
    assert!(text.contains("discord"), "{text}");
    #[cfg(feature = "matrix")]
    assert!(text.contains("matrix"), "{text}");
    assert!(text.contains("shell"), "{text}");
}

/// Books, runs a slot, gives one job up by hand, then drives `focusfolk jobs` and `stats`
/// through the binary against the same database.
async fn jobs_and_stats_through_the_binary(app: &TestApp, database_url: &str) {
    for member in ["ann", "bob"] {
        assert!(app.say(member, "book 9:00").await.contains("Booked"));
    }
    assert!(app.say("ann", "book 11:00").await.contains("Booked"));
    app.advance_to(at(9, 1)).await;
    app.join(&["ann", "bob"]);
    app.advance_to(at(10, 0)).await;

    // The 11:00 slot's reminder gives up (as a job does after a platform refused too often).
    let store = app.engine.store_for_tests();
    let job = store
        .claim_due_job(
            "operator-test",
            at(10, 50),
            chrono::Duration::minutes(2),
            Platform::Shell,
        )
        .await
        .unwrap()
        .expect("the 11:00 reminder is due");
    assert_eq!(job.key.split(':').next(), Some("remind"));
    assert!(store
        .finish_job(
            job.id,
            "operator-test",
            "gave up: the platform refused",
            at(10, 51)
        )
        .await
        .unwrap());

    let (ok, listing, stderr) = focusfolk(database_url, &["jobs", "--failed"]);
    assert!(ok, "{stderr}");
    let line = listing
        .lines()
        .find(|line| line.contains(&job.key))
        .unwrap_or_else(|| panic!("{listing}"));
    assert!(
        line.contains("gave up") && line.contains("the platform refused"),
        "{line}"
    );
    assert_eq!(listing.lines().count(), 2, "header and one job:\n{listing}");

    let (ok, pending, _) = focusfolk(database_url, &["jobs", "--pending"]);
    assert!(ok);
    assert!(pending.contains("prepare:slot:"), "{pending}");
    assert!(!pending.contains(&job.key), "{pending}");

    let id = job.id.0.to_string();
    let (ok, retried, stderr) = focusfolk(database_url, &["jobs", "retry", &id]);
    assert!(ok, "{stderr}");
    assert!(retried.contains("pending again"), "{retried}");
    let (_, pending, _) = focusfolk(database_url, &["jobs", "--pending"]);
    assert!(pending.contains(&job.key), "{pending}");
    let (_, failed, _) = focusfolk(database_url, &["jobs", "--failed"]);
    assert_eq!(failed.trim(), "no job gave up");

    // The 9:00 slot's jobs all ran: retrying one that finished normally is refused.
    let (ok, slot_jobs, _) = focusfolk(database_url, &["jobs", "--slot", "1"]);
    assert!(ok);
    let done = slot_jobs
        .lines()
        .find(|line| line.contains("prepare:slot:1"))
        .unwrap_or_else(|| panic!("{slot_jobs}"));
    assert!(done.contains(" done "), "{done}");
    let done_id = done.split_whitespace().next().unwrap();
    let (ok, _, stderr) = focusfolk(database_url, &["jobs", "retry", done_id]);
    assert!(!ok);
    assert!(stderr.contains("finished normally"), "{stderr}");
    let (ok, _, stderr) = focusfolk(database_url, &["jobs", "retry", "999999"]);
    assert!(!ok);
    assert!(stderr.contains("there is no job 999999"), "{stderr}");

    let (ok, stats, stderr) = focusfolk(database_url, &["stats"]);
    assert!(ok, "{stderr}");
    // (Upcoming and last-week figures depend on the wall clock `stats` reads; these do not.)
    assert!(
        stats.starts_with("shell test-community: 2 members, "),
        "{stats}"
    );
    assert!(stats.contains("2 attended, 0 no-shows"), "{stats}");
}

#[tokio::test]
async fn jobs_cli_lists_retries_and_refuses_on_sqlite() {
    let _serial = SERIAL.lock().await;
    let app = spawn_app().await;
    let url = app.database_url.clone();
    jobs_and_stats_through_the_binary(&app, &url).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jobs_cli_lists_retries_and_refuses_on_postgres() {
    let _serial = SERIAL.lock().await;
    let database = pg::TestDatabase::create().await;
    let store = Store::connect_and_migrate(&database.url).await.unwrap();
    let app = common::build(
        store.clone(),
        Arc::new(focusfolk::platform::shell::ShellPlatform::new()),
        Arc::new(focusfolk::clock::ManualClock::new(common::test_start())),
        database.url.clone(),
        Arc::new(tempfile::tempdir().unwrap()),
        "worker-1",
        Arc::new(focusfolk::engine::NoFaults),
        common::test_limits(),
    );
    jobs_and_stats_through_the_binary(&app, &database.url).await;

    // The database going away makes /readyz say so.
    let health = Arc::new(HealthBoard::new());
    let readiness = check_readiness(&ops_state(store.clone(), health), at(8, 0)).await;
    assert!(readiness.database.ok);
    database.drop_database().await;
    let readiness =
        check_readiness(&ops_state(store, Arc::new(HealthBoard::new())), at(8, 0)).await;
    assert!(!readiness.ready);
    assert!(
        readiness.database.problem.unwrap().contains("database"),
        "says the database"
    );
}

/// The nightly chore: a tick enqueues one prune job per community and day (a second instance's
/// tick, or a repeated one, adds nothing), the runner runs it, and it deletes finished jobs and
/// effect records past their retention, attendance rows later, and members' counts never.
async fn pruning_runs_once_per_community_and_night(app: &TestApp, second_instance: &Store) {
    let store = app.engine.store_for_tests().clone();
    for member in ["ann", "bob"] {
        assert!(app.say(member, "book 9:00").await.contains("Booked"));
    }
    app.advance_to(at(9, 1)).await;
    app.join(&["ann", "bob"]);
    app.advance_to(at(10, 0)).await;
    let slot = focusfolk::core::model::SlotId(1);
    assert_eq!(
        store.jobs_for_slot(slot).await.unwrap().len(),
        focusfolk::core::model::JobKind::PER_SLOT.len()
    );
    assert_eq!(store.attendance_for_slot(slot).await.unwrap().len(), 2);

    // 40 days on: jobs and effects (30 days) go, attendance (180 days) stays.
    let later = at(10, 0) + chrono::Duration::days(40);
    app.clock.advance_to(later);
    let shell = [Platform::Shell];
    assert_eq!(
        focusfolk::cron::enqueue_prune(&store, later, &shell)
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        focusfolk::cron::enqueue_prune(second_instance, later + chrono::Duration::hours(1), &shell)
            .await
            .unwrap(),
        0,
        "the same night, another instance: already enqueued"
    );
    let reports = app.engine.run_due_jobs().await.unwrap();
    assert_eq!(reports.len(), 1, "{reports:?}");
    assert!(reports[0].job.key.starts_with("prune:community:"));
    let summary = reports[0].outcome.to_string();
    let finished = format!(
        "done: pruned {} finished jobs, ",
        focusfolk::core::model::JobKind::PER_SLOT.len()
    );
    assert!(summary.starts_with(&finished), "{summary}");
    assert!(summary.ends_with(", 0 attendance rows"), "{summary}");
    assert!(store.jobs_for_slot(slot).await.unwrap().is_empty());
    assert!(store.effect("dm:announce:g1:m1").await.unwrap().is_none());
    assert_eq!(store.attendance_for_slot(slot).await.unwrap().len(), 2);

    // 200 days on: the attendance rows go too; the members' counts stay.
    let much_later = at(10, 0) + chrono::Duration::days(200);
    app.clock.advance_to(much_later);
    assert_eq!(
        focusfolk::cron::enqueue_prune(&store, much_later, &shell)
            .await
            .unwrap(),
        1
    );
    let reports = app.engine.run_due_jobs().await.unwrap();
    let summary = reports[0].outcome.to_string();
    assert!(summary.ends_with(", 2 attendance rows"), "{summary}");
    assert!(store.attendance_for_slot(slot).await.unwrap().is_empty());
    let ann = store
        .member(focusfolk::core::model::MemberId(1))
        .await
        .unwrap();
    assert_eq!(ann.sessions_attended, 1, "aggregates are kept");
}

#[tokio::test]
async fn pruning_runs_once_per_community_and_night_on_sqlite() {
    let _serial = SERIAL.lock().await;
    let app = spawn_app().await;
    let second = Store::connect(&app.database_url).await.unwrap();
    pruning_runs_once_per_community_and_night(&app, &second).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pruning_runs_once_per_community_and_night_on_postgres() {
    let _serial = SERIAL.lock().await;
    let database = pg::TestDatabase::create().await;
    let store = Store::connect_and_migrate(&database.url).await.unwrap();
    let app = common::build(
        store,
        Arc::new(focusfolk::platform::shell::ShellPlatform::new()),
        Arc::new(focusfolk::clock::ManualClock::new(common::test_start())),
        database.url.clone(),
        Arc::new(tempfile::tempdir().unwrap()),
        "worker-1",
        Arc::new(focusfolk::engine::NoFaults),
        common::test_limits(),
    );
    let second = Store::connect(&database.url).await.unwrap();
    pruning_runs_once_per_community_and_night(&app, &second).await;
    database.drop_database().await;
}

#[test]
fn check_config_explains_a_bad_listen_address_cron_and_retention() {
    let output = Command::new(BINARY)
        .arg("check-config")
        .env("FOCUSFOLK_HTTP__LISTEN", "localhost")
        .env("FOCUSFOLK_CHORES__PRUNE_CRON", "every night")
        .env("FOCUSFOLK_CHORES__KEEP_EFFECTS", "1h")
        .current_dir(std::env::temp_dir())
        .output()
        .unwrap();
    assert!(!output.status.success());
    let text = String::from_utf8_lossy(&output.stderr);
    assert!(
        text.contains("`http.listen` = \"localhost\" is not an address and port"),
        "{text}"
    );
    assert!(
        text.contains("`chores.prune_cron` = \"every night\" is not a cron expression"),
        "{text}"
    );
    assert!(
        text.contains("`chores.keep_effects` = 1h is shorter than a day"),
        "{text}"
    );

    let output = Command::new(BINARY)
        .arg("check-config")
        .env("FOCUSFOLK_HTTP__LISTEN", "")
        .env("FOCUSFOLK_CHORES__PRUNE_CRON", "0 0 4 * * Sun")
        .current_dir(std::env::temp_dir())
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(String::from_utf8_lossy(&output.stdout).contains("http: off"));
}
