//! The call in a pair room: which server hosts it, the widget that puts it in the room, and who
//! is in it (MatrixRTC call membership).
//!
//! There is no default Jitsi server any more: meet.jit.si (the old default) ends embedded calls
//! after 5 minutes and asks for a login to start one, so a 50-minute session would end in its
//! sixth minute. The call server is, in this order: `[matrix] element_call_url`, then
//! `[matrix] jitsi_domain`, then Element Call when the homeserver advertises a MatrixRTC focus
//! (`org.matrix.msc4143.rtc_foci` in its `/.well-known/matrix/client`: Element Call then runs
//! its media through the homeserver's own LiveKit, so nobody's call is cut), and otherwise none:
//! the room has no widget, the log, `setup` and `check-config` say that one must be configured.
//!
//! Presence: a member counts as present when they joined the room (see `pair_rooms.rs`) or hold
//! a live MatrixRTC call membership there (`org.matrix.msc3401.call.member`, what Element Call
//! sends when someone joins the call). Membership content that is empty means "left the call";
//! one whose expiry has passed (a client that crashed in the call never sent the empty one) does
//! not count.

use std::time::{Duration, Instant};

use matrix_sdk::ruma::api::client::filter::RoomEventFilter;
use matrix_sdk::ruma::api::client::message::get_message_events;
use matrix_sdk::ruma::{RoomId, UInt};
use serde_json::{json, Value};

use super::ratelimit::RateClass;
use super::MatrixPlatform;
use crate::engine::port::PlatformError;

/// How long a `.well-known` answer is trusted: a homeserver that gains (or loses) a focus is
/// noticed within this, without a request per room.
const DISCOVERY_TTL: Duration = Duration::from_secs(10 * 60);
/// "No focus" may only mean the homeserver was unreachable just then (matrix-sdk answers
/// `None` for both), so it is asked again sooner.
const NO_FOCUS_TTL: Duration = Duration::from_secs(60);

/// The Element Call web app used when the homeserver has a MatrixRTC focus and no
/// `element_call_url` is configured. In a widget it takes the homeserver's focus from the
/// homeserver's `.well-known`, so the media goes through the homeserver's own deployment.
pub const PUBLIC_ELEMENT_CALL_URL: &str = "https://call.element.io";

/// The state event type of the call widget, and of MatrixRTC call membership.
pub(super) const WIDGET_EVENT: &str = "im.vector.modular.widgets";
pub(super) const CALL_MEMBER_EVENT: &str = "org.matrix.msc3401.call.member";
/// The stable name some clients already send.
pub(super) const STABLE_CALL_MEMBER_EVENT: &str = "m.call.member";
pub(super) const WIDGET_ID: &str = "focusfolk-call";

/// What a member is told when pair rooms have no call (in `setup`'s answer).
pub const NO_CALL_SERVER: &str = "⚠ Pair rooms have no video call: no call server is configured \
and the homeserver advertises no MatrixRTC focus for Element Call. Ask the bot's operator to set \
`[matrix] element_call_url` (an Element Call deployment) or `[matrix] jitsi_domain` (a Jitsi \
server you run; meet.jit.si cuts embedded calls after 5 minutes).";

/// Where pair rooms' calls happen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallServer {
    /// An Element Call web app (configured, or the public one on a homeserver with a focus).
    ElementCall {
        url: String,
        discovered: bool,
    },
    Jitsi {
        domain: String,
    },
    /// Nothing configured and no focus advertised: rooms get no widget.
    None,
}

impl CallServer {
    /// The configured server, or Element Call where the homeserver has a MatrixRTC focus.
    /// Blank settings count as unset.
    pub fn choose(
        element_call_url: Option<&str>,
        jitsi_domain: Option<&str>,
        homeserver_has_rtc_focus: bool,
    ) -> CallServer {
        let set = |value: Option<&str>| {
            value
                .map(|value| value.trim().trim_end_matches('/').to_string())
                .filter(|value| !value.is_empty())
        };
        if let Some(url) = set(element_call_url) {
            CallServer::ElementCall {
                url,
                discovered: false,
            }
        } else if let Some(domain) = set(jitsi_domain) {
            CallServer::Jitsi { domain }
        } else if homeserver_has_rtc_focus {
            CallServer::ElementCall {
                url: PUBLIC_ELEMENT_CALL_URL.to_string(),
                discovered: true,
            }
        } else {
            CallServer::None
        }
    }

    /// Whether the choice depends on the homeserver's `.well-known` (nothing configured).
    pub fn needs_discovery(element_call_url: Option<&str>, jitsi_domain: Option<&str>) -> bool {
        CallServer::choose(element_call_url, jitsi_domain, false) == CallServer::None
    }

    /// The widget state content for one room, or `None` when there is no call server.
    /// `conference` names a Jitsi conference (random per room); `creator` is the bot.
    pub fn widget(&self, conference: &str, title: &str, creator: &str) -> Option<Value> {
        match self {
            // Element fills the `$…` variables from the room and the member's session.
            CallServer::ElementCall { url, .. } => Some(json!({
                "type": "m.custom",
                "name": "Element Call",
                "url": format!("{url}/room/#?roomId=$matrix_room_id&displayName=$matrix_display_name&userId=$matrix_user_id&deviceId=$org.matrix.msc3819.matrix_device_id&baseUrl=$org.matrix.msc4039.matrix_base_url&confineToRoom=true"),
                "data": {"title": title},
                "creatorUserId": creator,
                "id": WIDGET_ID,
            })),
            // Element renders it with its own Jitsi wrapper from `data`; other clients open `url`.
            CallServer::Jitsi { domain } => Some(json!({
                "type": "jitsi",
                "name": "Focus call",
                "url": format!("https://{domain}/{conference}"),
                "data": {"domain": domain, "conferenceId": conference, "isAudioOnly": false, "roomName": title},
                "creatorUserId": creator,
                "id": WIDGET_ID,
            })),
            CallServer::None => None,
        }
    }
}

impl MatrixPlatform {
    /// The call server of the pair rooms opened now: the configured one, or else what the
    /// homeserver's `.well-known` says (read at most every [`DISCOVERY_TTL`], or
    /// [`NO_FOCUS_TTL`] while it advertises none).
    pub async fn call_server(&self) -> CallServer {
        let element_call_url = self.config.element_call_url.as_deref();
        let jitsi_domain = self.config.jitsi_domain.as_deref();
        if !CallServer::needs_discovery(element_call_url, jitsi_domain) {
            return CallServer::choose(element_call_url, jitsi_domain, false);
        }
        let mut discovered = self.discovered_call_server.lock().await;
        if let Some((server, at)) = &*discovered {
            let ttl = match server {
                CallServer::None => NO_FOCUS_TTL,
                _ => DISCOVERY_TTL,
            };
            if at.elapsed() < ttl {
                return server.clone();
            }
        }
        // matrix-sdk asks the server name's host first, then the homeserver URL.
        let has_focus = self
            .client
            .fetch_client_well_known()
            .await
            .is_some_and(|well_known| !well_known.rtc_foci.is_empty());
        let server = CallServer::choose(None, None, has_focus);
        match &server {
            CallServer::None => tracing::warn!(
                "no call server: [matrix] element_call_url and jitsi_domain are unset and the \
                 homeserver's .well-known advertises no MatrixRTC focus, so pair rooms get no call"
            ),
            other => {
                tracing::info!(call_server = ?other, "the homeserver advertises a MatrixRTC focus; pair rooms get Element Call")
            }
        }
        *discovered = Some((server.clone(), Instant::now()));
        server
    }

    /// Who showed up in `room`: its membership and call-membership history (up to 500 events,
    /// far more than a pair room's session produces), judged at the engine's clock.
    pub async fn presence(&self, room: &RoomId) -> Result<Presence, PlatformError> {
        self.presence_since(room, i64::MIN).await
    }

    /// Presence counting only events sent since `since_ms` (unix ms): a room reused from the
    /// pool keeps the earlier sessions' joins and calls in its history.
    pub(super) async fn presence_since(
        &self,
        room: &RoomId,
        since_ms: i64,
    ) -> Result<Presence, PlatformError> {
        let mut request = get_message_events::v3::Request::backward(room.to_owned());
        request.limit = UInt::from(500u32);
        let mut filter = RoomEventFilter::empty();
        filter.types = Some(vec![
            "m.room.member".to_string(),
            CALL_MEMBER_EVENT.to_string(),
            STABLE_CALL_MEMBER_EVENT.to_string(),
        ]);
        request.filter = filter;
        let response = send_limited!(self, RateClass::Other, "read pair room presence", request)
            .await
            .map_err(|error| error.into_platform("reading pair room presence"))?;
        let events: Vec<Value> = response
            .chunk
            .iter()
            .filter_map(|event| serde_json::from_str::<Value>(event.json().get()).ok())
            .filter(|event| {
                event
                    .get("origin_server_ts")
                    .and_then(Value::as_i64)
                    .is_some_and(|sent| sent >= since_ms)
            })
            .collect();
        Ok(Presence::from_events(
            &events,
            self.bot.as_str(),
            self.clock.now().timestamp_millis(),
        ))
    }
}

/// Whether one call-membership event says its sender is in the call at `now_ms` (unix ms):
/// non-empty content that has not expired. Two shapes exist: one event per device (MatrixRTC
/// sessions, `expires` in ms after `created_ts` or else after the event was sent), and the
/// older one event per user with a `memberships` list (each with `expires`/`expires_ts`).
pub fn call_membership_is_live(content: &Value, origin_server_ts_ms: i64, now_ms: i64) -> bool {
    let Some(fields) = content.as_object().filter(|fields| !fields.is_empty()) else {
        return false;
    };
    let one_is_live = |membership: &Value| {
        let created = membership
            .get("created_ts")
            .and_then(Value::as_i64)
            .unwrap_or(origin_server_ts_ms);
        let expires_at = match (
            membership.get("expires_ts").and_then(Value::as_i64),
            membership.get("expires").and_then(Value::as_i64),
        ) {
            (Some(at), _) => Some(at),
            (None, Some(after)) => Some(created.saturating_add(after)),
            (None, None) => None,
        };
        expires_at.is_none_or(|at| at > now_ms)
    };
    match fields.get("memberships") {
        Some(Value::Array(memberships)) => memberships.iter().any(one_is_live),
        Some(_) => false,
        None => one_is_live(content),
    }
}

/// Who showed up in a pair room, from its membership and call-membership history.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Presence {
    /// Everyone who joined the room at any point (stepping out later does not undo it).
    pub joined: Vec<String>,
    /// Everyone with a live call membership.
    pub in_call: Vec<String>,
}

impl Presence {
    /// Reads room history events (`m.room.member` and call membership, any order) as JSON.
    /// The bot itself never counts.
    pub fn from_events(events: &[Value], bot: &str, now_ms: i64) -> Presence {
        let mut presence = Presence::default();
        for event in events {
            let content = event.get("content").unwrap_or(&Value::Null);
            let text = |field: &str| event.get(field).and_then(Value::as_str);
            let (list, user) = match text("type") {
                Some("m.room.member")
                    if content.get("membership").and_then(Value::as_str) == Some("join") =>
                {
                    (&mut presence.joined, text("state_key"))
                }
                Some(CALL_MEMBER_EVENT | STABLE_CALL_MEMBER_EVENT)
                    if call_membership_is_live(
                        content,
                        event
                            .get("origin_server_ts")
                            .and_then(Value::as_i64)
                            .unwrap_or(0),
                        now_ms,
                    ) =>
                {
                    (&mut presence.in_call, text("sender"))
                }
                _ => continue,
            };
            if let Some(user) = user.filter(|user| *user != bot) {
                if !list.iter().any(|known| known == user) {
                    list.push(user.to_string());
                }
            }
        }
        presence
    }

    /// Everyone present: joined or in the call, each once.
    pub fn everyone(&self) -> Vec<String> {
        let mut everyone = self.joined.clone();
        for user in &self.in_call {
            if !everyone.contains(user) {
                everyone.push(user.clone());
            }
        }
        everyone
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_configured_server_wins_then_a_homeserver_focus_then_none() {
        let element = |url: &str, discovered| CallServer::ElementCall {
            url: url.to_string(),
            discovered,
        };
        let table: [(Option<&str>, Option<&str>, bool, CallServer); 7] = [
            (
                Some("https://call.example.org/"),
                Some("jitsi.example.org"),
                true,
                element("https://call.example.org", false),
            ),
            (
                None,
                Some("jitsi.example.org"),
                true,
                CallServer::Jitsi {
                    domain: "jitsi.example.org".into(),
                },
            ),
            (None, None, true, element(PUBLIC_ELEMENT_CALL_URL, true)),
            (
                Some("  "),
                Some(""),
                true,
                element(PUBLIC_ELEMENT_CALL_URL, true),
            ),
            (None, None, false, CallServer::None),
            (Some(""), Some(" "), false, CallServer::None),
            (
                Some(""),
                Some("meet.example.org"),
                false,
                CallServer::Jitsi {
                    domain: "meet.example.org".into(),
                },
            ),
        ];
        for (element_call_url, jitsi_domain, focus, expected) in table {
            assert_eq!(
                CallServer::choose(element_call_url, jitsi_domain, focus),
                expected,
                "{element_call_url:?} {jitsi_domain:?} {focus}"
            );
        }
        assert!(CallServer::needs_discovery(None, Some(" ")));
        assert!(!CallServer::needs_discovery(None, Some("meet.example.org")));
    }

    #[test]
    fn widgets_carry_the_server_the_room_and_the_creator() {
        let bot = "@bot:example.org";
        let jitsi = CallServer::Jitsi {
            domain: "meet.example.org".into(),
        }
        .widget("focusfolkabc", "Focus 09:00", bot)
        .unwrap();
        assert_eq!(jitsi["type"], "jitsi");
        assert_eq!(jitsi["url"], "https://meet.example.org/focusfolkabc");
        assert_eq!(jitsi["data"]["domain"], "meet.example.org");
        assert_eq!(jitsi["data"]["conferenceId"], "focusfolkabc");
        assert_eq!(jitsi["creatorUserId"], bot);
        assert_eq!(jitsi["id"], WIDGET_ID);

        let element = CallServer::choose(None, None, true)
            .widget("focusfolkabc", "Focus 09:00", bot)
            .unwrap();
        let url = element["url"].as_str().unwrap();
        assert!(
            url.starts_with("https://call.element.io/room/#?roomId=$matrix_room_id"),
            "{url}"
        );
        assert!(url.contains("baseUrl=$org.matrix.msc4039.matrix_base_url"));
        assert_eq!(element["data"]["title"], "Focus 09:00");
        assert_eq!(element["id"], WIDGET_ID);

        assert_eq!(CallServer::None.widget("x", "y", bot), None);
    }

    const NOW: i64 = 1_800_000_000_000;

    #[test]
    fn call_membership_counts_while_it_is_not_empty_or_expired() {
        let sent = NOW - 60_000;
        let session = |extra: Value| {
            let mut content = json!({"application": "m.call", "call_id": "", "scope": "m.room",
                "device_id": "DEV", "focus_active": {"type": "livekit"}, "foci_preferred": []});
            content
                .as_object_mut()
                .unwrap()
                .extend(extra.as_object().unwrap().clone());
            content
        };
        let table = [
            (session(json!({})), true, "no expiry"),
            (
                session(json!({"expires": 14_400_000})),
                true,
                "4 h from sending",
            ),
            (
                session(json!({"expires": 30_000})),
                false,
                "expired 30 s ago",
            ),
            (
                session(json!({"expires": 120_000, "created_ts": NOW - 600_000})),
                false,
                "expires after created_ts, not after a re-send",
            ),
            (json!({}), false, "left the call"),
            (Value::Null, false, "no content"),
            (json!({"memberships": []}), false, "old shape, left"),
            (
                json!({"memberships": [{"expires_ts": NOW - 1}, {"expires_ts": NOW + 1}]}),
                true,
                "old shape, one device still in",
            ),
            (
                json!({"memberships": [{"expires": 1_000, "created_ts": NOW - 5_000}]}),
                false,
                "old shape, expired",
            ),
            (json!({"memberships": "nonsense"}), false, "malformed"),
        ];
        for (content, live, why) in table {
            assert_eq!(call_membership_is_live(&content, sent, NOW), live, "{why}");
        }
    }

    #[test]
    fn presence_is_who_joined_or_is_in_the_call_never_the_bot() {
        let bot = "@bot:x";
        let events = [
            json!({"type": "m.room.member", "state_key": "@ann:x", "sender": "@ann:x", "content": {"membership": "join"}}),
            json!({"type": "m.room.member", "state_key": "@ben:x", "sender": "@bot:x", "content": {"membership": "invite"}}),
            json!({"type": "m.room.member", "state_key": bot, "sender": bot, "content": {"membership": "join"}}),
            json!({"type": CALL_MEMBER_EVENT, "state_key": "_@ann:x_DEV_m.call", "sender": "@ann:x", "origin_server_ts": NOW, "content": {"application": "m.call", "device_id": "DEV", "expires": 14_400_000}}),
            json!({"type": CALL_MEMBER_EVENT, "state_key": "_@cat:x_DEV", "sender": "@cat:x", "origin_server_ts": NOW, "content": {}}),
            json!({"type": STABLE_CALL_MEMBER_EVENT, "state_key": "@dan:x", "sender": "@dan:x", "origin_server_ts": NOW, "content": {"memberships": [{"expires": 60_000}]}}),
            json!({"type": CALL_MEMBER_EVENT, "state_key": "_@eve:x_DEV", "sender": "@eve:x", "origin_server_ts": NOW - 7_200_000, "content": {"expires": 3_600_000}}),
        ];
        let presence = Presence::from_events(&events, bot, NOW);
        assert_eq!(presence.joined, ["@ann:x"]);
        assert_eq!(presence.in_call, ["@ann:x", "@dan:x"]);
        assert_eq!(presence.everyone(), ["@ann:x", "@dan:x"]);
    }
}
