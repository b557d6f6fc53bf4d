-- Scheduled chores (issue 12): a job may belong to a community instead of a slot or booking
-- (`prune:community:3:2026-11-30`, the nightly retention pruning).
ALTER TABLE jobs ADD COLUMN community_id BIGINT REFERENCES communities (id);

-- The unnamed "slot or booking" check of 0001 is found by its definition, not a guessed name.
DO $$
DECLARE
    found TEXT;
BEGIN
    FOR found IN
        SELECT conname FROM pg_constraint
        WHERE conrelid = 'jobs'::regclass AND contype = 'c'
          AND pg_get_constraintdef(oid) LIKE '%booking_id IS NOT NULL%'
    LOOP
        EXECUTE format('ALTER TABLE jobs DROP CONSTRAINT %I', found);
    END LOOP;
END $$;
ALTER TABLE jobs ADD CONSTRAINT jobs_owner_check
    CHECK (slot_id IS NOT NULL OR booking_id IS NOT NULL OR community_id IS NOT NULL);

ALTER TABLE jobs DROP CONSTRAINT IF EXISTS jobs_kind_check;
ALTER TABLE jobs ADD CONSTRAINT jobs_kind_check
    CHECK (kind IN ('remind', 'prepare', 'announce', 'attendance_check', 'check_in',
                    'close_rooms', 'roll_forward', 'prune'));

CREATE INDEX jobs_by_community ON jobs (community_id);
CREATE INDEX effects_by_age ON effects (recorded_at);
