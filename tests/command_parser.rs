//! The command grammar as a table, plus fuzzing: whatever a member (or a cat on the keyboard)
//! types, parsing and resolving must answer with a command or an error, never a panic.

use chrono::{DateTime, NaiveDate, NaiveTime, Utc, Weekday as Wd};
use chrono_tz::Tz;
use focusfolk::command::parse::{help_text, parse_command, CommandParseError, COMMAND_NAMES};
use focusfolk::command::{
    CancelScope, CancelTarget, Command, MemberRef, PrefsChange, RelationChange,
};
use focusfolk::core::booking_rules::check_new_booking;
use focusfolk::core::friends::{FriendChange, ShowBookings};
use focusfolk::core::model::{CommunitySettings, RelationKind};
use focusfolk::core::time_input::{resolve_time_spec, DaySpec, TimeInputError, TimeSpec};
use proptest::prelude::*;
use rand::{Rng, SeedableRng};

fn hm(h: u32, m: u32) -> NaiveTime {
    NaiveTime::from_hms_opt(h, m, 0).expect("test literal")
}
fn date(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").expect("test literal")
}
fn at(day: Option<DaySpec>, h: u32, m: u32) -> TimeSpec {
    TimeSpec::Local {
        day,
        time: hm(h, m),
    }
}
fn book(when: TimeSpec, length_minutes: Option<u32>, repeat_weekly: bool) -> Command {
    Command::Book {
        when,
        length_minutes,
        repeat_weekly,
    }
}
fn friend(change: FriendChange, target: &str) -> Command {
    Command::Friend {
        change,
        target: MemberRef::Typed(target.to_string()),
    }
}
fn relate(kind: RelationKind, target: &str, change: RelationChange) -> Command {
    Command::Relate {
        kind,
        target: MemberRef::Typed(target.to_string()),
        change,
    }
}

/// What a row expects: the command, or just which error variant (texts are checked apart).
#[derive(Debug)]
enum Expect {
    Ok(Command),
    Empty,
    Unknown(&'static str, Option<&'static str>),
    BadArguments(&'static str),
    BadTime,
}

fn check(input: &str, expected: &Expect) {
    let got = parse_command(input);
    let matches = match (&got, expected) {
        (Ok(command), Expect::Ok(want)) => command == want,
        (Err(CommandParseError::Empty), Expect::Empty) => true,
        (
            Err(CommandParseError::UnknownCommand { word, suggestion }),
            Expect::Unknown(want_word, want_suggestion),
        ) => word == want_word && suggestion.as_deref() == *want_suggestion,
        (Err(CommandParseError::BadArguments { command, .. }), Expect::BadArguments(want)) => {
            command == want
        }
        (Err(CommandParseError::BadTime(_)), Expect::BadTime) => true,
        _ => false,
    };
    assert!(
        matches,
        "parse_command({input:?})\n  got:      {got:?}\n  expected: {expected:?}"
    );
}

#[test]
fn command_table() {
    use DaySpec::*;
    use Expect::*;
    let cases: Vec<(&str, Expect)> = vec![
        // Book: times, lengths anywhere after the time, weekly.
        ("book 9:00", Ok(book(at(None, 9, 0), None, false))),
        ("BOOK 9AM", Ok(book(at(None, 9, 0), None, false))),
        ("book 9 am 50m", Ok(book(at(None, 9, 0), Some(50), false))),
        (
            "book tomorrow 9:00 50m",
            Ok(book(at(Some(Tomorrow), 9, 0), Some(50), false)),
        ),
        (
            "book tomorrow 9:00 50",
            Ok(book(at(Some(Tomorrow), 9, 0), Some(50), false)),
        ),
        (
            "book tomorrow 9:00 50min",
            Ok(book(at(Some(Tomorrow), 9, 0), Some(50), false)),
        ),
        (
            "book tomorrow 9:00 50 min",
            Ok(book(at(Some(Tomorrow), 9, 0), Some(50), false)),
        ),
        (
            "book tomorrow 9:00 25m weekly",
            Ok(book(at(Some(Tomorrow), 9, 0), Some(25), true)),
        ),
        (
            "book tomorrow 9:00 weekly 75m",
            Ok(book(at(Some(Tomorrow), 9, 0), Some(75), true)),
        ),
        (
            "book tomorrow weekly 9:00",
            Ok(book(at(Some(Tomorrow), 9, 0), None, true)),
        ),
        (
            "book mon 9:15 WEEKLY",
            Ok(book(at(Some(Weekday(Wd::Mon)), 9, 15), None, true)),
        ),
        (
            "book monday 9:15pm",
            Ok(book(at(Some(Weekday(Wd::Mon)), 21, 15), None, false)),
        ),
        ("book next", Ok(book(TimeSpec::NextSlot, None, false))),
        (
            "book next 25m",
            Ok(book(TimeSpec::NextSlot, Some(25), false)),
        ),
        (
            "book 2026-12-01 09:00 50m",
            Ok(book(
                at(Some(Date(date("2026-12-01"))), 9, 0),
                Some(50),
                false,
            )),
        ),
        (
            "book 2026-12-01T09:00",
            Ok(book(at(Some(Date(date("2026-12-01"))), 9, 0), None, false)),
        ),
        (
            "book 2026-12-01T09:00:00+01:00 50m",
            Ok(book(
                TimeSpec::Absolute(
                    DateTime::parse_from_rfc3339("2026-12-01T09:00:00+01:00").unwrap(),
                ),
                Some(50),
                false,
            )),
        ),
        // The length is not checked against the community here; the booking rules do that.
        ("book 9:00 30m", Ok(book(at(None, 9, 0), Some(30), false))),
        ("book 14h30", Ok(book(at(None, 14, 30), None, false))),
        ("book", BadArguments("book")),
        ("book 50m", BadArguments("book")),
        ("book weekly", BadArguments("book")),
        ("book 9:00 50m 25m", BadArguments("book")),
        ("book 9 50", BadArguments("book")),
        ("book 9:00 0m", BadArguments("book")),
        ("book 9:00 99999999999m", BadArguments("book")),
        ("book 9ish", BadTime),
        ("book tomorrow", BadTime),
        ("book 25:00", BadTime),
        // Prefixes and spacing.
        (
            "!focusfolk book 9:00",
            Ok(book(at(None, 9, 0), None, false)),
        ),
        (
            "!FOCUSFOLK   book\t9:00 ",
            Ok(book(at(None, 9, 0), None, false)),
        ),
        ("/book 9:00", Ok(book(at(None, 9, 0), None, false))),
        (
            "!focusfolk /book 9:00",
            Ok(book(at(None, 9, 0), None, false)),
        ),
        ("/ sessions", Ok(Command::Sessions)),
        ("", Empty),
        ("   ", Empty),
        ("!focusfolk", Empty),
        ("/", Empty),
        ("!focusfolk /", Empty),
        // Cancel.
        (
            "cancel",
            Ok(Command::Cancel {
                target: CancelTarget::Next,
                scope: CancelScope::Occurrence,
            }),
        ),
        (
            "cancel next",
            Ok(Command::Cancel {
                target: CancelTarget::Next,
                scope: CancelScope::Occurrence,
            }),
        ),
        (
            "cancel 12",
            Ok(Command::Cancel {
                target: CancelTarget::BookingId(12),
                scope: CancelScope::Occurrence,
            }),
        ),
        (
            "cancel #12",
            Ok(Command::Cancel {
                target: CancelTarget::BookingId(12),
                scope: CancelScope::Occurrence,
            }),
        ),
        (
            "cancel tomorrow 9:00",
            Ok(Command::Cancel {
                target: CancelTarget::At(at(Some(Tomorrow), 9, 0)),
                scope: CancelScope::Occurrence,
            }),
        ),
        (
            "cancel 9am",
            Ok(Command::Cancel {
                target: CancelTarget::At(at(None, 9, 0)),
                scope: CancelScope::Occurrence,
            }),
        ),
        (
            "cancel series",
            Ok(Command::Cancel {
                target: CancelTarget::Next,
                scope: CancelScope::Series,
            }),
        ),
        (
            "cancel #12 Series",
            Ok(Command::Cancel {
                target: CancelTarget::BookingId(12),
                scope: CancelScope::Series,
            }),
        ),
        (
            "cancel tomorrow 9:00 series",
            Ok(Command::Cancel {
                target: CancelTarget::At(at(Some(Tomorrow), 9, 0)),
                scope: CancelScope::Series,
            }),
        ),
        ("cancel series 12", BadTime),
        ("cancel #99999999999999999999", BadArguments("cancel")),
        ("cancel #", BadTime),
        ("cancel 12 13", BadTime),
        ("cancel everything", BadTime),
        // Sessions.
        ("sessions", Ok(Command::Sessions)),
        ("Sessions", Ok(Command::Sessions)),
        ("sessions please", BadArguments("sessions")),
        // Slots.
        ("slots", Ok(Command::Slots { day: None })),
        ("slots today", Ok(Command::Slots { day: Some(Today) })),
        (
            "slots Tomorrow",
            Ok(Command::Slots {
                day: Some(Tomorrow),
            }),
        ),
        (
            "slots mon",
            Ok(Command::Slots {
                day: Some(Weekday(Wd::Mon)),
            }),
        ),
        (
            "slots wednesday",
            Ok(Command::Slots {
                day: Some(Weekday(Wd::Wed)),
            }),
        ),
        (
            "slots 2026-12-01",
            Ok(Command::Slots {
                day: Some(Date(date("2026-12-01"))),
            }),
        ),
        ("slots someday", BadArguments("slots")),
        ("slots 2026-13-01", BadArguments("slots")),
        ("slots mon tue", BadArguments("slots")),
        // Time zone: passed through as typed, validated by the handler.
        ("timezone", Ok(Command::Timezone { zone: None })),
        (
            "timezone Europe/Paris",
            Ok(Command::Timezone {
                zone: Some("Europe/Paris".into()),
            }),
        ),
        (
            "timezone europe/pariss",
            Ok(Command::Timezone {
                zone: Some("europe/pariss".into()),
            }),
        ),
        (
            "TIMEZONE America/New York",
            Ok(Command::Timezone {
                zone: Some("America/New York".into()),
            }),
        ),
        // Prefs.
        ("prefs", Ok(Command::Prefs { change: None })),
        (
            "prefs reminders on",
            Ok(Command::Prefs {
                change: Some(PrefsChange::Reminders(true)),
            }),
        ),
        (
            "prefs Reminders OFF",
            Ok(Command::Prefs {
                change: Some(PrefsChange::Reminders(false)),
            }),
        ),
        ("prefs reminders", BadArguments("prefs")),
        ("prefs reminders maybe", BadArguments("prefs")),
        ("prefs colour blue", BadArguments("prefs")),
        // Relations.
        // Friends: a request, its answers, and a Matrix id that keeps its '@'.
        ("friend @bob", Ok(friend(FriendChange::Request, "@bob"))),
        ("friend bob", Ok(friend(FriendChange::Request, "bob"))),
        (
            "friend @bob:example.org",
            Ok(friend(FriendChange::Request, "@bob:example.org")),
        ),
        (
            "friend accept @bob:example.org",
            Ok(friend(FriendChange::Accept, "@bob:example.org")),
        ),
        (
            "friend Decline bob",
            Ok(friend(FriendChange::Decline, "bob")),
        ),
        (
            "friend remove @bob",
            Ok(friend(FriendChange::Remove, "@bob")),
        ),
        ("unfriend @bob", Ok(friend(FriendChange::Remove, "@bob"))),
        ("friend accept", BadArguments("friend")),
        ("friend @", BadArguments("friend")),
        ("friends", Ok(Command::Friends)),
        (
            "msg running 2 min late",
            Ok(Command::Message {
                to: None,
                text: "running 2 min late".to_string(),
            }),
        ),
        (
            "msg @bob:example.org see you at 9",
            Ok(Command::Message {
                to: Some(MemberRef::Typed("@bob:example.org".to_string())),
                text: "see you at 9".to_string(),
            }),
        ),
        ("msg", BadArguments("msg")),
        ("msg @bob", BadArguments("msg")),
        ("friends bob", BadArguments("friends")),
        (
            "prefs show-bookings friends",
            Ok(Command::Prefs {
                change: Some(PrefsChange::ShowBookings(ShowBookings::Friends)),
            }),
        ),
        (
            "prefs show-bookings NOBODY",
            Ok(Command::Prefs {
                change: Some(PrefsChange::ShowBookings(ShowBookings::Nobody)),
            }),
        ),
        ("prefs show-bookings everyone", BadArguments("prefs")),
        ("prefs show-bookings", BadArguments("prefs")),
        (
            "favourite @Bob Smith",
            Ok(relate(
                RelationKind::Favourite,
                "@Bob Smith",
                RelationChange::Set,
            )),
        ),
        (
            "favorite @bob",
            Ok(relate(RelationKind::Favourite, "@bob", RelationChange::Set)),
        ),
        (
            "unfavourite @bob",
            Ok(relate(
                RelationKind::Favourite,
                "@bob",
                RelationChange::Remove,
            )),
        ),
        (
            "block @bob",
            Ok(relate(RelationKind::Block, "@bob", RelationChange::Set)),
        ),
        (
            "unblock @bob",
            Ok(relate(RelationKind::Block, "@bob", RelationChange::Remove)),
        ),
        (
            "block @@bob",
            Ok(relate(RelationKind::Block, "@@bob", RelationChange::Set)),
        ),
        (
            "block @bob:matrix.org",
            Ok(relate(
                RelationKind::Block,
                "@bob:matrix.org",
                RelationChange::Set,
            )),
        ),
        ("friend", BadArguments("friend")),
        ("block @", BadArguments("block")),
        ("unblock", BadArguments("unblock")),
        // Help.
        ("help", Ok(Command::Help { topic: None })),
        (
            "help book",
            Ok(Command::Help {
                topic: Some("book".into()),
            }),
        ),
        (
            "HELP Cancel",
            Ok(Command::Help {
                topic: Some("cancel".into()),
            }),
        ),
        // Unknown commands with a suggestion when it looks like a typo.
        ("bok 9:00", Unknown("bok", Some("book"))),
        ("Cancle", Unknown("cancle", Some("cancel"))),
        ("timzone Europe/Paris", Unknown("timzone", Some("timezone"))),
        ("unfreind bob", Unknown("unfreind", Some("unfriend"))),
        ("dance", Unknown("dance", None)),
        ("9:00", Unknown("9:00", None)),
        (
            "!focusfolk!focusfolk",
            Unknown("!focusfolk!focusfolk", None),
        ),
    ];
    for (input, expected) in &cases {
        check(input, expected);
    }
}

#[test]
fn every_command_name_parses_or_asks_for_arguments() {
    for name in COMMAND_NAMES {
        match parse_command(name) {
            Ok(_) | Err(CommandParseError::BadArguments { .. }) => {}
            other => panic!("{name}: {other:?}"),
        }
    }
}

#[test]
fn error_texts_are_plain_words_with_usage() {
    let text = |input: &str| parse_command(input).expect_err("should fail").to_string();
    assert_eq!(
        text("bok 9:00"),
        "I don't know the command \"bok\". Did you mean book? Say help for the list of commands."
    );
    assert_eq!(
        text("book 9ish"),
        "I couldn't read \"9ish\" as a time. Try 9:00, 9am, tomorrow 14:30, mon 9:15, next, or 2026-12-01T09:00."
    );
    assert!(text("book")
        .ends_with("Usage: book <time> [25m|50m|75m] [weekly] (e.g. book tomorrow 9:00 50m)"));
    assert!(text("prefs reminders maybe").contains("Usage: prefs [reminders on|off]"));
    assert!(text("").contains("help"));
    // A long paste is not echoed back whole.
    let long = format!("x{}", "é".repeat(10_000));
    assert!(text(&long).chars().count() < 200);
    assert!(text(&format!("book {long}")).chars().count() < 200);
    // The BadTime variant converts from the time error.
    let converted: CommandParseError = TimeInputError::Unrecognised { input: "x".into() }.into();
    assert!(matches!(converted, CommandParseError::BadTime(_)));
}

#[test]
fn help_lists_every_command_with_an_example() {
    let overall = help_text(None, &[25, 50, 75]);
    for name in COMMAND_NAMES {
        assert!(overall.contains(name), "{name} missing from:\n{overall}");
        assert!(
            help_text(Some(name), &[25, 50, 75]).contains(&format!("Usage: {name}")),
            "help {name}"
        );
    }
    assert!(overall.contains("e.g. book tomorrow 9:00 50m"));
}

const ZONES: [Tz; 5] = [
    chrono_tz::Europe::Paris,
    chrono_tz::America::New_York,
    chrono_tz::Asia::Kathmandu,
    chrono_tz::Pacific::Chatham,
    chrono_tz::America::Santiago,
];

/// Parses and, for any time it yields, resolves it at a few instants in a few zones.
/// Returns how many resolutions succeeded, so the fuzz test can check it got that far.
fn exercise(input: &str, nows: &[DateTime<Utc>]) -> usize {
    let spec = match parse_command(input) {
        Ok(Command::Book { when, .. })
        | Ok(Command::Cancel {
            target: CancelTarget::At(when),
            scope: CancelScope::Occurrence,
        }) => when,
        Ok(_) => return 0,
        Err(error) => {
            let _ = error.to_string();
            return 0;
        }
    };
    let mut resolved = 0;
    for now in nows {
        for zone in ZONES {
            match resolve_time_spec(&spec, *now, zone) {
                Ok(starts_at) => {
                    resolved += 1;
                    // And on into the booking rules, whose messages render the time back.
                    if let Err(rejection) =
                        check_new_booking(*now, starts_at, 50, &CommunitySettings::default(), &[])
                    {
                        let _ = rejection.describe(zone);
                    }
                }
                Err(error) => {
                    let _ = error.to_string();
                }
            }
        }
    }
    resolved
}

fn nows() -> Vec<DateTime<Utc>> {
    [
        "2026-11-30T08:00:00Z",
        // Inside Paris' and New York's DST nights, so gaps and repeats get resolved too.
        "2026-03-28T23:30:00Z",
        "2026-10-25T00:40:00Z",
        "2026-03-08T06:30:00Z",
        "2026-11-01T05:40:00Z",
    ]
    .iter()
    .map(|text| {
        DateTime::parse_from_rfc3339(text)
            .expect("literal")
            .with_timezone(&Utc)
    })
    .chain([DateTime::<Utc>::MIN_UTC, DateTime::<Utc>::MAX_UTC])
    .collect()
}

/// Words a member might plausibly type, so random strings often get deep into the parser.
const VOCABULARY: &[&str] = &[
    "book",
    "cancel",
    "sessions",
    "slots",
    "timezone",
    "prefs",
    "friend",
    "friends",
    "msg",
    "accept",
    "decline",
    "show-bookings",
    "unfriend",
    "favourite",
    "favorite",
    "unfavourite",
    "block",
    "unblock",
    "help",
    "!focusfolk",
    "/",
    "/book",
    "next",
    "slot",
    "today",
    "tomorrow",
    "tmrw",
    "mon",
    "monday",
    "tues",
    "thurs",
    "sun",
    "at",
    "on",
    "am",
    "pm",
    "a.m.",
    "p.m.",
    "noon",
    "midnight",
    "weekly",
    "25m",
    "50m",
    "75m",
    "50",
    "50min",
    "min",
    "minutes",
    "reminders",
    "on",
    "off",
    "@bob",
    "@",
    "#",
    "#12",
    "9:00",
    "09:00",
    "9am",
    "9:15pm",
    "12am",
    "14h30",
    "14h",
    "24:00",
    "23:59:60",
    "2026-12-01",
    "2026-02-29",
    "2026-12-01T09:00",
    "2026-12-01T09:00:00+01:00",
    "2026-12-01T09:00Z",
    "0000-01-01T00:00:00+23:59",
    "9999-12-31T23:59:59-23:59",
    "9999-12-31",
    "0000-01-01",
    "2026-03-29",
    "2026-10-25",
    "2:30",
    "02:30",
    "1:30",
    "Europe/Paris",
    "Europe/Pariss",
    "é",
    "日本",
    "🙂",
    "\u{0}",
    "\u{200b}",
    "\u{feff}",
    "ß",
    "İ",
    "ǅ",
    "\u{301}",
    "-1",
    "0",
    "18446744073709551616",
    "99999999999999999999",
    "+01:00",
    "Z",
    "T",
    ":",
    "h",
    "::",
];

/// A well-formed-looking `book`/`cancel` with random day, time and offset values, so many
/// inputs get through parsing and the resolver meets random dates, DST nights included.
fn structured_input(rng: &mut impl Rng) -> String {
    let mut parts: Vec<String> = vec![if rng.random_bool(0.7) {
        "book"
    } else {
        "cancel"
    }
    .to_string()];
    let year = match rng.random_range(0..10) {
        0 => rng.random_range(0..=9999),
        _ => rng.random_range(2024..=2030),
    };
    let (month, day) = (rng.random_range(0..=13), rng.random_range(0..=32));
    let (hour, minute) = (
        rng.random_range(0..=25),
        [0, 15, 30, 45, 7, 59, 60][rng.random_range(0..7)],
    );
    match rng.random_range(0..4) {
        0 => parts.push(format!("{year:04}-{month:02}-{day:02}")),
        1 => parts.push(
            [
                "today", "tomorrow", "mon", "tues", "wed", "thurs", "fri", "sat", "sun",
            ][rng.random_range(0..9)]
            .to_string(),
        ),
        _ => {}
    }
    match rng.random_range(0..5) {
        0 => parts.push(format!(
            "{}{}",
            rng.random_range(0..=13),
            ["am", "pm", " am", " p.m."][rng.random_range(0..4)]
        )),
        1 => {
            let offset_hours = rng.random_range(-24..=24);
            let offset_minutes = [0, 30, 45, 59][rng.random_range(0..4)];
            parts.push(format!("{year:04}-{month:02}-{day:02}T{hour:02}:{minute:02}:00{offset_hours:+03}:{offset_minutes:02}"));
        }
        2 => parts.push(format!(
            "{year:04}-{month:02}-{day:02}T{hour:02}:{minute:02}"
        )),
        _ => parts.push(format!("{hour}:{minute:02}")),
    }
    if rng.random_bool(0.3) {
        parts.push(["25m", "50", "75 min", "0m", "weekly"][rng.random_range(0..5)].to_string());
    }
    parts.join(" ")
}

fn random_input(rng: &mut impl Rng) -> String {
    if rng.random_bool(0.3) {
        return structured_input(rng);
    }
    let words = rng.random_range(0..8);
    let mut parts: Vec<String> = Vec::with_capacity(words + 1);
    // Half the inputs start like a command that takes a time, so the time parser and the
    // resolver see plenty of them; the rest start anywhere.
    match rng.random_range(0..4) {
        0 => parts.push("book".to_string()),
        1 => parts.push("cancel".to_string()),
        _ => {}
    }
    for _ in 0..words {
        let part = match rng.random_range(0..10) {
            0..=4 => VOCABULARY[rng.random_range(0..VOCABULARY.len())].to_string(),
            5 => rng.random_range(-100_000i64..100_000).to_string(),
            6 => format!("{}:{:02}", rng.random_range(0..30), rng.random_range(0..70)),
            // Arbitrary chars: any Unicode scalar value, including controls and combining marks.
            7 => (0..rng.random_range(1..6))
                .map(|_| rng.random::<char>())
                .collect(),
            // Bytes taken as chars: Latin-1 and ASCII noise.
            8 => (0..rng.random_range(1..6))
                .map(|_| char::from(rng.random::<u8>()))
                .collect(),
            _ => {
                // A vocabulary word with a random char spliced in somewhere.
                let word = VOCABULARY[rng.random_range(0..VOCABULARY.len())];
                let cut = rng.random_range(0..=word.chars().count());
                let mut spliced: String = word.chars().take(cut).collect();
                spliced.push(rng.random::<char>());
                spliced.extend(word.chars().skip(cut));
                spliced
            }
        };
        parts.push(part);
    }
    let separator = match rng.random_range(0..4) {
        0 => "",
        1 => "\t",
        2 => "  ",
        _ => " ",
    };
    parts.join(separator)
}

#[test]
fn hundred_thousand_random_strings_never_panic() {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(0xC0F0C05);
    let nows = nows();
    // Resolving in every zone at every `now` for each input would dominate the run; the
    // first `now` always, the DST and range-edge ones for a sample.
    let (first, rest) = nows.split_at(1);
    let mut resolved = 0;
    for round in 0..100_000 {
        let input = random_input(&mut rng);
        resolved += exercise(&input, first);
        if round % 16 == 0 {
            resolved += exercise(&input, rest);
        }
    }
    // Guards the generator: if it stopped producing real times, this test would prove little.
    eprintln!("resolved {resolved} times");
    assert!(
        resolved > 50_000,
        "only {resolved} inputs reached a resolved time"
    );
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2_000, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_strings_never_panic(input in any::<String>()) {
        let _ = exercise(&input, &nows());
    }

    #[test]
    fn arbitrary_book_arguments_never_panic(rest in "[ -~]{0,40}") {
        let _ = exercise(&format!("book {rest}"), &nows());
        let _ = exercise(&format!("cancel {rest}"), &nows());
    }
}

// `book … with @x` and the invitee's answers (locked-in sessions, src/command/locked.rs).
#[test]
fn with_names_a_friend_after_the_time_and_length() {
    let parsed = parse_command("book tomorrow 9:00 50m with @bob:example.org").unwrap();
    let Command::BookWith {
        length_minutes,
        with,
        ..
    } = parsed
    else {
        panic!("{parsed:?}")
    };
    assert_eq!(length_minutes, Some(50));
    assert_eq!(with, MemberRef::Typed("@bob:example.org".to_string()));
    // Without "with" it is the plain booking, as before.
    assert!(matches!(
        parse_command("book tomorrow 9:00").unwrap(),
        Command::Book { .. }
    ));
}

#[test]
fn answers_take_an_invitation_number_and_bad_forms_say_how() {
    assert_eq!(
        parse_command("book accept 7").unwrap(),
        Command::AnswerInvitation {
            invitation: 7,
            accept: true
        }
    );
    assert_eq!(
        parse_command("book decline #7").unwrap(),
        Command::AnswerInvitation {
            invitation: 7,
            accept: false
        }
    );
    for bad in [
        "book accept",
        "book accept bob",
        "book decline 7 8",
        "book 9:00 with",
        "book with @bob",
        "book 9:00 weekly with @bob",
    ] {
        let error = parse_command(bad).unwrap_err().to_string();
        assert!(error.contains("Usage: book"), "{bad}: {error}");
    }
}
