//! The figures an operator scrapes, recorded through the `metrics` facade: one function per
//! event, so every name and label lives here and the call sites stay one line. Without an
//! installed recorder (tests, the shell) each call is a no-op; `focusfolk run` installs the
//! Prometheus exporter (`crate::http::metrics`) and serves it at `/metrics`.

use std::time::Duration;

use metrics::{counter, histogram};

use super::effect_key::EffectKey;
use super::reply::{CommandOutcome, Reply};
use crate::core::model::{JobKind, Platform};

/// Every metric's name, type and help text, for the exporter to describe.
pub const DESCRIPTIONS: &[(&str, MetricType, &str)] = &[
    (BOOKINGS_MADE, MetricType::Counter, "Bookings made."),
    (
        BOOKINGS_CANCELLED,
        MetricType::Counter,
        "Bookings cancelled by their member.",
    ),
    (
        MEMBERS_MATCHED,
        MetricType::Counter,
        "Members matched into a group, by the group's size.",
    ),
    (
        REMATCHES,
        MetricType::Counter,
        "Members rematched after their partner did not show up.",
    ),
    (
        NO_SHOWS,
        MetricType::Counter,
        "Members recorded as no-shows.",
    ),
    (
        DMS_SENT,
        MetricType::Counter,
        "Direct messages sent, by kind.",
    ),
    (
        DMS_FAILED,
        MetricType::Counter,
        "Direct messages not delivered, by reason.",
    ),
    (ROOMS_OPENED, MetricType::Counter, "Pair rooms opened."),
    (ROOMS_CLOSED, MetricType::Counter, "Pair rooms closed."),
    (
        ROOMS_FAILED,
        MetricType::Counter,
        "Pair rooms not opened or not closed, by reason.",
    ),
    (
        JOB_LAG,
        MetricType::Histogram,
        "Seconds between a job's due time and its start, by kind.",
    ),
    (
        JOBS_GIVEN_UP,
        MetricType::Counter,
        "Jobs given up, by kind.",
    ),
    (
        RATE_LIMIT_WAITS,
        MetricType::Counter,
        "Rate-limit answers (Discord 429, Matrix M_LIMIT_EXCEEDED) waited out.",
    ),
    (
        PLATFORM_RECONNECTS,
        MetricType::Counter,
        "Connections to a platform after the first.",
    ),
    (
        COMMAND_DURATION,
        MetricType::Histogram,
        "Seconds the engine took to answer a command.",
    ),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MetricType {
    Counter,
    Histogram,
}

pub const BOOKINGS_MADE: &str = "focusfolk_bookings_made_total";
pub const BOOKINGS_CANCELLED: &str = "focusfolk_bookings_cancelled_total";
pub const MEMBERS_MATCHED: &str = "focusfolk_members_matched_total";
pub const REMATCHES: &str = "focusfolk_rematches_total";
pub const NO_SHOWS: &str = "focusfolk_no_shows_total";
pub const DMS_SENT: &str = "focusfolk_dms_sent_total";
pub const DMS_FAILED: &str = "focusfolk_dms_failed_total";
pub const ROOMS_OPENED: &str = "focusfolk_rooms_opened_total";
pub const ROOMS_CLOSED: &str = "focusfolk_rooms_closed_total";
pub const ROOMS_FAILED: &str = "focusfolk_rooms_failed_total";
pub const JOB_LAG: &str = "focusfolk_job_lag_seconds";
pub const JOBS_GIVEN_UP: &str = "focusfolk_jobs_given_up_total";
pub const RATE_LIMIT_WAITS: &str = "focusfolk_rate_limit_waits_total";
pub const PLATFORM_RECONNECTS: &str = "focusfolk_platform_reconnects_total";
pub const COMMAND_DURATION: &str = "focusfolk_command_duration_seconds";

pub fn booking_made(platform: Platform) {
    counter!(BOOKINGS_MADE, "platform" => platform.as_str()).increment(1);
}

pub fn booking_cancelled(platform: Platform, how_many: u64) {
    counter!(BOOKINGS_CANCELLED, "platform" => platform.as_str()).increment(how_many);
}

/// A group of `size` members was formed (each member counts once).
pub fn group_matched(platform: Platform, size: usize) {
    counter!(MEMBERS_MATCHED, "platform" => platform.as_str(), "group_size" => size.to_string())
        .increment(size as u64);
}

pub fn rematched(platform: Platform, members: usize) {
    counter!(REMATCHES, "platform" => platform.as_str()).increment(members as u64);
}

pub fn no_shows(platform: Platform, members: usize) {
    counter!(NO_SHOWS, "platform" => platform.as_str()).increment(members as u64);
}

/// An effect was performed for the first time (a recorded effect read back is not counted
/// again, so a retried job does not inflate the figures): `failure` is `None` when it was
/// done, else why not (`unreachable`, `refused`, or `temporary`, counted each time).
pub fn effect_performed(platform: Platform, key: &EffectKey, failure: Option<&'static str>) {
    let platform = platform.as_str();
    let reason = failure;
    match (key, reason) {
        (EffectKey::OpenRoom { .. }, None) => {
            counter!(ROOMS_OPENED, "platform" => platform).increment(1)
        }
        (EffectKey::CloseRoom { .. }, None) => {
            counter!(ROOMS_CLOSED, "platform" => platform).increment(1)
        }
        (EffectKey::OpenRoom { .. }, Some(reason)) => {
            counter!(ROOMS_FAILED, "platform" => platform, "step" => "open", "reason" => reason)
                .increment(1)
        }
        (EffectKey::CloseRoom { .. }, Some(reason)) => {
            counter!(ROOMS_FAILED, "platform" => platform, "step" => "close", "reason" => reason)
                .increment(1)
        }
        (dm, None) => {
            counter!(DMS_SENT, "platform" => platform, "kind" => dm_kind(dm)).increment(1)
        }
        (dm, Some(reason)) => {
            counter!(DMS_FAILED, "platform" => platform, "kind" => dm_kind(dm), "reason" => reason)
                .increment(1)
        }
    }
}

fn dm_kind(key: &EffectKey) -> &'static str {
    match key {
        EffectKey::Remind { .. } => "remind",
        EffectKey::Alone { .. } => "alone",
        EffectKey::Announce { .. } => "announce",
        EffectKey::NoRoom { .. } => "noroom",
        EffectKey::Rematch { .. } => "rematch",
        EffectKey::Stranded { .. } => "stranded",
        EffectKey::Missed { .. } => "missed",
        EffectKey::CheckIn { .. } => "checkin",
        EffectKey::Weekly { .. } => "weekly",
        EffectKey::Departed { .. } => "departed",
        EffectKey::CommunityAnnounce { .. } => "post_announce",
        EffectKey::CommunityRemind { .. } => "post_remind",
        EffectKey::FriendRequest { .. } => "friend_request",
        EffectKey::FriendAccepted { .. } => "friend_accepted",
        EffectKey::PartnerMessage { .. } => "partner_message",
        EffectKey::PartnerLate { .. } => "partner_late",
        EffectKey::NobodyFreeYet { .. } => "nobody_free_yet",
        EffectKey::KeptWaiting { .. } => "kept_waiting",
        EffectKey::LockInvitation { .. } => "lock_invitation",
        EffectKey::LockAccepted { .. } => "lock_accepted",
        EffectKey::LockDeclined { .. } => "lock_declined",
        EffectKey::LockUnanswered { .. } => "lock_unanswered",
        EffectKey::OpenRoom { .. } | EffectKey::CloseRoom { .. } => "room",
    }
}

/// A claimed job started `lag` after it was due.
pub fn job_started(platform: Platform, kind: JobKind, lag: chrono::Duration) {
    let seconds = lag.num_milliseconds().max(0) as f64 / 1000.0;
    histogram!(JOB_LAG, "platform" => platform.as_str(), "kind" => kind.as_str()).record(seconds);
}

pub fn job_given_up(platform: Platform, kind: JobKind) {
    counter!(JOBS_GIVEN_UP, "platform" => platform.as_str(), "kind" => kind.as_str()).increment(1);
}

/// The platform answered "rate limited" (Discord's 429, Matrix' `M_LIMIT_EXCEEDED`) and the
/// adapter waits it out. Its own steady pacing below the limits is not counted.
pub fn rate_limit_waited(platform: Platform) {
    counter!(RATE_LIMIT_WAITS, "platform" => platform.as_str()).increment(1);
}

pub fn platform_reconnected(platform: Platform) {
    counter!(PLATFORM_RECONNECTS, "platform" => platform.as_str()).increment(1);
}

/// A command was answered `took` after it arrived. `description` is the command's `Debug`
/// text: its first word is the label (`book`, `cancel`), so a command added later is labelled
/// without a change here. A booking made is counted from the answer's outcome.
pub fn command_answered(platform: Platform, description: &str, reply: &Reply, took: Duration) {
    let word = description
        .split(|c: char| !c.is_ascii_alphanumeric())
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase();
    histogram!(COMMAND_DURATION, "platform" => platform.as_str(), "command" => word)
        .record(took.as_secs_f64());
    if reply.outcome == CommandOutcome::Booked {
        booking_made(platform);
    }
}
