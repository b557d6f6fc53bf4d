-- Issue 11: who a member is matched with, by their own choice.
-- Keep in step with migrations/sqlite/0009_session_choices.sql.

-- A booking's mode, when the member named one (`book 9:00 talk`). No row: the community's
-- first mode. Kept apart from `bookings` so the default booking stays one statement.
CREATE TABLE booking_modes (
    booking_id BIGINT  PRIMARY KEY REFERENCES bookings (id),
    mode       TEXT    NOT NULL CHECK (mode <> '')
);

-- `prefs availability everyone|friends` and `prefs mix-modes on|off`. One row per member who
-- changed a default; no row means everyone, and no quiet–talk pairs.
CREATE TABLE member_match_preferences (
    member_id    BIGINT  PRIMARY KEY REFERENCES members (id),
    availability TEXT    NOT NULL CHECK (availability IN ('everyone', 'friends')),
    mix_modes    BIGINT  NOT NULL CHECK (mix_modes IN (0, 1))
);
