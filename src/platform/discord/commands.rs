//! Member slash commands (poise). Each one builds a [`Command`] from typed options and hands it
//! to the engine like every platform does; the answer is ephemeral. Answers normally go out at
//! once (type 4); when the engine takes longer than `defer_after` the bot defers (type 5,
//! "thinking…") and edits the answer in, well inside Discord's 3-second deadline.

use poise::serenity_prelude as serenity;

use super::autocomplete::{
    autocomplete_booking, autocomplete_duration, autocomplete_when, autocomplete_zone,
};
use super::context::{actor_of, answer, Context, Error};
use crate::command::{CancelScope, CancelTarget, Command, MemberRef, PrefsChange, RelationChange};
use crate::core::friends::{FriendChange, ShowBookings};
use crate::core::message::OutgoingMessage;
use crate::core::model::RelationKind;
use crate::core::time_input::{parse_day_spec, parse_time_spec};
use crate::engine::{Actor, CommandOutcome, Reply};

/// The usual path: the engine handles `command` for the invoking member.
pub(super) async fn run(ctx: Context<'_>, command: Result<Command, String>) -> Result<(), Error> {
    let Some(actor) = actor_of(ctx) else {
        answer(ctx, async {
            Reply::refused(
                OutgoingMessage::new().text("Use me in a server: sessions belong to a community."),
            )
        })
        .await?;
        return Ok(());
    };
    remember_home_guild(ctx, &actor).await;
    let engine = ctx.data().engine.clone();
    let outcome = answer(ctx, async move {
        match command {
            Ok(command) => engine.handle_command(&actor, command).await,
            Err(problem) => Reply::refused(OutgoingMessage::new().text(problem)),
        }
    })
    .await?;
    if outcome == CommandOutcome::Booked {
        // The member now expects DMs from us, and the announcement at the session's start
        // should only need to send: open the DM channel now, in the background and paced
        // like everything else. A refused booking opens nothing.
        let platform = ctx.data().platform.clone();
        let user = ctx.author().id.get();
        tokio::spawn(async move {
            if let Err(error) = platform.ensure_dm_channel(user).await {
                tracing::debug!(user, %error, "DM channel not opened at booking");
            }
        });
    }
    Ok(())
}

/// DM buttons act in the guild where the member last used the bot.
/// Awaited, not spawned: the reminder's buttons need this guild, and a job running right after
/// the command must see it (a background save raced the reminder in tests under load).
async fn remember_home_guild(ctx: Context<'_>, actor: &Actor) {
    let platform = ctx.data().platform.clone();
    let (Ok(user), Ok(guild)) = (
        actor.platform_user_id.parse::<u64>(),
        actor.platform_community_id.parse::<u64>(),
    ) else {
        return;
    };
    if let Err(error) = platform.save_home_guild(user, guild).await {
        tracing::warn!(user, %error, "cannot remember the member's server");
    }
}

#[derive(Debug, Clone, Copy, poise::ChoiceParameter)]
pub enum Mode {
    #[name = "once"]
    Once,
    #[name = "every week"]
    Weekly,
}

/// Book a focus session: you'll be paired with someone when it starts.
#[poise::command(slash_command, guild_only)]
pub async fn book(
    ctx: Context<'_>,
    #[description = "When (your time zone): pick a time or type e.g. tomorrow 9:00"]
    #[autocomplete = "autocomplete_when"]
    when: String,
    #[description = "Minutes"]
    #[autocomplete = "autocomplete_duration"]
    duration: Option<u32>,
    #[description = "Once, or every week at this time"] mode: Option<Mode>,
    #[description = "A friend to lock this session in with (they get an invitation)"] with: Option<
        serenity::User,
    >,
    #[description = "Session mode: quiet (default), talk, moving, or this server's own"]
    session_mode: Option<String>,
) -> Result<(), Error> {
    let weekly = matches!(mode, Some(Mode::Weekly));
    let session_mode = session_mode
        .map(|mode| mode.trim().to_lowercase())
        .filter(|mode| !mode.is_empty());
    let command = parse_time_spec(&when)
        .map_err(|error| error.to_string())
        .and_then(|when| match with {
            None => Ok(Command::Book {
                when,
                length_minutes: duration,
                repeat_weekly: weekly,
                session_mode,
            }),
            // One session with a friend: the text command refuses weekly the same way.
            Some(_) if weekly => Err("Booking with a friend is for one session; book weekly on your own, or book each week with them.".to_string()),
            Some(friend) => Ok(Command::BookWith {
                when,
                length_minutes: duration,
                with: MemberRef::PlatformId(friend.id.get().to_string()),
                session_mode,
            }),
        });
    run(ctx, command).await
}

#[derive(Debug, Clone, Copy, poise::ChoiceParameter)]
pub enum CancelWhat {
    #[name = "this session"]
    Occurrence,
    #[name = "the whole weekly series"]
    Series,
}

/// Cancel a booking (your next one if you don't pick), or end its weekly series.
#[poise::command(slash_command, guild_only)]
pub async fn cancel(
    ctx: Context<'_>,
    #[description = "Which booking"]
    #[autocomplete = "autocomplete_booking"]
    booking: Option<String>,
    #[description = "Just this session (a weekly series goes on), or the whole weekly series"]
    what: Option<CancelWhat>,
) -> Result<(), Error> {
    let scope = match what {
        Some(CancelWhat::Series) => CancelScope::Series,
        Some(CancelWhat::Occurrence) | None => CancelScope::Occurrence,
    };
    let target = match booking.as_deref().map(str::trim) {
        None | Some("") => Ok(CancelTarget::Next),
        Some(text) => match text.trim_start_matches('#').parse::<i64>() {
            Ok(id) => Ok(CancelTarget::BookingId(id)),
            Err(_) => parse_time_spec(text)
                .map(CancelTarget::At)
                .map_err(|error| error.to_string()),
        },
    };
    run(ctx, target.map(|target| Command::Cancel { target, scope })).await
}

/// Your upcoming sessions.
#[poise::command(slash_command, guild_only)]
pub async fn sessions(ctx: Context<'_>) -> Result<(), Error> {
    run(ctx, Ok(Command::Sessions)).await
}

/// Slots on a day and how many people booked each.
#[poise::command(slash_command, guild_only)]
pub async fn slots(
    ctx: Context<'_>,
    #[description = "today, tomorrow, mon…sun or 2026-12-01"] day: Option<String>,
) -> Result<(), Error> {
    let command = match day.as_deref().map(str::trim).filter(|day| !day.is_empty()) {
        None => Ok(Command::Slots { day: None }),
        Some(day) => parse_day_spec(day)
            .map(|day| Command::Slots { day: Some(day) })
            .map_err(|error| error.to_string()),
    };
    run(ctx, command).await
}

/// Show or set your time zone.
#[poise::command(slash_command, guild_only)]
pub async fn timezone(
    ctx: Context<'_>,
    #[description = "An IANA zone such as Europe/Paris"]
    #[autocomplete = "autocomplete_zone"]
    zone: Option<String>,
) -> Result<(), Error> {
    run(ctx, Ok(Command::Timezone { zone })).await
}

#[derive(Debug, Clone, Copy, poise::ChoiceParameter)]
pub enum ShowBookingsTo {
    #[name = "my friends"]
    Friends,
    #[name = "nobody"]
    Nobody,
}

#[derive(Debug, Clone, Copy, poise::ChoiceParameter)]
pub enum AvailableTo {
    #[name = "everyone"]
    Everyone,
    #[name = "friends and favourites only"]
    Friends,
}

impl AvailableTo {
    fn availability(self) -> crate::core::session_choice::Availability {
        match self {
            AvailableTo::Everyone => crate::core::session_choice::Availability::Everyone,
            AvailableTo::Friends => crate::core::session_choice::Availability::Friends,
        }
    }
}

/// Show your stats, turn reminders on or off, or choose who sees your upcoming sessions.
#[poise::command(slash_command, guild_only)]
pub async fn prefs(
    ctx: Context<'_>,
    #[description = "Reminder DMs before sessions"] reminders: Option<bool>,
    #[description = "Who may see your upcoming sessions in /friends"] show_bookings: Option<
        ShowBookingsTo,
    >,
    #[description = "Show your hours on /leaderboard (off by default)"] leaderboard: Option<bool>,
    #[description = "A rematch may pair you with a longer or shorter session, for the shared minutes"]
    mixed_lengths: Option<bool>,
    #[description = "Who you may be matched with"] availability: Option<AvailableTo>,
    #[description = "May a quiet session be paired with a talk one"] mix_modes: Option<bool>,
) -> Result<(), Error> {
    let show_bookings = show_bookings.map(|to| match to {
        ShowBookingsTo::Friends => ShowBookings::Friends,
        ShowBookingsTo::Nobody => ShowBookings::Nobody,
    });
    let changes: Vec<PrefsChange> = [
        reminders.map(PrefsChange::Reminders),
        show_bookings.map(PrefsChange::ShowBookings),
        availability.map(|to| PrefsChange::Availability(to.availability())),
        mix_modes.map(PrefsChange::MixModes),
        mixed_lengths.map(PrefsChange::MixedLengths),
        leaderboard.map(PrefsChange::Leaderboard),
    ]
    .into_iter()
    .flatten()
    .collect();
    let command = match changes.as_slice() {
        [] => Ok(None),
        [change] => Ok(Some(change.clone())),
        _ => Err("Change one preference at a time.".to_string()),
    };
    run(ctx, command.map(|change| Command::Prefs { change })).await
}

#[derive(Debug, Clone, Copy, poise::ChoiceParameter)]
pub enum PartnerAction {
    #[name = "favourite (pair us more often; private, one-way)"]
    Favourite,
    #[name = "block (never pair us)"]
    Block,
    #[name = "unfavourite"]
    Unfavourite,
    #[name = "unblock"]
    Unblock,
}

/// Favourite or block someone for matching (friends are asked with /friend).
#[poise::command(slash_command, guild_only)]
pub async fn partner(
    ctx: Context<'_>,
    #[description = "What to do"] action: PartnerAction,
    #[description = "Who"] member: serenity::User,
) -> Result<(), Error> {
    let (kind, change) = match action {
        PartnerAction::Favourite => (RelationKind::Favourite, RelationChange::Set),
        PartnerAction::Block => (RelationKind::Block, RelationChange::Set),
        PartnerAction::Unfavourite => (RelationKind::Favourite, RelationChange::Remove),
        PartnerAction::Unblock => (RelationKind::Block, RelationChange::Remove),
    };
    run(
        ctx,
        Ok(Command::Relate {
            kind,
            target: MemberRef::PlatformId(member.id.get().to_string()),
            change,
        }),
    )
    .await
}

#[derive(Debug, Clone, Copy, poise::ChoiceParameter)]
pub enum FriendAction {
    #[name = "ask to be friends"]
    Ask,
    #[name = "accept their request"]
    Accept,
    #[name = "decline their request"]
    Decline,
    #[name = "remove (end a friendship or withdraw a request)"]
    Remove,
}

/// Ask someone to be friends, or answer or end it. Friends are paired together first.
#[poise::command(slash_command, guild_only)]
pub async fn friend(
    ctx: Context<'_>,
    #[description = "Who"] member: serenity::User,
    #[description = "What to do (ask, if you don't pick)"] action: Option<FriendAction>,
) -> Result<(), Error> {
    let change = match action.unwrap_or(FriendAction::Ask) {
        FriendAction::Ask => FriendChange::Request,
        FriendAction::Accept => FriendChange::Accept,
        FriendAction::Decline => FriendChange::Decline,
        FriendAction::Remove => FriendChange::Remove,
    };
    let target = MemberRef::PlatformId(member.id.get().to_string());
    run(ctx, Ok(Command::Friend { change, target })).await
}

/// Message your session partner (current, next matched, or from the last 24 h), or a friend.
#[poise::command(slash_command, guild_only)]
pub async fn msg(
    ctx: Context<'_>,
    #[description = "Your message"] text: String,
    #[description = "A friend or one of your partners (your session partner if you don't pick)"]
    member: Option<serenity::User>,
) -> Result<(), Error> {
    let to = member.map(|user| MemberRef::PlatformId(user.id.get().to_string()));
    run(ctx, Ok(Command::Message { to, text })).await
}

/// Move a booking to another time of the same length in one step.
#[poise::command(slash_command, guild_only, rename = "move")]
pub async fn move_booking(
    ctx: Context<'_>,
    #[description = "Which booking"]
    #[autocomplete = "autocomplete_booking"]
    booking: String,
    #[description = "The new time (your time zone)"]
    #[autocomplete = "autocomplete_when"]
    when: String,
) -> Result<(), Error> {
    let command = match booking.trim().trim_start_matches('#').parse::<i64>() {
        Ok(booking) => parse_time_spec(&when)
            .map(|when| Command::Move { booking, when })
            .map_err(|error| error.to_string()),
        Err(_) => Err("Pick one of your bookings.".to_string()),
    };
    run(ctx, command).await
}

#[derive(Debug, Clone, Copy, poise::ChoiceParameter)]
pub enum RematchAnswer {
    #[name = "now (pair me with someone else who is free)"]
    Now,
    #[name = "wait (keep waiting for my partner)"]
    Wait,
}

/// Your partner hasn't arrived: be re-paired now, or keep waiting for them.
#[poise::command(slash_command, guild_only)]
pub async fn rematch(
    ctx: Context<'_>,
    #[description = "Rematch now, or keep waiting"] choice: RematchAnswer,
) -> Result<(), Error> {
    let choice = match choice {
        RematchAnswer::Now => crate::core::rematch::RematchChoice::RematchNow,
        RematchAnswer::Wait => crate::core::rematch::RematchChoice::KeepWaiting,
    };
    run(ctx, Ok(Command::Rematch { choice })).await
}

/// Your friends, friend requests both ways, and friends' next sessions where they share them.
#[poise::command(slash_command, guild_only)]
pub async fn friends(ctx: Context<'_>) -> Result<(), Error> {
    run(ctx, Ok(Command::Friends)).await
}

/// Your sessions, hours, weekly streak, show-up rate and partners, with a heatmap picture.
#[poise::command(slash_command, guild_only)]
pub async fn stats(ctx: Context<'_>) -> Result<(), Error> {
    run(ctx, Ok(Command::Stats)).await
}

/// This month's most focused members (only those who turned it on in /prefs).
#[poise::command(slash_command, guild_only)]
pub async fn leaderboard(ctx: Context<'_>) -> Result<(), Error> {
    run(ctx, Ok(Command::Leaderboard)).await
}

const HELP: &str = "**focusfolk** pairs you with a body-doubling partner: you each work on your own thing, \
camera or voice on, for 25–75 minutes.\n\
• `/book` — pick a slot (times are shown in your time zone; set it once with `/timezone`). When it starts \
I DM you your partner and a private voice channel; join it in the first few minutes, or I will pair your partner with someone else.\n\
• `/sessions` your bookings · `/cancel` one · `/slots` see when others booked\n\
• `/friend` ask someone to be friends (paired together first) · `/friends` your friends and requests\n\
• `/prefs` your stats, reminder DMs and who sees your sessions · `/partner` favourite or block someone\n\
• `/stats` your hours, streak and a heatmap · `/leaderboard` this month's most focused (opt in with `/prefs`)\n\
• `/privacy` export your data as a file, or delete it\n\
• `/checkin` how a session went · `/report` a partner to the moderators · `/snooze` someone for a while · `/blocked` your blocks\n\
Please allow DMs from this server so I can reach you.";

/// How focusfolk works.
#[poise::command(slash_command)]
pub async fn help(
    ctx: Context<'_>,
    #[description = "A command, e.g. book"] topic: Option<String>,
) -> Result<(), Error> {
    let topic = topic
        .map(|topic| topic.trim().trim_start_matches('/').to_string())
        .filter(|topic| !topic.is_empty());
    let text = match topic {
        // In a server the engine answers, with that community's session lengths.
        Some(topic) if actor_of(ctx).is_some() => {
            return run(ctx, Ok(Command::Help { topic: Some(topic) })).await;
        }
        Some(topic) => crate::command::parse::help_text(
            Some(&topic),
            &crate::core::model::CommunitySettings::default().allowed_lengths_minutes,
        ),
        None => HELP.to_string(),
    };
    answer(ctx, async move {
        Reply::new(
            OutgoingMessage::new()
                .titled("How focusfolk works")
                .text(text),
            CommandOutcome::Done,
        )
    })
    .await?;
    Ok(())
}
