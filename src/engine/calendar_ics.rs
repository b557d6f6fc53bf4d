//! iCalendar text for a booking's invite and cancellation and for a member's feed, built with
//! the `icalendar` crate. Times are written in UTC (`…Z`): every calendar shows them in its
//! owner's zone, across DST changes, without a VTIMEZONE block to get wrong; the member's zone
//! rides along as `X-WR-TIMEZONE` for calendars that want a default.
//!
//! One UID per booking (`booking-<id>@focusfolk`): the invite, the feed and the cancellation
//! all name the same event, so a calendar that imported the invite drops it on the CANCEL.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use icalendar::{Calendar, Component, Event, EventLike, EventStatus};

use super::reply::Attachment;
use crate::core::model::{Booking, BookingId};

/// The iCalendar media type.
pub const ICS_MEDIA_TYPE: &str = "text/calendar; charset=utf-8";

/// The one UID of a booking's event, in every invite, cancellation and feed.
pub fn booking_uid(id: BookingId) -> String {
    format!("booking-{}@focusfolk", id.0)
}

/// One session as a calendar shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct CalendarSession {
    pub booking: Booking,
    /// Where the community lives, as members know it ("focusfolk · <community>").
    pub community_label: String,
    /// The partners' names once matched; empty before.
    pub partners: Vec<String>,
    /// The room (a link where the platform has one) once it is open.
    pub room: Option<String>,
}

/// Whether a calendar object publishes events or cancels them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CalendarMethod {
    Publish,
    Cancel,
}

/// A whole VCALENDAR with one VEVENT per session. `now` is the DTSTAMP (the engine's clock,
/// so the text is reproducible in tests).
pub fn calendar_text(
    name: &str,
    zone: Tz,
    sessions: &[CalendarSession],
    method: CalendarMethod,
    now: DateTime<Utc>,
) -> String {
    let mut calendar = Calendar::new();
    // PRODID names us, not the crate; METHOD tells a mail client what to do with the object.
    calendar
        .properties
        .retain(|property| property.key() != "PRODID");
    calendar.append_property(("PRODID", "-//focusfolk//sessions//EN"));
    calendar.append_property((
        "METHOD",
        match method {
            CalendarMethod::Publish => "PUBLISH",
            CalendarMethod::Cancel => "CANCEL",
        },
    ));
    calendar.name(name).timezone(zone.name());
    calendar.append_property(("REFRESH-INTERVAL;VALUE=DURATION", "PT1H"));
    for session in sessions {
        calendar.push(session_event(session, method, now));
    }
    calendar.done().to_string()
}

fn session_event(session: &CalendarSession, method: CalendarMethod, now: DateTime<Utc>) -> Event {
    let booking = &session.booking;
    let mut event = Event::new();
    event
        .uid(&booking_uid(booking.id))
        .timestamp(now)
        .starts(booking.starts_at)
        .ends(booking.ends_at())
        .summary(&format!(
            "Focus session ({} min) · {}",
            booking.length_minutes, session.community_label
        ));
    let mut description = match session.partners.as_slice() {
        [] => "You'll be paired with a partner when the session starts.".to_string(),
        names => format!("With {}.", names.join(" and ")),
    };
    match &session.room {
        Some(room) => {
            description.push_str(&format!(" Room: {room}"));
            event.location(room);
        }
        None => description.push_str(" The room link comes in a message at the start."),
    }
    event.description(&description);
    match method {
        CalendarMethod::Publish => {
            event.status(EventStatus::Confirmed).sequence(0);
        }
        // A later SEQUENCE than the invite's, so calendars apply the cancellation.
        CalendarMethod::Cancel => {
            event.status(EventStatus::Cancelled).sequence(1);
        }
    }
    event.done()
}

/// The `.ics` file a booking confirmation carries.
pub fn invite_attachment(session: &CalendarSession, zone: Tz, now: DateTime<Utc>) -> Attachment {
    Attachment {
        file_name: format!("focus-session-{}.ics", session.booking.id.0),
        media_type: ICS_MEDIA_TYPE,
        bytes: calendar_text(
            "focusfolk session",
            zone,
            std::slice::from_ref(session),
            CalendarMethod::Publish,
            now,
        )
        .into_bytes(),
    }
}

/// The `.ics` file a cancellation carries: the same UID, METHOD:CANCEL.
pub fn cancel_attachment(session: &CalendarSession, zone: Tz, now: DateTime<Utc>) -> Attachment {
    Attachment {
        file_name: format!("focus-session-{}-cancelled.ics", session.booking.id.0),
        media_type: ICS_MEDIA_TYPE,
        bytes: calendar_text(
            "focusfolk session",
            zone,
            std::slice::from_ref(session),
            CalendarMethod::Cancel,
            now,
        )
        .into_bytes(),
    }
}
