//! The Matrix adapter end to end, against a real Synapse (`./scripts/test` starts two: one with
//! raised rate limits, one with Synapse's defaults). The bot is the real adapter on an engine
//! with a manual clock; members are real matrix-sdk clients that type commands, accept
//! invites, join pair rooms and read their DMs. One binary, so the slow default-rate-limits
//! test overlaps the others instead of adding its minute to the run.

#[path = "support/matrix.rs"]
mod support;
#[path = "support/synapse.rs"]
mod synapse;
#[path = "support/wait.rs"]
mod wait;

#[path = "support/web.rs"]
mod web;

#[path = "matrix_e2e/basics.rs"]
mod basics;
#[path = "matrix_e2e/calendar.rs"]
mod calendar;
#[path = "matrix_e2e/call.rs"]
mod call;
#[path = "matrix_e2e/check_in.rs"]
mod check_in;
#[path = "matrix_e2e/commands.rs"]
mod commands;
#[path = "matrix_e2e/default_limits.rs"]
mod default_limits;
#[path = "matrix_e2e/digest.rs"]
mod digest;
#[path = "matrix_e2e/flood.rs"]
mod flood;
#[path = "matrix_e2e/lifecycle.rs"]
mod lifecycle;
#[path = "matrix_e2e/outage.rs"]
mod outage;
#[path = "matrix_e2e/privacy.rs"]
mod privacy;
#[path = "matrix_e2e/rate_limits.rs"]
mod rate_limits;
#[path = "matrix_e2e/rematch.rs"]
mod rematch;
#[path = "matrix_e2e/restart.rs"]
mod restart;
#[path = "matrix_e2e/session_modes.rs"]
mod session_modes;
#[path = "matrix_e2e/social.rs"]
mod social;
#[path = "matrix_e2e/stats.rs"]
mod stats;

use chrono::{DateTime, TimeZone, Utc};

/// Mon 30 Nov 2026 08:00 UTC on the bot's manual clock (Synapse keeps real time; only the
/// engine's schedule uses this clock).
pub fn test_start() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 30, 8, 0, 0).unwrap()
}

pub fn at(hour: u32, minute: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 30, hour, minute, 0).unwrap()
}

pub const REMINDER: &str = "starts in";
pub const ANNOUNCE: &str = "It's time!";
pub const CHECK_IN: &str = "Session done";
