//! `[http]`: the operator's endpoint (health, readiness, metrics) and the web pages.

use std::net::SocketAddr;

use serde::Deserialize;

use super::ConfigProblem;

/// Where the HTTP server listens. Loopback by default: the endpoint tells the state of the
/// bot to anyone who can reach it, so exposing it is the operator's choice.
pub const DEFAULT_HTTP_LISTEN: &str = "127.0.0.1:9090";

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct HttpConfig {
    /// `address:port` to listen on, e.g. `0.0.0.0:9090` in a container; `""` turns the
    /// server off.
    pub listen: String,
}

impl Default for HttpConfig {
    fn default() -> Self {
        HttpConfig {
            listen: DEFAULT_HTTP_LISTEN.to_string(),
        }
    }
}

impl HttpConfig {
    /// The address to listen on, `None` when the server is off. Call after validation.
    pub fn listen_address(&self) -> Option<SocketAddr> {
        let listen = self.listen.trim();
        if listen.is_empty() {
            return None;
        }
        listen.parse().ok()
    }

    pub(super) fn validate(&self, problems: &mut Vec<ConfigProblem>) {
        let listen = self.listen.trim();
        if !listen.is_empty() && listen.parse::<SocketAddr>().is_err() {
            problems.push(ConfigProblem::new(
                "http.listen",
                format!(
                    "`http.listen` = {listen:?} is not an address and port; write e.g. \
                     listen = \"127.0.0.1:9090\" (\"0.0.0.0:9090\" in a container), or \
                     listen = \"\" to turn the HTTP endpoint off"
                ),
            ));
        }
    }
}
