//! Calendars on Matrix (issue 13): a booking's `.ics` invite and a cancel's cancellation are
//! uploaded to the media repository and posted as files in the member's DM, where the member
//! downloads them and an independent parser reads them back; `calendar` answers with the feed.

use matrix_sdk::media::{MediaFormat, MediaRequestParameters};
use matrix_sdk::ruma::events::room::MediaSource;
use matrix_sdk::ruma::OwnedMxcUri;
use serde_json::Value;

use crate::support::{Community, Member};
use crate::synapse::Synapse;
use crate::wait::eventually;
use crate::web::{calendar_property, parse_events, utc_value};

/// The bot's `m.file` posts in the member's DM, oldest first, once there are `count`.
pub(crate) async fn files_in_dm(member: &Member, bot: &str, count: usize) -> Vec<Value> {
    let room = member.dm_room(bot).await;
    eventually(
        &format!("{count} file(s) in {}'s DM", member.name),
        || async {
            let files: Vec<Value> = member
                .history(&room)
                .await
                .into_iter()
                .filter(|event| event["sender"] == bot && event["content"]["msgtype"] == "m.file")
                .collect();
            (files.len() >= count).then_some(files)
        },
    )
    .await
}

pub(crate) async fn download(member: &Member, file: &Value) -> String {
    let uri: OwnedMxcUri = file["content"]["url"].as_str().expect("mxc url").into();
    let request = MediaRequestParameters {
        source: MediaSource::Plain(uri),
        format: MediaFormat::File,
    };
    let bytes = member
        .client
        .media()
        .get_media_content(&request, false)
        .await
        .expect("download the file");
    String::from_utf8(bytes).expect("utf-8")
}

#[tokio::test]
async fn the_invite_and_the_cancellation_arrive_as_files_in_the_dm() {
    let community = Community::start(Synapse::from_env(), &["ann"]).await;
    let ann = community.member("ann");
    let bot = community.bot_id();
    let booked = ann
        .command(&community.room, "!focusfolk book 9:00 25m")
        .await;
    assert!(booked.contains("Booked"), "{booked}");
    let files = files_in_dm(ann, &bot, 1).await;
    assert_eq!(files[0]["content"]["info"]["mimetype"], "text/calendar");
    assert!(files[0]["content"]["body"]
        .as_str()
        .unwrap()
        .ends_with(".ics"));
    let invite = download(ann, &files[0]).await;
    let event = &parse_events(&invite)[0];
    assert_eq!(utc_value(&event["DTSTART"]), crate::at(9, 0));

    let cancelled = ann.command(&community.room, "!focusfolk cancel").await;
    assert!(cancelled.contains("Cancelled"), "{cancelled}");
    let files = files_in_dm(ann, &bot, 2).await;
    let cancel = download(ann, &files[1]).await;
    assert_eq!(
        calendar_property(&cancel, "METHOD").as_deref(),
        Some("CANCEL")
    );
    assert_eq!(parse_events(&cancel)[0]["UID"], event["UID"]);

    let link = ann.command(&community.room, "!focusfolk calendar").await;
    assert!(link.contains("/ical/") && link.contains("/me/"), "{link}");
}
