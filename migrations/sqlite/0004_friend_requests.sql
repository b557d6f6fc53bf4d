-- Friends are mutual (issue 11): a friendship is two `relations` rows of kind 'friend', written
-- together when a request is accepted. A request waits in `friend_requests` until the other
-- member accepts or declines it. Favourites and blocks stay one-way `relations` rows.
-- Keep in step with migrations/postgres/0004_friend_requests.sql. AUTOINCREMENT: a request's id
-- keys its DM (`dm:friend:r7`), so an id must never be reused after a request is answered.
CREATE TABLE friend_requests (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    from_member_id INTEGER NOT NULL REFERENCES members (id),
    to_member_id   INTEGER NOT NULL REFERENCES members (id),
    created_at     INTEGER NOT NULL,
    UNIQUE (from_member_id, to_member_id),
    CHECK (from_member_id <> to_member_id)
) STRICT;

CREATE INDEX friend_requests_by_to ON friend_requests (to_member_id);

-- What a member lets others see. One row per member who changed a default; no row means
-- the defaults (bookings shown to nobody).
CREATE TABLE member_privacy (
    member_id     INTEGER PRIMARY KEY REFERENCES members (id),
    show_bookings TEXT    NOT NULL CHECK (show_bookings IN ('friends', 'nobody'))
) STRICT;

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
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    from_member_id INTEGER NOT NULL REFERENCES members (id),
    to_member_id   INTEGER NOT NULL REFERENCES members (id),
    sent_at        INTEGER NOT NULL,
    delivered      INTEGER NOT NULL CHECK (delivered IN (0, 1))
) STRICT;

CREATE INDEX partner_messages_by_sender ON partner_messages (from_member_id, sent_at);
