-- A number that changes whenever anything a signed-in page of this account
-- shows changes: rendered pages are kept under it (`server::infra::page_cache`).
-- Raised by triggers on `users` and on every table a cached page reads; those
-- differ between SQLite and PostgreSQL and are made at start
-- (`server::db::page_version::install`).
ALTER TABLE users ADD COLUMN page_version BIGINT NOT NULL DEFAULT 0;

-- Likewise for the workspace settings: a row whose version triggers on
-- `settings` raise, read with every session, so a server keeps the settings
-- it loaded until they change (`workspace::Kept`).
CREATE TABLE settings_version (
    id BIGINT PRIMARY KEY CHECK (id = 1),
    version BIGINT NOT NULL
);
INSERT INTO settings_version (id, version) VALUES (1, 0);
