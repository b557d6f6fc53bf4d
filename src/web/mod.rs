//! The web side (issue 13): calendar feeds and the community and member pages, as an axum
//! [`Router`] the HTTP server mounts. Like a chat adapter it only talks to the engine (its
//! read queries in `engine/web_links.rs`), never to the store; it changes nothing.
//!
//! - `GET /ical/<token>.ics` — a member's private feed: upcoming sessions, partner and room
//!   once matched.
//! - `GET /c/<community>[?key=…][&tz=…]` — the community's coming week, figures and heatmap;
//!   counts only, never names. Off unless an admin chose `setup page public|members`.
//! - `GET /me/<token>[?tz=…]` — a member's own page.
//!
//! Unknown, revoked or wrong tokens, and pages that are off, all answer the same 404: a
//! visitor cannot tell "no such community" from "not for you".

mod heatmap;
mod pages;

use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use chrono_tz::Tz;
use serde::Deserialize;

use crate::engine::calendar_ics::{calendar_text, CalendarMethod, ICS_MEDIA_TYPE};
use crate::engine::Engine;

/// What the pages read from: the engine (any platform's: the reads are the database's, and
/// the database holds every platform's communities).
#[derive(Clone)]
pub struct WebState {
    pub engine: Engine,
}

impl WebState {
    pub fn new(engine: Engine) -> Self {
        WebState { engine }
    }
}

/// The pages and feeds, to be mounted on the HTTP server.
pub fn router(state: WebState) -> Router {
    Router::new()
        .route("/ical/{file}", get(calendar_feed))
        .route("/c/{community}", get(community_page))
        .route("/me/{token}", get(member_page))
        .with_state(state)
}

#[derive(Debug, Default, Deserialize)]
struct PageQuery {
    key: Option<String>,
    tz: Option<String>,
}

impl PageQuery {
    /// The zone the visitor picked, if it is one.
    fn zone(&self) -> Option<Tz> {
        self.tz.as_deref().and_then(|name| name.parse::<Tz>().ok())
    }
}

async fn calendar_feed(State(state): State<WebState>, Path(file): Path<String>) -> Response {
    let Some(token) = file.strip_suffix(".ics") else {
        return not_found();
    };
    let view = match state.engine.member_view(token).await {
        Ok(Some(view)) => view,
        Ok(None) => return not_found(),
        Err(error) => return failed(error),
    };
    let text = calendar_text(
        "focusfolk sessions",
        view.member.time_zone,
        &view.upcoming,
        CalendarMethod::Publish,
        view.now,
    );
    private(([(header::CONTENT_TYPE, ICS_MEDIA_TYPE)], text).into_response())
}

async fn community_page(
    State(state): State<WebState>,
    Path(community): Path<String>,
    Query(query): Query<PageQuery>,
) -> Response {
    let Ok(community_id) = community.parse::<i64>() else {
        return not_found();
    };
    let view = match state
        .engine
        .community_page_view(community_id, query.key.as_deref())
        .await
    {
        Ok(Some(view)) => view,
        Ok(None) => return not_found(),
        Err(error) => return failed(error),
    };
    let zone = query.zone().unwrap_or(view.default_zone);
    let html = pages::community_page(&view, zone, query.key.as_deref());
    let response = axum::response::Html(html.into_string()).into_response();
    if query.key.is_some() {
        private(response)
    } else {
        response
    }
}

async fn member_page(
    State(state): State<WebState>,
    Path(token): Path<String>,
    Query(query): Query<PageQuery>,
) -> Response {
    let view = match state.engine.member_view(&token).await {
        Ok(Some(view)) => view,
        Ok(None) => return not_found(),
        Err(error) => return failed(error),
    };
    let zone = query.zone().unwrap_or(view.member.time_zone);
    let feed = state.engine.web_url(&format!("/ical/{token}.ics"));
    let html = pages::member_page(&view, zone, &feed);
    private(axum::response::Html(html.into_string()).into_response())
}

/// Pages behind a token: not cached by proxies, not indexed, and the token never leaves in a
/// Referer header.
fn private(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    headers.insert("referrer-policy", HeaderValue::from_static("no-referrer"));
    headers.insert("x-robots-tag", HeaderValue::from_static("noindex"));
    response
}

fn not_found() -> Response {
    (
        StatusCode::NOT_FOUND,
        axum::response::Html(pages::not_found().into_string()),
    )
        .into_response()
}

fn failed(error: anyhow::Error) -> Response {
    tracing::error!(error = ?error, "web page failed");
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        "Something went wrong on our side; try again in a moment.",
    )
        .into_response()
}
