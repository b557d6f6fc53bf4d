-- Locked-in sessions with a friend (issue 11): `book <time> with @x` books the slot for the
-- inviter and invites x. When x accepts (and is booked into the same slot), the pair is
-- locked in and the matcher keeps them together. An invitation nobody answered by the slot's
-- prepare is marked 'expired' there, and the inviter is told their booking is a normal one.
-- Keep in step with migrations/postgres/0010_locked_sessions.sql. AUTOINCREMENT: an
-- invitation's id keys its DMs (`dm:lock:i7`), so an id must never be reused.
CREATE TABLE locked_invitations (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT,
    slot_id            INTEGER NOT NULL REFERENCES slots (id),
    inviter_member_id  INTEGER NOT NULL REFERENCES members (id),
    invitee_member_id  INTEGER NOT NULL REFERENCES members (id),
    inviter_booking_id INTEGER NOT NULL REFERENCES bookings (id),
    -- Set when the invitee accepts: the booking that is locked with the inviter's.
    invitee_booking_id INTEGER REFERENCES bookings (id),
    state              TEXT    NOT NULL
                       CHECK (state IN ('pending', 'accepted', 'declined', 'expired')),
    -- 0 when the invitee blocked the inviter: stored, answered as sent, never shown to them.
    delivered          INTEGER NOT NULL CHECK (delivered IN (0, 1)),
    created_at         INTEGER NOT NULL,
    answered_at        INTEGER,
    UNIQUE (inviter_booking_id),
    CHECK (inviter_member_id <> invitee_member_id)
) STRICT;

CREATE INDEX locked_invitations_by_slot ON locked_invitations (slot_id);
