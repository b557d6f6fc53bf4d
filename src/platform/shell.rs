//! The `shell` platform: an in-memory chat where DMs and rooms are printed, and presence is
//! whatever the person at the keyboard says (`/join`, `/leave`). It honours idempotency keys like
//! the real platforms do (Discord nonces, Matrix transaction ids), which is what lets the crash
//! tests prove "exactly once" end to end.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Mutex;

use async_trait::async_trait;

use crate::core::message::OutgoingMessage;
use crate::engine::port::{ChatPlatform, Membership, PairRoomRequest, PlatformError, Recipient};

/// A message as the shell prints it: a card's title on the first line, then its body, list,
/// fields and footer, and the next step as what to type (`/join` for the pair room, the command
/// for an action). A message without card structure prints as its parts, as it always did.
pub fn render_for_shell(message: &OutgoingMessage) -> String {
    message.render_plain_joining_with(|_| "type `/join`".to_string())
}

#[derive(Debug, Clone, PartialEq)]
pub enum ShellEvent {
    DirectMessage {
        to: String,
        text: String,
        idempotency_key: String,
    },
    RoomOpened {
        room: String,
        title: String,
        members: Vec<String>,
    },
    RoomClosed {
        room: String,
    },
    /// A post in the community's lobby (the weekly digest): printed like a DM to everyone.
    CommunityPost {
        community: String,
        text: String,
    },
    /// A note for the community's moderators (a report, a job given up): the shell has no
    /// moderators' channel, so it prints the note.
    ModeratorNote {
        community: String,
        text: String,
    },
}

#[derive(Debug, Clone)]
pub struct ShellRoom {
    pub title: String,
    pub members: Vec<String>,
    pub open: bool,
    pub present: BTreeSet<String>,
}

#[derive(Default)]
struct ShellState {
    events: Vec<ShellEvent>,
    /// How many events the REPL has already printed.
    printed: usize,
    delivered_keys: HashMap<String, usize>,
    /// Every call, including deduplicated retries: lets tests see that a retry happened.
    send_attempts: usize,
    rooms: BTreeMap<String, ShellRoom>,
    room_by_key: HashMap<String, String>,
    unreachable: BTreeSet<String>,
    fail_next_calls: usize,
    /// Members whose rooms the platform refuses for good (like Discord's 403/10013).
    refuse_rooms_for: BTreeSet<String>,
    /// Members whose DMs the platform refuses for good (like Discord's 10013 Unknown User).
    refuse_dms_to: BTreeSet<String>,
    /// Temporary failures left per target: a member's DMs, or a room's closing.
    fail_calls_for: HashMap<String, usize>,
    /// Calls that reached each target (a member's DMs, a room's closing), failed or not.
    calls_for: HashMap<String, usize>,
    /// Notes posted for the moderators: (community, text).
    moderator_notes: Vec<(String, String)>,
    /// Posts in communities' lobbies: (community, text), each idempotency key once.
    community_posts: Vec<(String, String)>,
    /// (community, user) pairs who left or were removed.
    departed: BTreeSet<(String, String)>,
    /// How long every DM and room opening takes (a slow platform, for shutdown tests).
    call_delay: std::time::Duration,
    /// While set, room openings wait for a permit (tests interleave other work with a job).
    room_gate: Option<std::sync::Arc<tokio::sync::Semaphore>>,
    /// Room openings waiting at the gate now.
    rooms_waiting: usize,
    /// DMs started (before their delay), including ones not finished.
    calls_started: usize,
    /// The next this many DMs or room openings panic (a bug in a job, for supervision tests).
    panic_next_calls: usize,
    /// Refuse oversized room titles and DMs for good, like a real platform (off by default).
    size_limits: bool,
    /// Each delivered DM as the engine built it (recipient, message): renderer tests render the
    /// real messages for every platform.
    delivered_messages: Vec<(String, OutgoingMessage)>,
}

/// With [`ShellPlatform::enforce_size_limits`]: the longest room title, in characters (room
/// names on Matrix and most clients).
pub const SHELL_MAX_TITLE_CHARS: usize = 255;
/// With [`ShellPlatform::enforce_size_limits`]: the largest DM, in bytes (Matrix's 64 KiB
/// event limit).
pub const SHELL_MAX_MESSAGE_BYTES: usize = 65_536;

#[derive(Default)]
pub struct ShellPlatform {
    state: Mutex<ShellState>,
}

impl ShellPlatform {
    pub fn new() -> Self {
        Self::default()
    }

    fn state(&self) -> std::sync::MutexGuard<'_, ShellState> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Events not yet returned by a previous call, for printing.
    pub fn take_unprinted_events(&self) -> Vec<ShellEvent> {
        let mut state = self.state();
        let new = state.events[state.printed..].to_vec();
        state.printed = state.events.len();
        new
    }

    pub fn all_events(&self) -> Vec<ShellEvent> {
        self.state().events.clone()
    }

    /// DMs delivered to one member, in order, as the engine built them.
    pub fn messages_to(&self, user: &str) -> Vec<OutgoingMessage> {
        self.state()
            .delivered_messages
            .iter()
            .filter(|(to, _)| to == user)
            .map(|(_, message)| message.clone())
            .collect()
    }

    /// DMs delivered to one member, in order, as rendered text.
    pub fn direct_messages_to(&self, user: &str) -> Vec<String> {
        self.state()
            .events
            .iter()
            .filter_map(|event| match event {
                ShellEvent::DirectMessage { to, text, .. } if to == user => Some(text.clone()),
                _ => None,
            })
            .collect()
    }

    /// DMs the platform swallowed because their key was already delivered.
    pub fn duplicate_deliveries(&self) -> usize {
        self.state()
            .delivered_keys
            .values()
            .map(|count| count - 1)
            .sum()
    }

    pub fn send_attempts(&self) -> usize {
        self.state().send_attempts
    }

    pub fn rooms(&self) -> BTreeMap<String, ShellRoom> {
        self.state().rooms.clone()
    }

    /// The open room `user` belongs to, newest first (a rematch room supersedes the first one).
    pub fn open_room_of(&self, user: &str) -> Option<String> {
        let state = self.state();
        state
            .rooms
            .iter()
            .rev()
            .find(|(_, room)| room.open && room.members.iter().any(|member| member == user))
            .map(|(id, _)| id.clone())
    }

    /// Puts `user` in `room`. Fails like a real platform would for strangers or closed rooms.
    pub fn join(&self, room: &str, user: &str) -> Result<(), String> {
        let mut state = self.state();
        let Some(room_state) = state.rooms.get_mut(room) else {
            return Err(format!("there is no room {room}"));
        };
        if !room_state.open {
            return Err(format!("{room} is closed"));
        }
        if !room_state.members.iter().any(|member| member == user) {
            return Err(format!("{user} is not allowed in {room}"));
        }
        room_state.present.insert(user.to_string());
        Ok(())
    }

    pub fn leave_all_rooms(&self, user: &str) {
        for room in self.state().rooms.values_mut() {
            room.present.remove(user);
        }
    }

    /// Makes DMs to `user` fail like Discord's "cannot send messages to this user".
    pub fn set_unreachable(&self, user: &str) {
        self.state().unreachable.insert(user.to_string());
    }

    /// `user` leaves `community` (or is removed from it): from now on they are
    /// [`Membership::Gone`] there.
    pub fn remove_member(&self, community: &str, user: &str) {
        self.state()
            .departed
            .insert((community.to_string(), user.to_string()));
    }

    /// The next `count` DMs or room openings panic, like a bug would.
    pub fn panic_next_calls(&self, count: usize) {
        self.state().panic_next_calls = count;
    }

    /// Every DM and room opening takes `delay` from now on (a slow platform).
    pub fn set_call_delay(&self, delay: std::time::Duration) {
        self.state().call_delay = delay;
    }

    /// DMs and room openings started so far, finished or not.
    pub fn calls_started(&self) -> usize {
        self.state().calls_started
    }

    /// Room openings wait until the returned semaphore gets permits (one per room).
    pub fn hold_room_openings(&self) -> std::sync::Arc<tokio::sync::Semaphore> {
        let gate = std::sync::Arc::new(tokio::sync::Semaphore::new(0));
        self.state().room_gate = Some(gate.clone());
        gate
    }

    /// Room openings waiting at the gate of [`ShellPlatform::hold_room_openings`].
    pub fn rooms_waiting(&self) -> usize {
        self.state().rooms_waiting
    }

    /// Waits out the call delay, and for a room opening the gate, without holding the state.
    async fn slow_down(&self, opening_a_room: bool) {
        let (delay, gate) = {
            let mut state = self.state();
            state.calls_started += 1;
            if state.panic_next_calls > 0 {
                state.panic_next_calls -= 1;
                drop(state);
                panic!("injected shell panic");
            }
            let gate = if opening_a_room {
                state.room_gate.clone()
            } else {
                None
            };
            if gate.is_some() {
                state.rooms_waiting += 1;
            }
            (state.call_delay, gate)
        };
        if let Some(gate) = gate {
            if let Ok(permit) = gate.acquire().await {
                permit.forget();
            }
            self.state().rooms_waiting -= 1;
        }
        if !delay.is_zero() {
            tokio::time::sleep(delay).await;
        }
    }

    /// The next `count` platform calls fail with a temporary error (rate limit, outage).
    pub fn fail_next_calls(&self, count: usize) {
        self.state().fail_next_calls = count;
    }

    /// From now on, room titles over [`SHELL_MAX_TITLE_CHARS`] characters and DMs over
    /// [`SHELL_MAX_MESSAGE_BYTES`] bytes are refused for good (`PlatformError::Permanent`), the
    /// way Matrix answers `M_TOO_LARGE`.
    pub fn enforce_size_limits(&self) {
        self.state().size_limits = true;
    }

    /// Every room with `user` in it is refused for good (`PlatformError::Permanent`), like a
    /// Discord member overwrite for someone who left the guild (404/10013).
    pub fn fail_rooms_for(&self, user: &str) {
        self.state().refuse_rooms_for.insert(user.to_string());
    }

    /// Every DM to `user` is refused for good (`PlatformError::Permanent`), like Discord's
    /// 10013 for a deleted account.
    pub fn refuse_dms_to(&self, user: &str) {
        self.state().refuse_dms_to.insert(user.to_string());
    }

    /// The next `count` calls aimed at `target` fail with a temporary error: DMs to the member
    /// `target`, or closing the room `target`.
    pub fn fail_next_calls_for(&self, target: &str, count: usize) {
        self.state()
            .fail_calls_for
            .insert(target.to_string(), count);
    }

    /// How many calls reached `target` (DMs to a member, closes of a room), failed or not.
    pub fn calls_for(&self, target: &str) -> usize {
        self.state().calls_for.get(target).copied().unwrap_or(0)
    }

    /// Notes posted for the moderators, as (community, text).
    pub fn moderator_notes(&self) -> Vec<(String, String)> {
        self.state().moderator_notes.clone()
    }

    /// Posts in communities' lobbies, as (community, text).
    pub fn community_posts(&self) -> Vec<(String, String)> {
        self.state().community_posts.clone()
    }

    fn take_targeted_failure(state: &mut ShellState, target: &str) -> Result<(), PlatformError> {
        *state.calls_for.entry(target.to_string()).or_default() += 1;
        match state.fail_calls_for.get_mut(target) {
            Some(left) if *left > 0 => {
                *left -= 1;
                Err(PlatformError::Temporary(format!(
                    "injected shell failure for {target}"
                )))
            }
            _ => Ok(()),
        }
    }

    fn take_injected_failure(state: &mut ShellState) -> Result<(), PlatformError> {
        if state.fail_next_calls > 0 {
            state.fail_next_calls -= 1;
            return Err(PlatformError::Temporary("injected shell failure".into()));
        }
        Ok(())
    }
}

#[async_trait]
impl ChatPlatform for ShellPlatform {
    async fn send_direct_message(
        &self,
        to: &Recipient,
        message: &OutgoingMessage,
        idempotency_key: &str,
    ) -> Result<(), PlatformError> {
        self.slow_down(false).await;
        let mut state = self.state();
        state.send_attempts += 1;
        Self::take_injected_failure(&mut state)?;
        Self::take_targeted_failure(&mut state, &to.platform_user_id)?;
        if state.refuse_dms_to.contains(&to.platform_user_id) {
            return Err(PlatformError::Permanent(format!(
                "unknown user {}",
                to.platform_user_id
            )));
        }
        if state.unreachable.contains(&to.platform_user_id) {
            return Err(PlatformError::Unreachable(format!(
                "{} does not accept DMs",
                to.platform_user_id
            )));
        }
        let text = render_for_shell(message);
        if state.size_limits && text.len() > SHELL_MAX_MESSAGE_BYTES {
            return Err(PlatformError::Permanent(format!(
                "a DM of {} bytes is too large",
                text.len()
            )));
        }
        if let Some(count) = state.delivered_keys.get_mut(idempotency_key) {
            // Same nonce as a delivered message: the platform swallows the duplicate.
            *count += 1;
            return Ok(());
        }
        state.delivered_keys.insert(idempotency_key.to_string(), 1);
        state
            .delivered_messages
            .push((to.platform_user_id.clone(), message.clone()));
        state.events.push(ShellEvent::DirectMessage {
            to: to.platform_user_id.clone(),
            text,
            idempotency_key: idempotency_key.to_string(),
        });
        Ok(())
    }

    async fn open_pair_room(
        &self,
        request: &PairRoomRequest,
        idempotency_key: &str,
    ) -> Result<String, PlatformError> {
        self.slow_down(true).await;
        let mut state = self.state();
        Self::take_injected_failure(&mut state)?;
        if let Some(existing) = state.room_by_key.get(idempotency_key) {
            return Ok(existing.clone());
        }
        if let Some(refused) = request
            .members
            .iter()
            .find(|member| state.refuse_rooms_for.contains(&member.platform_user_id))
        {
            return Err(PlatformError::Permanent(format!(
                "cannot add {} to a room",
                refused.platform_user_id
            )));
        }
        if state.size_limits && request.title.chars().count() > SHELL_MAX_TITLE_CHARS {
            return Err(PlatformError::Permanent(format!(
                "a room title of {} characters is too long",
                request.title.chars().count()
            )));
        }
        let room = idempotency_key.replace(':', "-");
        let members: Vec<String> = request
            .members
            .iter()
            .map(|member| member.platform_user_id.clone())
            .collect();
        state.rooms.insert(
            room.clone(),
            ShellRoom {
                title: request.title.clone(),
                members: members.clone(),
                open: true,
                present: BTreeSet::new(),
            },
        );
        state
            .room_by_key
            .insert(idempotency_key.to_string(), room.clone());
        state.events.push(ShellEvent::RoomOpened {
            room: room.clone(),
            title: request.title.clone(),
            members,
        });
        Ok(room)
    }

    async fn close_pair_room(&self, room: &str) -> Result<(), PlatformError> {
        let mut state = self.state();
        Self::take_injected_failure(&mut state)?;
        Self::take_targeted_failure(&mut state, room)?;
        let closed_now = match state.rooms.get_mut(room) {
            Some(room_state) if room_state.open => {
                room_state.open = false;
                room_state.present.clear();
                true
            }
            _ => false,
        };
        if closed_now {
            state.events.push(ShellEvent::RoomClosed {
                room: room.to_string(),
            });
        }
        Ok(())
    }

    async fn present_members(&self, room: &str) -> Result<Vec<String>, PlatformError> {
        let mut state = self.state();
        Self::take_injected_failure(&mut state)?;
        Ok(state
            .rooms
            .get(room)
            .map(|room| room.present.iter().cloned().collect())
            .unwrap_or_default())
    }

    /// The shell's lobby is its output: the post is printed like a DM, once per key.
    async fn post_in_community(
        &self,
        platform_community_id: &str,
        message: &OutgoingMessage,
        idempotency_key: &str,
    ) -> Result<(), PlatformError> {
        let mut state = self.state();
        Self::take_injected_failure(&mut state)?;
        if let Some(count) = state.delivered_keys.get_mut(idempotency_key) {
            *count += 1;
            return Ok(());
        }
        state.delivered_keys.insert(idempotency_key.to_string(), 1);
        let text = render_for_shell(message);
        state
            .community_posts
            .push((platform_community_id.to_string(), text.clone()));
        state.events.push(ShellEvent::CommunityPost {
            community: platform_community_id.to_string(),
            text,
        });
        Ok(())
    }

    async fn notify_moderators(
        &self,
        platform_community_id: &str,
        message: &OutgoingMessage,
        _idempotency_key: &str,
    ) -> Result<(), PlatformError> {
        let text = message.render_plain();
        let mut state = self.state();
        state
            .moderator_notes
            .push((platform_community_id.to_string(), text.clone()));
        state.events.push(ShellEvent::ModeratorNote {
            community: platform_community_id.to_string(),
            text,
        });
        Ok(())
    }

    async fn is_community_member(&self, community: &str, user: &str) -> Membership {
        let departed = self
            .state()
            .departed
            .contains(&(community.to_string(), user.to_string()));
        if departed {
            Membership::Gone
        } else {
            Membership::Member
        }
    }
}
