//! Moving a manual clock forward the way time really passes: every job runs at its own due
//! time, in order, with the clock showing that time. Used by the shell, the demo and the tests.

use chrono::{DateTime, Utc};

use crate::clock::ManualClock;
use crate::engine::jobs::{JobError, JobReport};
use crate::engine::Engine;

pub async fn fast_forward_to(
    engine: &Engine,
    clock: &ManualClock,
    target: DateTime<Utc>,
) -> Result<Vec<JobReport>, JobError> {
    let mut reports = engine.run_due_jobs().await?;
    loop {
        let next_due = engine.next_due_at().await.map_err(JobError::unexpected)?;
        match next_due {
            Some(due) if due <= target => {
                clock.advance_to(due);
                let ran = engine.run_due_jobs().await?;
                if ran.is_empty() {
                    // Due but not claimable (another worker's live lease): stop stepping and
                    // let the jump to `target` below expire it, instead of spinning.
                    break;
                }
                reports.extend(ran);
            }
            _ => break,
        }
    }
    clock.advance_to(target);
    reports.extend(engine.run_due_jobs().await?);
    Ok(reports)
}
