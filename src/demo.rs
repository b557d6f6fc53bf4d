//! `focusfolk demo`: a scripted morning, typed into the same shell a person would use, so the
//! transcript shows exactly what members see. Before today (run quietly): two members meet
//! weekly for five weeks and become regulars. Then seven members in three zones book one
//! 50-minute slot; matching makes two pairs and a trio; two members don't show and their
//! stranded partners are re-paired together; check-ins go out; rooms close. Act two: a friend
//! request, a session locked in with that friend, a partner message, and a late partner whose
//! member chooses "Rematch now" and is handed the free regular.

use std::sync::Arc;

use chrono::TimeZone;

use crate::clock::ManualClock;
use crate::core::model::{CommunitySettings, Platform};
use crate::engine::{CommandLimits, Engine, RunnerSettings};
use crate::platform::shell::ShellPlatform;
use crate::shell_repl::ShellSession;
use crate::store::Store;

/// (name, zone, what they type to book 09:00 UTC in their own wall time)
const DEMO_MEMBERS: [(&str, &str, &str); 7] = [
    ("alice", "Europe/Paris", "book 10:00 50m"),
    ("bruno", "Europe/Paris", "book 10:00 50m"),
    ("chloe", "Europe/Paris", "book today 10:00 50m"),
    ("dana", "America/New_York", "book 4am 50m"),
    ("eli", "America/New_York", "book 04:00 50m"),
    ("fumiko", "Asia/Tokyo", "book 18:00 50m"),
    ("goro", "Asia/Tokyo", "book 6pm 50m"),
];

/// `focusfolk shell`'s database unless `--database` says otherwise: its own file, so a manual
/// clock never touches the bot's database (where it would run real members' jobs).
pub const SHELL_DATABASE_URL: &str = "sqlite://focusfolk-shell.sqlite";

/// A shell on `database_url`. Its engine serves only shell communities: on a database that
/// also holds Discord or Matrix communities it claims, sweeps and fast-forwards none of their
/// jobs or rooms.
pub async fn build_shell_session(
    database_url: &str,
    defaults: CommunitySettings,
    start: chrono::DateTime<chrono::Utc>,
    community: &str,
) -> anyhow::Result<ShellSession> {
    let store = Store::connect_and_migrate(database_url).await?;
    let platform = Arc::new(ShellPlatform::new());
    let clock = Arc::new(ManualClock::new(start));
    let runner = RunnerSettings {
        worker_id: format!("shell-{}", std::process::id()),
        // One effect at a time: the shell prints DMs as they are sent, and a story reads
        // better (and the same every run) in a stable order. Nothing here is rate-limited.
        effects_in_flight: 1,
        // One person plays every member, and the clock stands still between their lines:
        // a command rate would lock them out until they `/advance`, whatever they wait.
        // The booking cap still holds.
        limits: CommandLimits {
            command_interval: std::time::Duration::ZERO,
            ..CommandLimits::default()
        },
        ..RunnerSettings::for_platform(Platform::Shell)
    };
    let engine = Engine::new(store, platform.clone(), clock.clone(), defaults, runner);
    engine.startup_sweep().await?;
    Ok(ShellSession {
        engine,
        platform,
        clock,
        community: community.to_string(),
        current_user: "alice".to_string(),
        attachment_dir: std::env::temp_dir()
            .join(format!("focusfolk-shell-{}", std::process::id())),
    })
}

/// Runs the scripted scenario, writing the transcript through `print`.
pub async fn run_demo(
    database_url: &str,
    mut print: impl FnMut(&str),
) -> anyhow::Result<ShellSession> {
    let start = chrono::Utc
        .with_ymd_and_hms(2026, 10, 26, 7, 30, 0)
        .single()
        .ok_or_else(|| anyhow::anyhow!("bad demo start"))?;
    let mut session =
        build_shell_session(database_url, CommunitySettings::default(), start, "demo").await?;
    make_two_regulars(&mut session, &mut print).await;
    print("── 07:30 UTC: seven members in three time zones book the 09:00 UTC slot in their own wall time");
    for (name, zone, booking) in DEMO_MEMBERS {
        say(&mut session, &mut print, &format!("/as {name}")).await;
        say(&mut session, &mut print, &format!("timezone {zone}")).await;
        say(&mut session, &mut print, booking).await;
    }
    say(&mut session, &mut print, "/as dana").await;
    say(&mut session, &mut print, "slots").await;

    print("── the clock fast-forwards: reminders at 08:50, matching and rooms at 08:58, announcements at 09:00");
    say(&mut session, &mut print, "/at 2026-11-30T09:00Z").await;

    // Everyone joins their room except the first member of each of the first two pairs.
    let rooms = session.platform.rooms();
    let pairs: Vec<&Vec<String>> = rooms
        .values()
        .filter(|room| room.open)
        .map(|room| &room.members)
        .filter(|members| members.len() == 2)
        .collect();
    let no_shows: Vec<String> = pairs
        .iter()
        .take(2)
        .map(|members| members[0].clone())
        .collect();
    print(&format!(
        "── everyone joins their room, except {} (they don't show)",
        no_shows.join(" and ")
    ));
    for (name, _, _) in DEMO_MEMBERS {
        if !no_shows.iter().any(|no_show| no_show == name) {
            say(&mut session, &mut print, &format!("/as {name}")).await;
            say(&mut session, &mut print, "/join").await;
        }
    }

    print("── 09:03: the attendance check finds the two no-shows and re-pairs their stranded partners");
    say(&mut session, &mut print, "/at 2026-11-30T09:03Z").await;
    let stranded: Vec<String> = pairs
        .iter()
        .take(2)
        .map(|members| members[1].clone())
        .collect();
    for name in &stranded {
        say(&mut session, &mut print, &format!("/as {name}")).await;
        say(&mut session, &mut print, "/join").await;
    }
    say(&mut session, &mut print, "/rooms").await;

    print("── 09:50: the session ends, check-ins go out; 09:55: rooms close");
    say(&mut session, &mut print, "/at 2026-11-30T09:56Z").await;
    say(
        &mut session,
        &mut print,
        &format!("/as {}", stranded.first().cloned().unwrap_or_default()),
    )
    .await;
    say(&mut session, &mut print, "prefs").await;
    say(
        &mut session,
        &mut print,
        &format!("/as {}", no_shows.first().cloned().unwrap_or_default()),
    )
    .await;
    say(&mut session, &mut print, "prefs").await;
    act_two(&mut session, &mut print).await;
    Ok(session)
}

/// Five Mondays before today, fumiko and goro meet at 08:00 UTC and never miss one: five
/// sessions attended and no no-show make each a reliable regular. Run, not printed.
async fn make_two_regulars(session: &mut ShellSession, print: &mut impl FnMut(&str)) {
    print("── before today (run quietly): fumiko and goro meet every Monday at 17:00 Tokyo time for five weeks and never miss one — that makes them reliable regulars");
    for name in ["fumiko", "goro"] {
        quietly(session, &format!("/as {name}")).await;
        quietly(session, "timezone Asia/Tokyo").await;
        quietly(session, "book 17:00 50m weekly").await;
    }
    for day in ["10-26", "11-02", "11-09", "11-16", "11-23"] {
        quietly(session, &format!("/at 2026-{day}T08:00Z")).await;
        for name in ["fumiko", "goro"] {
            quietly(session, &format!("/as {name}")).await;
            quietly(session, "/join").await;
        }
    }
    quietly(session, "/at 2026-11-23T09:00Z").await;
    for name in ["fumiko", "goro"] {
        quietly(session, &format!("/as {name}")).await;
        quietly(session, "cancel series").await;
    }
    quietly(session, "/at 2026-11-30T07:30Z").await;
    session.platform.take_unprinted_events();
}

/// 10:00–11:00 UTC: a friend request, a session locked in with that friend, a partner
/// message, and "Rematch now" handing a newcomer the free regular.
async fn act_two(session: &mut ShellSession, print: &mut impl FnMut(&str)) {
    print("── act two, 10:00 UTC: alice asks bruno to be friends; bruno accepts (on Discord a button, on Matrix a reply)");
    say(session, print, "/at 2026-11-30T10:00Z").await;
    say(session, print, "/as alice").await;
    say(session, print, "friend @bruno").await;
    say(session, print, "/as bruno").await;
    say(session, print, "friend accept @alice").await;

    print("── alice books 11:30 Paris time with bruno; bruno accepts the invitation: the matcher will keep the two together");
    say(session, print, "/as alice").await;
    say(session, print, "book 11:30 25m with @bruno").await;
    let invitation = session
        .platform
        .direct_messages_to("bruno")
        .iter()
        .rev()
        .find_map(|text| {
            let rest = &text[text.find("book accept ")? + "book accept ".len()..];
            let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
            (!digits.is_empty()).then_some(digits)
        })
        .unwrap_or_default();
    say(session, print, "/as bruno").await;
    say(session, print, &format!("book accept {invitation}")).await;

    print("── chloe, dana, eli and goro book the same slot (10:30 UTC); goro is a regular, the others are new");
    for (name, booking) in [
        ("chloe", "book 11:30 25m"),
        ("dana", "book 5:30 25m"),
        ("eli", "book 5:30 25m"),
        ("goro", "book 19:30 25m"),
    ] {
        say(session, print, &format!("/as {name}")).await;
        say(session, print, booking).await;
    }

    print("── before the start, alice messages her partner (no handle shared, a Reply action)");
    say(session, print, "/as alice").await;
    say(
        session,
        print,
        "msg Slides first, then email. See you at 10:30!",
    )
    .await;

    say(session, print, "/at 2026-11-30T10:30Z").await;
    let rooms = session.platform.rooms();
    let open_pairs: Vec<Vec<String>> = rooms
        .values()
        .filter(|room| room.open && room.members.len() == 2)
        .map(|room| room.members.clone())
        .filter(|members| !members.iter().any(|m| m == "alice" || m == "bruno"))
        .collect();
    let Some(with_goro) = open_pairs.iter().find(|p| p.iter().any(|m| m == "goro")) else {
        return;
    };
    let Some(other) = open_pairs.iter().find(|p| !p.iter().any(|m| m == "goro")) else {
        return;
    };
    let goro_partner = with_goro
        .iter()
        .find(|m| *m != "goro")
        .cloned()
        .unwrap_or_default();
    let (absent, stranded) = (other[0].clone(), other[1].clone());
    print(&format!(
        "── everyone joins except {goro_partner} (goro's partner) and {absent} ({stranded}'s partner)"
    ));
    for name in ["alice", "bruno", "goro", stranded.as_str()] {
        say(session, print, &format!("/as {name}")).await;
        say(session, print, "/join").await;
    }
    print(&format!(
        "── 10:32: {stranded}'s partner isn't there; {stranded} chooses Rematch now. Nobody else has asked yet, so at the 10:33 attendance check {stranded}, a newcomer, is handed goro, the free regular"
    ));
    say(session, print, "/at 2026-11-30T10:32Z").await;
    say(session, print, &format!("/as {stranded}")).await;
    say(session, print, "rematch now").await;
    say(session, print, "/advance 1m").await;
    for name in [stranded.as_str(), "goro"] {
        say(session, print, &format!("/as {name}")).await;
        say(session, print, "/join").await;
    }
    say(session, print, "/rooms").await;
    print("── 10:55: the session ends; the check-ins offer how it went, friend, favourite, block, report and next week");
    say(session, print, "/at 2026-11-30T10:56Z").await;
}

async fn quietly(session: &mut ShellSession, line: &str) {
    let _ = session.handle_line(line).await;
}

async fn say(session: &mut ShellSession, print: &mut impl FnMut(&str), line: &str) {
    print(&format!("{}> {line}", session.current_user));
    if let Some(output) = session.handle_line(line).await {
        if !output.is_empty() {
            print(&output);
        }
    }
}
