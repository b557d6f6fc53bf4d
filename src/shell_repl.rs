//! `focusfolk shell`: the engine as a REPL. Lines are commands as on Matrix (`book tomorrow 9:00`);
//! lines starting with `/` drive the simulation: who you are, the clock, presence.

use crate::core::model::Platform;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use tokio::io::{AsyncBufReadExt, BufReader};

use crate::clock::{Clock, ManualClock};
use crate::engine::port::{ChatPlatform, Membership};
use crate::engine::{Actor, Engine};
use crate::fast_forward::fast_forward_to;
use crate::platform::shell::{ShellEvent, ShellPlatform};

pub const SHELL_HELP: &str = "\
Simulation: /as NAME (switch member) · /advance 10m · /at 09:00 (or /at tomorrow 9:00) · /join · /leave · /now · /rooms · /quit
Everything else is a focusfolk command, as on Matrix: book tomorrow 9:00 50m · cancel · sessions · slots · timezone Europe/Paris · prefs reminders off · friend NAME · calendar · privacy export · help";

/// The answer to a command from a member who is no longer in the community.
pub const NOT_A_MEMBER_ANY_MORE: &str = "You're no longer a member of this community, so I can't \
book or cancel sessions there for you. Rejoin it to use focusfolk again.";

pub struct ShellSession {
    pub engine: Engine,
    pub platform: Arc<ShellPlatform>,
    pub clock: Arc<ManualClock>,
    pub community: String,
    pub current_user: String,
    /// Where replies' files (`.ics` invites and cancellations) are written; the reply names
    /// each file's path.
    pub attachment_dir: std::path::PathBuf,
}

impl ShellSession {
    /// Handles one input line; returns what to print. `None` means quit.
    pub async fn handle_line(&mut self, line: &str) -> Option<String> {
        let line = line.trim();
        if line.is_empty() {
            return Some(String::new());
        }
        let mut output = match line.strip_prefix('/') {
            Some(meta) if !meta.starts_with("focusfolk") && is_meta_command(meta) => {
                self.handle_meta(meta).await?
            }
            _ => {
                // The person at the keyboard owns this community, so `setup` works here.
                let actor = Actor::new(
                    Platform::Shell,
                    &self.community,
                    &self.current_user,
                    &self.current_user,
                )
                .as_community_admin();
                // As on the Matrix DM path and Discord's buttons: a member who left (or was
                // removed from) the community acts there no more. Unknown lets it through.
                let membership = self
                    .platform
                    .is_community_member(&self.community, &self.current_user)
                    .await;
                if membership == Membership::Gone {
                    format!("{} ← {NOT_A_MEMBER_ANY_MORE}", self.current_user)
                } else {
                    let reply = self.engine.handle_text(&actor, line).await;
                    let text = crate::platform::shell::render_for_shell(&reply.message);
                    let mut text = format!("{} ← {}", self.current_user, indent_card(&text));
                    for line in save_attachments(&self.attachment_dir, &reply.attachments) {
                        text.push('\n');
                        text.push_str(&line);
                    }
                    text
                }
            }
        };
        for event in self.platform.take_unprinted_events() {
            output.push('\n');
            output.push_str(&describe_event(&event));
        }
        Some(output)
    }

    async fn handle_meta(&mut self, meta: &str) -> Option<String> {
        let (word, rest) = meta.split_once(char::is_whitespace).unwrap_or((meta, ""));
        let rest = rest.trim();
        Some(match word {
            "quit" | "exit" => return None,
            "as" if !rest.is_empty() => {
                self.current_user = rest.to_string();
                format!("You are now {rest}.")
            }
            "as" => "Usage: /as NAME".to_string(),
            "advance" => match humantime::parse_duration(rest)
                .ok()
                .and_then(|by| chrono::Duration::from_std(by).ok())
            {
                Some(by) => self.move_clock_to(self.clock.now() + by).await,
                None => {
                    format!("\"{rest}\" is not a duration; try /advance 10m or /advance 1h 30m")
                }
            },
            "at" => match self.resolve_at(rest).await {
                Ok(target) => self.move_clock_to(target).await,
                Err(problem) => problem,
            },
            "join" => match self.platform.open_room_of(&self.current_user) {
                Some(room) => match self.platform.join(&room, &self.current_user) {
                    Ok(()) => format!("{} joined {room}", self.current_user),
                    Err(problem) => problem,
                },
                None => format!("{} has no open room right now", self.current_user),
            },
            "leave" => {
                self.platform.leave_all_rooms(&self.current_user);
                format!("{} left their room", self.current_user)
            }
            "now" => format!("It is {} UTC", self.clock.now().format("%a %-d %b %H:%M")),
            "rooms" => {
                let rooms = self.platform.rooms();
                if rooms.is_empty() {
                    "No rooms.".to_string()
                } else {
                    rooms
                        .iter()
                        .map(|(id, room)| {
                            let present: Vec<&str> =
                                room.present.iter().map(String::as_str).collect();
                            format!(
                                "{id} · {} · {} · present: {}",
                                room.title,
                                if room.open { "open" } else { "closed" },
                                if present.is_empty() {
                                    "nobody".to_string()
                                } else {
                                    present.join(", ")
                                }
                            )
                        })
                        .collect::<Vec<_>>()
                        .join("\n")
                }
            }
            _ => SHELL_HELP.to_string(),
        })
    }

    async fn resolve_at(&self, text: &str) -> Result<DateTime<Utc>, String> {
        let spec =
            crate::core::time_input::parse_time_spec(text).map_err(|error| error.to_string())?;
        let actor = Actor::new(
            Platform::Shell,
            &self.community,
            &self.current_user,
            &self.current_user,
        );
        let zone = match self.engine.community_and_member(&actor).await {
            Ok((_, Some(member))) => member.time_zone,
            Ok((community, None)) => community.settings.default_time_zone,
            Err(_) => chrono_tz::UTC,
        };
        crate::core::time_input::resolve_time_spec(&spec, self.clock.now(), zone)
            .map_err(|error| error.to_string())
    }

    async fn move_clock_to(&mut self, target: DateTime<Utc>) -> String {
        match fast_forward_to(&self.engine, &self.clock, target).await {
            Ok(reports) => {
                let mut text = format!("⏩ {} UTC", target.format("%a %-d %b %H:%M"));
                for report in reports {
                    text.push_str(&format!(
                        "\n  [{} {}] {}",
                        report.job.due_at.format("%H:%M"),
                        report.job.kind.as_str(),
                        report.outcome
                    ));
                }
                text
            }
            Err(error) => format!("the job runner stopped: {error}"),
        }
    }
}

/// Writes each file into `dir` and says where ("📎 calendar file: /tmp/…/x.ics"), or why not.
pub fn save_attachments(
    dir: &std::path::Path,
    attachments: &[crate::engine::Attachment],
) -> Vec<String> {
    attachments
        .iter()
        .map(|attachment| {
            let path = dir.join(&attachment.file_name);
            let written = std::fs::create_dir_all(dir)
                .and_then(|()| std::fs::write(&path, &attachment.bytes));
            // The privacy export is printed too: the shell is the member's own screen.
            let is_json = attachment.media_type == crate::engine::privacy::JSON_MEDIA_TYPE;
            match written {
                Ok(()) if is_json => format!(
                    "📎 your data: {}\n{}",
                    path.display(),
                    String::from_utf8_lossy(&attachment.bytes)
                ),
                Ok(()) => format!("📎 calendar file: {}", path.display()),
                Err(error) => format!("📎 could not write {}: {error}", path.display()),
            }
        })
        .collect()
}

fn is_meta_command(meta: &str) -> bool {
    let word = meta.split_whitespace().next().unwrap_or("");
    matches!(
        word,
        "as" | "advance" | "at" | "join" | "leave" | "now" | "rooms" | "quit" | "exit" | "shell"
    )
}

pub fn describe_event(event: &ShellEvent) -> String {
    match event {
        ShellEvent::DirectMessage { to, text, .. } => {
            format!("  📨 DM to {to}: {}", indent_card(text))
        }
        ShellEvent::RoomOpened {
            room,
            title,
            members,
        } => {
            format!(
                "  🚪 room {room} opened: \"{title}\" for {}",
                members.join(", ")
            )
        }
        ShellEvent::RoomClosed { room } => format!("  🔒 room {room} closed"),
    }
}

/// Reads stdin line by line until EOF or `/quit`.
pub async fn run_interactive(mut session: ShellSession) -> anyhow::Result<()> {
    println!(
        "focusfolk shell — it is {} UTC. You are {}.",
        session.clock.now().format("%a %-d %b %H:%M"),
        session.current_user
    );
    println!("{SHELL_HELP}");
    let mut lines = BufReader::new(tokio::io::stdin()).lines();
    loop {
        use std::io::Write;
        print!("{}> ", session.current_user);
        std::io::stdout().flush().ok();
        let Some(line) = lines.next_line().await? else {
            break;
        };
        match session.handle_line(&line).await {
            Some(output) if !output.is_empty() => println!("{output}"),
            Some(_) => {}
            None => break,
        }
    }
    Ok(())
}

/// A card's lines after its first, indented under it so each message reads as one block.
fn indent_card(text: &str) -> String {
    text.replace('\n', "\n      ")
}
