//! What members and admins do with the bot's interface: `/setup` naming exactly the missing
//! permission and the role-order problem, autocomplete in the member's own zone, buttons on
//! DMs (cancel from the reminder, book again from the check-in through a form), and a slow
//! answer deferred inside Discord's 3-second deadline.

mod discord_common;

use std::time::Duration;

use discord_common::wait::eventually;
use discord_common::{at, perms, spawn, Options};
use focusfolk::platform::discord::BotOptions;
use serde_json::Value;

fn text(value: &str) -> Value {
    Value::from(value)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_booking_opens_no_dm_channel_and_a_booking_does() {
    let app = spawn(Options::default()).await;
    let ann = app.member("ann");
    let refused = app.book(ann, "2020-01-01 09:00", 25).await;
    assert!(refused.contains("already passed"), "{refused}");
    // Rejection times are time parts: Discord shows them in each viewer's own zone.
    let off_grid = app.book(ann, "9:07", 25).await;
    assert!(
        off_grid.contains("quarter-hour grid") && off_grid.contains(":F> (<t:"),
        "{off_grid}"
    );
    // Whatever the refused booking set off has had its chance to run: another command was
    // answered after it, and the bot's pacing interval passed.
    let _ = app.command(ann, "sessions", &[]).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(
        !app.fake.has_dm_channel(ann),
        "a refused booking must not open a DM channel: nothing will ever be sent there"
    );
    assert!(app.book(ann, "9:00", 25).await.contains("Booked"));
    eventually("the DM channel opened after the booking", || async {
        app.fake.has_dm_channel(ann).then_some(())
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn setup_names_the_missing_permission_and_the_role_order() {
    let app = spawn(Options {
        // Not one @everyone has anyway (it has Speak and View Channel on a fresh server).
        bot_permissions: perms::BOT_DEFAULT & !perms::MANAGE_ROLES,
        run_setup: false,
        ..Options::default()
    })
    .await;
    let admin = app.owner;
    let answer = app
        .command(
            admin,
            "setup",
            &[
                ("category", text(&app.category.to_string())),
                ("lobby", text(&app.lobby.to_string())),
            ],
        )
        .await;
    assert!(answer.contains("Setup saved"), "{answer}");
    assert!(
        answer.contains("I'm missing **Manage Roles**") && !answer.contains("Manage Channels"),
        "names exactly what is missing: {answer}"
    );
    assert!(
        answer.contains(&format!("<#{}>", app.category)),
        "and where: {answer}"
    );

    app.fake
        .set_role_permissions(app.guild, app.fake.bot_role(app.guild), perms::BOT_DEFAULT);
    let mods = app.fake.add_role(
        app.guild,
        "Mods",
        0,
        discord_common::fake_discord::BOT_ROLE_POSITION + 1,
    );
    // The role changes reach the bot's cache through the gateway; ask until it has them.
    let answer = eventually("/setup to see the new permissions and the role", || async {
        let answer = app
            .command(
                admin,
                "setup",
                &[("moderator_role", text(&mods.to_string()))],
            )
            .await;
        (!answer.contains("**Manage Roles**") && answer.contains("drag my role above"))
            .then_some(answer)
    })
    .await;
    assert!(!answer.contains("**Manage Roles**"), "fixed: {answer}");
    assert!(
        !answer.contains("Move Members"),
        "never asked for: {answer}"
    );
    assert!(
        answer.contains("drag my role above"),
        "role order: {answer}"
    );

    // A member who may not Manage Server cannot change anything.
    let member = app.member("ann");
    let refused = app
        .command(
            member,
            "setup",
            &[("lobby", text(&app.general.to_string()))],
        )
        .await;
    assert!(
        refused.contains("Only people who may Manage Server"),
        "{refused}"
    );
    let lengths = app
        .command(admin, "setup", &[("durations", text("25 50"))])
        .await;
    assert!(lengths.contains("sessions of 25/50"), "{lengths}");
    // The same rule as `setup lengths` and the config file: 0 is refused, nothing changes.
    let zero = app
        .command(admin, "setup", &[("durations", text("0"))])
        .await;
    assert!(
        zero.contains("0 minutes can't be a session length"),
        "{zero}"
    );
    assert!(zero.contains("sessions of 25/50"), "{zero}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn autocomplete_offers_slots_bookings_zones_and_lengths_in_the_members_terms() {
    let app = spawn(Options::default()).await;
    let ann = app.member("ann");
    assert!(app
        .command(ann, "timezone", &[("zone", text("Europe/Paris"))])
        .await
        .contains("Europe/Paris"));

    let zones = app
        .fake
        .autocomplete(
            app.guild,
            ann,
            app.general,
            "timezone",
            &[("zone", text("paris"))],
            "zone",
        )
        .await;
    assert_eq!(zones[0]["value"], "Europe/Paris");

    let slots = app
        .fake
        .autocomplete(
            app.guild,
            ann,
            app.general,
            "book",
            &[("when", text(""))],
            "when",
        )
        .await;
    assert_eq!(slots.len(), 25, "Discord shows at most 25");
    // 08:00 UTC is 09:00 in Paris; the first bookable slot is 09:15 Paris time.
    assert!(
        slots[0]["name"].as_str().unwrap().contains("09:15 CET"),
        "{slots:?}"
    );

    let typed = app
        .fake
        .autocomplete(
            app.guild,
            ann,
            app.general,
            "book",
            &[("when", text("tomorrow 9"))],
            "when",
        )
        .await;
    assert!(
        typed[0]["name"]
            .as_str()
            .unwrap()
            .starts_with("Tue 1 Dec 09:00 CET"),
        "{typed:?}"
    );
    let value = typed[0]["value"].as_str().unwrap().to_string();
    assert_eq!(value, "2026-12-01T09:00:00+01:00");
    let booked = app
        .command(
            ann,
            "book",
            &[("when", text(&value)), ("duration", Value::from(25))],
        )
        .await;
    assert!(booked.contains("Booked #1"), "{booked}");

    let lengths = app
        .fake
        .autocomplete(
            app.guild,
            ann,
            app.general,
            "book",
            &[("when", text(&value)), ("duration", text(""))],
            "duration",
        )
        .await;
    let values: Vec<i64> = lengths
        .iter()
        .map(|c| c["value"].as_i64().unwrap())
        .collect();
    assert_eq!(values, [25, 50, 75]);

    let mine = app
        .fake
        .autocomplete(
            app.guild,
            ann,
            app.general,
            "cancel",
            &[("booking", text(""))],
            "booking",
        )
        .await;
    assert_eq!(mine.len(), 1);
    assert!(
        mine[0]["name"]
            .as_str()
            .unwrap()
            .starts_with("#1 · Tue 1 Dec 09:00 CET · 25 min"),
        "{mine:?}"
    );
    let cancelled = app
        .command(ann, "cancel", &[("booking", mine[0]["value"].clone())])
        .await;
    assert!(cancelled.contains("Cancelled #1"), "{cancelled}");

    let nonsense = app
        .command(ann, "book", &[("when", text("whenever"))])
        .await;
    assert!(
        nonsense.contains("couldn't read"),
        "plain words: {nonsense}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dm_buttons_cancel_from_the_reminder_and_book_again_from_the_check_in() {
    let app = spawn(Options::default()).await;
    let (ann, ben, cat) = (app.member("ann"), app.member("ben"), app.member("cat"));
    for member in [ann, ben, cat] {
        assert!(app.book(member, "9:00", 25).await.contains("Booked"));
    }
    app.advance_to(at(8, 50)).await;
    let (reminder, custom_id) = dm_with_button(&app, cat, "starts in");
    let click = app.fake.click(cat, reminder.id, &custom_id);
    let answer = app.fake.answer(click).await;
    assert_eq!(
        app.fake.interaction(click).callbacks,
        [7],
        "the DM itself is updated"
    );
    assert!(answer.content().contains("Cancelled"), "{:?}", answer.data);
    let updated = app
        .fake
        .dms(cat)
        .into_iter()
        .find(|m| m.id == reminder.id)
        .unwrap();
    // The reminder became the cancel's card: no second cancel, one step on — book again.
    assert!(
        updated.text().starts_with("Cancelled #"),
        "{}",
        updated.text()
    );
    assert_eq!(updated.embeds[0]["color"], 0x2D9D78, "a confirmation");
    let buttons = updated.components.to_string();
    assert!(
        !buttons.contains("cf:cancel") && buttons.contains("cf:book:"),
        "no second click: {buttons}"
    );
    assert!(app
        .command(cat, "sessions", &[])
        .await
        .contains("No upcoming sessions"));

    app.advance_to(at(9, 0)).await;
    for member in [ann, ben] {
        app.join(member, app.room_of(member)).await;
    }
    app.advance_to(at(9, 25)).await;
    // The check-in's "Book the same time next week" books in one click (issue 11).
    let (check_in, custom_id) =
        dm_with_labelled_button(&app, ann, "Session done", "Book the same time next week");
    let click = app.fake.click(ann, check_in.id, &custom_id);
    let booked = app.fake.answer(click).await;
    assert_eq!(
        app.fake.interaction(click).callbacks,
        [4],
        "a private answer; the check-in keeps its buttons"
    );
    assert!(
        booked.ephemeral()
            && booked.content().contains("Booked")
            && booked.content().contains("25 min"),
        "{:?}",
        booked.data
    );
    let sessions = app.command(ann, "sessions", &[]).await;
    assert!(
        sessions.contains("#4 ") && sessions.contains("25 min"),
        "{sessions}"
    );
}

/// The DM containing `text` and the custom id of its button labelled `label`.
fn dm_with_labelled_button(
    app: &discord_common::DiscordApp,
    member: u64,
    text: &str,
    label: &str,
) -> (discord_common::fake_discord::Message, String) {
    let message = app
        .fake
        .dms(member)
        .into_iter()
        .find(|m| m.text().contains(text))
        .unwrap_or_else(|| panic!("a DM containing {text:?}"));
    let custom_id = message
        .components
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|row| row["components"].as_array().cloned().unwrap_or_default())
        .find(|button| button["label"] == label)
        .unwrap_or_else(|| panic!("a {label:?} button: {}", message.components))["custom_id"]
        .as_str()
        .expect("an acting button")
        .to_string();
    (message, custom_id)
}

/// Issue 11: the check-in's Add friend button sends the partner a friend request, and its
/// Report button opens a form whose reason goes to the moderators' channel (`/setup
/// moderators:`) with the session's context, never to the reported member.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_check_ins_add_friend_and_report_buttons_reach_the_partner_and_the_moderators() {
    let app = spawn(Options::default()).await;
    let (ann, ben) = (app.member("ann"), app.member("ben"));
    for member in [ann, ben] {
        assert!(app.book(member, "9:00", 25).await.contains("Booked"));
    }
    app.advance_to(at(9, 0)).await;
    for member in [ann, ben] {
        app.join(member, app.room_of(member)).await;
    }
    app.advance_to(at(9, 25)).await;

    let (check_in, done) = dm_with_labelled_button(&app, ann, "Session done", "Mark it done");
    let labels = check_in.components.to_string();
    for label in [
        "Mark it partly done",
        "Say your partner was absent",
        "Favourite ben",
        "Block ben",
    ] {
        assert!(labels.contains(label), "{label}: {labels}");
    }
    assert!(
        !labels.contains(&format!("\"label\":\"{ben}")),
        "ids stay inside buttons"
    );
    let click = app.fake.click(ann, check_in.id, &done);
    assert!(app
        .fake
        .answer(click)
        .await
        .content()
        .contains("you got it done"));

    let (_, add_friend) = dm_with_labelled_button(&app, ann, "Session done", "Add ben as a friend");
    let click = app.fake.click(ann, check_in.id, &add_friend);
    let asked = app.fake.answer(click).await;
    assert!(
        asked.content().contains("You asked ben"),
        "{:?}",
        asked.data
    );
    eventually("ben gets the friend request", || async {
        (app.fake.dms_containing(ben, "would like to be friends") == 1).then_some(())
    })
    .await;

    let (_, report) = dm_with_labelled_button(&app, ann, "Session done", "Report ben");
    let click = app.fake.click(ann, check_in.id, &report);
    let form = app.fake.answer(click).await;
    assert_eq!(app.fake.interaction(click).callbacks, [9], "a form opens");
    let form_id = form.data["custom_id"].as_str().unwrap().to_string();
    let reason = "kept talking over me the whole session";
    let submit = app.fake.submit_modal(
        None,
        ann,
        check_in.channel_id,
        &form_id,
        &[("reason", reason)],
    );
    let sent = app.fake.answer(submit).await;
    assert!(
        sent.ephemeral() && sent.content().contains("Report sent"),
        "{:?}",
        sent.data
    );
    let note = eventually("the report in the moderators' channel", || async {
        app.fake
            .channel_messages(app.moderators)
            .into_iter()
            .find(|message| message.text().contains(reason))
    })
    .await;
    let text = note.text();
    assert!(
        text.contains(&format!("Report #1: <@{ann}> reports <@{ben}>"))
            && text.contains(&format!("<@{ben}>"))
            && text.contains(&format!("<@{ann}>"))
            && text.contains("<t:"),
        "{text}"
    );
    assert_eq!(app.fake.dms_containing(ben, reason), 0, "never to ben");
    assert!(app
        .fake
        .channel_messages(app.general)
        .iter()
        .all(|message| !message.text().contains(reason)));
    assert!(
        app.fake.invalid_bodies().is_empty(),
        "{:?}",
        app.fake.invalid_bodies()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_answer_is_deferred_and_edited_in() {
    let app = spawn(Options {
        bot: BotOptions {
            defer_after: Duration::ZERO,
        },
        ..Options::default()
    })
    .await;
    let ann = app.member("ann");
    let interaction = app
        .fake
        .invoke(app.guild, ann, app.general, "sessions", &[]);
    let answer = app.fake.answer(interaction).await;
    let seen = app.fake.interaction(interaction);
    assert_eq!(seen.callbacks, [5], "deferred first");
    assert!(seen.deferred && seen.late_callbacks == 0);
    assert!(
        answer.content().contains("No upcoming sessions"),
        "then edited in: {:?}",
        answer.data
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dm_buttons_act_in_the_guild_of_the_session_not_the_last_guild_seen() {
    let app = spawn(Options::default()).await;
    let (ann, ben) = (app.member("ann"), app.member("ben"));
    for member in [ann, ben] {
        assert!(app.book(member, "9:00", 25).await.contains("Booked"));
    }
    // Ann used the bot in another server since she booked here.
    let elsewhere = app.guild + 1;
    app.platform.save_home_guild(ann, elsewhere).await.unwrap();
    app.advance_to(at(8, 50)).await;
    let (reminder, custom_id) = dm_with_button(&app, ann, "starts in");
    assert!(
        custom_id.starts_with(&format!("cf:cancel:{}:", app.guild)),
        "the cancel button acts where the booking is: {custom_id}"
    );
    let click = app.fake.click(ann, reminder.id, &custom_id);
    let answer = app.fake.answer(click).await;
    assert!(answer.content().contains("Cancelled"), "{:?}", answer.data);
}

/// The member's DM containing `text`, and the custom id of its first button.
fn dm_with_button(
    app: &discord_common::DiscordApp,
    member: u64,
    text: &str,
) -> (discord_common::fake_discord::Message, String) {
    let message = app
        .fake
        .dms(member)
        .into_iter()
        .find(|m| m.text().contains(text))
        .unwrap_or_else(|| panic!("a DM containing {text:?}"));
    let custom_id = message.components[0]["components"][0]["custom_id"]
        .as_str()
        .expect("a button")
        .to_string();
    (message, custom_id)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_member_removed_from_the_guild_cannot_book_from_an_old_check_in_dm() {
    let app = spawn(Options::default()).await;
    let (ann, ben) = (app.member("ann"), app.member("ben"));
    for member in [ann, ben] {
        assert!(app.book(member, "9:00", 25).await.contains("Booked"));
    }
    app.advance_to(at(9, 0)).await;
    for member in [ann, ben] {
        app.join(member, app.room_of(member)).await;
    }
    app.advance_to(at(9, 25)).await;
    let (check_in, custom_id) = dm_with_button(&app, ann, "Session done");

    app.fake.remove_member(app.guild, ann);
    let click = app.fake.click(ann, check_in.id, &custom_id);
    let answer = app.fake.answer(click).await;
    assert_eq!(
        app.fake.interaction(click).callbacks,
        [4],
        "a refusal, not the booking form"
    );
    assert!(
        answer.content().contains("no longer a member"),
        "{:?}",
        answer.data
    );

    // A form opened before the removal is refused when submitted, too.
    let form_id = format!("cf:bookform:{}", app.guild);
    let submit = app.fake.submit_modal(
        None,
        ann,
        check_in.channel_id,
        &form_id,
        &[("when", "tomorrow 9:00"), ("minutes", "25")],
    );
    let refused = app.fake.answer(submit).await;
    assert!(
        refused.content().contains("no longer a member") && !refused.content().contains("Booked"),
        "{:?}",
        refused.data
    );
}

/// A member who left the guild before the slot is not matched; prepare cancels their bookings
/// and tries to tell them, which Discord refuses (no shared guild: 50007). The refusal is
/// recorded (never retried) and the others are matched and announced as usual.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_member_who_left_the_guild_is_told_where_possible_and_the_refusal_is_recorded() {
    let app = spawn(Options::default()).await;
    let (ann, ben, cat) = (app.member("ann"), app.member("ben"), app.member("cat"));
    for member in [ann, ben, cat] {
        assert!(app.book(member, "9:00", 25).await.contains("Booked"));
    }
    app.fake.remove_member(app.guild, ann);
    app.advance_to(at(9, 0)).await;

    assert_eq!(app.fake.dms_containing(ann, "no longer a member"), 0);
    assert_eq!(app.fake.dms_containing(ann, "It's time!"), 0);
    for member in [ben, cat] {
        assert_eq!(app.fake.dms_containing(member, "It's time!"), 1);
    }
    assert_eq!(app.room_of(ben), app.room_of(cat), "ben and cat are a pair");
    let store = focusfolk::store::Store::connect(&app.database_url)
        .await
        .unwrap();
    let mut records = Vec::new();
    for member in 1..=3 {
        if let Some(record) = store
            .effect(&format!("dm:departed:s1:m{member}"))
            .await
            .unwrap()
        {
            records.push(record);
        }
    }
    assert_eq!(records.len(), 1, "only ann left: {records:?}");
    assert!(
        records[0].result == "unreachable" || records[0].result.starts_with("failed: "),
        "{records:?}"
    );
}

/// `/setup moderator_role:@everyone` (the role whose id is the guild's) would open every pair
/// room to the whole server: it is refused in plain words, and nothing is saved.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn setup_refuses_everyone_as_the_moderator_role() {
    let app = spawn(Options::default()).await;
    let admin = app.owner;
    let refused = app
        .command(
            admin,
            "setup",
            &[("moderator_role", text(&app.guild.to_string()))],
        )
        .await;
    assert!(
        refused.contains("@everyone can't be the moderator role"),
        "{refused}"
    );
    assert!(!refused.contains("Setup saved"), "{refused}");
    let shown = app.command(admin, "setup", &[]).await;
    assert!(
        !shown.contains(&format!("<@&{}>", app.guild)),
        "@everyone was not saved as the moderator role: {shown}"
    );
}

/// Another member's nickname in a reply is shown as written: a masked link in it is escaped
/// markdown, not a link.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn partner_replies_escape_the_other_members_nickname() {
    let app = spawn(Options::default()).await;
    let ann = app.member("ann");
    let trickster = app.member("[Free Nitro](https://e.v)");
    assert!(app.book(ann, "9:00", 25).await.contains("Booked"));
    assert!(app.book(trickster, "9:15", 25).await.contains("Booked"));
    let answer = app
        .command(
            ann,
            "partner",
            &[
                ("action", Value::from(0)),
                ("member", text(&trickster.to_string())),
            ],
        )
        .await;
    assert!(
        answer.contains("\\[Free Nitro\\]\\(https://e.v\\)"),
        "the nickname is escaped: {answer}"
    );
    assert!(answer.contains("is now your favourite"), "{answer}");
}

/// Issue 11: `/friend` sends a request DM with Accept / Decline buttons; clicking Accept makes
/// both friends, updates the DM in place and tells the requester. No user id shows anywhere.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_friend_request_is_accepted_with_its_button() {
    let app = spawn(Options::default()).await;
    let (ann, ben) = (app.member("ann"), app.member("ben"));
    assert!(app
        .command(ben, "sessions", &[])
        .await
        .contains("No upcoming"));
    let sent = app
        .command(ann, "friend", &[("member", text(&ben.to_string()))])
        .await;
    assert!(sent.contains("You asked ben"), "{sent}");

    let request = app
        .fake
        .dms(ben)
        .into_iter()
        .find(|m| m.text().contains("would like to be friends"))
        .expect("a friend request DM");
    assert!(request.text().contains("ann"), "{}", request.text());
    assert!(
        !request.text().contains(&ann.to_string()),
        "no user id in the text: {}",
        request.text()
    );
    let buttons = request.components[0]["components"]
        .as_array()
        .unwrap()
        .clone();
    let labels: Vec<&str> = buttons
        .iter()
        .map(|b| b["label"].as_str().unwrap())
        .collect();
    assert_eq!(labels, ["Accept", "Decline"]);
    let accept = buttons[0]["custom_id"].as_str().unwrap().to_string();
    assert_eq!(accept, format!("cf:friend:accept:{}:{ann}", app.guild));

    let click = app.fake.click(ben, request.id, &accept);
    let answer = app.fake.answer(click).await;
    assert_eq!(
        app.fake.interaction(click).callbacks,
        [7],
        "the DM itself is updated"
    );
    assert!(
        answer.content().contains("You and ann are friends now"),
        "{:?}",
        answer.data
    );
    let updated = app
        .fake
        .dms(ben)
        .into_iter()
        .find(|m| m.id == request.id)
        .unwrap();
    assert_eq!(updated.components, Value::Array(vec![]), "no second click");
    eventually("ann hears ben accepted", || async {
        (app.fake
            .dms_containing(ann, "ben accepted your friend request")
            == 1)
            .then_some(())
    })
    .await;
    let list = app.command(ann, "friends", &[]).await;
    assert!(
        list.contains("Your friends:") && list.contains("ben"),
        "{list}"
    );
    // Asking again is refused plainly.
    let again = app
        .command(ann, "friend", &[("member", text(&ben.to_string()))])
        .await;
    assert!(again.contains("already friends"), "{again}");
}

/// Issue 11: `/msg` relays to the session partner with a Reply button; the button opens a form
/// whose text goes back to the sender. Someone who is neither partner nor friend is refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_partner_message_is_relayed_and_answered_with_the_reply_button() {
    let app = spawn(Options::default()).await;
    let (ann, ben, cat) = (app.member("ann"), app.member("ben"), app.member("cat"));
    for member in [ann, ben] {
        assert!(app.book(member, "9:00", 25).await.contains("Booked"));
    }
    assert!(app
        .command(cat, "sessions", &[])
        .await
        .contains("No upcoming"));
    app.advance_to(at(9, 0)).await;

    let sent = app
        .command(ann, "msg", &[("text", text("running late!"))])
        .await;
    assert!(sent.contains("Sent to ben"), "{sent}");
    let relayed = app
        .fake
        .dms(ben)
        .into_iter()
        .find(|m| m.content.contains("running late!"))
        .expect("the relayed message");
    assert!(relayed.content.contains("ann"), "{}", relayed.content);
    assert!(
        !relayed.content.contains(&ann.to_string()),
        "{}",
        relayed.content
    );
    let button = &relayed.components[0]["components"][0];
    assert_eq!(button["label"], "Reply");
    let custom_id = button["custom_id"].as_str().unwrap().to_string();
    let click = app.fake.click(ben, relayed.id, &custom_id);
    let form = app.fake.answer(click).await;
    assert_eq!(app.fake.interaction(click).callbacks, [9], "a form opens");
    let form_id = form.data["custom_id"].as_str().unwrap().to_string();
    let submit = app.fake.submit_modal(
        None,
        ben,
        relayed.channel_id,
        &form_id,
        &[("text", "no worries")],
    );
    let answered = app.fake.answer(submit).await;
    assert!(
        answered.content().contains("Sent to ann"),
        "{:?}",
        answered.data
    );
    eventually("ann gets ben's reply", || async {
        (app.fake.dms_containing(ann, "no worries") == 1).then_some(())
    })
    .await;

    let refused = app
        .command(
            cat,
            "msg",
            &[
                ("text", text("hello from cat")),
                ("member", text(&ann.to_string())),
            ],
        )
        .await;
    assert!(refused.contains("friends only"), "{refused}");
    assert_eq!(app.fake.dms_containing(ann, "hello from cat"), 0);
}

/// The fake refuses exactly what Discord would: each limit is taken at its edge and one past.
#[test]
fn the_fake_refuses_bodies_over_each_of_discords_limits() {
    use discord_common::fake_discord::validate::check_limits;
    use serde_json::json;
    let x = |count: usize| "é".repeat(count);
    let embed = |embed: Value| json!({"embeds": [embed]});
    let fields = |count: usize| -> Vec<Value> {
        (0..count)
            .map(|_| json!({"name": "n", "value": "v"}))
            .collect()
    };
    let buttons = |count: usize| -> Vec<Value> {
        (0..count)
            .map(|index| json!({"type": 2, "style": 1, "label": "b", "custom_id": format!("b{index}")}))
            .collect()
    };
    let rows = |rows: usize, per_row: usize| -> Value {
        json!({"content": "c", "components": (0..rows)
            .map(|_| json!({"type": 1, "components": buttons(per_row)}))
            .collect::<Vec<_>>()})
    };
    let cases: Vec<(&str, Value, Value)> = vec![
        (
            "content",
            json!({"content": x(2000)}),
            json!({"content": x(2001)}),
        ),
        (
            "title",
            embed(json!({"title": x(256)})),
            embed(json!({"title": x(257)})),
        ),
        (
            "description",
            embed(json!({"description": x(4096)})),
            embed(json!({"description": x(4097)})),
        ),
        (
            "field name",
            embed(json!({"fields": [{"name": x(256), "value": "v"}]})),
            embed(json!({"fields": [{"name": x(257), "value": "v"}]})),
        ),
        (
            "field value",
            embed(json!({"fields": [{"name": "n", "value": x(1024)}]})),
            embed(json!({"fields": [{"name": "n", "value": x(1025)}]})),
        ),
        (
            "fields",
            embed(json!({"fields": fields(25)})),
            embed(json!({"fields": fields(26)})),
        ),
        (
            "footer",
            embed(json!({"footer": {"text": x(2048)}})),
            embed(json!({"footer": {"text": x(2049)}})),
        ),
        (
            "total",
            embed(json!({"title": x(256), "description": x(4096), "footer": {"text": x(1648)}})),
            embed(json!({"title": x(256), "description": x(4096), "footer": {"text": x(1649)}})),
        ),
        ("action rows", rows(5, 5), rows(6, 1)),
        ("buttons per row", rows(1, 5), rows(1, 6)),
        (
            "button label",
            json!({"components": [{"type": 1, "components": [{"type": 2, "style": 5, "label": x(80), "url": "https://discord.com/channels/1/2"}]}]}),
            json!({"components": [{"type": 1, "components": [{"type": 2, "style": 5, "label": x(81), "url": "https://discord.com/channels/1/2"}]}]}),
        ),
        (
            "link button",
            json!({"components": [{"type": 1, "components": [{"type": 2, "style": 5, "label": "Join", "url": "https://discord.com/channels/1/2"}]}]}),
            json!({"components": [{"type": 1, "components": [{"type": 2, "style": 5, "label": "Join", "custom_id": "x"}]}]}),
        ),
        (
            "empty message",
            json!({"content": "c"}),
            json!({"content": ""}),
        ),
    ];
    for (limit, at_the_edge, over) in cases {
        assert_eq!(
            check_limits(&at_the_edge, true),
            Ok(()),
            "{limit} at its edge"
        );
        assert!(check_limits(&over, true).is_err(), "{limit} one past");
    }
}
