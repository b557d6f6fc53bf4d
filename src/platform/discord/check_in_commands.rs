//! `/checkin`, `/report`, `/snooze`, `/blocked` (issue 11): the check-in's answers typed as
//! slash commands, for members who lost the DM or prefer typing. Members are picked as users,
//! so the engine gets their ids, never a guess from a name.

use poise::serenity_prelude as serenity;

use super::autocomplete::autocomplete_booking;
use super::commands::run;
use super::context::{Context, Error};
use crate::command::{CheckInReply, Command, MemberRef};
use crate::core::check_in::SessionVerdict;

#[derive(Debug, Clone, Copy, poise::ChoiceParameter)]
pub enum HowItWent {
    #[name = "done"]
    Done,
    #[name = "partly done"]
    Partly,
    #[name = "my partner was absent"]
    PartnerAbsent,
}

/// Say how a session went, or that your partner never came.
#[poise::command(slash_command, guild_only)]
pub async fn checkin(
    ctx: Context<'_>,
    #[description = "Which session"]
    #[autocomplete = "autocomplete_booking"]
    booking: String,
    #[description = "How it went"] how: HowItWent,
    #[description = "Which partner was absent (in a trio)"] partner: Option<serenity::User>,
) -> Result<(), Error> {
    let command = match booking.trim().trim_start_matches('#').parse::<i64>() {
        Ok(booking) => Ok(Command::CheckIn {
            booking,
            reply: match how {
                HowItWent::Done => CheckInReply::Verdict(SessionVerdict::Done),
                HowItWent::Partly => CheckInReply::Verdict(SessionVerdict::Partly),
                HowItWent::PartnerAbsent => CheckInReply::PartnerAbsent(
                    partner.map(|user| MemberRef::PlatformId(user.id.get().to_string())),
                ),
            },
        }),
        Err(_) => Err("Pick one of your sessions.".to_string()),
    };
    run(ctx, command).await
}

/// Tell the moderators about a partner from a recent session. They aren't told who reported.
#[poise::command(slash_command, guild_only)]
pub async fn report(
    ctx: Context<'_>,
    #[description = "Who"] member: serenity::User,
    #[description = "What happened"] reason: String,
) -> Result<(), Error> {
    let target = MemberRef::PlatformId(member.id.get().to_string());
    run(ctx, Ok(Command::Report { target, reason })).await
}

/// Don't be matched with someone for a while (0 days ends a snooze). They aren't told.
#[poise::command(slash_command, guild_only)]
pub async fn snooze(
    ctx: Context<'_>,
    #[description = "Who"] member: serenity::User,
    #[description = "For how many days (1 to 90; 0 ends it)"] days: u32,
) -> Result<(), Error> {
    let target = MemberRef::PlatformId(member.id.get().to_string());
    let days = (days > 0).then_some(days);
    run(ctx, Ok(Command::Snooze { target, days })).await
}

/// The members you blocked or snoozed. Only you see it.
#[poise::command(slash_command, guild_only)]
pub async fn blocked(ctx: Context<'_>) -> Result<(), Error> {
    run(ctx, Ok(Command::Blocked)).await
}
