//! `/stats` on Discord (issue 11): after a real session through the fake Discord, the answer
//! carries the figures and the heatmap as a PNG file on the same multipart interaction
//! response (read back byte for byte by the fake and decoded here); `/leaderboard` shows only
//! members who opted in with `/prefs`.

mod discord_common;

use chrono::Duration;
use discord_common::{at, spawn, Options};
use focusfolk::engine::stats_image::{HEIGHT, WIDTH};
use serde_json::Value;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stats_attach_a_png_heatmap_and_the_leaderboard_is_opt_in() {
    let app = spawn(Options::default()).await;
    let members = app.members_booked(&["ann", "ben"], "9:00", 25).await;
    let (ann, ben) = (members[0], members[1]);
    app.advance_to(at(9, 0)).await;
    for member in [ann, ben] {
        app.join(member, app.room_of(member)).await;
    }
    app.advance_to(at(9, 0) + Duration::minutes(35)).await;

    let asked = app.fake.invoke(app.guild, ann, app.general, "stats", &[]);
    let answer = app.fake.answer(asked).await;
    assert!(answer.ephemeral(), "{:?}", answer.data);
    let text = serde_json::to_string(&answer.data).unwrap();
    assert!(text.contains("Your focus stats"), "{text}");
    assert!(
        text.contains("Sessions") && text.contains("Weekly streak"),
        "{text}"
    );
    assert!(text.contains("ben"), "the partner is named: {text}");
    assert!(text.contains("one row per weekday"), "the legend: {text}");
    let files = answer.data["_files"]
        .as_array()
        .expect("files on the answer");
    assert_eq!(files.len(), 1, "{:?}", answer.data);
    assert_eq!(files[0]["filename"], "focus-heatmap.png");
    let bytes = hex::decode(files[0]["hex"].as_str().unwrap()).unwrap();
    let decoder = png::Decoder::new(std::io::Cursor::new(bytes));
    let reader = decoder.read_info().expect("a PNG");
    assert_eq!((reader.info().width, reader.info().height), (WIDTH, HEIGHT));

    // Nobody opted in: the board names nobody. ben opts in through /prefs.
    let board = app.command(ann, "leaderboard", &[]).await;
    assert!(!board.contains("ben") && !board.contains("ann"), "{board}");
    let opted = app
        .command(ben, "prefs", &[("leaderboard", Value::from(true))])
        .await;
    assert!(opted.contains("You're on the leaderboard now"), "{opted}");
    let board = app.command(ann, "leaderboard", &[]).await;
    assert!(board.contains("1. ben · 0.4 h"), "{board}");
    assert!(!board.contains("ann"), "{board}");
}
