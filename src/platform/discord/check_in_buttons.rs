//! Answers the check-in DM's buttons (ids in `check_in_ids`): each click answers privately
//! with the command's own reply and leaves the check-in as it is, so the member can press
//! several (done *and* add friend). Report opens a form for the reason, like the Reply form.

use std::sync::Arc;

use poise::serenity_prelude as serenity;

use super::card;
use super::check_in_ids::{parse_click, Click, REPORT_FORM};
use super::context::Data;
use crate::command::{Command, MemberRef};
use crate::core::check_in::MAX_REPORT_REASON_CHARS;
use crate::core::message::OutgoingMessage;
use crate::core::model::Platform;
use crate::engine::Actor;

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

/// Answers a check-in button. `false` when the custom id is not one of ours.
pub async fn on_click(
    ctx: &serenity::Context,
    data: &Arc<Data>,
    interaction: &serenity::ComponentInteraction,
) -> bool {
    let Some((guild, click)) = parse_click(&interaction.data.custom_id) else {
        return false;
    };
    let result = match click {
        Click::Run(command) => {
            answer_privately(ctx, data, Responder::Button(interaction), guild, command).await
        }
        Click::OpenReportForm(user) => {
            let form = serenity::CreateModal::new(
                format!("{REPORT_FORM}:{guild}:{user}"),
                "Report to the moderators",
            )
            .components(vec![serenity::CreateActionRow::InputText(
                serenity::CreateInputText::new(
                    serenity::InputTextStyle::Paragraph,
                    "What happened?",
                    "reason",
                )
                .max_length(MAX_REPORT_REASON_CHARS as u16)
                .required(true),
            )]);
            interaction
                .create_response(&ctx.http, serenity::CreateInteractionResponse::Modal(form))
                .await
                .map_err(anyhow::Error::from)
        }
    };
    if let Err(error) = result {
        tracing::warn!(custom_id = %interaction.data.custom_id, %error, "check-in button not answered");
    }
    true
}

/// Answers the report form. `false` when the custom id is not the report form's.
pub async fn on_report_form(
    ctx: &serenity::Context,
    data: &Arc<Data>,
    interaction: &serenity::ModalInteraction,
) -> bool {
    let id = &interaction.data.custom_id;
    let Some((guild, user)) = id
        .strip_prefix(&format!("{REPORT_FORM}:"))
        .and_then(|rest| rest.split_once(':'))
        .and_then(|(guild, user)| Some((guild.parse::<u64>().ok()?, user.to_string())))
    else {
        return false;
    };
    let mut reason = String::new();
    for row in &interaction.data.components {
        for component in &row.components {
            if let serenity::ActionRowComponent::InputText(input) = component {
                if input.custom_id == "reason" {
                    reason = input.value.clone().unwrap_or_default();
                }
            }
        }
    }
    let command = Command::Report {
        target: MemberRef::PlatformId(user),
        reason,
    };
    if let Err(error) =
        answer_privately(ctx, data, Responder::Form(interaction), guild, command).await
    {
        tracing::warn!(%error, "report form not answered");
    }
    true
}

enum Responder<'a> {
    Button(&'a serenity::ComponentInteraction),
    Form(&'a serenity::ModalInteraction),
}

/// Runs the command and answers with its reply in a private message under the check-in,
/// deferring first when the engine is slow (Discord's 3 seconds).
async fn answer_privately(
    ctx: &serenity::Context,
    data: &Arc<Data>,
    responder: Responder<'_>,
    guild: u64,
    command: Command,
) -> anyhow::Result<()> {
    let user = match &responder {
        Responder::Button(interaction) => &interaction.user,
        Responder::Form(interaction) => &interaction.user,
    };
    let actor = actor(guild, user);
    let engine = data.engine.clone();
    let work = async move { engine.handle_command(&actor, command).await.message };
    tokio::pin!(work);
    let reply: Result<OutgoingMessage, _> = tokio::time::timeout(data.defer_after, &mut work).await;
    let respond = |response| async {
        match &responder {
            Responder::Button(interaction) => {
                interaction.create_response(&ctx.http, response).await
            }
            Responder::Form(interaction) => interaction.create_response(&ctx.http, response).await,
        }
    };
    match reply {
        Ok(reply) => {
            let message = card::build(&reply, Some(guild))
                .response_message()
                .ephemeral(true);
            respond(serenity::CreateInteractionResponse::Message(message)).await?;
        }
        Err(_) => {
            respond(serenity::CreateInteractionResponse::Defer(
                serenity::CreateInteractionResponseMessage::new().ephemeral(true),
            ))
            .await?;
            let reply = work.await;
            let edit = card::build(&reply, Some(guild)).edit_response();
            match &responder {
                Responder::Button(interaction) => {
                    interaction.edit_response(&ctx.http, edit).await?;
                }
                Responder::Form(interaction) => {
                    interaction.edit_response(&ctx.http, edit).await?;
                }
            }
        }
    }
    Ok(())
}
