//! The web router on a loopback port, and helpers to read what it serves: the tests fetch
//! pages over real HTTP and parse feeds with an independent iCalendar parser (`ical`).

#![allow(dead_code)]

use std::net::SocketAddr;

use focusfolk::engine::Engine;
use focusfolk::web::{router, WebState};

pub struct WebServer {
    pub address: SocketAddr,
    task: tokio::task::JoinHandle<()>,
}

impl WebServer {
    pub async fn start(engine: Engine) -> WebServer {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("loopback port");
        let address = listener.local_addr().expect("address");
        let app = router(WebState::new(engine));
        let task = tokio::spawn(async move {
            axum::serve(listener, app).await.expect("web server");
        });
        WebServer { address, task }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.address)
    }

    /// GET `path`: the status, the headers and the body.
    pub async fn get(&self, path: &str) -> (u16, reqwest::header::HeaderMap, String) {
        let response = reqwest::get(self.url(path)).await.expect("request");
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        (status, headers, response.text().await.expect("body"))
    }
}

impl Drop for WebServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// The first `/ical/….ics`, `/me/…` or `/c/…` path in a reply.
pub fn path_in(reply: &str, prefix: &str) -> String {
    let start = reply
        .find(prefix)
        .unwrap_or_else(|| panic!("no {prefix} in {reply:?}"));
    reply[start..]
        .split(|c: char| c.is_whitespace() || c == ')' || c == ',')
        .next()
        .unwrap()
        .trim_end_matches('.')
        .to_string()
}

/// Every event of an iCalendar text as (property name → value), parsed by the `ical` crate.
pub fn parse_events(text: &str) -> Vec<std::collections::BTreeMap<String, String>> {
    let calendars: Vec<_> = ical::IcalParser::new(std::io::BufReader::new(text.as_bytes()))
        .collect::<Result<_, _>>()
        .unwrap_or_else(|error| panic!("not valid iCalendar ({error}):\n{text}"));
    assert_eq!(calendars.len(), 1, "one VCALENDAR:\n{text}");
    calendars[0]
        .events
        .iter()
        .map(|event| {
            event
                .properties
                .iter()
                .map(|p| (p.name.clone(), p.value.clone().unwrap_or_default()))
                .collect()
        })
        .collect()
}

/// A calendar-level property (METHOD, X-WR-TIMEZONE…).
pub fn calendar_property(text: &str, name: &str) -> Option<String> {
    let calendar = ical::IcalParser::new(std::io::BufReader::new(text.as_bytes()))
        .next()?
        .ok()?;
    calendar
        .properties
        .iter()
        .find(|p| p.name == name)
        .and_then(|p| p.value.clone())
}

/// `20270326T080000Z` → the instant.
pub fn utc_value(value: &str) -> chrono::DateTime<chrono::Utc> {
    chrono::NaiveDateTime::parse_from_str(value, "%Y%m%dT%H%M%SZ")
        .unwrap_or_else(|_| panic!("not a UTC date-time: {value}"))
        .and_utc()
}
