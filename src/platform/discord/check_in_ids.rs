//! The check-in DM's button ids (issue 11), a leaf that `card` (which draws the buttons) and
//! `check_in_buttons` (which answers them) both read. The buttons:: how it went, partner absent, add friend, favourite,
//! block, report (a form asks for the reason, like the Reply form) and the same time next
//! week. Each click answers privately with the command's own reply and leaves the check-in as
//! it is, so the member can press several (done *and* add friend).
//!
//! Custom ids carry the guild (a DM has none) and stay inside the button; user ids are never
//! shown: `cf:ci:<guild>:v:<booking>:<done|partly>`, `cf:ci:<guild>:a:<booking>:<user|->`,
//! `cf:ci:<guild>:p:<f|s|b|r>:<user>` (friend, star, block, report), and
//! `cf:ci:<guild>:n:<minutes>:<local time>` (the time last: it contains a colon). The report
//! form is `cf:ciform:<guild>:<user>`.

use crate::command::{CheckInReply, Command, MemberRef, RelationChange};
use crate::core::check_in::SessionVerdict;
use crate::core::friends::FriendChange;
use crate::core::message::{MessageAction, PartnerActionKind};
use crate::core::model::RelationKind;
use crate::core::time_input::parse_time_spec;

const PREFIX: &str = "cf:ci";
/// The report form's custom id prefix (`cf:ciform:<guild>:<user>`).
pub const REPORT_FORM: &str = "cf:ciform";

/// The button's style and custom id for one of the check-in's actions; `None` for any other.
pub fn button(action: &MessageAction, guild: u64) -> Option<(u8, String)> {
    Some(match action {
        MessageAction::CheckInVerdict { booking, verdict } => (
            match verdict {
                SessionVerdict::Done => 3,
                SessionVerdict::Partly => 2,
            },
            format!("{PREFIX}:{guild}:v:{}:{}", booking.0, verdict.as_str()),
        ),
        MessageAction::PartnerAbsent {
            booking,
            partner_platform_user_id,
            partner_name,
        } => (
            2,
            format!(
                "{PREFIX}:{guild}:a:{}:{}",
                booking.0,
                match partner_name {
                    Some(_) => partner_platform_user_id.as_str(),
                    None => "-",
                }
            ),
        ),
        MessageAction::AboutPartner {
            kind,
            partner_platform_user_id,
            ..
        } => {
            let (style, letter) = match kind {
                PartnerActionKind::AddFriend => (1, 'f'),
                PartnerActionKind::Favourite => (2, 's'),
                PartnerActionKind::Block => (4, 'b'),
                PartnerActionKind::Report => (4, 'r'),
            };
            (
                style,
                format!("{PREFIX}:{guild}:p:{letter}:{partner_platform_user_id}"),
            )
        }
        MessageAction::BookSameTimeNextWeek {
            local_time,
            length_minutes,
        } => (
            1,
            format!("{PREFIX}:{guild}:n:{length_minutes}:{local_time}"),
        ),
        _ => return None,
    })
}

/// The guild a check-in button or report form acts in.
pub fn guild_of(custom_id: &str) -> Option<u64> {
    match custom_id.split(':').collect::<Vec<_>>().as_slice() {
        ["cf", "ci" | "ciform", guild, ..] => guild.parse().ok(),
        _ => None,
    }
}

/// What a click means: a command to run, or the report form to open for a user.
#[derive(Debug, PartialEq)]
pub enum Click {
    Run(Command),
    OpenReportForm(String),
}

/// Reads a check-in button's custom id (`None`: not one of ours, or malformed).
pub fn parse_click(custom_id: &str) -> Option<(u64, Click)> {
    let rest = custom_id.strip_prefix(&format!("{PREFIX}:"))?;
    let mut parts = rest.splitn(4, ':');
    let guild: u64 = parts.next()?.parse().ok()?;
    let verb = parts.next()?;
    let first = parts.next()?;
    let last = parts.next()?;
    let user = |id: &str| MemberRef::PlatformId(id.to_string());
    let click = match verb {
        "v" => Click::Run(Command::CheckIn {
            booking: first.parse().ok()?,
            reply: CheckInReply::Verdict(SessionVerdict::parse(last)?),
        }),
        "a" => Click::Run(Command::CheckIn {
            booking: first.parse().ok()?,
            reply: CheckInReply::PartnerAbsent((last != "-").then(|| user(last))),
        }),
        "p" => match first {
            "f" => Click::Run(Command::Friend {
                change: FriendChange::Request,
                target: user(last),
            }),
            "s" => Click::Run(Command::Relate {
                kind: RelationKind::Favourite,
                target: user(last),
                change: RelationChange::Set,
            }),
            "b" => Click::Run(Command::Relate {
                kind: RelationKind::Block,
                target: user(last),
                change: RelationChange::Set,
            }),
            "r" => Click::OpenReportForm(last.to_string()),
            _ => return None,
        },
        "n" => Click::Run(Command::Book {
            when: parse_time_spec(last).ok()?,
            length_minutes: Some(first.parse().ok()?),
            repeat_weekly: false,
            // The community's default mode, as `book` typed without one.
            session_mode: None,
        }),
        _ => return None,
    };
    Some((guild, click))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::model::BookingId;

    #[test]
    fn every_check_in_button_reads_back_as_its_command() {
        let guild = 123_456_789_012_345_678;
        let user = "987654321098765432".to_string();
        let cases = [
            (
                MessageAction::CheckInVerdict {
                    booking: BookingId(7),
                    verdict: SessionVerdict::Partly,
                },
                Click::Run(Command::CheckIn {
                    booking: 7,
                    reply: CheckInReply::Verdict(SessionVerdict::Partly),
                }),
            ),
            (
                MessageAction::PartnerAbsent {
                    booking: BookingId(7),
                    partner_platform_user_id: user.clone(),
                    partner_name: None,
                },
                Click::Run(Command::CheckIn {
                    booking: 7,
                    reply: CheckInReply::PartnerAbsent(None),
                }),
            ),
            (
                MessageAction::PartnerAbsent {
                    booking: BookingId(7),
                    partner_platform_user_id: user.clone(),
                    partner_name: Some("bob".into()),
                },
                Click::Run(Command::CheckIn {
                    booking: 7,
                    reply: CheckInReply::PartnerAbsent(Some(MemberRef::PlatformId(user.clone()))),
                }),
            ),
            (
                MessageAction::AboutPartner {
                    kind: PartnerActionKind::AddFriend,
                    partner_platform_user_id: user.clone(),
                    partner_name: "bob".into(),
                },
                Click::Run(Command::Friend {
                    change: FriendChange::Request,
                    target: MemberRef::PlatformId(user.clone()),
                }),
            ),
            (
                MessageAction::AboutPartner {
                    kind: PartnerActionKind::Block,
                    partner_platform_user_id: user.clone(),
                    partner_name: "bob".into(),
                },
                Click::Run(Command::Relate {
                    kind: RelationKind::Block,
                    target: MemberRef::PlatformId(user.clone()),
                    change: RelationChange::Set,
                }),
            ),
            (
                MessageAction::AboutPartner {
                    kind: PartnerActionKind::Report,
                    partner_platform_user_id: user.clone(),
                    partner_name: "bob".into(),
                },
                Click::OpenReportForm(user.clone()),
            ),
        ];
        for (action, expected) in cases {
            let (_, custom_id) = button(&action, guild).unwrap();
            assert!(custom_id.chars().count() <= 100, "{custom_id}");
            assert_eq!(guild_of(&custom_id), Some(guild));
            assert_eq!(
                parse_click(&custom_id),
                Some((guild, expected)),
                "{custom_id}"
            );
        }
        let next_week = MessageAction::BookSameTimeNextWeek {
            local_time: "2026-12-07 09:00".into(),
            length_minutes: 50,
        };
        let (_, custom_id) = button(&next_week, guild).unwrap();
        match parse_click(&custom_id) {
            Some((
                parsed_guild,
                Click::Run(Command::Book {
                    length_minutes: Some(50),
                    repeat_weekly: false,
                    ..
                }),
            )) => assert_eq!(parsed_guild, guild),
            other => panic!("{custom_id} read as {other:?}"),
        }
        assert_eq!(parse_click("cf:ci:1:p:x:2"), None);
        assert_eq!(parse_click("cf:cancel:1:2"), None);
    }
}
