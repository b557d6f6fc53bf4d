-- Friends are mutual (issue 11): a friendship is two `relations` rows of kind 'friend', written
-- together when a request is accepted. A request waits in `friend_requests` until the other
-- member accepts or declines it. Favourites and blocks stay one-way `relations` rows.
-- Keep in step with migrations/sqlite/0004_friend_requests.sql.
CREATE TABLE friend_requests (
    id             BIGSERIAL PRIMARY KEY,
    from_member_id BIGINT  NOT NULL REFERENCES members (id),
    to_member_id   BIGINT  NOT NULL REFERENCES members (id),
    created_at     BIGINT  NOT NULL,
    UNIQUE (from_member_id, to_member_id),
    CHECK (from_member_id <> to_member_id)
);

CREATE INDEX friend_requests_by_to ON friend_requests (to_member_id);

-- What a member lets others see. One row per member who changed a default; no row means
-- the defaults (bookings shown to nobody).
CREATE TABLE member_privacy (
    member_id     BIGINT  PRIMARY KEY REFERENCES members (id),
    show_bookings TEXT    NOT NULL CHECK (show_bookings IN ('friends', 'nobody'))
);

-- Before this migration `friend @x` was a silent one-way mark. A mark the other member also
-- made is a friendship already; a one-way mark becomes a pending request (the other member
-- sees it under `friends` and may accept it), since a friendship now needs both to agree.
INSERT INTO friend_requests (from_member_id, to_member_id, created_at)
    SELECT r.member_id, r.other_id, 0 FROM relations r
    WHERE r.kind = 'friend' AND NOT EXISTS (
        SELECT 1 FROM relations b
        WHERE b.member_id = r.other_id AND b.other_id = r.member_id AND b.kind = 'friend');

DELETE FROM relations
    WHERE kind = 'friend' AND NOT EXISTS (
        SELECT 1 FROM relations b
        WHERE b.member_id = relations.other_id AND b.other_id = relations.member_id
          AND b.kind = 'friend');

-- Partner messages (`msg`): who wrote to whom and when, never the text. The id keys the relay
-- DM (`dm:msg:p7`); the recent rows are the per-member rate. `delivered` is 0 for a message
-- dropped because the recipient blocked the sender.
CREATE TABLE partner_messages (
    id             BIGSERIAL PRIMARY KEY,
    from_member_id BIGINT  NOT NULL REFERENCES members (id),
    to_member_id   BIGINT  NOT NULL REFERENCES members (id),
    sent_at        BIGINT  NOT NULL,
    delivered      BIGINT  NOT NULL CHECK (delivered IN (0, 1))
);

CREATE INDEX partner_messages_by_sender ON partner_messages (from_member_id, sent_at);
