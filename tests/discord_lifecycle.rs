//! Whole sessions on the fake Discord, members acting through slash commands, voice and DMs:
//! a pair and a trio from booking to closed rooms; a no-show and the rematch of the stranded;
//! a member whose DMs are closed, reached once through the lobby.

mod discord_common;

use discord_common::{at, perms, spawn, Options};

const REMINDER: &str = "starts in";
const ANNOUNCE: &str = "It's time!";
const CHECK_IN: &str = "Session done";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn five_members_make_a_pair_and_a_trio_from_slash_command_to_closed_room() {
    let app = spawn(Options::default()).await;
    let names = ["ann", "ben", "cat", "dan", "eve"];
    let members: Vec<u64> = names.iter().map(|name| app.member(name)).collect();
    for member in &members {
        let answer = app.book(*member, "9:00", 50).await;
        assert!(
            answer.contains("Booked") && answer.contains("<t:1796029200:F>"),
            "{answer}"
        );
    }

    app.advance_to(at(8, 50)).await;
    for member in &members {
        let dms = app.fake.dms(*member);
        assert_eq!(
            dms.iter().filter(|m| m.text().contains(REMINDER)).count(),
            1,
            "reminded once"
        );
        let reminder = dms.iter().find(|m| m.text().contains(REMINDER)).unwrap();
        assert!(
            reminder.components.to_string().contains("cf:cancel:"),
            "the reminder offers a cancel button"
        );
    }

    app.advance_to(at(8, 58)).await;
    let mut sizes: Vec<usize> = Vec::new();
    let mut rooms = std::collections::BTreeSet::new();
    for member in &members {
        rooms.insert(app.room_of(*member));
    }
    for room in &rooms {
        let channel = app.fake.channel(*room).unwrap();
        assert_eq!(
            channel.parent_id,
            Some(app.category),
            "rooms go in the configured category"
        );
        assert!(channel.name.starts_with("focus-g"), "{}", channel.name);
        let everyone = channel
            .overwrites
            .iter()
            .find(|o| o.id == app.guild)
            .expect("@everyone overwrite");
        assert_ne!(
            everyone.deny & perms::VIEW_CHANNEL,
            0,
            "strangers can't see the room"
        );
        sizes.push(
            channel
                .overwrites
                .iter()
                .filter(|o| o.kind == 1 && o.id != app.fake.bot_id())
                .count(),
        );
    }
    sizes.sort();
    assert_eq!(sizes, [2, 3], "a pair and a trio, made before T");
    // Overwrites were part of the create call: one create per room, no per-member edits.
    let creates = app
        .fake
        .lock()
        .request_log
        .iter()
        .filter(|(m, r, _)| m == "POST" && r == "POST /guilds/{}/channels")
        .count();
    assert_eq!(creates, 2);
    let patches = app
        .fake
        .lock()
        .request_log
        .iter()
        .filter(|(m, _, _)| m == "PATCH" || m == "PUT")
        .filter(|(_, r, _)| r.starts_with("PATCH /channels") || r.contains("permissions"))
        .count();
    assert_eq!(patches, 0);

    // Someone else can't get in.
    let stranger = app.member("zed");
    let any_room = *rooms.iter().next().unwrap();
    assert!(
        app.fake.join_voice(app.guild, stranger, any_room).is_err(),
        "overwrites keep strangers out"
    );

    app.advance_to(at(9, 0)).await;
    for member in &members {
        let announce: Vec<String> = app
            .dm_texts(*member)
            .into_iter()
            .filter(|t| t.contains(ANNOUNCE))
            .collect();
        assert_eq!(announce.len(), 1, "announced once: {announce:?}");
        let room = app.room_of(*member);
        assert!(
            announce[0].contains(&format!("<#{room}>")),
            "names the room: {}",
            announce[0]
        );
        assert!(
            announce[0].contains("<@"),
            "mentions the partner: {}",
            announce[0]
        );
        assert!(
            !announce[0].contains(&format!("<@{member}>")),
            "not themselves: {}",
            announce[0]
        );
        // The card: "It's time!" in the start colour, one button, a link to this member's room.
        let card = app
            .fake
            .dms(*member)
            .into_iter()
            .find(|m| m.text().contains(ANNOUNCE))
            .unwrap();
        assert_eq!(card.embeds[0]["color"], 0x5865F2, "{:?}", card.embeds);
        let buttons = &card.components[0]["components"];
        assert_eq!(buttons.as_array().map(Vec::len), Some(1), "{buttons}");
        assert_eq!(buttons[0]["label"], "Join the room");
        assert_eq!(
            buttons[0]["url"],
            format!("https://discord.com/channels/{}/{room}", app.guild),
            "the Join button opens the member's own room"
        );
    }
    assert_eq!(app.fake.join_link_problems(), Vec::<String>::new());
    assert_eq!(app.fake.invalid_bodies(), Vec::<String>::new());
    for member in &members {
        app.join(*member, app.room_of(*member)).await;
    }

    app.advance_to(at(10, 0)).await;
    for member in &members {
        let texts = app.dm_texts(*member);
        assert_eq!(
            texts.iter().filter(|t| t.contains(CHECK_IN)).count(),
            1,
            "checked in once"
        );
        assert!(texts.iter().all(|t| !t.contains("missed you")));
        let check_in = app
            .fake
            .dms(*member)
            .into_iter()
            .find(|m| m.text().contains(CHECK_IN))
            .unwrap();
        // The check-in's actions are buttons (issue 11): how it went, one set per partner,
        // and the same time next week; user ids stay inside the custom ids.
        let buttons = check_in.components.to_string();
        assert!(
            buttons.contains("Mark it done")
                && buttons.contains(" as a friend")
                && buttons.contains("Book the same time next week")
                && buttons.contains(&format!("cf:ci:{}:", app.guild)),
            "the check-in's buttons: {buttons}"
        );
        assert!(!check_in.text().contains("cf:ci"), "{}", check_in.text());
    }
    for room in &rooms {
        assert!(
            app.fake.channel(*room).is_none(),
            "room {room} deleted after the session"
        );
    }
    let stats = app.command(members[0], "prefs", &[]).await;
    assert!(
        stats.contains("Sessions: 1") && stats.contains("No-shows: 0"),
        "{stats}"
    );
    assert_eq!(app.fake.stats().violations, 0);
    let opens = app.fake.lock().dm_opens.clone();
    assert!(
        members.iter().all(|m| opens.get(m) == Some(&1)),
        "each DM channel opened once: {opens:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_no_show_is_spotted_from_voice_and_the_stranded_are_re_paired() {
    let app = spawn(Options::default()).await;
    let members = app
        .members_booked(&["ann", "ben", "cat", "dan"], "9:00", 25)
        .await;
    app.advance_to(at(9, 0)).await;
    // One member of each pair shows up; the other doesn't.
    let mut stranded = Vec::new();
    let mut no_shows = Vec::new();
    for member in &members {
        let room = app.room_of(*member);
        if stranded.iter().any(|(_, r)| *r == room) {
            no_shows.push(*member);
        } else {
            stranded.push((*member, room));
        }
    }
    for (member, room) in &stranded {
        app.join(*member, *room).await;
    }
    // One of them leaves and comes back: only the state at the check counts.
    app.leave(stranded[0].0, stranded[0].1).await;
    app.join(stranded[0].0, stranded[0].1).await;

    app.advance_to(at(9, 3)).await;
    for (member, _) in &stranded {
        assert_eq!(
            app.fake.dms_containing(*member, "re-paired you"),
            1,
            "rematched once"
        );
    }
    let rematch_room = app
        .rooms_of(stranded[0].0)
        .into_iter()
        .find(|room| *room != stranded[0].1)
        .expect("a rematch room");
    assert!(
        app.rooms_of(stranded[1].0).contains(&rematch_room),
        "the stranded share the new room"
    );
    for member in &no_shows {
        assert_eq!(app.fake.dms_containing(*member, "We missed you"), 1);
        let stats = app.command(*member, "prefs", &[]).await;
        assert!(stats.contains("No-shows: 1"), "{stats}");
    }
    app.advance_to(at(9, 40)).await;
    assert!(
        app.rooms_of(stranded[0].0).is_empty(),
        "original and rematch rooms closed"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn closed_dms_get_the_room_through_one_lobby_mention_and_nothing_private_leaks() {
    let app = spawn(Options::default()).await;
    let ann = app.member("ann");
    let ben = app.member("ben");
    app.fake.set_dms_open(ben, false);
    assert!(app.book(ann, "9:00", 25).await.contains("Booked"));
    assert!(app.book(ben, "9:00", 25).await.contains("Booked"));
    app.advance_to(at(9, 0)).await;

    let lobby = app.fake.channel_messages(app.lobby);
    assert_eq!(app.fake.invalid_bodies(), Vec::<String>::new());
    assert_eq!(
        lobby.len(),
        1,
        "one lobby post: {:?}",
        lobby.iter().map(|m| m.text()).collect::<Vec<_>>()
    );
    assert!(
        lobby[0].text().starts_with(&format!("<@{ben}>")),
        "{}",
        lobby[0].text()
    );
    let room = app.room_of(ben);
    assert!(
        lobby[0].text().contains(&format!("<#{room}>")),
        "{}",
        lobby[0].text()
    );
    assert!(app.fake.dms(ben).is_empty());

    // Ben comes; ann doesn't. The reminder and "we missed you" never go public.
    app.join(ben, room).await;
    app.advance_to(at(9, 40)).await;
    let lobby = app.fake.channel_messages(app.lobby);
    assert_eq!(
        lobby.len(),
        1,
        "still one: {:?}",
        lobby.iter().map(|m| m.text()).collect::<Vec<_>>()
    );
    let stats = app.command(ben, "prefs", &[]).await;
    assert!(stats.contains("Sessions: 1"), "ben attended: {stats}");
}

/// Issue 11: "during a session, the pair voice channel's own text chat also works". Many
/// servers take Send Messages away from @everyone (members earn it through a role), so the
/// room's overwrites grant it (and the history) to the pair themselves, and to nobody else.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_pair_can_write_in_their_voice_channels_text_chat_even_where_everyone_may_not() {
    let app = spawn(Options::default()).await;
    let read_only_everyone =
        perms::VIEW_CHANNEL | perms::READ_MESSAGE_HISTORY | perms::CONNECT | perms::SPEAK;
    app.fake
        .set_role_permissions(app.guild, app.guild, read_only_everyone);
    let (ann, ben, stranger) = (app.member("ann"), app.member("ben"), app.member("zed"));
    for member in [ann, ben] {
        let answer = app.book(member, "9:00", 25).await;
        assert!(answer.contains("Booked"), "{answer}");
    }
    app.advance_to(at(9, 0)).await;
    let room = app.room_of(ann);
    assert_eq!(app.room_of(ben), room, "ann and ben share the room");

    app.fake
        .member_posts(app.guild, ann, room, "hi ben, my goal: the chapter draft")
        .expect("ann may write in her pair room's chat");
    app.fake
        .member_posts(app.guild, ben, room, "hi ann, mine: taxes")
        .expect("ben may write in it too");
    let seen_by_ben = app
        .fake
        .member_reads(app.guild, ben, room)
        .expect("ben reads it");
    assert!(
        seen_by_ben.iter().any(|m| m.contains("the chapter draft")),
        "ben reads what ann wrote: {seen_by_ben:?}"
    );
    let seen_by_ann = app
        .fake
        .member_reads(app.guild, ann, room)
        .expect("ann reads it");
    assert!(
        seen_by_ann.iter().any(|m| m.contains("taxes")),
        "{seen_by_ann:?}"
    );

    assert!(
        app.fake.member_reads(app.guild, stranger, room).is_err(),
        "someone outside the pair can't read the pair's chat"
    );
    assert!(
        app.fake
            .member_posts(app.guild, stranger, room, "hello?")
            .is_err(),
        "nor write in it"
    );
    // The fake checks the same rule outside the room: the server really is read-only.
    assert!(
        app.fake
            .member_posts(app.guild, ann, app.general, "hello all")
            .is_err(),
        "members can't write in #general on this server"
    );
}
