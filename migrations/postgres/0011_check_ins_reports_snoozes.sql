-- Check-ins that do something, reports, snoozes and reliability tiers (issue 11).
-- Keep in step with migrations/sqlite/0011_check_ins_reports_snoozes.sql.

-- How a session went, as the member answered the check-in; the last answer counts.
CREATE TABLE check_in_answers (
    slot_id     BIGINT  NOT NULL REFERENCES slots (id),
    member_id   BIGINT  NOT NULL REFERENCES members (id),
    verdict     TEXT    NOT NULL CHECK (verdict IN ('done', 'partly')),
    answered_at BIGINT  NOT NULL,
    PRIMARY KEY (slot_id, member_id)
);

-- "Partner absent": member_id says absent_id was not there. Mutual claims excuse both
-- (core::check_in); a single claim is kept and changes nothing.
CREATE TABLE absence_claims (
    slot_id    BIGINT  NOT NULL REFERENCES slots (id),
    member_id  BIGINT  NOT NULL REFERENCES members (id),
    absent_id  BIGINT  NOT NULL REFERENCES members (id),
    claimed_at BIGINT  NOT NULL,
    PRIMARY KEY (slot_id, member_id, absent_id),
    CHECK (member_id <> absent_id)
);

-- Reports go to the community's moderators, never to the reported member. The id keys the
-- moderators' note (`moderators:report:r7`), so it is never reused. The reporter's recent rows
-- are the per-member report rate.
CREATE TABLE member_reports (
    id          BIGSERIAL PRIMARY KEY,
    reporter_id BIGINT  NOT NULL REFERENCES members (id),
    reported_id BIGINT  NOT NULL REFERENCES members (id),
    slot_id     BIGINT  REFERENCES slots (id),
    reason      TEXT    NOT NULL,
    created_at  BIGINT  NOT NULL,
    CHECK (reporter_id <> reported_id)
);

CREATE INDEX member_reports_by_reporter ON member_reports (reporter_id, created_at);

-- `snooze @x 7d`: member_id is not matched with other_id until `snoozed_until` (unix seconds).
CREATE TABLE snoozes (
    member_id BIGINT  NOT NULL REFERENCES members (id),
    other_id  BIGINT  NOT NULL REFERENCES members (id),
    snoozed_until BIGINT  NOT NULL,
    PRIMARY KEY (member_id, other_id),
    CHECK (member_id <> other_id)
);

CREATE INDEX snoozes_by_other ON snoozes (other_id);

-- A late cancel is now remembered per booking, so reliability can look at the last 20
-- sessions instead of a lifetime counter. Late cancels from before this migration were only
-- counted, not dated: they stay in `members.late_cancels` and out of the window.
ALTER TABLE bookings ADD COLUMN cancelled_late BIGINT  NOT NULL DEFAULT 0
    CHECK (cancelled_late IN (0, 1));
