//! Domain types shared by every layer. Plain data: no I/O, no platform types.

use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;

macro_rules! id_newtype {
    ($($name:ident),*) => {$(
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(pub i64);
        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result { write!(f, "{}", self.0) }
        }
    )*};
}
id_newtype!(CommunityId, MemberId, BookingId, SlotId, GroupId, JobId);

/// Per-community rules. Defaults come from the config file; a community may override them.
#[derive(Debug, Clone, PartialEq)]
pub struct CommunitySettings {
    /// Session lengths members may book, in minutes (a subset of 25/50/75 by default).
    pub allowed_lengths_minutes: Vec<u32>,
    /// How far ahead a booking may start.
    pub booking_horizon: Duration,
    /// A booking must be made at least this long before the slot starts.
    pub booking_cutoff: Duration,
    /// Cancelling closer than this to the start counts as a late cancel.
    pub late_cancel_window: Duration,
    /// The reminder DM goes out this long before the start.
    pub reminder_lead: Duration,
    /// Matching and room creation start this long before the start, so rooms are ready at T.
    pub prepare_lead: Duration,
    /// The attendance check runs this long after the start.
    pub attendance_grace: Duration,
    /// Rooms close this long after the session ends.
    pub close_delay: Duration,
    /// Pairs who met within this many days are penalised in matching.
    pub recent_repeat_days: i64,
    /// The zone of a member who has not set one.
    pub default_time_zone: Tz,
    /// The session modes members may book (`book 9:00 talk`); the first is the default.
    /// See `core::session_choice`.
    pub session_modes: Vec<String>,
    /// Fewer upcoming bookings below these show-up rates (issue 11; `core::reliability`).
    pub reliability_tiers: ReliabilityTiers,
}

/// A community's session modes when the config says nothing; the first is a booking's mode
/// when the member names none (see `core::session_choice`, which re-exports it).
pub const DEFAULT_SESSION_MODES: [&str; 3] = ["quiet", "talk", "moving"];

impl Default for CommunitySettings {
    fn default() -> Self {
        CommunitySettings {
            allowed_lengths_minutes: vec![25, 50, 75],
            booking_horizon: Duration::days(14),
            booking_cutoff: Duration::minutes(1),
            late_cancel_window: Duration::minutes(60),
            reminder_lead: Duration::minutes(10),
            prepare_lead: Duration::minutes(2),
            attendance_grace: Duration::minutes(3),
            close_delay: Duration::minutes(5),
            recent_repeat_days: 7,
            default_time_zone: chrono_tz::UTC,
            session_modes: DEFAULT_SESSION_MODES
                .iter()
                .map(|mode| mode.to_string())
                .collect(),
            reliability_tiers: ReliabilityTiers::default(),
        }
    }
}

/// The chat platform a community lives on. A runner serves exactly one; every job, room and
/// sweep query is scoped by it, so "all platforms" is not a value anything can hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Platform {
    Discord,
    Matrix,
    /// The local simulation (`focusfolk shell`, `focusfolk demo`, most tests).
    Shell,
}

impl Platform {
    pub const ALL: [Platform; 3] = [Platform::Discord, Platform::Matrix, Platform::Shell];

    /// The name stored in `communities.platform` and `platform_state.platform`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Platform::Discord => "discord",
            Platform::Matrix => "matrix",
            Platform::Shell => "shell",
        }
    }

    pub fn parse(text: &str) -> Option<Platform> {
        Platform::ALL
            .into_iter()
            .find(|platform| platform.as_str() == text)
    }
}

impl std::fmt::Display for Platform {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Community {
    pub id: CommunityId,
    pub platform: Platform,
    /// Guild id, Matrix room/space id, or the shell's community name.
    pub platform_community_id: String,
    pub settings: CommunitySettings,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Member {
    pub id: MemberId,
    pub community_id: CommunityId,
    /// The platform's user id (Discord snowflake, Matrix user id, shell name).
    pub platform_user_id: String,
    pub display_name: String,
    pub time_zone: Tz,
    pub reminders_enabled: bool,
    pub sessions_attended: i64,
    pub no_shows: i64,
    pub late_cancels: i64,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BookingStatus {
    Active,
    Cancelled,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Booking {
    pub id: BookingId,
    pub community_id: CommunityId,
    pub member_id: MemberId,
    pub slot_id: SlotId,
    pub starts_at: DateTime<Utc>,
    pub length_minutes: u32,
    pub status: BookingStatus,
    /// Re-booked for the same local time a week later when this one is prepared.
    pub recurring_weekly: bool,
    pub created_at: DateTime<Utc>,
}

impl Booking {
    pub fn ends_at(&self) -> DateTime<Utc> {
        self.starts_at + Duration::minutes(self.length_minutes as i64)
    }
}

/// One (community, start, length): the unit the matcher works on.
#[derive(Debug, Clone, PartialEq)]
pub struct Slot {
    pub id: SlotId,
    pub community_id: CommunityId,
    pub starts_at: DateTime<Utc>,
    pub length_minutes: u32,
}

impl Slot {
    pub fn ends_at(&self) -> DateTime<Utc> {
        self.starts_at + Duration::minutes(self.length_minutes as i64)
    }
}

/// How a member relates to another; friends and favourites are preferred, blocks are absolute.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RelationKind {
    Friend,
    Favourite,
    Block,
}

impl RelationKind {
    pub fn as_str(self) -> &'static str {
        match self {
            RelationKind::Friend => "friend",
            RelationKind::Favourite => "favourite",
            RelationKind::Block => "block",
        }
    }
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "friend" => Some(RelationKind::Friend),
            "favourite" => Some(RelationKind::Favourite),
            "block" => Some(RelationKind::Block),
            _ => None,
        }
    }
}

/// A directed relation: `member` says this about `other`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Relation {
    pub member: MemberId,
    pub other: MemberId,
    pub kind: RelationKind,
}

/// Why a group exists: the prepare-time matching, or a rematch of stranded members.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupOrigin {
    Matched,
    Rematch,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupState {
    /// Rows exist, the room may not.
    Planned,
    /// The platform room exists.
    Open,
    Closed,
}

/// A pair or trio sharing one room for one slot.
#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    pub id: GroupId,
    pub slot_id: SlotId,
    pub origin: GroupOrigin,
    pub state: GroupState,
    /// Platform room reference once opened (Discord channel id, Matrix room id, shell room name).
    pub room: Option<String>,
    pub members: Vec<MemberId>,
}

/// One step of a slot's lifecycle. Each is a row in the `jobs` table, claimed with a lease.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum JobKind {
    /// DM one booking's member before the start (per booking).
    Remind,
    /// Match the slot's members and open their rooms (per slot).
    Prepare,
    /// DM each member their partner(s) and room at the start (per slot).
    Announce,
    /// Find no-shows, re-pair stranded members (per slot).
    AttendanceCheck,
    /// DM attendees a check-in after the session (per slot).
    CheckIn,
    /// Close the slot's rooms (per slot).
    CloseRooms,
    /// Book a weekly booking's next occurrence (per weekly booking, at its start). Never
    /// dropped: however late it runs, the series goes on from the next future week.
    RollForward,
    /// Delete what is past its retention (finished jobs, effect records, old attendance) of
    /// one community (per community and day; enqueued by the nightly chore).
    Prune,
    /// T + 2 min: offer "Keep waiting" / "Rematch now" to members whose partner has not
    /// arrived (per slot).
    PartnerCheck,
    /// Rematch one member who chose "Rematch now", with the others left alone at that moment
    /// (per member and slot; `rematch_now:slot:7:member:3`).
    RematchNow,
    /// Post the week's digest in one community's lobby: the coming week's busiest slots and
    /// last week's sessions and hours (per community and ISO week; enqueued by the weekly chore).
    Digest,
}

impl JobKind {
    pub const ALL: [JobKind; 11] = [
        JobKind::Remind,
        JobKind::Prepare,
        JobKind::Announce,
        JobKind::AttendanceCheck,
        JobKind::CheckIn,
        JobKind::CloseRooms,
        JobKind::RollForward,
        JobKind::Prune,
        JobKind::PartnerCheck,
        JobKind::RematchNow,
        JobKind::Digest,
    ];
    /// The kinds every slot has one job of (`schedule::slot_jobs`).
    pub const PER_SLOT: [JobKind; 7] = [
        JobKind::Remind,
        JobKind::Prepare,
        JobKind::Announce,
        JobKind::PartnerCheck,
        JobKind::AttendanceCheck,
        JobKind::CheckIn,
        JobKind::CloseRooms,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            JobKind::Remind => "remind",
            JobKind::Prepare => "prepare",
            JobKind::Announce => "announce",
            JobKind::AttendanceCheck => "attendance_check",
            JobKind::CheckIn => "check_in",
            JobKind::CloseRooms => "close_rooms",
            JobKind::RollForward => "roll_forward",
            JobKind::Prune => "prune",
            JobKind::PartnerCheck => "partner_check",
            JobKind::RematchNow => "rematch_now",
            JobKind::Digest => "digest",
        }
    }
    pub fn parse(text: &str) -> Option<Self> {
        JobKind::ALL.into_iter().find(|kind| kind.as_str() == text)
    }
}

/// A claimed or stored job.
#[derive(Debug, Clone, PartialEq)]
pub struct Job {
    pub id: JobId,
    /// Unique, derived from kind + slot/booking id, so scheduling twice inserts once.
    pub key: String,
    pub kind: JobKind,
    pub slot_id: Option<SlotId>,
    pub booking_id: Option<BookingId>,
    pub due_at: DateTime<Utc>,
    pub attempts: i64,
}

/// Where a stored job stands: `pending` until a worker finishes it, then `done` (whatever its
/// outcome: ran, dropped or given up).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum JobStatus {
    Pending,
    Done,
}

impl JobStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            JobStatus::Pending => "pending",
            JobStatus::Done => "done",
        }
    }
    pub fn parse(text: &str) -> Option<Self> {
        [JobStatus::Pending, JobStatus::Done]
            .into_iter()
            .find(|status| status.as_str() == text)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttendanceOutcome {
    Attended,
    NoShow,
    /// Not counted either way, e.g. the bot was down when the session started.
    Excused,
}

/// The booking tiers (Focusmate's: unlimited, then 3, then 1 future bookings), from
/// `[community_defaults]`. Below `limited_below` a member may hold `limited_bookings` upcoming
/// sessions; below `restricted_below`, `restricted_bookings`. Nobody is tiered before
/// `min_sessions` booked sessions: one missed first session says little.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ReliabilityTiers {
    pub limited_below: f64,
    pub limited_bookings: usize,
    pub restricted_below: f64,
    pub restricted_bookings: usize,
    pub min_sessions: usize,
}

impl Default for ReliabilityTiers {
    fn default() -> Self {
        ReliabilityTiers {
            limited_below: 0.8,
            limited_bookings: 3,
            restricted_below: 0.5,
            restricted_bookings: 1,
            min_sessions: 3,
        }
    }
}
