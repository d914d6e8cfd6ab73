-- Passkeys and security keys (WebAuthn). `credential` is webauthn-rs's
-- `Passkey` as JSON: the credential id, its public key (COSE), the last
-- signature counter and flags; no secret (the private key never leaves the
-- authenticator). `credential_id` (base64url) is unique across all accounts:
-- a sign-in finds the account by it. `kind`: synced | device | hardware.
CREATE TABLE passkeys (
    id            TEXT PRIMARY KEY,
    user_id       TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    credential_id TEXT NOT NULL,
    name          TEXT NOT NULL,
    kind          TEXT NOT NULL,
    transports    TEXT NOT NULL DEFAULT '',
    credential    TEXT NOT NULL,
    created_at    BIGINT NOT NULL,
    last_used_at  BIGINT
);
CREATE UNIQUE INDEX passkeys_credential_idx ON passkeys (credential_id);
CREATE INDEX passkeys_user_idx ON passkeys (user_id, created_at);

-- A WebAuthn ceremony in progress: the challenge and what the server expects,
-- kept here (not in the browser) so it is used once, by any server, within
-- `expires_at`. The browser holds the random id; only its SHA-256 is kept.
-- `user_id` is empty for a password-less sign-in (nobody is known yet).
CREATE TABLE webauthn_ceremonies (
    id_hash    TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL,
    purpose    TEXT NOT NULL,
    state      TEXT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX webauthn_ceremonies_expiry_idx ON webauthn_ceremonies (expires_at);
