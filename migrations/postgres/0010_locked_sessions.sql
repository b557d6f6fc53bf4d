-- Locked-in sessions with a friend (issue 11): `book <time> with @x` books the slot for the
-- inviter and invites x. When x accepts (and is booked into the same slot), the pair is
-- locked in and the matcher keeps them together. An invitation nobody answered by the slot's
-- prepare is marked 'expired' there, and the inviter is told their booking is a normal one.
-- Keep in step with migrations/sqlite/0010_locked_sessions.sql. An invitation's id keys its
-- DMs (`dm:lock:i7`).
CREATE TABLE locked_invitations (
    id                 BIGSERIAL PRIMARY KEY,
    slot_id            BIGINT  NOT NULL REFERENCES slots (id),
    inviter_member_id  BIGINT  NOT NULL REFERENCES members (id),
    invitee_member_id  BIGINT  NOT NULL REFERENCES members (id),
    inviter_booking_id BIGINT  NOT NULL REFERENCES bookings (id),
    -- Set when the invitee accepts: the booking that is locked with the inviter's.
    invitee_booking_id BIGINT  REFERENCES bookings (id),
    state              TEXT    NOT NULL
                       CHECK (state IN ('pending', 'accepted', 'declined', 'expired')),
    -- 0 when the invitee blocked the inviter: stored, answered as sent, never shown to them.
    delivered          BIGINT  NOT NULL CHECK (delivered IN (0, 1)),
    created_at         BIGINT  NOT NULL,
    answered_at        BIGINT,
    UNIQUE (inviter_booking_id),
    CHECK (inviter_member_id <> invitee_member_id)
);

CREATE INDEX locked_invitations_by_slot ON locked_invitations (slot_id);
