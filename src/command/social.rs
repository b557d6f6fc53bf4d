//! The social commands' grammar (issue 11): `friend @x`, `friend accept|decline|remove @x`,
//! `unfriend @x`, `friends`, `prefs show-bookings friends|nobody`. Kept apart from `parse.rs`
//! so the social commands grow here; `parse.rs` only dispatches to them.

use super::{Command, MemberRef, PrefsChange};
use crate::core::friends::{FriendChange, ShowBookings};

pub const USAGE_PREFS: &str = "prefs [reminders on|off] [show-bookings friends|nobody] \
     [mixed-lengths on|off] [availability everyone|friends] [mix-modes on|off] [leaderboard on|off]";
pub const USAGE_FRIEND: &str =
    "friend [accept|decline|remove] <name> (e.g. friend @bob, friend accept @bob)";
pub const USAGE_FRIENDS: &str = "friends";
pub const USAGE_UNFRIEND: &str = "unfriend <name>";
pub const USAGE_MOVE: &str = "move <booking number> <time> (e.g. move 12 9:15)";
pub const USAGE_MSG: &str =
    "msg [@name] <text> (e.g. msg running 2 min late!, msg @bob same time tomorrow?)";

/// What was wrong with a social command's arguments; `parse.rs` turns it into its
/// `CommandParseError::BadArguments` (this file cannot name that type without an import
/// circle).
#[derive(Debug, Clone, PartialEq)]
pub struct BadSocialArguments {
    pub command: &'static str,
    pub usage: &'static str,
    pub problem: String,
}

type Parsed = Result<Command, BadSocialArguments>;

fn bad(
    command: &'static str,
    usage: &'static str,
    problem: impl Into<String>,
) -> BadSocialArguments {
    BadSocialArguments {
        command,
        problem: problem.into(),
        usage,
    }
}

/// The rest of the line names one member, as typed: `@bob:example.org` keeps its `@` (on
/// Matrix the `@` is part of the id), a display name may contain spaces. Who that is, is the
/// handler's lookup. `None` when nothing (or only "@") was typed.
pub fn member_ref(args: &[&str]) -> Option<MemberRef> {
    let joined = args.join(" ");
    let typed = joined.trim();
    let bare = typed.strip_prefix('@').unwrap_or(typed).trim();
    (!bare.is_empty()).then(|| MemberRef::Typed(typed.to_string()))
}

/// `friend @x` asks x; `friend accept|decline|remove @x` answers or ends. A first word that is
/// one of those verbs is the verb only when a name follows: "friend remove" alone asks who.
pub fn parse_friend(args: &[&str]) -> Parsed {
    const CMD: &str = "friend";
    let verb = args.first().map(|word| word.to_lowercase());
    let (change, rest) = match verb.as_deref() {
        Some("accept") => (FriendChange::Accept, &args[1..]),
        Some("decline" | "reject") => (FriendChange::Decline, &args[1..]),
        Some("remove" | "cancel") => (FriendChange::Remove, &args[1..]),
        _ => (FriendChange::Request, args),
    };
    let target = member_ref(rest).ok_or_else(|| {
        bad(
            CMD,
            USAGE_FRIEND,
            match change {
                FriendChange::Request => "Who? Say friend and a name, like friend @bob.",
                FriendChange::Accept => "Whose request? Say friend accept and their name.",
                FriendChange::Decline => "Whose request? Say friend decline and their name.",
                FriendChange::Remove => "Who? Say friend remove and their name.",
            },
        )
    })?;
    Ok(Command::Friend { change, target })
}

/// `unfriend @x`: the same as `friend remove @x`.
pub fn parse_unfriend(args: &[&str]) -> Parsed {
    let target = member_ref(args)
        .ok_or_else(|| bad("unfriend", USAGE_UNFRIEND, "Who? Say unfriend and a name."))?;
    Ok(Command::Friend {
        change: FriendChange::Remove,
        target,
    })
}

pub fn parse_friends(args: &[&str]) -> Parsed {
    match args.first() {
        None => Ok(Command::Friends),
        Some(_) => Err(bad(
            "friends",
            USAGE_FRIENDS,
            "friends takes nothing after it. To ask someone, say friend @name.",
        )),
    }
}

/// `prefs show-bookings friends|nobody` (already lower-cased words after "show-bookings").
pub fn parse_show_bookings(setting: &[&str]) -> Parsed {
    match setting {
        [value] => ShowBookings::parse(value)
            .map(|show| Command::Prefs {
                change: Some(PrefsChange::ShowBookings(show)),
            })
            .ok_or_else(|| {
                bad(
                    "prefs",
                    USAGE_PREFS,
                    "Your bookings can be shown to friends or nobody.",
                )
            }),
        _ => Err(bad(
            "prefs",
            USAGE_PREFS,
            "Say who may see your upcoming bookings: prefs show-bookings friends, or nobody.",
        )),
    }
}

/// `msg <text>` or `msg @name <text>`: a first word starting with `@` names the recipient (one
/// word: a handle or a one-word name); everything else is the message.
pub fn parse_msg(args: &[&str]) -> Parsed {
    const CMD: &str = "msg";
    let (to, words) = match args.split_first() {
        Some((first, rest)) if first.starts_with('@') && first.len() > 1 => {
            (Some(MemberRef::Typed(first.to_string())), rest)
        }
        _ => (None, args),
    };
    let text = words.join(" ");
    if text.trim().is_empty() {
        return Err(bad(
            CMD,
            USAGE_MSG,
            "What should I pass on? Say msg and your message.",
        ));
    }
    Ok(Command::Message { to, text })
}

/// `move 12 <time>` / `move #12 <time>`.
pub fn parse_move(args: &[&str]) -> Parsed {
    const CMD: &str = "move";
    let Some((first, rest)) = args.split_first() else {
        return Err(bad(CMD, USAGE_MOVE, "Which booking, and to when?"));
    };
    let digits = first.strip_prefix('#').unwrap_or(first);
    let Ok(booking) = digits.parse::<i64>() else {
        return Err(bad(
            CMD,
            USAGE_MOVE,
            "Start with the booking number (sessions lists them).",
        ));
    };
    if rest.is_empty() {
        return Err(bad(CMD, USAGE_MOVE, "To when? Add the new time."));
    }
    let when = crate::core::time_input::parse_time_spec(&rest.join(" "))
        .map_err(|error| bad(CMD, USAGE_MOVE, error.to_string()))?;
    Ok(Command::Move { booking, when })
}
