//! The Reply button of a relayed partner message (issue 11): clicking it opens a form (type 9)
//! with one text field; sending the form relays the text back (`msg`, to that member) and
//! answers privately. The custom ids carry the guild and the sender's user id, which stay
//! inside the button and are never shown.

use std::sync::Arc;

use poise::serenity_prelude as serenity;

use super::context::Data;
use super::render::render;
use crate::command::{Command, MemberRef};
use crate::core::model::Platform;
use crate::engine::Actor;

const REPLY_FORM: &str = "cf:replyform";

/// `cf:reply:<guild>:<sender>` or `cf:replyform:<guild>:<sender>` → (guild, sender).
pub fn parse_reply_id(custom_id: &str) -> Option<(u64, String)> {
    match custom_id.split(':').collect::<Vec<_>>().as_slice() {
        ["cf", "reply" | "replyform", guild, sender] if !sender.is_empty() => {
            Some((guild.parse().ok()?, sender.to_string()))
        }
        _ => None,
    }
}

/// Opens the reply form.
pub async fn open(
    ctx: &serenity::Context,
    interaction: &serenity::ComponentInteraction,
    guild: u64,
    sender: &str,
) -> anyhow::Result<()> {
    let form = serenity::CreateModal::new(format!("{REPLY_FORM}:{guild}:{sender}"), "Reply")
        .components(vec![serenity::CreateActionRow::InputText(
            serenity::CreateInputText::new(serenity::InputTextStyle::Paragraph, "Message", "text")
                .max_length(crate::core::partner_messages::MAX_MESSAGE_CHARS as u16)
                .required(true),
        )]);
    interaction
        .create_response(&ctx.http, serenity::CreateInteractionResponse::Modal(form))
        .await?;
    Ok(())
}

/// The reply form was sent: relay it as `msg` to the sender and answer privately.
pub async fn on_submit(
    ctx: &serenity::Context,
    data: &Arc<Data>,
    interaction: &serenity::ModalInteraction,
    guild: u64,
    sender: String,
) -> anyhow::Result<()> {
    let mut text = String::new();
    for row in &interaction.data.components {
        for component in &row.components {
            if let serenity::ActionRowComponent::InputText(input) = component {
                if input.custom_id == "text" {
                    text = input.value.clone().unwrap_or_default();
                }
            }
        }
    }
    let user = &interaction.user;
    let name = user
        .global_name
        .clone()
        .unwrap_or_else(|| user.name.clone());
    let actor = Actor::new(
        Platform::Discord,
        &guild.to_string(),
        &user.id.get().to_string(),
        &name,
    );
    let command = Command::Message {
        to: Some(MemberRef::PlatformId(sender)),
        text,
    };
    let reply = data.engine.handle_command(&actor, command).await;
    let message = serenity::CreateInteractionResponseMessage::new()
        .content(render(&reply.message))
        .ephemeral(true);
    interaction
        .create_response(
            &ctx.http,
            serenity::CreateInteractionResponse::Message(message),
        )
        .await?;
    Ok(())
}
