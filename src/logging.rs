//! Logging for the CLI: `info` by default (one line per lifecycle step), `RUST_LOG` to change
//! it, plain text or JSON lines (`--log-format json`) for log shippers, always on stderr.
//!
//! matrix-sdk logs every failed HTTP request at ERROR (`matrix_sdk::http_client`: "Error while
//! sending request"), including the 404s a healthy bot gets every start: account data it never
//! set ("Account data not found") and events the server no longer has ("Event not found").
//! Those are expected, and focusfolk logs its own handling of every error that matters, so they
//! are dropped here: an operator's first look at a healthy bot shows no ERROR line. So is the
//! failed `.well-known` lookup on a server name that has none (matrix-sdk falls back to the
//! homeserver URL and logs that at WARN).

use tracing::field::{Field, Visit};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::layer::{Context, SubscriberExt};
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer};

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines.
    #[default]
    Text,
    /// One JSON object per line (timestamp, level, target, fields).
    Json,
}

/// The default filter when `RUST_LOG` is unset: focusfolk's lifecycle at info, the chat
/// libraries' chatter at warn.
pub const DEFAULT_FILTER: &str = "info,serenity=warn,poise=warn,matrix_sdk=warn,\
matrix_sdk_base=warn,matrix_sdk_crypto=warn,matrix_sdk_sqlite=warn,sqlx=warn,hyper=warn,\
tokio_cron_scheduler=warn";

/// Installs the global subscriber (once per process; a second call does nothing).
pub fn init_logging(format: LogFormat) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| DEFAULT_FILTER.into());
    let registry = tracing_subscriber::registry()
        .with(filter)
        .with(QuietBenignMatrixErrors);
    let _ = match format {
        LogFormat::Text => registry
            .with(tracing_subscriber::fmt::layer().with_writer(std::io::stderr))
            .try_init(),
        LogFormat::Json => registry
            .with(
                tracing_subscriber::fmt::layer()
                    .json()
                    .with_current_span(false)
                    .with_writer(std::io::stderr),
            )
            .try_init(),
    };
}

/// Drops matrix-sdk's ERROR lines for requests that failed with an expected 404.
pub struct QuietBenignMatrixErrors;

/// What matrix-sdk's HTTP error lines contain when the failure is expected: 404s for data the
/// bot never set or the server dropped, and a server name without a `.well-known` document
/// (matrix-sdk then falls back to the homeserver URL and says so itself at WARN).
const BENIGN_NOT_FOUND: &[&str] = &[
    "Account data not found",
    "Event not found",
    "/.well-known/matrix/",
];

impl QuietBenignMatrixErrors {
    /// Whether an event with this target, level and rendered message is a benign 404.
    pub fn is_benign(target: &str, level: Level, message: &str) -> bool {
        level == Level::ERROR
            && target.starts_with("matrix_sdk")
            && BENIGN_NOT_FOUND
                .iter()
                .any(|benign| message.contains(benign))
    }
}

impl<S: Subscriber> Layer<S> for QuietBenignMatrixErrors {
    fn event_enabled(&self, event: &Event<'_>, _ctx: Context<'_, S>) -> bool {
        let metadata = event.metadata();
        if *metadata.level() != Level::ERROR || !metadata.target().starts_with("matrix_sdk") {
            return true;
        }
        let mut message = MessageText(String::new());
        event.record(&mut message);
        !Self::is_benign(metadata.target(), *metadata.level(), &message.0)
    }
}

/// Collects an event's fields as text (the message is matrix-sdk's formatted error).
struct MessageText(String);

impl Visit for MessageText {
    fn record_debug(&mut self, _field: &Field, value: &dyn std::fmt::Debug) {
        use std::fmt::Write;
        let _ = write!(self.0, "{value:?} ");
    }

    fn record_str(&mut self, _field: &Field, value: &str) {
        self.0.push_str(value);
        self.0.push(' ');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_matrix_sdk_errors_about_expected_404s_are_dropped() {
        let sdk = "matrix_sdk::http_client";
        let not_found = r#"Error while sending request: Api(Server(ClientApi(Error { status_code: 404, body: Standard { kind: NotFound, message: "Account data not found" } })))"#;
        assert!(QuietBenignMatrixErrors::is_benign(
            sdk,
            Level::ERROR,
            not_found
        ));
        assert!(QuietBenignMatrixErrors::is_benign(
            sdk,
            Level::ERROR,
            "Error while sending request: … \"Event not found\""
        ));
        assert!(QuietBenignMatrixErrors::is_benign(
            sdk,
            Level::ERROR,
            r#"Error while sending request: Reqwest(reqwest::Error { kind: Request, url: "http://localhost/.well-known/matrix/client", … })"#
        ));
        assert!(!QuietBenignMatrixErrors::is_benign(
            sdk,
            Level::ERROR,
            "Error while sending request: 502 Bad Gateway"
        ));
        assert!(!QuietBenignMatrixErrors::is_benign(
            "focusfolk::engine",
            Level::ERROR,
            not_found
        ));
        assert!(!QuietBenignMatrixErrors::is_benign(
            sdk,
            Level::WARN,
            not_found
        ));
    }
}
