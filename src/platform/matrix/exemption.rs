//! Whether the homeserver exempts the bot from its rate limits, and what `setup` tells a
//! community's admins about it.
//!
//! Synapse keeps per-user overrides behind its admin API
//! (`/_synapse/admin/v1/users/<user>/override_ratelimit`): GET shows the override (`{}` when
//! there is none), POST with `{"messages_per_second": 0, "burst_count": 0}` exempts the user.
//! The bot can read it only if it is a server admin; otherwise it cannot know, and plans with
//! Synapse's defaults until the server lets through more than they allow without one 429
//! (`ratelimit::Budget`). Other homeservers answer the GET with an error: "unknown".

use super::ratelimit::{Exemption, DEFAULT_MESSAGES, DEFAULT_ROOM_CREATIONS};
use super::MatrixPlatform;

const ADMIN_PATH: &str = "/_synapse/admin/v1/users";

impl MatrixPlatform {
    /// Asks the admin API (one GET) and remembers the answer for planning; what it cannot
    /// read keeps the planning's previous view.
    pub async fn check_rate_limit_exemption(&self) -> Exemption {
        let asked = self.ask_admin_api().await;
        if let Some(exemption) = asked {
            self.limiter.set_exemption(exemption);
        }
        self.limiter.budget().exemption
    }

    async fn ask_admin_api(&self) -> Option<Exemption> {
        let token = self.client.access_token()?;
        let url = format!(
            "{}{ADMIN_PATH}/{}/override_ratelimit",
            self.client.homeserver().as_str().trim_end_matches('/'),
            urlencoding_user(self.bot.as_str())
        );
        let response = self
            .client
            .http_client()
            .get(url)
            .bearer_auth(token)
            .timeout(std::time::Duration::from_secs(10))
            .send()
            .await
            .ok()?;
        if !response.status().is_success() {
            // 403: the bot is no server admin; 404: not Synapse. Either way: unknown.
            return None;
        }
        let body: serde_json::Value = serde_json::from_slice(&response.bytes().await.ok()?).ok()?;
        Some(exemption_of(&body))
    }

    /// The lines `setup` adds in a community room: what the limits mean and how to lift them.
    /// `None` when the bot is exempt (or the server visibly lets it through).
    pub(super) async fn rate_limit_notice(&self) -> Option<String> {
        let exemption = self.check_rate_limit_exemption().await;
        let homeserver = self.client.homeserver();
        notice(exemption, self.bot.as_str(), homeserver.as_str())
    }
}

/// What an admin API answer says: an override with `messages_per_second` 0 (and so no
/// limit) is an exemption; `{}` or a finite rate is none.
fn exemption_of(body: &serde_json::Value) -> Exemption {
    let rate = body
        .get("messages_per_second")
        .and_then(serde_json::Value::as_f64);
    if rate == Some(0.0) {
        Exemption::Exempt
    } else {
        Exemption::NotExempt
    }
}

fn notice(exemption: Exemption, bot: &str, homeserver: &str) -> Option<String> {
    let homeserver = homeserver.trim_end_matches('/');
    let opening = match exemption {
        Exemption::Exempt | Exemption::RaisedSeen => return None,
        Exemption::NotExempt => "⚠️ This homeserver rate-limits me (I am not exempt).".to_string(),
        Exemption::Unknown => {
            "⚠️ I can't tell whether this homeserver exempts me from its rate limits, so I plan as if it doesn't."
                .to_string()
        }
    };
    let messages_every = 1.0 / DEFAULT_MESSAGES.per_second;
    let rooms_every = 1.0 / DEFAULT_ROOM_CREATIONS.per_second;
    Some(format!(
        "{opening} With Synapse's default limits I can send {burst} messages at once and then one every {messages_every:.0} s, \
and open about one room a minute (after {rooms} at once, one every {rooms_every:.0} s). So I keep a pool of session rooms made in quiet times, \
and when a session has more members than I can DM in time, reminders and \"it's time\" come as one message in this room that mentions everyone \
with their partner and room.\nA homeserver admin can exempt me (Synapse admin API):\n\
`curl -X POST -H \"Authorization: Bearer <admin access token>\" -d '{{\"messages_per_second\": 0, \"burst_count\": 0}}' {homeserver}{ADMIN_PATH}/{user}/override_ratelimit`",
        burst = DEFAULT_MESSAGES.burst,
        rooms = DEFAULT_ROOM_CREATIONS.burst,
        user = urlencoding_user(bot),
    ))
}

/// A user id in a URL path: `@` and `:` are fine there, but not every other character is.
fn urlencoding_user(user: &str) -> String {
    user.chars()
        .map(|c| match c {
            'a'..='z' | 'A'..='Z' | '0'..='9' | '@' | ':' | '.' | '_' | '-' | '=' | '/' => {
                c.to_string()
            }
            other => format!("%{:02X}", other as u32),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn an_override_without_a_rate_is_an_exemption_and_anything_else_is_not() {
        assert_eq!(
            exemption_of(&json!({"messages_per_second": 0, "burst_count": 0})),
            Exemption::Exempt
        );
        assert_eq!(exemption_of(&json!({})), Exemption::NotExempt);
        assert_eq!(
            exemption_of(&json!({"messages_per_second": 5, "burst_count": 50})),
            Exemption::NotExempt
        );
    }

    #[test]
    fn the_notice_names_the_limits_and_the_admin_call_and_is_silent_when_exempt() {
        let text = notice(
            Exemption::NotExempt,
            "@focusfolk:example.org",
            "https://matrix.example.org/",
        )
        .unwrap();
        assert!(text.contains("not exempt"), "{text}");
        assert!(text.contains("one every 5 s"), "{text}");
        assert!(text.contains(
            "https://matrix.example.org/_synapse/admin/v1/users/@focusfolk:example.org/override_ratelimit"
        ));
        assert!(text.contains("\"messages_per_second\": 0"), "{text}");
        assert!(notice(Exemption::Unknown, "@b:x", "x")
            .unwrap()
            .contains("can't tell"));
        assert_eq!(notice(Exemption::Exempt, "@b:x", "x"), None);
        assert_eq!(notice(Exemption::RaisedSeen, "@b:x", "x"), None);
    }
}
