//! The grammar of the check-in's commands (issue 11): `checkin <booking> done|partly`,
//! `checkin <booking> absent [@x]`, `report @x <why>`, `snooze @x 7d|off`, `blocked`. Kept
//! apart from `parse.rs`, which only dispatches here.

use super::social::{member_ref, BadSocialArguments};
use super::{CheckInReply, Command, MemberRef};
use crate::core::check_in::{SessionVerdict, MAX_SNOOZE_DAYS};

pub const USAGE_CHECKIN: &str =
    "checkin <booking number> done|partly|absent [name] (e.g. checkin 12 done, checkin 12 absent @bob)";
pub const USAGE_REPORT: &str =
    "report <@name> <what happened> (e.g. report @bob kept sharing an offensive screen)";
pub const USAGE_SNOOZE: &str = "snooze <name> <days>|off (e.g. snooze @bob 7d, snooze @bob off)";
pub const USAGE_BLOCKED: &str = "blocked";

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

/// `checkin 12 done`, `checkin 12 partly`, `checkin 12 absent` (the one partner of a pair),
/// `checkin 12 absent @bob` (one partner of a trio).
pub fn parse_check_in(args: &[&str]) -> Parsed {
    const CMD: &str = "checkin";
    let Some((booking, rest)) = args.split_first() else {
        return Err(bad(
            CMD,
            USAGE_CHECKIN,
            "Which session? Say checkin, its booking number and how it went.",
        ));
    };
    let Ok(booking) = booking.trim_start_matches('#').parse::<i64>() else {
        return Err(bad(
            CMD,
            USAGE_CHECKIN,
            format!("\"{}\" isn't a booking number.", excerpt(booking)),
        ));
    };
    let Some((answer, rest)) = rest.split_first() else {
        return Err(bad(
            CMD,
            USAGE_CHECKIN,
            "How did it go? Say done, partly or absent.",
        ));
    };
    let reply = if answer.eq_ignore_ascii_case("absent") {
        CheckInReply::PartnerAbsent(member_ref(rest))
    } else {
        match (SessionVerdict::parse(answer), rest) {
            (Some(verdict), []) => CheckInReply::Verdict(verdict),
            (Some(_), [extra, ..]) => {
                return Err(bad(
                    CMD,
                    USAGE_CHECKIN,
                    format!(
                        "Nothing goes after {answer}, but I got \"{}\".",
                        excerpt(extra)
                    ),
                ))
            }
            (None, _) => {
                return Err(bad(
                    CMD,
                    USAGE_CHECKIN,
                    format!(
                        "\"{}\" isn't an answer I know: say done, partly or absent.",
                        excerpt(answer)
                    ),
                ))
            }
        }
    };
    Ok(Command::CheckIn { booking, reply })
}

/// `report @bob <why>`: the first word is who (a handle: display names with spaces cannot be
/// told from the reason), the rest is the reason, which is required.
pub fn parse_report(args: &[&str]) -> Parsed {
    const CMD: &str = "report";
    let Some((who, reason)) = args.split_first() else {
        return Err(bad(
            CMD,
            USAGE_REPORT,
            "Who, and what happened? Say report, their @name and a few words.",
        ));
    };
    let Some(target) = member_ref(&[who]) else {
        return Err(bad(CMD, USAGE_REPORT, "Who? Say report and their @name."));
    };
    let reason = reason.join(" ");
    // The check-in's Report line ends in this placeholder; replied as it is, it says nothing.
    if reason.trim().is_empty() || reason.trim() == "<what happened>" {
        return Err(bad(
            CMD,
            USAGE_REPORT,
            "What happened? The moderators need a few words to act on.",
        ));
    }
    Ok(Command::Report { target, reason })
}

/// `snooze @bob 7d` (or `7`, `2w`), `snooze @bob off`: the last word is the length.
pub fn parse_snooze(args: &[&str]) -> Parsed {
    const CMD: &str = "snooze";
    let Some((length, who)) = args.split_last() else {
        return Err(bad(
            CMD,
            USAGE_SNOOZE,
            "Who, and for how long? Say snooze @name 7d.",
        ));
    };
    let Some(target) = member_ref(who) else {
        return Err(bad(
            CMD,
            USAGE_SNOOZE,
            "Who, and for how long? Say snooze @name 7d.",
        ));
    };
    let days = if length.eq_ignore_ascii_case("off") {
        None
    } else {
        Some(snooze_days(length).ok_or_else(|| {
            bad(
                CMD,
                USAGE_SNOOZE,
                format!(
                    "\"{}\" isn't a length I know: say a number of days from 1 to {MAX_SNOOZE_DAYS}, like 7d or 2w, or off.",
                    excerpt(length)
                ),
            )
        })?)
    };
    Ok(Command::Snooze { target, days })
}

/// "7", "7d", "2w" → days; the range is the handler's (`core::check_in::snooze_until`).
fn snooze_days(word: &str) -> Option<u32> {
    let word = word.to_lowercase();
    let (number, factor) = if let Some(number) = word.strip_suffix('w') {
        (number, 7)
    } else {
        (word.strip_suffix('d').unwrap_or(&word), 1)
    };
    number.parse::<u32>().ok()?.checked_mul(factor)
}

pub fn parse_blocked(args: &[&str]) -> Parsed {
    match args.first() {
        None => Ok(Command::Blocked),
        Some(extra) => Err(bad(
            "blocked",
            USAGE_BLOCKED,
            format!(
                "blocked takes nothing after it, but I got \"{}\". To block someone, say block @name.",
                excerpt(extra)
            ),
        )),
    }
}

/// What a member typed, cut to a short excerpt for echoing back (`parse::shorten`'s rule; a
/// copy, since `parse.rs` imports this file).
fn excerpt(word: &str) -> String {
    const MAX_CHARS: usize = 40;
    if word.chars().count() <= MAX_CHARS {
        word.to_string()
    } else {
        let mut cut: String = word.chars().take(MAX_CHARS).collect();
        cut.push('…');
        cut
    }
}

/// The name a `MemberRef` was typed as, for replies ("@bob").
pub fn typed_name(target: &MemberRef) -> &str {
    target.as_str()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_in_answers() {
        assert_eq!(
            parse_check_in(&["12", "done"]),
            Ok(Command::CheckIn {
                booking: 12,
                reply: CheckInReply::Verdict(SessionVerdict::Done)
            })
        );
        assert_eq!(
            parse_check_in(&["#12", "PARTLY"]),
            Ok(Command::CheckIn {
                booking: 12,
                reply: CheckInReply::Verdict(SessionVerdict::Partly)
            })
        );
        assert_eq!(
            parse_check_in(&["12", "absent"]),
            Ok(Command::CheckIn {
                booking: 12,
                reply: CheckInReply::PartnerAbsent(None)
            })
        );
        assert_eq!(
            parse_check_in(&["12", "absent", "@bob"]),
            Ok(Command::CheckIn {
                booking: 12,
                reply: CheckInReply::PartnerAbsent(Some(MemberRef::Typed("@bob".into())))
            })
        );
        for bad_input in [
            &[][..],
            &["x", "done"],
            &["12"],
            &["12", "great"],
            &["12", "done", "x"],
        ] {
            assert!(parse_check_in(bad_input).is_err(), "{bad_input:?}");
        }
    }

    #[test]
    fn reports_need_a_name_and_a_reason() {
        assert_eq!(
            parse_report(&["@bob", "was", "rude"]),
            Ok(Command::Report {
                target: MemberRef::Typed("@bob".into()),
                reason: "was rude".into()
            })
        );
        assert!(parse_report(&[]).is_err());
        assert!(parse_report(&["@bob"]).is_err());
        assert!(parse_report(&["@bob", "<what", "happened>"]).is_err());
        assert!(parse_report(&["@", "rude"]).is_err());
    }

    #[test]
    fn snooze_lengths() {
        let snooze = |days| Command::Snooze {
            target: MemberRef::Typed("@bob".into()),
            days,
        };
        assert_eq!(parse_snooze(&["@bob", "7d"]), Ok(snooze(Some(7))));
        assert_eq!(parse_snooze(&["@bob", "7"]), Ok(snooze(Some(7))));
        assert_eq!(parse_snooze(&["@bob", "2W"]), Ok(snooze(Some(14))));
        assert_eq!(parse_snooze(&["@bob", "off"]), Ok(snooze(None)));
        assert!(parse_snooze(&["@bob"]).is_err());
        assert!(parse_snooze(&["@bob", "soon"]).is_err());
        assert!(parse_snooze(&["@bob", "99999999999w"]).is_err());
        assert_eq!(parse_blocked(&[]), Ok(Command::Blocked));
        assert!(parse_blocked(&["@bob"]).is_err());
    }
}
