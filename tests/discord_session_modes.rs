//! Session modes and availability on the fake Discord (issue 11): `/book` with a session mode,
//! seen in the booking answer and in the announcement card's "Mode" field; `/prefs
//! availability` through its choice.

mod discord_common;

use discord_common::{at, spawn, Options};
use serde_json::Value;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mode_booked_with_the_slash_command_shows_in_the_announcement_card() {
    let app = spawn(Options::default()).await;
    let ann = app.member("ann");
    let ben = app.member("ben");
    for member in [ann, ben] {
        let answer = app
            .command(
                member,
                "book",
                &[
                    ("when", Value::from("9:00")),
                    ("duration", Value::from(50)),
                    ("session_mode", Value::from("Talk")),
                ],
            )
            .await;
        assert!(
            answer.contains("Booked") && answer.contains("talk"),
            "{answer}"
        );
    }
    let cat = app.member("cat");
    let refused = app
        .command(
            cat,
            "book",
            &[
                ("when", Value::from("9:00")),
                ("session_mode", Value::from("dance")),
            ],
        )
        .await;
    assert!(
        refused.contains("session modes are quiet, talk or moving"),
        "{refused}"
    );
    let chosen = app
        .command(
            cat,
            "prefs",
            // The choice's index: 1 is "friends and favourites only".
            &[("availability", Value::from(1))],
        )
        .await;
    assert!(
        chosen.contains("only with friends and your favourites"),
        "{chosen}"
    );

    app.advance_to(at(9, 0)).await;
    for member in [ann, ben] {
        let card = app
            .fake
            .dms(member)
            .into_iter()
            .find(|message| message.text().contains("It's time!"))
            .expect("announced");
        let fields = card.embeds[0]["fields"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        assert!(
            fields
                .iter()
                .any(|field| field["name"] == "Mode" && field["value"] == "talk"),
            "{:?}",
            card.embeds
        );
    }
    assert_eq!(app.fake.invalid_bodies(), Vec::<String>::new());
}
