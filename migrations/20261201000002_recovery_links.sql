-- A new recovery address waits for a confirmation link sent to it, like a new
-- primary address: the purpose list grows. SQLite cannot change a CHECK
-- constraint in place, so the table is rebuilt (the same SQL on PostgreSQL).
CREATE TABLE email_tokens_v2 (
    token_hash TEXT PRIMARY KEY,
    purpose    TEXT NOT NULL CHECK (purpose IN ('email_change', 'password_reset', 'recovery_email')),
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    new_email  TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at    BIGINT
);
INSERT INTO email_tokens_v2 (token_hash, purpose, user_id, new_email, created_at, expires_at, used_at)
    SELECT token_hash, purpose, user_id, new_email, created_at, expires_at, used_at FROM email_tokens;
DROP TABLE email_tokens;
ALTER TABLE email_tokens_v2 RENAME TO email_tokens;
CREATE INDEX email_tokens_user_idx ON email_tokens (user_id, purpose);

-- 1: the password was generated and printed (the first administrator's); it
-- must be replaced before anything else.
ALTER TABLE users ADD COLUMN must_change_password BIGINT NOT NULL DEFAULT 0;
