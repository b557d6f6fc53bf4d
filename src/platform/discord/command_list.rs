//! The slash commands registered with Discord: the members' commands and `/setup`.

use std::sync::Arc;

use super::calendar_command::calendar;
use super::check_in_commands::{blocked, checkin, report, snooze};
use super::commands::{
    book, cancel, friend, friends, help, leaderboard, move_booking, msg, partner, prefs, rematch,
    sessions, slots, stats, timezone,
};
use super::context::{Data, Error};
use super::privacy_command::privacy;
use super::setup_command::setup;

pub fn all() -> Vec<poise::Command<Arc<Data>, Error>> {
    vec![
        book(),
        cancel(),
        sessions(),
        slots(),
        timezone(),
        prefs(),
        friend(),
        friends(),
        msg(),
        move_booking(),
        partner(),
        calendar(),
        help(),
        setup(),
        stats(),
        leaderboard(),
        rematch(),
        privacy(),
        checkin(),
        report(),
        snooze(),
        blocked(),
    ]
}

#[cfg(test)]
mod tests {
    use super::super::render::slash_command;
    use super::*;
    use crate::core::message::CommandWord;

    #[test]
    fn every_command_word_names_a_slash_command_discord_has() {
        let registered: Vec<String> = all()
            .iter()
            .map(|command| command.name.to_string())
            .collect();
        for word in CommandWord::ALL {
            let rendered = slash_command(word, "x");
            let name = rendered
                .trim_start_matches("`/")
                .split([' ', '`'])
                .next()
                .unwrap()
                .to_string();
            assert!(
                registered.contains(&name),
                "{word:?} renders as {rendered}, but Discord has only {registered:?}"
            );
        }
        assert_eq!(
            slash_command(CommandWord::Friend, "<name>"),
            "`/friend <name>`"
        );
        assert_eq!(
            slash_command(CommandWord::Unfriend, "<name>"),
            "`/friend remove <name>`"
        );
        assert_eq!(
            slash_command(CommandWord::Favourite, "<name>"),
            "`/partner favourite <name>`"
        );
    }
}
