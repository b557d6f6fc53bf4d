//! What the adapter knows of each guild's channels: enough to find a room it already made (by
//! name, after a crash), count a category's children (50 at most) and the guild's channels
//! (500 at most). Fed by GUILD_CREATE and CHANNEL_* events for our shards' guilds, by our own
//! creates and deletes, and by one REST listing for guilds another instance's shards own.

use std::collections::HashMap;
use std::sync::RwLock;

use serde_json::Value;

pub const CATEGORY: u8 = 4;
pub const VOICE: u8 = 2;

#[derive(Debug, Clone, PartialEq)]
pub struct ChannelInfo {
    pub id: u64,
    pub kind: u8,
    pub name: String,
    pub parent: Option<u64>,
    /// Raw overwrites as Discord sent them (used to copy a category's for its overflow).
    pub overwrites: Value,
    pub position: u16,
}

impl ChannelInfo {
    /// From Discord's channel JSON (REST responses and our own creates).
    pub fn from_json(value: &Value) -> Option<ChannelInfo> {
        Some(ChannelInfo {
            id: value["id"].as_str()?.parse().ok()?,
            kind: value["type"].as_u64()? as u8,
            name: value["name"].as_str().unwrap_or_default().to_string(),
            parent: value["parent_id"].as_str().and_then(|id| id.parse().ok()),
            overwrites: value["permission_overwrites"].clone(),
            position: value["position"].as_u64().unwrap_or(0) as u16,
        })
    }

    pub fn from_serenity(channel: &serenity::all::GuildChannel) -> ChannelInfo {
        ChannelInfo {
            id: channel.id.get(),
            kind: u8::from(channel.kind),
            name: channel.name.clone(),
            parent: channel.parent_id.map(|id| id.get()),
            overwrites: serde_json::to_value(&channel.permission_overwrites).unwrap_or(Value::Null),
            position: channel.position,
        }
    }
}

#[derive(Default)]
struct GuildChannels {
    channels: HashMap<u64, ChannelInfo>,
}

#[derive(Default)]
pub struct ChannelIndex {
    guilds: RwLock<HashMap<u64, GuildChannels>>,
}

impl ChannelIndex {
    pub fn knows(&self, guild: u64) -> bool {
        self.read().contains_key(&guild)
    }

    pub fn replace_guild(&self, guild: u64, channels: Vec<ChannelInfo>) {
        let channels = channels
            .into_iter()
            .map(|channel| (channel.id, channel))
            .collect();
        self.write().insert(guild, GuildChannels { channels });
    }

    pub fn upsert(&self, guild: u64, channel: ChannelInfo) {
        self.write()
            .entry(guild)
            .or_default()
            .channels
            .insert(channel.id, channel);
    }

    pub fn remove(&self, guild: u64, channel: u64) {
        if let Some(known) = self.write().get_mut(&guild) {
            known.channels.remove(&channel);
        }
    }

    pub fn get(&self, guild: u64, channel: u64) -> Option<ChannelInfo> {
        self.read()
            .get(&guild)
            .and_then(|known| known.channels.get(&channel).cloned())
    }

    pub fn find_by_name_prefix(&self, guild: u64, prefix: &str) -> Option<ChannelInfo> {
        self.read().get(&guild).and_then(|known| {
            known
                .channels
                .values()
                .find(|c| c.name.starts_with(prefix))
                .cloned()
        })
    }

    pub fn count(&self, guild: u64) -> usize {
        self.read()
            .get(&guild)
            .map_or(0, |known| known.channels.len())
    }

    pub fn children(&self, guild: u64, category: u64) -> usize {
        self.read().get(&guild).map_or(0, |known| {
            known
                .channels
                .values()
                .filter(|c| c.parent == Some(category))
                .count()
        })
    }

    pub fn all(&self, guild: u64) -> Vec<ChannelInfo> {
        let mut channels: Vec<ChannelInfo> = self
            .read()
            .get(&guild)
            .map(|known| known.channels.values().cloned().collect())
            .unwrap_or_default();
        channels.sort_by_key(|channel| (channel.position, channel.id));
        channels
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, HashMap<u64, GuildChannels>> {
        self.guilds
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, HashMap<u64, GuildChannels>> {
        self.guilds
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}
