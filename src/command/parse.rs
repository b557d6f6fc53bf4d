//! Text to [`Command`]: one grammar for Matrix messages, the shell, and Discord slash commands
//! flattened to text.
//!
//! The parser only checks shape. Whether a time zone exists, a length is allowed in this
//! community, or a booking id is the member's are the handler's questions: it has the store
//! and the settings, and it can answer in the member's zone.

use std::fmt;

use super::social::{
    BadSocialArguments, USAGE_FRIEND, USAGE_FRIENDS, USAGE_MOVE, USAGE_MSG, USAGE_PREFS,
    USAGE_UNFRIEND,
};
use crate::command::{
    CancelScope, CancelTarget, Command, PrefsChange, RelationChange, SetupChange,
};
use crate::core::booking_rules::default_length;
use crate::core::model::RelationKind;
use crate::core::time_input::{parse_day_spec, parse_time_spec, TimeInputError};

/// Every command word, in the order the overall help lists them.
pub const COMMAND_NAMES: &[&str] = &[
    "book",
    "cancel",
    "sessions",
    "slots",
    "timezone",
    "prefs",
    "friend",
    "friends",
    "msg",
    "move",
    "unfriend",
    "favourite",
    "unfavourite",
    "block",
    "unblock",
    "calendar",
    "setup",
    "help",
    "stats",
    "leaderboard",
    "rematch",
    "privacy",
    "checkin",
    "report",
    "snooze",
    "blocked",
];

const PREFIX: &str = "!focusfolk";

const USAGE_BOOK: &str =
    "book <time> [25m|50m|75m] [weekly] [mode] (e.g. book tomorrow 9:00 50m talk)";
const USAGE_CANCEL: &str =
    "cancel [<booking number>|<time>] [series] (e.g. cancel, cancel 12, cancel tomorrow 9:00, cancel 12 series)";
const USAGE_SESSIONS: &str = "sessions";
const USAGE_SLOTS: &str = "slots [today|tomorrow|mon|2026-12-01]";
const USAGE_TIMEZONE: &str = "timezone [Zone/Name] (e.g. timezone Europe/Paris)";
const USAGE_FAVOURITE: &str = "favourite <name> (e.g. favourite @bob)";
const USAGE_UNFAVOURITE: &str = "unfavourite <name>";
const USAGE_BLOCK: &str = "block <name> (e.g. block @bob)";
const USAGE_UNBLOCK: &str = "unblock <name>";
const USAGE_SETUP: &str =
    "setup [<setting> <value>|<setting> default] [lengths 25 50 75] [reminder 10m] [page public|members|off] [modes quiet talk moving] [moderators <room>] (community admins only)";
const USAGE_CALENDAR: &str = "calendar [reset]";
const USAGE_HELP: &str = "help [command] (e.g. help book)";
const USAGE_STATS: &str = "stats";
const USAGE_LEADERBOARD: &str = "leaderboard";

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CommandParseError {
    Empty,
    UnknownCommand {
        word: String,
        suggestion: Option<String>,
    },
    BadArguments {
        command: &'static str,
        problem: String,
        usage: &'static str,
    },
    BadTime(#[from] TimeInputError),
}

impl From<BadSocialArguments> for CommandParseError {
    fn from(bad: BadSocialArguments) -> Self {
        CommandParseError::BadArguments {
            command: bad.command,
            problem: bad.problem,
            usage: bad.usage,
        }
    }
}

// Hand-written because the texts have optional parts; each ends by showing what would work.
impl fmt::Display for CommandParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CommandParseError::Empty => {
                write!(f, "Tell me what to do, for example: book tomorrow 9:00 50m. Say help for the list of commands.")
            }
            CommandParseError::UnknownCommand { word, suggestion } => {
                write!(f, "I don't know the command \"{}\".", shorten(word))?;
                if let Some(name) = suggestion {
                    write!(f, " Did you mean {name}?")?;
                }
                write!(f, " Say help for the list of commands.")
            }
            CommandParseError::BadArguments { problem, usage, .. } => {
                write!(f, "{problem} Usage: {usage}")
            }
            CommandParseError::BadTime(inner) => write!(f, "{inner}"),
        }
    }
}

impl CommandParseError {
    /// The error in words, where `book`'s usage lists the session lengths this community allows
    /// (`allowed_lengths`, as `help book` does) instead of the built-in ones.
    pub fn message_with_lengths(&self, allowed_lengths: &[u32]) -> String {
        match self {
            CommandParseError::BadArguments {
                command: "book",
                problem,
                ..
            } => format!("{problem} Usage: {}", book_usage(allowed_lengths)),
            other => other.to_string(),
        }
    }
}

/// Never echo a whole paste back into the chat; cut by chars, not bytes.
/// What a member typed, cut to a short excerpt for echoing back in a reply.
pub(crate) fn shorten(word: &str) -> String {
    const MAX_CHARS: usize = 40;
    if word.chars().count() <= MAX_CHARS {
        word.to_string()
    } else {
        let mut cut: String = word.chars().take(MAX_CHARS).collect();
        cut.push('…');
        cut
    }
}

fn bad(
    command: &'static str,
    usage: &'static str,
    problem: impl Into<String>,
) -> CommandParseError {
    CommandParseError::BadArguments {
        command,
        problem: problem.into(),
        usage,
    }
}

/// Parses one message. `!focusfolk` and a leading `/` are optional, the command word is
/// case-insensitive, and words are separated by any whitespace.
pub fn parse_command(input: &str) -> Result<Command, CommandParseError> {
    let mut words: Vec<&str> = input.split_whitespace().collect();
    if words
        .first()
        .is_some_and(|first| first.eq_ignore_ascii_case(PREFIX))
    {
        words.remove(0);
    }
    let Some(first) = words.first() else {
        return Err(CommandParseError::Empty);
    };
    // "/book" from a slash-command bridge, or "/ book"; one slash only.
    let first = first.strip_prefix('/').unwrap_or(first);
    let rest: Vec<&str> = words[1..].to_vec();
    let (name, args) = if first.is_empty() {
        match rest.split_first() {
            Some((name, args)) => (*name, args.to_vec()),
            None => return Err(CommandParseError::Empty),
        }
    } else {
        (first, rest)
    };
    let name = name.to_lowercase();

    match name.as_str() {
        "book" => match super::locked::book_words(&args) {
            super::locked::BookWords::Plain => parse_book(&args),
            super::locked::BookWords::With { time, friend } => {
                Ok(super::locked::book_with(parse_book(time)?, friend)?)
            }
            super::locked::BookWords::Answer(answer) => Ok(answer?),
        },
        "cancel" => parse_cancel(&args),
        "sessions" => no_arguments("sessions", USAGE_SESSIONS, &args).map(|()| Command::Sessions),
        "slots" => parse_slots(&args),
        "calendar" => match args.as_slice() {
            [] => Ok(Command::Calendar { reset: false }),
            [word] if word.eq_ignore_ascii_case("reset") => Ok(Command::Calendar { reset: true }),
            _ => Err(bad(
                "calendar",
                USAGE_CALENDAR,
                "Say calendar for your links, or calendar reset for new ones.",
            )),
        },
        "timezone" => Ok(Command::Timezone {
            zone: (!args.is_empty()).then(|| args.join(" ")),
        }),
        "prefs" => parse_prefs(&args),
        "friend" => Ok(super::social::parse_friend(&args)?),
        "friends" => Ok(super::social::parse_friends(&args)?),
        "msg" | "message" => Ok(super::social::parse_msg(&args)?),
        "move" => Ok(super::social::parse_move(&args)?),
        "rematch" => Ok(super::rematch::parse_rematch(&args)?),
        "unfriend" => Ok(super::social::parse_unfriend(&args)?),
        // Both spellings: members write whichever they grew up with.
        "favourite" | "favorite" => relate(
            "favourite",
            USAGE_FAVOURITE,
            RelationKind::Favourite,
            RelationChange::Set,
            &args,
        ),
        "unfavourite" | "unfavorite" => relate(
            "unfavourite",
            USAGE_UNFAVOURITE,
            RelationKind::Favourite,
            RelationChange::Remove,
            &args,
        ),
        "block" => relate(
            "block",
            USAGE_BLOCK,
            RelationKind::Block,
            RelationChange::Set,
            &args,
        ),
        "unblock" => relate(
            "unblock",
            USAGE_UNBLOCK,
            RelationKind::Block,
            RelationChange::Remove,
            &args,
        ),
        "setup" => parse_setup(&args),
        "stats" => no_arguments("stats", USAGE_STATS, &args).map(|()| Command::Stats),
        "leaderboard" => {
            no_arguments("leaderboard", USAGE_LEADERBOARD, &args).map(|()| Command::Leaderboard)
        }
        "privacy" => super::privacy::parse_privacy(&args)
            .map_err(|problem| bad("privacy", super::privacy::USAGE_PRIVACY, problem)),
        "checkin" | "check-in" => Ok(super::check_in::parse_check_in(&args)?),
        "report" => Ok(super::check_in::parse_report(&args)?),
        "snooze" => Ok(super::check_in::parse_snooze(&args)?),
        "blocked" => Ok(super::check_in::parse_blocked(&args)?),
        "help" => Ok(Command::Help {
            topic: args.first().map(|topic| normalise_topic(topic)),
        }),
        _ => Err(CommandParseError::UnknownCommand {
            suggestion: closest_command(&name),
            word: name,
        }),
    }
}

fn no_arguments(
    command: &'static str,
    usage: &'static str,
    args: &[&str],
) -> Result<(), CommandParseError> {
    match args.first() {
        None => Ok(()),
        Some(extra) => Err(bad(
            command,
            usage,
            format!(
                "{command} takes nothing after it, but I got \"{}\".",
                shorten(extra)
            ),
        )),
    }
}

/// `book <time words…> [length] [weekly]`: the length and "weekly" may sit anywhere among the
/// time words, so "book tomorrow 9:00 50m weekly" and "book weekly 50m tomorrow 9:00" agree.
fn parse_book(args: &[&str]) -> Result<Command, CommandParseError> {
    const CMD: &str = "book";
    let mut length_minutes: Option<u32> = None;
    let mut repeat_weekly = false;
    let mut time_words: Vec<&str> = Vec::new();
    let mut index = 0;
    while index < args.len() {
        let word = args[index];
        let lower = word.to_lowercase();
        let next = args.get(index + 1).map(|w| w.to_lowercase());
        if lower == "weekly" {
            repeat_weekly = true;
        } else if let Some(length) = parse_length(&lower, next.as_deref()) {
            let length = length.map_err(|problem| bad(CMD, USAGE_BOOK, problem))?;
            if let Some(first) = length_minutes.replace(length.minutes) {
                // Usually a time typed without a colon ("book 9 50"), so say how to write one.
                return Err(bad(CMD, USAGE_BOOK, format!(
                    "I read two session lengths, {first} and {}. Give one length, and write times with a colon or am/pm, like 9:00 or 9am.",
                    length.minutes
                )));
            }
            if length.used_next_word {
                index += 1;
            }
        } else {
            time_words.push(word);
        }
        index += 1;
    }
    if time_words.is_empty() {
        return Err(bad(
            CMD,
            USAGE_BOOK,
            "Which time? Say a time to book, or next for the next free time.",
        ));
    }
    let (session_mode, time_words) = super::session_choice::split_book_mode(&time_words)
        .map_err(|problem| bad(CMD, USAGE_BOOK, problem))?;
    if time_words.is_empty() {
        return Err(bad(
            CMD,
            USAGE_BOOK,
            "Which time? Say a time to book, then the mode.",
        ));
    }
    let when = parse_time_spec(&time_words.join(" "))?;
    Ok(Command::Book {
        when,
        length_minutes,
        repeat_weekly,
        session_mode,
    })
}

struct Length {
    minutes: u32,
    /// "50 min": the unit was the following word.
    used_next_word: bool,
}

const MINUTE_UNITS: &[&str] = &["m", "min", "mins", "minute", "minutes"];

/// A session length word: "50", "50m", "50min", or "50" followed by a unit word. Whether the
/// community allows that length is the booking rules' call. A number glued to am/pm or
/// followed by one ("9 am") is a time, not a length.
fn parse_length(word: &str, next: Option<&str>) -> Option<Result<Length, String>> {
    let digits_end = word
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(word.len());
    // `find` returns a char boundary and the prefix is ASCII digits, so both halves are safe.
    let (number, unit) = word.split_at(digits_end);
    if number.is_empty() {
        return None;
    }
    let used_next_word = if unit.is_empty() {
        match next {
            Some("am" | "pm" | "a.m." | "p.m.") => return None,
            Some(next) => MINUTE_UNITS.contains(&next),
            None => false,
        }
    } else if MINUTE_UNITS.contains(&unit) {
        false
    } else {
        return None;
    };
    let minutes = match number.parse::<u32>() {
        Ok(minutes) if minutes > 0 => minutes,
        _ => {
            return Some(Err(format!(
                "\"{}\" isn't a session length I can use.",
                shorten(word)
            )))
        }
    };
    Some(Ok(Length {
        minutes,
        used_next_word,
    }))
}

/// A list of whole minutes as `setup lengths` and Discord's `/setup durations` take it:
/// separated by spaces and/or commas, each optionally ending in `m` ("25 50", "25,50",
/// "25m, 50m"). `None` when a part is not a number or there is none. Whether the lengths make
/// sense (0, too long, repeated) is the engine's rule, not the parser's.
pub fn parse_minutes_list(text: &str) -> Option<Vec<u32>> {
    let parsed: Option<Vec<u32>> = text
        .split(|c: char| c == ',' || c.is_whitespace())
        .filter(|part| !part.is_empty())
        .map(|part| part.trim_end_matches(['m', 'M']).parse::<u32>().ok())
        .collect();
    parsed.filter(|list| !list.is_empty())
}

/// `setup` shows the community's rules; `setup lengths 25 50` and `setup reminder 10m` change
/// them. Whether the actor may is the handler's question (platform admin rights).
fn parse_setup(args: &[&str]) -> Result<Command, CommandParseError> {
    const CMD: &str = "setup";
    let Some((first, rest)) = args.split_first() else {
        return Ok(Command::Setup { change: None });
    };
    match first.to_lowercase().as_str() {
        "lengths" | "length" | "durations" => parse_minutes_list(&rest.join(" "))
            .map(|lengths| Command::Setup {
                change: Some(SetupChange::AllowedLengths(lengths)),
            })
            .ok_or_else(|| {
                bad(
                    CMD,
                    USAGE_SETUP,
                    "Give the allowed session lengths in minutes, like: setup lengths 25 50 75",
                )
            }),
        "reminder" => match parse_minutes_list(&rest.join(" ")).as_deref() {
            // 0 is the handler's to refuse, with the reason (Discord's /setup sends it too).
            Some([minutes]) => Ok(Command::Setup {
                change: Some(SetupChange::ReminderLeadMinutes(*minutes)),
            }),
            _ => Err(bad(
                CMD,
                USAGE_SETUP,
                "Give one reminder time in minutes, like: setup reminder 10m",
            )),
        },
        "modes" | "mode" => Ok(super::session_choice::parse_setup_modes(rest)?),
        "moderators" | "mods" => match rest {
            [room] => Ok(Command::Setup {
                change: Some(SetupChange::Moderators(room.to_string())),
            }),
            _ => Err(bad(
                CMD,
                USAGE_SETUP,
                "Say where moderators get reports: setup moderators and the room or channel",
            )),
        },
        "page" => match rest {
            [word] => crate::core::web_page::PageVisibility::parse(&word.to_lowercase())
                .map(|visibility| Command::Setup {
                    change: Some(SetupChange::Page(visibility)),
                })
                .ok_or_else(|| {
                    bad(
                        CMD,
                        USAGE_SETUP,
                        "Say who sees the community page: setup page public, members or off",
                    )
                }),
            _ => Err(bad(
                CMD,
                USAGE_SETUP,
                "Say who sees the community page: setup page public, members or off",
            )),
        },
        // Any other word is a setting's name (the engine checks it against the config's
        // keys, with a "did you mean"); `default` returns it to the config's value.
        key => match rest {
            [] => Err(bad(
                CMD,
                USAGE_SETUP,
                format!(
                    "Give a value for \"{}\", like: setup reminder_lead 15m (or setup {} default).",
                    shorten(key),
                    shorten(key)
                ),
            )),
            [word] if word.eq_ignore_ascii_case("default") => Ok(Command::Setup {
                change: Some(SetupChange::ResetSetting {
                    key: key.to_string(),
                }),
            }),
            value => Ok(Command::Setup {
                change: Some(SetupChange::Setting {
                    key: key.to_string(),
                    value: value.join(" "),
                }),
            }),
        },
    }
}

/// `cancel` (the next booking), `cancel 12` / `cancel #12` (a booking number), or
/// `cancel <time>` (the booking starting then); a trailing `series` ends that booking's whole
/// weekly series (`cancel series` alone: the next weekly booking's).
fn parse_cancel(args: &[&str]) -> Result<Command, CommandParseError> {
    const CMD: &str = "cancel";
    let (args, scope) = match args {
        [rest @ .., last] if last.eq_ignore_ascii_case("series") => (rest, CancelScope::Series),
        _ => (args, CancelScope::Occurrence),
    };
    let target = match args {
        [] => CancelTarget::Next,
        [word] if word.eq_ignore_ascii_case("next") => CancelTarget::Next,
        [word] if is_booking_number(word) => {
            let digits = word.strip_prefix('#').unwrap_or(word);
            let id = digits.parse::<i64>().map_err(|_| {
                bad(
                    CMD,
                    USAGE_CANCEL,
                    format!("There's no booking number {}.", shorten(word)),
                )
            })?;
            CancelTarget::BookingId(id)
        }
        _ => CancelTarget::At(parse_time_spec(&args.join(" "))?),
    };
    Ok(Command::Cancel { target, scope })
}

fn is_booking_number(word: &str) -> bool {
    let digits = word.strip_prefix('#').unwrap_or(word);
    !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())
}

fn parse_slots(args: &[&str]) -> Result<Command, CommandParseError> {
    const CMD: &str = "slots";
    match args {
        [] => Ok(Command::Slots { day: None }),
        [word] => match parse_day_spec(word) {
            Ok(day) => Ok(Command::Slots { day: Some(day) }),
            Err(_) => Err(bad(
                CMD,
                USAGE_SLOTS,
                format!("I couldn't read \"{}\" as a day.", shorten(word)),
            )),
        },
        _ => Err(bad(CMD, USAGE_SLOTS, "Give one day, like tomorrow or mon.")),
    }
}

fn parse_prefs(args: &[&str]) -> Result<Command, CommandParseError> {
    const CMD: &str = "prefs";
    let lowered: Vec<String> = args.iter().map(|w| w.to_lowercase()).collect();
    let lowered: Vec<&str> = lowered.iter().map(String::as_str).collect();
    match lowered.as_slice() {
        [] => Ok(Command::Prefs { change: None }),
        ["reminders" | "reminder", setting] => match *setting {
            "on" | "yes" | "true" => Ok(Command::Prefs {
                change: Some(PrefsChange::Reminders(true)),
            }),
            "off" | "no" | "false" => Ok(Command::Prefs {
                change: Some(PrefsChange::Reminders(false)),
            }),
            _ => Err(bad(CMD, USAGE_PREFS, "Reminders can be on or off.")),
        },
        ["show-bookings" | "showbookings", setting @ ..] => {
            Ok(super::social::parse_show_bookings(setting)?)
        }
        ["leaderboard", setting] => match *setting {
            "on" | "yes" | "true" => Ok(Command::Prefs {
                change: Some(PrefsChange::Leaderboard(true)),
            }),
            "off" | "no" | "false" => Ok(Command::Prefs {
                change: Some(PrefsChange::Leaderboard(false)),
            }),
            _ => Err(bad(CMD, USAGE_PREFS, "The leaderboard can be on or off.")),
        },
        ["leaderboard"] => Err(bad(
            CMD,
            USAGE_PREFS,
            "Say whether to show you on the leaderboard: prefs leaderboard on, or off.",
        )),
        ["mixed-lengths" | "mixedlengths", setting @ ..] => {
            Ok(super::rematch::parse_mixed_lengths(setting)?)
        }
        ["availability" | "available", setting @ ..] => {
            Ok(super::session_choice::parse_availability(setting)?)
        }
        ["mix-modes" | "mixmodes" | "mix", setting @ ..] => {
            Ok(super::session_choice::parse_mix_modes(setting)?)
        }
        ["reminders" | "reminder"] => Err(bad(
            CMD,
            USAGE_PREFS,
            "Say whether reminders should be on or off.",
        )),
        _ => Err(bad(
            CMD,
            USAGE_PREFS,
            "I can set reminders, show-bookings, mixed-lengths, availability, mix-modes or leaderboard.",
        )),
    }
}

/// The rest of the line is the name (display names may contain spaces), as typed: a leading
/// '@' is kept (a Matrix id needs it) and the handler's lookup reads it either way.
fn relate(
    command: &'static str,
    usage: &'static str,
    kind: RelationKind,
    change: RelationChange,
    args: &[&str],
) -> Result<Command, CommandParseError> {
    let Some(target) = super::social::member_ref(args) else {
        return Err(bad(
            command,
            usage,
            format!("Who? Say {command} and a name."),
        ));
    };
    Ok(Command::Relate {
        kind,
        target,
        change,
    })
}

fn normalise_topic(topic: &str) -> String {
    let topic = topic.strip_prefix('/').unwrap_or(topic);
    topic.to_lowercase()
}

/// The known command closest to a mistyped one, if any is close enough to be a typo.
fn closest_command(word: &str) -> Option<String> {
    // Typos are short; comparing a paste against every name would only waste time.
    const MAX_CHARS: usize = 32;
    let length = word.chars().count();
    if length == 0 || length > MAX_CHARS {
        return None;
    }
    // One edit for short words ("bok", but not "dance" -> cancel), two for longer ones ("timzeone").
    let allowed = if length <= 5 { 1 } else { 2 };
    let candidates = COMMAND_NAMES
        .iter()
        .copied()
        .chain(["favorite", "unfavorite"]);
    candidates
        .map(|name| (strsim::damerau_levenshtein(word, name), name))
        .filter(|(distance, _)| *distance <= allowed)
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, name)| match name {
            "favorite" => "favourite".to_string(),
            "unfavorite" => "unfavourite".to_string(),
            other => other.to_string(),
        })
}

/// One line per command: the overall help, and the detail for `help <command>`.
const HELP: &[(&str, &str, &str)] = &[
    ("book", USAGE_BOOK, "Book a session. Times are in your time zone: 9:00, 9am, tomorrow 14:30, mon 9:15, next, 2026-12-01 09:00. Add weekly to repeat it every week. Add a mode (quiet, talk or moving unless this community set its own; quiet by default): I pair equal modes first and never quiet with talk unless both of you allow it. Add with and a friend (book tomorrow 9:00 with @bob, or book tomorrow 9:00 talk with @bob) to invite them: once they accept, you two are always paired together, in the mode you named; they answer with book accept or book decline and the invitation's number."),
    ("cancel", USAGE_CANCEL, "Cancel your next booking, a booking by its number (see sessions), or the one at a time; a weekly series goes on. Add series to end the whole weekly series. Cancelling within an hour of the start counts as late."),
    ("sessions", USAGE_SESSIONS, "List your upcoming bookings with their numbers."),
    ("slots", USAGE_SLOTS, "Show the bookable slots for a day and how many people booked each."),
    ("timezone", USAGE_TIMEZONE, "Show your time zone, or set it with an IANA name like Europe/Paris or America/New_York."),
    ("prefs", USAGE_PREFS, "Show your preferences, turn reminder messages on or off, choose whether your friends may see your upcoming bookings (nobody by default), whether you're matched with everyone or with friends and favourites only (availability), and whether a quiet session may be paired with a talk one (mix-modes, off by default)."),
    ("friend", USAGE_FRIEND, "Ask someone to be friends; they accept or decline. Friends are mutual and are paired together first: a friendship weighs more than a favourite."),
    ("friends", USAGE_FRIENDS, "List your friends, friend requests both ways, and your friends' next sessions where they share them."),
    ("msg", USAGE_MSG, "Message the partner of your current session, your next matched one, or one that ended in the last 24 hours; or a friend, with msg @name. They can reply. At most 5 messages in 10 minutes."),
    ("move", USAGE_MOVE, "Move a booking to another time of the same length in one step (not a late cancel). When you're the only one booked, I offer the nearest times that have company."),
    ("unfriend", USAGE_UNFRIEND, "End a friendship (the same as friend remove)."),
    ("favourite", USAGE_FAVOURITE, "Prefer to be matched with someone, privately: they aren't asked or told. Weighs less than a friendship."),
    ("unfavourite", USAGE_UNFAVOURITE, "Undo favourite."),
    ("block", USAGE_BLOCK, "Never be matched with someone. They aren't told."),
    ("unblock", USAGE_UNBLOCK, "Undo block."),
    ("calendar", USAGE_CALENDAR, "Get your private calendar feed (add it to your calendar app by URL) and your own page; reset makes new links and the old ones stop working."),
    ("setup", USAGE_SETUP, "Show or change this community's rules (admins): every [community_defaults] setting of the config, e.g. setup reminder_lead 15m or setup allowed_lengths_minutes 25,50, checked like the config; setup <setting> default follows the config again. Also who sees its web page, and setup modes quiet talk moving: the session modes members may book, default first."),
    ("help", USAGE_HELP, "Show this list, or the details of one command."),
    ("stats", USAGE_STATS, "Your sessions, hours, weekly streak (weeks from Monday in your time zone), show-up rate and most frequent partners, with a picture of when you focused over the last 12 weeks."),
    ("leaderboard", USAGE_LEADERBOARD, "This month's most focused members, by hours. Only members who said prefs leaderboard on are shown; you're off it until you do."),
    ("rematch", super::rematch::USAGE_REMATCH, "When your partner hasn't arrived two minutes in: rematch now pairs you with someone else who is free (regulars first), rematch wait keeps you waiting for yours."),
    ("privacy", super::privacy::USAGE_PRIVACY, super::privacy::HELP_PRIVACY),
    ("checkin", super::check_in::USAGE_CHECKIN, "Answer the check-in after a session: done, partly, or absent when your partner never came (when both partners say so, the session counts for neither). The check-in's buttons or reply lines say it for you."),
    ("report", super::check_in::USAGE_REPORT, "Tell the community's moderators about a partner from a session in the last 14 days, with what happened. They are never told who reported them. At most 3 reports a day."),
    ("snooze", super::check_in::USAGE_SNOOZE, "Don't be matched with someone for a while (up to 90 days), or end it early with off. They aren't told."),
    ("blocked", super::check_in::USAGE_BLOCKED, "List the members you blocked or snoozed. Only you see it."),
];

/// `book`'s usage with the session lengths a community allows, e.g. "[25m|50m]"; its example
/// uses the length a booking without one gets.
pub fn book_usage(allowed_lengths: &[u32]) -> String {
    if allowed_lengths.is_empty() {
        return USAGE_BOOK.to_string();
    }
    let lengths: Vec<String> = allowed_lengths
        .iter()
        .map(|minutes| format!("{minutes}m"))
        .collect();
    format!(
        "book <time> [{}] [weekly] [mode] (e.g. book tomorrow 9:00 {}m talk)",
        lengths.join("|"),
        default_length(allowed_lengths)
    )
}

/// The overall help lists every command with an example; `help <command>` gives its usage
/// and what it does. An unknown topic gets the overall help with a note. `book` shows the
/// session lengths in `allowed_lengths` (the community's).
pub fn help_text(topic: Option<&str>, allowed_lengths: &[u32]) -> String {
    let usage_of = |name: &str, usage: &str| match name {
        "book" => book_usage(allowed_lengths),
        _ => usage.to_string(),
    };
    let topic = topic.map(normalise_topic);
    let topic = topic.as_deref().map(|t| match t {
        "favorite" => "favourite",
        "unfavorite" => "unfavourite",
        other => other,
    });
    if let Some(topic) = topic {
        if let Some((name, usage, what)) = HELP.iter().find(|(name, _, _)| *name == topic) {
            return format!("{what}\nUsage: {}", usage_of(name, usage));
        }
    }
    let mut text = String::new();
    if let Some(topic) = topic {
        text.push_str(&format!("I don't have help for \"{}\". ", shorten(topic)));
    }
    text.push_str("Commands:\n");
    for (name, usage, _) in HELP {
        text.push_str("  ");
        text.push_str(&usage_of(name, usage));
        text.push('\n');
    }
    text.push_str("Say help <command> for details.");
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn help_covers_every_command() {
        let overall = help_text(None, DEFAULT_LENGTHS);
        for name in COMMAND_NAMES {
            assert!(
                HELP.iter().any(|(n, _, _)| n == name),
                "no help entry for {name}"
            );
            assert!(
                overall
                    .lines()
                    .any(|line| line.trim_start().starts_with(name)),
                "{name} missing from help"
            );
            assert!(
                help_text(Some(name), DEFAULT_LENGTHS).contains("Usage: "),
                "help {name}"
            );
        }
        assert!(help_text(Some("BOOK"), DEFAULT_LENGTHS).contains("Usage: book"));
        assert!(
            help_text(Some("nope"), DEFAULT_LENGTHS).starts_with("I don't have help for \"nope\".")
        );
    }

    const DEFAULT_LENGTHS: &[u32] = &[25, 50, 75];

    #[test]
    fn a_book_parse_error_lists_the_communitys_lengths() {
        let error = parse_command("book").unwrap_err();
        let message = error.message_with_lengths(&[30, 90]);
        assert!(
            message.ends_with(
                "Usage: book <time> [30m|90m] [weekly] [mode] (e.g. book tomorrow 9:00 30m talk)"
            ),
            "{message}"
        );
        assert!(!message.contains("25m"), "{message}");
        let two_lengths = parse_command("book 9 50 25").unwrap_err();
        assert!(two_lengths
            .message_with_lengths(&[25, 50])
            .contains("[25m|50m]"));
        // Other commands' errors are unchanged.
        let cancel = parse_command("friend").unwrap_err();
        assert_eq!(cancel.message_with_lengths(&[30]), cancel.to_string());
    }

    #[test]
    fn book_usage_lists_the_allowed_lengths() {
        assert_eq!(book_usage(DEFAULT_LENGTHS), USAGE_BOOK);
        assert_eq!(
            book_usage(&[25, 50]),
            "book <time> [25m|50m] [weekly] [mode] (e.g. book tomorrow 9:00 50m talk)"
        );
        assert_eq!(
            book_usage(&[30, 90]),
            "book <time> [30m|90m] [weekly] [mode] (e.g. book tomorrow 9:00 30m talk)"
        );
        assert_eq!(book_usage(&[]), USAGE_BOOK);
    }

    #[test]
    fn suggestions() {
        let cases = [
            ("bok", Some("book")),
            ("boook", Some("book")),
            ("cancle", Some("cancel")),
            ("timzone", Some("timezone")),
            ("favorit", Some("favourite")),
            ("sesions", Some("sessions")),
            ("slot", Some("slots")),
            ("xyz", None),
            ("", None),
        ];
        for (word, expected) in cases {
            assert_eq!(closest_command(word).as_deref(), expected, "{word}");
        }
    }
}
