-- In-app notifications, one row per recipient. An admin broadcast to an area
-- fans out into rows whose ids share the broadcast id as prefix
-- (`<broadcast>:<user id>`), so one statement writes them all.
CREATE TABLE notifications (
    id         TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    area       TEXT NOT NULL CHECK (area IN ('compliance', 'policies', 'rapid_response', 'alerts', 'security')),
    title      TEXT NOT NULL,
    body       TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    read_at    BIGINT
);
-- The list (newest first) and the unread count are both per user.
CREATE INDEX notifications_user_created ON notifications (user_id, created_at);
CREATE INDEX notifications_user_unread ON notifications (user_id, read_at);
