-- Notifications reach people by in-app row, email and Slack (§8).

-- Slack joins the channels a cell may name: the table is rebuilt, since
-- SQLite cannot change a CHECK constraint in place.
CREATE TABLE notification_cells (
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    area    TEXT NOT NULL,
    channel TEXT NOT NULL CHECK (channel IN ('in_app', 'email', 'slack')),
    enabled BIGINT NOT NULL,
    PRIMARY KEY (user_id, area, channel)
);
INSERT INTO notification_cells (user_id, area, channel, enabled)
    SELECT user_id, area, channel, enabled FROM notification_prefs;
DROP TABLE notification_prefs;
ALTER TABLE notification_cells RENAME TO notification_prefs;

-- Where an in-app notification points to (a path in the app; empty: nowhere).
ALTER TABLE notifications ADD COLUMN link TEXT NOT NULL DEFAULT '';

-- The outbox becomes the delivery queue of every channel: `channel` says how
-- an item goes out. Email items go to `to_addr`; Slack items to the webhook
-- of `user_id` (read when sent, so a replaced webhook gets what is queued).
-- `unsubscribe` is the one-click link of an email's notification cell.
ALTER TABLE outbox ADD COLUMN channel TEXT NOT NULL DEFAULT 'email';
ALTER TABLE outbox ADD COLUMN user_id TEXT NOT NULL DEFAULT '';
ALTER TABLE outbox ADD COLUMN unsubscribe TEXT NOT NULL DEFAULT '';
CREATE INDEX outbox_user_idx ON outbox (user_id, channel);

-- A person's Slack incoming webhook, sealed with the server key. `failing_since`
-- is set by the first failed delivery after a success; `broken_at` once it
-- has failed for the configured time (deliveries stop until "retry").
CREATE TABLE slack_webhooks (
    user_id       TEXT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    url_sealed    TEXT NOT NULL,
    last4         TEXT NOT NULL,
    created_at    BIGINT NOT NULL,
    failing_since BIGINT,
    broken_at     BIGINT,
    last_error    TEXT NOT NULL DEFAULT ''
);

-- Reminders and one-off notices already sent, so a job run twice, on two
-- servers or after a restart, sends each once: the insert that wins sends.
CREATE TABLE notices_sent (
    notice  TEXT PRIMARY KEY,
    sent_at BIGINT NOT NULL
);

-- Devices (browser, OS, address) a person has signed in from: a sign-in
-- from one not seen before is a security notice.
CREATE TABLE known_devices (
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    device     TEXT NOT NULL,
    first_seen BIGINT NOT NULL,
    PRIMARY KEY (user_id, device)
);

-- The reminder job looks for tokens by expiry.
CREATE INDEX api_tokens_expires ON api_tokens (expires_at);
