//! `focusfolk demo` runs its whole story on a fresh SQLite file, and the story shows what it
//! says it shows: a friend request accepted, a session locked in with that friend, a partner
//! message relayed, and a member who chose "Rematch now" handed the free regular.

use focusfolk::demo::run_demo;

const REPAIRED: &str = "re-paired you";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_shows_a_friend_request_a_locked_pair_a_partner_message_and_a_rematch_to_a_regular(
) {
    let directory = tempfile::tempdir().unwrap();
    let url = format!(
        "sqlite://{}",
        directory.path().join("demo.sqlite").display()
    );
    let mut transcript = String::new();
    let session = run_demo(&url, |line| {
        transcript.push_str(line);
        transcript.push('\n');
    })
    .await
    .expect("the demo runs");
    let dms = |member: &str| session.platform.direct_messages_to(member);

    // Act one as before: the no-shows' partners are re-paired together.
    assert!(transcript.contains("── 09:03"), "{transcript}");

    // The friend request reaches bruno, and his answer makes them friends.
    assert!(
        dms("bruno")
            .iter()
            .any(|dm| dm.contains("alice") && dm.contains("friend")),
        "{:?}",
        dms("bruno")
    );
    assert!(
        dms("alice")
            .iter()
            .any(|dm| dm.contains("bruno") && dm.contains("accepted")),
        "{:?}",
        dms("alice")
    );

    // Locked in: at 10:30 alice's partner is bruno, although the matcher would otherwise have
    // given a regular's seat or a newcomer's to either of them.
    let alice = dms("alice");
    let last_start = alice
        .iter()
        .rfind(|dm| dm.contains("It's time"))
        .expect("alice was announced");
    assert!(last_start.contains("bruno"), "{last_start}");

    // The partner message reached bruno, with alice's name and a way to reply.
    let bruno = dms("bruno");
    let relayed: Vec<&String> = bruno
        .iter()
        .filter(|dm| dm.contains("Slides first"))
        .collect();
    assert_eq!(relayed.len(), 1, "{:?}", dms("bruno"));
    assert!(relayed[0].contains("alice"), "{}", relayed[0]);

    // Rematch now: one of the newcomers was re-paired with goro, the regular.
    let rematched_with_goro = ["chloe", "dana", "eli"].iter().any(|name| {
        dms(name)
            .iter()
            .any(|dm| dm.contains(REPAIRED) && dm.contains("goro"))
    });
    assert!(rematched_with_goro, "{transcript}");
}
