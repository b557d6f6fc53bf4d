//! The pages in a real browser (issue 13): headless Chromium (Debian's `chromium`, which
//! `./scripts/test` installs and names in `FOCUSFOLK_TEST_CHROMIUM`) loads the community page
//! and a member page from a running test server; the test reads the DOM Chromium built (the
//! grid's booked cells, the figures, the heatmap's squares) and keeps screenshots in the
//! test's temporary directory. With `FOCUSFOLK_WEB_SCREENSHOT_OUT=path.png` the community
//! page's screenshot is also copied there (the README's picture comes from this test).

mod common;
#[path = "support/web.rs"]
mod web;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{at, spawn_app, TestApp, COMMUNITY};
use focusfolk::core::model::Platform;
use focusfolk::engine::Actor;
use web::{path_in, WebServer};

const WIDTH: u32 = 900;
const HEIGHT: u32 = 1500;

fn chromium() -> PathBuf {
    if let Ok(path) = std::env::var("FOCUSFOLK_TEST_CHROMIUM") {
        return PathBuf::from(path);
    }
    for candidate in ["/usr/bin/chromium", "/usr/bin/chromium-browser"] {
        if Path::new(candidate).exists() {
            return PathBuf::from(candidate);
        }
    }
    panic!(
        "no Chromium: run ./scripts/test (it installs Debian's chromium) or set \
         FOCUSFOLK_TEST_CHROMIUM; the browser tests never skip"
    );
}

/// Runs headless Chromium with `arguments` + `url`, at most 90 s; its standard output.
fn run_chromium(profile: &Path, arguments: &[String], url: &str) -> String {
    let mut child = Command::new(chromium())
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            "--no-first-run",
            "--disable-extensions",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--force-device-scale-factor=1",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(arguments)
        .arg(url)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start chromium");
    let deadline = Instant::now() + Duration::from_secs(90);
    loop {
        if child.try_wait().expect("chromium status").is_some() {
            break;
        }
        if Instant::now() > deadline {
            child.kill().ok();
            panic!("chromium took longer than 90 s on {url}");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let output = child.wait_with_output().expect("chromium output");
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// The DOM Chromium built from `url`, and a screenshot of it at `screenshot`.
async fn look_at(directory: &Path, url: String, screenshot: PathBuf) -> String {
    let profile = directory.join("chromium-profile");
    tokio::task::spawn_blocking(move || {
        let dom = run_chromium(&profile, &["--dump-dom".to_string()], &url);
        run_chromium(
            &profile,
            &[
                format!("--screenshot={}", screenshot.display()),
                format!("--window-size={WIDTH},{HEIGHT}"),
            ],
            &url,
        );
        dom
    })
    .await
    .expect("chromium task")
}

/// A PNG's width and height, from its IHDR chunk.
fn png_size(path: &Path) -> (u32, u32) {
    let bytes = std::fs::read(path).unwrap_or_else(|_| panic!("no screenshot at {path:?}"));
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "not a PNG");
    let be = |at: usize| u32::from_be_bytes(bytes[at..at + 4].try_into().unwrap());
    (be(16), be(20))
}

async fn say(app: &TestApp, member: &str, text: &str) -> String {
    let actor = Actor::new(Platform::Shell, COMMUNITY, member, member).as_community_admin();
    app.engine.handle_text(&actor, text).await.render_plain()
}

#[tokio::test]
async fn a_person_sees_the_week_the_figures_and_the_heatmap_in_chromium() {
    let app = spawn_app().await;
    let server = WebServer::start(app.engine.clone()).await;
    let page = path_in(&say(&app, "owner", "setup page public").await, "/c/");
    // A small community's week: six quarter hours booked by ten members.
    let bookings = [
        ("ada", "book 9:00 25m"),
        ("ben", "book 9:00 25m"),
        ("cy", "book 9:00 50m"),
        ("dov", "book 9:00 50m"),
        ("dee", "book tomorrow 9:00 50m"),
        ("eli", "book tomorrow 9:00 50m"),
        ("fay", "book wed 14:30 25m"),
        ("gus", "book thu 7:15 75m"),
        ("hal", "book fri 16:00 50m"),
        ("ivy", "book fri 16:00 50m"),
        ("ada", "book sat 10:00 25m"),
    ];
    for (member, command) in bookings {
        let reply = say(&app, member, command).await;
        assert!(reply.contains("Booked"), "{member}: {reply}");
    }
    app.advance_to(at(9, 0)).await;
    app.join(&["ada", "ben", "cy", "dov"]);
    app.advance_to(at(9, 30)).await;

    let shots = app.directory.path().join("screenshots");
    std::fs::create_dir_all(&shots).unwrap();
    let community_png = shots.join("community.png");
    let dom = look_at(
        app.directory.path(),
        server.url(&page),
        community_png.clone(),
    )
    .await;
    assert!(dom.contains("Focus sessions this week"), "{dom}");
    // Today's 9:00 has started, so the coming week's grid starts today and holds every slot.
    assert_eq!(
        dom.matches("class=\"booked\"").count(),
        6,
        "six booked cells"
    );
    assert!(dom.contains("data-booked=\"4\""), "four at 9:00 today");
    assert!(dom.contains("25/50 min"));
    assert!(
        dom.contains("data-figure=\"sessions-this-week\">11<"),
        "eleven this week"
    );
    assert!(dom.contains("data-figure=\"show-up-rate\">100%<"));
    assert_eq!(
        dom.matches("<rect").count(),
        7 * 24,
        "the heatmap's squares"
    );
    for name in ["ada", "ben", "cy", "dee", "ivy"] {
        assert!(!dom.contains(&format!(">{name}<")), "{name} on the page");
    }
    assert_eq!(png_size(&community_png), (WIDTH, HEIGHT));
    if let Ok(out) = std::env::var("FOCUSFOLK_WEB_SCREENSHOT_OUT") {
        std::fs::copy(&community_png, out).expect("copy the screenshot");
    }

    let me = path_in(&say(&app, "ada", "calendar").await, "/me/");
    let member_png = shots.join("member.png");
    let dom = look_at(app.directory.path(), server.url(&me), member_png.clone()).await;
    assert!(dom.contains("Hi ada."), "{dom}");
    assert_eq!(
        dom.matches("data-booking=").count(),
        1,
        "ada's Saturday session"
    );
    assert!(dom.contains("Sessions attended"));
    assert!(dom.contains("<svg"));
    assert_eq!(png_size(&member_png), (WIDTH, HEIGHT));
    // Keep the pictures when asked (the temp dir goes with the test).
    if let Ok(keep) = std::env::var("FOCUSFOLK_WEB_SCREENSHOT_DIR") {
        for png in [&community_png, &member_png] {
            std::fs::copy(png, Path::new(&keep).join(png.file_name().unwrap())).unwrap();
        }
    }
}
