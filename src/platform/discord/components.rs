//! What clicking a DM's buttons does (`card` puts them there). The reminder carries "Cancel this
//! session" (answered by replacing the reminder with the cancel's own card, type 7); the check-in carries "Book another session",
//! which opens a form (type 9) whose submission books (type 4). A slow engine gets a deferred
//! answer (type 6) and an edit instead, inside Discord's 3 seconds.
//!
//! Custom ids carry the guild: DMs have none, and bookings belong to a community.

use crate::core::model::Platform;
use std::sync::Arc;

use poise::serenity_prelude as serenity;

use super::card;
use super::context::Data;
use super::reply_form;
use crate::command::{CancelScope, CancelTarget, Command, MemberRef};
use crate::core::friends::FriendChange;
use crate::core::message::OutgoingMessage;
use crate::core::rematch::RematchChoice;
use crate::core::time_input::parse_time_spec;
use crate::engine::port::Membership;
use crate::engine::Actor;

const BOOK_FORM: &str = "cf:bookform";

fn actor(guild: u64, user: &serenity::User) -> Actor {
    let name = user
        .global_name
        .clone()
        .unwrap_or_else(|| user.name.clone());
    Actor::new(
        Platform::Discord,
        &guild.to_string(),
        &user.id.get().to_string(),
        &name,
    )
}

/// What a member who left the guild (or was removed) is told when they click a button of an
/// old DM: those buttons act in the guild, and they no longer belong there.
const NOT_A_MEMBER_ANY_MORE: &str =
    "You're no longer a member of that server, so I can't book or cancel sessions there for you.";

/// `true` when Discord says the user is no longer in the guild. An unknown answer (an outage)
/// lets the click through: the engine's own checks still apply.
async fn has_left(data: &Data, guild: u64, user: &serenity::User) -> bool {
    let membership = data
        .platform
        .guild_membership(&guild.to_string(), &user.id.get().to_string())
        .await;
    membership == Membership::Gone
}

fn refusal() -> serenity::CreateInteractionResponse {
    serenity::CreateInteractionResponse::Message(
        serenity::CreateInteractionResponseMessage::new()
            .content(NOT_A_MEMBER_ANY_MORE)
            .ephemeral(true),
    )
}

/// The guild a DM button acts in, from its custom id.
fn guild_of(custom_id: &str) -> Option<u64> {
    if let Some((guild, _)) = reply_form::parse_reply_id(custom_id) {
        return Some(guild);
    }
    match custom_id.split(':').collect::<Vec<_>>().as_slice() {
        ["cf", "cancel", guild, _]
        | ["cf", "book", guild]
        | ["cf", "bookform", guild]
        | ["cf", "friend", _, guild, _]
        | ["cf", "lock", _, guild, _] => guild.parse().ok(),
        ["cf", "move", guild, ..] => guild.parse().ok(),
        ["cf", "rematch", _, guild] => guild.parse().ok(),
        // Not `cf:privacy:delete`: erasing one's data is allowed after leaving, too.
        _ => None,
    }
}

pub async fn on_component(
    ctx: &serenity::Context,
    data: &Arc<Data>,
    interaction: &serenity::ComponentInteraction,
) {
    if let Some(guild) = guild_of(&interaction.data.custom_id) {
        if has_left(data, guild, &interaction.user).await {
            if let Err(error) = interaction.create_response(&ctx.http, refusal()).await {
                tracing::warn!(%error, "refusal not answered");
            }
            return;
        }
    }
    let parts: Vec<&str> = interaction.data.custom_id.split(':').collect();
    if let Some((guild, sender)) = reply_form::parse_reply_id(&interaction.data.custom_id) {
        if let Err(error) = reply_form::open(ctx, interaction, guild, &sender).await {
            tracing::warn!(%error, "reply form not opened");
        }
        return;
    }
    if let Some((guild, command)) = move_command(&interaction.data.custom_id) {
        let result = act_and_update_dm(ctx, data, interaction, guild, command).await;
        if let Err(error) = result {
            tracing::warn!(%error, "move button not answered");
        }
        return;
    }
    let result = match parts.as_slice() {
        ["cf", "cancel", guild, booking] => match (guild.parse::<u64>(), booking.parse::<i64>()) {
            (Ok(guild), Ok(booking)) => {
                let command = Command::Cancel {
                    target: CancelTarget::BookingId(booking),
                    scope: CancelScope::Occurrence,
                };
                act_and_update_dm(ctx, data, interaction, guild, command).await
            }
            _ => Ok(()),
        },
        // `privacy delete`'s confirmation button erases the member's data.
        ["cf", "privacy", "delete", guild] => match guild.parse::<u64>() {
            Ok(guild) => {
                let command = Command::Privacy {
                    request: crate::command::privacy::PrivacyRequest::Delete { confirmed: true },
                };
                act_and_update_dm(ctx, data, interaction, guild, command).await
            }
            Err(_) => Ok(()),
        },
        ["cf", "friend", verb, guild, requester] => {
            let change = match *verb {
                "accept" => Some(FriendChange::Accept),
                "decline" => Some(FriendChange::Decline),
                _ => None,
            };
            match (change, guild.parse::<u64>()) {
                (Some(change), Ok(guild)) => {
                    let command = Command::Friend {
                        change,
                        target: MemberRef::PlatformId(requester.to_string()),
                    };
                    act_and_update_dm(ctx, data, interaction, guild, command).await
                }
                _ => Ok(()),
            }
        }
        ["cf", "rematch", verb, guild] => {
            let choice = match *verb {
                "now" => Some(RematchChoice::RematchNow),
                "wait" => Some(RematchChoice::KeepWaiting),
                _ => None,
            };
            match (choice, guild.parse::<u64>()) {
                (Some(choice), Ok(guild)) => {
                    act_and_update_dm(ctx, data, interaction, guild, Command::Rematch { choice })
                        .await
                }
                _ => Ok(()),
            }
        }
        ["cf", "lock", verb, guild, invitation] => {
            let accept = match *verb {
                "accept" => Some(true),
                "decline" => Some(false),
                _ => None,
            };
            match (accept, guild.parse::<u64>(), invitation.parse::<i64>()) {
                (Some(accept), Ok(guild), Ok(invitation)) => {
                    let command = Command::AnswerInvitation { invitation, accept };
                    act_and_update_dm(ctx, data, interaction, guild, command).await
                }
                _ => Ok(()),
            }
        }
        ["cf", "book", guild] => {
            let form =
                serenity::CreateModal::new(format!("{BOOK_FORM}:{guild}"), "Book another session")
                    .components(vec![
                        serenity::CreateActionRow::InputText(
                            serenity::CreateInputText::new(
                                serenity::InputTextStyle::Short,
                                "When? (your time zone)",
                                "when",
                            )
                            .placeholder("tomorrow 9:00")
                            .required(true),
                        ),
                        serenity::CreateActionRow::InputText(
                            serenity::CreateInputText::new(
                                serenity::InputTextStyle::Short,
                                "Minutes",
                                "minutes",
                            )
                            .placeholder("50")
                            .required(false),
                        ),
                    ]);
            interaction
                .create_response(&ctx.http, serenity::CreateInteractionResponse::Modal(form))
                .await
                .map_err(anyhow::Error::from)
        }
        _ => Ok(()),
    };
    if let Err(error) = result {
        tracing::warn!(custom_id = %interaction.data.custom_id, error = %error, "button click not answered");
    }
}

/// `cf:move:<guild>:<booking>:<local time>` → the guild and the `move` command it stands for.
fn move_command(custom_id: &str) -> Option<(u64, Command)> {
    let rest = custom_id.strip_prefix(&format!("{}:", card::MOVE))?;
    let mut parts = rest.splitn(3, ':');
    let guild = parts.next()?.parse().ok()?;
    let booking = parts.next()?.parse().ok()?;
    let when = parse_time_spec(parts.next()?).ok()?;
    Some((guild, Command::Move { booking, when }))
}

/// A button that does one command ("Cancel this session" on a reminder, Accept / Decline on a
/// friend request): the DM itself is updated with the outcome and loses its buttons.
async fn act_and_update_dm(
    ctx: &serenity::Context,
    data: &Arc<Data>,
    interaction: &serenity::ComponentInteraction,
    guild: u64,
    command: Command,
) -> anyhow::Result<()> {
    let actor = actor(guild, &interaction.user);
    let engine = data.engine.clone();
    let work = async move { engine.handle_command(&actor, command).await.message };
    tokio::pin!(work);
    // The reminder becomes the answer: its Cancel button goes, the cancel's card (with its own
    // next step) takes its place.
    let updated = |reply: &OutgoingMessage| card::build(reply, Some(guild));
    match tokio::time::timeout(data.defer_after, &mut work).await {
        Ok(reply) => {
            interaction
                .create_response(
                    &ctx.http,
                    serenity::CreateInteractionResponse::UpdateMessage(
                        updated(&reply).response_message(),
                    ),
                )
                .await?;
        }
        Err(_) => {
            interaction
                .create_response(&ctx.http, serenity::CreateInteractionResponse::Acknowledge)
                .await?;
            let reply = work.await;
            interaction
                .edit_response(&ctx.http, updated(&reply).edit_response())
                .await?;
        }
    }
    Ok(())
}

/// The "Book another session" form was sent.
pub async fn on_modal(
    ctx: &serenity::Context,
    data: &Arc<Data>,
    interaction: &serenity::ModalInteraction,
) {
    if let Some((guild, sender)) = reply_form::parse_reply_id(&interaction.data.custom_id) {
        if has_left(data, guild, &interaction.user).await {
            if let Err(error) = interaction.create_response(&ctx.http, refusal()).await {
                tracing::warn!(%error, "refusal not answered");
            }
            return;
        }
        if let Err(error) = reply_form::on_submit(ctx, data, interaction, guild, sender).await {
            tracing::warn!(%error, "reply form not answered");
        }
        return;
    }
    let Some(guild) = interaction
        .data
        .custom_id
        .strip_prefix(&format!("{BOOK_FORM}:"))
        .and_then(|g| g.parse::<u64>().ok())
    else {
        return;
    };
    if has_left(data, guild, &interaction.user).await {
        if let Err(error) = interaction.create_response(&ctx.http, refusal()).await {
            tracing::warn!(%error, "refusal not answered");
        }
        return;
    }
    let mut when = String::new();
    let mut minutes = None;
    for row in &interaction.data.components {
        for component in &row.components {
            if let serenity::ActionRowComponent::InputText(input) = component {
                let value = input.value.clone().unwrap_or_default();
                match input.custom_id.as_str() {
                    "when" => when = value,
                    "minutes" => minutes = value.trim().trim_end_matches('m').parse::<u32>().ok(),
                    _ => {}
                }
            }
        }
    }
    let actor = actor(guild, &interaction.user);
    let engine = data.engine.clone();
    let work = async move {
        match parse_time_spec(&when) {
            Ok(spec) => {
                engine
                    .handle_command(
                        &actor,
                        Command::Book {
                            when: spec,
                            length_minutes: minutes,
                            repeat_weekly: false,
                        },
                    )
                    .await
                    .message
            }
            Err(error) => OutgoingMessage::new().text(error.to_string()),
        }
    };
    tokio::pin!(work);
    let answered = match tokio::time::timeout(data.defer_after, &mut work).await {
        Ok(reply) => {
            let message = card::build(&reply, Some(guild))
                .response_message()
                .ephemeral(true);
            interaction
                .create_response(
                    &ctx.http,
                    serenity::CreateInteractionResponse::Message(message),
                )
                .await
        }
        Err(_) => {
            let deferred = serenity::CreateInteractionResponse::Defer(
                serenity::CreateInteractionResponseMessage::new().ephemeral(true),
            );
            match interaction.create_response(&ctx.http, deferred).await {
                Ok(()) => {
                    let reply = work.await;
                    interaction
                        .edit_response(&ctx.http, card::build(&reply, Some(guild)).edit_response())
                        .await
                        .map(|_| ())
                }
                Err(error) => Err(error),
            }
        }
    };
    if let Err(error) = answered {
        tracing::warn!(%error, "booking form not answered");
    }
}
