//! What every slash command, component and event handler shares: the framework's `Data`, its
//! `Context` and `Error`, the invoking member as an engine `Actor`, and the ephemeral answer.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use poise::serenity_prelude as serenity;

use super::card;
use super::DiscordPlatform;
use crate::core::model::Platform;
use crate::engine::{Actor, CommandOutcome, Engine, Reply};

/// What every command and event handler shares.
pub struct Data {
    pub engine: Engine,
    pub platform: Arc<DiscordPlatform>,
    /// Answer at once if the engine is this quick; otherwise defer first.
    pub defer_after: Duration,
}

pub type Error = anyhow::Error;
pub type Context<'a> = poise::Context<'a, Arc<Data>, Error>;

/// The member as the engine knows them; admins are those Discord says may Manage Server.
pub fn actor_of(ctx: Context<'_>) -> Option<Actor> {
    let guild = ctx.guild_id()?;
    let poise::Context::Application(app) = ctx else {
        return None;
    };
    let member = app.interaction.member.as_deref();
    let user = &app.interaction.user;
    let name = member
        .and_then(|m| m.nick.clone())
        .or_else(|| user.global_name.clone())
        .unwrap_or_else(|| user.name.clone());
    let actor = Actor::new(
        Platform::Discord,
        &guild.get().to_string(),
        &user.id.get().to_string(),
        &name,
    );
    let permissions = member
        .and_then(|m| m.permissions)
        .unwrap_or_else(serenity::Permissions::empty);
    Some(
        if permissions.manage_guild() || permissions.administrator() {
            actor.as_community_admin()
        } else {
            actor
        },
    )
}

/// Runs the engine for this command and answers ephemerally, deferring if it is slow;
/// returns what the command did.
pub async fn answer<F>(ctx: Context<'_>, work: F) -> Result<CommandOutcome, Error>
where
    F: Future<Output = Reply>,
{
    let defer_after = ctx.data().defer_after;
    tokio::pin!(work);
    let reply = if defer_after.is_zero() {
        // "Always defer" must not race a timer against a fast answer.
        ctx.defer_ephemeral().await?;
        work.await
    } else {
        match tokio::time::timeout(defer_after, &mut work).await {
            Ok(reply) => reply,
            Err(_) => {
                ctx.defer_ephemeral().await?;
                work.await
            }
        }
    };
    let guild = ctx.guild_id().map(|guild| guild.get());
    let mut create = card::build(&reply.message, guild).ephemeral_reply();
    // A booking's .ics invite, a cancellation: files on the same (private) answer.
    for attachment in &reply.attachments {
        create = create.attachment(poise::serenity_prelude::CreateAttachment::bytes(
            attachment.bytes.clone(),
            attachment.file_name.clone(),
        ));
    }
    ctx.send(create).await?;
    Ok(reply.outcome)
}
