//! The store's side of locked-in sessions (issue 11, migration 0010), on SQLite and on
//! PostgreSQL (`FOCUSFOLK_TEST_POSTGRES_URL`; `./scripts/test` provides it): an invitation moves
//! from pending exactly once, prepare's expiry and an answer cannot both win, and the accepted
//! lock is found from either booking.

#[path = "support/store_fixtures.rs"]
mod fixtures;
#[path = "support/postgres.rs"]
mod pg;

use fixtures::{book, t};
use focusfolk::core::locked_pairs::{InvitationId, InvitationState};
use focusfolk::core::model::*;
use focusfolk::store::{Backend, NewInvitation, Store};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_invitations_move_once_and_locks_are_found_from_either_booking() {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}", dir.path().join("focusfolk.sqlite").display());
    let store = Store::connect_and_migrate(&url).await.expect("store");
    assert_eq!(store.backend(), Backend::Sqlite);
    invitations_move_once_and_locks_are_found_from_either_booking(store).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_invitations_move_once_and_locks_are_found_from_either_booking() {
    let db = pg::TestDatabase::create().await;
    let store = Store::connect_and_migrate(&db.url).await.expect("store");
    assert_eq!(store.backend(), Backend::Postgres);
    invitations_move_once_and_locks_are_found_from_either_booking(store).await;
    db.drop_database().await;
}

async fn invitations_move_once_and_locks_are_found_from_either_booking(store: Store) {
    let c = store
        .ensure_community(Platform::Shell, "test", &CommunitySettings::default())
        .await
        .unwrap();
    let mut members = Vec::new();
    for name in ["ann", "bob", "cy"] {
        members.push(store.ensure_member(&c, name, name, t(-1000)).await.unwrap());
    }
    let [ann, bob, cy] = [&members[0], &members[1], &members[2]];
    let slot = store.ensure_slot(c.id, t(0), 50).await.unwrap();
    let other_slot = store.ensure_slot(c.id, t(120), 50).await.unwrap();
    let ann_booking = book(&store, ann, &slot).await.unwrap();
    let ann_later = book(&store, ann, &other_slot).await.unwrap();

    let new = |inviter: &Member, invitee: &Member, booking: &Booking, slot: &Slot| NewInvitation {
        slot_id: slot.id,
        inviter: inviter.id,
        invitee: invitee.id,
        inviter_booking: booking.id,
        delivered: true,
        created_at: t(-30),
    };
    let first = store
        .create_locked_invitation(&new(ann, bob, &ann_booking, &slot))
        .await
        .unwrap();
    // One invitation per inviter booking.
    assert!(store
        .create_locked_invitation(&new(ann, cy, &ann_booking, &slot))
        .await
        .is_err());
    // Nobody invites themselves (CHECK).
    assert!(store
        .create_locked_invitation(&new(ann, ann, &ann_later, &other_slot))
        .await
        .is_err());
    let unanswered = store
        .create_locked_invitation(&NewInvitation {
            delivered: false,
            ..new(ann, cy, &ann_later, &other_slot)
        })
        .await
        .unwrap();

    let read = store.locked_invitation(first).await.unwrap().unwrap();
    assert_eq!(read.state, InvitationState::Pending);
    assert_eq!(
        (read.inviter, read.invitee, read.inviter_booking),
        (ann.id, bob.id, ann_booking.id)
    );
    assert_eq!(read.invitee_booking, None);
    assert!(read.delivered);
    assert_eq!(read.created_at, t(-30));
    assert!(
        !store
            .locked_invitation(unanswered)
            .await
            .unwrap()
            .unwrap()
            .delivered
    );
    assert_eq!(
        store.locked_invitation(InvitationId(9999)).await.unwrap(),
        None
    );

    // Accepting moves it once; a second answer (either kind) finds it no longer pending.
    let bob_booking = book(&store, bob, &slot).await.unwrap();
    assert!(store
        .accept_locked_invitation(first, bob_booking.id, t(-20))
        .await
        .unwrap());
    assert!(!store
        .accept_locked_invitation(first, bob_booking.id, t(-19))
        .await
        .unwrap());
    assert!(!store
        .decline_locked_invitation(first, t(-19))
        .await
        .unwrap());
    for booking in [&ann_booking, &bob_booking] {
        let lock = store
            .accepted_lock_of_booking(booking.id)
            .await
            .unwrap()
            .expect("locked");
        assert_eq!(lock.id, first);
        assert_eq!(lock.invitee_booking, Some(bob_booking.id));
    }
    assert_eq!(
        store.accepted_lock_of_booking(ann_later.id).await.unwrap(),
        None
    );
    // `sessions` reads each locked booking's partner in one query; an unlocked booking has none.
    let partners = store
        .locked_partner_names(&[ann_booking.id, bob_booking.id, ann_later.id])
        .await
        .unwrap();
    assert_eq!(
        partners.get(&ann_booking.id).map(String::as_str),
        Some("bob")
    );
    assert_eq!(
        partners.get(&bob_booking.id).map(String::as_str),
        Some("ann")
    );
    assert_eq!(partners.len(), 2, "{partners:?}");

    // Prepare's expiry touches only pending invitations of its own slot, and after it an
    // answer is refused.
    assert_eq!(
        store
            .expire_pending_invitations(slot.id, t(-2))
            .await
            .unwrap(),
        0
    );
    assert_eq!(
        store
            .expire_pending_invitations(other_slot.id, t(118))
            .await
            .unwrap(),
        1
    );
    assert!(!store
        .decline_locked_invitation(unanswered, t(119))
        .await
        .unwrap());
    let listed = store
        .locked_invitations_for_slot(other_slot.id)
        .await
        .unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].state, InvitationState::Expired);
    let listed = store.locked_invitations_for_slot(slot.id).await.unwrap();
    assert_eq!(
        listed.iter().map(|i| (i.id, i.state)).collect::<Vec<_>>(),
        vec![(first, InvitationState::Accepted)]
    );

    // A decline of a pending invitation sticks.
    let cy_booking = book(&store, cy, &slot).await.unwrap();
    let declined = store
        .create_locked_invitation(&new(cy, bob, &cy_booking, &slot))
        .await
        .unwrap();
    assert!(store
        .decline_locked_invitation(declined, t(-10))
        .await
        .unwrap());
    assert_eq!(
        store
            .locked_invitation(declined)
            .await
            .unwrap()
            .unwrap()
            .state,
        InvitationState::Declined
    );
    assert_eq!(
        store.accepted_lock_of_booking(cy_booking.id).await.unwrap(),
        None
    );
}
