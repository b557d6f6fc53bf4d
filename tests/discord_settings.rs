//! Issue 12, community settings through Discord's `/setup setting: value:`: the answer lists
//! every setting with its value and whether it is the default; a bad value is refused in the
//! config's words.

mod discord_common;

use discord_common::{spawn, Options};
use serde_json::Value;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn setup_changes_a_setting_and_lists_each_with_its_origin() {
    let app = spawn(Options::default()).await;
    let admin = app.owner;
    let answer = app
        .command(
            admin,
            "setup",
            &[
                ("setting", Value::from("reminder_lead")),
                ("value", Value::from("15m")),
            ],
        )
        .await;
    assert!(answer.contains("Setup saved"), "{answer}");
    assert!(
        answer.contains("reminder_lead = 15m (changed here"),
        "{answer}"
    );
    assert!(answer.contains("close_delay = 5m (default"), "{answer}");
    assert_eq!(app.fake.invalid_bodies(), Vec::<String>::new());

    let refused = app
        .command(
            admin,
            "setup",
            &[
                ("setting", Value::from("attendance_grace")),
                ("value", Value::from("2h")),
            ],
        )
        .await;
    assert!(
        refused.contains("`community_defaults.attendance_grace` = \"2h\" must be shorter than the shortest session"),
        "{refused}"
    );
    assert!(
        refused.contains("attendance_grace = 3m (default"),
        "unchanged: {refused}"
    );

    let back = app
        .command(
            admin,
            "setup",
            &[
                ("setting", Value::from("reminder_lead")),
                ("value", Value::from("default")),
            ],
        )
        .await;
    assert!(back.contains("reminder_lead = 10m (default"), "{back}");
}
