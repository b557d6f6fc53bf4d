//! The chores' jobs, run by the ordinary runner: a cron tick (`focusfolk run`) only enqueues
//! them (`Store::schedule_community_chores`), keyed per community and period, so several
//! instances ticking together run each once, and one that was down runs it when it is back.

use super::jobs::JobError;
use super::Engine;
use crate::core::chores::prune_cutoffs;
use crate::core::model::Job;

impl Engine {
    /// Deletes what is past `[chores]` retention in the job's community.
    pub(crate) async fn run_prune(&self, job: &Job) -> Result<String, JobError> {
        let community = self
            .store
            .community_of_job(job.id)
            .await
            .map_err(JobError::unexpected)?
            .ok_or_else(|| {
                JobError::unexpected(anyhow::anyhow!("prune job {} has no community", job.key))
            })?;
        let cutoffs = prune_cutoffs(self.clock.now(), &self.runner.retention);
        let pruned = self
            .store
            .prune_community(community, &cutoffs)
            .await
            .map_err(JobError::unexpected)?;
        Ok(format!(
            "pruned {} finished jobs, {} effect records, {} attendance rows",
            pruned.finished_jobs, pruned.effects, pruned.attendance
        ))
    }
}
