-- Community settings (issue 12): a community stores only the keys its admins changed; every
-- other key follows the config's current `[community_defaults]`. See the SQLite migration of
-- the same number for which copied values become overrides and why.
CREATE TABLE community_settings (
    community_id BIGINT NOT NULL REFERENCES communities (id),
    key          TEXT   NOT NULL CHECK (key <> ''),
    value        TEXT   NOT NULL,
    PRIMARY KEY (community_id, key)
);

INSERT INTO community_settings (community_id, key, value)
    SELECT id, 'allowed_lengths_minutes', allowed_lengths FROM communities
    WHERE allowed_lengths <> '25,50,75';
INSERT INTO community_settings (community_id, key, value)
    SELECT id, 'reminder_lead', CAST(reminder_lead_secs AS TEXT) || 's' FROM communities
    WHERE reminder_lead_secs <> 600;

ALTER TABLE communities
    DROP COLUMN allowed_lengths,
    DROP COLUMN booking_horizon_secs,
    DROP COLUMN booking_cutoff_secs,
    DROP COLUMN late_cancel_window_secs,
    DROP COLUMN reminder_lead_secs,
    DROP COLUMN prepare_lead_secs,
    DROP COLUMN attendance_grace_secs,
    DROP COLUMN close_delay_secs,
    DROP COLUMN recent_repeat_days,
    DROP COLUMN default_time_zone;

-- The weekly community digest is a community chore job (`digest:community:3:2026-W49`).
ALTER TABLE jobs DROP CONSTRAINT IF EXISTS jobs_kind_check;
ALTER TABLE jobs ADD CONSTRAINT jobs_kind_check
    CHECK (kind IN ('remind', 'prepare', 'announce', 'attendance_check', 'check_in',
                    'close_rooms', 'roll_forward', 'prune', 'partner_check', 'rematch_now',
                    'digest'));
