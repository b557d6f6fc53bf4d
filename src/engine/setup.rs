//! `setup`: community admins show or change the community's rules. Platform-specific setup
//! (Discord categories, Matrix widgets) is the adapter's; the rules every platform shares are here.

use super::errors::{unexpected, CommandFailure, UserError};
use super::{Actor, Engine};
use crate::command::SetupChange;
use crate::core::message::OutgoingMessage;
use crate::core::model::Community;

/// Session lengths a community may allow: the grid is 15 minutes, but 25/50/75 (with breaks)
/// are the classic lengths, so any multiple of 5 up to 3 hours is accepted.
const LONGEST_SESSION_MINUTES: u32 = 180;

impl Engine {
    pub(crate) async fn setup(
        &self,
        actor: &Actor,
        community: &Community,
        change: Option<SetupChange>,
    ) -> Result<OutgoingMessage, CommandFailure> {
        let mut settings = community.settings.clone();
        if let Some(change) = change {
            if !actor.is_community_admin {
                return Err(UserError::AdminOnly.into());
            }
            match change {
                SetupChange::AllowedLengths(mut lengths) => {
                    if let Some(bad) = lengths
                        .iter()
                        .find(|minutes| **minutes % 5 != 0 || **minutes > LONGEST_SESSION_MINUTES)
                    {
                        return Err(UserError::BadSetup(format!(
                            "{bad} minutes can't be a session length: use multiples of 5 up to {LONGEST_SESSION_MINUTES}."
                        ))
                        .into());
                    }
                    lengths.sort_unstable();
                    lengths.dedup();
                    settings.allowed_lengths_minutes = lengths;
                }
                SetupChange::ReminderLeadMinutes(minutes) => {
                    if minutes > 24 * 60 {
                        return Err(UserError::BadSetup(
                            "A reminder more than a day ahead isn't a reminder.".into(),
                        )
                        .into());
                    }
                    settings.reminder_lead = chrono::Duration::minutes(minutes as i64);
                }
            }
            self.store
                .update_community_settings(community.id, &settings)
                .await
                .map_err(unexpected)?;
        }
        let lengths: Vec<String> = settings
            .allowed_lengths_minutes
            .iter()
            .map(u32::to_string)
            .collect();
        Ok(OutgoingMessage::new().text(format!(
            "Community rules: sessions of {} min · reminder {} min before · booking up to {} days ahead · late cancel within {} min.",
            lengths.join("/"),
            settings.reminder_lead.num_minutes(),
            settings.booking_horizon.num_days(),
            settings.late_cancel_window.num_minutes()
        )))
    }
}
