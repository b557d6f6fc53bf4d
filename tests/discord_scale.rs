//! Discord's structural limits and scale-out: a full category (50 channels) spills into an
//! overflow category with the same permissions; a guild near 500 channels tells its admins
//! once and lends standing pool channels; two instances split the shards and one of them runs
//! the jobs for a guild whose gateway the other holds.

mod discord_common;

use discord_common::wait::eventually;
use discord_common::{
    at, build_engine, config_for, perms, spawn, Options, CHANNEL_CATEGORY, CHANNEL_TEXT,
    CHANNEL_VOICE,
};
use focusfolk::engine::port::ChatPlatform;
use focusfolk::fast_forward::fast_forward_to;
use focusfolk::platform::discord::{BotOptions, DiscordBot};
use serde_json::Value;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_category_spills_into_an_overflow_category_with_the_same_permissions() {
    let app = spawn(Options::default()).await;
    let staff = app.fake.add_role(app.guild, "Staff", 0, 1);
    app.fake.add_channel_with(
        app.guild,
        CHANNEL_CATEGORY,
        "Quiet rooms",
        None,
        vec![(staff, 0, perms::VIEW_CHANNEL, 0)],
    );
    let base = app
        .fake
        .channels(app.guild)
        .into_iter()
        .find(|c| c.name == "Quiet rooms")
        .unwrap()
        .id;
    assert!(app
        .command(
            app.owner,
            "setup",
            &[("category", Value::from(base.to_string()))]
        )
        .await
        .contains("Setup saved"));
    for i in 0..49 {
        app.fake
            .add_channel(app.guild, CHANNEL_VOICE, &format!("study {i}"), Some(base));
    }
    let members: Vec<u64> = (0..6).map(|i| app.member(&format!("m{i}"))).collect();
    for member in &members {
        assert!(app.book(*member, "9:00", 25).await.contains("Booked"));
    }
    app.advance_to(at(8, 59)).await;

    let overflow = app
        .fake
        .channels(app.guild)
        .into_iter()
        .find(|c| c.name == "Quiet rooms (2)")
        .unwrap_or_else(|| {
            let names: Vec<(u64, String, Option<u64>)> = app
                .fake
                .channels(app.guild)
                .into_iter()
                .filter(|c| !c.name.starts_with("study"))
                .map(|c| (c.id, c.name, c.parent_id))
                .collect();
            panic!("an overflow category: {names:?}")
        });
    assert_eq!(overflow.kind, CHANNEL_CATEGORY);
    assert!(
        overflow
            .overwrites
            .iter()
            .any(|o| o.id == staff && o.allow == perms::VIEW_CHANNEL),
        "same permissions as the first"
    );
    let parents: Vec<Option<u64>> = members
        .iter()
        .map(|m| app.fake.channel(app.room_of(*m)).unwrap().parent_id)
        .collect();
    assert_eq!(
        parents.iter().filter(|p| **p == Some(base)).count(),
        2,
        "one pair filled the 50th place"
    );
    assert_eq!(
        parents.iter().filter(|p| **p == Some(overflow.id)).count(),
        4,
        "the other two spilled over"
    );
    let setup = app.command(app.owner, "setup", &[]).await;
    assert!(
        setup.contains(&format!("overflow <#{}>", overflow.id)),
        "{setup}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn near_500_channels_admins_are_told_once_and_pool_channels_are_lent_and_given_back() {
    let app = spawn(Options::default()).await;
    let pool = app
        .fake
        .add_channel(app.guild, CHANNEL_CATEGORY, "Pool", None);
    let pool_rooms: Vec<u64> = (0..2)
        .map(|i| {
            app.fake
                .add_channel(app.guild, CHANNEL_VOICE, &format!("Table {i}"), Some(pool))
        })
        .collect();
    assert!(app
        .command(
            app.owner,
            "setup",
            &[("pool", Value::from(pool.to_string()))]
        )
        .await
        .contains("Setup saved"));
    while app.fake.channels(app.guild).len() < 495 {
        app.fake
            .add_channel(app.guild, CHANNEL_TEXT, "archive", None);
    }
    let members: Vec<u64> = (0..4).map(|i| app.member(&format!("m{i}"))).collect();
    for member in &members {
        assert!(app.book(*member, "9:00", 25).await.contains("Booked"));
    }
    eventually("the bot to see every channel", || async {
        (app.platform.known_channel_count(app.guild) >= 495).then_some(())
    })
    .await;
    app.advance_to(at(9, 0)).await;

    let warnings = app.fake.channel_messages(app.moderators);
    assert_eq!(
        warnings.len(),
        1,
        "told once: {:?}",
        warnings.iter().map(|m| m.text()).collect::<Vec<_>>()
    );
    assert!(
        warnings[0].content.contains("of Discord's 500 channels"),
        "{}",
        warnings[0].content
    );
    for member in &members {
        let room = app.room_of(*member);
        assert!(pool_rooms.contains(&room), "a pool channel was lent");
        assert!(app
            .fake
            .dms(*member)
            .iter()
            .any(|m| m.text().contains(&format!("<#{room}>"))));
    }
    assert_eq!(
        app.fake.channels(app.guild).len(),
        495,
        "no channel was created"
    );
    app.advance_to(at(9, 40)).await;
    for room in &pool_rooms {
        let channel = app.fake.channel(*room).expect("pool channels stay");
        assert!(
            channel.overwrites.is_empty(),
            "given back as they were: {:?}",
            channel.overwrites
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_split_the_shards_and_presence_crosses_over_through_the_store() {
    // Instance A runs shard 0 of 2, which owns the guild; instance B runs shard 1 and the jobs.
    let app = spawn(Options {
        shards: (0, 1, 2),
        guild_timestamp: Some(4_000_000),
        ..Options::default()
    })
    .await;
    let (engine_b, platform_b) = build_engine(
        &app.fake,
        &app.database_url,
        app.clock.clone(),
        "worker-b",
        (1, 1, 2),
    )
    .await;
    let bot_b = DiscordBot::start(
        &config_for(&app.fake, (1, 1, 2)),
        platform_b.clone(),
        engine_b.clone(),
        BotOptions::default(),
    )
    .await
    .unwrap();
    app.fake.wait_connected(2).await;
    {
        let shared = app.fake.lock();
        let mut shards: Vec<(u64, u64)> = shared.gateway.sessions.iter().map(|s| s.shard).collect();
        shards.sort();
        assert_eq!(shards, [(0, 2), (1, 2)]);
    }
    assert!(app.platform.owns_guild(app.guild) && !platform_b.owns_guild(app.guild));

    let (ann, ben) = (app.member("ann"), app.member("ben"));
    assert!(app.book(ann, "9:00", 25).await.contains("Booked"));
    assert!(app.book(ben, "9:00", 25).await.contains("Booked"));
    // B runs every job: it never saw this guild's gateway events.
    fast_forward_to(&engine_b, &app.clock, at(9, 0))
        .await
        .unwrap();
    let room = app.room_of(ann);
    for member in [ann, ben] {
        app.join(member, room).await;
    }
    let room_ref = format!("{}/{room}", app.guild);
    eventually("B to see presence through the store", || async {
        let present = platform_b
            .present_members(&room_ref)
            .await
            .unwrap_or_default();
        (present.len() == 2).then_some(())
    })
    .await;
    fast_forward_to(&engine_b, &app.clock, at(9, 30))
        .await
        .unwrap();
    for member in [ann, ben] {
        assert_eq!(app.fake.dms_containing(member, "We missed you"), 0);
        assert_eq!(app.fake.dms_containing(member, "Session done"), 1);
    }
    bot_b.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_big_slot_is_announced_early_enough_that_the_last_dm_lands_by_t() {
    // 100 members at the bot's 47 requests/s need two seconds of DMs: announcing at T would
    // leave the last pairs waiting until T+2 s, so the announcement starts at T−2 s.
    let app = spawn(Options::default()).await;
    let members: Vec<u64> = (0..100).map(|i| app.member(&format!("m{i}"))).collect();
    for member in &members {
        app.book_through_engine(*member, "book 9:00 25m").await;
    }
    let two_seconds_before = at(9, 0) - chrono::Duration::seconds(2);
    app.advance_to(two_seconds_before - chrono::Duration::seconds(1))
        .await;
    let announced = |app: &discord_common::DiscordApp| {
        members
            .iter()
            .filter(|member| app.fake.dms_containing(**member, "It's time!") == 1)
            .count()
    };
    assert_eq!(announced(&app), 0, "not yet three seconds before T");
    app.advance_to(two_seconds_before).await;
    assert_eq!(announced(&app), 100, "everyone announced from T−2 s on");
    assert_eq!(app.fake.stats().violations, 0, "within Discord's limits");
}
