//! Who is in which voice channel, from VOICE_STATE_UPDATE and, after every (re)connect, the
//! voice states in GUILD_CREATE, which replace the guild's picture wholesale (events missed
//! while disconnected cannot leave a ghost behind).
//!
//! Guilds this instance's shards own answer from memory. With several instances, the runner
//! that checks attendance may not own the guild's shard, so presence in our pair rooms is also
//! written through to the store, where any instance reads it.

use std::collections::{BTreeSet, HashMap};
use std::sync::RwLock;

#[derive(Default)]
pub struct Presence {
    /// guild → user → voice channel.
    guilds: RwLock<HashMap<u64, HashMap<u64, u64>>>,
}

impl Presence {
    /// A member joined, moved or left (`channel` None). Returns the channels whose occupants
    /// changed: where they were and where they are.
    pub fn update(&self, guild: u64, user: u64, channel: Option<u64>) -> Vec<u64> {
        let mut guilds = self
            .guilds
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let states = guilds.entry(guild).or_default();
        let before = match channel {
            Some(channel) => states.insert(user, channel),
            None => states.remove(&user),
        };
        let mut changed: Vec<u64> = before.into_iter().chain(channel).collect();
        changed.dedup();
        changed
    }

    /// The guild's voice states as a whole (GUILD_CREATE, or serenity's cache after an
    /// update); returns the channels whose occupants changed.
    pub fn replace_guild(&self, guild: u64, states: HashMap<u64, u64>) -> Vec<u64> {
        let mut guilds = self
            .guilds
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let old = guilds.insert(guild, states.clone()).unwrap_or_default();
        let occupants = |map: &HashMap<u64, u64>| {
            let mut by_channel: HashMap<u64, BTreeSet<u64>> = HashMap::new();
            for (user, channel) in map {
                by_channel.entry(*channel).or_default().insert(*user);
            }
            by_channel
        };
        let (before, after) = (occupants(&old), occupants(&states));
        let channels: BTreeSet<u64> = before.keys().chain(after.keys()).copied().collect();
        channels
            .into_iter()
            .filter(|channel| before.get(channel) != after.get(channel))
            .collect()
    }

    pub fn members_in(&self, guild: u64, channel: u64) -> Vec<u64> {
        let guilds = self
            .guilds
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let mut members: Vec<u64> = guilds
            .get(&guild)
            .map(|states| {
                states
                    .iter()
                    .filter(|(_, c)| **c == channel)
                    .map(|(user, _)| *user)
                    .collect()
            })
            .unwrap_or_default();
        members.sort_unstable();
        members
    }

    pub fn forget_guild(&self, guild: u64) {
        self.guilds
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .remove(&guild);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn joins_moves_and_leaves() {
        let presence = Presence::default();
        assert_eq!(presence.update(1, 10, Some(100)), vec![100]);
        presence.update(1, 11, Some(100));
        assert_eq!(presence.members_in(1, 100), vec![10, 11]);
        assert_eq!(presence.update(1, 10, Some(200)), vec![100, 200]);
        assert_eq!(presence.members_in(1, 100), vec![11]);
        presence.update(1, 11, None);
        assert!(presence.members_in(1, 100).is_empty());
    }

    #[test]
    fn guild_create_replaces_stale_states() {
        let presence = Presence::default();
        presence.update(1, 10, Some(100));
        // Left while we were disconnected: the rebuild drops them.
        let changed = presence.replace_guild(1, HashMap::from([(11, 100), (12, 200)]));
        assert_eq!(changed, vec![100, 200]);
        assert!(
            presence
                .replace_guild(1, HashMap::from([(11, 100), (12, 200)]))
                .is_empty(),
            "nothing changed"
        );
        assert_eq!(presence.members_in(1, 100), vec![11]);
    }
}
