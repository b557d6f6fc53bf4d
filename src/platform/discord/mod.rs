//! The Discord adapter: slash commands (poise) become engine [`Command`](crate::command::Command)s;
//! the engine's effects become Discord calls — a private voice channel per pair/trio, DMs with
//! nonces, presence from voice states — paced under Discord's limits.
//!
//! Map: `adapter` (the port impl), `rooms` / `dm` (effects), `presence` / `channels` (what the
//! gateway tells us), `rest` / `pacing` (focusfolk's own REST calls and limits), `commands` /
//! `autocomplete` / `setup_command` / `components` (what members and admins do), `events`
//! (gateway events), `state` (the adapter's notes in the store), `sweep`, `render` (parts as
//! markdown), `card` (a message as an embed with buttons, within Discord's limits), `client`.
//! Shared leaves, so these files never import each other in a circle: `context` (the handlers'
//! `Data`, `Context`, `actor_of`, `answer`), `command_list` (what is registered), `room_ref`
//! (a room as the engine records it), `channel_message` (a message body with its nonce).
//!
//! Start it with [`run_discord`], or [`DiscordBot::start`] with an engine you built around a
//! [`DiscordPlatform`] (tests do that to drive a manual clock).

mod adapter;
mod autocomplete;
mod calendar_command;
pub mod card;
mod channel_message;
mod channels;
mod client;
mod command_list;
mod commands;
mod components;
mod context;
mod dm;
mod events;
mod pacing;
mod presence;
mod privacy_command;
pub mod render;
mod reply_form;
mod rest;
mod room_ref;
pub mod rooms;
mod setup_command;
mod state;
mod sweep;

pub use adapter::DiscordPlatform;
pub use channel_message::nonce_for;
pub use client::{run_discord, BotOptions, DiscordBot};
pub use state::{GuildSetup, RoomRecord};
