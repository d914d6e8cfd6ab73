-- TOTP two-factor authentication. The secret is sealed with the server key
-- (XChaCha20-Poly1305, base64 of nonce and ciphertext); `enabled` stays 0 until
-- the user proved their authenticator with a code. `last_step` is the highest
-- RFC 6238 time step accepted: a code for that step or an earlier one is a replay.
CREATE TABLE totp (
    user_id    TEXT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    secret     TEXT NOT NULL,
    enabled    BIGINT NOT NULL DEFAULT 0,
    last_step  BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    enabled_at BIGINT
);

-- Single-use recovery codes, stored as HMAC-SHA256 digests under the server key.
CREATE TABLE recovery_codes (
    id         TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    digest     TEXT NOT NULL,
    used_at    BIGINT,
    created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX recovery_codes_user_digest ON recovery_codes (user_id, digest);

-- A sign-in whose password was right, waiting for the second factor. The
-- browser holds the random id in a short-lived cookie; only its SHA-256 is kept.
-- No session exists until the second factor passes.
CREATE TABLE login_challenges (
    id_hash    TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    failures   BIGINT NOT NULL DEFAULT 0,
    expires_at BIGINT NOT NULL
);
CREATE INDEX login_challenges_user ON login_challenges (user_id);
