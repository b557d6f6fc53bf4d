-- Community settings (issue 12): a community stores only the keys its admins changed; every
-- other key follows the config's current `[community_defaults]`. Until now all ten were copied
-- when a community first appeared, and eight could never change again.
--
-- Which copied values become overrides: only `allowed_lengths_minutes` and `reminder_lead`,
-- the two keys `setup` could change, and only where they differ from the built-in defaults
-- (25,50,75 and 10 minutes; SQL cannot see the config file). The other eight were never a
-- community's choice, only the config of the day it appeared, so they follow the config from
-- now on. A changeable key equal to the built-in default cannot be told apart from an untouched
-- one and follows the config; one that differs may be an admin's choice and is kept (an admin
-- returns it to the default with `setup <key> default`).
CREATE TABLE community_settings (
    community_id INTEGER NOT NULL REFERENCES communities (id),
    -- a `[community_defaults]` key name, e.g. 'reminder_lead'
    key          TEXT    NOT NULL CHECK (key <> ''),
    -- its value in the config's form: '15m', '25,50', '7', 'Europe/Berlin'
    value        TEXT    NOT NULL,
    PRIMARY KEY (community_id, key)
) STRICT;

INSERT INTO community_settings (community_id, key, value)
    SELECT id, 'allowed_lengths_minutes', allowed_lengths FROM communities
    WHERE allowed_lengths <> '25,50,75';
INSERT INTO community_settings (community_id, key, value)
    SELECT id, 'reminder_lead', CAST(reminder_lead_secs AS TEXT) || 's' FROM communities
    WHERE reminder_lead_secs <> 600;

ALTER TABLE communities DROP COLUMN allowed_lengths;
ALTER TABLE communities DROP COLUMN booking_horizon_secs;
ALTER TABLE communities DROP COLUMN booking_cutoff_secs;
ALTER TABLE communities DROP COLUMN late_cancel_window_secs;
ALTER TABLE communities DROP COLUMN reminder_lead_secs;
ALTER TABLE communities DROP COLUMN prepare_lead_secs;
ALTER TABLE communities DROP COLUMN attendance_grace_secs;
ALTER TABLE communities DROP COLUMN close_delay_secs;
ALTER TABLE communities DROP COLUMN recent_repeat_days;
ALTER TABLE communities DROP COLUMN default_time_zone;

-- The weekly community digest is a community chore job (`digest:community:3:2026-W49`).
-- SQLite cannot change a CHECK constraint in place: the jobs table is rebuilt as in 0005.
CREATE TABLE jobs_new (
    id           INTEGER PRIMARY KEY,
    key          TEXT    NOT NULL UNIQUE CHECK (key <> ''),
    kind         TEXT    NOT NULL CHECK (kind IN ('remind', 'prepare', 'announce',
                                                  'attendance_check', 'check_in', 'close_rooms',
                                                  'roll_forward', 'prune', 'partner_check',
                                                  'rematch_now', 'digest')),
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

INSERT INTO jobs_new SELECT id, key, kind, slot_id, booking_id, community_id, due_at, status,
                            attempts, lease_owner, lease_until, last_error, outcome, finished_at
    FROM jobs;

DROP TABLE jobs;
ALTER TABLE jobs_new RENAME TO jobs;

CREATE INDEX jobs_pending_by_due ON jobs (due_at) WHERE status = 'pending';
CREATE INDEX jobs_by_slot ON jobs (slot_id);
CREATE INDEX jobs_by_booking ON jobs (booking_id);
CREATE INDEX jobs_by_community ON jobs (community_id);
