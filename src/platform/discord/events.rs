//! Gateway events the adapter needs besides poise's commands: READY (who the bot is),
//! GUILD_CREATE (after every identify: the guild's channels and voice states, replacing what
//! we had — this is how presence is rebuilt after a reconnect), CHANNEL_* (the channel index),
//! VOICE_STATE_UPDATE (presence) and component/modal interactions (DM buttons).

use std::collections::HashMap;
use std::sync::Arc;

use poise::serenity_prelude as serenity;

use super::channels::ChannelInfo;
use super::context::Data;
use super::rooms::ROOM_PREFIX;
use super::{components, DiscordPlatform};

pub struct Handler {
    pub data: Arc<Data>,
}

impl DiscordPlatform {
    /// Stores who is in our pair rooms among `channels`, for instances that don't own the
    /// guild. Callers hold `write_through` while they change the picture and write it.
    async fn write_through_locked(&self, guild: u64, channels: &[u64]) {
        for channel in channels {
            let ours = self
                .channels
                .get(guild, *channel)
                .is_some_and(|info| info.name.starts_with(ROOM_PREFIX));
            if !ours {
                continue;
            }
            let members = self.presence.members_in(guild, *channel);
            if let Err(error) = self.save_presence(*channel, &members).await {
                tracing::warn!(channel, %error, "cannot store pair-room presence");
            }
        }
    }

    pub async fn on_guild_create(&self, guild: &serenity::Guild) {
        let id = guild.id.get();
        self.mark_owned(id);
        self.channels.replace_guild(
            id,
            guild
                .channels
                .values()
                .map(ChannelInfo::from_serenity)
                .collect(),
        );
        let states: HashMap<u64, u64> = guild
            .voice_states
            .values()
            .filter_map(|state| {
                state
                    .channel_id
                    .map(|channel| (state.user_id.get(), channel.get()))
            })
            .collect();
        let _serialised = self.write_through.lock().await;
        let changed = self.presence.replace_guild(id, states);
        self.write_through_locked(id, &changed).await;
    }
}

#[serenity::async_trait]
impl serenity::EventHandler for Handler {
    async fn ready(&self, _ctx: serenity::Context, ready: serenity::Ready) {
        self.data.platform.set_bot_user_id(ready.user.id.get());
        self.data.engine.report_connected(true);
        tracing::info!(user = %ready.user.name, guilds = ready.guilds.len(), shard = ?ready.shard, "connected to Discord");
    }

    async fn shard_stage_update(
        &self,
        _ctx: serenity::Context,
        update: serenity::ShardStageUpdateEvent,
    ) {
        // Ready (above) says connected again; any stage but Connected is a lost connection.
        if update.new != serenity::ConnectionStage::Connected {
            tracing::info!(shard = %update.shard_id, stage = %update.new, "Discord connection lost; serenity reconnects");
            self.data.engine.report_connected(false);
        }
    }

    async fn guild_create(
        &self,
        _ctx: serenity::Context,
        guild: serenity::Guild,
        _is_new: Option<bool>,
    ) {
        self.data.platform.on_guild_create(&guild).await;
    }

    async fn guild_delete(
        &self,
        _ctx: serenity::Context,
        incomplete: serenity::UnavailableGuild,
        _full: Option<serenity::Guild>,
    ) {
        // Kicked, or an outage: either way we no longer know its presence first-hand.
        self.data.platform.mark_not_owned(incomplete.id.get());
        self.data
            .platform
            .presence
            .forget_guild(incomplete.id.get());
    }

    async fn channel_create(&self, _ctx: serenity::Context, channel: serenity::GuildChannel) {
        self.data
            .platform
            .channels
            .upsert(channel.guild_id.get(), ChannelInfo::from_serenity(&channel));
    }

    // serenity reports categories apart from other channels.
    async fn category_create(&self, _ctx: serenity::Context, category: serenity::GuildChannel) {
        self.data.platform.channels.upsert(
            category.guild_id.get(),
            ChannelInfo::from_serenity(&category),
        );
    }

    async fn category_delete(&self, _ctx: serenity::Context, category: serenity::GuildChannel) {
        self.data
            .platform
            .channels
            .remove(category.guild_id.get(), category.id.get());
    }

    async fn channel_update(
        &self,
        _ctx: serenity::Context,
        _old: Option<serenity::GuildChannel>,
        new: serenity::GuildChannel,
    ) {
        self.data
            .platform
            .channels
            .upsert(new.guild_id.get(), ChannelInfo::from_serenity(&new));
    }

    async fn channel_delete(
        &self,
        _ctx: serenity::Context,
        channel: serenity::GuildChannel,
        _messages: Option<Vec<serenity::Message>>,
    ) {
        self.data
            .platform
            .channels
            .remove(channel.guild_id.get(), channel.id.get());
    }

    async fn voice_state_update(
        &self,
        ctx: serenity::Context,
        _old: Option<serenity::VoiceState>,
        new: serenity::VoiceState,
    ) {
        // Handlers run as concurrent tasks, so two quick updates (leave, rejoin) may reach us
        // out of order. serenity's cache applies them in gateway order before dispatching:
        // take the guild's picture from there instead of applying this one event.
        // Reading the cache and replacing our picture happen under one lock, so a task that
        // read an older picture cannot overwrite a newer one.
        let Some(guild) = new.guild_id else { return };
        let platform = &self.data.platform;
        let _serialised = platform.write_through.lock().await;
        let cached: Option<HashMap<u64, u64>> = ctx.cache.guild(guild).map(|cached| {
            cached
                .voice_states
                .values()
                .filter_map(|state| {
                    state
                        .channel_id
                        .map(|channel| (state.user_id.get(), channel.get()))
                })
                .collect()
        });
        let changed = match cached {
            Some(states) => platform.presence.replace_guild(guild.get(), states),
            None => platform.presence.update(
                guild.get(),
                new.user_id.get(),
                new.channel_id.map(|c| c.get()),
            ),
        };
        platform.write_through_locked(guild.get(), &changed).await;
    }

    async fn interaction_create(&self, ctx: serenity::Context, interaction: serenity::Interaction) {
        match interaction {
            serenity::Interaction::Component(component) => {
                components::on_component(&ctx, &self.data, &component).await
            }
            serenity::Interaction::Modal(modal) => {
                components::on_modal(&ctx, &self.data, &modal).await
            }
            // Slash commands and autocomplete are poise's.
            _ => {}
        }
    }
}
