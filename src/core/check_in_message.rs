//! The check-in DM (issue 11): how it went, one set of partner actions per partner, and the
//! same time next week. Apart from `check_in.rs` because `message.rs` names that file's
//! `SessionVerdict`, and this one builds messages.

use super::check_in::{same_time_next_week, SessionVerdict};
use super::message::{MessageAction, OutgoingMessage, PartnerActionKind, Tone};
use super::model::{BookingId, Member, Slot};

/// The check-in DM after a session: how it went, one set of actions per partner (a pair has
/// one partner, a trio two), and the same time next week. `partners` are the member's group
/// partners; none (a member left alone) leaves out the partner actions.
pub fn check_in_message(
    slot: &Slot,
    member: &Member,
    booking: BookingId,
    partners: &[Member],
) -> OutgoingMessage {
    let mut message = OutgoingMessage::new()
        .titled("Session done. Nice work!")
        .tone(Tone::Confirmed)
        .text(format!(
            "{} minutes of focus. How did it go?",
            slot.length_minutes
        ))
        .action(MessageAction::CheckInVerdict {
            booking,
            verdict: SessionVerdict::Done,
        })
        .action(MessageAction::CheckInVerdict {
            booking,
            verdict: SessionVerdict::Partly,
        });
    let trio = partners.len() > 1;
    for partner in partners {
        message = message.action(MessageAction::PartnerAbsent {
            booking,
            partner_platform_user_id: partner.platform_user_id.clone(),
            partner_name: trio.then(|| partner.display_name.clone()),
        });
    }
    if !partners.is_empty() {
        message = message.text(
            " Liked working with your partner? Friends are paired together first; a block or \
             a report is never told to them.",
        );
    }
    for partner in partners {
        for kind in [
            PartnerActionKind::AddFriend,
            PartnerActionKind::Favourite,
            PartnerActionKind::Block,
            PartnerActionKind::Report,
        ] {
            message = message.action(MessageAction::AboutPartner {
                kind,
                partner_platform_user_id: partner.platform_user_id.clone(),
                partner_name: partner.display_name.clone(),
            });
        }
    }
    message.action(MessageAction::BookSameTimeNextWeek {
        local_time: same_time_next_week(slot.starts_at, member.time_zone),
        length_minutes: slot.length_minutes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::model::MemberId;
    use chrono::{TimeZone, Utc};

    fn member(id: i64, name: &str) -> Member {
        Member {
            id: MemberId(id),
            community_id: crate::core::model::CommunityId(1),
            platform_user_id: format!("user{id}"),
            display_name: name.to_string(),
            time_zone: chrono_tz::UTC,
            reminders_enabled: true,
            sessions_attended: 0,
            no_shows: 0,
            late_cancels: 0,
            created_at: Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap(),
        }
    }

    #[test]
    fn a_trio_gets_one_set_of_partner_actions_per_partner() {
        let slot = Slot {
            id: crate::core::model::SlotId(1),
            community_id: crate::core::model::CommunityId(1),
            starts_at: Utc.with_ymd_and_hms(2026, 11, 30, 9, 0, 0).unwrap(),
            length_minutes: 50,
        };
        let me = member(1, "ann");
        let pair = check_in_message(&slot, &me, BookingId(7), &[member(2, "bob")]);
        let commands: Vec<String> = pair
            .actions()
            .map(|action| {
                let (word, arguments) = action.as_command();
                format!("{} {arguments}", word.as_str())
            })
            .collect();
        assert_eq!(
            commands,
            [
                "checkin 7 done",
                "checkin 7 partly",
                "checkin 7 absent",
                "friend @user2",
                "favourite @user2",
                "block @user2",
                "report @user2 <what happened>",
                "book 2026-12-07 09:00 50m",
            ]
        );
        let trio = check_in_message(
            &slot,
            &me,
            BookingId(7),
            &[member(2, "bob"), member(3, "cy")],
        );
        let labels: Vec<String> = trio.actions().map(MessageAction::label).collect();
        assert_eq!(labels.len(), 2 + 2 + 8 + 1);
        assert!(
            labels.contains(&"Say cy was absent".to_string()),
            "{labels:?}"
        );
        assert!(labels.contains(&"Report bob".to_string()), "{labels:?}");
        assert!(
            labels.contains(&"Add cy as a friend".to_string()),
            "{labels:?}"
        );
        // Left alone: how it went and next week only.
        let alone = check_in_message(&slot, &me, BookingId(7), &[]);
        assert_eq!(alone.actions().count(), 3);
    }
}
