//! The scheduled chores' rules: which durable job a cron tick enqueues (one per community and
//! period, so several instances ticking at once enqueue it once), and what retention pruning
//! may delete. Pure: the period and the cutoffs come from `now`, a parameter.

use chrono::{DateTime, Duration, Utc};

use super::model::{CommunityId, JobKind};

/// How long finished work is kept before the nightly pruning deletes it. Aggregates (members'
/// attended / no-show / late-cancel counts) are never pruned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetentionPolicy {
    /// Effect records (the exactly-once log of DMs and rooms). Must outlive any job that could
    /// still redo their effect: jobs stop mattering within hours of their session.
    pub keep_effects: Duration,
    /// Jobs that finished (done, dropped or given up).
    pub keep_finished_jobs: Duration,
    /// Per-session attendance rows (who was present when).
    pub keep_attendance: Duration,
}

impl Default for RetentionPolicy {
    fn default() -> Self {
        RetentionPolicy {
            keep_effects: Duration::days(30),
            keep_finished_jobs: Duration::days(30),
            keep_attendance: Duration::days(180),
        }
    }
}

/// What may be deleted at `now`: everything recorded (finished, started) before these.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PruneCutoffs {
    pub effects_before: DateTime<Utc>,
    pub finished_jobs_before: DateTime<Utc>,
    pub attendance_of_slots_before: DateTime<Utc>,
}

/// The floor under every retention: whatever the config says, a day's records stay, so a
/// session's own jobs (and their retries) always find their effect records.
pub const MIN_RETENTION: Duration = Duration::days(1);

pub fn prune_cutoffs(now: DateTime<Utc>, policy: &RetentionPolicy) -> PruneCutoffs {
    let before = |keep: Duration| now - keep.max(MIN_RETENTION);
    PruneCutoffs {
        effects_before: before(policy.keep_effects),
        finished_jobs_before: before(policy.keep_finished_jobs),
        attendance_of_slots_before: before(policy.keep_attendance),
    }
}

/// The period a nightly chore's tick at `now` belongs to: its UTC date.
pub fn nightly_period(now: DateTime<Utc>) -> String {
    now.format("%Y-%m-%d").to_string()
}

/// `prune:community:3:2026-11-30`: one job per community and period.
pub fn community_chore_key(kind: JobKind, community: CommunityId, period: &str) -> String {
    format!("{}:community:{}:{period}", kind.as_str(), community.0)
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn ticks_of_one_night_share_a_key_and_the_next_night_does_not() {
        let late = Utc.with_ymd_and_hms(2026, 11, 30, 3, 30, 0).unwrap();
        let later = Utc.with_ymd_and_hms(2026, 11, 30, 23, 59, 59).unwrap();
        let next = Utc.with_ymd_and_hms(2026, 12, 1, 0, 0, 0).unwrap();
        let key = |at| community_chore_key(JobKind::Prune, CommunityId(3), &nightly_period(at));
        assert_eq!(key(late), "prune:community:3:2026-11-30");
        assert_eq!(key(late), key(later));
        assert_ne!(key(late), key(next));
    }

    #[test]
    fn no_retention_is_shorter_than_a_day() {
        let now = Utc.with_ymd_and_hms(2026, 11, 30, 3, 30, 0).unwrap();
        let policy = RetentionPolicy {
            keep_effects: Duration::zero(),
            keep_finished_jobs: Duration::days(30),
            keep_attendance: Duration::hours(1),
        };
        let cutoffs = prune_cutoffs(now, &policy);
        assert_eq!(cutoffs.effects_before, now - Duration::days(1));
        assert_eq!(cutoffs.finished_jobs_before, now - Duration::days(30));
        assert_eq!(cutoffs.attendance_of_slots_before, now - Duration::days(1));
    }
}
