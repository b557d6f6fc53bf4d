//! `setup`: community admins show or change the community's rules. Platform-specific setup
//! (Discord categories, Matrix widgets) is the adapter's; the rules every platform shares are here.
//!
//! Every `[community_defaults]` key can be changed (`setup reminder_lead 15m`) or returned to
//! the config's default (`setup reminder_lead default`). A value goes through the config's own
//! parser and validator (`config::community_settings_with`), so it is refused exactly when the
//! config file would refuse it, in the same words. Only the changed key is stored; the others
//! follow the config. A changed lead moves the pending jobs of slots already planned.

use super::errors::{unexpected, CommandFailure, UserError};
use super::{Actor, Engine};
use crate::command::SetupChange;
use crate::config::community_settings_with;
use crate::core::community_settings::{setting_key, setting_lines, SettingKey};
use crate::core::message::OutgoingMessage;
use crate::core::model::{Community, CommunitySettings, JobKind};
use crate::core::schedule::slot_jobs;

impl Engine {
    pub(crate) async fn setup(
        &self,
        actor: &Actor,
        community: &Community,
        change: Option<SetupChange>,
    ) -> Result<OutgoingMessage, CommandFailure> {
        let mut moved_note = None;
        if let Some(change) = change {
            if !actor.is_community_admin {
                return Err(UserError::AdminOnly.into());
            }
            let (key, value) = match change {
                SetupChange::Page(visibility) => {
                    return self.set_page_visibility(community, visibility).await;
                }
                SetupChange::SessionModes(modes) => {
                    let modes = super::session_choices::checked_session_modes(modes)?;
                    ("session_modes".to_string(), Some(modes.join(",")))
                }
                // Where moderators' notes go is the adapter's to keep (Discord's `/setup
                // moderators:`, Matrix's room); it acts on this `Done` outcome.
                SetupChange::Moderators(room) => {
                    return Ok(match community.platform {
                        // The shell has no channels: it prints moderators' notes where you are.
                        crate::core::model::Platform::Shell => {
                            crate::core::message::OutgoingMessage::new().text(
                                "The shell prints notes for the moderators (reports, problems) \
                                 where you are; there is nothing to set.",
                            )
                        }
                        _ => crate::core::message::OutgoingMessage::new()
                            .titled("Moderators' room set")
                            .text("Reports and problems will go to ")
                            .name(room)
                            .text("."),
                    });
                }
                SetupChange::AllowedLengths(mut lengths) => {
                    lengths.sort_unstable();
                    let text: Vec<String> = lengths.iter().map(u32::to_string).collect();
                    ("allowed_lengths_minutes".to_string(), Some(text.join(",")))
                }
                SetupChange::ReminderLeadMinutes(minutes) => {
                    ("reminder_lead".to_string(), Some(format!("{minutes}m")))
                }
                SetupChange::Setting { key, value } => (key.to_lowercase(), Some(value)),
                SetupChange::ResetSetting { key } => (key.to_lowercase(), None),
            };
            moved_note = self
                .change_setting(community, &key, value.as_deref())
                .await?;
        }
        let community = self
            .store
            .community(community.id)
            .await
            .map_err(unexpected)?;
        let overrides = self
            .store
            .community_overrides(community.id)
            .await
            .map_err(unexpected)?;
        let settings = &community.settings;
        let lengths: Vec<String> = settings
            .allowed_lengths_minutes
            .iter()
            .map(u32::to_string)
            .collect();
        let mut message = OutgoingMessage::new().titled("Community rules").text(format!(
            "Community rules: sessions of {} min · modes {} · reminder {} min before · booking up to {} days ahead · late cancel within {} min.",
            lengths.join("/"),
            settings.session_modes.join("/"),
            settings.reminder_lead.num_minutes(),
            settings.booking_horizon.num_days(),
            settings.late_cancel_window.num_minutes()
        ));
        if let Some(note) = moved_note {
            message = message.text(format!(" {note}"));
        }
        for line in setting_lines(settings, &overrides) {
            let origin = if line.is_default {
                "default"
            } else {
                "changed here"
            };
            message = message.item(OutgoingMessage::new().text(format!(
                "{} = {} ({origin}; {})",
                line.name, line.value, line.label
            )));
        }
        Ok(message.footer("Change one with `setup <setting> <value>`; `setup <setting> default` follows the config again."))
    }

    /// Checks, stores and applies one key; says how many planned jobs moved, if any did.
    async fn change_setting(
        &self,
        community: &Community,
        key: &str,
        value: Option<&str>,
    ) -> Result<Option<String>, CommandFailure> {
        // Fresh, not the cached copy: the check sees the other keys as they are now.
        let current = self
            .store
            .community(community.id)
            .await
            .map_err(unexpected)?;
        let refused = |problems: Vec<String>| UserError::BadSetup(problems.join(" "));
        let Some(setting) = setting_key(key) else {
            // The config's "no such key, did you mean" answer.
            return Err(
                refused(community_settings_with(&current.settings, key, "").unwrap_err()).into(),
            );
        };
        let text = match value {
            Some(text) => text.to_string(),
            None => (setting.read)(&self.store.community_defaults()),
        };
        let changed = community_settings_with(&current.settings, key, &text).map_err(refused)?;
        let stored = value.map(|_| (setting.read)(&changed));
        self.store
            .set_community_setting(community.id, setting.name, stored.as_deref())
            .await
            .map_err(unexpected)?;
        self.move_planned_jobs(community, setting, &changed)
            .await
            .map_err(unexpected)
    }

    /// A lead sets when one kind of slot job is due: the pending jobs of that kind of every
    /// slot already planned move to the time the core now gives them (a due time already past
    /// runs at once, and the job's own timing rule decides whether it still matters).
    async fn move_planned_jobs(
        &self,
        community: &Community,
        setting: &SettingKey,
        settings: &CommunitySettings,
    ) -> anyhow::Result<Option<String>> {
        let Some(kind) = setting.moves_jobs else {
            return Ok(None);
        };
        let slots = self
            .store
            .slots_with_pending_job(community.id, kind)
            .await?;
        let new_times: Vec<_> = slots
            .iter()
            .flat_map(|slot| slot_jobs(slot, settings))
            .filter(|job| job.kind == kind)
            .map(|job| (job.key, job.due_at))
            .collect();
        let moved = self.store.reschedule_pending_jobs(&new_times).await?;
        // An earlier due time must not wait for the runner's current sleep.
        self.wake_runner.notify_one();
        let what = match kind {
            JobKind::Remind => "reminder",
            JobKind::Prepare => "matching",
            JobKind::AttendanceCheck => "attendance check",
            JobKind::CloseRooms => "room closing",
            other => other.as_str(),
        };
        Ok((moved > 0).then(|| {
            format!(
                "Moved the {what} of {moved} planned session{}.",
                if moved == 1 { "" } else { "s" }
            )
        }))
    }
}
