//! One command language for every platform: Discord slash commands, Matrix `!focusfolk …`
//! messages and the shell all become a [`Command`], handled in one place.

pub mod check_in;
pub mod locked;
pub mod parse;
pub mod privacy;
pub mod rematch;
pub mod session_choice;
pub mod social;

use crate::core::time_input::{DaySpec, TimeSpec};

#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    /// `book tomorrow 9:00 50m [weekly]`
    Book {
        when: TimeSpec,
        length_minutes: Option<u32>,
        repeat_weekly: bool,
        /// `book 9:00 talk`: the session mode named, lower-cased (`core::session_choice`).
        session_mode: Option<String>,
    },
    /// `cancel` (next booking), `cancel 12` (booking id), `cancel tomorrow 9:00`; with
    /// `series` (`cancel series`, `cancel 12 series`) the booking's whole weekly series ends.
    Cancel {
        target: CancelTarget,
        scope: CancelScope,
    },
    /// `sessions`: my upcoming bookings.
    Sessions,
    /// `slots [tomorrow|mon|2026-12-01]`: bookable slots and how many booked each.
    Slots { day: Option<DaySpec> },
    /// `timezone` shows, `timezone Europe/Paris` sets.
    Timezone { zone: Option<String> },
    /// `prefs` shows, `prefs reminders off` changes.
    Prefs { change: Option<PrefsChange> },
    /// `friend @bob` asks bob to be friends; `friend accept|decline|remove @bob` (and
    /// `unfriend @bob`) answer or end it. Friends are mutual (see `core::friends`).
    Friend {
        change: crate::core::friends::FriendChange,
        target: MemberRef,
    },
    /// `friends`: friends, pending requests both ways, friends' next bookings where allowed.
    Friends,
    /// `msg <text>` to the partner(s) of the current, next matched or just-ended session;
    /// `msg @x <text>` to one such partner or a friend.
    Message { to: Option<MemberRef>, text: String },
    /// `move 12 <time>`: booking 12 moves to another slot of the same length in one step
    /// (the lone booker's offer); not a late cancel.
    Move { booking: i64, when: TimeSpec },
    /// `favourite @bob`, `block @bob`, `unblock @bob`, `unfavourite @bob`: one-way marks.
    Relate {
        kind: crate::core::model::RelationKind,
        target: MemberRef,
        change: RelationChange,
    },
    /// `setup` shows, `setup lengths 25 50`, `setup reminder 10m` change community rules (admins).
    Setup { change: Option<SetupChange> },
    /// `help [command]`
    Help { topic: Option<String> },
    /// `calendar` shows the member's private calendar feed and page links; `calendar reset`
    /// revokes them and makes new ones.
    Calendar { reset: bool },
    /// `stats`: the member's own sessions, hours, weekly streak, show-up rate, partners and
    /// heatmap (`core::member_stats`).
    Stats,
    /// `leaderboard`: the community's members by hours this month, opted-in ones only.
    Leaderboard,
    /// `rematch now` / `rematch wait`: what a member whose partner is late chooses (the
    /// T + 2 min message's two actions).
    Rematch {
        choice: crate::core::rematch::RematchChoice,
    },
    /// `book tomorrow 9:00 [50m] with @bob`: books the slot and invites the friend bob to it;
    /// once bob accepts, the two are locked in together (`core::locked_pairs`).
    BookWith {
        when: TimeSpec,
        length_minutes: Option<u32>,
        with: MemberRef,
        /// The mode the inviter named (`book 9:00 talk with @bob`): the friend's booking gets
        /// it too, and the card shows it; the pair is kept together whatever it is.
        session_mode: Option<String>,
    },
    /// `book accept 7` / `book decline 7`: the invitee's answer to invitation 7.
    AnswerInvitation { invitation: i64, accept: bool },
    /// `privacy export` sends the member their data; `privacy delete [confirm]` erases it.
    Privacy { request: privacy::PrivacyRequest },
    /// `checkin 12 done|partly`, `checkin 12 absent [@x]`: the check-in's answers about the
    /// session of booking 12 (issue 11).
    CheckIn { booking: i64, reply: CheckInReply },
    /// `report @x <why>`: to the community's moderators, with the shared session's context.
    Report { target: MemberRef, reason: String },
    /// `snooze @x 7d` (not matched with x for 7 days), `snooze @x off` (`days` is `None`).
    Snooze {
        target: MemberRef,
        days: Option<u32>,
    },
    /// `blocked`: the member's own blocks and running snoozes.
    Blocked,
}

/// What a member answers to the check-in.
#[derive(Debug, Clone, PartialEq)]
pub enum CheckInReply {
    Verdict(crate::core::check_in::SessionVerdict),
    /// "Partner absent": the one partner of a pair (`None`), or the one named in a trio.
    PartnerAbsent(Option<MemberRef>),
}

/// Whether `friend`/`favourite`/`block` sets a relation or its `un…` form removes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RelationChange {
    Set,
    Remove,
}

/// Who a command names: what a member typed, or a platform's own user id (Discord's user
/// option). A typed name is looked up by handle, then by display name, and must name one
/// member; an id is looked up as an id only.
#[derive(Debug, Clone, PartialEq)]
pub enum MemberRef {
    /// As typed, without a leading `@`: a handle (`bob:example.org`, the shell's `bob`) or a
    /// display name (`Bob Smith`).
    Typed(String),
    /// The platform's user id, exactly.
    PlatformId(String),
}

impl MemberRef {
    pub fn as_str(&self) -> &str {
        match self {
            MemberRef::Typed(text) | MemberRef::PlatformId(text) => text,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum CancelTarget {
    Next,
    BookingId(i64),
    At(TimeSpec),
}

/// What `cancel` ends: one occurrence (a weekly series goes on) or the whole weekly series.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CancelScope {
    #[default]
    Occurrence,
    Series,
}

#[derive(Debug, Clone, PartialEq)]
pub enum PrefsChange {
    Reminders(bool),
    /// `prefs show-bookings friends|nobody`
    ShowBookings(crate::core::friends::ShowBookings),
    /// `prefs leaderboard on|off`: whether the member is shown on `leaderboard` (off by
    /// default).
    Leaderboard(bool),
    /// `prefs mixed-lengths on|off`: may a rematch pair me with a longer or shorter session?
    MixedLengths(bool),
    /// `prefs availability everyone|friends`
    Availability(crate::core::session_choice::Availability),
    /// `prefs mix-modes on|off`: may a quiet session be paired with a talk one.
    MixModes(bool),
}

#[derive(Debug, Clone, PartialEq)]
pub enum SetupChange {
    AllowedLengths(Vec<u32>),
    ReminderLeadMinutes(u32),
    /// `setup page public|members|off`: who may see the community's web page.
    Page(crate::core::web_page::PageVisibility),
    /// `setup <key> <value>`: one `[community_defaults]` key for this community, checked like
    /// the config (the key is the config's name; the engine says if there is no such key).
    Setting {
        key: String,
        value: String,
    },
    /// `setup <key> default`: the key follows the config's default again.
    ResetSetting {
        key: String,
    },
    /// `setup modes quiet talk moving`: the session modes members may book, default first.
    SessionModes(Vec<String>),
    /// `setup moderators <room>`: where reports and problems go, on platforms whose adapter
    /// keeps that place from a text command (Matrix: a room id or alias).
    Moderators(String),
}
