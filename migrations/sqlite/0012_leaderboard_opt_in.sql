-- The community leaderboard (issue 11, `stats`) shows only members who asked to be on it:
-- `prefs leaderboard on` writes a row here, `prefs leaderboard off` deletes it. No row, no
-- place on the board (the default). Keep in step with migrations/postgres/0012_leaderboard_opt_in.sql.
CREATE TABLE leaderboard_opt_in (
    member_id    INTEGER PRIMARY KEY REFERENCES members (id),
    opted_in_at  INTEGER NOT NULL
) STRICT;
