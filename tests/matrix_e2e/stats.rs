//! `stats` on Matrix (issue 11): after a real session (members join the pair room on a real
//! Synapse), the answer carries the figures, and the heatmap arrives in the member's DM as an
//! `m.image` with its size, uploaded to the media repository, downloaded here and decoded.

use matrix_sdk::media::{MediaFormat, MediaRequestParameters};
use matrix_sdk::ruma::events::room::MediaSource;
use matrix_sdk::ruma::OwnedMxcUri;
use serde_json::Value;

use focusfolk::engine::stats_image::{HEIGHT, WIDTH};

use crate::at;
use crate::support::Community;
use crate::synapse::Synapse;
use crate::wait::eventually;

#[tokio::test]
async fn stats_answer_with_figures_and_an_m_image_heatmap_in_the_dm() {
    let community = Community::start(Synapse::from_env(), &["ann", "ben"]).await;
    let bot = community.bot_id();
    community.book_all("!focusfolk book 9:00 25m").await;
    community.bot.advance_to(at(8, 59)).await;
    let rooms = community.pair_rooms(1).await;
    community.bot.advance_to(at(9, 0)).await;
    for (room, names) in &rooms {
        for name in names {
            let member = community.member(name);
            member.join(room).await;
        }
    }
    community.bot.advance_to(at(9, 35)).await;

    let ann = community.member("ann");
    let stats = ann.command(&community.room, "!focusfolk stats").await;
    assert!(stats.contains("Your focus stats"), "{stats}");
    assert!(stats.contains("Sessions: 1"), "{stats}");
    assert!(stats.contains("Hours: 0.4"), "{stats}");
    assert!(stats.contains("Weekly streak: 1 week"), "{stats}");
    assert!(stats.contains("one row per weekday"), "the legend: {stats}");

    let room = ann.dm_room(&bot).await;
    let image: Value = eventually("the heatmap in ann's DM", || async {
        ann.history(&room)
            .await
            .into_iter()
            .find(|event| event["sender"] == bot && event["content"]["msgtype"] == "m.image")
    })
    .await;
    let content = &image["content"];
    assert_eq!(content["info"]["mimetype"], "image/png");
    assert_eq!(content["info"]["w"], WIDTH);
    assert_eq!(content["info"]["h"], HEIGHT);
    assert_eq!(content["body"], "focus-heatmap.png");
    let uri: OwnedMxcUri = content["url"].as_str().expect("mxc url").into();
    let bytes = ann
        .client
        .media()
        .get_media_content(
            &MediaRequestParameters {
                source: MediaSource::Plain(uri),
                format: MediaFormat::File,
            },
            false,
        )
        .await
        .expect("download the picture");
    let reader = png::Decoder::new(std::io::Cursor::new(bytes))
        .read_info()
        .expect("a PNG");
    assert_eq!((reader.info().width, reader.info().height), (WIDTH, HEIGHT));
}
