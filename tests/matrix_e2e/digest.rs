//! Issue 12, the weekly digest on a real Synapse: the job posts one message in the community
//! room (the Matrix lobby), read back from the room's history; a second tick adds nothing.

use focusfolk::clock::Clock;
use focusfolk::core::model::Platform;

use crate::support::Community;
use crate::synapse::Synapse;

#[tokio::test]
async fn the_weekly_digest_is_posted_once_in_the_community_room() {
    let community = Community::start(Synapse::from_env(), &["ann", "ben"]).await;
    let (ann, ben) = (community.member("ann"), community.member("ben"));
    let room = &community.room;
    assert!(ann
        .command(room, "!focusfolk book 9:00 25m")
        .await
        .contains("Booked"));
    assert!(ben
        .command(room, "!focusfolk book 9:00 25m")
        .await
        .contains("Booked"));

    let engine = &community.bot.engine;
    let store = engine.store_for_tests().clone();
    let now = community.home.clock.now();
    let enqueued = focusfolk::cron::enqueue_digest(&store, now, &[Platform::Matrix])
        .await
        .unwrap();
    assert_eq!(enqueued, 1);
    let reports = engine.run_due_jobs().await.unwrap();
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
    assert_eq!(
        focusfolk::cron::enqueue_digest(&store, now, &[Platform::Matrix])
            .await
            .unwrap(),
        0,
        "a second tick in the same week adds nothing"
    );

    let digests: Vec<serde_json::Value> = ann
        .history(room)
        .await
        .into_iter()
        .filter(|event| {
            event["content"]["body"]
                .as_str()
                .is_some_and(|body| body.contains("This week in focus"))
        })
        .collect();
    assert_eq!(digests.len(), 1, "{digests:?}");
    let post = &digests[0];
    assert_eq!(post["sender"], community.bot_id());
    let body = post["content"]["body"].as_str().unwrap();
    assert!(body.contains("25 min · 2 booked"), "{body}");
    let html = post["content"]["formatted_body"]
        .as_str()
        .unwrap_or_default();
    assert!(
        html.contains("<strong>This week in focus</strong>"),
        "{html}"
    );
}
