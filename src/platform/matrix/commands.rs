//! What the bot does with what it sees: invites (allow-list), encryption (refused plainly), and
//! commands — `!focusfolk …` (the configured prefix) or a mention of the bot in community rooms,
//! anything in a member's DM room — answered with
//! an `m.notice`, in a thread under the command where the homeserver supports threads.
//!
//! A community is a room: `Actor::platform_community_id` is the room id, and "admin" means
//! power level ≥ 50 there (matrix-sdk's power levels know that room-version-12 creators have
//! infinite power although `power_levels.users` does not list them).

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use matrix_sdk::ruma::api::client::alias::get_alias;
use matrix_sdk::ruma::api::client::membership::leave_room;
use matrix_sdk::ruma::api::client::state::get_state_event_for_key;
use matrix_sdk::ruma::events::room::message::{
    MessageType, OriginalSyncRoomMessageEvent, Relation,
};
use matrix_sdk::ruma::events::room::power_levels::UserPowerLevel;
use matrix_sdk::ruma::events::StateEventType;
use matrix_sdk::ruma::{OwnedRoomAliasId, OwnedRoomId, OwnedUserId, RoomId, UserId};
use matrix_sdk::Room;
use serde_json::json;

use super::addressing::{command_text, IncomingText};
use super::call::{CallServer, NO_CALL_SERVER};
use super::dm::{DM_OF, DM_ROOM};
use super::fair_queue::{FairQueue, Refused};
use super::pair_rooms::PAIR_ROOM_EVENT;
use super::ratelimit::RateClass;
use super::render::{message_content, render, CommandStyle};
use super::MatrixPlatform;
use crate::command::parse::{parse_command, CommandParseError};
use crate::command::Command;
use crate::core::message::OutgoingMessage;
use crate::engine::port::Membership;
use crate::engine::{Actor, CommandOutcome, Engine};

/// platform_state name: member → the community room they last used (their DMs act there).
pub(super) const COMMUNITY: &str = "community";
const ADMIN_POWER: i64 = 50;

pub(super) enum Incoming {
    Message(Box<OriginalSyncRoomMessageEvent>, Room),
    Invite {
        room: Room,
        inviter: OwnedUserId,
        is_direct: bool,
    },
    EncryptionEnabled(Room),
}

/// Whether the homeserver knows threads (Matrix 1.4): community replies go in a thread under
/// the command, or else are plain replies.
#[derive(Clone, Copy, PartialEq)]
enum Threads {
    Supported,
    Unsupported,
}

#[derive(Clone, Copy, PartialEq)]
enum Where {
    Community,
    Dm,
}

fn community_intro(prefix: &str) -> String {
    format!(
        "👋 Hi, I'm focusfolk: body doubling for this room. Book a focus session with \
`{prefix} book tomorrow 9:00 50m` (or mention me instead of the prefix); when it starts I pair you with \
someone and open a private call room for you. `{prefix} help` lists everything."
    )
}

/// Added to help and to "I don't know that command" in a community room, where a command
/// needs the prefix or a mention.
fn community_prefix_hint(prefix: &str) -> String {
    format!("In this room, start a command with `{prefix}` or mention me, e.g. `{prefix} help`.")
}

/// The answer to a DM from someone who left (or was removed from) their community room.
const NOT_A_MEMBER_ANY_MORE: &str =
    "You're no longer in the community room, so I can't book or cancel \
sessions there for you. Rejoin the room to use focusfolk again.";

const ENCRYPTED_REFUSAL: &str = "🔒 This room is end-to-end encrypted and I can't read encrypted messages, so I \
can't work here and I'm leaving. Invite me to an unencrypted room (community rooms usually are) to use focusfolk.";

/// How many events are handled at once, each from a different source (sender or room).
pub(super) const COMMAND_WORKERS: usize = 8;
/// How many of one sender's events may wait for a worker; more are dropped (and logged once)
/// until the sender's queue drains. A person never has that many commands in flight.
pub(super) const QUEUED_PER_SENDER: usize = 20;

/// Whose turn an event takes in the queue: commands and invites by their sender, encryption
/// events by their room.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(super) enum Source {
    User(OwnedUserId),
    Room(OwnedRoomId),
}

impl Incoming {
    fn source(&self) -> Source {
        match self {
            Incoming::Message(event, _) => Source::User(event.sender.clone()),
            Incoming::Invite { inviter, .. } => Source::User(inviter.clone()),
            Incoming::EncryptionEnabled(room) => Source::Room(room.room_id().to_owned()),
        }
    }
}

pub(super) type IncomingQueue = FairQueue<Source, Incoming>;

pub(super) fn incoming_queue() -> IncomingQueue {
    FairQueue::new(QUEUED_PER_SENDER)
}

/// Queues an event for the workers; a sender over [`QUEUED_PER_SENDER`] loses it.
pub(super) fn enqueue(queue: &IncomingQueue, incoming: Incoming) {
    let source = incoming.source();
    match queue.push(source.clone(), incoming) {
        Ok(()) => {}
        Err(Refused::Full { first: true }) => tracing::warn!(
            ?source,
            waiting = QUEUED_PER_SENDER,
            "a sender's events are arriving faster than they are answered; dropping more until those are"
        ),
        Err(Refused::Full { first: false }) => tracing::debug!(?source, "dropped an event of a flooding sender"),
        Err(Refused::Closed) => {}
    }
}

/// Handles events with [`COMMAND_WORKERS`] workers. One sender's events are handled one at a
/// time, in the order the homeserver sent them, so "timezone …" then "book 9:00" from one
/// member are answered in that order; different senders take turns (`FairQueue`), so one
/// member's flood cannot delay another's commands. Invites run on their own.
pub(super) async fn workers(
    platform: Arc<MatrixPlatform>,
    engine: Engine,
    queue: Arc<IncomingQueue>,
) {
    let threads = match platform.client.server_versions().await {
        Ok(versions) if !versions.contains(&matrix_sdk::ruma::api::MatrixVersion::V1_4) => {
            Threads::Unsupported
        }
        _ => Threads::Supported,
    };
    let mut running = tokio::task::JoinSet::new();
    let spawn = |running: &mut tokio::task::JoinSet<()>| {
        running.spawn(worker(
            platform.clone(),
            engine.clone(),
            queue.clone(),
            threads,
        ));
    };
    for _ in 0..COMMAND_WORKERS {
        spawn(&mut running);
    }
    while let Some(ended) = running.join_next().await {
        if let Err(error) = ended {
            // A panic while handling one event must not leave fewer workers behind.
            tracing::error!(%error, "a Matrix command worker died; starting another");
            spawn(&mut running);
        }
    }
}

/// Gives a source its turn back when its event is finished with, even by a panic.
struct Turn<'a> {
    queue: &'a IncomingQueue,
    source: Source,
}

impl Drop for Turn<'_> {
    fn drop(&mut self) {
        self.queue.done(&self.source);
    }
}

async fn worker(
    platform: Arc<MatrixPlatform>,
    engine: Engine,
    queue: Arc<IncomingQueue>,
    threads: Threads,
) {
    while let Some((source, event)) = queue.next().await {
        let _turn = Turn {
            queue: &queue,
            source,
        };
        match event {
            Incoming::Message(event, room) => {
                handle_message(&platform, &engine, &event, &room, threads).await
            }
            Incoming::Invite {
                room,
                inviter,
                is_direct,
            } => {
                let platform = platform.clone();
                tokio::spawn(
                    async move { handle_invite(&platform, room, inviter, is_direct).await },
                );
            }
            Incoming::EncryptionEnabled(room) => {
                // Our own DM and pair rooms only get encrypted when the homeserver forces it;
                // members still read the bot there, so staying beats vanishing.
                let ours = platform
                    .state(room.room_id().as_str(), DM_OF)
                    .await
                    .ok()
                    .flatten()
                    .is_some_and(|owner| !owner.is_empty())
                    || is_pair_room(&room).await;
                if ours {
                    tracing::warn!(room = %room.room_id(), "one of the bot's own rooms became encrypted; the bot cannot read it");
                } else {
                    refuse_encrypted(&platform, room.room_id()).await;
                }
            }
        }
    }
}

async fn handle_message(
    platform: &Arc<MatrixPlatform>,
    engine: &Engine,
    event: &OriginalSyncRoomMessageEvent,
    room: &Room,
    threads: Threads,
) {
    if event.sender == platform.bot {
        return;
    }
    // Notices are bots talking; answering them is how two bots loop forever.
    let MessageType::Text(text) = &event.content.msgtype else {
        return;
    };
    if matches!(event.content.relates_to, Some(Relation::Replacement(_))) {
        return; // an edit of an earlier message, not a new command
    }
    let body = strip_reply_fallback(&text.body);
    let prefix = platform.config.command_prefix.as_str();
    let incoming = IncomingText {
        body,
        formatted_body: text
            .formatted
            .as_ref()
            .map(|formatted| strip_html_reply_fallback(&formatted.body)),
        mentions_bot: event
            .content
            .mentions
            .as_ref()
            .is_some_and(|mentions| mentions.user_ids.contains(&platform.bot)),
    };
    let addressed = command_text(&incoming, prefix, &platform.bot);
    let room_id = room.room_id();
    // A read error must not make a member's DM look like a community room (it would become
    // one): ignore the message instead; the member can send it again.
    let dm_owner = match platform.state(room_id.as_str(), DM_OF).await {
        Ok(owner) => owner.filter(|owner| !owner.is_empty()),
        Err(error) => {
            tracing::warn!(room = %room_id, sender = %event.sender, error = %error, "cannot tell whether this is a DM room; message ignored");
            return;
        }
    };
    tracing::debug!(room = %room_id, sender = %event.sender, dm_owner = ?dm_owner, "message");
    // In the DM room the prefix and the mention are optional; in a community room they say
    // the message is for the bot.
    let (place, body) = match (dm_owner, addressed) {
        (Some(owner), addressed) if owner == event.sender.as_str() => {
            (Where::Dm, addressed.unwrap_or(body))
        }
        (Some(_), _) => return,
        (None, Some(command)) => (Where::Community, command),
        (None, None) => return,
    };
    // A pair room is no community: booking there would start a community of two.
    if place == Where::Community && is_pair_room(room).await {
        let reply = OutgoingMessage::new()
            .text("This is your session room: send commands in your community room or in our DM.");
        send_reply(platform, room_id, event, &reply, place, threads).await;
        return;
    }
    let age = event
        .origin_server_ts
        .to_system_time()
        .and_then(|sent| SystemTime::now().duration_since(sent).ok())
        .unwrap_or_default();
    if age > platform.config.ignore_commands_older_than.as_std() {
        let minutes = age.as_secs() / 60;
        let reply = OutgoingMessage::new().text(format!(
            "⏸ I was offline when you sent this ({minutes} min ago), so I didn't act on it. Send it again if you still want it."
        ));
        send_reply(platform, room_id, event, &reply, place, threads).await;
        return;
    }

    let community = match place {
        Where::Community => {
            remember_community(platform, &event.sender, room_id).await;
            room_id.to_owned()
        }
        Where::Dm => match platform
            .state(event.sender.as_str(), COMMUNITY)
            .await
            .ok()
            .flatten()
            .and_then(|id| OwnedRoomId::try_from(id).ok())
        {
            Some(community) => community,
            None => {
                let reply = OutgoingMessage::new()
                    .text(format!("I don't know your community yet: say `{prefix} help` in its room first, then you can talk to me here."));
                send_reply(platform, room_id, event, &reply, place, threads).await;
                return;
            }
        },
    };
    // A DM acts in the remembered community: only while the sender still belongs there (a
    // member who left or was banned cannot book or cancel by DM). Unknown lets it through.
    if place == Where::Dm
        && platform
            .membership_in(community.as_str(), event.sender.as_str())
            .await
            == Membership::Gone
    {
        let reply = OutgoingMessage::new().text(NOT_A_MEMBER_ANY_MORE);
        send_reply(platform, room_id, event, &reply, place, threads).await;
        return;
    }
    let community_room = platform.client.get_room(&community);
    let display_name = match community_room
        .as_ref()
        .unwrap_or(room)
        .get_member_no_sync(&event.sender)
        .await
    {
        Ok(Some(member)) => member.name().to_string(),
        _ => event.sender.localpart().to_string(),
    };
    let mut actor = Actor::new(
        super::PLATFORM,
        community.as_str(),
        event.sender.as_str(),
        &display_name,
    );
    if let Some(community_room) = &community_room {
        if is_admin(community_room, &event.sender).await {
            actor = actor.as_community_admin();
        }
    }

    // An erased member's DM room is left afterwards (see `forget_dm_room`); read it now, since
    // the erasure deletes the note that names it.
    let mut dm_room_to_leave = None;
    let reply = match parse_command(body) {
        Ok(command) => {
            let erasing = crate::command::privacy::erases(&command);
            let dm_room_before = match erasing {
                true => platform
                    .state(event.sender.as_str(), DM_ROOM)
                    .await
                    .ok()
                    .flatten(),
                false => None,
            };
            let help = matches!(command, Command::Help { .. });
            let setup = matches!(command, Command::Setup { .. });
            // `setup moderators <room>`: the room is the adapter's to join and keep (issue 11).
            let moderators_room = match &command {
                Command::Setup {
                    change: Some(crate::command::SetupChange::Moderators(room)),
                } => Some(room.clone()),
                _ => None,
            };
            let reply = engine.handle_command(&actor, command).await;
            let mut message = reply.message;
            if let (Some(room), CommandOutcome::Done) = (&moderators_room, reply.outcome) {
                if let Err(problem) = platform.set_moderators_room(community.as_str(), room).await {
                    message = OutgoingMessage::new().text(problem);
                }
            }
            // The call is the adapter's: `setup` says plainly when pair rooms would have none.
            if setup
                && reply.outcome == CommandOutcome::Done
                && platform.call_server().await == CallServer::None
            {
                message = message.text(format!("\n{NO_CALL_SERVER}"));
            }
            if help && place == Where::Community {
                message = message.text(format!("\n{}", community_prefix_hint(prefix)));
            }
            // The admins who set the bot up learn what the homeserver's limits mean for them.
            if setup && place == Where::Community && reply.outcome != CommandOutcome::Refused {
                if let Some(notice) = platform.rate_limit_notice().await {
                    message = message.text(format!("\n\n{notice}"));
                }
            }
            if reply.outcome == CommandOutcome::Booked {
                // The member now expects DMs from us: open the DM room now, while nothing is
                // due, so at the slot's start the fan-out only sends messages instead of also
                // creating a room per member. A refused booking opens nothing.
                let platform = platform.clone();
                let user = event.sender.clone();
                tokio::spawn(async move {
                    if let Err(error) = platform.dm_room(&user).await {
                        tracing::warn!(%user, %error, "could not open the DM room ahead of time");
                    }
                });
            }
            if reply.outcome == CommandOutcome::Erased {
                dm_room_to_leave = dm_room_before.filter(|room| !room.is_empty());
            } else if !reply.attachments.is_empty() {
                // The .ics invite or cancellation, the privacy export or the stats heatmap, goes into the
                // member's DM as a file. (Not after an erasure: finding the DM room would
                // note it about the erased member again.)
                let platform = platform.clone();
                let user = event.sender.clone();
                let key = event.event_id.to_string();
                let files = reply.attachments;
                tokio::spawn(async move {
                    if let Err(error) = platform.send_files_in_dm(&user, &files, &key).await {
                        tracing::warn!(%user, error = %error, "could not send the reply's files");
                    }
                });
            }
            message
        }
        Err(error @ (CommandParseError::Empty | CommandParseError::UnknownCommand { .. }))
            if place == Where::Community =>
        {
            OutgoingMessage::new().text(format!("{error}\n{}", community_prefix_hint(prefix)))
        }
        Err(error) => engine.parse_error_message(&actor, &error).await,
    };
    send_reply(platform, room_id, event, &reply, place, threads).await;
    if let Some(room) = dm_room_to_leave {
        forget_dm_room(platform, &room).await;
    }
}

/// After `privacy delete confirm` the bot leaves the member's old DM room: the notes that made
/// it a DM are gone, and a room the bot stayed in would read as a community room. A member
/// who writes again gets a new DM room, as a new member.
async fn forget_dm_room(platform: &MatrixPlatform, room: &str) {
    let Ok(room_id) = OwnedRoomId::try_from(room) else {
        return;
    };
    let left = platform
        .limiter
        .call(
            RateClass::Join,
            "leave an erased member's DM room",
            || async {
                platform
                    .client
                    .send(leave_room::v3::Request::new(room_id.clone()))
                    .await
                    .map_err(matrix_sdk::Error::from)
            },
        )
        .await;
    if let Err(error) = left {
        tracing::warn!(room = %room_id, error = ?error, "could not leave an erased member's DM room");
    }
}

async fn is_pair_room(room: &Room) -> bool {
    matches!(
        room.get_state_event(StateEventType::from(PAIR_ROOM_EVENT), "")
            .await,
        Ok(Some(_))
    )
}

/// Rich replies may start the HTML body with the quoted message inside `<mx-reply>`.
fn strip_html_reply_fallback(html: &str) -> &str {
    match html.find("</mx-reply>") {
        Some(end) if html.trim_start().starts_with("<mx-reply>") => {
            html[end + "</mx-reply>".len()..].trim_start()
        }
        _ => html,
    }
}

/// Older clients quote the message they reply to ("> <@a:b> text") above the new text.
fn strip_reply_fallback(body: &str) -> &str {
    if !body.starts_with("> ") {
        return body;
    }
    match body.find("\n\n") {
        Some(end) => body[end + 2..].trim_start(),
        None => body,
    }
}

async fn is_admin(room: &Room, user: &UserId) -> bool {
    match room.get_user_power_level(user).await {
        Ok(UserPowerLevel::Infinite) => true,
        Ok(UserPowerLevel::Int(level)) => i64::from(level) >= ADMIN_POWER,
        Ok(_) => false,
        Err(error) => {
            tracing::warn!(room = %room.room_id(), %user, %error, "cannot read power levels; treating as a member");
            false
        }
    }
}

async fn remember_community(platform: &MatrixPlatform, user: &UserId, room: &RoomId) {
    if platform
        .state(user.as_str(), COMMUNITY)
        .await
        .ok()
        .flatten()
        .as_deref()
        != Some(room.as_str())
    {
        if let Err(error) = platform
            .set_state(user.as_str(), COMMUNITY, room.as_str())
            .await
        {
            tracing::warn!(%user, %error, "could not remember the member's community");
        }
    }
}

/// A notice mentioning the sender, replying to the command: in community rooms in a thread
/// under it (with the reply fallback for clients without threads). The transaction id comes
/// from the command's event id, so answering the same command twice posts one reply.
async fn send_reply(
    platform: &MatrixPlatform,
    room: &RoomId,
    to: &OriginalSyncRoomMessageEvent,
    message: &OutgoingMessage,
    place: Where,
    threads: Threads,
) {
    let commands = match place {
        Where::Community => CommandStyle::Prefixed(&platform.config.command_prefix),
        Where::Dm => CommandStyle::Bare,
    };
    let mut content = message_content(
        "m.notice",
        &render(message, platform.server_name(), commands),
    );
    content["m.mentions"] = json!({"user_ids": [to.sender]});
    // In a DM a plain reply keeps the chat linear; in a community room a thread keeps the
    // room's timeline for people.
    content["m.relates_to"] = if place == Where::Community && threads == Threads::Supported {
        let root = match &to.content.relates_to {
            Some(Relation::Thread(thread)) => thread.event_id.clone(),
            _ => to.event_id.clone(),
        };
        json!({"rel_type": "m.thread", "event_id": root, "is_falling_back": true, "m.in_reply_to": {"event_id": to.event_id}})
    } else {
        json!({"m.in_reply_to": {"event_id": to.event_id}})
    };
    if let Err(error) = platform
        .send_message(
            room,
            content,
            platform.txn_id(&format!("reply:{}", to.event_id)),
        )
        .await
    {
        tracing::warn!(%room, command = %to.event_id, %error, "could not reply");
    }
}

async fn handle_invite(
    platform: &MatrixPlatform,
    room: Room,
    inviter: OwnedUserId,
    is_direct: bool,
) {
    let room_id = room.room_id().to_owned();
    if !invite_allowed(platform, &room, &inviter).await {
        tracing::info!(room = %room_id, %inviter, "declining an invite from outside the allow-list");
        let _ = platform
            .limiter
            .call(RateClass::Join, "decline an invite", || async {
                platform
                    .client
                    .send(leave_room::v3::Request::new(room_id.clone()))
                    .await
                    .map_err(matrix_sdk::Error::from)
            })
            .await;
        return;
    }
    // Right after an invite the homeserver occasionally is not ready for the join yet.
    let mut joined = false;
    for attempt in 0..4u32 {
        match platform
            .limiter
            .call(RateClass::Join, "join a room", || {
                platform.client.join_room_by_id(&room_id)
            })
            .await
        {
            Ok(_) => {
                joined = true;
                break;
            }
            Err(error) => {
                tracing::warn!(room = %room_id, attempt, %error, "joining failed; retrying");
                tokio::time::sleep(Duration::from_secs(1 << attempt)).await;
            }
        }
    }
    if !joined {
        tracing::error!(room = %room_id, %inviter, "could not join after several attempts");
        return;
    }
    tracing::info!(room = %room_id, %inviter, is_direct, "joined");
    if room_is_encrypted(platform, &room_id).await {
        refuse_encrypted(platform, &room_id).await;
        return;
    }
    let intro = if is_direct {
        if let Err(error) = platform.adopt_dm_room(&inviter, &room_id).await {
            tracing::warn!(room = %room_id, %error, "could not record the DM room");
        }
        "👋 Hi! I'm focusfolk. Type commands here without the prefix, e.g. `sessions` or `help`. This chat must stay unencrypted: I can't read encrypted messages.".to_string()
    } else {
        community_intro(&platform.config.command_prefix)
    };
    let content = message_content(
        "m.notice",
        &render(
            &OutgoingMessage::new().text(intro),
            platform.server_name(),
            CommandStyle::Bare,
        ),
    );
    if let Err(error) = platform
        .send_message(
            &room_id,
            content,
            platform.txn_id(&format!("hello:{room_id}")),
        )
        .await
    {
        tracing::warn!(room = %room_id, %error, "could not say hello");
    }
}

/// Named rooms are always welcome; otherwise the inviter's homeserver must be allowed (room
/// version 12 room ids carry no server, so the inviter is what says where a room comes from).
/// An alias in `allowed_rooms` names the room the homeserver's directory resolves it to, never
/// the alias an invite's stripped state claims (the inviting server writes that).
async fn invite_allowed(platform: &MatrixPlatform, room: &Room, inviter: &UserId) -> bool {
    let config = &platform.config;
    let claimed = room.canonical_alias();
    let decide = |resolved: &[OwnedRoomId]| {
        invite_decision(
            &config.allowed_rooms,
            &config.allowed_servers,
            platform.server_name(),
            room.room_id(),
            claimed.as_ref().map(|alias| alias.as_str()),
            inviter,
            resolved,
        )
    };
    // No directory lookups when the room id or the inviter's server already decides.
    if decide(&[]) == InviteDecision::Accept {
        return true;
    }
    let mut resolved = Vec::new();
    for alias in config
        .allowed_rooms
        .iter()
        .filter(|allowed| allowed.starts_with('#'))
    {
        if let Some(room_id) = platform.resolve_allowed_alias(alias).await {
            resolved.push(room_id);
        }
    }
    match decide(&resolved) {
        InviteDecision::Accept => true,
        InviteDecision::Decline => false,
        InviteDecision::DeclineSpoofedAlias => {
            tracing::warn!(
                room = %room.room_id(),
                %inviter,
                claimed = ?claimed,
                "an invite claims an allowed alias that the directory resolves to another room"
            );
            false
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum InviteDecision {
    Accept,
    Decline,
    /// Declined, and the room claims an allowed alias it does not own: worth a warning.
    DeclineSpoofedAlias,
}

/// The allow-list decision on what the bot knows for sure: the room id, the inviter, and the
/// room ids the allowed aliases resolve to in the directory (`resolved`). `claimed_alias` (the
/// invite's unverified stripped state) never admits a room; it only names a spoof.
fn invite_decision(
    allowed_rooms: &[String],
    allowed_servers: &[String],
    own_server: &str,
    room: &RoomId,
    claimed_alias: Option<&str>,
    inviter: &UserId,
    resolved: &[OwnedRoomId],
) -> InviteDecision {
    let named = allowed_rooms.iter().any(|allowed| allowed == room.as_str())
        || resolved.iter().any(|allowed| allowed == room);
    let server = inviter.server_name().as_str();
    let server_ok = if allowed_servers.is_empty() {
        server == own_server
    } else {
        allowed_servers
            .iter()
            .any(|allowed| allowed == "*" || allowed.eq_ignore_ascii_case(server))
    };
    if named || server_ok {
        InviteDecision::Accept
    } else if claimed_alias.is_some_and(|alias| allowed_rooms.iter().any(|a| a == alias)) {
        InviteDecision::DeclineSpoofedAlias
    } else {
        InviteDecision::Decline
    }
}

/// How long a resolved allowed alias is trusted before the directory is asked again.
const ALIAS_CACHE_FOR: Duration = Duration::from_secs(60);

impl MatrixPlatform {
    /// The room an allowed alias points at in the homeserver's directory
    /// (`GET /directory/room/{alias}`), remembered for [`ALIAS_CACHE_FOR`]. `None` when it
    /// does not resolve (or the directory cannot be asked now).
    async fn resolve_allowed_alias(&self, alias: &str) -> Option<OwnedRoomId> {
        if let Some((room, at)) = self.lock_alias_cache().get(alias) {
            if at.elapsed() < ALIAS_CACHE_FOR {
                return Some(room.clone());
            }
        }
        let parsed = match OwnedRoomAliasId::try_from(alias) {
            Ok(parsed) => parsed,
            Err(error) => {
                tracing::warn!(alias, %error, "an allowed_rooms entry is not a room alias");
                return None;
            }
        };
        let request = get_alias::v3::Request::new(parsed);
        match send_limited!(self, RateClass::Other, "resolve an allowed alias", request).await {
            Ok(response) => {
                self.lock_alias_cache().insert(
                    alias.to_string(),
                    (response.room_id.clone(), std::time::Instant::now()),
                );
                Some(response.room_id)
            }
            Err(error) => {
                tracing::warn!(alias, %error, "could not resolve an allowed alias");
                None
            }
        }
    }

    fn lock_alias_cache(
        &self,
    ) -> std::sync::MutexGuard<
        '_,
        std::collections::HashMap<String, (OwnedRoomId, std::time::Instant)>,
    > {
        self.allowed_aliases
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

async fn room_is_encrypted(platform: &MatrixPlatform, room: &RoomId) -> bool {
    let request = get_state_event_for_key::v3::Request::new(
        room.to_owned(),
        StateEventType::RoomEncryption,
        String::new(),
    );
    platform
        .limiter
        .call(RateClass::Other, "read room encryption", || {
            let request = request.clone();
            async move {
                platform
                    .client
                    .send(request)
                    .await
                    .map_err(matrix_sdk::Error::from)
            }
        })
        .await
        .is_ok()
}

/// Says why, in plaintext (the only thing the bot can send), then leaves for good.
async fn refuse_encrypted(platform: &MatrixPlatform, room: &RoomId) {
    tracing::warn!(%room, "room is end-to-end encrypted; leaving");
    let content = message_content(
        "m.notice",
        &render(
            &OutgoingMessage::new().text(ENCRYPTED_REFUSAL),
            platform.server_name(),
            CommandStyle::Bare,
        ),
    );
    if let Err(error) = platform
        .send_message(room, content, platform.txn_id(&format!("encrypted:{room}")))
        .await
    {
        tracing::warn!(%room, %error, "could not explain the encryption refusal");
    }
    if let Some(owner) = platform.state(room.as_str(), DM_OF).await.ok().flatten() {
        if platform
            .state(&owner, DM_ROOM)
            .await
            .ok()
            .flatten()
            .as_deref()
            == Some(room.as_str())
        {
            let _ = platform.set_state(&owner, DM_ROOM, "").await;
        }
        let _ = platform.set_state(room.as_str(), DM_OF, "").await;
    }
    let _ = platform
        .limiter
        .call(RateClass::Join, "leave an encrypted room", || async {
            platform
                .client
                .send(leave_room::v3::Request::new(room.to_owned()))
                .await
                .map_err(matrix_sdk::Error::from)
        })
        .await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_invite_claiming_an_allowed_alias_is_declined_unless_the_directory_resolves_it_there() {
        let allowed_rooms = vec!["#focus:home.example".to_string()];
        let allowed_servers = vec!["elsewhere.example".to_string()];
        let spoof = RoomId::parse("!spoof:evil.example").unwrap();
        let real = RoomId::parse("!real:home.example").unwrap();
        let mallory = UserId::parse("@mallory:evil.example").unwrap();
        let decide = |room: &RoomId, resolved: &[OwnedRoomId]| {
            invite_decision(
                &allowed_rooms,
                &allowed_servers,
                "home.example",
                room,
                Some("#focus:home.example"),
                &mallory,
                resolved,
            )
        };
        // The stripped state claims the allowed alias; the directory says it is another room.
        assert_eq!(
            decide(&spoof, std::slice::from_ref(&real)),
            InviteDecision::DeclineSpoofedAlias
        );
        // The alias does not resolve at all: still declined.
        assert_eq!(decide(&spoof, &[]), InviteDecision::DeclineSpoofedAlias);
        // The room the alias really names is taken, whoever invites.
        assert_eq!(
            decide(&real, std::slice::from_ref(&real)),
            InviteDecision::Accept
        );
        // No claim, not allowed: a plain decline; an allowed server still decides alone.
        assert_eq!(
            invite_decision(
                &allowed_rooms,
                &allowed_servers,
                "home.example",
                &spoof,
                None,
                &mallory,
                &[]
            ),
            InviteDecision::Decline
        );
        let friend = UserId::parse("@ann:elsewhere.example").unwrap();
        assert_eq!(
            invite_decision(
                &allowed_rooms,
                &allowed_servers,
                "home.example",
                &spoof,
                None,
                &friend,
                &[]
            ),
            InviteDecision::Accept
        );
        // Rooms named by id still work.
        assert_eq!(
            invite_decision(
                &[spoof.to_string()],
                &allowed_servers,
                "home.example",
                &spoof,
                None,
                &mallory,
                &[]
            ),
            InviteDecision::Accept
        );
    }

    #[test]
    fn html_reply_fallbacks_are_stripped() {
        assert_eq!(
            strip_html_reply_fallback(
                "<mx-reply><blockquote>hi</blockquote></mx-reply><a href=\"x\">bot</a>: help"
            ),
            "<a href=\"x\">bot</a>: help"
        );
        assert_eq!(strip_html_reply_fallback("<b>hi</b>"), "<b>hi</b>");
    }

    #[test]
    fn reply_fallbacks_are_stripped() {
        assert_eq!(
            strip_reply_fallback("> <@a:b> hi\n> there\n\n!focusfolk sessions"),
            "!focusfolk sessions"
        );
        assert_eq!(strip_reply_fallback("sessions"), "sessions");
    }
}
