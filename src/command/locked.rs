//! The grammar of locked-in sessions with a friend (issue 11): `book <time> [length] with @x`
//! (invite a friend to the slot) and `book accept|decline <invitation>` (the invitee's
//! answer, which the invitation's Accept / Decline actions stand for). `parse.rs` keeps `book`
//! itself and only asks here which of the three forms a line is.

use super::social::{member_ref, BadSocialArguments};
use super::{Command, MemberRef};

pub const USAGE_BOOK_WITH: &str =
    "book <time> [length] with <friend> (e.g. book tomorrow 9:00 with @bob), then they answer with book accept|decline <invitation>";

/// Which form of `book` a line is.
pub enum BookWords<'a> {
    /// `book <time> [length] [weekly]`, for `parse.rs`'s own parser.
    Plain,
    /// `book <time words> with <friend words>`: the time words go to `parse.rs`'s parser.
    With {
        time: &'a [&'a str],
        friend: &'a [&'a str],
    },
    /// `book accept 7` / `book decline 7`.
    Answer(Result<Command, BadSocialArguments>),
}

fn bad(problem: impl Into<String>) -> BadSocialArguments {
    BadSocialArguments {
        command: "book",
        usage: USAGE_BOOK_WITH,
        problem: problem.into(),
    }
}

pub fn book_words<'a>(args: &'a [&'a str]) -> BookWords<'a> {
    let verb = args.first().map(|word| word.to_lowercase());
    let accept = match verb.as_deref() {
        Some("accept") => Some(true),
        Some("decline" | "reject") => Some(false),
        _ => None,
    };
    if let Some(accept) = accept {
        let number = args
            .get(1)
            .map(|word| word.trim_start_matches('#'))
            .and_then(|word| word.parse::<i64>().ok())
            .filter(|id| *id > 0);
        return BookWords::Answer(match (number, args.len()) {
            (Some(invitation), 2) => Ok(Command::AnswerInvitation { invitation, accept }),
            _ => Err(bad(
                "Which invitation? Say book accept or book decline and the invitation's number, like book accept 7.",
            )),
        });
    }
    match args
        .iter()
        .position(|word| word.eq_ignore_ascii_case("with"))
    {
        Some(at) => BookWords::With {
            time: &args[..at],
            friend: &args[at + 1..],
        },
        None => BookWords::Plain,
    }
}

/// The plain booking parsed from the time words, and the friend named after `with`: a locked
/// session is one session, so `weekly` is refused rather than silently dropped.
pub fn book_with(plain: Command, friend: &[&str]) -> Result<Command, BadSocialArguments> {
    let Command::Book {
        when,
        length_minutes,
        repeat_weekly,
        session_mode,
    } = plain
    else {
        return Err(bad("Say a time, then with and a friend's name."));
    };
    if repeat_weekly {
        return Err(bad(
            "Booking with a friend is for one session; book weekly on your own, or book each week with them.",
        ));
    }
    let with: MemberRef = member_ref(friend).ok_or_else(|| {
        bad("With whom? Say with and a friend's name, like book tomorrow 9:00 with @bob.")
    })?;
    Ok(Command::BookWith {
        when,
        length_minutes,
        with,
        session_mode,
    })
}
