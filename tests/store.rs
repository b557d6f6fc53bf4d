//! The store suite: every test is written once and runs on both backends — a fresh SQLite file
//! in a temp dir (`sqlite::…`) and a fresh PostgreSQL database (`postgres::…`, needs
//! `FOCUSFOLK_TEST_POSTGRES_URL`; `./scripts/test` provides it).

#[path = "support/store_fixtures.rs"]
mod fixtures;
#[path = "support/postgres.rs"]
mod pg;

use fixtures::{book, community, member, t};
use std::collections::HashMap;
use std::future::Future;

use chrono::{DateTime, Duration, Utc};
use focusfolk::core::booking_rules::CancelKind;
use focusfolk::core::model::*;
use focusfolk::core::schedule::PlannedJob;
use focusfolk::store::{Backend, NewBooking, NewBookingRequest, Store, StoreError};
use sqlx::{Connection, Executor};

// ---- harness ------------------------------------------------------------------------------

/// Generates `sqlite::name` and `postgres::name` for every test. `store:` tests take a fresh,
/// migrated `Store`; `url:` tests take the database URL (to open several stores, or go raw).
macro_rules! on_both_backends {
    (store: [$($store_test:ident),* $(,)?], url: [$($url_test:ident),* $(,)?] $(,)?) => {
        mod sqlite {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $store_test() { super::on_sqlite(|url| super::with_store(url, super::Backend::Sqlite, super::$store_test)).await }
            )*
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $url_test() { super::on_sqlite(super::$url_test).await }
            )*
        }
        mod postgres {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $store_test() { super::on_postgres(|url| super::with_store(url, super::Backend::Postgres, super::$store_test)).await }
            )*
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $url_test() { super::on_postgres(super::$url_test).await }
            )*
        }
    };
}

on_both_backends! {
    store: [
        weekly_booking_commits_its_roll_forward_job_and_stop_recurring_ends_it,
        migrations_are_idempotent,
        foreign_keys_and_checks_are_enforced,
        community_ensure_is_idempotent_and_settings_round_trip,
        member_ensure_find_and_preferences,
        slot_ensure_is_idempotent,
        one_active_booking_per_member_and_slot,
        booking_queries,
        late_cancel_counts,
        attendance_is_recorded_once,
        relations_set_remove_and_among,
        friend_requests_become_mutual_friendships,
        partner_messages_are_logged_and_counted,
        recent_meetings_count_shared_slots,
        group_lifecycle,
        jobs_schedule_once_per_key,
        claim_order_and_lease,
        retry_releases_the_lease,
        a_renewed_lease_keeps_a_long_job_from_being_claimed_again,
        effects_first_record_wins,
        platform_state_round_trips,
        booking_with_jobs_commits_together,
        booking_with_jobs_rolls_back_on_failure,
        overlapping_bookings_of_one_member_are_checked_one_at_a_time,
        racing_bookings_into_existing_slots_keep_the_overlap_and_cap_rules,
        many_new_members_booking_at_once_are_each_stored_once,
        jobs_schedule_in_one_statement,
        concurrent_ensures_agree,
        community_generation_moves_on_update,
        claims_can_be_limited_to_one_platform,
        web_links_and_page_counts,
        rematch_choices_preferences_and_seats,
        session_choices_round_trip,
    ],
    url: [
        corrupt_rows_are_reported_not_panicked,
        old_community_rows_become_overrides_only_where_a_community_chose,
        concurrent_workers_finish_every_job_once,
    ],
}

async fn on_sqlite<F, Fut>(test: F)
where
    F: FnOnce(String) -> Fut,
    Fut: Future<Output = ()>,
{
    let dir = tempfile::tempdir().expect("temp dir");
    test(format!(
        "sqlite://{}",
        dir.path().join("focusfolk.sqlite").display()
    ))
    .await;
}

async fn on_postgres<F, Fut>(test: F)
where
    F: FnOnce(String) -> Fut,
    Fut: Future<Output = ()>,
{
    let db = pg::TestDatabase::create().await;
    test(db.url.clone()).await;
    db.drop_database().await;
}

async fn with_store<F, Fut>(url: String, backend: Backend, test: F)
where
    F: FnOnce(Store) -> Fut,
    Fut: Future<Output = ()>,
{
    let store = Store::connect_and_migrate(&url)
        .await
        .expect("connect and migrate");
    assert_eq!(store.backend(), backend);
    test(store).await;
}

// ---- fixtures -----------------------------------------------------------------------------

fn job(key: &str, kind: JobKind, slot: &Slot, due_at: DateTime<Utc>) -> PlannedJob {
    PlannedJob {
        key: key.to_owned(),
        kind,
        slot_id: Some(slot.id),
        booking_id: None,
        due_at,
    }
}

// ---- schema -------------------------------------------------------------------------------

async fn migrations_are_idempotent(store: Store) {
    store.migrate().await.expect("second migrate");
    store.migrate().await.expect("third migrate");
    let c = community(&store).await;
    assert_eq!(store.community(c.id).await.unwrap(), c);
}

async fn foreign_keys_and_checks_are_enforced(store: Store) {
    let c = community(&store).await;
    let slot = store.ensure_slot(c.id, t(0), 25).await.unwrap();
    let ghost = Member {
        id: MemberId(9999),
        ..member(&store, &c, "ann").await
    };
    assert!(
        matches!(
            book(&store, &ghost, &slot).await,
            Err(StoreError::Database(_))
        ),
        "FK on member"
    );
    assert!(
        matches!(
            store.ensure_slot(c.id, t(0), 0).await,
            Err(StoreError::Database(_))
        ),
        "CHECK length > 0"
    );
    assert!(matches!(
        store.ensure_slot(CommunityId(9999), t(0), 25).await,
        Err(StoreError::Database(_))
    ));
    let ann = member(&store, &c, "ann").await;
    let self_relation = Relation {
        member: ann.id,
        other: ann.id,
        kind: RelationKind::Friend,
    };
    assert!(
        store.set_relation(self_relation).await.is_err(),
        "CHECK member <> other"
    );
}

// ---- communities, members, slots ------------------------------------------------------------

async fn community_ensure_is_idempotent_and_settings_round_trip(store: Store) {
    let custom = CommunitySettings {
        allowed_lengths_minutes: vec![25, 50],
        booking_horizon: Duration::days(7),
        booking_cutoff: Duration::seconds(30),
        late_cancel_window: Duration::minutes(90),
        reminder_lead: Duration::minutes(15),
        prepare_lead: Duration::minutes(3),
        attendance_grace: Duration::minutes(4),
        close_delay: Duration::minutes(6),
        recent_repeat_days: 10,
        default_time_zone: chrono_tz::Europe::Berlin,
        session_modes: vec!["deep".to_string(), "chat".to_string()],
        reliability_tiers: focusfolk::core::reliability::ReliabilityTiers {
            limited_below: 0.7,
            limited_bookings: 4,
            restricted_below: 0.4,
            restricted_bookings: 2,
            min_sessions: 5,
        },
    };
    let first = store
        .ensure_community(Platform::Discord, "guild-1", &custom)
        .await
        .unwrap();
    assert_eq!(first.platform, Platform::Discord);
    assert_eq!(first.platform_community_id, "guild-1");
    assert_eq!(first.settings, custom);

    // Nothing was copied: the same community read against other defaults follows them.
    let again = store
        .ensure_community(Platform::Discord, "guild-1", &CommunitySettings::default())
        .await
        .unwrap();
    assert_eq!(again.id, first.id);
    assert_eq!(again.settings, CommunitySettings::default());
    assert!(store
        .community_overrides(first.id)
        .await
        .unwrap()
        .is_empty());
    let other = store
        .ensure_community(Platform::Matrix, "guild-1", &CommunitySettings::default())
        .await
        .unwrap();
    assert_ne!(other.id, first.id);

    // Changed keys are stored as overrides of the held defaults and read back whole.
    store
        .update_community_settings(first.id, &custom)
        .await
        .unwrap();
    assert_eq!(store.community(first.id).await.unwrap().settings, custom);
    assert_eq!(
        store.community_overrides(first.id).await.unwrap().len(),
        focusfolk::core::community_settings::SETTING_KEYS.len(),
        "every key of `custom` differs from the defaults"
    );
    store
        .update_community_settings(first.id, &CommunitySettings::default())
        .await
        .unwrap();
    assert_eq!(
        store.community(first.id).await.unwrap().settings,
        CommunitySettings::default()
    );
    assert!(store
        .community_overrides(first.id)
        .await
        .unwrap()
        .is_empty());
    assert!(matches!(
        store.community(CommunityId(9999)).await,
        Err(StoreError::NotFound(_))
    ));
    assert!(matches!(
        store
            .update_community_settings(CommunityId(9999), &custom)
            .await,
        Err(StoreError::NotFound(_))
    ));
}

async fn member_ensure_find_and_preferences(store: Store) {
    let settings = CommunitySettings {
        default_time_zone: chrono_tz::America::New_York,
        ..Default::default()
    };
    let c = store
        .ensure_community(Platform::Matrix, "!space:example.org", &settings)
        .await
        .unwrap();
    let elodie = store
        .ensure_member(&c, "@elodie:example.org", "Élodie", t(0))
        .await
        .unwrap();
    assert_eq!(elodie.community_id, c.id);
    assert_eq!(elodie.display_name, "Élodie");
    assert_eq!(elodie.time_zone, chrono_tz::America::New_York);
    assert!(elodie.reminders_enabled);
    assert_eq!(
        (
            elodie.sessions_attended,
            elodie.no_shows,
            elodie.late_cancels
        ),
        (0, 0, 0)
    );
    assert_eq!(elodie.created_at, t(0));

    let renamed = store
        .ensure_member(&c, "@elodie:example.org", "Elo", t(5))
        .await
        .unwrap();
    assert_eq!(renamed.id, elodie.id);
    assert_eq!(renamed.display_name, "Elo");
    assert_eq!(renamed.created_at, t(0));
    assert_eq!(store.member(elodie.id).await.unwrap(), renamed);

    // Platform id first, then display name ignoring case (also beyond ASCII).
    let bob = store
        .ensure_member(&c, "@bob:example.org", "ÉMILE", t(0))
        .await
        .unwrap();
    let sneaky = store
        .ensure_member(&c, "émile", "Someone", t(0))
        .await
        .unwrap();
    let community_id = c.id;
    let found = |needle: &'static str| {
        let store = store.clone();
        async move {
            let found = store.find_members(community_id, needle).await.unwrap();
            assert!(found.len() <= 1, "{needle}: {found:?}");
            found.first().map(|m| m.id)
        }
    };
    assert_eq!(found("@bob:example.org").await, Some(bob.id));
    assert_eq!(found("elo").await, Some(elodie.id));
    assert_eq!(
        found("émile").await,
        Some(sneaky.id),
        "exact platform id beats display name"
    );
    assert_eq!(found("Émile").await, Some(bob.id));
    assert_eq!(found("nobody").await, None);
    // Namesakes: every one of them, by id, never just the first.
    let alice_1 = store
        .ensure_member(&c, "@alice:one.org", "Alice", t(0))
        .await
        .unwrap();
    let alice_2 = store
        .ensure_member(&c, "@alice:two.org", "ALICE", t(0))
        .await
        .unwrap();
    let namesakes: Vec<_> = store
        .find_members(community_id, "alice")
        .await
        .unwrap()
        .into_iter()
        .map(|m| m.id)
        .collect();
    assert_eq!(namesakes, vec![alice_1.id, alice_2.id]);
    let elsewhere = store
        .ensure_community(Platform::Shell, "elsewhere", &settings)
        .await
        .unwrap();
    assert_eq!(
        store.find_members(elsewhere.id, "elo").await.unwrap(),
        vec![]
    );

    store
        .set_member_time_zone(bob.id, chrono_tz::Asia::Tokyo)
        .await
        .unwrap();
    store.set_member_reminders(bob.id, false).await.unwrap();
    let bob = store.member(bob.id).await.unwrap();
    assert_eq!(bob.time_zone, chrono_tz::Asia::Tokyo);
    assert!(!bob.reminders_enabled);
    assert!(matches!(
        store.set_member_reminders(MemberId(9999), true).await,
        Err(StoreError::NotFound(_))
    ));

    let ordered = store
        .members_by_ids(&[bob.id, elodie.id, bob.id])
        .await
        .unwrap();
    assert_eq!(
        ordered.iter().map(|m| m.id).collect::<Vec<_>>(),
        vec![bob.id, elodie.id, bob.id]
    );
    assert!(store.members_by_ids(&[]).await.unwrap().is_empty());
    assert!(matches!(
        store.members_by_ids(&[bob.id, MemberId(9999)]).await,
        Err(StoreError::NotFound(_))
    ));
    assert!(matches!(
        store.member(MemberId(9999)).await,
        Err(StoreError::NotFound(_))
    ));
}

async fn slot_ensure_is_idempotent(store: Store) {
    let c = community(&store).await;
    let slot = store.ensure_slot(c.id, t(0), 50).await.unwrap();
    assert_eq!(
        (slot.community_id, slot.starts_at, slot.length_minutes),
        (c.id, t(0), 50)
    );
    assert_eq!(slot.ends_at(), t(50));
    assert_eq!(store.ensure_slot(c.id, t(0), 50).await.unwrap(), slot);
    assert_ne!(store.ensure_slot(c.id, t(0), 25).await.unwrap().id, slot.id);
    assert_eq!(store.slot(slot.id).await.unwrap(), slot);
    assert!(matches!(
        store.slot(SlotId(9999)).await,
        Err(StoreError::NotFound(_))
    ));
    // Concurrent ensures of one new slot agree on one row.
    let community_id = c.id;
    let racers: Vec<_> = (0..8)
        .map(|_| {
            let store = store.clone();
            tokio::spawn(
                async move { store.ensure_slot(community_id, t(60), 25).await.unwrap().id },
            )
        })
        .collect();
    let mut ids = Vec::new();
    for racer in racers {
        ids.push(racer.await.unwrap());
    }
    ids.dedup();
    assert_eq!(ids.len(), 1);
}

// ---- bookings -----------------------------------------------------------------------------

async fn one_active_booking_per_member_and_slot(store: Store) {
    let c = community(&store).await;
    let ann = member(&store, &c, "ann").await;
    let slot = store.ensure_slot(c.id, t(0), 25).await.unwrap();
    let first = book(&store, &ann, &slot).await.unwrap();
    assert_eq!(first.status, BookingStatus::Active);
    assert_eq!(
        (first.starts_at, first.length_minutes, first.slot_id),
        (t(0), 25, slot.id)
    );
    assert!(matches!(
        book(&store, &ann, &slot).await,
        Err(StoreError::BookingConflict)
    ));

    assert!(store
        .cancel_booking(first.id, CancelKind::OnTime)
        .await
        .unwrap());
    assert!(
        !store
            .cancel_booking(first.id, CancelKind::OnTime)
            .await
            .unwrap(),
        "already cancelled"
    );
    assert!(!store
        .cancel_booking(BookingId(9999), CancelKind::OnTime)
        .await
        .unwrap());
    assert_eq!(
        store.booking(first.id).await.unwrap().unwrap().status,
        BookingStatus::Cancelled
    );

    let again = book(&store, &ann, &slot)
        .await
        .expect("rebooking after cancel");
    assert_ne!(again.id, first.id);
    assert!(matches!(
        book(&store, &ann, &slot).await,
        Err(StoreError::BookingConflict)
    ));
    assert_eq!(store.booking(BookingId(9999)).await.unwrap(), None);
}

async fn booking_queries(store: Store) {
    let c = community(&store).await;
    let [ann, bob, cy] = [
        member(&store, &c, "ann").await,
        member(&store, &c, "bob").await,
        member(&store, &c, "cy").await,
    ];
    let early = store.ensure_slot(c.id, t(0), 25).await.unwrap();
    let late = store.ensure_slot(c.id, t(60), 50).await.unwrap();
    let next_day = store.ensure_slot(c.id, t(24 * 60), 25).await.unwrap();
    let b_late = store
        .create_booking(&NewBooking {
            community_id: c.id,
            member_id: ann.id,
            slot_id: late.id,
            recurring_weekly: true,
            created_at: t(-30),
        })
        .await
        .unwrap();
    assert!(b_late.recurring_weekly);
    assert_eq!(b_late.created_at, t(-30));
    let b_early = book(&store, &ann, &early).await.unwrap();
    let bob_early = book(&store, &bob, &early).await.unwrap();
    let cy_early = book(&store, &cy, &early).await.unwrap();
    store
        .cancel_booking(cy_early.id, CancelKind::OnTime)
        .await
        .unwrap();
    book(&store, &bob, &next_day).await.unwrap();

    let ids = |bookings: Vec<Booking>| bookings.into_iter().map(|b| b.id).collect::<Vec<_>>();
    assert_eq!(
        ids(store
            .active_bookings_for_member(ann.id, t(-100))
            .await
            .unwrap()),
        vec![b_early.id, b_late.id]
    );
    // `early` ends at t(25): not "ending after" t(25).
    assert_eq!(
        ids(store
            .active_bookings_for_member(ann.id, t(25))
            .await
            .unwrap()),
        vec![b_late.id]
    );
    assert_eq!(
        ids(store
            .active_bookings_for_member(ann.id, t(24))
            .await
            .unwrap()),
        vec![b_early.id, b_late.id]
    );
    assert_eq!(
        ids(store.active_bookings_for_slot(early.id).await.unwrap()),
        vec![b_early.id, bob_early.id]
    );
    assert_eq!(
        store
            .active_bookings_starting_after(t(0), Platform::Shell)
            .await
            .unwrap()
            .len(),
        2,
        "late + next day"
    );

    let counts = store
        .slot_booking_counts(c.id, t(0), t(24 * 60))
        .await
        .unwrap();
    let counts: Vec<_> = counts
        .iter()
        .map(|c| (c.starts_at, c.length_minutes, c.active_bookings))
        .collect();
    assert_eq!(
        counts,
        vec![(t(0), 25, 2), (t(60), 50, 1)],
        "[from, to): next day excluded"
    );
    store
        .cancel_booking(b_late.id, CancelKind::OnTime)
        .await
        .unwrap();
    let counts = store
        .slot_booking_counts(c.id, t(1), t(2 * 24 * 60))
        .await
        .unwrap();
    assert_eq!(
        counts.len(),
        1,
        "slots without active bookings are left out"
    );
    assert_eq!(counts[0].starts_at, t(24 * 60));
}

async fn late_cancel_counts(store: Store) {
    let c = community(&store).await;
    let ann = member(&store, &c, "ann").await;
    let slots = [
        store.ensure_slot(c.id, t(0), 25).await.unwrap(),
        store.ensure_slot(c.id, t(30), 25).await.unwrap(),
    ];
    let on_time = book(&store, &ann, &slots[0]).await.unwrap();
    let late = book(&store, &ann, &slots[1]).await.unwrap();
    assert!(store
        .cancel_booking(on_time.id, CancelKind::OnTime)
        .await
        .unwrap());
    assert_eq!(store.member(ann.id).await.unwrap().late_cancels, 0);
    assert!(store
        .cancel_booking(late.id, CancelKind::Late)
        .await
        .unwrap());
    assert_eq!(store.member(ann.id).await.unwrap().late_cancels, 1);
    assert!(!store
        .cancel_booking(late.id, CancelKind::Late)
        .await
        .unwrap());
    assert_eq!(
        store.member(ann.id).await.unwrap().late_cancels,
        1,
        "no second count"
    );
}

async fn attendance_is_recorded_once(store: Store) {
    let c = community(&store).await;
    let ann = member(&store, &c, "ann").await;
    let bob = member(&store, &c, "bob").await;
    let slot = store.ensure_slot(c.id, t(0), 25).await.unwrap();
    let next = store.ensure_slot(c.id, t(30), 25).await.unwrap();

    assert!(store
        .record_attendance(slot.id, ann.id, AttendanceOutcome::Attended, t(3))
        .await
        .unwrap());
    assert!(!store
        .record_attendance(slot.id, ann.id, AttendanceOutcome::Attended, t(4))
        .await
        .unwrap());
    assert!(!store
        .record_attendance(slot.id, ann.id, AttendanceOutcome::NoShow, t(4))
        .await
        .unwrap());
    assert!(store
        .record_attendance(next.id, ann.id, AttendanceOutcome::NoShow, t(33))
        .await
        .unwrap());
    assert!(store
        .record_attendance(slot.id, bob.id, AttendanceOutcome::Excused, t(3))
        .await
        .unwrap());

    let ann = store.member(ann.id).await.unwrap();
    assert_eq!((ann.sessions_attended, ann.no_shows), (1, 1));
    let bob = store.member(bob.id).await.unwrap();
    assert_eq!((bob.sessions_attended, bob.no_shows), (0, 0));
    let outcomes: HashMap<_, _> = store
        .attendance_for_slot(slot.id)
        .await
        .unwrap()
        .into_iter()
        .collect();
    assert_eq!(
        outcomes,
        HashMap::from([
            (ann.id, AttendanceOutcome::Attended),
            (bob.id, AttendanceOutcome::Excused)
        ])
    );
}

// ---- relations and history ------------------------------------------------------------------

async fn relations_set_remove_and_among(store: Store) {
    let c = community(&store).await;
    let [ann, bob, cy] = [
        member(&store, &c, "ann").await,
        member(&store, &c, "bob").await,
        member(&store, &c, "cy").await,
    ];
    let rel = |member: &Member, other: &Member, kind| Relation {
        member: member.id,
        other: other.id,
        kind,
    };
    store
        .set_relation(rel(&ann, &bob, RelationKind::Friend))
        .await
        .unwrap();
    store
        .set_relation(rel(&ann, &bob, RelationKind::Friend))
        .await
        .unwrap();
    store
        .set_relation(rel(&ann, &bob, RelationKind::Favourite))
        .await
        .unwrap();
    store
        .set_relation(rel(&bob, &cy, RelationKind::Block))
        .await
        .unwrap();

    let among = store.relations_among(&[ann.id, bob.id]).await.unwrap();
    assert_eq!(among.len(), 2);
    assert!(among.contains(&rel(&ann, &bob, RelationKind::Friend)));
    assert!(among.contains(&rel(&ann, &bob, RelationKind::Favourite)));
    assert_eq!(
        store.relations_among(&[bob.id, cy.id]).await.unwrap(),
        vec![rel(&bob, &cy, RelationKind::Block)]
    );
    assert!(store
        .relations_among(&[ann.id, cy.id])
        .await
        .unwrap()
        .is_empty());
    assert!(store.relations_among(&[]).await.unwrap().is_empty());

    assert!(store
        .remove_relation(rel(&ann, &bob, RelationKind::Friend))
        .await
        .unwrap());
    assert!(!store
        .remove_relation(rel(&ann, &bob, RelationKind::Friend))
        .await
        .unwrap());
    assert_eq!(
        store
            .relations_among(&[ann.id, bob.id, cy.id])
            .await
            .unwrap()
            .len(),
        2
    );
}

async fn friend_requests_become_mutual_friendships(store: Store) {
    use focusfolk::core::friends::{Friendship, ShowBookings};
    let c = community(&store).await;
    let [ann, bob, cy] = [
        member(&store, &c, "ann").await,
        member(&store, &c, "bob").await,
        member(&store, &c, "cy").await,
    ];
    let now = chrono::Utc::now();
    let standing = |a: &Member, b: &Member| store.friendship(a.id, b.id);
    assert_eq!(standing(&ann, &bob).await.unwrap(), Friendship::Strangers);
    let first = store
        .create_friend_request(ann.id, bob.id, now)
        .await
        .unwrap();
    // Asking twice is the same request.
    assert_eq!(
        store
            .create_friend_request(ann.id, bob.id, now)
            .await
            .unwrap(),
        first
    );
    assert_eq!(standing(&ann, &bob).await.unwrap(), Friendship::RequestSent);
    assert_eq!(
        standing(&bob, &ann).await.unwrap(),
        Friendship::RequestReceived
    );
    // The wrong direction accepts nothing.
    assert_eq!(
        store.accept_friend_request(bob.id, ann.id).await.unwrap(),
        None
    );
    assert_eq!(
        store.accept_friend_request(ann.id, bob.id).await.unwrap(),
        Some(first)
    );
    assert_eq!(standing(&ann, &bob).await.unwrap(), Friendship::Friends);
    assert_eq!(standing(&bob, &ann).await.unwrap(), Friendship::Friends);
    // Both friend notes exist, so the matching sees a mutual friendship.
    let among = store.relations_among(&[ann.id, bob.id]).await.unwrap();
    assert_eq!(among.len(), 2, "{among:?}");
    let lists = store.friend_lists(ann.id).await.unwrap();
    assert_eq!(lists.friends, vec![bob.id]);
    assert!(lists.sent.is_empty() && lists.received.is_empty());

    // A declined (deleted) request never hands its id to the next one: ids key DMs.
    let declined = store
        .create_friend_request(cy.id, ann.id, now)
        .await
        .unwrap();
    assert_eq!(
        store.friend_lists(ann.id).await.unwrap().received,
        vec![cy.id]
    );
    assert_eq!(store.friend_lists(cy.id).await.unwrap().sent, vec![ann.id]);
    assert!(store.delete_friend_request(cy.id, ann.id).await.unwrap());
    assert!(!store.delete_friend_request(cy.id, ann.id).await.unwrap());
    let again = store
        .create_friend_request(cy.id, ann.id, now)
        .await
        .unwrap();
    assert!(again.0 > declined.0, "{again:?} after {declined:?}");

    assert!(store.remove_friendship(bob.id, ann.id).await.unwrap());
    assert!(!store.remove_friendship(bob.id, ann.id).await.unwrap());
    assert_eq!(standing(&ann, &bob).await.unwrap(), Friendship::Strangers);

    assert_eq!(
        store.show_bookings(ann.id).await.unwrap(),
        ShowBookings::Nobody
    );
    store
        .set_show_bookings(ann.id, ShowBookings::Friends)
        .await
        .unwrap();
    assert_eq!(
        store.show_bookings(ann.id).await.unwrap(),
        ShowBookings::Friends
    );
    store
        .set_show_bookings(ann.id, ShowBookings::Nobody)
        .await
        .unwrap();
    assert_eq!(
        store.show_bookings(ann.id).await.unwrap(),
        ShowBookings::Nobody
    );
}

async fn partner_messages_are_logged_and_counted(store: Store) {
    let c = community(&store).await;
    let [ann, bob] = [
        member(&store, &c, "ann").await,
        member(&store, &c, "bob").await,
    ];
    let t = DateTime::parse_from_rfc3339("2026-11-30T09:00:00Z")
        .unwrap()
        .with_timezone(&Utc);
    let first = store
        .record_partner_message(ann.id, bob.id, t, true)
        .await
        .unwrap();
    let second = store
        .record_partner_message(ann.id, bob.id, t + chrono::Duration::minutes(5), false)
        .await
        .unwrap();
    assert!(second > first);
    let since = store
        .partner_messages_sent_since(ann.id, t + chrono::Duration::minutes(1))
        .await
        .unwrap();
    assert_eq!(since, vec![t + chrono::Duration::minutes(5)]);
    assert!(store
        .partner_messages_sent_since(bob.id, t)
        .await
        .unwrap()
        .is_empty());
    assert!(store.sessions_sat_in(ann.id, t).await.unwrap().is_empty());
}

async fn recent_meetings_count_shared_slots(store: Store) {
    let c = community(&store).await;
    let [ann, bob, cy, dee] = [
        member(&store, &c, "ann").await,
        member(&store, &c, "bob").await,
        member(&store, &c, "cy").await,
        member(&store, &c, "dee").await,
    ];
    let old = store.ensure_slot(c.id, t(-10 * 24 * 60), 25).await.unwrap();
    let recent = store.ensure_slot(c.id, t(-2 * 24 * 60), 25).await.unwrap();
    let today = store.ensure_slot(c.id, t(-60), 50).await.unwrap();
    store
        .create_groups(old.id, GroupOrigin::Matched, &[vec![ann.id, bob.id]])
        .await
        .unwrap();
    store
        .create_groups(
            recent.id,
            GroupOrigin::Matched,
            &[vec![bob.id, ann.id], vec![cy.id, dee.id]],
        )
        .await
        .unwrap();
    store
        .create_groups(
            today.id,
            GroupOrigin::Matched,
            &[vec![ann.id, bob.id, cy.id]],
        )
        .await
        .unwrap();

    let since = t(-7 * 24 * 60);
    let everyone = [ann.id, bob.id, cy.id, dee.id];
    assert_eq!(
        store.recent_meetings_among(&everyone, since).await.unwrap(),
        vec![
            (ann.id, bob.id, 2),
            (ann.id, cy.id, 1),
            (bob.id, cy.id, 1),
            (cy.id, dee.id, 1)
        ]
    );
    assert_eq!(
        store
            .recent_meetings_among(&[cy.id, ann.id], since)
            .await
            .unwrap(),
        vec![(ann.id, cy.id, 1)]
    );
    assert_eq!(
        store
            .recent_meetings_among(&[ann.id, bob.id], t(-11 * 24 * 60))
            .await
            .unwrap(),
        vec![(ann.id, bob.id, 3)]
    );
    assert!(store
        .recent_meetings_among(&[ann.id, bob.id], t(0))
        .await
        .unwrap()
        .is_empty());
    assert!(store
        .recent_meetings_among(&[], since)
        .await
        .unwrap()
        .is_empty());
}

// ---- groups -------------------------------------------------------------------------------

async fn group_lifecycle(store: Store) {
    let c = community(&store).await;
    let [ann, bob, cy] = [
        member(&store, &c, "ann").await,
        member(&store, &c, "bob").await,
        member(&store, &c, "cy").await,
    ];
    let slot = store.ensure_slot(c.id, t(0), 25).await.unwrap();
    let other = store.ensure_slot(c.id, t(60), 25).await.unwrap();
    let created = store
        .create_groups(
            slot.id,
            GroupOrigin::Matched,
            &[vec![cy.id, ann.id], vec![bob.id]],
        )
        .await
        .unwrap();
    assert_eq!(created.len(), 2);
    assert!(created
        .iter()
        .all(|g| g.state == GroupState::Planned && g.room.is_none() && g.slot_id == slot.id));
    assert_eq!(created[0].members, vec![cy.id, ann.id], "insertion order");
    let rematch = store
        .create_groups(slot.id, GroupOrigin::Rematch, &[vec![bob.id, ann.id]])
        .await
        .unwrap();
    store
        .create_groups(other.id, GroupOrigin::Matched, &[vec![ann.id, bob.id]])
        .await
        .unwrap();
    assert!(store
        .create_groups(slot.id, GroupOrigin::Matched, &[])
        .await
        .unwrap()
        .is_empty());

    let stored = store.groups_for_slot(slot.id).await.unwrap();
    assert_eq!(stored, [created.clone(), rematch.clone()].concat());

    store.set_group_room(created[0].id, "room-1").await.unwrap();
    let opened = &store.groups_for_slot(slot.id).await.unwrap()[0];
    assert_eq!(
        (opened.state, opened.room.as_deref()),
        (GroupState::Open, Some("room-1"))
    );

    // The sweep sees open groups only once their slot has ended.
    assert!(store
        .open_groups_of_slots_ended_before(t(25), Platform::Shell)
        .await
        .unwrap()
        .is_empty());
    let leftover = store
        .open_groups_of_slots_ended_before(t(26), Platform::Shell)
        .await
        .unwrap();
    assert_eq!(leftover, vec![(opened.clone(), slot.clone())]);

    store.mark_group_closed(created[0].id).await.unwrap();
    store.mark_group_closed(created[1].id).await.unwrap(); // never opened: closed without a room
    let closed = store.groups_for_slot(slot.id).await.unwrap();
    assert_eq!(
        (closed[0].state, closed[0].room.as_deref()),
        (GroupState::Closed, Some("room-1"))
    );
    assert_eq!(
        (closed[1].state, closed[1].room.as_deref()),
        (GroupState::Closed, None)
    );
    assert!(store
        .open_groups_of_slots_ended_before(t(1000), Platform::Shell)
        .await
        .unwrap()
        .is_empty());
    assert!(matches!(
        store.set_group_room(GroupId(9999), "x").await,
        Err(StoreError::NotFound(_))
    ));
    assert!(matches!(
        store.mark_group_closed(GroupId(9999)).await,
        Err(StoreError::NotFound(_))
    ));
}

// ---- jobs ---------------------------------------------------------------------------------

async fn jobs_schedule_once_per_key(store: Store) {
    let c = community(&store).await;
    let ann = member(&store, &c, "ann").await;
    let slot = store.ensure_slot(c.id, t(0), 25).await.unwrap();
    let other = store.ensure_slot(c.id, t(60), 25).await.unwrap();
    let booking = book(&store, &ann, &slot).await.unwrap();
    assert_eq!(
        store.next_pending_due_at(Platform::Shell).await.unwrap(),
        None
    );

    assert!(store
        .schedule_job(&job("prepare:1", JobKind::Prepare, &slot, t(-2)))
        .await
        .unwrap());
    assert!(!store
        .schedule_job(&job("prepare:1", JobKind::Prepare, &slot, t(-5)))
        .await
        .unwrap());
    let remind = PlannedJob {
        key: "remind:b1".into(),
        kind: JobKind::Remind,
        slot_id: None,
        booking_id: Some(booking.id),
        due_at: t(-10),
    };
    assert!(store.schedule_job(&remind).await.unwrap());
    assert!(store
        .schedule_job(&job("prepare:2", JobKind::Prepare, &other, t(58)))
        .await
        .unwrap());

    let jobs = store.jobs_for_slot(slot.id).await.unwrap();
    let summary: Vec<_> = jobs
        .iter()
        .map(|(j, status)| (j.key.as_str(), j.kind, j.due_at, j.attempts, *status))
        .collect();
    assert_eq!(
        summary,
        vec![
            ("remind:b1", JobKind::Remind, t(-10), 0, JobStatus::Pending),
            ("prepare:1", JobKind::Prepare, t(-2), 0, JobStatus::Pending)
        ]
    );
    assert_eq!(jobs[0].0.booking_id, Some(booking.id));
    assert_eq!(jobs[1].0.slot_id, Some(slot.id));
    // A job without a slot belongs to no community, so to no platform's runner (none could
    // run it: every job kind needs its slot); the runner waits for the slot's own job.
    assert_eq!(
        store.next_pending_due_at(Platform::Shell).await.unwrap(),
        Some(t(-2))
    );
}

async fn claim_order_and_lease(store: Store) {
    let c = community(&store).await;
    let slot = store.ensure_slot(c.id, t(0), 25).await.unwrap();
    for (key, due) in [("b", t(10)), ("a", t(5)), ("c", t(20))] {
        store
            .schedule_job(&job(key, JobKind::Announce, &slot, due))
            .await
            .unwrap();
    }
    let lease = Duration::seconds(60);

    let first = store
        .claim_due_job("w1", t(15), lease, Platform::Shell)
        .await
        .unwrap()
        .expect("a is due");
    assert_eq!((first.key.as_str(), first.attempts), ("a", 1));
    let second = store
        .claim_due_job("w1", t(15), lease, Platform::Shell)
        .await
        .unwrap()
        .expect("b is due");
    assert_eq!(second.key, "b");
    assert_eq!(
        store
            .claim_due_job("w2", t(15), lease, Platform::Shell)
            .await
            .unwrap(),
        None,
        "c is not due, a and b are leased"
    );
    assert_eq!(
        store.next_pending_due_at(Platform::Shell).await.unwrap(),
        Some(t(16)),
        "a's lease ends first"
    );

    assert!(store
        .finish_job(second.id, "w1", "done", t(15))
        .await
        .unwrap());
    assert!(
        !store
            .finish_job(second.id, "w1", "done", t(15))
            .await
            .unwrap(),
        "finished already"
    );

    // w1 stalls on `a`: w2 gets nothing while the lease is live, and `a` once it has expired.
    assert_eq!(
        store
            .claim_due_job("w2", t(15) + Duration::seconds(59), lease, Platform::Shell)
            .await
            .unwrap(),
        None
    );
    let stolen = store
        .claim_due_job("w2", t(16), lease, Platform::Shell)
        .await
        .unwrap()
        .expect("lease expired");
    assert_eq!((stolen.id, stolen.attempts), (first.id, 2));
    assert!(
        !store
            .finish_job(first.id, "w1", "done", t(16))
            .await
            .unwrap(),
        "w1 lost the lease"
    );
    assert!(store
        .finish_job(first.id, "w2", "dropped: session already started", t(16))
        .await
        .unwrap());

    let statuses: HashMap<String, JobStatus> = store
        .jobs_for_slot(slot.id)
        .await
        .unwrap()
        .into_iter()
        .map(|(j, s)| (j.key, s))
        .collect();
    assert_eq!(statuses["a"], JobStatus::Done);
    assert_eq!(statuses["b"], JobStatus::Done);
    assert_eq!(statuses["c"], JobStatus::Pending);
    assert_eq!(
        store.next_pending_due_at(Platform::Shell).await.unwrap(),
        Some(t(20))
    );

    // A restarted instance voids its own leases only.
    let held_by_w3 = store
        .claim_due_job("w3", t(21), lease, Platform::Shell)
        .await
        .unwrap()
        .expect("c is due");
    assert_eq!(
        store
            .claim_due_job("w3", t(21), lease, Platform::Shell)
            .await
            .unwrap(),
        None,
        "leased"
    );
    assert_eq!(store.release_leases_held_by("w-other").await.unwrap(), 0);
    assert_eq!(store.release_leases_held_by("w3").await.unwrap(), 1);
    let reclaimed = store
        .claim_due_job("w3", t(21), lease, Platform::Shell)
        .await
        .unwrap()
        .expect("released");
    assert_eq!((reclaimed.id, reclaimed.attempts), (held_by_w3.id, 2));
    assert!(store
        .finish_job(reclaimed.id, "w3", "done", t(21))
        .await
        .unwrap());
}

async fn a_renewed_lease_keeps_a_long_job_from_being_claimed_again(store: Store) {
    let c = community(&store).await;
    let slot = store.ensure_slot(c.id, t(0), 25).await.unwrap();
    store
        .schedule_job(&job("long", JobKind::Announce, &slot, t(0)))
        .await
        .unwrap();
    let lease = Duration::minutes(2);
    let claimed = store
        .claim_due_job("w1", t(0), lease, Platform::Shell)
        .await
        .unwrap()
        .expect("due");
    // Still running a minute later: the heartbeat pushes the lease to t(3).
    assert!(store.renew_lease(claimed.id, "w1", t(3)).await.unwrap());
    assert!(
        !store.renew_lease(claimed.id, "w2", t(9)).await.unwrap(),
        "only the holder renews"
    );
    assert_eq!(
        store
            .claim_due_job("w2", t(2) + Duration::seconds(30), lease, Platform::Shell)
            .await
            .unwrap(),
        None,
        "the original lease (t(2)) is over but the renewed one is not"
    );
    assert_eq!(
        store.next_pending_due_at(Platform::Shell).await.unwrap(),
        Some(t(3))
    );
    assert!(store
        .finish_job(claimed.id, "w1", "done", t(2))
        .await
        .unwrap());
    assert!(
        !store.renew_lease(claimed.id, "w1", t(5)).await.unwrap(),
        "a finished job is not renewed"
    );
}

async fn retry_releases_the_lease(store: Store) {
    let c = community(&store).await;
    let slot = store.ensure_slot(c.id, t(0), 25).await.unwrap();
    store
        .schedule_job(&job("close", JobKind::CloseRooms, &slot, t(30)))
        .await
        .unwrap();
    let lease = Duration::minutes(5);
    let claimed = store
        .claim_due_job("w1", t(30), lease, Platform::Shell)
        .await
        .unwrap()
        .unwrap();

    store
        .retry_job_at(claimed.id, "w2", "not mine", t(31))
        .await
        .unwrap(); // ignored: w2 holds no lease
    assert_eq!(
        store.next_pending_due_at(Platform::Shell).await.unwrap(),
        Some(t(35))
    );
    store
        .retry_job_at(claimed.id, "w1", "platform timed out", t(32))
        .await
        .unwrap();
    assert_eq!(
        store.next_pending_due_at(Platform::Shell).await.unwrap(),
        Some(t(32))
    );
    assert_eq!(
        store
            .claim_due_job("w2", t(31), lease, Platform::Shell)
            .await
            .unwrap(),
        None,
        "not due before retry_at"
    );
    let again = store
        .claim_due_job("w2", t(32), lease, Platform::Shell)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (again.id, again.due_at, again.attempts),
        (claimed.id, t(32), 2)
    );
    assert!(store
        .finish_job(again.id, "w2", "done", t(33))
        .await
        .unwrap());
    assert_eq!(
        store.next_pending_due_at(Platform::Shell).await.unwrap(),
        None
    );
}

/// 200 due jobs, four workers on separate connection pools claiming in parallel until the
/// queue is empty: every job is claimed and finished exactly once.
async fn concurrent_workers_finish_every_job_once(url: String) {
    let store = Store::connect_and_migrate(&url).await.unwrap();
    let c = community(&store).await;
    let slot = store.ensure_slot(c.id, t(0), 25).await.unwrap();
    for n in 0..200 {
        store
            .schedule_job(&job(
                &format!("job:{n}"),
                JobKind::CheckIn,
                &slot,
                t(-(n % 7)),
            ))
            .await
            .unwrap();
    }
    let mut workers = Vec::new();
    for w in 0..4 {
        let worker_store = Store::connect(&url).await.unwrap();
        workers.push(tokio::spawn(async move {
            let name = format!("worker-{w}");
            let mut done = Vec::new();
            while let Some(job) = worker_store
                .claim_due_job(&name, t(0), Duration::minutes(10), Platform::Shell)
                .await
                .unwrap()
            {
                assert!(worker_store
                    .finish_job(job.id, &name, "done", t(0))
                    .await
                    .unwrap());
                done.push(job.id);
            }
            done
        }));
    }
    let mut per_job: HashMap<JobId, u32> = HashMap::new();
    let mut per_worker = Vec::new();
    for worker in workers {
        let done = worker.await.unwrap();
        per_worker.push(done.len());
        for id in done {
            *per_job.entry(id).or_default() += 1;
        }
    }
    eprintln!("jobs finished per worker: {per_worker:?}");
    assert_eq!(
        per_job.len(),
        200,
        "every job was finished (per worker: {per_worker:?})"
    );
    assert!(
        per_job.values().all(|&count| count == 1),
        "no job was finished twice"
    );
    let jobs = store.jobs_for_slot(slot.id).await.unwrap();
    assert!(jobs
        .iter()
        .all(|(job, status)| *status == JobStatus::Done && job.attempts == 1));
    assert_eq!(
        store.next_pending_due_at(Platform::Shell).await.unwrap(),
        None
    );
}

// ---- effects ------------------------------------------------------------------------------

async fn effects_first_record_wins(store: Store) {
    assert_eq!(store.effect("dm:remind:b1").await.unwrap(), None);
    store
        .record_effect("dm:remind:b1", "sent", t(0))
        .await
        .unwrap();
    store
        .record_effect("dm:remind:b1", "sent again", t(1))
        .await
        .unwrap();
    let record = store.effect("dm:remind:b1").await.unwrap().unwrap();
    assert_eq!(
        (
            record.key.as_str(),
            record.result.as_str(),
            record.recorded_at
        ),
        ("dm:remind:b1", "sent", t(0))
    );
}

// ---- corruption ---------------------------------------------------------------------------

/// Values the schema cannot rule out (an unknown zone name) come back as `Corrupt`.
async fn corrupt_rows_are_reported_not_panicked(url: String) {
    let store = Store::connect_and_migrate(&url).await.unwrap();
    let c = community(&store).await;
    let ann = member(&store, &c, "ann").await;
    let mut raw = sqlx::AnyConnection::connect(&url).await.unwrap();
    raw.execute("UPDATE members SET time_zone = 'Mars/Olympus_Mons'")
        .await
        .unwrap();
    raw.execute(sqlx::AssertSqlSafe(format!(
        "INSERT INTO community_settings (community_id, key, value) \
         VALUES ({}, 'allowed_lengths_minutes', '25,fifty')",
        c.id.0
    )))
    .await
    .unwrap();
    raw.close().await.unwrap();
    assert!(matches!(
        store.member(ann.id).await,
        Err(StoreError::Corrupt(_))
    ));
    // A setting that does not read is skipped (and logged): the community keeps working on
    // the default rather than failing every command and job.
    assert_eq!(
        store
            .community(c.id)
            .await
            .unwrap()
            .settings
            .allowed_lengths_minutes,
        vec![25, 50, 75]
    );
}

/// Migrations 0007 and 0013 on rows written before them: a lead stored as 0 became the
/// default 10 minutes (0007); then only the keys `setup` could change, where they differ from
/// the built-in defaults, became overrides, and every other copied value follows the config
/// (0013: eight keys could never be changed, so they were the config of the day, not a choice).
async fn old_community_rows_become_overrides_only_where_a_community_chose(url: String) {
    let directory = tempfile::tempdir().unwrap();
    let backend = if url.starts_with("sqlite") {
        "sqlite"
    } else {
        "postgres"
    };
    let source = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("migrations")
        .join(backend);
    // The schema as it was before 0007: the migrations up to 0006, applied by sqlx with the
    // same files (so the full migration later sees them as applied).
    for entry in std::fs::read_dir(&source).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        if name.as_str() < "0007" {
            std::fs::copy(&path, directory.path().join(&name)).unwrap();
        }
    }
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(&format!(
        "{url}{}",
        if backend == "sqlite" { "?mode=rwc" } else { "" }
    ))
    .await
    .unwrap();
    sqlx::migrate::Migrator::new(directory.path().to_path_buf())
        .await
        .unwrap()
        .run(&pool)
        .await
        .unwrap();
    let insert = |id: &str, lengths: &str, reminder: i64, prepare: i64| {
        format!(
            "INSERT INTO communities (platform, platform_community_id, allowed_lengths, \
                booking_horizon_secs, booking_cutoff_secs, late_cancel_window_secs, \
                reminder_lead_secs, prepare_lead_secs, attendance_grace_secs, close_delay_secs, \
                recent_repeat_days, default_time_zone) \
             VALUES ('shell', '{id}', '{lengths}', 1209600, 60, 3600, {reminder}, {prepare}, 180, \
                300, 7, 'UTC')"
        )
    };
    for sql in [
        insert("zero", "25,50,75", 0, 120),
        insert("chosen", "25,50", 900, 120),
        insert("copied", "25,50,75", 600, 300),
    ] {
        pool.execute(sqlx::AssertSqlSafe(sql)).await.unwrap();
    }
    pool.close().await;

    let store = Store::connect_and_migrate(&url).await.unwrap();
    let defaults = CommunitySettings {
        reminder_lead: Duration::minutes(12),
        prepare_lead: Duration::minutes(3),
        ..CommunitySettings::default()
    };
    store.use_community_defaults(&defaults);
    let find = |id: &'static str| {
        let store = store.clone();
        let defaults = defaults.clone();
        async move {
            let c = store
                .ensure_community(Platform::Shell, id, &defaults)
                .await
                .unwrap();
            let overrides: Vec<String> = store
                .community_overrides(c.id)
                .await
                .unwrap()
                .into_iter()
                .map(|(key, value)| format!("{key}={value}"))
                .collect();
            (c.settings, overrides)
        }
    };
    let (zero, overrides) = find("zero").await;
    assert!(overrides.is_empty(), "{overrides:?}");
    assert_eq!(
        zero.reminder_lead,
        Duration::minutes(12),
        "follows the config"
    );
    let (chosen, overrides) = find("chosen").await;
    assert_eq!(
        overrides,
        vec!["allowed_lengths_minutes=25,50", "reminder_lead=900s"]
    );
    assert_eq!(chosen.reminder_lead, Duration::minutes(15));
    assert_eq!(chosen.allowed_lengths_minutes, vec![25, 50]);
    assert_eq!(chosen.prepare_lead, Duration::minutes(3));
    let (copied, overrides) = find("copied").await;
    assert!(overrides.is_empty(), "{overrides:?}");
    assert_eq!(
        copied.prepare_lead,
        Duration::minutes(3),
        "a copy, not a choice"
    );
}

// ---- SQLite specifics -----------------------------------------------------------------------

#[tokio::test]
async fn sqlite_runs_in_wal_mode_and_creates_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("new.sqlite");
    let store = Store::connect_and_migrate(&format!("sqlite:{}", path.display()))
        .await
        .unwrap();
    community(&store).await;
    assert!(path.exists(), "database file created");
    let mut raw = sqlx::SqliteConnection::connect(&format!("sqlite://{}", path.display()))
        .await
        .unwrap();
    let mode: String = sqlx::query_scalar("PRAGMA journal_mode")
        .fetch_one(&mut raw)
        .await
        .unwrap();
    assert_eq!(mode, "wal");
}

#[tokio::test]
async fn the_pool_size_is_the_configured_one_and_in_memory_keeps_one_connection() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite:{}", dir.path().join("pool.sqlite").display());
    let store = Store::connect_and_migrate_with_pool_size(&url, 3)
        .await
        .unwrap();
    assert_eq!(store.max_connections(), 3);
    assert_eq!(
        Store::connect_and_migrate(&url)
            .await
            .unwrap()
            .max_connections(),
        focusfolk::store::DEFAULT_MAX_CONNECTIONS
    );
    let memory = Store::connect_and_migrate_with_pool_size("sqlite::memory:", 8)
        .await
        .unwrap();
    assert_eq!(memory.max_connections(), 1);
}

#[tokio::test]
async fn sqlite_in_memory_works() {
    let store = Store::connect_and_migrate("sqlite::memory:").await.unwrap();
    let c = community(&store).await;
    assert_eq!(store.community(c.id).await.unwrap(), c);
}

#[tokio::test]
async fn unknown_url_schemes_are_rejected() {
    assert!(matches!(
        Store::connect("mysql://localhost/x").await,
        Err(StoreError::Database(_))
    ));
}

async fn platform_state_round_trips(store: Store) {
    assert_eq!(
        store
            .platform_state(Platform::Discord, "guild-1", "setup")
            .await
            .unwrap(),
        None
    );
    store
        .set_platform_state(Platform::Discord, "guild-1", "setup", "{\"v\":1}", t(0))
        .await
        .unwrap();
    store
        .set_platform_state(Platform::Discord, "guild-1", "setup", "{\"v\":2}", t(1))
        .await
        .unwrap();
    store
        .set_platform_state(Platform::Discord, "guild-2", "setup", "{\"v\":3}", t(1))
        .await
        .unwrap();
    store
        .set_platform_state(Platform::Matrix, "guild-1", "setup", "other platform", t(1))
        .await
        .unwrap();
    assert_eq!(
        store
            .platform_state(Platform::Discord, "guild-1", "setup")
            .await
            .unwrap()
            .as_deref(),
        Some("{\"v\":2}")
    );
    assert_eq!(
        store
            .platform_state_by_name(Platform::Discord, "setup")
            .await
            .unwrap(),
        vec![
            ("guild-1".to_string(), "{\"v\":2}".to_string()),
            ("guild-2".to_string(), "{\"v\":3}".to_string())
        ]
    );

    // Pruning: only this platform, only names with the prefix, only entries written before.
    for (platform, name, at) in [
        (Platform::Discord, "room:g1", t(0)),
        (Platform::Discord, "room:g2", t(10)),
        (Platform::Discord, "roomy", t(0)),
        (Platform::Matrix, "room:g1", t(0)),
    ] {
        store
            .set_platform_state(platform, "guild-1", name, "{}", at)
            .await
            .unwrap();
    }
    assert_eq!(
        store
            .delete_platform_state_older_than(Platform::Discord, "room:", t(5))
            .await
            .unwrap(),
        1
    );
    for (platform, name, kept) in [
        (Platform::Discord, "room:g1", false),
        (Platform::Discord, "room:g2", true),
        (Platform::Discord, "roomy", true),
        (Platform::Matrix, "room:g1", true),
        (Platform::Discord, "setup", true),
    ] {
        assert_eq!(
            store
                .platform_state(platform, "guild-1", name)
                .await
                .unwrap()
                .is_some(),
            kept,
            "{platform} {name}"
        );
    }

    // One entry deleted; the others stay.
    store
        .delete_platform_state(Platform::Discord, "guild-1", "roomy")
        .await
        .unwrap();
    assert_eq!(
        store
            .platform_state(Platform::Discord, "guild-1", "roomy")
            .await
            .unwrap(),
        None
    );
    assert!(store
        .platform_state(Platform::Discord, "guild-1", "room:g2")
        .await
        .unwrap()
        .is_some());

    // Adapters write these on the command path: on SQLite they take their turn in the group
    // commit (8 sets and 1 delete above) instead of polling for the lock behind its batches.
    match store.backend() {
        Backend::Sqlite => {
            let stats = store
                .group_commit_stats()
                .expect("SQLite groups its commits");
            assert!(stats.statements >= 9, "{stats:?}");
        }
        Backend::Postgres => assert_eq!(store.group_commit_stats(), None),
    }
}

async fn claims_can_be_limited_to_one_platform(store: Store) {
    let defaults = CommunitySettings::default();
    let discord = store
        .ensure_community(Platform::Discord, "guild", &defaults)
        .await
        .unwrap();
    let matrix = store
        .ensure_community(Platform::Matrix, "!room", &defaults)
        .await
        .unwrap();
    let discord_slot = store.ensure_slot(discord.id, t(0), 25).await.unwrap();
    let matrix_slot = store.ensure_slot(matrix.id, t(0), 25).await.unwrap();
    store
        .schedule_job(&job("d", JobKind::Announce, &discord_slot, t(0)))
        .await
        .unwrap();
    store
        .schedule_job(&job("m", JobKind::Announce, &matrix_slot, t(1)))
        .await
        .unwrap();
    let lease = Duration::seconds(60);
    let claim = |platform: Platform| {
        let store = store.clone();
        async move {
            store
                .claim_due_job("w", t(5), lease, platform)
                .await
                .unwrap()
                .map(|job| job.key)
        }
    };
    // What a runner sleeps towards is only what it could claim: the overdue Discord job at
    // t(0) must not wake a Matrix or shell runner.
    assert_eq!(
        store.next_pending_due_at(Platform::Matrix).await.unwrap(),
        Some(t(1))
    );
    assert_eq!(
        store.next_pending_due_at(Platform::Shell).await.unwrap(),
        None
    );
    assert_eq!(
        store.next_pending_due_at(Platform::Discord).await.unwrap(),
        Some(t(0))
    );
    assert_eq!(
        claim(Platform::Matrix).await.as_deref(),
        Some("m"),
        "skips the earlier Discord job"
    );
    assert_eq!(claim(Platform::Matrix).await, None);
    assert_eq!(claim(Platform::Shell).await, None);
    assert_eq!(claim(Platform::Discord).await.as_deref(), Some("d"));
}

// ---- one-transaction bookings -------------------------------------------------------------

fn request(member: &Member, starts_at: DateTime<Utc>, length_minutes: u32) -> NewBookingRequest {
    NewBookingRequest {
        community_id: member.community_id,
        member_id: member.id,
        starts_at,
        length_minutes,
        recurring_weekly: false,
        created_at: t(-60),
        max_future_bookings: usize::MAX,
    }
}

/// A slot's jobs, keyed like the engine keys them.
fn jobs_of(slot: &Slot) -> Vec<PlannedJob> {
    JobKind::PER_SLOT
        .into_iter()
        .enumerate()
        .map(|(n, kind)| {
            job(
                &format!("{}:slot:{}", kind.as_str(), slot.id),
                kind,
                slot,
                slot.starts_at + Duration::minutes(n as i64 - 1),
            )
        })
        .collect()
}

/// Half-open overlap with any existing booking, like the core's rule.
fn no_overlap(
    starts_at: DateTime<Utc>,
    length_minutes: u32,
) -> impl Fn(&[Booking]) -> Result<(), String> + Send + Sync {
    move |existing: &[Booking]| {
        let ends_at = starts_at + Duration::minutes(length_minutes as i64);
        match existing
            .iter()
            .find(|b| b.starts_at < ends_at && starts_at < b.ends_at())
        {
            Some(clash) => Err(format!("overlaps #{}", clash.id)),
            None => Ok(()),
        }
    }
}

async fn weekly_booking_commits_its_roll_forward_job_and_stop_recurring_ends_it(store: Store) {
    let c = community(&store).await;
    let ann = member(&store, &c, "ann").await;
    let bob = member(&store, &c, "bob").await;
    // Bob's one-off creates the slot, so Ann's weekly booking goes into an existing slot
    // (on SQLite that would be the one-statement path, which has no room for her job).
    store
        .create_booking_with_jobs(&request(&bob, t(0), 25), no_overlap(t(0), 25), jobs_of)
        .await
        .unwrap()
        .unwrap();
    let weekly = NewBookingRequest {
        recurring_weekly: true,
        ..request(&ann, t(0), 25)
    };
    let (slot, booking) = store
        .create_booking_with_jobs(&weekly, no_overlap(t(0), 25), jobs_of)
        .await
        .unwrap()
        .unwrap();
    assert!(booking.recurring_weekly);
    let jobs = store.jobs_for_slot(slot.id).await.unwrap();
    let roll: Vec<&Job> = jobs
        .iter()
        .map(|(job, _)| job)
        .filter(|job| job.kind == JobKind::RollForward)
        .collect();
    assert_eq!(roll.len(), 1, "{jobs:?}");
    assert_eq!(roll[0].key, format!("roll_forward:booking:{}", booking.id));
    assert_eq!(roll[0].booking_id, Some(booking.id));
    assert_eq!(roll[0].due_at, t(0));
    assert_eq!(
        store
            .weekly_bookings_for_member(ann.id, t(-60))
            .await
            .unwrap(),
        vec![booking.clone()]
    );
    assert_eq!(store.stop_recurring(&[booking.id]).await.unwrap(), 1);
    assert_eq!(store.stop_recurring(&[booking.id]).await.unwrap(), 0);
    assert!(
        !store
            .booking(booking.id)
            .await
            .unwrap()
            .unwrap()
            .recurring_weekly
    );
    assert!(store
        .weekly_bookings_for_member(ann.id, t(-60))
        .await
        .unwrap()
        .is_empty());
}

async fn booking_with_jobs_commits_together(store: Store) {
    let c = community(&store).await;
    let ann = member(&store, &c, "ann").await;
    let bob = member(&store, &c, "bob").await;

    // A new slot: created, booked and scheduled in one go.
    let seen = std::sync::Mutex::new(Vec::new());
    let (slot, booking) = store
        .create_booking_with_jobs(
            &request(&ann, t(0), 25),
            |existing| {
                seen.lock().unwrap().push(existing.len());
                Ok::<(), String>(())
            },
            jobs_of,
        )
        .await
        .unwrap()
        .unwrap();
    // The rules ran once before the transaction (no bookings) and once inside it.
    assert_eq!(*seen.lock().unwrap(), vec![0, 0]);
    assert_eq!(slot, store.ensure_slot(c.id, t(0), 25).await.unwrap());
    assert_eq!(
        Some(booking.clone()),
        store.booking(booking.id).await.unwrap()
    );
    assert_eq!(booking.status, BookingStatus::Active);
    assert_eq!(booking.created_at, t(-60));
    let keys =
        |jobs: Vec<(Job, JobStatus)>| jobs.into_iter().map(|(job, _)| job.key).collect::<Vec<_>>();
    assert_eq!(
        keys(store.jobs_for_slot(slot.id).await.unwrap()).len(),
        JobKind::PER_SLOT.len()
    );

    // The slot exists now: a second member's booking writes only itself.
    let (same_slot, bobs) = store
        .create_booking_with_jobs(&request(&bob, t(0), 25), no_overlap(t(0), 25), jobs_of)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(same_slot, slot);
    assert_eq!(bobs.member_id, bob.id);
    assert_eq!(Some(bobs.clone()), store.booking(bobs.id).await.unwrap());
    assert_eq!(
        keys(store.jobs_for_slot(slot.id).await.unwrap()).len(),
        JobKind::PER_SLOT.len()
    );

    // An existing slot that overlaps one of the member's bookings is refused with the rule's
    // answer (on SQLite the one-statement path declines and the transaction explains).
    let cat = member(&store, &c, "cat").await;
    let (later_slot, _) = store
        .create_booking_with_jobs(&request(&cat, t(15), 25), no_overlap(t(15), 25), jobs_of)
        .await
        .unwrap()
        .unwrap();
    let overlapping = store
        .create_booking_with_jobs(&request(&bob, t(15), 25), no_overlap(t(15), 25), jobs_of)
        .await
        .unwrap();
    assert_eq!(overlapping, Err(format!("overlaps #{}", bobs.id)));
    assert_eq!(
        store
            .active_bookings_for_slot(later_slot.id)
            .await
            .unwrap()
            .len(),
        1,
        "bob was not booked into the overlapping slot"
    );

    // The rules see the member's bookings, read inside the transaction.
    let rejected = store
        .create_booking_with_jobs(&request(&ann, t(10), 25), no_overlap(t(10), 25), jobs_of)
        .await
        .unwrap();
    assert_eq!(rejected, Err(format!("overlaps #{}", booking.id)));
    // A rejection writes nothing: no slot at 09:10.
    let counts = store
        .slot_booking_counts(c.id, t(-60), t(120))
        .await
        .unwrap();
    assert_eq!(counts.len(), 2, "{counts:?}");

    // The schema still decides duplicates (rules that let it through get a conflict).
    let again = store
        .create_booking_with_jobs(&request(&ann, t(0), 25), |_| Ok::<(), String>(()), jobs_of)
        .await;
    assert!(
        matches!(again, Err(StoreError::BookingConflict)),
        "{again:?}"
    );
    assert_eq!(
        store
            .active_bookings_for_member(ann.id, t(-60))
            .await
            .unwrap(),
        vec![booking]
    );
    assert_eq!(
        store.jobs_for_slot(slot.id).await.unwrap().len(),
        JobKind::PER_SLOT.len()
    );
}

async fn booking_with_jobs_rolls_back_on_failure(store: Store) {
    let c = community(&store).await;
    let ann = member(&store, &c, "ann").await;
    // A job the schema refuses (empty key) fails the whole booking: no slot, booking or job.
    let failed = store
        .create_booking_with_jobs(
            &request(&ann, t(30), 50),
            |_| Ok::<(), String>(()),
            |slot| {
                let mut jobs = jobs_of(slot);
                jobs[5].key = String::new();
                jobs
            },
        )
        .await;
    assert!(matches!(failed, Err(StoreError::Database(_))), "{failed:?}");
    assert!(store
        .active_bookings_for_member(ann.id, t(-60))
        .await
        .unwrap()
        .is_empty());
    assert!(store
        .slot_booking_counts(c.id, t(-60), t(120))
        .await
        .unwrap()
        .is_empty());
    assert_eq!(
        store.next_pending_due_at(Platform::Shell).await.unwrap(),
        None
    );
    // The connection went back clean: the same booking works now.
    let (slot, _) = store
        .create_booking_with_jobs(&request(&ann, t(30), 50), |_| Ok::<(), String>(()), jobs_of)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        store.jobs_for_slot(slot.id).await.unwrap().len(),
        JobKind::PER_SLOT.len()
    );
}

async fn overlapping_bookings_of_one_member_are_checked_one_at_a_time(store: Store) {
    let c = community(&store).await;
    let ann = member(&store, &c, "ann").await;
    // Five concurrent bookings at 09:00, 09:15, … 10:00: every pair overlaps (75 min each), so
    // exactly one may win however they interleave.
    let overlapping = (0..5).map(|n| request(&ann, t(15 * n), 75)).collect();
    assert_eq!(race(&store, overlapping, usize::MAX).await, 1);
    assert_eq!(
        store
            .active_bookings_for_member(ann.id, t(-60))
            .await
            .unwrap()
            .len(),
        1
    );
}

/// The fast path (a plain booking into a slot that exists: one statement, on PostgreSQL one
/// function call) under concurrency: racing bookings of one member are as safe as in the
/// transaction. Five overlapping ones: exactly one wins. Then six that do not overlap, with
/// room for two more upcoming bookings: exactly two win (the cap is counted under the lock).
async fn racing_bookings_into_existing_slots_keep_the_overlap_and_cap_rules(store: Store) {
    let c = community(&store).await;
    for n in 0..5 {
        store.ensure_slot(c.id, t(15 * n), 75).await.unwrap();
    }
    for n in 0..6 {
        store.ensure_slot(c.id, t(120 + 60 * n), 25).await.unwrap();
    }
    const CAP: usize = 3;
    for round in 0..8 {
        let ann = member(&store, &c, &format!("ann{round}")).await;
        let overlapping = (0..5).map(|n| request(&ann, t(15 * n), 75)).collect();
        assert_eq!(
            race(&store, overlapping, CAP).await,
            1,
            "round {round}: one of five overlapping"
        );
        let apart = (0..6)
            .map(|n| NewBookingRequest {
                max_future_bookings: CAP,
                ..request(&ann, t(120 + 60 * n), 25)
            })
            .collect();
        assert_eq!(
            race(&store, apart, CAP).await,
            CAP - 1,
            "round {round}: up to the cap"
        );
        let held = store
            .active_bookings_for_member(ann.id, t(-60))
            .await
            .unwrap();
        assert_eq!(held.len(), CAP, "round {round}: {held:?}");
    }
}

/// Runs the bookings at once under the overlap rule and a cap on the member's bookings;
/// returns how many were booked (every other one was refused by a rule, never an error).
async fn race(store: &Store, requests: Vec<NewBookingRequest>, cap: usize) -> usize {
    let attempts: Vec<_> = requests
        .into_iter()
        .map(|request| {
            let store = store.clone();
            tokio::spawn(async move {
                let overlap = no_overlap(request.starts_at, request.length_minutes);
                let rules = move |existing: &[Booking]| {
                    overlap(existing)?;
                    if existing.len() >= cap {
                        return Err("at the cap".to_string());
                    }
                    Ok(())
                };
                store
                    .create_booking_with_jobs(&request, rules, jobs_of)
                    .await
            })
        })
        .collect();
    let mut booked = 0;
    for attempt in attempts {
        match attempt.await.unwrap().unwrap() {
            Ok(_) => booked += 1,
            Err(rejection) => assert!(
                rejection.starts_with("overlaps") || rejection == "at the cap",
                "{rejection}"
            ),
        }
    }
    booked
}

/// The top of the hour in a busy community: forty new members book the same new slot at once
/// (on SQLite through the group commit, where one commit carries many members' writes), and
/// three of them send their booking twice.
async fn many_new_members_booking_at_once_are_each_stored_once(store: Store) {
    let c = community(&store).await;
    let attempts: Vec<_> = (0..43)
        .map(|n| {
            let (store, c) = (store.clone(), c.clone());
            tokio::spawn(async move {
                let name = format!("member{}", n % 40);
                let member = store
                    .ensure_member_creating_first(&c, &name, &name, t(-120))
                    .await
                    .unwrap();
                let request = request(&member, t(0), 50);
                let booked = store
                    .create_booking_with_jobs(&request, no_overlap(t(0), 50), jobs_of)
                    .await;
                (member, booked)
            })
        })
        .collect();
    let (mut booked, mut refused) = (Vec::new(), 0);
    for attempt in attempts {
        let (member, result) = attempt.await.unwrap();
        // The member handed back is the member stored.
        assert_eq!(store.member(member.id).await.unwrap(), member);
        match result {
            Ok(Ok((_slot, booking))) => {
                assert_eq!(booking.member_id, member.id);
                assert_eq!(
                    Some(booking.clone()),
                    store.booking(booking.id).await.unwrap()
                );
                booked.push(booking);
            }
            // The twice-sent booking: the overlap rule or the unique index says no.
            Ok(Err(_)) | Err(StoreError::BookingConflict) => refused += 1,
            Err(other) => panic!("unexpected: {other}"),
        }
    }
    assert_eq!((booked.len(), refused), (40, 3));
    let slot = store.ensure_slot(c.id, t(0), 50).await.unwrap();
    assert!(booked.iter().all(|booking| booking.slot_id == slot.id));
    assert_eq!(
        store.active_bookings_for_slot(slot.id).await.unwrap().len(),
        40
    );
    assert_eq!(
        store.jobs_for_slot(slot.id).await.unwrap().len(),
        JobKind::PER_SLOT.len()
    );
    match store.backend() {
        // Every member insert and every fast-path booking went through the group commit.
        Backend::Sqlite => {
            let stats = store
                .group_commit_stats()
                .expect("SQLite groups its commits");
            assert!(stats.statements >= 43, "{stats:?}");
            assert!(stats.commits <= stats.statements, "{stats:?}");
        }
        Backend::Postgres => assert_eq!(store.group_commit_stats(), None),
    }
}

async fn jobs_schedule_in_one_statement(store: Store) {
    let c = community(&store).await;
    let slot = store.ensure_slot(c.id, t(0), 25).await.unwrap();
    assert_eq!(store.schedule_jobs(&[]).await.unwrap(), 0);
    let jobs = vec![
        job("a", JobKind::Prepare, &slot, t(-2)),
        job("b", JobKind::Announce, &slot, t(0)),
        job("a", JobKind::Prepare, &slot, t(-7)), // the same key twice in one batch: once
    ];
    assert_eq!(store.schedule_jobs(&jobs).await.unwrap(), 2);
    assert_eq!(store.schedule_jobs(&jobs).await.unwrap(), 0);
    let mut many: Vec<PlannedJob> = (0..450)
        .map(|n| job(&format!("many:{n}"), JobKind::CheckIn, &slot, t(n)))
        .collect();
    many.push(job("b", JobKind::Announce, &slot, t(0)));
    assert_eq!(store.schedule_jobs(&many).await.unwrap(), 450);
    let stored = store.jobs_for_slot(slot.id).await.unwrap();
    assert_eq!(stored.len(), 452);
    let a = stored.iter().find(|(job, _)| job.key == "a").unwrap();
    assert_eq!((a.0.due_at, a.1), (t(-2), JobStatus::Pending));
}

async fn concurrent_ensures_agree(store: Store) {
    let tasks: Vec<_> = (0..8)
        .map(|_| {
            let store = store.clone();
            tokio::spawn(async move {
                let c = store
                    .ensure_community(
                        Platform::Matrix,
                        "!race:example.org",
                        &CommunitySettings::default(),
                    )
                    .await
                    .unwrap();
                let m = store
                    .ensure_member(&c, "@racer:example.org", "Racer", t(0))
                    .await
                    .unwrap();
                (c.id, m.id)
            })
        })
        .collect();
    let mut ids = Vec::new();
    for task in tasks {
        ids.push(task.await.unwrap());
    }
    assert!(ids.windows(2).all(|pair| pair[0] == pair[1]), "{ids:?}");
    let c = store.community(ids[0].0).await.unwrap();
    let m = store
        .member_by_platform_id(c.id, "@racer:example.org")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (m.id, m.display_name.as_str(), m.time_zone),
        (ids[0].1, "Racer", chrono_tz::UTC)
    );
}

async fn community_generation_moves_on_update(store: Store) {
    let c = community(&store).await;
    let before = store.community_generation();
    let clone = store.clone();
    clone
        .update_community_settings(c.id, &c.settings)
        .await
        .unwrap();
    assert_ne!(
        store.community_generation(),
        before,
        "clones share the generation"
    );
    let after = store.community_generation();
    assert!(store
        .update_community_settings(CommunityId(9999), &c.settings)
        .await
        .is_err());
    assert_eq!(
        store.community_generation(),
        after,
        "a failed update changes nothing"
    );
}

// ---- web links and the pages' counts (issue 13) -------------------------------------------

async fn web_links_and_page_counts(store: Store) {
    use focusfolk::core::web_page::PageVisibility;
    let community = community(&store).await;
    let ann = member(&store, &community, "ann").await;
    let bob = member(&store, &community, "bob").await;

    // One live link per member: a second create keeps the first; revoking ends it.
    assert_eq!(store.live_member_link(ann.id).await.unwrap(), None);
    let first = store
        .create_member_link(ann.id, "token-a", "hash-a", t(0))
        .await
        .unwrap();
    assert_eq!(first, "token-a");
    let again = store
        .create_member_link(ann.id, "token-b", "hash-b", t(1))
        .await
        .unwrap();
    assert_eq!(again, "token-a");
    assert_eq!(
        store
            .member_by_link_hash("hash-a")
            .await
            .unwrap()
            .map(|m| m.id),
        Some(ann.id)
    );
    assert!(store.member_by_link_hash("hash-b").await.unwrap().is_none());
    assert!(store.revoke_member_link(ann.id, t(2)).await.unwrap());
    assert!(!store.revoke_member_link(ann.id, t(2)).await.unwrap());
    assert!(store.member_by_link_hash("hash-a").await.unwrap().is_none());
    store
        .create_member_link(ann.id, "token-c", "hash-c", t(3))
        .await
        .unwrap();
    assert_eq!(
        store.live_member_link(ann.id).await.unwrap().as_deref(),
        Some("token-c")
    );

    // A page keeps its token when its visibility changes.
    assert!(store.community_page(community.id).await.unwrap().is_none());
    let page = store
        .set_community_page(
            community.id,
            PageVisibility::Members,
            "key-1",
            "khash-1",
            t(0),
        )
        .await
        .unwrap();
    assert_eq!(
        (page.visibility, page.token.as_str()),
        (PageVisibility::Members, "key-1")
    );
    let page = store
        .set_community_page(
            community.id,
            PageVisibility::Public,
            "key-2",
            "khash-2",
            t(1),
        )
        .await
        .unwrap();
    assert_eq!(
        (page.visibility, page.token.as_str()),
        (PageVisibility::Public, "key-1")
    );
    assert_eq!(
        store
            .community_page_by_hash("khash-1")
            .await
            .unwrap()
            .map(|p| p.community_id),
        Some(community.id)
    );

    // Counts per slot, a member's own slots, attendance and marks.
    let slot = store.ensure_slot(community.id, t(0), 25).await.unwrap();
    let later = store.ensure_slot(community.id, t(60), 50).await.unwrap();
    book(&store, &ann, &slot).await.unwrap();
    book(&store, &bob, &slot).await.unwrap();
    book(&store, &bob, &later).await.unwrap();
    let booked = store
        .booked_slots(community.id, t(-1), t(120))
        .await
        .unwrap();
    assert_eq!(
        booked
            .iter()
            .map(|b| (b.length_minutes, b.booked))
            .collect::<Vec<_>>(),
        vec![(25, 2), (50, 1)]
    );
    let bobs = store
        .member_booked_slots(bob.id, t(-1), t(120))
        .await
        .unwrap();
    assert_eq!(bobs.len(), 2);
    store
        .record_attendance(slot.id, ann.id, AttendanceOutcome::Attended, t(5))
        .await
        .unwrap();
    store
        .record_attendance(slot.id, bob.id, AttendanceOutcome::NoShow, t(5))
        .await
        .unwrap();
    let counts = store
        .attendance_counts(community.id, t(-1), t(120))
        .await
        .unwrap();
    assert_eq!(
        (counts.attended, counts.no_shows, counts.excused),
        (1, 1, 0)
    );
    store
        .set_relation(Relation {
            member: ann.id,
            other: bob.id,
            kind: RelationKind::Favourite,
        })
        .await
        .unwrap();
    let marked = store.marked_members(ann.id).await.unwrap();
    assert_eq!(marked.len(), 1);
    assert_eq!(
        (marked[0].0.id, marked[0].1),
        (bob.id, RelationKind::Favourite)
    );
    assert!(store.marked_members(bob.id).await.unwrap().is_empty());
}

/// The rematch's facts (issue 11): the latest choice counts, mixed lengths default to on, the
/// slots of one start moment are found by length, and a member takes one rematch seat per
/// start moment: a second group seating them is refused whole.
async fn rematch_choices_preferences_and_seats(store: Store) {
    use focusfolk::core::rematch::{RematchChoice, RematchGroup};
    let c = community(&store).await;
    let (ann, ben, cat) = (
        member(&store, &c, "ann").await,
        member(&store, &c, "ben").await,
        member(&store, &c, "cat").await,
    );
    let short = store.ensure_slot(c.id, t(0), 25).await.unwrap();
    let long = store.ensure_slot(c.id, t(0), 50).await.unwrap();
    store.ensure_slot(c.id, t(15), 25).await.unwrap();
    let at_start = store.slots_starting_at(c.id, t(0)).await.unwrap();
    assert_eq!(at_start, vec![short.clone(), long.clone()]);

    store
        .record_rematch_choice(short.id, ann.id, RematchChoice::KeepWaiting, t(2))
        .await
        .unwrap();
    store
        .record_rematch_choice(short.id, ann.id, RematchChoice::RematchNow, t(3))
        .await
        .unwrap();
    store
        .record_rematch_choice(long.id, ben.id, RematchChoice::KeepWaiting, t(2))
        .await
        .unwrap();
    let choices = store
        .rematch_choices_in(&[short.id, long.id])
        .await
        .unwrap();
    assert_eq!(choices.len(), 2);
    assert_eq!(choices[&ann.id], RematchChoice::RematchNow);
    assert_eq!(choices[&ben.id], RematchChoice::KeepWaiting);

    store.set_mixed_lengths(ben.id, false).await.unwrap();
    store.set_mixed_lengths(ben.id, false).await.unwrap();
    let mixed = store.mixed_lengths_of(&[ann.id, ben.id]).await.unwrap();
    assert_eq!((mixed[&ann.id], mixed[&ben.id]), (true, false));

    let pair = RematchGroup {
        slot: short.id,
        length_minutes: 25,
        members: vec![ann.id, cat.id],
    };
    let created = store.create_rematch_groups(t(0), &[pair]).await.unwrap();
    assert_eq!(created.len(), 1);
    assert_eq!(created[0].slot_id, short.id);
    // cat is seated at this start moment: a second group with cat is refused, ben stays free.
    let again = RematchGroup {
        slot: long.id,
        length_minutes: 50,
        members: vec![ben.id, cat.id],
    };
    assert!(store.create_rematch_groups(t(0), &[again]).await.is_err());
    let seated = store
        .rematched_members_in(&[short.id, long.id])
        .await
        .unwrap();
    assert_eq!(seated, [ann.id, cat.id].into_iter().collect());
    assert!(store.groups_for_slot(long.id).await.unwrap().is_empty());
}

// ---- matching choices (issue 11) ----------------------------------------------------------

async fn session_choices_round_trip(store: Store) {
    use focusfolk::core::session_choice::{Availability, MatchPreferences};
    let c = community(&store).await;
    assert_eq!(c.settings.session_modes, vec!["quiet", "talk", "moving"]);
    let [ann, bob] = [
        member(&store, &c, "ann").await,
        member(&store, &c, "bob").await,
    ];
    assert_eq!(
        store.match_preferences(ann.id).await.unwrap(),
        MatchPreferences::default()
    );
    let picky = MatchPreferences {
        availability: Availability::Friends,
        mix_modes: true,
    };
    store.set_match_preferences(ann.id, picky).await.unwrap();
    store.set_match_preferences(ann.id, picky).await.unwrap();
    assert_eq!(store.match_preferences(ann.id).await.unwrap(), picky);
    let of = store.match_preferences_of(&[ann.id, bob.id]).await.unwrap();
    assert_eq!(of.len(), 1, "bob kept the defaults: no row");
    assert_eq!(of[&ann.id], picky);

    let slot = store.ensure_slot(c.id, t(0), 25).await.unwrap();
    let later = store.ensure_slot(c.id, t(60), 25).await.unwrap();
    let ann_now = book(&store, &ann, &slot).await.unwrap();
    let bob_now = book(&store, &bob, &slot).await.unwrap();
    let ann_later = book(&store, &ann, &later).await.unwrap();
    store.set_booking_mode(ann_now.id, "talk").await.unwrap();
    store
        .set_booking_mode(ann_later.id, "moving")
        .await
        .unwrap();
    let modes = store
        .booking_modes(&[ann_now.id, bob_now.id, ann_later.id])
        .await
        .unwrap();
    assert_eq!(modes.len(), 2);
    assert_eq!(modes[&ann_now.id], "talk");
    let at_start = store
        .named_modes_starting_at(&[ann.id, bob.id], t(0))
        .await
        .unwrap();
    assert_eq!(at_start.len(), 1);
    assert_eq!(at_start[&ann.id], "talk");
    // The one read a /book's notes use: each active booking of the slot with its mode and its
    // member's choices, the defaults where nobody chose; the other slot's bookings are not in it.
    let carol = member(&store, &c, "carol").await;
    let carol_now = book(&store, &carol, &slot).await.unwrap();
    let fussy = MatchPreferences {
        availability: Availability::Everyone,
        mix_modes: true,
    };
    store.set_match_preferences(carol.id, fussy).await.unwrap();
    store
        .set_booking_mode(carol_now.id, "moving")
        .await
        .unwrap();
    let with_choices = store
        .active_bookings_with_choices_for_slot(slot.id)
        .await
        .unwrap();
    let seen: Vec<_> = with_choices
        .iter()
        .map(|entry| {
            (
                entry.booking.clone(),
                entry.named_mode.as_deref(),
                entry.preferences,
            )
        })
        .collect();
    assert_eq!(
        seen,
        vec![
            (ann_now.clone(), Some("talk"), picky),
            (bob_now.clone(), None, MatchPreferences::default()),
            (carol_now.clone(), Some("moving"), fussy),
        ]
    );
    store
        .cancel_booking(ann_now.id, CancelKind::OnTime)
        .await
        .unwrap();
    let after_cancel: Vec<_> = store
        .active_bookings_with_choices_for_slot(slot.id)
        .await
        .unwrap()
        .into_iter()
        .map(|entry| entry.booking.id)
        .collect();
    assert_eq!(
        after_cancel,
        vec![bob_now.id, carol_now.id],
        "a cancelled booking is not among the slot's"
    );
    assert!(
        store
            .named_modes_starting_at(&[ann.id], t(0))
            .await
            .unwrap()
            .is_empty(),
        "a cancelled booking's mode no longer counts"
    );

    let mut settings = c.settings.clone();
    settings.session_modes = vec!["deep".to_string(), "chat".to_string()];
    store
        .update_community_settings(c.id, &settings)
        .await
        .unwrap();
    assert_eq!(
        store.community(c.id).await.unwrap().settings.session_modes,
        vec!["deep", "chat"]
    );
}

// ---- PostgreSQL only ----------------------------------------------------------------------

/// The PostgreSQL pool skips sqlx's ping on every acquire (a round trip per statement; see
/// `postgres_pool_options`) but still checks a connection that sat idle: one the server closed
/// meanwhile (a restart, a failover, an idle timeout) is replaced, not handed to a command.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_postgres_connection_closed_while_idle_is_replaced_before_use() {
    on_postgres(|url| async move {
        let store = Store::connect_and_migrate(&url).await.expect("connect");
        store.ping().await.expect("first use");
        let mut admin = sqlx::PgConnection::connect(&url).await.expect("admin");
        let closed: i64 = sqlx::query_scalar(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity \
             WHERE datname = current_database() AND pid <> pg_backend_pid()",
        )
        .fetch_one(&mut admin)
        .await
        .expect("terminate the pool's connections");
        assert!(closed >= 1, "the pool had a connection open to close");
        admin.close().await.ok();
        tokio::time::sleep(std::time::Duration::from_millis(1_500)).await;
        store
            .ping()
            .await
            .expect("the closed connection was replaced, not used");
    })
    .await;
}
