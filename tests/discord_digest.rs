//! Issue 12, the weekly digest on the fake Discord: the job posts one card in the lobby
//! channel set with `/setup lobby:` (pinging nobody, within Discord's limits, with a nonce),
//! and a rerun of the job posts nothing more.

mod discord_common;

use discord_common::{spawn, Options};
use focusfolk::clock::Clock;
use focusfolk::core::model::Platform;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_weekly_digest_lands_in_the_lobby_channel_once() {
    let app = spawn(Options::default()).await;
    let ann = app.member("ann");
    let ben = app.member("ben");
    let cat = app.member("cat");
    assert!(app.book(ann, "9:00", 25).await.contains("Booked"));
    assert!(app.book(ben, "9:00", 25).await.contains("Booked"));
    assert!(app.book(cat, "10:00", 50).await.contains("Booked"));
    let before = app.fake.channel_messages(app.lobby).len();

    let store = app.engine.store_for_tests().clone();
    let now = app.clock.now();
    let enqueued = focusfolk::cron::enqueue_digest(&store, now, &[Platform::Discord])
        .await
        .unwrap();
    assert_eq!(enqueued, 1);
    let reports = app.engine.run_due_jobs().await.unwrap();
    let digest: Vec<_> = reports
        .iter()
        .filter(|report| report.job.key.starts_with("digest:community:"))
        .collect();
    assert_eq!(digest.len(), 1);
    assert!(
        digest[0]
            .outcome
            .to_string()
            .starts_with("done: digest posted"),
        "{}",
        digest[0].outcome
    );

    let lobby = app.fake.channel_messages(app.lobby);
    assert_eq!(lobby.len(), before + 1, "one post in the lobby");
    let post = lobby.last().unwrap();
    let text = post.text();
    assert!(text.contains("This week in focus"), "{text}");
    assert!(text.contains("25 min · 2 booked"), "busiest first: {text}");
    assert!(text.contains("50 min · 1 booked"), "{text}");
    assert!(
        text.contains("<t:"),
        "times render in each reader's zone: {text}"
    );
    assert!(
        post.nonce.is_some(),
        "posted with the engine's key as nonce"
    );
    assert_eq!(app.fake.invalid_bodies(), Vec::<String>::new());
    for channel in [app.general, app.moderators] {
        assert!(
            app.fake
                .channel_messages(channel)
                .iter()
                .all(|message| !message.text().contains("This week in focus")),
            "only the lobby gets it"
        );
    }
    // A second tick in the same week adds no job.
    assert_eq!(
        focusfolk::cron::enqueue_digest(&store, now, &[Platform::Discord])
            .await
            .unwrap(),
        0
    );
    assert_eq!(app.fake.channel_messages(app.lobby).len(), before + 1);
}
