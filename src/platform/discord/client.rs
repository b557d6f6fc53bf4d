//! Starting the bot: serenity's client with poise's commands and our event handler, on this
//! instance's shard range. In proxy mode serenity's `Http` is pointed at the proxy with its
//! own rate limiter off (serenity 0.12.5 builds rate-limited requests without the proxy), and
//! `GET /gateway` on the same base tells it where the gateway is.

use std::sync::Arc;
use std::time::Duration;

use poise::serenity_prelude as serenity;
use tokio::sync::watch;

use super::command_list;
use super::context::{self, Data};
use super::events::Handler;
use super::DiscordPlatform;
use crate::config::DiscordConfig;
use crate::engine::{Engine, EngineSetup};

/// Knobs that are not configuration (tests and embedding).
#[derive(Debug, Clone)]
pub struct BotOptions {
    /// Answer interactions at once when the engine is this quick; defer otherwise.
    pub defer_after: Duration,
}

impl Default for BotOptions {
    fn default() -> Self {
        // Discord allows 3 s; deferring after 1.5 s leaves room for a slow network.
        BotOptions {
            defer_after: Duration::from_millis(1500),
        }
    }
}

/// A running gateway connection (all of this instance's shards).
pub struct DiscordBot {
    pub platform: Arc<DiscordPlatform>,
    shard_manager: Arc<serenity::ShardManager>,
    task: tokio::task::JoinHandle<()>,
}

impl DiscordBot {
    pub async fn start(
        config: &DiscordConfig,
        platform: Arc<DiscordPlatform>,
        engine: Engine,
        options: BotOptions,
    ) -> anyhow::Result<DiscordBot> {
        let token = config.token.clone().unwrap_or_default();
        let mut http = serenity::HttpBuilder::new(&token);
        if config.is_proxy() {
            http = http.proxy(config.api_base_url.trim_end_matches('/'));
        }
        let http = http
            .ratelimiter_disabled(!config.use_serenity_ratelimiter)
            .build();
        let data = Arc::new(Data {
            engine,
            platform: platform.clone(),
            defer_after: options.defer_after,
        });
        let (first, last, total) = config.shard_range();
        let command_guild = config
            .command_guild_id
            .as_deref()
            .and_then(|id| id.trim().parse::<u64>().ok());
        let setup_data = data.clone();
        let framework = poise::Framework::builder()
            .options(poise::FrameworkOptions {
                commands: command_list::all(),
                on_error: |error| Box::pin(on_error(error)),
                ..Default::default()
            })
            // Owners come from the application info; focusfolk has no owner-only commands.
            .initialize_owners(false)
            .setup(move |ctx, _ready, framework| {
                Box::pin(async move {
                    // One instance (the one with shard 0) registers; PUT is a full overwrite.
                    if first == 0 {
                        let registered = match command_guild {
                            Some(guild) => {
                                poise::builtins::register_in_guild(
                                    ctx,
                                    &framework.options().commands,
                                    serenity::GuildId::new(guild),
                                )
                                .await
                            }
                            None => {
                                poise::builtins::register_globally(
                                    ctx,
                                    &framework.options().commands,
                                )
                                .await
                            }
                        };
                        if let Err(error) = registered {
                            tracing::error!(%error, "slash commands not registered");
                        }
                    }
                    Ok(setup_data)
                })
            })
            .build();
        let intents =
            serenity::GatewayIntents::GUILDS | serenity::GatewayIntents::GUILD_VOICE_STATES;
        let mut client = serenity::ClientBuilder::new_with_http(http, intents)
            .framework(framework)
            .event_handler(Handler { data })
            .await?;
        let shard_manager = client.shard_manager.clone();
        let task = tokio::spawn(async move {
            // serenity's range end is inclusive here (`first..last` boots first..=last).
            if let Err(error) = client.start_shard_range(first..last, total).await {
                tracing::error!(%error, "Discord client stopped");
            }
        });
        Ok(DiscordBot {
            platform,
            shard_manager,
            task,
        })
    }

    /// Closes the gateway connections and waits for the client to stop.
    pub async fn shutdown(self) {
        self.shard_manager.shutdown_all().await;
        let _ = tokio::time::timeout(Duration::from_secs(10), self.task).await;
    }
}

async fn on_error(error: poise::FrameworkError<'_, Arc<Data>, context::Error>) {
    match error {
        poise::FrameworkError::Command { error, ctx, .. } => {
            tracing::error!(command = %ctx.command().qualified_name, error = ?error, "command failed");
            let reply = poise::CreateReply::default()
                .content(crate::engine::errors::GENERIC_FAILURE_REPLY)
                .ephemeral(true);
            let _ = ctx.send(reply).await;
        }
        other => {
            if let Err(error) = poise::builtins::on_error(other).await {
                tracing::error!(%error, "error while handling an error");
            }
        }
    }
}

/// `focusfolk run` for Discord: sweeps leftovers, connects, runs the job runner until `shutdown`
/// turns true, then disconnects.
pub async fn run_discord(
    config: &DiscordConfig,
    setup: EngineSetup,
    shutdown: watch::Receiver<bool>,
) -> anyhow::Result<()> {
    let platform = DiscordPlatform::new(config, setup.platform_state(), setup.clock())?;
    let engine = setup.build(platform.clone());
    engine.startup_sweep_logged().await;
    match platform.sweep_leftover_rooms().await {
        Ok(deleted) => tracing::info!(deleted, "removed pair rooms of sessions that are over"),
        Err(error) => {
            tracing::warn!(%error, "leftover-room sweep failed; the next start tries again")
        }
    }
    let bot = DiscordBot::start(config, platform, engine.clone(), BotOptions::default()).await?;
    // The runner is watched: if it ends before shutdown, Discord stops with an error (and the
    // process exits) rather than answering "Booked" while nothing runs the slots.
    let result = engine.run_supervised(shutdown).await;
    bot.shutdown().await;
    result
}
