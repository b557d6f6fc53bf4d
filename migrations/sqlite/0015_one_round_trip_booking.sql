-- Issue 12 (command latency): nothing to do on SQLite. PostgreSQL's 0015 adds a function so a
-- plain booking is one round trip there; SQLite already runs it as one statement (a write
-- statement takes the write lock before it reads), see
-- `INSERT_BOOKING_INTO_EXISTING_SLOT_UNLESS_OVERLAPPING` in src/store/bookings.rs.
SELECT 1;
