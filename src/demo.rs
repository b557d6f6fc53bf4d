//! `focusfolk demo`: a scripted morning, typed into the same shell a person would use, so the
//! transcript shows exactly what members see. Seven members in three zones book one 50-minute
//! slot; matching makes two pairs and a trio; two members don't show and their stranded
//! partners are re-paired together; check-ins go out; rooms close.

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
        .with_ymd_and_hms(2026, 11, 30, 7, 30, 0)
        .single()
        .ok_or_else(|| anyhow::anyhow!("bad demo start"))?;
    let mut session =
        build_shell_session(database_url, CommunitySettings::default(), start, "demo").await?;
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
    Ok(session)
}

async fn say(session: &mut ShellSession, print: &mut impl FnMut(&str), line: &str) {
    print(&format!("{}> {line}", session.current_user));
    if let Some(output) = session.handle_line(line).await {
        if !output.is_empty() {
            print(&output);
        }
    }
}
