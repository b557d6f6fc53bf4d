//! Issue 11's check-in on Matrix: its actions are reply lines; replying the Add friend line
//! sends the partner a friend request, and replying the Report line (with a reason) posts the
//! report in the moderators' room an admin set with `setup moderators <room>`, pinging nobody
//! and never reaching the reported member.

use crate::support::{Community, Member};
use crate::synapse::Synapse;
use crate::{at, CHECK_IN};

/// The command of the check-in line that starts with `→ Reply \`<starts>`.
fn reply_line(check_in: &str, starts: &str) -> String {
    let line = check_in
        .lines()
        .find(|line| line.starts_with(&format!("→ Reply `{starts}")))
        .unwrap_or_else(|| panic!("a `{starts}` line in: {check_in}"));
    line.split('`').nth(1).unwrap().to_string()
}

#[tokio::test]
async fn the_check_ins_add_friend_and_report_lines_work_and_the_report_reaches_only_the_moderators()
{
    let community = Community::start(Synapse::from_env(), &["ann", "ben"]).await;
    let (ann, ben) = (community.member("ann"), community.member("ben"));
    let room = &community.room;
    let bot = community.bot_id();

    // A moderator's private room with the bot invited; ann (the community's creator, an
    // admin) points the bot at it.
    let moderator = Member::new(&community.synapse, "mod").await;
    let moderators_room = moderator.create_community(&bot).await;
    let set = ann
        .command(
            room,
            &format!("!focusfolk setup moderators {moderators_room}"),
        )
        .await;
    assert!(set.contains("Moderators' room set"), "{set}");
    // ben is no admin.
    let refused = ben
        .command(
            room,
            &format!("!focusfolk setup moderators {moderators_room}"),
        )
        .await;
    assert!(refused.contains("Only community admins"), "{refused}");

    community.book_all("!focusfolk book 9:00 25m").await;
    community.bot.advance_to(at(9, 0)).await;
    for (pair_room, names) in community.pair_rooms(1).await {
        for name in names {
            community.member(&name).join(&pair_room).await;
        }
    }
    community.bot.advance_to(at(9, 25)).await;

    let check_in = ann.wait_for_dm(&bot, CHECK_IN).await;
    let ben_id = ben.user.user_id.to_string();
    assert!(
        check_in.contains(&format!("→ Reply `favourite {ben_id}`"))
            && check_in.contains(&format!("→ Reply `block {ben_id}`"))
            && check_in.contains("checkin ")
            && check_in.contains("→ Reply `book 2026-12-07 09:00 25m`"),
        "{check_in}"
    );
    let dm = ann.dm_room(&bot).await;

    // Add friend: the line as it is.
    let add_friend = reply_line(&check_in, "friend ");
    assert_eq!(add_friend, format!("friend {ben_id}"));
    let asked = ann.command(&dm, &add_friend).await;
    assert!(asked.contains("You asked"), "{asked}");
    ben.wait_for_dm(&bot, "would like to be friends").await;

    // Report: the line with the reason in place of its placeholder.
    let report = reply_line(&check_in, "report ");
    assert_eq!(report, format!("report {ben_id} <what happened>"));
    let reason = "kept talking over me the whole session";
    let sent = ann
        .command(&dm, &report.replace("<what happened>", reason))
        .await;
    assert!(
        sent.contains("Report sent") && sent.contains("They aren't told who reported them"),
        "{sent}"
    );
    let note = crate::wait::eventually("the report in the moderators' room", || async {
        moderator
            .history(&moderators_room)
            .await
            .into_iter()
            .find(|event| {
                event["content"]["body"]
                    .as_str()
                    .is_some_and(|body| body.contains(reason))
            })
    })
    .await;
    let body = note["content"]["body"].as_str().unwrap();
    assert!(
        body.contains("Report #1: ") && body.contains(&ben.user.localpart),
        "{body}"
    );
    assert_eq!(
        note["content"]["m.mentions"],
        serde_json::json!({}),
        "the note pings nobody"
    );
    assert_eq!(note["sender"].as_str(), Some(bot.as_str()));
    // ben hears nothing of it, anywhere he can read.
    assert_eq!(ben.dms_containing(&bot, reason).await, 0);
    assert!(ben
        .history(room)
        .await
        .iter()
        .all(|event| !event["content"]["body"]
            .as_str()
            .unwrap_or_default()
            .contains(reason)));
}
