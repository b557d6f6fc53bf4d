//! The one way tests wait for something that happens in the background (the bot answering,
//! a gateway event arriving, a Matrix server catching up): poll until it is there, or fail with
//! what was awaited.

#![allow(dead_code)]

use std::future::Future;
use std::time::Duration;

/// How long [`eventually`] waits before failing the test. Generous: on a loaded 2-core CI
/// machine a correct bot can be slow, and only a bot that never gets there should fail.
pub const DEADLINE: Duration = Duration::from_secs(45);

/// The pause between two checks.
pub const POLL: Duration = Duration::from_millis(20);

/// Runs `check` until it returns `Some`, pausing [`POLL`] between checks, and returns the value;
/// panics naming `what` ("timed out waiting for {what}") once [`DEADLINE`] has passed.
pub async fn eventually<T, F, Fut>(what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let deadline = tokio::time::Instant::now() + DEADLINE;
    loop {
        if let Some(value) = check().await {
            return value;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        tokio::time::sleep(POLL).await;
    }
}
