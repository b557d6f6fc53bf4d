//! Things going wrong on the Discord side and ours: a 429 storm during the slot-start fan-out,
//! the gateway dropped mid-slot (resumed, or re-identified and rebuilt from GUILD_CREATE), and
//! the bot dying between prepare and announce, or right after an effect before recording it.

mod discord_common;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use discord_common::wait::eventually;
use discord_common::{at, spawn, Options, Resume};
use focusfolk::core::model::Platform;
use focusfolk::engine::{FaultInjector, FaultPoint};
use focusfolk::fast_forward::fast_forward_to;

const ANNOUNCE: &str = "It's time!";

/// Crashes the engine once, right after the platform performed an effect whose key starts
/// with `prefix` and before the database recorded it.
struct CrashAfterEffect {
    prefix: &'static str,
    fired: AtomicBool,
}

impl FaultInjector for CrashAfterEffect {
    fn should_crash(&self, point: &FaultPoint<'_>) -> bool {
        matches!(point, FaultPoint::AfterEffectBeforeRecord { key } if key.starts_with(self.prefix))
            && !self.fired.swap(true, Ordering::SeqCst)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_429_storm_during_the_fan_out_is_waited_out_without_losing_or_doubling_anything() {
    let app = spawn(Options::default()).await;
    let members: Vec<u64> = (0..12).map(|i| app.member(&format!("m{i}"))).collect();
    for member in &members {
        assert!(app.book(*member, "9:00", 25).await.contains("Booked"));
    }
    app.advance_to(at(8, 57)).await;
    // Route and global 429s while rooms are made and DM channels opened...
    app.fake.inject_429s(3, Duration::from_millis(250), false);
    app.fake.inject_429s(2, Duration::from_millis(300), true);
    app.advance_to(at(8, 59)).await;
    // ...and while the announcements go out.
    app.fake.inject_429s(2, Duration::from_millis(200), true);
    app.fake.inject_429s(3, Duration::from_millis(250), false);
    app.advance_to(at(9, 0)).await;

    let stats = app.fake.stats();
    assert_eq!(stats.injected_served, 10, "{stats:?}");
    assert_eq!(
        stats.violations, 0,
        "nothing was sent while Discord said wait: {stats:?}"
    );
    let mut rooms = std::collections::BTreeSet::new();
    for member in &members {
        assert_eq!(
            app.fake.dms_containing(*member, ANNOUNCE),
            1,
            "announced exactly once"
        );
        rooms.insert(app.room_of(*member));
    }
    assert_eq!(rooms.len(), 6, "six pair rooms, none doubled");
}

/// Discord (or a broken REST proxy) answering a 429 with numbers that are no wait at all — a
/// negative `retry_after`, `inf` and NaN in the headers — must not panic the bot: the DM
/// channels still open after the bookings, and the runner still announces the session.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nonsense_rate_limit_numbers_do_not_panic_the_bot() {
    let app = spawn(Options::default()).await;
    let ann = app.member("ann");
    let bob = app.member("bob");
    app.fake.inject_raw_429(
        serde_json::json!({"message": "You are being rate limited.", "retry_after": -1, "global": false}),
        &[
            ("x-ratelimit-reset-after", "inf"),
            ("x-ratelimit-remaining", "0"),
        ],
    );
    app.fake.inject_raw_429(
        serde_json::json!({"message": "You are being rate limited.", "global": false}),
        &[
            ("retry-after", "NaN"),
            ("x-ratelimit-reset-after", "-1"),
            ("x-ratelimit-remaining", "0"),
        ],
    );
    assert!(app.book(ann, "9:00", 25).await.contains("Booked"));
    assert!(app.book(bob, "9:00", 25).await.contains("Booked"));
    eventually("both DM channels opened despite the 429s", || async {
        (app.fake.has_dm_channel(ann) && app.fake.has_dm_channel(bob)).then_some(())
    })
    .await;
    assert_eq!(app.fake.stats().injected_served, 2);
    app.advance_to(at(9, 0)).await;
    for member in [ann, bob] {
        assert_eq!(app.fake.dms_containing(member, ANNOUNCE), 1, "announced");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_gateway_resumed_mid_slot_replays_who_joined_meanwhile() {
    let app = spawn(Options::default()).await;
    let (ann, ben) = (app.member("ann"), app.member("ben"));
    assert!(app.book(ann, "9:00", 25).await.contains("Booked"));
    assert!(app.book(ben, "9:00", 25).await.contains("Booked"));
    app.advance_to(at(9, 0)).await;
    let room = app.room_of(ann);
    app.join(ann, room).await;

    app.fake.drop_gateway(Resume::Allowed);
    app.fake.join_voice(app.guild, ben, room).unwrap();
    eventually("the bot to resume", || async {
        (app.fake.lock().gateway.resumes >= 1).then_some(())
    })
    .await;
    app.join(ben, room).await;
    assert_eq!(
        app.fake.lock().gateway.identifies,
        1,
        "resumed, not re-identified"
    );

    app.advance_to(at(9, 3)).await;
    for member in [ann, ben] {
        assert_eq!(app.fake.dms_containing(member, "re-paired"), 0);
        assert_eq!(app.fake.dms_containing(member, "We missed you"), 0);
    }
    app.advance_to(at(9, 30)).await;
    let stats = app.command(ben, "prefs", &[]).await;
    assert!(stats.contains("Sessions: 1"), "{stats}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_session_is_rebuilt_from_guild_create_voice_states() {
    let app = spawn(Options::default()).await;
    let (ann, ben) = (app.member("ann"), app.member("ben"));
    assert!(app.book(ann, "9:00", 25).await.contains("Booked"));
    assert!(app.book(ben, "9:00", 25).await.contains("Booked"));
    app.advance_to(at(9, 0)).await;
    let room = app.room_of(ann);
    app.join(ann, room).await;

    // The session is gone (close 4009): events in the gap are never replayed, so only the
    // voice states in the new GUILD_CREATE can tell that ann left and ben came.
    app.fake.drop_gateway(Resume::Refused);
    app.fake.leave_voice(app.guild, ann);
    app.fake.join_voice(app.guild, ben, room).unwrap();
    eventually("the bot to identify again", || async {
        (app.fake.lock().gateway.identifies >= 2).then_some(())
    })
    .await;
    app.fake.wait_connected(1).await;
    let room_ref = format!("{}/{room}", app.guild);
    eventually("presence rebuilt", || async {
        let present = focusfolk::engine::port::ChatPlatform::present_members(
            app.platform.as_ref(),
            &room_ref,
        )
        .await
        .unwrap();
        (present == vec![ben.to_string()]).then_some(())
    })
    .await;

    app.advance_to(at(9, 3)).await;
    assert_eq!(
        app.fake.dms_containing(ann, "We missed you"),
        1,
        "ann left before the check"
    );
    assert_eq!(
        app.fake.dms_containing(ben, "We missed you"),
        0,
        "ben is there"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restart_between_prepare_and_announce_reuses_the_rooms_and_announces_once() {
    let mut app = spawn(Options::default()).await;
    let members = app
        .members_booked(&["ann", "ben", "cat", "dan"], "9:00", 25)
        .await;
    // The engine dies right after Discord made the first room, before recording it.
    app.engine = app.engine.clone().with_faults(Arc::new(CrashAfterEffect {
        prefix: "room:",
        fired: AtomicBool::new(false),
    }));
    let crashed = fast_forward_to(&app.engine, &app.clock, at(8, 58)).await;
    assert!(crashed.is_err(), "the fault fired");
    app.restart("worker-1").await;
    app.advance_to(at(8, 59)).await;
    let rooms_before: Vec<u64> = members.iter().map(|m| app.room_of(*m)).collect();

    // Down again between prepare and announce; announce then crashes after one DM was sent.
    app.restart("worker-1").await;
    app.engine = app.engine.clone().with_faults(Arc::new(CrashAfterEffect {
        prefix: "dm:announce:",
        fired: AtomicBool::new(false),
    }));
    let crashed = fast_forward_to(&app.engine, &app.clock, at(9, 0)).await;
    assert!(crashed.is_err(), "the fault fired");
    app.restart("worker-1").await;
    app.advance_to(at(9, 1)).await;

    let voice_rooms = app
        .fake
        .channels(app.guild)
        .into_iter()
        .filter(|c| c.name.starts_with("focus-"))
        .count();
    assert_eq!(voice_rooms, 2, "no room was made twice");
    for (member, room) in members.iter().zip(&rooms_before) {
        assert_eq!(app.room_of(*member), *room, "the same room after restarts");
        assert_eq!(
            app.fake.dms_containing(*member, ANNOUNCE),
            1,
            "announced exactly once"
        );
    }
    assert_eq!(
        app.fake.lock().nonce_dedupes,
        1,
        "the retried DM was swallowed by its nonce"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_startup_sweep_deletes_rooms_of_sessions_that_are_over_and_nothing_else() {
    let mut app = spawn(Options::default()).await;
    let (ann, ben) = (app.member("ann"), app.member("ben"));
    assert!(app.book(ann, "9:00", 25).await.contains("Booked"));
    assert!(app.book(ben, "9:00", 25).await.contains("Booked"));
    app.advance_to(at(8, 59)).await;
    let room = app.fake.channel(app.room_of(ann)).unwrap();
    app.advance_to(at(10, 0)).await;
    assert!(app.fake.channel(room.id).is_none(), "closed normally");
    // The same room shows up again (a delete Discord lost, a restore): ours by name and
    // record, and its session is over. A channel that merely looks similar is left alone.
    let ghost = app.fake.add_channel(
        app.guild,
        discord_common::CHANNEL_VOICE,
        &room.name,
        Some(app.category),
    );
    let lookalike = app.fake.add_channel(
        app.guild,
        discord_common::CHANNEL_VOICE,
        "focus-g77 · not ours",
        Some(app.category),
    );
    app.restart("worker-1").await;
    assert!(app.fake.channel(ghost).is_none(), "the leftover was swept");
    assert!(
        app.fake.channel(lookalike).is_some(),
        "no record, not ours to delete"
    );

    // A week later the room's record is forgotten too: records must not pile up forever.
    let key = focusfolk::platform::discord::rooms::key_from_channel_name(&room.name).unwrap();
    let guild = app.guild.to_string();
    let record = || async {
        app.engine
            .store_for_tests()
            .platform_state(Platform::Discord, &guild, &key)
            .await
            .unwrap()
    };
    assert!(
        record().await.is_some(),
        "kept while it may still be needed"
    );
    app.clock.advance_to(at(10, 0) + chrono::Duration::days(8));
    app.restart("worker-1").await;
    let record = app
        .engine
        .store_for_tests()
        .platform_state(Platform::Discord, &app.guild.to_string(), &key)
        .await
        .unwrap();
    assert!(record.is_none(), "forgotten after a week");
}

/// The members of `members` that have no room (the pair whose channel Discord refused).
fn without_room(app: &discord_common::DiscordApp, members: &[u64]) -> Vec<u64> {
    members
        .iter()
        .copied()
        .filter(|member| app.rooms_of(*member).is_empty())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_room_refused_with_403_holds_up_only_its_own_pair_which_is_announced_once_fixed() {
    let app = spawn(Options::default()).await;
    let members = app
        .members_booked(&["ann", "ben", "cat", "dan"], "9:00", 25)
        .await;
    // Missing Permissions for ann's channel: temporary (an admin may fix it), retried alone.
    app.fake.refuse_rooms_with(members[0], Some((403, 50013)));
    app.advance_to(at(9, 0)).await;
    let waiting = without_room(&app, &members);
    assert_eq!(waiting.len(), 2, "only ann's pair has no room");
    for member in &members {
        let expected = usize::from(!waiting.contains(member));
        assert_eq!(app.fake.dms_containing(*member, ANNOUNCE), expected);
    }
    // The admin fixes the permissions; the retry opens the room and announces only that pair.
    app.fake.refuse_rooms_with(members[0], None);
    app.advance_to(at(9, 2)).await;
    for member in &members {
        app.room_of(*member);
        assert_eq!(
            app.fake.dms_containing(*member, ANNOUNCE),
            1,
            "announced exactly once"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_room_refused_for_good_tells_its_pair_to_meet_in_the_lobby_and_is_not_retried() {
    let app = spawn(Options::default()).await;
    let members = app
        .members_booked(&["ann", "ben", "cat", "dan"], "9:00", 25)
        .await;
    // 404 Unknown User (10013): permanent, recorded, never retried.
    app.fake.refuse_rooms_with(members[0], Some((404, 10013)));
    let reports = fast_forward_to(&app.engine, &app.clock, at(9, 10))
        .await
        .expect("jobs run");
    let poisoned = without_room(&app, &members);
    assert_eq!(poisoned.len(), 2);
    for member in &members {
        if poisoned.contains(member) {
            assert_eq!(app.fake.dms_containing(*member, ANNOUNCE), 0);
            assert_eq!(app.fake.dms_containing(*member, "couldn't be opened"), 1);
            assert_eq!(app.fake.dms_containing(*member, "We missed you"), 0);
        } else {
            assert_eq!(app.fake.dms_containing(*member, ANNOUNCE), 1);
        }
    }
    assert!(
        reports
            .iter()
            .all(|report| !report.outcome.to_string().starts_with("retry")),
        "{reports:?}"
    );
}

/// Discord's REST API answers 502 to every request for the minute of the clock around a
/// slot's start (T − 30 s to T + 30 s): the announcement fails, is retried, and goes out once
/// Discord is back. Every member is announced exactly once, nothing is doubled (reminders,
/// rooms, announcements), nobody is a no-show, and the weekly series books next week.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_minute_of_5xx_around_the_start_loses_nothing_doubles_nothing_and_makes_no_no_show() {
    let app = spawn(Options::default()).await;
    let members: Vec<u64> = (0..4).map(|i| app.member(&format!("o{i}"))).collect();
    for member in &members[1..] {
        assert!(app.book(*member, "9:00", 25).await.contains("Booked"));
    }
    // One member books a weekly series (through the engine: no DM channel opened ahead, so
    // the announcement has to open it after the outage).
    app.book_through_engine(members[0], "book 9:00 25m weekly")
        .await;
    let actor = |member: u64| {
        focusfolk::engine::Actor::new(
            Platform::Discord,
            &app.guild.to_string(),
            &member.to_string(),
            &format!("member{member}"),
        )
    };

    let t = at(9, 0);
    app.advance_to(t - chrono::Duration::seconds(30)).await;
    let rooms_before: std::collections::BTreeSet<u64> =
        members.iter().map(|member| app.room_of(*member)).collect();
    assert_eq!(rooms_before.len(), 2, "two pairs, rooms made before T");

    app.fake.set_outage(Some(502));
    app.advance_to(t + chrono::Duration::seconds(30)).await;
    let failed = app.fake.lock().outage_answers;
    assert!(failed > 0, "the outage was hit");
    let announced_during = members
        .iter()
        .filter(|member| app.fake.dms_containing(**member, ANNOUNCE) > 0)
        .count();
    assert_eq!(announced_during, 0, "nothing got through the outage");
    app.fake.set_outage(None);

    // Members join their room as soon as they are told it.
    app.advance_to(t + chrono::Duration::seconds(90)).await;
    for member in &members {
        if app.fake.dms_containing(*member, ANNOUNCE) == 1 {
            app.join(*member, app.room_of(*member)).await;
        }
    }
    let rooms_after: std::collections::BTreeSet<u64> =
        members.iter().map(|member| app.room_of(*member)).collect();
    app.advance_to(at(9, 30)).await;

    let mut announced = 0;
    let mut doubled = 0;
    let mut wrongly_no_show = 0;
    for member in &members {
        let announcements = app.fake.dms_containing(*member, ANNOUNCE);
        let reminders = app.fake.dms_containing(*member, "starts in");
        let check_ins = app.fake.dms_containing(*member, "Session done");
        if announcements == 1 {
            announced += 1;
        }
        if announcements > 1 || reminders > 1 || check_ins > 1 {
            doubled += 1;
        }
        let stats = app
            .engine
            .handle_text(&actor(*member), "prefs")
            .await
            .render_plain();
        if !stats.contains("No-shows: 0") {
            wrongly_no_show += 1;
        }
        assert!(stats.contains("Sessions: 1"), "{member}: {stats}");
    }
    println!(
        "outage: {failed} REST requests answered 502; announced {announced}/{}, doubled {doubled}, wrongly no-show {wrongly_no_show}",
        members.len()
    );
    assert_eq!(announced, members.len(), "every member announced once");
    assert_eq!(doubled, 0, "nothing doubled");
    assert_eq!(wrongly_no_show, 0, "nobody a no-show because of the outage");
    assert_eq!(rooms_after, rooms_before, "the same rooms, none made twice");
    assert_eq!(app.fake.stats().violations, 0);

    let sessions = app
        .engine
        .handle_text(&actor(members[0]), "sessions")
        .await
        .render_plain();
    assert!(
        sessions.contains("7 Dec") && sessions.contains("weekly"),
        "the weekly series goes on: {sessions}"
    );
}
