//! `/privacy export|delete` (issue 12): the member's data as a JSON file on the (private)
//! answer, or the question whose red button erases it (`components` answers the button).

use super::commands::run;
use super::context::{Context, Error};
use crate::command::privacy::PrivacyRequest;
use crate::command::Command;

#[derive(Debug, Clone, Copy, poise::ChoiceParameter)]
pub enum PrivacyAction {
    #[name = "export"]
    Export,
    #[name = "delete"]
    Delete,
}

/// Get everything stored about you as a file, or delete it all (asks you to confirm first).
#[poise::command(slash_command, guild_only)]
pub async fn privacy(
    ctx: Context<'_>,
    #[description = "export: your data as a file · delete: erase it (asks first)"]
    action: PrivacyAction,
) -> Result<(), Error> {
    let request = match action {
        PrivacyAction::Export => PrivacyRequest::Export,
        PrivacyAction::Delete => PrivacyRequest::Delete { confirmed: false },
    };
    run(ctx, Ok(Command::Privacy { request })).await
}
