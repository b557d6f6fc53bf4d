//! `setup`: community admins show or change the community's rules. Platform-specific setup
//! (Discord categories, Matrix widgets) is the adapter's; the rules every platform shares are here.

use super::errors::{unexpected, CommandFailure, UserError};
use super::{Actor, Engine};
use crate::command::SetupChange;
use crate::core::booking_rules::{session_length_problems, SessionLengthProblem};
use crate::core::message::OutgoingMessage;
use crate::core::model::Community;
use crate::core::schedule::MIN_REMINDER_LEAD;

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
                SetupChange::Page(visibility) => {
                    return self.set_page_visibility(community, visibility).await;
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
                    // The same rule as the config file's `allowed_lengths_minutes`.
                    let problems = session_length_problems(&lengths);
                    if !problems.is_empty() {
                        let sentences: Vec<String> = problems.iter().map(sentence).collect();
                        return Err(UserError::BadSetup(sentences.join(" ")).into());
                    }
                    lengths.sort_unstable();
                    settings.allowed_lengths_minutes = lengths;
                }
                SetupChange::ReminderLeadMinutes(minutes) => {
                    let lead = chrono::Duration::minutes(i64::from(minutes));
                    if lead < MIN_REMINDER_LEAD {
                        return Err(UserError::BadSetup(format!(
                            "A reminder {minutes} minutes before would come as the session \
                             starts, with the \"It's time\" message that already names the \
                             partner and room. Give at least {} minute (10 is usual). Members \
                             who want no reminders can turn theirs off in their prefs.",
                            MIN_REMINDER_LEAD.num_minutes()
                        ))
                        .into());
                    }
                    if minutes > 24 * 60 {
                        return Err(UserError::BadSetup(
                            "A reminder more than a day ahead isn't a reminder.".into(),
                        )
                        .into());
                    }
                    settings.reminder_lead = lead;
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
        Ok(OutgoingMessage::new().titled("Community rules").text(format!(
            "Community rules: sessions of {} min · reminder {} min before · booking up to {} days ahead · late cancel within {} min.",
            lengths.join("/"),
            settings.reminder_lead.num_minutes(),
            settings.booking_horizon.num_days(),
            settings.late_cancel_window.num_minutes()
        )))
    }
}

/// "0 minutes can't be …" → "0 minutes can't be ….": the core's words as a reply sentence.
fn sentence(problem: &SessionLengthProblem) -> String {
    let text = problem.to_string();
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => format!("{}{}.", first.to_uppercase(), chars.as_str()),
        None => text,
    }
}
