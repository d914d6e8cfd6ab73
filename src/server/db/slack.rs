//! The `slack_webhooks` table: each person's Slack incoming webhook, sealed.

use super::{now, Db};

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Webhook {
    pub user_id: String,
    pub url_sealed: String,
    pub last4: String,
    pub created_at: i64,
    pub failing_since: Option<i64>,
    pub broken_at: Option<i64>,
    pub last_error: String,
}

pub async fn find(db: &Db, user_id: &str) -> Result<Option<Webhook>, sqlx::Error> {
    sqlx::query_as(
        "SELECT user_id, url_sealed, last4, created_at, failing_since, broken_at, last_error \
         FROM slack_webhooks WHERE user_id = $1",
    )
    .bind(user_id)
    .fetch_optional(db)
    .await
}

/// Stores (or replaces) the webhook; a new one starts healthy.
pub async fn set(db: &Db, user_id: &str, sealed: &str, last4: &str) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO slack_webhooks (user_id, url_sealed, last4, created_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (user_id) DO UPDATE SET url_sealed = $2, last4 = $3, created_at = $4, \
         failing_since = NULL, broken_at = NULL, last_error = ''",
    )
    .bind(user_id)
    .bind(sealed)
    .bind(last4)
    .bind(now())
    .execute(db)
    .await
    .map(|_| ())
}

pub async fn delete(db: &Db, user_id: &str) -> Result<bool, sqlx::Error> {
    sqlx::query("DELETE FROM slack_webhooks WHERE user_id = $1")
        .bind(user_id)
        .execute(db)
        .await
        .map(|r| r.rows_affected() == 1)
}

/// A delivery went through: the webhook is healthy again.
pub async fn mark_ok(db: &Db, user_id: &str) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE slack_webhooks SET failing_since = NULL, broken_at = NULL, last_error = '' \
         WHERE user_id = $1",
    )
    .bind(user_id)
    .execute(db)
    .await
    .map(|_| ())
}

/// A delivery failed: returns since when the webhook has been failing.
pub async fn mark_failing(db: &Db, user_id: &str, error: &str) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query(
        "UPDATE slack_webhooks SET failing_since = COALESCE(failing_since, $1), last_error = $2 \
         WHERE user_id = $3",
    )
    .bind(now())
    .bind(error)
    .bind(user_id)
    .execute(db)
    .await?;
    sqlx::query_scalar("SELECT failing_since FROM slack_webhooks WHERE user_id = $1")
        .bind(user_id)
        .fetch_optional(db)
        .await
        .map(Option::flatten)
}

/// Marks the webhook broken; true for the one call that did (so its owner
/// is told once, whichever worker noticed).
pub async fn mark_broken(db: &Db, user_id: &str) -> Result<bool, sqlx::Error> {
    sqlx::query("UPDATE slack_webhooks SET broken_at = $1 WHERE user_id = $2 AND broken_at IS NULL")
        .bind(now())
        .bind(user_id)
        .execute(db)
        .await
        .map(|r| r.rows_affected() == 1)
}
