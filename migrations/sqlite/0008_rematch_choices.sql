-- The rematch (issue 11): the choice a member whose partner is late makes at T + 2 min, a
-- member's `prefs mixed-lengths`, and the seats of rematch groups. A member takes at most one
-- rematch seat per start moment (the primary key), so two jobs rematching the same pool at
-- once cannot both seat someone: the second transaction fails and its retry reads the first.
CREATE TABLE rematch_choices (
    slot_id    INTEGER NOT NULL REFERENCES slots (id),
    member_id  INTEGER NOT NULL REFERENCES members (id),
    choice     TEXT    NOT NULL CHECK (choice IN ('keep_waiting', 'rematch_now')),
    chosen_at  INTEGER NOT NULL,
    PRIMARY KEY (slot_id, member_id)
) STRICT;

CREATE TABLE rematch_seats (
    member_id  INTEGER NOT NULL REFERENCES members (id),
    starts_at  INTEGER NOT NULL,
    group_id   INTEGER NOT NULL REFERENCES session_groups (id),
    PRIMARY KEY (member_id, starts_at)
) STRICT;

CREATE INDEX rematch_seats_by_group ON rematch_seats (group_id);

-- No row: the default (`core::rematch::MIXED_LENGTHS_BY_DEFAULT`).
CREATE TABLE member_rematch_prefs (
    member_id      INTEGER PRIMARY KEY REFERENCES members (id),
    mixed_lengths  INTEGER NOT NULL CHECK (mixed_lengths IN (0, 1))
) STRICT;

-- Two job kinds: the T + 2 min partner check (per slot) and a member's "Rematch now" (per
-- member and slot). SQLite cannot change a CHECK constraint in place: the jobs table is
-- rebuilt as in 0005 (nothing references it).
CREATE TABLE jobs_new (
    id           INTEGER PRIMARY KEY,
    key          TEXT    NOT NULL UNIQUE CHECK (key <> ''),
    kind         TEXT    NOT NULL CHECK (kind IN ('remind', 'prepare', 'announce',
                                                  'attendance_check', 'check_in', 'close_rooms',
                                                  'roll_forward', 'prune',
                                                  'partner_check', 'rematch_now')),
    slot_id      INTEGER REFERENCES slots (id),
    booking_id   INTEGER REFERENCES bookings (id),
    community_id INTEGER REFERENCES communities (id),
    due_at       INTEGER NOT NULL,
    status       TEXT    NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'done')),
    attempts     INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    lease_owner  TEXT,
    lease_until  INTEGER,
    last_error   TEXT,
    outcome      TEXT,
    finished_at  INTEGER,
    CHECK (slot_id IS NOT NULL OR booking_id IS NOT NULL OR community_id IS NOT NULL),
    CHECK ((lease_owner IS NULL) = (lease_until IS NULL)),
    CHECK ((status = 'done') = (outcome IS NOT NULL AND finished_at IS NOT NULL))
) STRICT;

INSERT INTO jobs_new (id, key, kind, slot_id, booking_id, community_id, due_at, status,
                      attempts, lease_owner, lease_until, last_error, outcome, finished_at)
    SELECT id, key, kind, slot_id, booking_id, community_id, due_at, status,
           attempts, lease_owner, lease_until, last_error, outcome, finished_at
    FROM jobs;

DROP TABLE jobs;
ALTER TABLE jobs_new RENAME TO jobs;

CREATE INDEX jobs_pending_by_due ON jobs (due_at) WHERE status = 'pending';
CREATE INDEX jobs_by_slot ON jobs (slot_id);
CREATE INDEX jobs_by_booking ON jobs (booking_id);
CREATE INDEX jobs_by_community ON jobs (community_id);
