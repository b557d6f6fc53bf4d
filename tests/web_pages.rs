//! The community and member pages (issue 13), over real HTTP: who may see them (public,
//! members with the key, off by default; unknown and revoked tokens are 404), what they show
//! (the week's booked cells, the figures, the heatmap), and that no other member's name or
//! id ever appears.

mod common;
#[path = "support/web.rs"]
mod web;

use common::{at, spawn_app, TestApp, COMMUNITY};
use focusfolk::core::model::Platform;
use focusfolk::engine::Actor;
use web::{path_in, WebServer};

/// Names no page text could contain by chance.
const ANN: &str = "quillaxann";
const BOB: &str = "bexleyxbob";

async fn admin_says(app: &TestApp, text: &str) -> String {
    let actor = Actor::new(Platform::Shell, COMMUNITY, "owner", "owner").as_community_admin();
    app.engine.handle_text(&actor, text).await.render_plain()
}

/// The `<tr>` of the grid whose row header is `time`.
fn grid_row<'a>(html: &'a str, time: &str) -> &'a str {
    let header = format!("<th scope=\"row\">{time}</th>");
    let at = html
        .find(&header)
        .unwrap_or_else(|| panic!("no {time} row"));
    let start = html[..at].rfind("<tr").unwrap();
    let end = at + html[at..].find("</tr>").unwrap();
    &html[start..end]
}

#[tokio::test]
async fn the_community_page_is_off_until_an_admin_makes_it_public() {
    let app = spawn_app().await;
    let server = WebServer::start(app.engine.clone()).await;
    app.say(ANN, "book 9:00 25m").await;
    app.say(BOB, "book 9:00 50m").await;
    app.say(ANN, "book 10:15 50m").await;
    assert!(!app.say(ANN, "slots").await.contains("/c/"));
    assert!(app
        .say(ANN, "setup page public")
        .await
        .contains("Only community admins"));
    let answer = admin_says(&app, "setup page public").await;
    let page = path_in(&answer, "/c/");
    // Off until now: the address existed, but not the page.
    let slots = app.say(ANN, "slots").await;
    assert_eq!(path_in(&slots, "/c/"), page, "{slots}");

    let (status, headers, html) = server.get(&page).await;
    assert_eq!(status, 200);
    assert!(headers["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    assert!(html.contains("<caption>"), "semantic tables");
    let nine = grid_row(&html, "09:00");
    assert!(nine.contains("data-booked=\"2\""), "{nine}");
    assert!(nine.contains("25/50 min"), "{nine}");
    assert!(grid_row(&html, "10:15").contains("data-booked=\"1\""));
    assert!(!grid_row(&html, "09:15").contains("data-booked"));
    assert!(
        html.contains("data-figure=\"sessions-this-week\">3<"),
        "three bookings this week"
    );
    assert!(html.contains("<svg"), "the heatmap");
    assert!(
        html.contains("Mon 09:00–10:00 (2 booked)"),
        "busiest hours in words"
    );
    for secret in [ANN, BOB] {
        assert!(!html.contains(secret), "{secret} leaked");
    }

    admin_says(&app, "setup page off").await;
    assert_eq!(server.get(&page).await.0, 404);
    assert!(!app.say(ANN, "slots").await.contains("/c/"));
}

#[tokio::test]
async fn a_members_page_needs_its_key_and_the_key_survives_a_round_trip() {
    let app = spawn_app().await;
    let server = WebServer::start(app.engine.clone()).await;
    app.say(ANN, "book 9:00 25m").await;
    admin_says(&app, "setup page members").await;
    let link = path_in(&app.say(ANN, "slots").await, "/c/");
    let (page, key) = link
        .split_once("?key=")
        .expect("a key in the members' link");
    assert_eq!(server.get(page).await.0, 404);
    assert_eq!(
        server
            .get(&format!("{page}?key={}", "0".repeat(32)))
            .await
            .0,
        404
    );
    assert_eq!(server.get(&format!("{page}?key=nonsense")).await.0, 404);
    let (status, headers, html) = server.get(&link).await;
    assert_eq!(status, 200);
    assert_eq!(headers["referrer-policy"], "no-referrer");
    assert_eq!(headers["cache-control"], "private, no-store");
    // The zone picker keeps the key.
    assert!(
        html.contains(&format!("name=\"key\" value=\"{key}\"")),
        "{html}"
    );
    // Setting it again keeps the same link; another community's page is not this one's.
    admin_says(&app, "setup page members").await;
    assert_eq!(path_in(&app.say(ANN, "slots").await, "/c/"), link);
    assert_eq!(server.get("/c/999").await.0, 404);
    assert_eq!(server.get("/c/not-a-number").await.0, 404);
}

#[tokio::test]
async fn the_viewer_picks_the_zone_and_the_figures_count_attendance() {
    let app = spawn_app().await;
    let server = WebServer::start(app.engine.clone()).await;
    app.say(ANN, "book 9:00 25m").await;
    app.say(BOB, "book 9:00 25m").await;
    let page = path_in(&admin_says(&app, "setup page public").await, "/c/");
    app.advance_to(at(9, 0)).await;
    app.join(&[ANN, BOB]);
    app.advance_to(at(9, 10)).await;

    let (_, _, html) = server.get(&format!("{page}?tz=America/New_York")).await;
    assert!(html.contains("times in America/New_York"));
    assert!(html.contains("<option value=\"America/New_York\" selected>"));
    assert!(grid_row(&html, "04:00").contains("data-booked=\"2\""));
    assert!(
        html.contains("data-figure=\"show-up-rate\">100%<"),
        "both came"
    );
    // A zone that is not one falls back to the community's.
    let (_, _, html) = server.get(&format!("{page}?tz=Mars/Olympus")).await;
    assert!(grid_row(&html, "09:00").contains("data-booked=\"2\""));
}

#[tokio::test]
async fn a_member_page_shows_their_own_sessions_partner_and_marks_and_no_one_elses() {
    let app = spawn_app().await;
    let server = WebServer::start(app.engine.clone()).await;
    app.say(ANN, "book 9:00 25m").await;
    app.say(BOB, "book 9:00 25m").await;
    app.say(BOB, "book 11:00 50m").await;
    app.say(ANN, &format!("friend {BOB}")).await;
    app.say(BOB, &format!("friend accept {ANN}")).await;
    app.say("carol", "book 12:00 25m").await;
    let me = path_in(&app.say(ANN, "calendar").await, "/me/");
    let (status, headers, html) = server.get(&me).await;
    assert_eq!(status, 200);
    assert_eq!(headers["x-robots-tag"], "noindex");
    assert!(html.contains(ANN), "their own name");
    assert!(
        html.contains(&format!("{BOB} — friend")),
        "the member they marked"
    );
    assert_eq!(
        html.matches("data-booking=").count(),
        1,
        "only ann's session"
    );
    assert!(html.contains("paired at the start"));
    assert!(!html.contains("carol"));
    assert!(html.contains("/ical/"), "the feed link");

    app.advance_to(at(9, 0)).await;
    let (_, _, html) = server.get(&me).await;
    let row_start = html.find("data-booking=").unwrap();
    let row = &html[row_start..row_start + html[row_start..].find("</tr>").unwrap()];
    assert!(row.contains(BOB), "partner once matched: {row}");

    app.say(ANN, "calendar reset").await;
    assert_eq!(server.get(&me).await.0, 404);
    assert_eq!(server.get("/me/0123").await.0, 404);
}
