use crate::core::model::Platform;

/// The longest display name the engine keeps, in characters. Platforms let members pick names
/// far longer (a federated Matrix server sends whatever it likes): unclamped, one such name made
/// every room title, widget and DM that names the member too big for the platform.
pub const MAX_DISPLAY_NAME_CHARS: usize = 64;

/// Cuts `text` to at most `max_chars` characters (on a character boundary), marking a cut
/// with "…".
pub fn clamp_chars(text: &str, max_chars: usize) -> String {
    if text.chars().count() <= max_chars {
        return text.to_string();
    }
    let mut kept: String = text.chars().take(max_chars.saturating_sub(1)).collect();
    kept.push('…');
    kept
}

/// A display name as the engine stores and shows it: at most [`MAX_DISPLAY_NAME_CHARS`].
pub fn clamp_display_name(name: &str) -> String {
    clamp_chars(name, MAX_DISPLAY_NAME_CHARS)
}

/// Who sent a command, in platform terms. Adapters build this; the engine maps it to a member.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub platform: Platform,
    pub platform_community_id: String,
    pub platform_user_id: String,
    /// At most [`MAX_DISPLAY_NAME_CHARS`] characters when built with [`Actor::new`].
    pub display_name: String,
    /// The platform says this person may change community rules (Discord Manage Server,
    /// Matrix power level ≥ 50, the shell's own user). The engine trusts the adapter on this.
    pub is_community_admin: bool,
}

impl Actor {
    pub fn new(platform: Platform, community: &str, user: &str, display_name: &str) -> Self {
        Actor {
            platform,
            platform_community_id: community.to_string(),
            platform_user_id: user.to_string(),
            // Clamped here, where every platform hands its members to the engine.
            display_name: clamp_display_name(display_name),
            is_community_admin: false,
        }
    }

    pub fn as_community_admin(mut self) -> Self {
        self.is_community_admin = true;
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn huge_display_names_are_clamped_on_a_character_boundary() {
        let huge = "é".repeat(70_000);
        let actor = Actor::new(Platform::Shell, "c", "u", &huge);
        assert_eq!(actor.display_name.chars().count(), MAX_DISPLAY_NAME_CHARS);
        assert!(actor.display_name.ends_with('…'));
        assert!(actor.display_name.starts_with("éé"));
        let short = Actor::new(Platform::Shell, "c", "u", "Ann");
        assert_eq!(short.display_name, "Ann");
        let exact = "x".repeat(MAX_DISPLAY_NAME_CHARS);
        assert_eq!(clamp_display_name(&exact), exact);
    }
}
