-- Portable between SQLite and PostgreSQL: TEXT ids (UUIDv7), BIGINT unix seconds,
-- 0/1 BIGINT flags, expression indexes for case-insensitive uniqueness.

CREATE TABLE users (
    id            TEXT PRIMARY KEY,
    username      TEXT NOT NULL,
    email         TEXT NOT NULL,
    role          TEXT NOT NULL DEFAULT 'user' CHECK (role IN ('user', 'admin')),
    source        TEXT NOT NULL DEFAULT 'local' CHECK (source IN ('local', 'external')),
    -- PHC string; NULL for accounts that sign in only through an external directory
    password_hash TEXT,
    first_name    TEXT NOT NULL DEFAULT '',
    last_name     TEXT NOT NULL DEFAULT '',
    display_name  TEXT NOT NULL DEFAULT '',
    disabled      BIGINT NOT NULL DEFAULT 0,  -- 0/1: the Any driver has no SQLite BOOLEAN
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL
);
CREATE UNIQUE INDEX users_username_key ON users (lower(username));
CREATE UNIQUE INDEX users_email_key ON users (lower(email));
CREATE INDEX users_role_idx ON users (role);

-- The cookie holds a random id; only its SHA-256 is stored, so a database leak
-- does not hand out live sessions.
CREATE TABLE sessions (
    id_hash      TEXT PRIMARY KEY,
    -- handle shown to the owner's browser (to sign a device out); not a secret
    public_id    TEXT NOT NULL,
    user_id      TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at   BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL,
    expires_at   BIGINT NOT NULL,
    ip           TEXT NOT NULL,
    user_agent   TEXT NOT NULL
);
CREATE UNIQUE INDEX sessions_public_id_key ON sessions (public_id);
CREATE INDEX sessions_user_idx ON sessions (user_id);
CREATE INDEX sessions_expires_idx ON sessions (expires_at);

-- Failed sign-ins per key ("acct:<name>" or "ip:<address>"); kept in the database
-- so the delay holds across restarts and across server instances.
CREATE TABLE login_throttle (
    key             TEXT PRIMARY KEY,
    failures        BIGINT NOT NULL,
    last_failure_at BIGINT NOT NULL,
    blocked_until   BIGINT NOT NULL
);

-- Append-only. actor_id has no foreign key: entries outlive the accounts they name.
CREATE TABLE audit_log (
    id         TEXT PRIMARY KEY,
    created_at BIGINT NOT NULL,
    actor_id   TEXT,
    actor_name TEXT NOT NULL DEFAULT '',
    action     TEXT NOT NULL,
    outcome    TEXT NOT NULL,
    ip         TEXT NOT NULL DEFAULT '',
    user_agent TEXT NOT NULL DEFAULT '',
    detail     TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_log_created_idx ON audit_log (created_at);
CREATE INDEX audit_log_actor_idx ON audit_log (actor_id);
CREATE INDEX audit_log_action_idx ON audit_log (action);

-- Workspace settings (lock_profiles, two_factor_mandatory, …) as key/value text.
CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
