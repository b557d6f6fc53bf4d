//! `/setup` for server admins: where pair rooms go, the lobby (for members whose DMs are
//! closed), the moderators' channel, a moderator role let into every room, a pool of standing
//! channels, session lengths and the reminder lead. Every run checks what the bot can actually
//! do there and names exactly what is missing and where, so admins fix it before the first slot.

use poise::serenity_prelude as serenity;
use serenity::Permissions;

use super::context::{actor_of, answer, Context, Error};
use crate::command::parse::parse_minutes_list;
use crate::command::{Command, SetupChange};
use crate::core::message::OutgoingMessage;
use crate::engine::{CommandOutcome, Reply};

/// What the bot needs where pair rooms are made: exactly what the room code uses
/// (`rooms::perms::IN_ROOM_CATEGORIES`); Move Members is not among it (no member is ever moved).
const ROOM_PERMISSIONS: Permissions =
    Permissions::from_bits_truncate(super::rooms::perms::IN_ROOM_CATEGORIES);
const LOBBY_PERMISSIONS: Permissions =
    Permissions::from_bits_truncate(super::rooms::perms::IN_LOBBY);
const MODERATOR_PERMISSIONS: Permissions =
    Permissions::from_bits_truncate(super::rooms::perms::IN_MODERATORS_CHANNEL);

/// Every permission `/setup` checks anywhere, by Discord's names, in a stable order: what
/// README asks admins to invite the bot with (a test compares the two).
pub(super) fn required_permission_names() -> Vec<&'static str> {
    let mut names =
        (ROOM_PERMISSIONS | LOBBY_PERMISSIONS | MODERATOR_PERMISSIONS).get_permission_names();
    names.sort_unstable();
    names
}

/// Set up focusfolk on this server (admins).
#[poise::command(slash_command, guild_only, default_member_permissions = "MANAGE_GUILD")]
#[allow(clippy::too_many_arguments)]
pub async fn setup(
    ctx: Context<'_>,
    #[description = "Category for the pair voice rooms"]
    #[channel_types("Category")]
    category: Option<serenity::ChannelId>,
    #[description = "Channel where members with closed DMs are mentioned"]
    #[channel_types("Text")]
    lobby: Option<serenity::ChannelId>,
    #[description = "Channel where I tell moderators about problems"]
    #[channel_types("Text")]
    moderators: Option<serenity::ChannelId>,
    #[description = "Role that may look into every pair room"] moderator_role: Option<
        serenity::RoleId,
    >,
    #[description = "Category of standing voice channels to lend when the server nears 500 channels"]
    #[channel_types("Category")]
    pool: Option<serenity::ChannelId>,
    #[description = "Allowed session lengths in minutes, e.g. 25 50 75"] durations: Option<String>,
    #[description = "Reminder this many minutes before a session"] reminder: Option<u32>,
    #[description = "Who sees the community's web page (off by default)"] page: Option<PageChoice>,
    #[description = "A community setting to change, e.g. reminder_lead (the list is in the answer)"]
    #[autocomplete = "autocomplete_setting"]
    setting: Option<String>,
    #[description = "The setting's new value as in the config (e.g. 15m, 25,50), or default"]
    value: Option<String>,
    #[description = "Session modes members may pick, default first, e.g. quiet talk moving"]
    modes: Option<String>,
) -> Result<(), Error> {
    let Some(actor) = actor_of(ctx) else {
        return Ok(());
    };
    let guild = ctx.guild_id().map(|id| id.get()).unwrap_or_default();
    let changing = category.is_some()
        || lobby.is_some()
        || moderators.is_some()
        || moderator_role.is_some()
        || pool.is_some()
        || durations.is_some()
        || reminder.is_some()
        || page.is_some()
        || setting.is_some()
        || modes.is_some();
    let data = ctx.data().clone();
    let bot_id = ctx.framework().bot_id().get();
    // The permission report reads the cache synchronously (its guard must not live across
    // an await), so it is computed from a snapshot of the setup taken first.
    let mut setup = data.platform.guild_setup(guild).await?;
    let mut notes: Vec<OutgoingMessage> = Vec::new();
    let mut page_note: Option<OutgoingMessage> = None;
    if changing && !actor.is_community_admin {
        answer(ctx, async {
            Reply::refused(
                OutgoingMessage::new()
                    .text("Only people who may Manage Server can change the setup."),
            )
        })
        .await?;
        return Ok(());
    }
    // @everyone's role id is the guild id. As the moderator role it would let everyone into
    // every pair room (or clash with the rooms' own @everyone overwrite), so it is refused
    // before anything is saved.
    if moderator_role.is_some_and(|role| role.get() == guild) {
        answer(ctx, async {
            Reply::refused(OutgoingMessage::new().text(
                "@everyone can't be the moderator role: it would open every pair room to the \
                 whole server. Pick a role only your moderators have. Nothing was changed.",
            ))
        })
        .await?;
        return Ok(());
    }
    if changing {
        setup.category = category.map(|c| c.get()).or(setup.category);
        setup.lobby = lobby.map(|c| c.get()).or(setup.lobby);
        setup.moderators = moderators.map(|c| c.get()).or(setup.moderators);
        setup.moderator_role = moderator_role.map(|r| r.get()).or(setup.moderator_role);
        setup.pool_category = pool.map(|c| c.get()).or(setup.pool_category);
        if category.is_some() {
            setup.overflow_categories.clear();
        }
        data.platform.save_guild_setup(guild, &setup).await?;
        let mut changes = Vec::new();
        if let Some(text) = &durations {
            match parse_minutes_list(text) {
                Some(lengths) => changes.push(SetupChange::AllowedLengths(lengths)),
                None => notes.push(OutgoingMessage::new().text(format!(
                    "\"{text}\" isn't a list of minutes; write e.g. 25 50 75."
                ))),
            }
        }
        if let Some(minutes) = reminder {
            changes.push(SetupChange::ReminderLeadMinutes(minutes));
        }
        if let Some(key) = &setting {
            // The engine checks the key and the value the way the config file is checked.
            match value.as_deref().map(str::trim) {
                Some(text) if text.eq_ignore_ascii_case("default") => {
                    changes.push(SetupChange::ResetSetting { key: key.clone() })
                }
                Some(text) if !text.is_empty() => changes.push(SetupChange::Setting {
                    key: key.clone(),
                    value: text.to_string(),
                }),
                _ => notes.push(OutgoingMessage::new().text(format!(
                    "Give `{key}` a value too (e.g. value: 15m), or value: default."
                ))),
            }
        }
        if let Some(text) = &modes {
            let words: Vec<&str> = text.split_whitespace().collect();
            match crate::command::session_choice::parse_setup_modes(&words) {
                Ok(Command::Setup {
                    change: Some(change),
                }) => changes.push(change),
                _ => notes.push(OutgoingMessage::new().text(
                    "Give the session modes as words, the default first, e.g. quiet talk moving.",
                )),
            }
        }
        for change in changes {
            let reply = data
                .engine
                .handle_command(
                    &actor,
                    Command::Setup {
                        change: Some(change),
                    },
                )
                .await;
            // The engine answers with the rules on success; keep only its complaints.
            if reply.outcome != CommandOutcome::Done {
                notes.push(reply.message);
            }
        }
        if let Some(page) = page {
            // Its answer is the page's address: worth showing, done or not.
            let reply = data
                .engine
                .handle_command(
                    &actor,
                    Command::Setup {
                        change: Some(SetupChange::Page(page.visibility())),
                    },
                )
                .await;
            page_note = Some(reply.message);
        }
    }
    let report = permission_report(ctx, guild, bot_id, &setup);
    let engine = data.engine.clone();
    answer(ctx, async move {
        let rules = engine
            .handle_command(&actor, Command::Setup { change: None })
            .await;
        let mut text = String::new();
        if changing {
            text.push_str("✅ Setup saved.\n");
        }
        text.push_str(&describe(&setup));
        let mut message = OutgoingMessage::new().text(text);
        for note in notes {
            message = message.text("\n⚠️ ").append(note);
        }
        if let Some(note) = page_note {
            message = message.text("\n📄 ").append(note);
        }
        message = message.text(format!("\n{report}\n"));
        // The rules' card (its list of settings, default or changed here) with the Discord
        // setup above its own text.
        let mut card = rules.message;
        message.parts.append(&mut card.parts);
        card.parts = message.parts;
        card.title = Some("focusfolk setup".to_string());
        Reply::new(card, rules.outcome)
    })
    .await?;
    Ok(())
}

/// `/setup setting:`: the community settings whose names contain what was typed.
async fn autocomplete_setting(
    _ctx: Context<'_>,
    partial: &str,
) -> serenity::CreateAutocompleteResponse {
    let needle = partial.trim().to_lowercase();
    let choices = crate::core::community_settings::SETTING_KEYS
        .iter()
        .filter(|key| key.name.contains(&needle))
        .take(25)
        .map(|key| {
            serenity::AutocompleteChoice::new(format!("{} ({})", key.name, key.label), key.name)
        })
        .collect();
    serenity::CreateAutocompleteResponse::new().set_choices(choices)
}

/// `/setup page:`: who sees the community's web page.
#[derive(Debug, Clone, Copy, poise::ChoiceParameter)]
pub enum PageChoice {
    #[name = "public"]
    Public,
    #[name = "members with the link"]
    Members,
    #[name = "off"]
    Off,
}

impl PageChoice {
    fn visibility(self) -> crate::core::web_page::PageVisibility {
        use crate::core::web_page::PageVisibility;
        match self {
            PageChoice::Public => PageVisibility::Public,
            PageChoice::Members => PageVisibility::Members,
            PageChoice::Off => PageVisibility::Off,
        }
    }
}

fn channel(id: Option<u64>) -> String {
    id.map_or("not set".to_string(), |id| format!("<#{id}>"))
}

fn describe(setup: &super::state::GuildSetup) -> String {
    let mut text = format!(
        "Pair rooms: {} · Lobby: {} · Moderators: {} · Moderator role: {} · Pool: {}",
        setup.category.map_or(
            "not set (I'll make a \"Focus rooms\" category)".to_string(),
            |id| format!("<#{id}>")
        ),
        channel(setup.lobby),
        channel(setup.moderators),
        setup
            .moderator_role
            .map_or("not set".to_string(), |id| format!("<@&{id}>")),
        channel(setup.pool_category),
    );
    if !setup.overflow_categories.is_empty() {
        let extra: Vec<String> = setup
            .overflow_categories
            .iter()
            .map(|id| format!("<#{id}>"))
            .collect();
        text.push_str(&format!(" (+ overflow {})", extra.join(", ")));
    }
    text
}

/// What the bot lacks, channel by channel, from the cached guild (roles, overwrites, its own
/// member), plus the role-order rule for the moderator role.
fn permission_report(
    ctx: Context<'_>,
    guild: u64,
    bot_id: u64,
    setup: &super::state::GuildSetup,
) -> String {
    let Some(cached) = ctx
        .serenity_context()
        .cache
        .guild(serenity::GuildId::new(guild))
    else {
        return format!(
            "I can't check my permissions yet (this server isn't loaded); try again in a minute. I need {}.",
            required_permission_names().join(", ")
        );
    };
    let Some(me) = cached.members.get(&serenity::UserId::new(bot_id)) else {
        return "I can't see my own membership yet; try again in a minute.".to_string();
    };
    let mut problems = Vec::new();
    let mut server_wide = None;
    let mut check = |id: Option<u64>, needed: Permissions, what: &str| {
        let Some(id) = id else { return };
        match cached.channels.get(&serenity::ChannelId::new(id)) {
            None => problems.push(format!(
                "the {what} <#{id}> no longer exists — pick another"
            )),
            Some(channel) => {
                let missing = needed - cached.user_permissions_in(channel, me);
                if !missing.is_empty() {
                    problems.push(format!(
                        "in <#{id}> ({what}) I'm missing **{}**",
                        missing.get_permission_names().join(", ")
                    ));
                }
            }
        }
    };
    match setup.category {
        Some(category) => check(Some(category), ROOM_PERMISSIONS, "room category"),
        None => {
            let missing = ROOM_PERMISSIONS - cached.member_permissions(me);
            if !missing.is_empty() {
                server_wide = Some(format!(
                    "server-wide I'm missing **{}**",
                    missing.get_permission_names().join(", ")
                ));
            }
        }
    }
    for overflow in &setup.overflow_categories {
        check(Some(*overflow), ROOM_PERMISSIONS, "overflow category");
    }
    check(setup.pool_category, ROOM_PERMISSIONS, "pool category");
    check(setup.lobby, LOBBY_PERMISSIONS, "lobby");
    check(
        setup.moderators,
        MODERATOR_PERMISSIONS,
        "moderators' channel",
    );
    problems.extend(server_wide);
    if let Some(role) = setup.moderator_role {
        let mine = cached
            .member_highest_role(me)
            .map(|role| role.position)
            .unwrap_or(0);
        match cached.roles.get(&serenity::RoleId::new(role)) {
            None => problems.push("the moderator role no longer exists — pick another".to_string()),
            Some(moderator) if !cached.member_permissions(me).administrator() && moderator.position >= mine => problems.push(format!(
                "my role is below <@&{role}>: drag my role above it in Server Settings → Roles, or I can't let moderators into rooms"
            )),
            Some(_) => {}
        }
    }
    if problems.is_empty() {
        "Permissions: all good ✅".to_string()
    } else {
        format!(
            "⚠️ Permissions to fix (Server Settings → Roles → my role, or the channel's permissions):\n• {}",
            problems.join("\n• ")
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// README's invite list is exactly what `/setup` checks: no permission asked for and never
    /// used (Move Members once was), none used and not asked for.
    #[test]
    fn readme_lists_exactly_the_permissions_setup_checks() {
        let readme = include_str!("../../../README.md");
        let marker = "invite the bot with these permissions: **";
        let start = readme
            .find(marker)
            .expect("README names the invite permissions")
            + marker.len();
        let end = start + readme[start..].find("**").expect("the list ends in **");
        // The list may wrap: one space wherever README breaks the line.
        let list = readme[start..end]
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        let mut listed: Vec<&str> = list
            .split(',')
            .map(|name| name.trim().trim_start_matches("and ").trim())
            .filter(|name| !name.is_empty())
            .collect();
        listed.sort_unstable();
        assert_eq!(listed, required_permission_names());
        assert!(!listed.contains(&"Move Members"));
    }
}
