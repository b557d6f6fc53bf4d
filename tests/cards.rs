//! What a member sees, message kind by message kind, on each platform. A real morning runs
//! through the engine on the shell platform (a booking, the reminder, "it's time", the
//! check-in, the lists and settings, a refusal); each message the engine built is then rendered
//! by the shell, Matrix and Discord renderers and compared with expectations written by hand.
//! Rooms and members are given each platform's own ids first (a Discord channel, a Matrix room
//! and user), so pills, channel mentions and the Join button can be checked too.

mod common;

use common::{at, spawn_app, TestApp, COMMUNITY};
use focusfolk::core::message::{MessagePart, OutgoingMessage};
use focusfolk::core::model::Platform;
use focusfolk::engine::Actor;
use focusfolk::platform::shell::render_for_shell;

/// Every message a member saw in the morning, in order of kind.
struct Morning {
    time_zone_saved: OutgoingMessage,
    booked: OutgoingMessage,
    sessions: OutgoingMessage,
    slots: OutgoingMessage,
    prefs: OutgoingMessage,
    refusal: OutgoingMessage,
    help: OutgoingMessage,
    no_sessions: OutgoingMessage,
    cancelled: OutgoingMessage,
    reminder: OutgoingMessage,
    announce: OutgoingMessage,
    check_in: OutgoingMessage,
    /// The shell room ann and ben were given.
    room: String,
}

async fn command(app: &TestApp, member: &str, text: &str) -> OutgoingMessage {
    let actor = Actor::new(Platform::Shell, COMMUNITY, member, member);
    app.engine.handle_text(&actor, text).await.message
}

/// Ann lives in Paris, Ben in UTC; they book the same session at 09:00 UTC and both come.
async fn morning() -> Morning {
    let app = spawn_app().await;
    let time_zone_saved = command(&app, "ann", "timezone Europe/Paris").await;
    let booked = command(&app, "ann", "book 10:00 25m").await;
    command(&app, "ben", "book 9:00 25m").await;
    let sessions = command(&app, "ann", "sessions").await;
    let slots = command(&app, "ben", "slots").await;
    let prefs = command(&app, "ben", "prefs").await;
    let refusal = command(&app, "ben", "cancel 99").await;
    let help = command(&app, "cat", "help").await;
    let no_sessions = command(&app, "cat", "sessions").await;
    command(&app, "cat", "book 12:00 50m").await;
    let cancelled = command(&app, "cat", "cancel").await;
    let friend = command(&app, "ann", "friend ben").await;
    let block = command(&app, "cat", "block dan").await;
    assert_eq!(
        render_for_shell(&friend),
        "Friend request sent\nYou asked ben. You'll be friends once they accept; `friends` shows where it stands."
    );
    assert_eq!(
        render_for_shell(&block),
        "I don't know anyone called \"dan\" here yet — they need to have used focusfolk once."
    );
    command(&app, "dan", "help").await;
    let block = command(&app, "cat", "block dan").await;
    assert_eq!(
        render_for_shell(&block),
        "Blocked\nBlocked dan — you'll never be paired together."
    );
    let weekly = command(&app, "dan", "book tomorrow 9:00 50m weekly").await;
    assert_eq!(
        render_for_shell(&weekly),
        "Booked #4\nI'll remind you 10 min before and pair you when it starts.\n👤 Nobody else has booked that time yet, so for now you'd have no partner. If someone books it, I'll pair you.\nWhen: Tue 1 Dec 09:00 UTC\nLength: 50 min, every week"
    );
    let series = command(&app, "dan", "cancel 4 series").await;
    assert_eq!(
        render_for_shell(&series),
        "Weekly series ended\nNo more weekly sessions will be booked at this time.\n  • Cancelled #4: Tue 1 Dec 09:00 UTC\nWas every week at: Tue 1 Dec 09:00 UTC"
    );

    app.advance_to(at(8, 50)).await;
    app.advance_to(at(9, 0)).await;
    let room = app.platform.open_room_of("ann").expect("ann's room");
    app.join(&["ann", "ben"]);
    app.advance_to(at(9, 25)).await;
    let dms = app.platform.messages_to("ann");
    assert_eq!(dms.len(), 3, "reminder, announce, check-in: {dms:#?}");
    Morning {
        time_zone_saved,
        booked,
        sessions,
        slots,
        prefs,
        refusal,
        help,
        no_sessions,
        cancelled,
        reminder: dms[0].clone(),
        announce: dms[1].clone(),
        check_in: dms[2].clone(),
        room,
    }
}

/// The message as another platform's engine would have built it: rooms and users carry that
/// platform's ids.
fn with_ids(
    message: &OutgoingMessage,
    room: impl Fn(&str) -> String,
    user: impl Fn(&str) -> String,
) -> OutgoingMessage {
    let map = |parts: &[MessagePart]| -> Vec<MessagePart> {
        parts
            .iter()
            .map(|part| match part {
                MessagePart::Room { room: id, title } => MessagePart::Room {
                    room: room(id),
                    title: title.clone(),
                },
                MessagePart::Mention {
                    platform_user_id,
                    display_name,
                } => MessagePart::Mention {
                    platform_user_id: user(platform_user_id),
                    display_name: display_name.clone(),
                },
                other => other.clone(),
            })
            .collect()
    };
    let mut out = message.clone();
    out.parts = map(&message.parts);
    for field in &mut out.fields {
        field.value = map(&field.value);
    }
    for item in &mut out.items {
        *item = map(item);
    }
    if let Some(join) = &mut out.join {
        join.room = room(&join.room);
    }
    out
}

#[tokio::test]
async fn the_shell_shows_each_card_as_clean_lines_with_the_command_to_type() {
    let m = morning().await;
    let expect = |message: &OutgoingMessage, expected: &str| {
        assert_eq!(render_for_shell(message), expected, "{message:#?}");
    };
    expect(
        &m.time_zone_saved,
        "Time zone saved\nTime zone set to Europe/Paris. It's now Mon 30 Nov 09:00 CET for you.",
    );
    expect(
        &m.booked,
        "Booked #1\nI'll remind you 10 min before and pair you when it starts.\n👤 Nobody else has booked that time yet, so for now you'd have no partner. If someone books it, I'll pair you.\nWhen: Mon 30 Nov 10:00 CET\nLength: 25 min",
    );
    expect(
        &m.sessions,
        "Your upcoming sessions\nTo cancel one, say `cancel <number>`.\n  • #1 Mon 30 Nov 10:00 CET · 25 min",
    );
    expect(
        &m.slots,
        "Open times on Mon 30 Nov (UTC)\nAny quarter hour can be booked, 25/50/75 min long. Already booked (you'd have company):\n  • Mon 30 Nov 09:00 UTC · 25 min · 2 booked",
    );
    expect(
        &m.prefs,
        "Your preferences and stats\nReminders: on\nTime zone: UTC\nMixed lengths: on\nSessions: 0\nNo-shows: 0\nLate cancels: 0\nReliability: 100% (no sessions yet)\nMatched with: everyone\nQuiet with talk: never\nReliability is the sessions you came to on time out of your last 20 booked: no-shows and late cancels count against it, the bot's own downtime never does.",
    );
    expect(
        &m.refusal,
        "There is no booking #99. `sessions` lists yours.",
    );
    assert!(
        render_for_shell(&m.help).starts_with("How focusfolk works\n"),
        "{}",
        render_for_shell(&m.help)
    );
    expect(
        &m.no_sessions,
        "No upcoming sessions\nBook one with `book next` or `book tomorrow 9:00 50m`.",
    );
    expect(
        &m.cancelled,
        "Cancelled #3\nWas at: Mon 30 Nov 12:00 UTC\n→ Book another session: `book next`",
    );
    expect(
        &m.reminder,
        "Your focus session starts in 10 min\nI'll tell you your partner and room when it starts.\nWhen: Mon 30 Nov 10:00 CET\nLength: 25 min\nYour first session: what to expect: The room link comes at the start time, with your partner's name. Join, say hi, and say your goal for the session in a sentence; then work quietly side by side. Cameras are optional, so is talking. At the end, tell each other how it went.\n→ Cancel this session: `cancel 1`",
    );
    expect(
        &m.announce,
        "It's time! Join your room\nWith: @ben\nRoom: #Focus 09:00–09:25 UTC · ann & ben\nUntil: Mon 30 Nov 10:25 CET (25 min)\n→ Join the room: type `/join`",
    );
    expect(
        &m.check_in,
        "Session done. Nice work!\n25 minutes of focus. How did it go? Liked working with your partner? Friends are paired together first; a block or a report is never told to them.\n→ Mark it done: `checkin 1 done`\n→ Mark it partly done: `checkin 1 partly`\n→ Say your partner was absent: `checkin 1 absent`\n→ Add ben as a friend: `friend @ben`\n→ Favourite ben: `favourite @ben`\n→ Block ben: `block @ben`\n→ Report ben: `report @ben <what happened>`\n→ Book the same time next week: `book 2026-12-07 10:00 25m`",
    );
}

#[cfg(feature = "matrix")]
#[tokio::test]
async fn matrix_shows_a_bold_first_line_pills_room_links_lists_and_replies() {
    use focusfolk::platform::matrix::render::{render, CommandStyle};
    let m = morning().await;
    let on_matrix = |message: &OutgoingMessage| {
        let message = with_ids(
            message,
            |_| "!pair:example.org".to_string(),
            |user| format!("@{user}:example.org"),
        );
        render(&message, "example.org", CommandStyle::Bare)
    };

    let announce = on_matrix(&m.announce);
    assert_eq!(
        announce.body,
        "It's time! Join your room\nWith: ben\nRoom: Focus 09:00–09:25 UTC · ann & ben (https://matrix.to/#/!pair:example.org?via=example.org)\nUntil: Mon 30 Nov 10:25 CET (25 min)\n→ Join the room: https://matrix.to/#/!pair:example.org?via=example.org"
    );
    assert_eq!(
        announce.html,
        "<strong>It&#39;s time! Join your room</strong>\
         <br>With: <a href=\"https://matrix.to/#/@ben:example.org\">ben</a>\
         <br>Room: <a href=\"https://matrix.to/#/!pair:example.org?via=example.org\">Focus 09:00–09:25 UTC · ann &amp; ben</a>\
         <br>Until: Mon 30 Nov 10:25 CET (25 min)\
         <br>→ <a href=\"https://matrix.to/#/!pair:example.org?via=example.org\">Join the room</a> (Focus 09:00–09:25 UTC · ann &amp; ben)"
    );

    let reminder = on_matrix(&m.reminder);
    assert_eq!(
        reminder.html,
        "<strong>Your focus session starts in 10 min</strong>\
         <br>I&#39;ll tell you your partner and room when it starts.\
         <br>When: Mon 30 Nov 10:00 CET<br>Length: 25 min\
         <br>Your first session: what to expect: The room link comes at the start time, with your partner&#39;s name. Join, say hi, and say your goal for the session in a sentence; then work quietly side by side. Cameras are optional, so is talking. At the end, tell each other how it went.\
         <br>→ Reply <code>cancel 1</code> to cancel this session."
    );
    assert!(reminder
        .body
        .ends_with("\n→ Reply `cancel 1` to cancel this session."));

    let sessions = on_matrix(&m.sessions);
    assert_eq!(
        sessions.html,
        "<strong>Your upcoming sessions</strong>\
         <br>To cancel one, say <code>cancel &lt;number&gt;</code>.\
         <ul><li>#1 Mon 30 Nov 10:00 CET · 25 min</li></ul>"
    );
    let slots = on_matrix(&m.slots);
    assert!(
        slots
            .html
            .ends_with("<ul><li>Mon 30 Nov 09:00 UTC · 25 min · 2 booked</li></ul>"),
        "{}",
        slots.html
    );

    let check_in = on_matrix(&m.check_in);
    assert_eq!(
        check_in.body,
        "Session done. Nice work!\n25 minutes of focus. How did it go? Liked working with your partner? Friends are paired together first; a block or a report is never told to them.\n→ Reply `checkin 1 done` to mark it done.\n→ Reply `checkin 1 partly` to mark it partly done.\n→ Reply `checkin 1 absent` to say your partner was absent.\n→ Reply `friend @ben` to add ben as a friend.\n→ Reply `favourite @ben` to favourite ben.\n→ Reply `block @ben` to block ben.\n→ Reply `report @ben <what happened>` to report ben.\n→ Reply `book 2026-12-07 10:00 25m` to book the same time next week."
    );

    assert_eq!(
        on_matrix(&m.prefs).html,
        "<strong>Your preferences and stats</strong><br>Reminders: on<br>Time zone: UTC<br>Mixed lengths: on\
         <br>Sessions: 0<br>No-shows: 0<br>Late cancels: 0<br>Reliability: 100% (no sessions yet)\
         <br>Matched with: everyone<br>Quiet with talk: never\
         <br><em>Reliability is the sessions you came to on time out of your last 20 booked: no-shows and late cancels count against it, the bot&#39;s own downtime never does.</em>"
    );
    assert_eq!(
        on_matrix(&m.booked).html,
        "<strong>Booked #1</strong><br>I&#39;ll remind you 10 min before and pair you when it starts.\
         <br>👤 Nobody else has booked that time yet, so for now you&#39;d have no partner. If someone books it, I&#39;ll pair you.\
         <br>When: Mon 30 Nov 10:00 CET<br>Length: 25 min"
    );

    // A message without card structure reads as it always did.
    let refusal = on_matrix(&m.refusal);
    assert_eq!(
        refusal.html,
        "There is no booking #99. <code>sessions</code> lists yours."
    );
}

#[cfg(feature = "matrix")]
#[test]
fn matrix_escapes_every_name_a_member_chose() {
    use focusfolk::platform::matrix::render::{render, CommandStyle};
    let message = OutgoingMessage::new()
        .titled("New friend")
        .name("<img src=x onerror=alert(1)> `b`")
        .text(" is now your friend.")
        .field(
            "With",
            OutgoingMessage::new().mention("@evil:example.org", "<script>\"&'"),
        )
        .join_room("!r:example.org", "Focus · <b>ann</b>");
    let rendered = render(&message, "example.org", CommandStyle::Bare);
    assert!(!rendered.html.contains("<img") && !rendered.html.contains("<script"));
    assert!(!rendered.html.contains("<b>ann"));
    assert!(rendered
        .html
        .contains("&lt;img src=x onerror=alert(1)&gt; `b` is now your friend."));
    assert!(rendered.html.contains(
        "<a href=\"https://matrix.to/#/@evil:example.org\">&lt;script&gt;&quot;&amp;&#39;</a>"
    ));
    assert!(rendered.html.contains("(Focus · &lt;b&gt;ann&lt;/b&gt;)"));
}

#[cfg(feature = "discord")]
#[tokio::test]
async fn discord_shows_each_card_as_an_embed_with_one_button() {
    use focusfolk::platform::discord::card::{build, ButtonTarget};
    use serde_json::json;
    let m = morning().await;
    const GUILD: u64 = 700;
    let on_discord = |message: &OutgoingMessage| {
        let message = with_ids(
            message,
            |_| format!("{GUILD}/900"),
            |user| match user {
                "ann" => "101".to_string(),
                "ben" => "102".to_string(),
                other => other.to_string(),
            },
        );
        build(&message, Some(GUILD))
    };

    // 10:25 CET is 09:25 UTC: 1796030700.
    let announce = on_discord(&m.announce);
    assert_eq!(announce.content, "");
    assert_eq!(
        announce.embed.as_ref().unwrap().to_json(),
        json!({
            "title": "It's time! Join your room",
            "color": 0x5865F2,
            "fields": [
                {"name": "With", "value": "<@102>", "inline": true},
                {"name": "Room", "value": "<#900>", "inline": true},
                {"name": "Until", "value": "<t:1796030700:F> (<t:1796030700:R>) (25 min)", "inline": false},
            ],
        })
    );
    assert_eq!(announce.buttons.len(), 1, "one thing to do");
    assert_eq!(announce.buttons[0].label, "Join the room");
    assert_eq!(
        announce.buttons[0].target,
        ButtonTarget::Link(format!("https://discord.com/channels/{GUILD}/900"))
    );

    // 10:00 CET is 09:00 UTC: 1796029200.
    let reminder = on_discord(&m.reminder);
    assert_eq!(
        reminder.embed.as_ref().unwrap().to_json(),
        json!({
            "title": "Your focus session starts in 10 min",
            "description": "I'll tell you your partner and room when it starts.",
            "color": 0xE8A33D,
            "fields": [
                {"name": "When", "value": "<t:1796029200:F> (<t:1796029200:R>)", "inline": true},
                {"name": "Length", "value": "25 min", "inline": true},
                {"name": "Your first session: what to expect", "value": "The room link comes at the start time, with your partner's name. Join, say hi, and say your goal for the session in a sentence; then work quietly side by side. Cameras are optional, so is talking. At the end, tell each other how it went.", "inline": false},
            ],
        })
    );
    assert_eq!(
        reminder.components_json(),
        json!([{"type": 1, "components": [
            {"type": 2, "style": 4, "label": "Cancel this session", "custom_id": format!("cf:cancel:{GUILD}:1")},
        ]}])
    );

    let booked = on_discord(&m.booked);
    assert_eq!(
        booked.embed.as_ref().unwrap().to_json(),
        json!({
            "title": "Booked #1",
            "description": "I'll remind you 10 min before and pair you when it starts.\n👤 Nobody else has booked that time yet, so for now you'd have no partner. If someone books it, I'll pair you.",
            "color": 0x2D9D78,
            "fields": [
                {"name": "When", "value": "<t:1796029200:F> (<t:1796029200:R>)", "inline": true},
                {"name": "Length", "value": "25 min", "inline": true},
            ],
        })
    );
    assert!(booked.buttons.is_empty());

    let sessions = on_discord(&m.sessions);
    assert_eq!(
        sessions.embed.as_ref().unwrap().description.as_deref(),
        Some("To cancel one, say `/cancel <number>`.\n• #1 <t:1796029200:F> (<t:1796029200:R>) · 25 min")
    );

    let prefs = on_discord(&m.prefs).embed.unwrap();
    assert_eq!(prefs.fields.len(), 9);
    assert!(prefs.fields.iter().all(|field| field.inline));
    assert_eq!(
        prefs.footer.as_deref(),
        Some("Reliability is the sessions you came to on time out of your last 20 booked: no-shows and late cancels count against it, the bot's own downtime never does.")
    );

    let check_in = on_discord(&m.check_in);
    assert_eq!(
        check_in.embed.as_ref().unwrap().description.as_deref(),
        Some("25 minutes of focus. How did it go? Liked working with your partner? Friends are paired together first; a block or a report is never told to them.")
    );
    assert_eq!(check_in.embed.as_ref().unwrap().colour, 0x2D9D78);
    let labels: Vec<&str> = check_in.buttons.iter().map(|b| b.label.as_str()).collect();
    assert_eq!(
        labels,
        [
            "Mark it done",
            "Mark it partly done",
            "Say your partner was absent",
            "Add ben as a friend",
            "Favourite ben",
            "Block ben",
            "Report ben",
            "Book the same time next week"
        ]
    );

    // A refusal is a red card with just its words.
    let refusal = focusfolk::engine::Reply::refused(m.refusal.clone()).message;
    let refusal = on_discord(&refusal).embed.unwrap();
    assert_eq!(refusal.colour, 0xD83C3E);
    assert_eq!(refusal.title, None);
    assert_eq!(
        refusal.description.as_deref(),
        Some("There is no booking #99. `/sessions` lists yours.")
    );
    let _ = &m.room;
}

/// A no-show: the stranded partners get a new partner and room, the absent a "we missed you".
#[tokio::test]
async fn the_rematch_and_we_missed_you_cards_on_every_platform() {
    let app = spawn_app().await;
    for member in ["ann", "ben", "cat", "dan"] {
        command(&app, member, "book 9:00 25m").await;
    }
    app.advance_to(at(9, 0)).await;
    let pairs = app.room_memberships();
    let (absent, stranded) = (
        [pairs[0][0].clone(), pairs[1][0].clone()],
        [pairs[0][1].clone(), pairs[1][1].clone()],
    );
    app.join(&[stranded[0].as_str(), stranded[1].as_str()]);
    app.advance_to(at(9, 3)).await;

    let rematch = app.platform.messages_to(&stranded[0]).pop().unwrap();
    let mut names = [stranded[0].clone(), stranded[1].clone()];
    let room_title = |names: &mut [String; 2]| {
        // The room lists its members in the order the store keeps them (by id: booking order).
        names.sort();
        format!("Focus 09:00–09:25 UTC · {} & {}", names[0], names[1])
    };
    let title = room_title(&mut names);
    assert_eq!(
        render_for_shell(&rematch),
        format!(
            "New partner! Join your room\nYour partner didn't make it, so I re-paired you. Same end time.\nWith: @{}\nRoom: #{title}\n→ Join the room: type `/join`",
            stranded[1]
        )
    );
    let missed = app.platform.messages_to(&absent[0]).pop().unwrap();
    assert_eq!(
        render_for_shell(&missed),
        "We missed you\nWe missed you at Mon 30 Nov 09:00 UTC. Your partner has been looked after. If something came up, cancelling ahead frees them sooner.\n→ Book another session: `book next`"
    );

    #[cfg(feature = "matrix")]
    {
        use focusfolk::platform::matrix::render::{render, CommandStyle};
        let on_matrix = with_ids(
            &rematch,
            |_| "!new:example.org".to_string(),
            |user| format!("@{user}:example.org"),
        );
        let html = render(&on_matrix, "example.org", CommandStyle::Bare).html;
        assert_eq!(
            html,
            format!(
                "<strong>New partner! Join your room</strong>\
                 <br>Your partner didn&#39;t make it, so I re-paired you. Same end time.\
                 <br>With: <a href=\"https://matrix.to/#/@{0}:example.org\">{0}</a>\
                 <br>Room: <a href=\"https://matrix.to/#/!new:example.org?via=example.org\">{1}</a>\
                 <br>→ <a href=\"https://matrix.to/#/!new:example.org?via=example.org\">Join the room</a> ({1})",
                stranded[1],
                title.replace('&', "&amp;")
            )
        );
    }
    #[cfg(feature = "discord")]
    {
        use focusfolk::platform::discord::card::{build, ButtonTarget};
        let on_discord = with_ids(&rematch, |_| "5/77".to_string(), |_| "88".to_string());
        let built = build(&on_discord, Some(5));
        let embed = built.embed.unwrap();
        assert_eq!(embed.title.as_deref(), Some("New partner! Join your room"));
        assert_eq!(embed.colour, 0x5865F2);
        assert_eq!(
            embed
                .fields
                .iter()
                .map(|field| (field.name.as_str(), field.value.as_str()))
                .collect::<Vec<_>>(),
            [("With", "<@88>"), ("Room", "<#77>")]
        );
        assert_eq!(
            built.buttons[0].target,
            ButtonTarget::Link("https://discord.com/channels/5/77".into())
        );
        let missed = build(&missed, Some(5));
        assert_eq!(missed.embed.unwrap().colour, 0xD83C3E, "a problem card");
        assert_eq!(missed.buttons[0].label, "Book another session");
    }
}
