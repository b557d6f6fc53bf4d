//! The store's check-in tables (migration 0011, issue 11) on both backends: a fresh SQLite file
//! and a fresh PostgreSQL database (`FOCUSFOLK_TEST_POSTGRES_URL`; `./scripts/test` sets it).
//! Check-in verdicts, absence claims and the attendance they excuse, reports, snoozes, and the
//! recent booked sessions reliability reads.

#[path = "support/store_fixtures.rs"]
mod fixtures;
#[path = "support/postgres.rs"]
mod pg;

use fixtures::{community, member, t};
use std::future::Future;

use focusfolk::core::booking_rules::CancelKind;
use focusfolk::core::check_in::{AbsenceClaim, SessionVerdict};
use focusfolk::core::model::*;
use focusfolk::core::reliability::BookedSession;
use focusfolk::store::{Snooze, Store};

macro_rules! on_both_backends {
    ($($test:ident),* $(,)?) => {
        mod sqlite {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $test() {
                let dir = tempfile::tempdir().expect("temp dir");
                let url = format!("sqlite://{}", dir.path().join("focusfolk.sqlite").display());
                super::with_store(url, super::$test).await
            })*
        }
        mod postgres {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $test() {
                let db = super::pg::TestDatabase::create().await;
                super::with_store(db.url.clone(), super::$test).await;
                db.drop_database().await;
            })*
        }
    };
}

on_both_backends!(
    verdicts_are_kept_per_member_and_slot_and_the_last_one_counts,
    absence_claims_are_stored_once_and_excusing_takes_the_session_off_the_counter,
    reports_are_numbered_and_their_times_are_the_rate,
    snoozes_run_until_their_end_and_are_seen_only_among_their_members,
    recent_booked_sessions_are_newest_first_without_excused_ones,
);

async fn with_store<F, Fut>(url: String, test: F)
where
    F: FnOnce(Store) -> Fut,
    Fut: Future<Output = ()>,
{
    let store = Store::connect_and_migrate(&url)
        .await
        .expect("connect and migrate");
    test(store).await;
}

async fn slot_at(store: &Store, community: &Community, minutes: i64) -> Slot {
    store
        .ensure_slot(community.id, t(minutes), 25)
        .await
        .unwrap()
}

async fn book(store: &Store, member: &Member, slot: &Slot) -> Booking {
    fixtures::book(store, member, slot).await.unwrap()
}

async fn verdicts_are_kept_per_member_and_slot_and_the_last_one_counts(store: Store) {
    let community = community(&store).await;
    let (ann, ben) = (
        member(&store, &community, "ann").await,
        member(&store, &community, "ben").await,
    );
    let slot = slot_at(&store, &community, 0).await;
    assert_eq!(store.check_in_verdict(slot.id, ann.id).await.unwrap(), None);
    store
        .record_check_in_verdict(slot.id, ann.id, SessionVerdict::Done, t(30))
        .await
        .unwrap();
    store
        .record_check_in_verdict(slot.id, ben.id, SessionVerdict::Partly, t(30))
        .await
        .unwrap();
    store
        .record_check_in_verdict(slot.id, ann.id, SessionVerdict::Partly, t(31))
        .await
        .unwrap();
    assert_eq!(
        store.check_in_verdict(slot.id, ann.id).await.unwrap(),
        Some(SessionVerdict::Partly)
    );
    assert_eq!(
        store.check_in_verdict(slot.id, ben.id).await.unwrap(),
        Some(SessionVerdict::Partly)
    );
}

async fn absence_claims_are_stored_once_and_excusing_takes_the_session_off_the_counter(
    store: Store,
) {
    let community = community(&store).await;
    let (ann, ben) = (
        member(&store, &community, "ann").await,
        member(&store, &community, "ben").await,
    );
    let slot = slot_at(&store, &community, 0).await;
    let claim = AbsenceClaim {
        claimant: ann.id,
        absent: ben.id,
    };
    assert!(store
        .record_absence_claim(slot.id, claim, t(30))
        .await
        .unwrap());
    assert!(!store
        .record_absence_claim(slot.id, claim, t(31))
        .await
        .unwrap());
    let back = AbsenceClaim {
        claimant: ben.id,
        absent: ann.id,
    };
    store
        .record_absence_claim(slot.id, back, t(32))
        .await
        .unwrap();
    let mut claims = store.absence_claims_for_slot(slot.id).await.unwrap();
    claims.sort_by_key(|claim| claim.claimant);
    assert_eq!(claims, vec![claim, back]);

    store
        .record_attendance(slot.id, ann.id, AttendanceOutcome::Attended, t(3))
        .await
        .unwrap();
    store
        .record_attendance(slot.id, ben.id, AttendanceOutcome::NoShow, t(3))
        .await
        .unwrap();
    assert_eq!(store.member(ann.id).await.unwrap().sessions_attended, 1);
    assert!(store
        .excuse_attended_session(slot.id, ann.id)
        .await
        .unwrap());
    assert!(!store
        .excuse_attended_session(slot.id, ann.id)
        .await
        .unwrap());
    assert!(
        !store
            .excuse_attended_session(slot.id, ben.id)
            .await
            .unwrap(),
        "a no-show is never turned into anything by this"
    );
    assert_eq!(store.member(ann.id).await.unwrap().sessions_attended, 0);
    assert_eq!(store.member(ben.id).await.unwrap().no_shows, 1);
    let outcomes = store.attendance_for_slot(slot.id).await.unwrap();
    assert!(outcomes.contains(&(ann.id, AttendanceOutcome::Excused)));
    assert!(outcomes.contains(&(ben.id, AttendanceOutcome::NoShow)));
}

async fn reports_are_numbered_and_their_times_are_the_rate(store: Store) {
    let community = community(&store).await;
    let (ann, ben) = (
        member(&store, &community, "ann").await,
        member(&store, &community, "ben").await,
    );
    let slot = slot_at(&store, &community, 0).await;
    let first = store
        .record_report(ann.id, ben.id, Some(slot.id), "rude", t(30))
        .await
        .unwrap();
    let second = store
        .record_report(ann.id, ben.id, None, "rude again", t(90))
        .await
        .unwrap();
    let other = store
        .record_report(ben.id, ann.id, Some(slot.id), "it was them", t(95))
        .await
        .unwrap();
    assert!(first < second && second < other);
    assert_eq!(
        store.reports_filed_since(ann.id, t(0)).await.unwrap(),
        vec![t(30), t(90)]
    );
    assert_eq!(
        store.reports_filed_since(ann.id, t(60)).await.unwrap(),
        vec![t(90)]
    );
    assert_eq!(
        store.reports_filed_since(ben.id, t(0)).await.unwrap(),
        vec![t(95)]
    );
}

async fn snoozes_run_until_their_end_and_are_seen_only_among_their_members(store: Store) {
    let community = community(&store).await;
    let (ann, ben, cat) = (
        member(&store, &community, "ann").await,
        member(&store, &community, "ben").await,
        member(&store, &community, "cat").await,
    );
    store.set_snooze(ann.id, ben.id, t(60)).await.unwrap();
    store.set_snooze(ann.id, cat.id, t(10)).await.unwrap();
    // A new snooze replaces the old one's end.
    store.set_snooze(ann.id, cat.id, t(30)).await.unwrap();
    let snooze = |other: &Member, until| Snooze {
        member: ann.id,
        other: other.id,
        until,
    };
    assert_eq!(
        store.snoozes_of(ann.id, t(0)).await.unwrap(),
        vec![snooze(&cat, t(30)), snooze(&ben, t(60))]
    );
    assert_eq!(
        store.snoozes_of(ann.id, t(30)).await.unwrap(),
        vec![snooze(&ben, t(60))],
        "a snooze ending now is over"
    );
    assert!(store.snoozes_of(ben.id, t(0)).await.unwrap().is_empty());
    assert_eq!(
        store.snoozes_among(&[ann.id, ben.id], t(0)).await.unwrap(),
        vec![snooze(&ben, t(60))]
    );
    assert!(store
        .snoozes_among(&[ben.id, cat.id], t(0))
        .await
        .unwrap()
        .is_empty());
    assert!(store.snoozes_among(&[], t(0)).await.unwrap().is_empty());
    assert!(store.remove_snooze(ann.id, ben.id).await.unwrap());
    assert!(!store.remove_snooze(ann.id, ben.id).await.unwrap());
    assert!(store
        .snoozes_among(&[ann.id, ben.id], t(0))
        .await
        .unwrap()
        .is_empty());
}

async fn recent_booked_sessions_are_newest_first_without_excused_ones(store: Store) {
    let community = community(&store).await;
    let ann = member(&store, &community, "ann").await;
    let mut slots = Vec::new();
    for hour in 0..5 {
        slots.push(slot_at(&store, &community, hour * 60).await);
    }
    let outcome = |slot: &Slot, outcome| {
        let store = store.clone();
        let (slot, member) = (slot.id, ann.id);
        async move {
            store
                .record_attendance(slot, member, outcome, t(0))
                .await
                .unwrap()
        }
    };
    outcome(&slots[0], AttendanceOutcome::Attended).await;
    outcome(&slots[1], AttendanceOutcome::NoShow).await;
    outcome(&slots[2], AttendanceOutcome::Excused).await;
    let late = book(&store, &ann, &slots[3]).await;
    assert!(store
        .cancel_booking(late.id, CancelKind::Late)
        .await
        .unwrap());
    let early = book(&store, &ann, &slots[4]).await;
    assert!(store
        .cancel_booking(early.id, CancelKind::OnTime)
        .await
        .unwrap());

    assert_eq!(
        store.recent_booked_sessions(ann.id, 20).await.unwrap(),
        vec![
            BookedSession::LateCancel,
            BookedSession::NoShow,
            BookedSession::AttendedOnTime
        ]
    );
    assert_eq!(
        store.recent_booked_sessions(ann.id, 2).await.unwrap(),
        vec![BookedSession::LateCancel, BookedSession::NoShow]
    );
}
