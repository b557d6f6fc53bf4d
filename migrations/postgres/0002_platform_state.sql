-- Small durable facts a platform adapter keeps for itself: a guild's /setup choices, a member's
-- DM channel or DM room, a Matrix sync token. Keyed by platform, a scope (guild/room/user id)
-- and a name; the value is the adapter's own text (often JSON). The core never reads it.
CREATE TABLE platform_state (
    platform   TEXT    NOT NULL CHECK (platform IN ('shell', 'discord', 'matrix')),
    scope      TEXT    NOT NULL,
    name       TEXT    NOT NULL CHECK (name <> ''),
    value      TEXT    NOT NULL,
    updated_at BIGINT  NOT NULL,
    PRIMARY KEY (platform, scope, name)
);
