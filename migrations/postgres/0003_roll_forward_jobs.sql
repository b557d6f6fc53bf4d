-- A weekly booking's roll-forward is a job of its own (per booking, due at the session's
-- start), so the next occurrence never depends on the slot's prepare job having run.
ALTER TABLE jobs DROP CONSTRAINT IF EXISTS jobs_kind_check;
ALTER TABLE jobs ADD CONSTRAINT jobs_kind_check
    CHECK (kind IN ('remind', 'prepare', 'announce', 'attendance_check', 'check_in',
                    'close_rooms', 'roll_forward'));
