//! The homeserver goes away around a slot's start: a Synapse of the test's own (the shared ones
//! serve other tests) is stopped 30 s before the start and started again 60 s later, on the
//! same data and port. After recovery every member has exactly one announcement, nothing is
//! doubled, nobody is a no-show because of the outage, and the weekly series goes on — the
//! Matrix twin of `discord_resilience::a_minute_of_5xx_around_the_start_…`.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use focusfolk::core::model::{JobKind, JobStatus, Platform, SlotId};
use focusfolk::engine::Actor;

use crate::support::Community;
use crate::synapse::OwnSynapse;
use crate::{at, ANNOUNCE, CHECK_IN, REMINDER};

const OUTAGE: Duration = Duration::from_secs(60);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_minute_without_the_homeserver_around_the_start_loses_nothing_doubles_nothing_and_makes_no_no_show(
) {
    let own = OwnSynapse::start(&[]).await;
    let community = Community::start(own.synapse.clone(), &["ann", "ben", "cat", "dan"]).await;
    let bot = community.bot_id();
    let weekly = community
        .member("ann")
        .command(&community.room, "!focusfolk book 9:00 25m weekly")
        .await;
    assert!(weekly.contains("every week"), "{weekly}");
    for member in &community.members[1..] {
        let reply = member
            .command(&community.room, "!focusfolk book 9:00 25m")
            .await;
        assert!(reply.contains("Booked"), "{}: {reply}", member.name);
    }

    let t = at(9, 0);
    community
        .bot
        .advance_to(t - chrono::Duration::seconds(30))
        .await;
    let rooms_before: BTreeSet<String> = community
        .pair_rooms(1)
        .await
        .into_keys()
        .map(|room| room.to_string())
        .collect();
    assert_eq!(rooms_before.len(), 2, "two pairs, rooms made before T");

    // The homeserver goes away; the start passes (announce, roll-forward, retries).
    own.stop().await;
    let stopped = Instant::now();
    community
        .bot
        .advance_to(t + chrono::Duration::seconds(30))
        .await;
    let store = focusfolk::store::Store::connect(&community.home.database_url)
        .await
        .unwrap();
    let jobs = store.jobs_for_slot(SlotId(1)).await.unwrap();
    let (announce, status) = jobs
        .iter()
        .find(|(job, _)| job.kind == JobKind::Announce)
        .expect("the announce job");
    assert!(
        *status == JobStatus::Pending && announce.attempts >= 1,
        "the outage was hit: the announcement failed and waits for a retry ({announce:?}, {status:?})"
    );
    let attempts_during_outage = announce.attempts;
    tokio::time::sleep(OUTAGE.saturating_sub(stopped.elapsed())).await;
    own.restart().await;
    let outage = stopped.elapsed();

    // Members join their room as soon as they are told it.
    community
        .bot
        .advance_to(t + chrono::Duration::seconds(90))
        .await;
    let rooms = community.pair_rooms(1).await;
    for (room, names) in &rooms {
        for name in names {
            let member = community.member(name);
            member.wait_for_dm(&bot, ANNOUNCE).await;
            member.join(room).await;
        }
    }
    community.bot.advance_to(at(9, 30)).await;

    let (mut announced, mut doubled, mut wrongly_no_show) = (0, 0, 0);
    for member in &community.members {
        let announcements = member.dms_containing(&bot, ANNOUNCE).await;
        let reminders = member.dms_containing(&bot, REMINDER).await;
        let check_ins = member.dms_containing(&bot, CHECK_IN).await;
        if announcements == 1 {
            announced += 1;
        }
        if announcements > 1 || reminders > 1 || check_ins > 1 {
            doubled += 1;
        }
        assert_eq!(
            member.room_invites_from(&bot).len(),
            1,
            "{}: one pair room, none made twice",
            member.name
        );
        // Through the engine: the bot's sync may still be backing off after the outage.
        let actor = Actor::new(
            Platform::Matrix,
            community.room.as_str(),
            &member.user.user_id,
            &member.name,
        );
        let stats = community
            .bot
            .engine
            .handle_text(&actor, "prefs")
            .await
            .render_plain();
        if !stats.contains("No-shows: 0") {
            wrongly_no_show += 1;
        }
        assert!(stats.contains("Sessions: 1"), "{}: {stats}", member.name);
    }
    let rooms_after: BTreeSet<String> = rooms.into_keys().map(|room| room.to_string()).collect();
    println!(
        "Synapse outage of {:.0} s around the start ({attempts_during_outage} announce attempts failed during it): announced {announced}/{}, doubled {doubled}, wrongly no-show {wrongly_no_show}",
        outage.as_secs_f64(),
        community.members.len()
    );
    assert!(outage >= OUTAGE, "the homeserver was gone for {outage:?}");
    assert_eq!(
        announced,
        community.members.len(),
        "every member announced once"
    );
    assert_eq!(doubled, 0, "nothing doubled");
    assert_eq!(wrongly_no_show, 0, "nobody a no-show because of the outage");
    assert_eq!(rooms_after, rooms_before, "the same rooms");
    for room in &rooms_before {
        let room = matrix_sdk::ruma::OwnedRoomId::try_from(room.as_str()).unwrap();
        assert!(
            community.room_is_closed(&room).await,
            "{room} closed after the session"
        );
    }

    let ann = Actor::new(
        Platform::Matrix,
        community.room.as_str(),
        &community.member("ann").user.user_id,
        "ann",
    );
    let sessions = community
        .bot
        .engine
        .handle_text(&ann, "sessions")
        .await
        .render_plain();
    assert!(
        sessions.contains("7 Dec") && sessions.contains("weekly"),
        "the weekly series goes on: {sessions}"
    );
}
