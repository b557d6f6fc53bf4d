-- Private web links (issue 13): a member's calendar feed and page, and a community's page.
-- Keep in step with migrations/sqlite/0006_web_links.sql.
-- A link's token is kept so `calendar` can show its owner the same URL again; requests are
-- looked up by the token's SHA-256 (`token_hash`), so the database compares hashes of what a
-- visitor sends, never the secret itself (no timing hints about the token).

CREATE TABLE member_links (
    id          BIGSERIAL PRIMARY KEY,
    member_id   BIGINT  NOT NULL REFERENCES members (id),
    token       TEXT    NOT NULL CHECK (token <> ''),
    token_hash  TEXT    NOT NULL UNIQUE CHECK (token_hash <> ''),
    created_at  BIGINT  NOT NULL,
    revoked_at  BIGINT
);

-- At most one live link per member: `calendar` shows it, `calendar reset` replaces it.
CREATE UNIQUE INDEX member_links_one_live_per_member
    ON member_links (member_id) WHERE revoked_at IS NULL;

-- Who may see a community's page: everyone, members with the link (token), or nobody (the
-- default: a community without a row here has no page).
CREATE TABLE community_pages (
    community_id BIGINT  PRIMARY KEY REFERENCES communities (id),
    visibility   TEXT    NOT NULL CHECK (visibility IN ('public', 'members', 'off')),
    token        TEXT    NOT NULL CHECK (token <> ''),
    token_hash   TEXT    NOT NULL UNIQUE CHECK (token_hash <> ''),
    updated_at   BIGINT  NOT NULL
);
