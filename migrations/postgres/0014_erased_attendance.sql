-- Privacy (issue 12): `privacy delete` erases a member, but the community's figures (sessions,
-- minutes attended, no-shows: `focusfolk stats`, the community page) must not change. The
-- member's attendance rows become counts here: per slot and outcome, how many erased members
-- had it. No member id, no name: nothing here points back at anyone.
-- Keep in step with migrations/sqlite/0014_erased_attendance.sql.
CREATE TABLE erased_attendance (
    slot_id BIGINT  NOT NULL REFERENCES slots (id),
    outcome TEXT    NOT NULL CHECK (outcome IN ('attended', 'no_show', 'excused')),
    members BIGINT  NOT NULL CHECK (members > 0),
    PRIMARY KEY (slot_id, outcome)
);
