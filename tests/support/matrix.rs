//! Matrix test harness: the bot (engine on SQLite with a manual clock, the real Matrix adapter)
//! and members who are real matrix-sdk clients on the same Synapse. Members sync in the
//! background to see invites; what they read (DMs, replies) they read from the server's room
//! history, so assertions never race the sync.

#![allow(dead_code)]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use matrix_sdk::authentication::matrix::MatrixSession;
use matrix_sdk::config::SyncSettings;
use matrix_sdk::ruma::api::client::filter::RoomEventFilter;
use matrix_sdk::ruma::api::client::message::get_message_events;
use matrix_sdk::ruma::api::client::room::create_room;
use matrix_sdk::ruma::events::room::member::{MembershipState, StrippedRoomMemberEvent};
use matrix_sdk::ruma::events::room::message::RoomMessageEventContent;
use matrix_sdk::ruma::events::Mentions;
use matrix_sdk::ruma::{OwnedEventId, OwnedRoomId, OwnedUserId, RoomId, UInt};
use matrix_sdk::{Client, Room, SessionMeta, SessionTokens};
use serde_json::Value;

use focusfolk::clock::ManualClock;
use focusfolk::config::MatrixConfig;
use focusfolk::core::model::{CommunitySettings, Platform};
use focusfolk::engine::{CommandLimits, Engine, FaultInjector, NoFaults, RunnerSettings};
use focusfolk::fast_forward::fast_forward_to;
use focusfolk::platform::matrix::{run_sync, MatrixPlatform};
use focusfolk::store::Store;

use super::synapse::{Registered, Synapse};
use super::wait::{eventually, DEADLINE};

// ---------------------------------------------------------------------------------------------
// Members
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone)]
pub struct Invite {
    pub room: OwnedRoomId,
    pub from: OwnedUserId,
    pub is_direct: bool,
}

pub struct Member {
    pub name: String,
    pub user: Registered,
    pub user_id: OwnedUserId,
    pub client: Client,
    invites: Arc<Mutex<Vec<Invite>>>,
    sync: tokio::task::JoinHandle<()>,
}

impl Drop for Member {
    fn drop(&mut self) {
        self.sync.abort();
    }
}

impl Member {
    /// Registers a fresh user and starts its client. DM invites are accepted at once, as a
    /// person would; other invites wait for the test to `join`.
    pub async fn new(synapse: &Synapse, name: &str) -> Member {
        let user = synapse.register(name).await;
        let user_id = OwnedUserId::try_from(user.user_id.as_str()).unwrap();
        let client = Client::builder()
            .homeserver_url(&synapse.url)
            .build()
            .await
            .expect("member client");
        client
            .restore_session(MatrixSession {
                meta: SessionMeta {
                    user_id: user_id.clone(),
                    device_id: user.device_id.as_str().into(),
                },
                tokens: SessionTokens {
                    access_token: user.access_token.clone(),
                    refresh_token: None,
                },
            })
            .await
            .expect("restore member session");
        let invites: Arc<Mutex<Vec<Invite>>> = Arc::default();
        let recorded = invites.clone();
        let me = user_id.clone();
        client.add_event_handler(move |event: StrippedRoomMemberEvent, room: Room| {
            let recorded = recorded.clone();
            let me = me.clone();
            async move {
                if event.state_key != me || event.content.membership != MembershipState::Invite {
                    return;
                }
                let is_direct = event.content.is_direct.unwrap_or(false);
                recorded.lock().unwrap().push(Invite {
                    room: room.room_id().to_owned(),
                    from: event.sender.clone(),
                    is_direct,
                });
                if is_direct {
                    // A busy homeserver may refuse the first tries; a person would try again.
                    for _ in 0..50 {
                        if room.join().await.is_ok() {
                            break;
                        }
                        tokio::time::sleep(Duration::from_millis(200)).await;
                    }
                }
            }
        });
        let syncing = client.clone();
        let sync = tokio::spawn(async move {
            let _ = syncing
                .sync(SyncSettings::default().timeout(Duration::from_secs(5)))
                .await;
        });
        Member {
            name: name.to_string(),
            user,
            user_id,
            client,
            invites,
            sync,
        }
    }

    pub fn invites(&self) -> Vec<Invite> {
        self.invites.lock().unwrap().clone()
    }

    /// Creates a public community room (this member is its creator, hence admin) with `bot` invited.
    pub async fn create_community(&self, bot: &str) -> OwnedRoomId {
        let mut request = create_room::v3::Request::new();
        request.name = Some("Focus club".to_string());
        request.preset = Some(create_room::v3::RoomPreset::PublicChat);
        request.invite = vec![OwnedUserId::try_from(bot).unwrap()];
        self.client
            .create_room(request)
            .await
            .expect("create community")
            .room_id()
            .to_owned()
    }

    pub async fn join(&self, room: &RoomId) {
        let mut last = None;
        for _ in 0..20 {
            match self.client.join_room_by_id(room).await {
                Ok(_) => return,
                Err(error) => last = Some(error),
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        panic!("{} cannot join {room}: {last:?}", self.name);
    }

    pub async fn leave(&self, room: &RoomId) {
        self.client
            .get_room(room)
            .expect("known room")
            .leave()
            .await
            .expect("leave");
    }

    /// Sends a plain text message and returns its event id.
    pub async fn say(&self, room: &RoomId, text: &str) -> OwnedEventId {
        let room = eventually("the member's client to know the room", || async {
            self.client.get_room(room)
        })
        .await;
        room.send(RoomMessageEventContent::text_plain(text))
            .await
            .expect("send")
            .response
            .event_id
    }

    /// Sends what Element sends for a pill at the start of a message: the plain body starts
    /// with `pill_text`, the HTML body with a matrix.to link to `user`, and `m.mentions` lists
    /// `user`. Returns the event id.
    pub async fn mention(
        &self,
        room: &RoomId,
        user: &str,
        pill_text: &str,
        rest: &str,
    ) -> OwnedEventId {
        let room = eventually("the member's client to know the room", || async {
            self.client.get_room(room)
        })
        .await;
        let user_id = OwnedUserId::try_from(user).expect("user id");
        let content = RoomMessageEventContent::text_html(
            format!("{pill_text}: {rest}"),
            format!("<a href=\"https://matrix.to/#/{user}\">{pill_text}</a>: {rest}"),
        )
        .add_mentions(Mentions::with_user_ids([user_id]));
        room.send(content).await.expect("send").response.event_id
    }

    /// Says `text` in `room` and waits for the bot's reply to it (the notice whose relation
    /// points at this message); returns the reply's body.
    pub async fn command(&self, room: &RoomId, text: &str) -> String {
        let event = self.say(room, text).await;
        self.reply_to(room, &event).await
    }

    pub async fn reply_to(&self, room: &RoomId, event: &OwnedEventId) -> String {
        let wanted = event.to_string();
        eventually(
            &format!("{}'s reply to {text:?}", self.name, text = wanted),
            || async {
                self.history(room).await.into_iter().find_map(|event| {
                    let content = &event["content"];
                    let relation = &content["m.relates_to"];
                    let points_here = relation["m.in_reply_to"]["event_id"].as_str()
                        == Some(&wanted)
                        || relation["event_id"].as_str() == Some(&wanted);
                    (points_here && content["msgtype"] == "m.notice")
                        .then(|| content["body"].as_str().unwrap_or_default().to_string())
                })
            },
        )
        .await
    }

    /// Every `m.room.message` in the room, oldest first, as the server has them. A failed read
    /// (the member not joined yet, a busy server) is retried rather than read as "no messages":
    /// an empty history that hides an error would make a count of DMs race the member's sync.
    pub async fn history(&self, room: &RoomId) -> Vec<Value> {
        eventually(
            &format!("{} to read the history of {room}", self.name),
            || async {
                let mut request = get_message_events::v3::Request::backward(room.to_owned());
                request.limit = UInt::from(500u32);
                let mut filter = RoomEventFilter::empty();
                filter.types = Some(vec!["m.room.message".to_string()]);
                request.filter = filter;
                let response = self.client.send(request).await.ok()?;
                let mut events: Vec<Value> = response
                    .chunk
                    .iter()
                    .filter_map(|raw| raw.deserialize_as_unchecked().ok())
                    .collect();
                events.reverse();
                Some(events)
            },
        )
        .await
    }

    /// The DM room the bot opened with this member, once the member has joined it.
    pub async fn dm_room(&self, bot: &str) -> OwnedRoomId {
        eventually(
            &format!("{} to join the bot's DM room", self.name),
            || async {
                let room = self
                    .invites()
                    .into_iter()
                    .find(|invite| invite.is_direct && invite.from.as_str() == bot)?
                    .room;
                (self.client.get_room(&room)?.state() == matrix_sdk::RoomState::Joined)
                    .then_some(room)
            },
        )
        .await
    }

    /// Bodies of the bot's DMs (`m.text`) to this member, oldest first.
    pub async fn dms(&self, bot: &str) -> Vec<String> {
        // Waits for the member's own sync to deliver and accept the DM invite: every caller
        // expects the DM room to exist, and reading before the join would count nothing.
        let room = self.dm_room(bot).await;
        self.history(&room)
            .await
            .into_iter()
            .filter(|event| event["sender"] == bot && event["content"]["msgtype"] == "m.text")
            .map(|event| {
                event["content"]["body"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string()
            })
            .collect()
    }

    /// Contents of the bot's DMs (`m.text`) to this member whose body contains `needle`:
    /// `body`, `format`, `formatted_body` as the server has them.
    pub async fn dm_contents_containing(&self, bot: &str, needle: &str) -> Vec<Value> {
        let room = self.dm_room(bot).await;
        self.history(&room)
            .await
            .into_iter()
            .filter(|event| event["sender"] == bot && event["content"]["msgtype"] == "m.text")
            .map(|event| event["content"].clone())
            .filter(|content| {
                content["body"]
                    .as_str()
                    .is_some_and(|body| body.contains(needle))
            })
            .collect()
    }

    pub async fn dms_containing(&self, bot: &str, needle: &str) -> usize {
        self.dms(bot)
            .await
            .iter()
            .filter(|text| text.contains(needle))
            .count()
    }

    /// Waits until exactly... at least one DM contains `needle`; returns the first.
    pub async fn wait_for_dm(&self, bot: &str, needle: &str) -> String {
        eventually(
            &format!("a DM to {} containing {needle:?}", self.name),
            || async {
                self.dms(bot)
                    .await
                    .into_iter()
                    .find(|text| text.contains(needle))
            },
        )
        .await
    }

    /// Pair-room invites (not DMs) from the bot, oldest first.
    pub fn room_invites_from(&self, bot: &str) -> Vec<OwnedRoomId> {
        self.invites()
            .into_iter()
            .filter(|invite| !invite.is_direct && invite.from.as_str() == bot)
            .map(|invite| invite.room)
            .collect()
    }

    pub async fn wait_for_room_invites(&self, bot: &str, count: usize) -> Vec<OwnedRoomId> {
        eventually(
            &format!("{count} pair-room invites for {}", self.name),
            || async {
                let rooms = self.room_invites_from(bot);
                (rooms.len() >= count).then_some(rooms)
            },
        )
        .await
    }

    /// This member's membership in a room, from the server.
    pub async fn membership_of(&self, room: &RoomId, user: &str) -> Option<String> {
        let request =
            matrix_sdk::ruma::api::client::state::get_state_event_for_key::v3::Request::new(
                room.to_owned(),
                matrix_sdk::ruma::events::StateEventType::RoomMember,
                user.to_string(),
            );
        let response = self.client.send(request).await.ok()?;
        let content: Value = serde_json::from_str(response.event_or_content.get()).ok()?;
        content["membership"].as_str().map(str::to_string)
    }

    /// A state event's content, from the server.
    pub async fn state(&self, room: &RoomId, event_type: &str, state_key: &str) -> Option<Value> {
        let request =
            matrix_sdk::ruma::api::client::state::get_state_event_for_key::v3::Request::new(
                room.to_owned(),
                event_type.into(),
                state_key.to_string(),
            );
        let response = self.client.send(request).await.ok()?;
        serde_json::from_str(response.event_or_content.get()).ok()
    }
}

// ---------------------------------------------------------------------------------------------
// The bot
// ---------------------------------------------------------------------------------------------

/// What stays when the bot process "restarts": the database, the store directory, the clock.
pub struct BotHome {
    pub directory: Arc<tempfile::TempDir>,
    pub database_url: String,
    pub config: MatrixConfig,
    pub clock: Arc<ManualClock>,
}

pub struct Bot {
    pub engine: Engine,
    pub platform: Arc<MatrixPlatform>,
    pub home: Arc<BotHome>,
    shutdown: tokio::sync::watch::Sender<bool>,
    sync: Option<tokio::task::JoinHandle<anyhow::Result<()>>>,
}

impl BotHome {
    /// Logs the bot in (or restores its stored session) on this home's config and clock,
    /// with `store`'s Matrix corner as the adapter's platform state.
    pub async fn connect(&self, store: &Store) -> anyhow::Result<Arc<MatrixPlatform>> {
        MatrixPlatform::connect(
            self.config.clone(),
            focusfolk::engine::PlatformState::new(
                store.clone(),
                focusfolk::core::model::Platform::Matrix,
            ),
            self.clock.clone(),
        )
        .await
    }

    pub fn new(synapse: &Synapse, bot: &Registered, start: DateTime<Utc>) -> Arc<BotHome> {
        Self::with_config(synapse, bot, start, |_| {})
    }

    pub fn with_config(
        synapse: &Synapse,
        bot: &Registered,
        start: DateTime<Utc>,
        configure: impl FnOnce(&mut MatrixConfig),
    ) -> Arc<BotHome> {
        let directory = Arc::new(tempfile::tempdir().expect("temp dir"));
        let database_url = format!(
            "sqlite://{}",
            directory.path().join("focusfolk.sqlite").display()
        );
        let mut config = MatrixConfig {
            homeserver_url: synapse.url.clone(),
            user_id: bot.user_id.clone(),
            password: Some(bot.password.clone()),
            store_path: directory.path().join("matrix-store").display().to_string(),
            // A configured server: most tests are not about the call, and this spares them the
            // `.well-known` lookup (the call tests unset it).
            jitsi_domain: Some("jitsi.example.org".to_string()),
            ..MatrixConfig::default()
        };
        configure(&mut config);
        Arc::new(BotHome {
            directory,
            database_url,
            config,
            clock: Arc::new(ManualClock::new(start)),
        })
    }
}

impl Bot {
    /// Starts a bot process: connect (login or restored session), startup sweep, sync loop.
    pub async fn start(home: &Arc<BotHome>, faults: Arc<dyn FaultInjector>) -> Bot {
        // The bot's log, shown with a failing test's output.
        let _ = tracing_subscriber::fmt()
            .with_test_writer()
            .with_env_filter("focusfolk=debug")
            .try_init();
        let store = Store::connect_and_migrate(&home.database_url)
            .await
            .expect("store");
        let platform = home.connect(&store).await.expect("connect");
        let runner = RunnerSettings {
            worker_id: "matrix-worker".to_string(),
            // No command rate: the bot's clock stands still while a test talks (and the flood
            // test measures the queue, every command handled in full).
            limits: CommandLimits {
                command_interval: Duration::ZERO,
                ..CommandLimits::default()
            },
            ..RunnerSettings::for_platform(Platform::Matrix)
        };
        let engine = Engine::new(
            store,
            platform.clone(),
            home.clock.clone(),
            CommunitySettings::default(),
            runner,
        )
        .with_faults(faults);
        engine.startup_sweep().await.expect("startup sweep");
        let (shutdown, receiver) = tokio::sync::watch::channel(false);
        let sync = tokio::spawn(run_sync(platform.clone(), engine.clone(), receiver));
        tokio::time::timeout(DEADLINE, platform.wait_until_listening())
            .await
            .expect("bot listening");
        Bot {
            engine,
            platform,
            home: home.clone(),
            shutdown,
            sync: Some(sync),
        }
    }

    pub async fn start_fresh(home: &Arc<BotHome>) -> Bot {
        Bot::start(home, Arc::new(NoFaults)).await
    }

    pub fn user_id(&self) -> String {
        self.platform.user_id().to_string()
    }

    /// Runs every job due up to `target`, each at its own time (see `fast_forward_to`).
    pub async fn advance_to(&self, target: DateTime<Utc>) {
        fast_forward_to(&self.engine, &self.home.clock, target)
            .await
            .expect("jobs run");
    }

    pub async fn try_advance_to(
        &self,
        target: DateTime<Utc>,
    ) -> Result<(), focusfolk::engine::jobs::JobError> {
        fast_forward_to(&self.engine, &self.home.clock, target)
            .await
            .map(|_| ())
    }

    /// Stops syncing, as a process that exits (or dies) would.
    pub async fn stop(mut self) {
        let _ = self.shutdown.send(true);
        if let Some(sync) = self.sync.take() {
            let _ = tokio::time::timeout(DEADLINE, sync).await;
        }
    }

    /// Waits until the bot has joined `room` (it accepts invites on its own).
    pub async fn wait_until_joined(&self, member: &Member, room: &RoomId) {
        let bot = self.user_id();
        eventually("the bot to join the community room", || async {
            (member.membership_of(room, &bot).await.as_deref() == Some("join")).then_some(())
        })
        .await;
    }
}

impl Drop for Bot {
    fn drop(&mut self) {
        let _ = self.shutdown.send(true);
        if let Some(sync) = self.sync.take() {
            sync.abort();
        }
    }
}

// ---------------------------------------------------------------------------------------------
// A community: a room made by the first member, the bot invited, everyone else joined
// ---------------------------------------------------------------------------------------------

pub struct Community {
    pub synapse: Synapse,
    pub bot_user: Registered,
    pub home: Arc<BotHome>,
    pub bot: Bot,
    pub members: Vec<Member>,
    pub room: OwnedRoomId,
}

impl Community {
    pub async fn start(synapse: Synapse, names: &[&str]) -> Community {
        let bot_user = synapse.register("bot").await;
        let home = BotHome::new(&synapse, &bot_user, crate::test_start());
        Self::start_with(synapse, bot_user, home, names, Arc::new(NoFaults)).await
    }

    pub async fn start_with(
        synapse: Synapse,
        bot_user: Registered,
        home: Arc<BotHome>,
        names: &[&str],
        faults: Arc<dyn FaultInjector>,
    ) -> Community {
        let bot = Bot::start(&home, faults).await;
        let mut members = Vec::new();
        for name in names {
            members.push(Member::new(&synapse, name).await);
        }
        let room = members[0].create_community(&bot.user_id()).await;
        bot.wait_until_joined(&members[0], &room).await;
        for member in &members[1..] {
            member.join(&room).await;
        }
        Community {
            synapse,
            bot_user,
            home,
            bot,
            members,
            room,
        }
    }

    pub fn bot_id(&self) -> String {
        self.bot.user_id()
    }

    pub fn member(&self, name: &str) -> &Member {
        self.members
            .iter()
            .find(|member| member.name == name)
            .unwrap_or_else(|| panic!("no member {name}"))
    }

    /// Every member books with `command` and is told "Booked".
    pub async fn book_all(&self, command: &str) {
        for member in &self.members {
            let reply = member.command(&self.room, command).await;
            assert!(reply.contains("Booked"), "{}: {reply}", member.name);
        }
    }

    /// True when nobody is in the room or invited to it any more, the bot included (read as a
    /// server admin: the bot forgot the room, and removed members see it as it was when they left).
    pub async fn room_is_closed(&self, room: &RoomId) -> bool {
        self.synapse
            .memberships(room.as_str())
            .await
            .values()
            .all(|membership| membership == "leave")
    }

    /// The pair rooms the bot invited each member to, grouped: room → member names.
    pub async fn pair_rooms(
        &self,
        invites_each: usize,
    ) -> std::collections::BTreeMap<OwnedRoomId, Vec<String>> {
        let mut rooms: std::collections::BTreeMap<OwnedRoomId, Vec<String>> = Default::default();
        let bot = self.bot_id();
        for member in &self.members {
            for room in member.wait_for_room_invites(&bot, invites_each).await {
                rooms.entry(room).or_default().push(member.name.clone());
            }
        }
        rooms
    }
}
