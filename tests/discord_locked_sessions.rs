//! Issue 11 on Discord, end to end through the fake: `/book … with:@ben` invites a friend,
//! ben's DM carries Accept / Decline buttons, and clicking Accept locks the two in: at the
//! slot's start they share a voice channel although the matcher, left to itself, would pair
//! each of them with another friend.

mod discord_common;

use discord_common::wait::eventually;
use discord_common::{at, spawn, DiscordApp, Options};
use focusfolk::core::model::Platform;
use serde_json::Value;

/// A line typed straight to the engine as this member (setting up friendships quickly; the
/// friend buttons have their own test in `discord_commands.rs`).
async fn say(app: &DiscordApp, user: u64, name: &str, text: &str) -> String {
    let actor = focusfolk::engine::Actor::new(
        Platform::Discord,
        &app.guild.to_string(),
        &user.to_string(),
        name,
    );
    app.engine.handle_text(&actor, text).await.render_plain()
}

async fn befriend(app: &DiscordApp, (a, a_name): (u64, &str), (b, b_name): (u64, &str)) {
    say(app, a, a_name, &format!("friend {b}")).await;
    let accepted = say(app, b, b_name, &format!("friend accept {a}")).await;
    assert!(accepted.contains("are friends now"), "{accepted}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_friend_invited_with_book_accepts_with_the_button_and_the_matcher_keeps_the_pair() {
    let app = spawn(Options::default()).await;
    let (ann, ben, cat, dan) = (
        app.member("ann"),
        app.member("ben"),
        app.member("cat"),
        app.member("dan"),
    );
    for (user, name) in [(ann, "ann"), (ben, "ben"), (cat, "cat"), (dan, "dan")] {
        say(&app, user, name, "help").await;
    }
    // ann–ben, ann–cat and ben–dan are friends: unlocked, the matcher pairs ann–cat, ben–dan.
    befriend(&app, (ann, "ann"), (ben, "ben")).await;
    befriend(&app, (ann, "ann"), (cat, "cat")).await;
    befriend(&app, (ben, "ben"), (dan, "dan")).await;

    let invited = app
        .command(
            ann,
            "book",
            &[
                ("when", Value::from("9:00")),
                ("duration", Value::from(50)),
                ("with", Value::from(ben.to_string())),
            ],
        )
        .await;
    assert!(invited.contains("Booked"), "{invited}");
    assert!(invited.contains("asked ben to join you"), "{invited}");

    let invitation = eventually("ben's invitation DM", || async {
        app.fake
            .dms(ben)
            .into_iter()
            .find(|m| m.text().contains("asks you to join"))
    })
    .await;
    assert!(invitation.text().contains("ann"), "{}", invitation.text());
    assert!(
        !invitation.text().contains(&ann.to_string()),
        "no user id in the text: {}",
        invitation.text()
    );
    let buttons = invitation.components[0]["components"]
        .as_array()
        .unwrap()
        .clone();
    let labels: Vec<&str> = buttons
        .iter()
        .map(|b| b["label"].as_str().unwrap())
        .collect();
    assert_eq!(labels, ["Accept", "Decline"]);
    let accept = buttons[0]["custom_id"].as_str().unwrap().to_string();
    assert!(
        accept.starts_with(&format!("cf:lock:accept:{}:", app.guild)),
        "{accept}"
    );

    let click = app.fake.click(ben, invitation.id, &accept);
    let answer = app.fake.answer(click).await;
    assert_eq!(
        app.fake.interaction(click).callbacks,
        [7],
        "the DM itself is updated"
    );
    let answered = answer.content();
    assert!(answered.contains("locked in with ann"), "{answered}");
    eventually("ann hears ben accepted", || async {
        (app.fake
            .dms_containing(ann, "ben accepted: you're paired together")
            == 1)
            .then_some(())
    })
    .await;
    assert!(app.command(ben, "sessions", &[]).await.contains("with ann"));

    for user in [cat, dan] {
        assert!(app.book(user, "9:00", 50).await.contains("Booked"));
    }
    app.advance_to(at(9, 0)).await;
    let room = app.room_of(ann);
    assert_eq!(app.room_of(ben), room, "ann and ben share the locked room");
    assert_eq!(app.room_of(cat), app.room_of(dan));
    assert_ne!(app.room_of(cat), room);
}
