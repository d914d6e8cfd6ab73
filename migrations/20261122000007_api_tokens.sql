-- Personal API tokens. Only the SHA-256 of the value is stored (unique, so the
-- lookup per API request is one index probe); `shown` keeps its first eight
-- characters to tell tokens apart. `allowed_ips` is a canonical comma list of
-- addresses and CIDR subnets, empty for anywhere. `last_used_*` is written at most
-- once a minute per token (see server::api::last_used), never per request.
CREATE TABLE api_tokens (
    id           TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    shown        TEXT NOT NULL,
    digest       TEXT NOT NULL,
    scope        TEXT NOT NULL CHECK (scope IN ('read', 'write')),
    allowed_ips  TEXT NOT NULL DEFAULT '',
    created_at   BIGINT NOT NULL,
    expires_at   BIGINT NOT NULL,
    last_used_at BIGINT,
    last_used_ip TEXT NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX api_tokens_digest ON api_tokens (digest);
CREATE UNIQUE INDEX api_tokens_user_name ON api_tokens (user_id, name);

-- App passwords for clients that cannot do 2FA: HTTP Basic on the REST API only.
-- Generated with 120 bits of randomness, so a SHA-256 digest is enough.
CREATE TABLE app_passwords (
    id           TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    digest       TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    last_used_at BIGINT,
    last_used_ip TEXT NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX app_passwords_digest ON app_passwords (digest);
CREATE UNIQUE INDEX app_passwords_user_name ON app_passwords (user_id, name);
