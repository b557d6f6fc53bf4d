//! `[chores]`: when the scheduled chores run and what retention pruning keeps.

use serde::Deserialize;

use super::{ConfigProblem, HumanDuration};
use crate::core::chores::RetentionPolicy;

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ChoresConfig {
    /// When the nightly pruning is enqueued: a cron expression with seconds, in UTC
    /// (`sec min hour day-of-month month day-of-week`); `""` turns it off.
    pub prune_cron: String,
    /// When the weekly community digest is enqueued (same form; `""` turns it off). Default
    /// Monday 09:00:00 UTC.
    pub digest_cron: String,
    /// Effect records (the exactly-once log of DMs and rooms) older than this are deleted.
    pub keep_effects: HumanDuration,
    /// Finished jobs older than this are deleted.
    pub keep_finished_jobs: HumanDuration,
    /// Attendance rows of sessions older than this are deleted (members' counts stay).
    pub keep_attendance: HumanDuration,
}

impl Default for ChoresConfig {
    fn default() -> Self {
        ChoresConfig {
            prune_cron: "0 30 3 * * *".to_string(),
            digest_cron: "0 0 9 * * Mon".to_string(),
            keep_effects: HumanDuration::from_mins(30 * 24 * 60),
            keep_finished_jobs: HumanDuration::from_mins(30 * 24 * 60),
            keep_attendance: HumanDuration::from_mins(180 * 24 * 60),
        }
    }
}

impl ChoresConfig {
    /// The cron expression of the nightly pruning, `None` when it is off.
    pub fn prune_schedule(&self) -> Option<&str> {
        Some(self.prune_cron.trim()).filter(|cron| !cron.is_empty())
    }

    /// The cron expression of the weekly digest, `None` when it is off.
    pub fn digest_schedule(&self) -> Option<&str> {
        Some(self.digest_cron.trim()).filter(|cron| !cron.is_empty())
    }

    /// What pruning keeps, as the engine wants it (durations are bounded by validation).
    pub fn retention(&self) -> RetentionPolicy {
        let days = |duration: HumanDuration, default: chrono::Duration| {
            duration.to_chrono().unwrap_or(default)
        };
        let defaults = RetentionPolicy::default();
        RetentionPolicy {
            keep_effects: days(self.keep_effects, defaults.keep_effects),
            keep_finished_jobs: days(self.keep_finished_jobs, defaults.keep_finished_jobs),
            keep_attendance: days(self.keep_attendance, defaults.keep_attendance),
        }
    }

    pub(super) fn validate(&self, problems: &mut Vec<ConfigProblem>) {
        let schedules = [
            (
                "prune_cron",
                self.prune_schedule(),
                "\"0 30 3 * * *\" (03:30:00 UTC every day)",
                "pruning",
            ),
            (
                "digest_cron",
                self.digest_schedule(),
                "\"0 0 9 * * Mon\" (Mondays 09:00:00 UTC)",
                "the weekly digest",
            ),
        ];
        for (key, cron, example, what) in schedules {
            let Some(cron) = cron else { continue };
            let parsed = tokio_cron_scheduler::Job::new_async(cron, |_, _| Box::pin(async {}));
            if parsed.is_err() {
                problems.push(ConfigProblem::new(
                    format!("chores.{key}"),
                    format!(
                        "`chores.{key}` = {cron:?} is not a cron expression with seconds; \
                         write e.g. {key} = {example}, or \"\" to turn {what} off"
                    ),
                ));
            }
        }
        for (key, value) in [
            ("keep_effects", self.keep_effects),
            ("keep_finished_jobs", self.keep_finished_jobs),
            ("keep_attendance", self.keep_attendance),
        ] {
            if value.as_std() < std::time::Duration::from_secs(24 * 60 * 60) {
                problems.push(ConfigProblem::new(
                    format!("chores.{key}"),
                    format!(
                        "`chores.{key}` = {value} is shorter than a day; a session's own jobs \
                         may still need these records; use at least \"1d\", e.g. \"30d\""
                    ),
                ));
            }
        }
    }
}
