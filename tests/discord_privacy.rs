//! Privacy on Discord (issue 12): `/privacy export` answers privately with the JSON file
//! attached; `/privacy delete` answers with a question whose red button erases the member (the
//! question alone erases nothing), and the click turns the question into the confirmation.

mod discord_common;

use discord_common::{spawn, Options};
use focusfolk::core::model::Platform;
use focusfolk::store::Store;
use serde_json::Value;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn export_arrives_as_a_file_and_the_delete_button_erases_the_member() {
    let app = spawn(Options::default()).await;
    let ann = app.member("ann");
    assert!(app.book(ann, "9:00", 25).await.contains("Booked"));
    let store = Store::connect(&app.database_url).await.expect("store");
    let community = store
        .ensure_community(
            Platform::Discord,
            &app.guild.to_string(),
            &Default::default(),
        )
        .await
        .expect("community");
    let ann_id = ann.to_string();

    // Export: one private answer with the JSON attached.
    let exported = app.fake.invoke(
        app.guild,
        ann,
        app.general,
        "privacy",
        &[("action", Value::from(0))],
    );
    let answer = app.fake.answer(exported).await;
    assert!(answer.ephemeral());
    assert!(answer.content().contains("Your data"), "{:?}", answer.data);
    let files = answer.data["_files"]
        .as_array()
        .expect("files on the answer");
    assert_eq!(files.len(), 1, "{}", answer.data);
    assert_eq!(files[0]["filename"], "focusfolk-my-data.json");
    let export: Value = serde_json::from_str(files[0]["content"].as_str().unwrap()).expect("JSON");
    assert_eq!(export["platform"], "discord");
    assert_eq!(export["member"]["platform_user_id"], ann_id.as_str());
    assert_eq!(export["bookings"].as_array().unwrap().len(), 1);
    // The guild the member last used the bot in is a note about their account.
    assert!(
        export["platform_notes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|note| note["scope"] == ann_id.as_str() && note["name"] == "guild"),
        "{export:#}"
    );

    // Delete: a question with a red button; nothing is erased yet.
    let asked = app.fake.invoke(
        app.guild,
        ann,
        app.general,
        "privacy",
        &[("action", Value::from(1))],
    );
    let question = app.fake.answer(asked).await;
    assert!(question.ephemeral());
    assert!(
        question.content().contains("Delete your data?"),
        "{:?}",
        question.data
    );
    let custom_id = format!("cf:privacy:delete:{}", app.guild);
    let buttons = question.data["components"].to_string();
    assert!(buttons.contains(&custom_id), "{buttons}");
    assert!(buttons.contains("\"style\":4"), "a red button: {buttons}");
    assert!(store
        .member_by_platform_id(community.id, &ann_id)
        .await
        .expect("read")
        .is_some());

    let now = focusfolk::clock::Clock::now(&*app.clock);
    let before = store.community_figures(now).await.expect("figures");
    assert_eq!(before[0].upcoming_bookings, 1);

    // The click erases, and the question becomes the answer (its button gone).
    let click = app.fake.click_on_answer(asked, &custom_id);
    let done = app.fake.answer(click).await;
    assert_eq!(app.fake.interaction(click).callbacks, [7]);
    assert!(
        done.content().contains("Your data is deleted"),
        "{:?}",
        done.data
    );
    assert!(!done.data["components"].to_string().contains(&custom_id));
    assert!(store
        .member_by_platform_id(community.id, &ann_id)
        .await
        .expect("read")
        .is_none());
    for note in ["guild", "dm_channel"] {
        assert_eq!(
            store
                .platform_state(Platform::Discord, &ann_id, note)
                .await
                .expect("read"),
            None,
            "{note}"
        );
    }
    let figures = store.community_figures(now).await.expect("figures");
    assert_eq!(figures[0].members, before[0].members - 1);
    assert_eq!(figures[0].upcoming_bookings, 0);
}
