//! The throwaway Synapse that `./scripts/test` starts, and fresh users on it.
//!
//! Users are registered with the shared-secret admin API: GET a single-use nonce, then POST it
//! with the user's name and password and an HMAC-SHA1 over `nonce\0user\0password\0admin|notadmin`
//! keyed by `registration_shared_secret`. The reply carries an access token, so test members
//! never log in (Synapse rate-limits logins per address).
//!
//! Without the environment variables the Matrix tests fail (never skip silently): a green run
//! must mean the Matrix adapter really talked to a homeserver.

#![allow(dead_code)]

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use hmac::{Hmac, Mac};
use serde_json::{json, Value};

pub const URL_VAR: &str = "FOCUSFOLK_TEST_SYNAPSE_URL";
pub const SECRET_VAR: &str = "FOCUSFOLK_TEST_SYNAPSE_SECRET";
/// A second Synapse that keeps every default rate limit (room creation: burst 10).
pub const DEFAULT_LIMITS_URL_VAR: &str = "FOCUSFOLK_TEST_SYNAPSE_DEFAULT_LIMITS_URL";
pub const DEFAULT_LIMITS_SECRET_VAR: &str = "FOCUSFOLK_TEST_SYNAPSE_DEFAULT_LIMITS_SECRET";

#[derive(Clone)]
pub struct Synapse {
    pub url: String,
    secret: String,
    http: reqwest::Client,
    /// A server admin, registered on first use, to look at rooms nobody else can see.
    admin: std::sync::Arc<tokio::sync::OnceCell<Registered>>,
}

#[derive(Debug, Clone)]
pub struct Registered {
    pub user_id: String,
    pub localpart: String,
    pub password: String,
    pub access_token: String,
    pub device_id: String,
}

impl Synapse {
    /// The Synapse with raised rate limits (every test but one).
    pub fn from_env() -> Synapse {
        Self::from_vars(URL_VAR, SECRET_VAR)
    }

    /// The Synapse with Synapse's default rate limits.
    pub fn with_default_limits_from_env() -> Synapse {
        Self::from_vars(DEFAULT_LIMITS_URL_VAR, DEFAULT_LIMITS_SECRET_VAR)
    }

    fn from_vars(url_var: &str, secret_var: &str) -> Synapse {
        let read = |name: &str| {
            std::env::var(name).unwrap_or_else(|_| {
                panic!(
                    "{name} is not set, so the Matrix tests have no homeserver. Run the tests with \
                     ./scripts/test (it starts throwaway Synapse servers and sets {URL_VAR}, {SECRET_VAR}, \
                     {DEFAULT_LIMITS_URL_VAR} and {DEFAULT_LIMITS_SECRET_VAR}), or start one yourself with \
                     `scripts/synapse start DIR` and export its URL and shared secret."
                )
            })
        };
        Synapse {
            url: read(url_var).trim_end_matches('/').to_string(),
            secret: read(secret_var),
            http: reqwest::Client::new(),
            admin: Default::default(),
        }
    }

    /// A new user whose name starts with `name` and is unique across runs on this server.
    pub async fn register(&self, name: &str) -> Registered {
        self.register_as(&unique(name), false).await
    }

    pub async fn register_as(&self, localpart: &str, admin: bool) -> Registered {
        let endpoint = format!("{}/_synapse/admin/v1/register", self.url);
        let nonce: Value = self
            .http
            .get(&endpoint)
            .send()
            .await
            .expect("GET register nonce")
            .json()
            .await
            .expect("nonce json");
        let nonce = nonce["nonce"].as_str().expect("nonce").to_string();
        let password = format!("pw-{localpart}");
        let mut mac = Hmac::<sha1::Sha1>::new_from_slice(self.secret.as_bytes()).expect("hmac key");
        mac.update(nonce.as_bytes());
        mac.update(b"\0");
        mac.update(localpart.as_bytes());
        mac.update(b"\0");
        mac.update(password.as_bytes());
        mac.update(b"\0");
        mac.update(if admin {
            b"admin" as &[u8]
        } else {
            b"notadmin"
        });
        let mac = hex::encode(mac.finalize().into_bytes());
        let response = self
            .http
            .post(&endpoint)
            .json(&json!({"nonce": nonce, "username": localpart, "password": password, "admin": admin, "mac": mac}))
            .send()
            .await
            .expect("POST register");
        let status = response.status();
        let body: Value = response.json().await.expect("register json");
        assert!(
            status.is_success(),
            "registering {localpart}: {status} {body}"
        );
        Registered {
            user_id: body["user_id"].as_str().expect("user_id").to_string(),
            localpart: localpart.to_string(),
            password,
            access_token: body["access_token"]
                .as_str()
                .expect("access_token")
                .to_string(),
            device_id: body["device_id"].as_str().expect("device_id").to_string(),
        }
    }

    /// A raw client-server call with a user's token (for what a test checks behind the bot).
    pub async fn call(
        &self,
        token: &str,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> (u16, Value) {
        let mut request = self
            .http
            .request(method, format!("{}{path}", self.url))
            .bearer_auth(token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request
            .send()
            .await
            .unwrap_or_else(|error| panic!("{path}: {error}"));
        let status = response.status().as_u16();
        let body = response.json().await.unwrap_or(Value::Null);
        (status, body)
    }

    /// A room's current members and their membership (server admin view), e.g. after the bot
    /// left and forgot a room.
    pub async fn memberships(&self, room: &str) -> std::collections::BTreeMap<String, String> {
        let admin = self
            .admin
            .get_or_init(|| async { self.register_as(&unique("overseer"), true).await })
            .await
            .clone();
        let path = format!("/_synapse/admin/v1/rooms/{room}/state");
        let (status, body) = self
            .call(&admin.access_token, reqwest::Method::GET, &path, None)
            .await;
        assert_eq!(status, 200, "{body}");
        body["state"]
            .as_array()
            .expect("state")
            .iter()
            .filter(|event| event["type"] == "m.room.member")
            .map(|event| {
                (
                    event["state_key"].as_str().unwrap_or_default().to_string(),
                    event["content"]["membership"]
                        .as_str()
                        .unwrap_or_default()
                        .to_string(),
                )
            })
            .collect()
    }

    /// The devices of a user, by id.
    pub async fn devices(&self, token: &str) -> Vec<String> {
        let (status, body) = self
            .call(
                token,
                reqwest::Method::GET,
                "/_matrix/client/v3/devices",
                None,
            )
            .await;
        assert_eq!(status, 200, "{body}");
        let mut devices: Vec<String> = body["devices"]
            .as_array()
            .expect("devices")
            .iter()
            .filter_map(|d| d["device_id"].as_str().map(str::to_string))
            .collect();
        devices.sort();
        devices
    }
}

/// `ann` becomes `ann_<pid>_<n>_<nanos>`: fresh users per test, and per run on a reused server.
pub fn unique(name: &str) -> String {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!(
        "{}_{}_{}_{}",
        name.to_lowercase(),
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed),
        nanos % 100_000
    )
}

/// A homeserver of the test's own, for what the shared ones must not see: it is stopped and
/// started again (outage tests) or advertises a MatrixRTC focus. Started with
/// `scripts/synapse start DIR [options]`, on its own data directory and port; `stop` and
/// `restart` keep both, so the same homeserver comes back with its rooms, users and tokens.
/// Dropped: stopped.
pub struct OwnSynapse {
    pub synapse: Synapse,
    dir: tempfile::TempDir,
}

impl OwnSynapse {
    /// `options` as `scripts/synapse start` takes them (`--rtc-focus URL`, `--default-limits`).
    pub async fn start(options: &[&str]) -> OwnSynapse {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut args = vec!["start", dir.path().to_str().expect("utf-8 temp dir")];
        args.extend_from_slice(options);
        let output = run_script(&args).await;
        let read = |name: &str| {
            output
                .lines()
                .find_map(|line| line.strip_prefix(&format!("{name}=")))
                .unwrap_or_else(|| panic!("scripts/synapse printed no {name}: {output}"))
                .to_string()
        };
        let synapse = Synapse {
            url: read("SYNAPSE_URL"),
            secret: read("SYNAPSE_SECRET"),
            http: reqwest::Client::new(),
            admin: Default::default(),
        };
        OwnSynapse { synapse, dir }
    }

    /// Stops the homeserver (its process killed, as an outage would).
    pub async fn stop(&self) {
        run_script(&["stop", self.dir_str()]).await;
    }

    /// Starts the same homeserver again and waits until it answers.
    pub async fn restart(&self) {
        run_script(&["restart", self.dir_str()]).await;
    }

    fn dir_str(&self) -> &str {
        self.dir.path().to_str().expect("utf-8 temp dir")
    }
}

impl Drop for OwnSynapse {
    fn drop(&mut self) {
        let _ = std::process::Command::new(script_path())
            .args(["stop", self.dir_str()])
            .status();
    }
}

fn script_path() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/synapse")
}

/// Runs `scripts/synapse` off the async threads; its stdout, or a panic with its stderr.
async fn run_script(args: &[&str]) -> String {
    let args: Vec<String> = args.iter().map(|arg| arg.to_string()).collect();
    tokio::task::spawn_blocking(move || {
        let output = std::process::Command::new(script_path())
            .args(&args)
            .output()
            .expect("run scripts/synapse");
        assert!(
            output.status.success(),
            "scripts/synapse {args:?} failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8_lossy(&output.stdout).into_owned()
    })
    .await
    .expect("scripts/synapse task")
}
