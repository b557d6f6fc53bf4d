-- The rematch (issue 11): see migrations/sqlite/0008_rematch_choices.sql.
CREATE TABLE rematch_choices (
    slot_id    BIGINT NOT NULL REFERENCES slots (id),
    member_id  BIGINT NOT NULL REFERENCES members (id),
    choice     TEXT   NOT NULL CHECK (choice IN ('keep_waiting', 'rematch_now')),
    chosen_at  BIGINT NOT NULL,
    PRIMARY KEY (slot_id, member_id)
);

CREATE TABLE rematch_seats (
    member_id  BIGINT NOT NULL REFERENCES members (id),
    starts_at  BIGINT NOT NULL,
    group_id   BIGINT NOT NULL REFERENCES session_groups (id),
    PRIMARY KEY (member_id, starts_at)
);

CREATE INDEX rematch_seats_by_group ON rematch_seats (group_id);

CREATE TABLE member_rematch_prefs (
    member_id      BIGINT PRIMARY KEY REFERENCES members (id),
    mixed_lengths  BIGINT NOT NULL CHECK (mixed_lengths IN (0, 1))
);

ALTER TABLE jobs DROP CONSTRAINT IF EXISTS jobs_kind_check;
ALTER TABLE jobs ADD CONSTRAINT jobs_kind_check
    CHECK (kind IN ('remind', 'prepare', 'announce', 'attendance_check', 'check_in',
                    'close_rooms', 'roll_forward', 'prune', 'partner_check', 'rematch_now'));
