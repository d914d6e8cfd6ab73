//! The `notification_prefs` table: the cells of a person's notification matrix
//! that differ from the default.

use super::Db;

/// (area, channel, enabled) of every stored cell of `user_id`.
pub async fn list(db: &Db, user_id: &str) -> Result<Vec<(String, String, i64)>, sqlx::Error> {
    sqlx::query_as("SELECT area, channel, enabled FROM notification_prefs WHERE user_id = $1")
        .bind(user_id)
        .fetch_all(db)
        .await
}

/// Stores one cell (an upsert: the last change wins).
pub async fn set<'e, E>(
    db: E,
    user_id: &str,
    area: &str,
    channel: &str,
    enabled: bool,
) -> Result<(), sqlx::Error>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    sqlx::query(
        "INSERT INTO notification_prefs (user_id, area, channel, enabled) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (user_id, area, channel) DO UPDATE SET enabled = $4",
    )
    .bind(user_id)
    .bind(area)
    .bind(channel)
    .bind(i64::from(enabled))
    .execute(db)
    .await
    .map(|_| ())
}

/// Ids, usernames, addresses and languages of the active accounts whose `channel` cell for
/// `area` is on (`default_on`: whether a missing row counts as on).
pub async fn recipients(
    db: &Db,
    area: &str,
    channel: &str,
    default_on: bool,
) -> Result<Vec<(String, String, String, String)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT u.id, u.username, u.email, u.language FROM users u \
         LEFT JOIN notification_prefs p ON p.user_id = u.id AND p.area = $1 AND p.channel = $2 \
         WHERE u.disabled = 0 AND COALESCE(p.enabled, $3) = 1",
    )
    .bind(area)
    .bind(channel)
    .bind(i64::from(default_on))
    .fetch_all(db)
    .await
}

/// Ids and languages of the active accounts whose Slack cell for `area` is on
/// and whose webhook is set and not broken.
pub async fn slack_recipients(db: &Db, area: &str) -> Result<Vec<(String, String)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT u.id, u.language FROM users u \
         JOIN notification_prefs p ON p.user_id = u.id AND p.area = $1 AND p.channel = 'slack' \
         JOIN slack_webhooks w ON w.user_id = u.id \
         WHERE u.disabled = 0 AND p.enabled = 1 AND w.broken_at IS NULL",
    )
    .bind(area)
    .fetch_all(db)
    .await
}
