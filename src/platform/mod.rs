//! The adapters: each implements the engine's port ([`crate::engine::port::ChatPlatform`]) on
//! one chat platform and turns its input into the one command language. Adapters import the
//! engine and the core; nothing below them imports an adapter.

#[cfg(feature = "discord")]
pub mod discord;
#[cfg(feature = "matrix")]
pub mod matrix;
pub mod shell;
