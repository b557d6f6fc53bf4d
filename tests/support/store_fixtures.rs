//! Fixtures the store suites share (`tests/store*.rs`): a fixed clock, the one community, its
//! members and bookings, written through the store's own API.

#![allow(dead_code)]

use chrono::{DateTime, Duration, Utc};
use focusfolk::core::model::{Booking, Community, CommunitySettings, Member, Platform, Slot};
use focusfolk::store::{NewBooking, Store, StoreError};

/// Monday 7 January 2030, 09:00 UTC, plus `minutes`.
pub fn t(minutes: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(1_894_006_800, 0).unwrap() + Duration::minutes(minutes)
}

pub async fn community(store: &Store) -> Community {
    store
        .ensure_community(Platform::Shell, "test", &CommunitySettings::default())
        .await
        .unwrap()
}

pub async fn member(store: &Store, community: &Community, name: &str) -> Member {
    store
        .ensure_member(community, name, name, t(-1000))
        .await
        .unwrap()
}

/// A one-off booking of `slot`, made an hour before the suites' clock starts.
pub async fn book(store: &Store, member: &Member, slot: &Slot) -> Result<Booking, StoreError> {
    store
        .create_booking(&NewBooking {
            community_id: slot.community_id,
            member_id: member.id,
            slot_id: slot.id,
            recurring_weekly: false,
            created_at: t(-60),
        })
        .await
}
