//! `/calendar [reset]`: the member's private calendar feed and page links (issue 13).

use super::commands::run;
use super::context::{Context, Error};
use crate::command::Command;

/// Your private calendar feed and page; reset makes new links and the old ones stop working.
#[poise::command(slash_command, guild_only)]
pub async fn calendar(
    ctx: Context<'_>,
    #[description = "Make new links; the old ones stop working"] reset: Option<bool>,
) -> Result<(), Error> {
    run(
        ctx,
        Ok(Command::Calendar {
            reset: reset.unwrap_or(false),
        }),
    )
    .await
}
