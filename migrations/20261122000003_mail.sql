-- Outgoing mail, durable until delivered (or given up after retries).
CREATE TABLE outbox (
    id              TEXT PRIMARY KEY,
    created_at      BIGINT NOT NULL,
    to_addr         TEXT NOT NULL,
    subject         TEXT NOT NULL,
    body            TEXT NOT NULL,
    status          TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed')),
    attempts        BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    last_error      TEXT NOT NULL DEFAULT '',
    sent_at         BIGINT
);
CREATE INDEX outbox_due_idx ON outbox (status, next_attempt_at);

-- Single-use links sent by mail; only the SHA-256 of the token is kept.
CREATE TABLE email_tokens (
    token_hash TEXT PRIMARY KEY,
    purpose    TEXT NOT NULL CHECK (purpose IN ('email_change', 'password_reset')),
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    new_email  TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at    BIGINT
);
CREATE INDEX email_tokens_user_idx ON email_tokens (user_id, purpose);

-- Where password-reset links go; empty means the primary address.
ALTER TABLE users ADD COLUMN recovery_email TEXT NOT NULL DEFAULT '';

-- When the password (or, later, a second factor) was last entered in this
-- session: sensitive actions need it within the last 10 minutes.
ALTER TABLE sessions ADD COLUMN sudo_at BIGINT NOT NULL DEFAULT 0;
