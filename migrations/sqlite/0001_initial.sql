-- focusfolk schema, SQLite flavour.
-- Keep in step with migrations/postgres/0001_initial.sql: same tables, columns, constraints and
-- index names. Only the id/integer column types differ (INTEGER here, BIGSERIAL/BIGINT there),
-- and tables here are STRICT so SQLite enforces column types too.
-- Conventions (see src/store/mod.rs): times are unix seconds, durations are seconds,
-- booleans are 0/1, enums are lower-case TEXT guarded by CHECK constraints.

CREATE TABLE communities (
    id                      INTEGER PRIMARY KEY,
    platform                TEXT    NOT NULL CHECK (platform IN ('shell', 'discord', 'matrix')),
    platform_community_id   TEXT    NOT NULL CHECK (platform_community_id <> ''),
    -- e.g. '25,50,75'
    allowed_lengths         TEXT    NOT NULL CHECK (allowed_lengths <> ''),
    booking_horizon_secs    INTEGER NOT NULL CHECK (booking_horizon_secs > 0),
    booking_cutoff_secs     INTEGER NOT NULL CHECK (booking_cutoff_secs >= 0),
    late_cancel_window_secs INTEGER NOT NULL CHECK (late_cancel_window_secs >= 0),
    reminder_lead_secs      INTEGER NOT NULL CHECK (reminder_lead_secs >= 0),
    prepare_lead_secs       INTEGER NOT NULL CHECK (prepare_lead_secs >= 0),
    attendance_grace_secs   INTEGER NOT NULL CHECK (attendance_grace_secs >= 0),
    close_delay_secs        INTEGER NOT NULL CHECK (close_delay_secs >= 0),
    recent_repeat_days      INTEGER NOT NULL CHECK (recent_repeat_days >= 0),
    -- IANA name, e.g. 'Europe/Berlin'
    default_time_zone       TEXT    NOT NULL CHECK (default_time_zone <> ''),
    UNIQUE (platform, platform_community_id)
) STRICT;

CREATE TABLE members (
    id                  INTEGER PRIMARY KEY,
    community_id        INTEGER NOT NULL REFERENCES communities (id),
    platform_user_id    TEXT    NOT NULL CHECK (platform_user_id <> ''),
    display_name        TEXT    NOT NULL,
    -- display_name lower-cased by the store (Unicode-aware), for case-insensitive lookup
    display_name_folded TEXT    NOT NULL,
    time_zone           TEXT    NOT NULL CHECK (time_zone <> ''),
    reminders_enabled   INTEGER NOT NULL CHECK (reminders_enabled IN (0, 1)),
    sessions_attended   INTEGER NOT NULL DEFAULT 0 CHECK (sessions_attended >= 0),
    no_shows            INTEGER NOT NULL DEFAULT 0 CHECK (no_shows >= 0),
    late_cancels        INTEGER NOT NULL DEFAULT 0 CHECK (late_cancels >= 0),
    created_at          INTEGER NOT NULL,
    UNIQUE (community_id, platform_user_id),
    -- target of the bookings foreign key that pins a booking to its member's community
    UNIQUE (id, community_id)
) STRICT;

CREATE INDEX members_by_folded_name ON members (community_id, display_name_folded);

CREATE TABLE slots (
    id             INTEGER PRIMARY KEY,
    community_id   INTEGER NOT NULL REFERENCES communities (id),
    starts_at      INTEGER NOT NULL,
    length_minutes INTEGER NOT NULL CHECK (length_minutes > 0 AND length_minutes <= 1440),
    UNIQUE (community_id, starts_at, length_minutes),
    UNIQUE (id, community_id)
) STRICT;

CREATE INDEX slots_by_start ON slots (starts_at);

CREATE TABLE bookings (
    id               INTEGER PRIMARY KEY,
    community_id     INTEGER NOT NULL REFERENCES communities (id),
    member_id        INTEGER NOT NULL,
    slot_id          INTEGER NOT NULL,
    status           TEXT    NOT NULL CHECK (status IN ('active', 'cancelled')),
    recurring_weekly INTEGER NOT NULL CHECK (recurring_weekly IN (0, 1)),
    created_at       INTEGER NOT NULL,
    FOREIGN KEY (member_id, community_id) REFERENCES members (id, community_id),
    FOREIGN KEY (slot_id, community_id) REFERENCES slots (id, community_id)
) STRICT;

-- One active booking per member per slot; cancelled rows stay as history.
CREATE UNIQUE INDEX bookings_one_active_per_member_slot
    ON bookings (member_id, slot_id) WHERE status = 'active';
CREATE INDEX bookings_by_slot ON bookings (slot_id, status);

-- Directed: member_id says `kind` about other_id.
CREATE TABLE relations (
    member_id INTEGER NOT NULL REFERENCES members (id),
    other_id  INTEGER NOT NULL REFERENCES members (id),
    kind      TEXT    NOT NULL CHECK (kind IN ('friend', 'favourite', 'block')),
    PRIMARY KEY (member_id, other_id, kind),
    CHECK (member_id <> other_id)
) STRICT;

CREATE INDEX relations_by_other ON relations (other_id);

CREATE TABLE session_groups (
    id      INTEGER PRIMARY KEY,
    slot_id INTEGER NOT NULL REFERENCES slots (id),
    origin  TEXT    NOT NULL CHECK (origin IN ('matched', 'rematch')),
    state   TEXT    NOT NULL CHECK (state IN ('planned', 'open', 'closed')),
    room    TEXT,
    CHECK (state <> 'open' OR room IS NOT NULL)
) STRICT;

CREATE INDEX session_groups_by_slot ON session_groups (slot_id);
CREATE INDEX session_groups_open ON session_groups (slot_id) WHERE state = 'open';

CREATE TABLE group_members (
    group_id  INTEGER NOT NULL REFERENCES session_groups (id),
    member_id INTEGER NOT NULL REFERENCES members (id),
    -- insertion order within the group
    seat      INTEGER NOT NULL CHECK (seat >= 0),
    PRIMARY KEY (group_id, member_id),
    UNIQUE (group_id, seat)
) STRICT;

CREATE INDEX group_members_by_member ON group_members (member_id);

CREATE TABLE attendance (
    slot_id     INTEGER NOT NULL REFERENCES slots (id),
    member_id   INTEGER NOT NULL REFERENCES members (id),
    outcome     TEXT    NOT NULL CHECK (outcome IN ('attended', 'no_show', 'excused')),
    recorded_at INTEGER NOT NULL,
    PRIMARY KEY (slot_id, member_id)
) STRICT;

CREATE INDEX attendance_by_member ON attendance (member_id);

-- The durable schedule. A job is claimed by setting a lease; see src/store/jobs.rs.
CREATE TABLE jobs (
    id          INTEGER PRIMARY KEY,
    key         TEXT    NOT NULL UNIQUE CHECK (key <> ''),
    kind        TEXT    NOT NULL CHECK (kind IN ('remind', 'prepare', 'announce',
                                                 'attendance_check', 'check_in', 'close_rooms')),
    slot_id     INTEGER REFERENCES slots (id),
    booking_id  INTEGER REFERENCES bookings (id),
    due_at      INTEGER NOT NULL,
    status      TEXT    NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'done')),
    attempts    INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    lease_owner TEXT,
    lease_until INTEGER,
    last_error  TEXT,
    outcome     TEXT,
    finished_at INTEGER,
    CHECK (slot_id IS NOT NULL OR booking_id IS NOT NULL),
    CHECK ((lease_owner IS NULL) = (lease_until IS NULL)),
    CHECK ((status = 'done') = (outcome IS NOT NULL AND finished_at IS NOT NULL))
) STRICT;

CREATE INDEX jobs_pending_by_due ON jobs (due_at) WHERE status = 'pending';
CREATE INDEX jobs_by_slot ON jobs (slot_id);
CREATE INDEX jobs_by_booking ON jobs (booking_id);

-- Idempotency record of every external effect (DM sent, room opened/closed): first write wins.
CREATE TABLE effects (
    key         TEXT    PRIMARY KEY CHECK (key <> ''),
    result      TEXT    NOT NULL,
    recorded_at INTEGER NOT NULL
) STRICT;
