//! Session modes on Matrix (issue 11): a booking with a mode, seen in the reply and in the
//! announcement DM's "Mode" line; an unknown mode refused in plain words.

use crate::support::Community;
use crate::synapse::Synapse;

#[tokio::test]
async fn a_mode_booked_by_command_shows_in_the_announcement() {
    let community = Community::start(Synapse::from_env(), &["ann", "ben"]).await;
    let (ann, ben) = (community.member("ann"), community.member("ben"));
    let room = &community.room;
    let bot = community.bot_id();
    for member in [ann, ben] {
        let booked = member
            .command(room, "!focusfolk book 9:00 25m moving")
            .await;
        assert!(
            booked.contains("Booked") && booked.contains("Mode: moving"),
            "{booked}"
        );
    }
    let refused = ann.command(room, "!focusfolk book 10:00 dance").await;
    assert!(
        refused.contains("session modes are quiet, talk or moving"),
        "{refused}"
    );
    community.bot.advance_to(crate::at(9, 0)).await;
    for member in [ann, ben] {
        let announced = member.wait_for_dm(&bot, "It's time").await;
        assert!(announced.contains("Mode: moving"), "{announced}");
    }
}
