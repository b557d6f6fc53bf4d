//! cofocus: Focusmate-style body doubling for Discord and Matrix communities.
//! See ARCHITECTURE.md for the map.

pub mod command;
pub mod config;
pub mod core;
pub mod platform;
pub mod store;
pub mod clock;
pub mod demo;
pub mod engine;
pub mod fast_forward;
pub mod shell_repl;
