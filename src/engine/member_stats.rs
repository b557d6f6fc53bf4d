//! `stats`, `leaderboard` and `prefs leaderboard on|off` (issue 11), and the figures the
//! member's web page shows. The numbers are `core::member_stats`'; this file reads the rows,
//! turns partner ids into names and builds the reply: on Discord and Matrix with the heatmap
//! as a PNG attachment (`stats_image.rs`), on the shell as text.
//!
//! Privacy: `stats` names partners only (display names, which the member saw in the session
//! anyway) and nothing else about them; a partner who left the community is "a former member".
//! `leaderboard` shows only members who opted in.

use chrono::{DateTime, Duration, Utc};

use super::errors::{unexpected, CommandFailure};
use super::port::Membership;
use super::reply::Attachment;
use super::stats_image::{heatmap_attachment, LEGEND};
use super::Engine;
use crate::core::member_stats::{
    heatmap_text, leaderboard, member_stats, month_bounds, MemberStats,
};
use crate::core::message::{CommandWord, OutgoingMessage, Tone};
use crate::core::model::{Community, Member, MemberId, Platform};

/// How a partner who left the community is named.
pub const FORMER_MEMBER: &str = "a former member";

/// A member's figures with their partners named, for `stats` and the member's page.
#[derive(Debug, Clone, PartialEq)]
pub struct NamedMemberStats {
    pub stats: MemberStats,
    /// (name, sessions together), most first; a partner who left is [`FORMER_MEMBER`].
    pub partners: Vec<(String, u32)>,
}

impl Engine {
    /// The member's figures over every session on record (attendance is kept for
    /// `[chores] keep_attendance`) with the heatmap of the last 12 weeks.
    pub(super) async fn named_member_stats(
        &self,
        community: &Community,
        member: &Member,
        now: DateTime<Utc>,
    ) -> anyhow::Result<NamedMemberStats> {
        let records = self
            .store
            .member_session_records(
                member.id,
                DateTime::<Utc>::MIN_UTC,
                now + Duration::seconds(1),
            )
            .await?;
        let stats = member_stats(&records, now, member.time_zone);
        let ids: Vec<MemberId> = stats.top_partners.iter().map(|(id, _)| *id).collect();
        let members = self.store.members_by_ids(&ids).await?;
        let mut partners = Vec::with_capacity(ids.len());
        for (id, count) in &stats.top_partners {
            let name = match members.iter().find(|other| other.id == *id) {
                Some(other) if !self.has_left(community, other).await => other.display_name.clone(),
                _ => FORMER_MEMBER.to_string(),
            };
            partners.push((name, *count));
        }
        Ok(NamedMemberStats { stats, partners })
    }

    /// Whether `other` left the community, as its platform says now. Only this engine's own
    /// platform can be asked (the web pages may read another platform's member); an unknown
    /// answer keeps the name.
    async fn has_left(&self, community: &Community, other: &Member) -> bool {
        community.platform == self.runner.platform
            && self
                .platform
                .is_community_member(&community.platform_community_id, &other.platform_user_id)
                .await
                == Membership::Gone
    }

    /// `stats`.
    pub(super) async fn stats(
        &self,
        community: &Community,
        member: &Member,
        attachments: &mut Vec<Attachment>,
    ) -> Result<OutgoingMessage, CommandFailure> {
        let now = self.clock.now();
        let named = self
            .named_member_stats(community, member, now)
            .await
            .map_err(unexpected)?;
        let stats = &named.stats;
        let mut reply = OutgoingMessage::new().titled("Your focus stats");
        if stats.sessions == 0 && stats.show_up_rate.is_none() {
            return Ok(reply
                .text("No sessions on record yet. Book one with ")
                .command(CommandWord::Book, "next")
                .text(" and your stats start with it."));
        }
        let value = |text: String| OutgoingMessage::new().text(text);
        reply = reply
            .field("Sessions", value(stats.sessions.to_string()))
            .field("Hours", value(format!("{:.1}", stats.hours())))
            .field(
                "Weekly streak",
                value(match stats.weekly_streak {
                    1 => "1 week".to_string(),
                    weeks => format!("{weeks} weeks"),
                }),
            )
            .field(
                "Show-up rate",
                value(match stats.show_up_rate {
                    Some(rate) => format!("{:.0}%", rate * 100.0),
                    None => "not measured yet".to_string(),
                }),
            );
        if !named.partners.is_empty() {
            let mut partners = OutgoingMessage::new();
            for (index, (name, count)) in named.partners.iter().enumerate() {
                if index > 0 {
                    partners = partners.text(", ");
                }
                partners = if name == FORMER_MEMBER {
                    partners.text(name.clone())
                } else {
                    partners.name(name.clone())
                };
                partners = partners.text(format!(" ({count})"));
            }
            reply = reply.field("Most frequent partners", partners);
        }
        if community.platform == Platform::Shell {
            reply = reply.text(format!(
                "When you focused, last 12 weeks ({}; darker is more):\n{}",
                member.time_zone,
                heatmap_text(&stats.heatmap)
            ));
        } else {
            match heatmap_attachment(&stats.heatmap) {
                Ok(picture) => {
                    attachments.push(picture);
                    reply = reply.text(format!("{LEGEND} Times in {}.", member.time_zone));
                }
                // The figures are worth sending without their picture.
                Err(error) => tracing::error!(error = ?error, "could not draw the stats heatmap"),
            }
        }
        if self.runner.web_public_url.is_some() {
            let token = self.member_page_token(member).await.map_err(unexpected)?;
            reply = reply.text(format!(
                "\nMore on your page: {}",
                self.web_url(&format!("/me/{token}"))
            ));
        }
        Ok(reply.footer(format!(
            "A streak counts weeks (Monday to Sunday, {}) with at least one session. Sessions are counted for the last {} days.",
            member.time_zone,
            self.runner.retention.keep_attendance.num_days()
        )))
    }

    /// `leaderboard`: opted-in members by hours this month (the community's zone).
    pub(super) async fn leaderboard(
        &self,
        community: &Community,
        member: &Member,
    ) -> Result<OutgoingMessage, CommandFailure> {
        let now = self.clock.now();
        let zone = community.settings.default_time_zone;
        let (from, to) = month_bounds(now, zone);
        let rows = self
            .store
            .leaderboard_rows(community.id, from, to)
            .await
            .map_err(unexpected)?;
        let board = leaderboard(&rows);
        let month = now.with_timezone(&zone).format("%B %Y").to_string();
        let mut reply = OutgoingMessage::new().titled(format!("Leaderboard · {month}"));
        if board.is_empty() {
            reply = reply.text("Nobody on the leaderboard has focused this month yet.");
        }
        for (place, row) in board.iter().enumerate() {
            reply = reply.item(
                OutgoingMessage::new()
                    .text(format!("{}. ", place + 1))
                    .name(row.display_name.clone())
                    .text(format!(" · {:.1} h", f64::from(row.minutes) / 60.0)),
            );
        }
        let opted_in = self
            .store
            .leaderboard_opted_in(member.id)
            .await
            .map_err(unexpected)?;
        reply = if opted_in {
            reply
                .text(" You're on the leaderboard; to leave it, say ")
                .command(CommandWord::Prefs, "leaderboard off")
                .text(".")
        } else {
            reply
                .text(" Only members who chose to are shown. To join, say ")
                .command(CommandWord::Prefs, "leaderboard on")
                .text(".")
        };
        Ok(reply)
    }

    /// `prefs leaderboard on|off`.
    pub(super) async fn set_leaderboard(
        &self,
        member: &Member,
        opted_in: bool,
    ) -> Result<OutgoingMessage, CommandFailure> {
        self.store
            .set_leaderboard_opt_in(member.id, opted_in, self.clock.now())
            .await
            .map_err(unexpected)?;
        let reply = OutgoingMessage::new()
            .titled("Leaderboard")
            .tone(Tone::Confirmed);
        Ok(if opted_in {
            reply
                .text("You're on the leaderboard now: ")
                .command(CommandWord::Leaderboard, "")
                .text(" shows your hours this month to the community.")
        } else {
            reply.text("You're off the leaderboard: nobody sees your hours there.")
        })
    }
}
