use crate::core::model::Platform;

/// Who sent a command, in platform terms. Adapters build this; the engine maps it to a member.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub platform: Platform,
    pub platform_community_id: String,
    pub platform_user_id: String,
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
            display_name: display_name.to_string(),
            is_community_admin: false,
        }
    }

    pub fn as_community_admin(mut self) -> Self {
        self.is_community_admin = true;
        self
    }
}
