//! The startup sweep: what a crash or downtime may have left undone, put right before the
//! runner starts (leases of a previous run, leftover rooms, jobs of upcoming slots).

use std::collections::hash_map::{Entry, HashMap};

use crate::engine::Engine;

impl Engine {
    /// At startup: take back our own leases, close this platform's rooms a crash left open, and
    /// make sure every upcoming booking of this platform has its jobs (a crash between saving a
    /// booking and scheduling its jobs must not lose them), weekly roll-forwards included.
    ///
    /// Only the runner's own platform is swept: another platform's rooms mean nothing to this
    /// adapter. A room that cannot be closed is logged and left for the next sweep; it never
    /// stops the platform from starting (members' new sessions matter more than an old room).
    pub async fn startup_sweep(&self) -> anyhow::Result<StartupSweepReport> {
        let now = self.clock.now();
        let platform = self.runner.platform;
        let released = self
            .store
            .release_leases_held_by(&self.runner.worker_id)
            .await?;
        let mut report = StartupSweepReport {
            released_leases: released,
            ..StartupSweepReport::default()
        };
        for (group, slot) in self
            .store
            .open_groups_of_slots_ended_before(now, platform)
            .await?
        {
            let community = self.store.community(slot.community_id).await?;
            if now < slot.ends_at() + community.settings.close_delay {
                continue; // its close job is still ahead and will do it
            }
            if let Some(room) = &group.room {
                match self.close_room_once(group.id, room).await {
                    Ok(()) => report.closed_rooms += 1,
                    Err(error) => {
                        tracing::warn!(%platform, group = group.id.0, %room, %error, "startup sweep: could not close a leftover room; the next start tries again");
                        report.rooms_left_open += 1;
                    }
                }
            }
        }
        // The jobs to re-ensure are written a thousand at a time (the store splits them into
        // multi-row inserts): one statement per slot made a restart over a busy fortnight
        // thousands of round trips, and a bounded batch keeps the sweep's heap small.
        let mut planned = Vec::new();
        // A weekly booking's roll-forward job (bookings from before it existed lack one).
        for booking in self.store.upcoming_weekly_bookings(now, platform).await? {
            planned.extend(crate::core::schedule::booking_jobs(&booking));
            self.schedule_when_full(&mut planned).await?;
        }
        // Jobs belong to slots: one check per upcoming booked slot, read as slots (not as
        // their bookings: 100,000 bookings would stay in the heap long after the sweep).
        let slots = self.store.upcoming_booked_slots(now, platform).await?;
        let mut communities = HashMap::new();
        for slot in &slots {
            let community = match communities.entry(slot.community_id) {
                Entry::Occupied(known) => known.into_mut(),
                Entry::Vacant(unknown) => {
                    unknown.insert(self.store.community(slot.community_id).await?)
                }
            };
            planned.extend(crate::engine::planned_jobs(&community.settings, slot));
            self.schedule_when_full(&mut planned).await?;
        }
        self.store.schedule_jobs(&planned).await?;
        self.wake_runner.notify_one();
        report.slots_checked = slots.len();
        Ok(report)
    }
}

/// How many planned jobs the sweep gathers before writing them.
const SWEEP_JOBS_PER_WRITE: usize = 1_000;

impl Engine {
    /// Writes the sweep's gathered jobs once there are enough of them.
    async fn schedule_when_full(
        &self,
        planned: &mut Vec<crate::core::schedule::PlannedJob>,
    ) -> anyhow::Result<()> {
        if planned.len() >= SWEEP_JOBS_PER_WRITE {
            self.store.schedule_jobs(planned).await?;
            planned.clear();
        }
        Ok(())
    }

    /// [`Engine::startup_sweep`] as every platform runs it at start: logged, never fatal. A
    /// sweep that fails as a whole (the database is briefly away) is retried at the next start;
    /// the runner's own jobs still run.
    pub async fn startup_sweep_logged(&self) {
        let platform = self.runner.platform;
        match self.startup_sweep().await {
            Ok(report) => tracing::info!(%platform, %report, "startup sweep"),
            Err(error) => {
                tracing::error!(%platform, error = %format!("{error:#}"), "startup sweep failed; carrying on")
            }
        }
    }
}

/// What [`Engine::startup_sweep`] did, for the start-up log line.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StartupSweepReport {
    pub released_leases: u64,
    pub closed_rooms: usize,
    /// Rooms that could not be closed (logged one by one); retried at the next start.
    pub rooms_left_open: usize,
    pub slots_checked: usize,
}

impl std::fmt::Display for StartupSweepReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "released {} leases of a previous run; closed {} leftover rooms",
            self.released_leases, self.closed_rooms
        )?;
        if self.rooms_left_open > 0 {
            write!(f, " ({} could not be closed)", self.rooms_left_open)?;
        }
        write!(f, "; checked jobs of {} upcoming slots", self.slots_checked)
    }
}
