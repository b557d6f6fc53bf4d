//! The Discord adapter: slash commands (poise) become engine [`Command`](crate::command::Command)s;
//! the engine's effects become Discord calls — a private voice channel per pair/trio, DMs with
//! nonces, presence from voice states — paced under Discord's limits.
//!
//! Map: `adapter` (the port impl), `rooms` / `dm` (effects), `presence` / `channels` (what the
//! gateway tells us), `rest` / `pacing` (focusfolk's own REST calls and limits), `commands` /
//! `autocomplete` / `setup_command` / `components` (what members and admins do), `events`
//! (gateway events), `state` (the adapter's notes in the store), `sweep`, `render`, `client`.
//!
//! Start it with [`run_discord`], or [`DiscordBot::start`] with an engine you built around a
//! [`DiscordPlatform`] (tests do that to drive a manual clock).

mod adapter;
mod autocomplete;
mod channels;
mod client;
mod commands;
mod components;
mod dm;
mod events;
mod pacing;
mod presence;
pub mod render;
mod rest;
pub mod rooms;
mod setup_command;
mod state;
mod sweep;

pub use adapter::DiscordPlatform;
pub use client::{run_discord, BotOptions, DiscordBot};
pub use dm::nonce_for;
pub use state::{GuildSetup, RoomRecord};
