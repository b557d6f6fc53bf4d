//! The pure core: booking rules, the slot grid, time input, matching and the lifecycle schedule.
//!
//! Invariant: nothing here does I/O, reads a clock or an RNG, or knows a platform type.
//! `now` and seeds are parameters, so every function here is a deterministic unit-testable value.

pub mod attendance;
pub mod booking_rules;
pub mod check_in;
pub mod check_in_message;
pub mod chores;
pub mod community_settings;
pub mod digest;
pub mod friends;
pub mod locked_pairs;
pub mod lone_booker;
pub mod matching;
pub mod member_stats;
pub mod message;
pub mod model;
pub mod partner_messages;
pub mod reliability;
pub mod rematch;
pub mod schedule;
pub mod session_choice;
pub mod slot_grid;
pub mod time_input;
pub mod web_page;
