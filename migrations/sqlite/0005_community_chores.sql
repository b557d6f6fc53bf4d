-- Scheduled chores (issue 12): a job may belong to a community instead of a slot or booking
-- (`prune:community:3:2026-11-30`, the nightly retention pruning). SQLite cannot change a CHECK
-- constraint in place: the jobs table is rebuilt (nothing references it).
CREATE TABLE jobs_new (
    id           INTEGER PRIMARY KEY,
    key          TEXT    NOT NULL UNIQUE CHECK (key <> ''),
    kind         TEXT    NOT NULL CHECK (kind IN ('remind', 'prepare', 'announce',
                                                  'attendance_check', 'check_in', 'close_rooms',
                                                  'roll_forward', 'prune')),
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

INSERT INTO jobs_new (id, key, kind, slot_id, booking_id, due_at, status, attempts,
                      lease_owner, lease_until, last_error, outcome, finished_at)
    SELECT id, key, kind, slot_id, booking_id, due_at, status, attempts,
           lease_owner, lease_until, last_error, outcome, finished_at
    FROM jobs;

DROP TABLE jobs;
ALTER TABLE jobs_new RENAME TO jobs;

CREATE INDEX jobs_pending_by_due ON jobs (due_at) WHERE status = 'pending';
CREATE INDEX jobs_by_slot ON jobs (slot_id);
CREATE INDEX jobs_by_booking ON jobs (booking_id);
CREATE INDEX jobs_by_community ON jobs (community_id);
-- Retention pruning finds old effects by age.
CREATE INDEX effects_by_age ON effects (recorded_at);
