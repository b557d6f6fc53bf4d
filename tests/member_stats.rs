//! `stats` and `leaderboard` on the shell (issue 11): a member's sessions, hours, weekly
//! streak, show-up rate, partners and text heatmap after real sessions run through the
//! lifecycle; the leaderboard shows only members who opted in; `stats` names partners and
//! tells nothing else about them, and a partner who left is "a former member". Also the PNG
//! the chat platforms get, decoded.

mod common;
#[path = "support/web.rs"]
mod web;

use chrono::{DateTime, Duration, Utc};
use common::{at, spawn_app, test_limits, TestApp, COMMUNITY};
use focusfolk::core::member_stats::FocusHeatmap;
use focusfolk::engine::stats_image::{cell_origin, heatmap_png, CELL, HEIGHT, WIDTH};

/// `who` book the session at `date time` (UTC members) for 50 minutes, it runs, and `present`
/// join it; the clock ends an hour later, after the attendance check and the check-in.
async fn session(app: &TestApp, date_time: &str, who: &[&str], present: &[&str]) {
    for member in who {
        let reply = app.say(member, &format!("book {date_time} 50m")).await;
        assert!(reply.contains("Booked"), "{member}: {reply}");
    }
    let start = DateTime::parse_from_rfc3339(&format!("{}:00Z", date_time.replace(' ', "T")))
        .unwrap()
        .with_timezone(&Utc);
    app.advance_to(start).await;
    app.join(present);
    app.advance_to(start + Duration::minutes(70)).await;
}

/// Three weeks of sessions for ann: with ben on 30 Nov and 15 Dec, with cat on 7 Dec, and a
/// no-show on 16 Dec (dan waited alone).
async fn three_weeks_of_ann(app: &TestApp) {
    session(app, "2026-11-30 09:00", &["ann", "ben"], &["ann", "ben"]).await;
    session(app, "2026-12-07 09:00", &["ann", "cat"], &["ann", "cat"]).await;
    session(app, "2026-12-15 09:00", &["ann", "ben"], &["ann", "ben"]).await;
    session(app, "2026-12-16 09:00", &["ann", "dan"], &["dan"]).await;
}

#[tokio::test]
async fn stats_count_sessions_hours_the_weekly_streak_and_partners() {
    let app = spawn_app().await;
    let empty = app.say("ann", "stats").await;
    assert!(empty.contains("No sessions on record yet"), "{empty}");
    assert!(empty.contains("`book next`"), "{empty}");

    three_weeks_of_ann(&app).await;
    let stats = app.say("ann", "stats").await;
    assert!(stats.starts_with("Your focus stats"), "{stats}");
    assert!(stats.contains("Sessions: 3"), "{stats}");
    assert!(stats.contains("Hours: 2.5"), "{stats}");
    assert!(stats.contains("Weekly streak: 3 weeks"), "{stats}");
    assert!(stats.contains("Show-up rate: 75%"), "{stats}");
    assert!(
        stats.contains("Most frequent partners: ben (2), cat (1)"),
        "{stats}"
    );
    // dan was booked with ann but ann never came: no partner of hers.
    assert!(!stats.contains("dan"), "{stats}");
    // The text heatmap: Monday and Tuesday at 9:00 are shaded, the rest of 9:00 is not.
    let rows: Vec<&str> = stats
        .lines()
        .skip_while(|line| !line.contains("When you focused"))
        .skip(2)
        .take(7)
        .collect();
    assert_eq!(rows.len(), 7, "{stats}");
    let hour = |row: &str, hour: usize| row.chars().nth(5 + hour).unwrap();
    assert!(
        rows[0].starts_with("Mon") && hour(rows[0], 9) == '█',
        "{stats}"
    );
    assert_ne!(hour(rows[1], 9), '·', "{stats}");
    assert_eq!(hour(rows[2], 9), '·', "{stats}");
    assert_eq!(hour(rows[0], 10), '·', "{stats}");
    assert!(stats.contains("Monday to Sunday, UTC"), "{stats}");

    // A week with no session ends the streak once it is over.
    app.advance_to(at(8, 0) + Duration::days(28)).await; // Monday 28 Dec
    let later = app.say("ann", "stats").await;
    assert!(later.contains("Weekly streak: 0 weeks"), "{later}");
    assert!(later.contains("Sessions: 3"), "{later}");
}

#[tokio::test]
async fn the_heatmap_and_weeks_are_in_the_members_own_zone() {
    let app = spawn_app().await;
    // 09:00 UTC on a Monday is 18:00 in Tokyo; Sunday 6 Dec 20:00 UTC is Monday 7 Dec 05:00
    // there, so in Tokyo the two sessions are in consecutive weeks, in UTC in the same week.
    assert!(app
        .say("ann", "timezone Asia/Tokyo")
        .await
        .contains("Asia/Tokyo"));
    for (when, start) in [
        ("2026-11-30 18:00", at(9, 0)),
        ("2026-12-07 05:00", at(20, 0) + Duration::days(6)),
    ] {
        assert!(app
            .say("ann", &format!("book {when} 25m"))
            .await
            .contains("Booked"));
        assert!(app
            .say(
                "ben",
                &format!("book {} 25m", start.format("%Y-%m-%d %H:%M"))
            )
            .await
            .contains("Booked"));
        app.advance_to(start).await;
        app.join(&["ann", "ben"]);
        app.advance_to(start + Duration::minutes(40)).await;
    }
    let stats = app.say("ann", "stats").await;
    assert!(stats.contains("Sessions: 2"), "{stats}");
    assert!(stats.contains("Weekly streak: 2 weeks"), "{stats}");
    let monday = stats
        .lines()
        .find(|line| line.starts_with("Mon  "))
        .unwrap_or_else(|| panic!("{stats}"));
    let cells: Vec<char> = monday.chars().skip(5).collect();
    assert_ne!(cells[18], '·', "{stats}");
    assert_ne!(cells[5], '·', "{stats}");
    assert_eq!(cells[9], '·', "{stats}");
    // ben, in UTC, had both sessions in the week of 30 Nov.
    let bens = app.say("ben", "stats").await;
    assert!(bens.contains("Weekly streak: 1 week"), "{bens}");
}

#[tokio::test]
async fn the_leaderboard_shows_only_members_who_opted_in() {
    let app = spawn_app().await;
    three_weeks_of_ann(&app).await;
    // Everyone focused this month (December); only cat and ann opt in, ann later leaves it.
    let empty = app.say("ben", "leaderboard").await;
    assert!(empty.contains("Nobody on the leaderboard"), "{empty}");
    assert!(empty.contains("`prefs leaderboard on`"), "{empty}");
    assert!(!empty.contains("ann") && !empty.contains("cat"), "{empty}");

    assert!(app
        .say("cat", "prefs leaderboard on")
        .await
        .contains("You're on the leaderboard now"));
    assert!(app
        .say("ann", "prefs leaderboard on")
        .await
        .contains("on the leaderboard"));
    assert!(app
        .say("ann", "leaderboard")
        .await
        .contains("You're on the leaderboard; to leave it, say `prefs leaderboard off`."));
    let board = app.say("ben", "leaderboard").await;
    assert!(board.starts_with("Leaderboard · December 2026"), "{board}");
    // December: ann 2 sessions (7 and 15 Dec), cat 1; ben (1 in December) and dan are out.
    assert!(board.contains("1. ann · 1.7 h"), "{board}");
    assert!(board.contains("2. cat · 0.8 h"), "{board}");
    assert!(!board.contains("ben") && !board.contains("dan"), "{board}");

    assert!(app
        .say("ann", "prefs leaderboard off")
        .await
        .contains("You're off the leaderboard"));
    let board = app.say("cat", "leaderboard").await;
    assert!(!board.contains("ann"), "{board}");
    assert!(board.contains("1. cat"), "{board}");
    assert!(board.contains("You're on the leaderboard"), "{board}");

    let bad = app.say("ann", "prefs leaderboard maybe").await;
    assert!(bad.contains("The leaderboard can be on or off."), "{bad}");
    let extra = app.say("ann", "leaderboard all").await;
    assert!(
        extra.contains("leaderboard takes nothing after it"),
        "{extra}"
    );
}

#[tokio::test]
async fn stats_name_partners_only_and_a_partner_who_left_neutrally() {
    let app = spawn_app().await;
    three_weeks_of_ann(&app).await;
    // ben's own figures never show in ann's stats, nor do his prefs.
    assert!(app
        .say("ben", "prefs leaderboard on")
        .await
        .contains("on the leaderboard"));
    let stats = app.say("ann", "stats").await;
    let ben_line = stats
        .lines()
        .find(|line| line.contains("ben"))
        .unwrap_or_else(|| panic!("{stats}"));
    assert_eq!(ben_line, "Most frequent partners: ben (2), cat (1)");
    assert_eq!(
        stats.matches("ben").count(),
        1,
        "ben is named once, as a partner: {stats}"
    );

    app.platform.remove_member(COMMUNITY, "ben");
    let stats = app.say("ann", "stats").await;
    assert!(
        stats.contains("Most frequent partners: a former member (2), cat (1)"),
        "{stats}"
    );
    assert!(!stats.contains("ben"), "{stats}");
}

/// Luminance of the pixel at (x, y) of an RGB picture `WIDTH` wide.
fn luminance(pixels: &[u8], x: u32, y: u32) -> f64 {
    let at = ((y * WIDTH + x) * 3) as usize;
    let (r, g, b) = (
        pixels[at] as f64,
        pixels[at + 1] as f64,
        pixels[at + 2] as f64,
    );
    0.2126 * r + 0.7152 * g + 0.0722 * b
}

#[test]
fn the_png_heatmap_decodes_and_busier_hours_are_darker() {
    let mut map = FocusHeatmap {
        minutes: [[0; 24]; 7],
    };
    map.minutes[0][9] = 120; // Monday 9:00, the busiest
    map.minutes[2][14] = 30; // Wednesday 14:00
    let bytes = heatmap_png(&map).unwrap();
    let decoder = png::Decoder::new(std::io::Cursor::new(bytes));
    let mut reader = decoder.read_info().unwrap();
    let mut pixels = vec![0; reader.output_buffer_size().unwrap()];
    let frame = reader.next_frame(&mut pixels).unwrap();
    assert_eq!((frame.width, frame.height), (WIDTH, HEIGHT));
    assert_eq!(frame.color_type, png::ColorType::Rgb);
    let centre = |day: usize, hour: usize| {
        let (x, y) = cell_origin(day, hour);
        luminance(&pixels, x + CELL / 2, y + CELL / 2)
    };
    let busiest = centre(0, 9);
    let busy = centre(2, 14);
    let empty = centre(4, 3);
    assert!(busiest < busy, "{busiest} < {busy}");
    assert!(busy < empty, "{busy} < {empty}");
    // Every empty hour looks the same.
    assert_eq!(centre(6, 23), empty);
    assert_eq!(centre(0, 0), empty);
}

#[tokio::test]
async fn the_member_page_shows_the_stats_and_the_reply_links_to_it_with_a_web_address() {
    let plain = spawn_app().await;
    // With a public web address, `stats` links to the member's own page.
    let runner = focusfolk::engine::RunnerSettings {
        web_public_url: Some("https://focus.example.org/".to_string()),
        limits: test_limits(),
        ..focusfolk::engine::RunnerSettings::for_platform(focusfolk::core::model::Platform::Shell)
    };
    let engine = focusfolk::engine::Engine::new(
        focusfolk::store::Store::connect_and_migrate(&plain.database_url)
            .await
            .unwrap(),
        plain.platform.clone(),
        plain.clock.clone(),
        focusfolk::core::model::CommunitySettings::default(),
        runner,
    );
    let app = TestApp {
        engine,
        platform: plain.platform.clone(),
        clock: plain.clock.clone(),
        database_url: plain.database_url.clone(),
        directory: plain.directory.clone(),
    };
    three_weeks_of_ann(&app).await;
    let stats = app.say("ann", "stats").await;
    let link = stats
        .lines()
        .find_map(|line| line.strip_prefix("More on your page: https://focus.example.org"))
        .unwrap_or_else(|| panic!("{stats}"))
        .to_string();
    assert!(link.starts_with("/me/"), "{link}");
    // Without one, no link (the paths alone would lead nowhere from a chat).
    assert!(!plain
        .say("ann", "stats")
        .await
        .contains("More on your page"));

    let server = web::WebServer::start(app.engine.clone()).await;
    let (status, _, html) = server.get(&link).await;
    assert_eq!(status, 200);
    let figure = |name: &str| {
        let start = html
            .find(&format!("data-figure=\"{name}\">"))
            .unwrap_or_else(|| panic!("no {name} in {html}"));
        let rest = &html[start..];
        rest[rest.find('>').unwrap() + 1..rest.find("</dd>").unwrap()].to_string()
    };
    assert_eq!(figure("hours"), "2.5 in 3 sessions");
    assert_eq!(figure("streak"), "3 weeks (Monday to Sunday, UTC)");
    assert_eq!(figure("member-show-up-rate"), "75%");
    assert_eq!(figure("partners"), "ben (2), cat (1)");
    assert!(!html.contains("dan ("), "nobody but partners is named");
}
