//! The Discord test harness: a fake Discord on 127.0.0.1, a guild with a few channels, and
//! the real bot (serenity + poise + the adapter) connected to it in proxy mode, around an
//! engine on SQLite with a manual clock. Serenity runs on real time; the engine's jobs run
//! when a test moves the clock.

#![allow(dead_code)]

#[path = "../fake_discord/mod.rs"]
pub mod fake_discord;
#[path = "../support/wait.rs"]
pub mod wait;

use std::sync::Arc;

use chrono::{DateTime, TimeZone, Utc};
use serde_json::Value;

use focusfolk::clock::ManualClock;
use focusfolk::config::DiscordConfig;
use focusfolk::core::model::{CommunitySettings, Platform};
use focusfolk::engine::port::ChatPlatform;
use focusfolk::engine::{Engine, RunnerSettings};
use focusfolk::fast_forward::fast_forward_to;
use focusfolk::platform::discord::{BotOptions, DiscordBot, DiscordPlatform};
use focusfolk::store::Store;

use wait::eventually;

#[allow(unused_imports)]
pub use fake_discord::{
    perms, FakeDiscord, LimitConfig, Resume, CHANNEL_CATEGORY, CHANNEL_TEXT, CHANNEL_VOICE,
};

/// Mon 30 Nov 2026 08:00 UTC.
pub fn test_start() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 30, 8, 0, 0).unwrap()
}

pub fn at(hour: u32, minute: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 30, hour, minute, 0).unwrap()
}

pub struct Options {
    pub bot_permissions: u64,
    pub limits: LimitConfig,
    pub bot: BotOptions,
    /// Run /setup with category, lobby and moderators before the test starts.
    pub run_setup: bool,
    /// (first_shard, shard_count, total_shards) for this instance.
    pub shards: (u32, u32, u32),
    /// The guild id's timestamp part (its shard is this modulo the shard count).
    pub guild_timestamp: Option<u64>,
    /// The database (an empty PostgreSQL database, say); a fresh SQLite file when `None`.
    pub database_url: Option<String>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            bot_permissions: perms::BOT_DEFAULT,
            limits: LimitConfig::default(),
            bot: BotOptions::default(),
            run_setup: true,
            shards: (0, 0, 1),
            guild_timestamp: None,
            database_url: None,
        }
    }
}

pub struct DiscordApp {
    pub fake: Arc<FakeDiscord>,
    pub guild: u64,
    pub owner: u64,
    pub general: u64,
    pub lobby: u64,
    pub moderators: u64,
    pub category: u64,
    pub engine: Engine,
    pub platform: Arc<DiscordPlatform>,
    pub clock: Arc<ManualClock>,
    pub bot: Option<DiscordBot>,
    pub options: BotOptions,
    pub shards: (u32, u32, u32),
    pub database_url: String,
    _directory: Arc<tempfile::TempDir>,
}

pub fn config_for(
    fake: &FakeDiscord,
    (first_shard, shard_count, total_shards): (u32, u32, u32),
) -> DiscordConfig {
    DiscordConfig {
        token: Some(fake.token.clone()),
        api_base_url: fake.base_url(),
        use_serenity_ratelimiter: false,
        first_shard,
        shard_count,
        total_shards,
        ..DiscordConfig::default()
    }
}

pub async fn spawn(options: Options) -> DiscordApp {
    let fake = FakeDiscord::start(options.limits.clone()).await;
    let guild = fake.add_guild_at(
        "Focus Club",
        options.bot_permissions,
        options.guild_timestamp,
    );
    let owner = fake.owner_of(guild);
    let general = fake.add_channel(guild, CHANNEL_TEXT, "general", None);
    let lobby = fake.add_channel(guild, CHANNEL_TEXT, "lobby", None);
    let moderators = fake.add_channel(guild, CHANNEL_TEXT, "mods", None);
    let category = fake.add_channel(guild, CHANNEL_CATEGORY, "Focus rooms", None);
    let directory = Arc::new(tempfile::tempdir().expect("temp dir"));
    let database_url = options.database_url.clone().unwrap_or_else(|| {
        format!(
            "sqlite://{}",
            directory.path().join("focusfolk.sqlite").display()
        )
    });
    let clock = Arc::new(ManualClock::new(test_start()));
    let (engine, platform) = build_engine(
        &fake,
        &database_url,
        clock.clone(),
        "worker-1",
        options.shards,
    )
    .await;
    let mut app = DiscordApp {
        fake,
        guild,
        owner,
        general,
        lobby,
        moderators,
        category,
        engine,
        platform,
        clock,
        bot: None,
        options: options.bot.clone(),
        shards: options.shards,
        database_url,
        _directory: directory,
    };
    app.start_bot().await;
    if options.run_setup {
        let answer = app
            .command(
                owner,
                "setup",
                &[
                    ("category", Value::from(category.to_string())),
                    ("lobby", Value::from(lobby.to_string())),
                    ("moderators", Value::from(moderators.to_string())),
                ],
            )
            .await;
        assert!(answer.contains("Setup saved"), "{answer}");
    }
    app
}

pub async fn build_engine(
    fake: &FakeDiscord,
    database_url: &str,
    clock: Arc<ManualClock>,
    worker: &str,
    shards: (u32, u32, u32),
) -> (Engine, Arc<DiscordPlatform>) {
    let store = Store::connect_and_migrate(database_url)
        .await
        .expect("store");
    let platform = DiscordPlatform::new(
        &config_for(fake, shards),
        focusfolk::engine::PlatformState::new(store.clone(), Platform::Discord),
        clock.clone(),
    )
    .expect("platform");
    let runner = RunnerSettings {
        worker_id: worker.to_string(),
        ..RunnerSettings::for_platform(Platform::Discord)
    };
    let engine = Engine::new(
        store,
        platform.clone(),
        clock,
        CommunitySettings::default(),
        runner,
    );
    (engine, platform)
}

impl DiscordApp {
    pub async fn start_bot(&mut self) {
        let bot = DiscordBot::start(
            &config_for(&self.fake, self.shards),
            self.platform.clone(),
            self.engine.clone(),
            self.options.clone(),
        )
        .await
        .expect("bot starts");
        self.bot = Some(bot);
        let guild = self.guild;
        let platform = self.platform.clone();
        self.fake
            .wait_for("the bot's commands and guild", |shared| {
                (!shared.world.commands.is_empty()).then_some(())
            })
            .await;
        eventually("the guild's GUILD_CREATE", || async {
            platform.owns_guild(guild).then_some(())
        })
        .await;
    }

    /// The process dies and starts again: new engine and adapter on the same database, the
    /// startup sweeps, then a new gateway connection.
    pub async fn restart(&mut self, worker: &str) {
        if let Some(bot) = self.bot.take() {
            bot.shutdown().await;
        }
        let (engine, platform) = build_engine(
            &self.fake,
            &self.database_url,
            self.clock.clone(),
            worker,
            self.shards,
        )
        .await;
        engine.startup_sweep().await.expect("engine sweep");
        platform
            .sweep_leftover_rooms()
            .await
            .expect("adapter sweep");
        self.engine = engine;
        self.platform = platform;
        self.start_bot().await;
    }

    pub fn member(&self, name: &str) -> u64 {
        self.fake.add_member(self.guild, name)
    }

    /// Books straight through the engine, as the slash command would, for tests and benches
    /// that need many bookings fast (the slash-command path is exercised elsewhere).
    pub async fn book_through_engine(&self, member: u64, text: &str) {
        let actor = focusfolk::engine::Actor::new(
            Platform::Discord,
            &self.guild.to_string(),
            &member.to_string(),
            &format!("member{member}"),
        );
        let reply = self.engine.handle_text(&actor, text).await.render_plain();
        assert!(reply.contains("Booked"), "{reply}");
    }

    /// A member runs a slash command in #general and reads the (ephemeral) answer.
    pub async fn command(&self, user: u64, name: &str, options: &[(&str, Value)]) -> String {
        let interaction = self
            .fake
            .invoke(self.guild, user, self.general, name, options);
        let answer = self.fake.answer(interaction).await;
        assert!(
            answer.ephemeral(),
            "/{name} answers privately: {:?}",
            answer.data
        );
        answer.content().to_string()
    }

    /// Members by these names, each booked `when` for `minutes` (asserted); ids in order.
    pub async fn members_booked(&self, names: &[&str], when: &str, minutes: u32) -> Vec<u64> {
        let members: Vec<u64> = names.iter().map(|name| self.member(name)).collect();
        for member in &members {
            let reply = self.book(*member, when, minutes).await;
            assert!(reply.contains("Booked"), "{reply}");
        }
        members
    }

    pub async fn book(&self, user: u64, when: &str, minutes: u32) -> String {
        self.command(
            user,
            "book",
            &[
                ("when", Value::from(when)),
                ("duration", Value::from(minutes)),
            ],
        )
        .await
    }

    pub async fn advance_to(&self, target: DateTime<Utc>) {
        fast_forward_to(&self.engine, &self.clock, target)
            .await
            .expect("jobs run");
    }

    /// The pair rooms (voice channels in our categories) a member may join.
    pub fn rooms_of(&self, user: u64) -> Vec<u64> {
        self.fake
            .voice_channels_of(self.guild, user)
            .into_iter()
            .map(|(id, _)| id)
            .collect()
    }

    pub fn room_of(&self, user: u64) -> u64 {
        let rooms = self.rooms_of(user);
        assert_eq!(
            rooms.len(),
            1,
            "user {user} has exactly one room: {rooms:?}"
        );
        rooms[0]
    }

    /// Joins voice and waits until the adapter has seen it (serenity runs on real time).
    pub async fn join(&self, user: u64, channel: u64) {
        self.fake
            .join_voice(self.guild, user, channel)
            .expect("allowed to join");
        let room = format!("{}/{channel}", self.guild);
        let platform = self.platform.clone();
        eventually("the adapter to see the member in the room", || async {
            platform
                .present_members(&room)
                .await
                .unwrap_or_default()
                .contains(&user.to_string())
                .then_some(())
        })
        .await;
    }

    /// The member leaves voice, and the adapter has seen it: a `join` right after cannot be
    /// satisfied by the presence from before the leave.
    pub async fn leave(&self, user: u64, channel: u64) {
        self.fake.leave_voice(self.guild, user);
        let room = format!("{}/{channel}", self.guild);
        let platform = self.platform.clone();
        eventually("the adapter to see the member leave the room", || async {
            (!platform
                .present_members(&room)
                .await
                .unwrap_or_default()
                .contains(&user.to_string()))
            .then_some(())
        })
        .await;
    }

    pub fn dm_texts(&self, user: u64) -> Vec<String> {
        self.fake
            .dms(user)
            .into_iter()
            .map(|message| message.text())
            .collect()
    }
}
