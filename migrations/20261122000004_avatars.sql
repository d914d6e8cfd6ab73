-- Avatars live in the database (not the data directory) so every server instance
-- sharing the database serves them. Stored as base64 TEXT, portable to PostgreSQL.
CREATE TABLE avatars (
    user_id    TEXT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    png_base64 TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);
-- Part of the avatar's URL; changes with every upload so the URL can be cached
-- forever. Empty: no avatar (initials are shown).
ALTER TABLE users ADD COLUMN avatar_version TEXT NOT NULL DEFAULT '';
