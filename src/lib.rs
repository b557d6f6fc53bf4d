//! focusfolk: Focusmate-style body doubling for Discord and Matrix communities.
//! See ARCHITECTURE.md for the map.

pub mod clock;
pub mod command;
pub mod config;
pub mod core;
pub mod cron;
pub mod demo;
pub mod engine;
pub mod fast_forward;
pub mod http;
pub mod logging;
pub mod operator;
pub mod platform;
pub mod shell_repl;
pub mod store;
pub mod web;
