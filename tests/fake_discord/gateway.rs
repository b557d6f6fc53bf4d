//! The gateway websocket: HELLO, IDENTIFY → READY + GUILD_CREATE per guild of the shard,
//! heartbeat ACKs, RESUME with replay of what the bot missed, and drops on demand (close 4000:
//! the bot resumes; close 4009: the session is gone and the bot re-identifies, rebuilding its
//! state from GUILD_CREATE). Dispatches go to the session whose shard owns the guild.

use std::sync::Arc;
use std::time::Instant;

use axum::extract::ws::{CloseFrame, Message, WebSocket};
use axum::extract::{State, WebSocketUpgrade};
use axum::response::Response;
use serde_json::{json, Value};
use tokio::sync::mpsc;

use super::FakeDiscord;

/// The span every fake gateway connection runs in.
pub const FAKE_GATEWAY_SPAN: &str = "fake_discord_gateway";

pub const INTENT_GUILDS: u64 = 1 << 0;
pub const INTENT_GUILD_VOICE_STATES: u64 = 1 << 7;
pub const INTENT_GUILD_MESSAGES: u64 = 1 << 9;
pub const INTENT_DIRECT_MESSAGES: u64 = 1 << 12;
/// Interactions arrive whatever the intents.
pub const NO_INTENT: u64 = 0;

/// Whether the bot may resume the session after [`Gateway::drop_connections`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resume {
    /// Close 4000: the session lives on; the bot resumes and what it missed is replayed.
    Allowed,
    /// Close 4009: the session is gone; the bot identifies again and rebuilds its state from
    /// GUILD_CREATE, and events in the gap are never replayed.
    Refused,
}

pub enum Outgoing {
    /// A frame, and the id of the interaction it carries (an INTERACTION_CREATE): that
    /// interaction's answer deadline starts once the frame is written to the socket.
    Text(String, Option<u64>),
    Close(u16),
}

pub struct Session {
    pub session_id: String,
    pub shard: (u64, u64),
    pub intents: u64,
    seq: u64,
    /// (seq, frame, interaction it carries) of every dispatch, for replay on RESUME.
    log: Vec<(u64, String, Option<u64>)>,
    conn: Option<(u64, mpsc::UnboundedSender<Outgoing>)>,
    invalidated: bool,
}

#[derive(Default)]
pub struct Gateway {
    pub sessions: Vec<Session>,
    next_conn: u64,
    pub identifies: u32,
    pub resumes: u32,
}

pub fn shard_of(guild_id: u64, total: u64) -> u64 {
    (guild_id >> 22) % total.max(1)
}

impl Gateway {
    /// Queues a dispatch for every live session that should see it; sends it if connected.
    pub fn dispatch(&mut self, name: &str, data: &Value, guild_id: Option<u64>, intent: u64) {
        for session in self
            .sessions
            .iter_mut()
            .filter(|session| !session.invalidated)
        {
            let shard = guild_id
                .map(|guild| shard_of(guild, session.shard.1))
                .unwrap_or(0);
            if shard != session.shard.0 || (intent != NO_INTENT && session.intents & intent == 0) {
                continue;
            }
            session.send_dispatch(name, data);
        }
    }

    /// Closes every connection: with code 4000 when the bot may resume, otherwise with 4009,
    /// and the session is dropped.
    pub fn drop_connections(&mut self, resume: Resume) {
        let code = match resume {
            Resume::Allowed => 4000,
            Resume::Refused => 4009,
        };
        for session in &mut self.sessions {
            if let Some((_, sender)) = session.conn.take() {
                let _ = sender.send(Outgoing::Close(code));
            }
            if resume == Resume::Refused {
                session.invalidated = true;
            }
        }
    }

    pub fn connected_sessions(&self) -> usize {
        self.sessions
            .iter()
            .filter(|session| session.conn.is_some() && !session.invalidated)
            .count()
    }
}

impl Session {
    fn send_dispatch(&mut self, name: &str, data: &Value) {
        self.seq += 1;
        let text = json!({"op": 0, "s": self.seq, "t": name, "d": data}).to_string();
        let interaction = if name == "INTERACTION_CREATE" {
            data["id"].as_str().and_then(|id| id.parse().ok())
        } else {
            None
        };
        self.log.push((self.seq, text.clone(), interaction));
        if let Some((_, sender)) = &self.conn {
            let _ = sender.send(Outgoing::Text(text, interaction));
        }
    }
}

pub async fn upgrade(State(fake): State<Arc<FakeDiscord>>, ws: WebSocketUpgrade) -> Response {
    // In a span of its own, so a test capturing the bot's logs can leave out what the fake's
    // websocket library logs about the frames it received (the bot's IDENTIFY and its token).
    ws.on_upgrade(move |socket| {
        tracing::Instrument::instrument(
            connection(fake, socket),
            tracing::info_span!(FAKE_GATEWAY_SPAN),
        )
    })
}

async fn connection(fake: Arc<FakeDiscord>, mut socket: WebSocket) {
    let (sender, mut receiver) = mpsc::unbounded_channel::<Outgoing>();
    let conn_id = {
        let mut shared = fake.lock();
        shared.gateway.next_conn += 1;
        shared.gateway.next_conn
    };
    let hello =
        json!({"op": 10, "d": {"heartbeat_interval": 41250}, "s": null, "t": null}).to_string();
    if socket.send(Message::Text(hello.into())).await.is_err() {
        return;
    }
    loop {
        tokio::select! {
            outgoing = receiver.recv() => match outgoing {
                Some(Outgoing::Text(text, interaction)) => {
                    if socket.send(Message::Text(text.into())).await.is_err() { break; }
                    if let Some(id) = interaction {
                        if let Some(interaction) = fake.lock().interactions.get_mut(&id) {
                            interaction.delivered = Some(Instant::now());
                        }
                    }
                }
                Some(Outgoing::Close(code)) => {
                    let _ = socket.send(Message::Close(Some(CloseFrame { code, reason: "fake drop".into() }))).await;
                    break;
                }
                None => break,
            },
            incoming = socket.recv() => {
                let Some(Ok(message)) = incoming else { break };
                let text = match message {
                    Message::Text(text) => text.to_string(),
                    Message::Close(_) => break,
                    _ => continue,
                };
                let Ok(payload) = serde_json::from_str::<Value>(&text) else { continue };
                handle_op(&fake, conn_id, &sender, &payload);
            }
        }
    }
    let mut shared = fake.lock();
    for session in &mut shared.gateway.sessions {
        if session.conn.as_ref().is_some_and(|(id, _)| *id == conn_id) {
            session.conn = None;
        }
    }
}

fn handle_op(
    fake: &FakeDiscord,
    conn_id: u64,
    sender: &mpsc::UnboundedSender<Outgoing>,
    payload: &Value,
) {
    let op = payload["op"].as_u64().unwrap_or(u64::MAX);
    let data = &payload["d"];
    let mut shared = fake.lock();
    match op {
        1 => {
            let _ = sender.send(Outgoing::Text(
                json!({"op": 11, "d": null, "s": null, "t": null}).to_string(),
                None,
            ));
        }
        2 => {
            shared.gateway.identifies += 1;
            let shard = data["shard"]
                .as_array()
                .map(|pair| (pair[0].as_u64().unwrap_or(0), pair[1].as_u64().unwrap_or(1)))
                .unwrap_or((0, 1));
            let intents = data["intents"].as_u64().unwrap_or(0);
            let session_id = format!("session-{conn_id}-{}", shared.gateway.identifies);
            // A new IDENTIFY for a shard replaces that shard's previous session.
            shared
                .gateway
                .sessions
                .retain(|session| session.shard != shard);
            let guild_ids: Vec<u64> = shared
                .world
                .guilds
                .keys()
                .copied()
                .filter(|guild| shard_of(*guild, shard.1) == shard.0)
                .collect();
            let bot = shared.world.user_json(shared.world.bot_id);
            let ready = json!({
                "v": 10,
                "user": bot,
                "guilds": guild_ids.iter().map(|id| json!({"id": id.to_string(), "unavailable": true})).collect::<Vec<_>>(),
                "session_id": session_id,
                "resume_gateway_url": fake.ws_url(),
                "shard": [shard.0, shard.1],
                "application": {"id": shared.world.application_id.to_string(), "flags": 0},
            });
            let guild_creates: Vec<Value> = guild_ids
                .iter()
                .map(|id| shared.world.guild_create_json(*id))
                .collect();
            let mut session = Session {
                session_id,
                shard,
                intents,
                seq: 0,
                log: Vec::new(),
                conn: Some((conn_id, sender.clone())),
                invalidated: false,
            };
            session.send_dispatch("READY", &ready);
            if intents & INTENT_GUILDS != 0 {
                for guild in &guild_creates {
                    session.send_dispatch("GUILD_CREATE", guild);
                }
            }
            shared.gateway.sessions.push(session);
        }
        6 => {
            shared.gateway.resumes += 1;
            let wanted = data["session_id"].as_str().unwrap_or_default().to_string();
            let seq = data["seq"].as_u64().unwrap_or(0);
            match shared
                .gateway
                .sessions
                .iter_mut()
                .find(|session| session.session_id == wanted && !session.invalidated)
            {
                Some(session) => {
                    for (_, text, interaction) in session.log.iter().filter(|(s, ..)| *s > seq) {
                        let _ = sender.send(Outgoing::Text(text.clone(), *interaction));
                    }
                    session.conn = Some((conn_id, sender.clone()));
                    session.send_dispatch("RESUMED", &json!({}));
                }
                None => {
                    let _ = sender.send(Outgoing::Text(
                        json!({"op": 9, "d": false, "s": null, "t": null}).to_string(),
                        None,
                    ));
                }
            }
        }
        _ => {}
    }
}
