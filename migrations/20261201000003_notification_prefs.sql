-- Where each area's notifications reach a user (§8): one row per changed cell;
-- a missing row means the default (in-app everywhere, email for Security and
-- Alerts). In-app Security cannot be turned off.
CREATE TABLE notification_prefs (
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    area    TEXT NOT NULL,
    channel TEXT NOT NULL CHECK (channel IN ('in_app', 'email')),
    enabled BIGINT NOT NULL,
    PRIMARY KEY (user_id, area, channel)
);
