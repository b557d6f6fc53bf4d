//! The secrets acceptance test (security review S1–S5): with every secret set — a Discord token,
//! a Matrix password and access token, a database URL with a password in both its user info and
//! its query, credentials in the Discord proxy, homeserver and Element Call URLs — no secret
//! appears in anything focusfolk prints or logs: `check-config`, a config's `{:?}`, the redacted
//! URLs, validation problems, a failing database connection, and whole lifecycles (book → match
//! → announce → check-in) on the shell and on the fake Discord, with every log line at TRACE
//! captured.

mod common;
mod discord_common;

use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};

use discord_common::fake_discord;
use focusfolk::config::{check_config, Config};
use focusfolk::store::Store;

/// Each secret is a distinct word that appears nowhere else.
const DISCORD_TOKEN: &str = "MTAdiscordTokenSecret0";
const PROXY_PASSWORD: &str = "proxyPassSecret1";
const MATRIX_PASSWORD: &str = "matrixPassSecret2";
const MATRIX_ACCESS_TOKEN: &str = "syt_matrixAccessTokenSecret3";
const HOMESERVER_PASSWORD: &str = "homeserverPassSecret4";
const CALL_TOKEN: &str = "elementCallTokenSecret5";
const DB_PASSWORD: &str = "dbUserinfoSecret6";
const DB_QUERY_PASSWORD: &str = "dbQueryPassSecret7";
const DB_SSL_PASSWORD: &str = "dbSslPassSecret8";

const SECRETS: &[&str] = &[
    DISCORD_TOKEN,
    PROXY_PASSWORD,
    MATRIX_PASSWORD,
    MATRIX_ACCESS_TOKEN,
    HOMESERVER_PASSWORD,
    CALL_TOKEN,
    DB_PASSWORD,
    DB_QUERY_PASSWORD,
    DB_SSL_PASSWORD,
    // The fake Discord's bot token, sent with every REST call of the Discord lifecycle.
    discord_common::fake_discord::TOKEN,
];

/// A config with every secret set; `database` and the URLs are parameters so the broken
/// variants reuse it.
fn config_toml(database_url: &str, homeserver_url: &str, api_base_url: &str) -> String {
    format!(
        r#"
[database]
url = "{database_url}"

[matrix]
homeserver_url = "{homeserver_url}"
user_id = "@focusfolk:example.org"
password = "{MATRIX_PASSWORD}"
access_token = "{MATRIX_ACCESS_TOKEN}"
element_call_url = "https://call.example.org/?token={CALL_TOKEN}&room=x"

[discord]
token = "{DISCORD_TOKEN}"
api_base_url = "{api_base_url}"
use_serenity_ratelimiter = false
"#
    )
}

fn database_url() -> String {
    // Port 1 on loopback: nothing listens, so connecting fails fast, as a wrong host would.
    format!(
        "postgres://focusfolk:{DB_PASSWORD}@127.0.0.1:1/focusfolk?sslmode=disable&password={DB_QUERY_PASSWORD}&SSLPASSWORD={DB_SSL_PASSWORD}"
    )
}

fn homeserver_url() -> String {
    format!("https://bot:{HOMESERVER_PASSWORD}@matrix.example.org")
}

fn api_base_url() -> String {
    format!("http://proxy:{PROXY_PASSWORD}@127.0.0.1:3000")
}

/// Every log line of the test binary, at TRACE, from every thread.
fn captured_logs() -> Arc<Mutex<Vec<u8>>> {
    static LOGS: OnceLock<Arc<Mutex<Vec<u8>>>> = OnceLock::new();
    LOGS.get_or_init(|| {
        use tracing_subscriber::layer::SubscriberExt;
        use tracing_subscriber::util::SubscriberInitExt;
        use tracing_subscriber::Layer;

        let logs: Arc<Mutex<Vec<u8>>> = Arc::default();
        let writer = logs.clone();
        // Everything at TRACE, but for the fake Discord's own gateway connections: the fake is
        // the server, and its websocket library logs every frame the bot sent it.
        let not_the_fake = tracing_subscriber::filter::DynFilterFn::new(|_, context| {
            context.lookup_current().is_none_or(|span| {
                span.scope()
                    .all(|span| span.name() != fake_discord::gateway::FAKE_GATEWAY_SPAN)
            })
        });
        tracing_subscriber::registry()
            .with(
                tracing_subscriber::fmt::layer()
                    .with_ansi(false)
                    .with_writer(move || LogWriter(writer.clone()))
                    .with_filter(not_the_fake),
            )
            .try_init()
            .expect("the only subscriber of this test binary");
        logs
    })
    .clone()
}

struct LogWriter(Arc<Mutex<Vec<u8>>>);

impl Write for LogWriter {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Panics naming the secret and where it showed up.
fn assert_no_secret(what: &str, text: &str) {
    for secret in SECRETS {
        assert!(
            !text.contains(secret),
            "{what} shows the secret {secret:?}:\n{text}"
        );
    }
}

fn assert_logs_hold_no_secret(logs: &Arc<Mutex<Vec<u8>>>) {
    let logs = String::from_utf8_lossy(&logs.lock().unwrap_or_else(|p| p.into_inner())).to_string();
    assert!(!logs.is_empty(), "the subscriber captured the logs");
    assert_no_secret("the log", &logs);
}

/// `check-config`, `{:?}`, the redacted URLs, validation problems and a failing connection.
#[tokio::test]
async fn no_secret_is_printed_by_the_config_or_a_failing_database() {
    let logs = captured_logs();
    let mut printed = Vec::new();

    let directory = tempfile::tempdir().expect("temp dir");
    let path = directory.path().join("focusfolk.toml");
    std::fs::write(
        &path,
        config_toml(&database_url(), &homeserver_url(), &api_base_url()),
    )
    .expect("write config");
    let summary = check_config(Some(&path)).expect("the config is valid");
    assert!(summary.contains("config OK"), "{summary}");
    assert!(
        summary.contains("127.0.0.1:3000") && summary.contains("matrix.example.org"),
        "the summary still says where things are: {summary}"
    );
    printed.push(("check-config", summary));

    let config = Config::from_toml_str_and_env(
        &config_toml(&database_url(), &homeserver_url(), &api_base_url()),
        &[],
    )
    .expect("valid");
    tracing::info!(
        ?config,
        "the whole config, as a careless debug line would log it"
    );
    printed.push(("the config's {:?}", format!("{config:?}")));
    printed.push(("the config's {:#?}", format!("{config:#?}")));
    printed.push(("database.redacted_url()", config.database.redacted_url()));
    printed.push((
        "matrix.redacted_homeserver_url()",
        config.matrix.redacted_homeserver_url(),
    ));
    printed.push((
        "discord.redacted_api_base_url()",
        config.discord.redacted_api_base_url(),
    ));

    // What `migrate` and `run` print when the database is unreachable.
    let error = Store::connect_and_migrate(&config.database.url)
        .await
        .err()
        .expect("nothing listens on port 1");
    printed.push(("a failed connection", format!("{error} / {error:?}")));

    // Validation problems quote the values they refuse.
    let broken = [
        config_toml(
            &format!("mysql://focusfolk:{DB_PASSWORD}@db/x?password={DB_QUERY_PASSWORD}"),
            &format!("ftp://bot:{HOMESERVER_PASSWORD}@matrix.example.org"),
            &format!("proxy:{PROXY_PASSWORD}@127.0.0.1:3000"),
        ),
        // Secrets of the wrong type.
        format!(
            "[matrix]\nhomeserver_url = \"https://m.example.org\"\nuser_id = \"@a:b\"\n\
             password = {}\naccess_token = [\"{MATRIX_ACCESS_TOKEN}\"]\n\
             [discord]\ntoken = {{ value = \"{DISCORD_TOKEN}\" }}\n\
             [database]\nurl = [\"postgres://u:{DB_PASSWORD}@db/x\"]\n",
            // A numeric password: the value itself must not be echoed either.
            "1234567890987654321"
        ),
    ];
    for toml in &broken {
        let error = Config::from_toml_str_and_env(toml, &[]).expect_err("invalid");
        let text = error.to_string();
        assert!(!text.is_empty());
        assert!(
            !text.contains("1234567890987654321"),
            "a wrongly typed password is not echoed: {text}"
        );
        printed.push(("a validation problem", text));
    }
    // The same secrets from the environment.
    let error = Config::from_toml_str_and_env(
        "",
        &[
            ("FOCUSFOLK_DISCORD__TOKEN", DISCORD_TOKEN),
            (
                "FOCUSFOLK_DISCORD__API_BASE_URL",
                &format!("ws://proxy:{PROXY_PASSWORD}@127.0.0.1"),
            ),
            (
                "FOCUSFOLK_MATRIX__HOMESERVER_URL",
                &homeserver_url().replace("https", "gopher"),
            ),
            ("FOCUSFOLK_MATRIX__PASSWORD", MATRIX_PASSWORD),
            (
                "FOCUSFOLK_DATABASE__URL",
                &database_url().replace("postgres", "mongodb"),
            ),
        ],
    )
    .expect_err("invalid");
    printed.push(("environment problems", error.to_string()));

    for (what, text) in &printed {
        assert_no_secret(what, text);
    }
    assert_logs_hold_no_secret(&logs);
}

/// A whole shell session on a config with every secret set, logs at TRACE.
#[tokio::test]
async fn a_whole_shell_lifecycle_logs_and_shows_no_secret() {
    let logs = captured_logs();
    let config = Config::from_toml_str_and_env(
        &config_toml(&database_url(), &homeserver_url(), &api_base_url()),
        &[],
    )
    .expect("valid");
    tracing::debug!(?config, "starting with");
    let app = common::spawn_app().await;
    let mut shown = Vec::new();
    for (member, command) in [
        ("ann", "book 9:00 25m"),
        ("ben", "book 9:00 25m"),
        ("ann", "friend ben"),
        ("ann", "sessions"),
    ] {
        shown.push(app.say(member, command).await);
    }
    app.advance_to(common::at(9, 0)).await;
    app.join(&["ann", "ben"]);
    app.advance_to(common::at(10, 0)).await;
    for member in ["ann", "ben"] {
        let dms = app.dms(member);
        assert!(
            dms.iter().any(|dm| dm.contains("Session done")),
            "{member} got to the check-in: {dms:?}"
        );
        shown.extend(dms);
    }
    assert_no_secret("what the members saw", &shown.join("\n"));
    assert_logs_hold_no_secret(&logs);
}

/// A whole Discord session on the fake Discord: its bot token rides on every REST call, and
/// must not show up in any log line, answer or DM.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_whole_discord_lifecycle_logs_and_shows_no_bot_token() {
    let logs = captured_logs();
    let app = discord_common::spawn(discord_common::Options::default()).await;
    let ann = app.member("ann");
    let ben = app.member("ben");
    let mut shown = Vec::new();
    for member in [ann, ben] {
        let answer = app.book(member, "9:00", 25).await;
        assert!(answer.contains("Booked"), "{answer}");
        shown.push(answer);
    }
    app.advance_to(discord_common::at(9, 0)).await;
    let room = app.room_of(ann);
    app.join(ann, room).await;
    app.join(ben, room).await;
    app.advance_to(discord_common::at(10, 0)).await;
    for member in [ann, ben] {
        let dms = app.dm_texts(member);
        assert!(
            dms.iter().any(|dm| dm.contains("Session done")),
            "{member} got to the check-in: {dms:?}"
        );
        shown.extend(dms);
    }
    assert_no_secret("what the members saw", &shown.join("\n"));
    assert_logs_hold_no_secret(&logs);
}
