//! The bot dies mid-slot — right after the homeserver accepted an announcement DM, before the
//! database recorded it — and comes back: the same device, the DM not doubled (the retry reuses
//! the transaction id), commands sent while it was down answered once, old ones not again.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use focusfolk::engine::jobs::JobError;
use focusfolk::engine::{FaultInjector, FaultPoint, NoFaults};

use crate::support::{Bot, BotHome, Community};
use crate::synapse::Synapse;
use crate::{at, ANNOUNCE};

/// Dies once, after the first announcement DM reached the homeserver.
#[derive(Default)]
struct DieAfterFirstAnnouncement {
    died: AtomicBool,
}

impl FaultInjector for DieAfterFirstAnnouncement {
    fn should_crash(&self, point: &FaultPoint<'_>) -> bool {
        matches!(point, FaultPoint::AfterEffectBeforeRecord { key } if key.starts_with("dm:announce"))
            && !self.died.swap(true, Ordering::SeqCst)
    }
}

#[tokio::test]
async fn a_restart_mid_slot_keeps_the_device_and_doubles_no_dm_and_no_reply() {
    let synapse = Synapse::from_env();
    let bot_user = synapse.register("bot").await;
    let home = BotHome::new(&synapse, &bot_user, crate::test_start());
    let faults = Arc::new(DieAfterFirstAnnouncement::default());
    let community = Community::start_with(
        synapse.clone(),
        bot_user.clone(),
        home.clone(),
        &["ann", "ben"],
        faults.clone(),
    )
    .await;
    let bot = community.bot_id();
    let (ann, ben) = (community.member("ann"), community.member("ben"));
    let booked = ann.say(&community.room, "!focusfolk book 9:00 50m").await;
    assert!(ann
        .reply_to(&community.room, &booked)
        .await
        .contains("Booked"));
    assert!(ben
        .command(&community.room, "!focusfolk book 9:00 50m")
        .await
        .contains("Booked"));
    let device = community.bot.platform.device_id();
    let devices = synapse.devices(&bot_user.access_token).await;

    community.bot.advance_to(at(8, 59)).await;
    match community.bot.try_advance_to(at(9, 0)).await {
        Err(JobError::Crashed) => {}
        other => panic!("expected the simulated crash, got {other:?}"),
    }
    assert!(faults.died.load(Ordering::SeqCst));
    let Community {
        bot: dead,
        members,
        room,
        ..
    } = community;
    dead.stop().await;

    // While the bot is down, ben asks something.
    let (ann, ben) = (&members[0], &members[1]);
    let asked = ben.say(&room, "!focusfolk sessions").await;

    let bot_again = Bot::start(&home, Arc::new(NoFaults)).await;
    assert_eq!(
        bot_again.platform.device_id(),
        device,
        "the stored session is restored"
    );
    assert_eq!(
        synapse.devices(&bot_user.access_token).await,
        devices,
        "no new device"
    );
    assert!(
        ben.reply_to(&room, &asked)
            .await
            .contains("Your upcoming sessions"),
        "answered after the restart"
    );

    bot_again.advance_to(at(9, 1)).await;
    for member in [ann, ben] {
        assert_eq!(
            member.dms_containing(&bot, ANNOUNCE).await,
            1,
            "{}: exactly one announcement",
            member.name
        );
    }
    // The replayed sync did not answer the booking a second time.
    let replies_to_booking = ann
        .history(&room)
        .await
        .into_iter()
        .filter(|event| {
            event["content"]["m.relates_to"]["m.in_reply_to"]["event_id"] == booked.as_str()
        })
        .count();
    assert_eq!(replies_to_booking, 1);
}
