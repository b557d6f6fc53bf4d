//! The slash commands registered with Discord: the members' commands and `/setup`.

use std::sync::Arc;

use super::commands::{book, cancel, help, partner, prefs, sessions, slots, timezone};
use super::context::{Data, Error};
use super::setup_command::setup;

pub fn all() -> Vec<poise::Command<Arc<Data>, Error>> {
    vec![
        book(),
        cancel(),
        sessions(),
        slots(),
        timezone(),
        prefs(),
        partner(),
        help(),
        setup(),
    ]
}
