//! Privacy on Matrix (issue 12): `privacy export` posts the JSON file in the member's DM;
//! `privacy delete` asks with a reply line, the reply `privacy delete confirm` erases the
//! member, and the bot leaves the old DM room (its notes about it are gone).

use focusfolk::core::model::Platform;
use focusfolk::store::Store;
use serde_json::Value;

use crate::calendar::{download, files_in_dm};
use crate::support::Community;
use crate::synapse::Synapse;
use crate::wait::eventually;

#[tokio::test]
async fn the_export_is_a_file_in_the_dm_and_the_confirming_reply_erases() {
    let community = Community::start(Synapse::from_env(), &["ann"]).await;
    let ann = community.member("ann");
    let bot = community.bot_id();
    let ann_id = ann.user_id.to_string();
    let booked = ann
        .command(&community.room, "!focusfolk book 9:00 25m")
        .await;
    assert!(booked.contains("Booked"), "{booked}");
    files_in_dm(ann, &bot, 1).await; // the invite

    let exported = ann
        .command(&community.room, "!focusfolk privacy export")
        .await;
    assert!(exported.contains("Your data"), "{exported}");
    let files = files_in_dm(ann, &bot, 2).await;
    let file = files
        .iter()
        .find(|file| file["content"]["body"] == "focusfolk-my-data.json")
        .unwrap_or_else(|| panic!("the export among {files:?}"));
    assert_eq!(file["content"]["info"]["mimetype"], "application/json");
    let export: Value = serde_json::from_str(&download(ann, file).await).expect("JSON");
    assert_eq!(export["platform"], "matrix");
    assert_eq!(export["member"]["platform_user_id"], ann_id.as_str());
    assert_eq!(export["bookings"].as_array().unwrap().len(), 1);
    let dm = ann.dm_room(&bot).await;
    assert!(
        export["platform_notes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|note| {
                note["scope"] == dm.as_str()
                    && note["name"] == "dm_of"
                    && note["value"] == ann_id.as_str()
            }),
        "{export:#}"
    );

    // Asking erases nothing; the question says what to reply.
    let asked = ann
        .command(&community.room, "!focusfolk privacy delete")
        .await;
    assert!(asked.contains("Delete your data?"), "{asked}");
    assert!(asked.contains("privacy delete confirm"), "{asked}");
    let store = Store::connect(&community.home.database_url)
        .await
        .expect("store");
    let matrix_community = store
        .ensure_community(
            Platform::Matrix,
            community.room.as_str(),
            &Default::default(),
        )
        .await
        .expect("community");
    assert!(store
        .member_by_platform_id(matrix_community.id, &ann_id)
        .await
        .expect("read")
        .is_some());

    // The reply line, in the DM: erased, and the bot leaves that room.
    let erased = ann.command(&dm, "privacy delete confirm").await;
    assert!(erased.contains("Your data is deleted"), "{erased}");
    assert!(store
        .member_by_platform_id(matrix_community.id, &ann_id)
        .await
        .expect("read")
        .is_none());
    for (scope, name) in [
        (ann_id.as_str(), "community"),
        (ann_id.as_str(), "dm_room"),
        (dm.as_str(), "dm_of"),
    ] {
        assert_eq!(
            store
                .platform_state(Platform::Matrix, scope, name)
                .await
                .expect("read"),
            None,
            "{scope} {name}"
        );
    }
    eventually("the bot leaves the erased member's DM room", || async {
        (ann.membership_of(&dm, &bot).await.as_deref() == Some("leave")).then_some(())
    })
    .await;
}
