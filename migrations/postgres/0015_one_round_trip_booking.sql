-- Issue 12 (command latency): a plain booking in one round trip on PostgreSQL.
-- Keep in step with `INSERT_BOOKING_INTO_EXISTING_SLOT_UNLESS_OVERLAPPING` in
-- src/store/bookings.rs (the same insert, which SQLite runs as one statement) and with
-- migrations/sqlite/0015_one_round_trip_booking.sql (nothing to do there).
--
-- Why a function: the booking transaction (BEGIN; lock the member; read their bookings;
-- INSERT; COMMIT) is five round trips, and with PostgreSQL on the bot's cores a burst of
-- `/book`s spent most of its time on them. One statement cannot do it safely: under READ
-- COMMITTED a statement reads with the snapshot it took before it waited for the member's lock,
-- so two overlapping bookings of one member could both see "no overlap". Inside a plpgsql
-- function each statement takes a fresh snapshot, so the INSERT below sees every booking
-- committed by whoever held the lock before us.
--
-- Returns the new booking's (id, slot id), or no row when the slot does not exist yet, the
-- booking overlaps another of the member's, or the member is at the cap: the caller then runs
-- the transaction, whose rules say which. A second active booking of the member in the slot
-- fails the partial unique index, as the plain insert does.
CREATE FUNCTION book_into_existing_slot_unless_overlapping(
    p_community_id     BIGINT,
    p_member_id        BIGINT,
    p_recurring_weekly BIGINT,
    p_created_at       BIGINT,
    p_starts_at        BIGINT,
    p_length_minutes   BIGINT,
    p_ends_at          BIGINT,
    p_max_future       BIGINT
) RETURNS TABLE (booking_id BIGINT, booked_slot_id BIGINT)
LANGUAGE plpgsql AS $$
BEGIN
    -- Two bookings of one member wait for each other here, as in the transaction path.
    PERFORM 1 FROM members m WHERE m.id = p_member_id FOR UPDATE;
    RETURN QUERY
    INSERT INTO bookings AS nb
        (community_id, member_id, slot_id, status, recurring_weekly, created_at)
    SELECT p_community_id, p_member_id, s.id, 'active', p_recurring_weekly, p_created_at
    FROM slots s
    WHERE s.community_id = p_community_id
      AND s.starts_at = p_starts_at
      AND s.length_minutes = p_length_minutes
      AND NOT EXISTS (SELECT 1 FROM bookings b JOIN slots o ON o.id = b.slot_id
                      WHERE b.member_id = p_member_id AND b.status = 'active'
                        AND o.starts_at < p_ends_at
                        AND o.starts_at + o.length_minutes * 60 > p_starts_at)
      AND (SELECT COUNT(*) FROM bookings h JOIN slots hs ON hs.id = h.slot_id
           WHERE h.member_id = p_member_id AND h.status = 'active'
             AND hs.starts_at > p_created_at) < p_max_future
    RETURNING nb.id, nb.slot_id;
END
$$;
