//! Members as the `book` command needs them (id, time zone, reminder preference), cached for a
//! few seconds.
//!
//! Why: a booking on an existing slot is one SQL statement, and each statement costs a round
//! trip to sqlx's SQLite worker thread; looking the member up again for every command doubled
//! the cost of a booking. Only `book` reads from the cache. Every other command reads the
//! member from the store and drops the cached copy afterwards, because it may change the
//! member (time zone, preferences, cancels). A change made through another instance sharing
//! the database shows here within [`MEMBER_CACHE_TTL`].

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Duration, Utc};

use crate::core::model::{CommunityId, Member};

pub const MEMBER_CACHE_TTL: Duration = Duration::seconds(10);

type Key = (CommunityId, String);

/// A member and when it was read from the store.
type Fetched = (Member, DateTime<Utc>);

#[derive(Clone, Default)]
pub(crate) struct MemberCache {
    entries: Arc<Mutex<HashMap<Key, Fetched>>>,
}

impl MemberCache {
    /// The cached member, if fetched less than [`MEMBER_CACHE_TTL`] ago and still known by
    /// this display name (a new name goes through the store, which records it).
    pub fn get(
        &self,
        community: CommunityId,
        platform_user_id: &str,
        display_name: &str,
        now: DateTime<Utc>,
    ) -> Option<Member> {
        let entries = self.lock();
        let (member, fetched_at) = entries.get(&(community, platform_user_id.to_string()))?;
        let age = now.signed_duration_since(*fetched_at);
        let fresh = age >= Duration::zero() && age < MEMBER_CACHE_TTL;
        (fresh && member.display_name == display_name).then(|| member.clone())
    }

    pub fn put(&self, member: &Member, now: DateTime<Utc>) {
        self.lock().insert(
            (member.community_id, member.platform_user_id.clone()),
            (member.clone(), now),
        );
    }

    pub fn forget(&self, community: CommunityId, platform_user_id: &str) {
        self.lock()
            .remove(&(community, platform_user_id.to_string()));
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Key, (Member, DateTime<Utc>)>> {
        self.entries
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}
