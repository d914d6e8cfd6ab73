//! The `outbox` table: every mail Tessera sends, kept durably until delivered.

use super::{new_id, now, Db};

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Mail {
    pub id: String,
    pub created_at: i64,
    pub to_addr: String,
    pub subject: String,
    pub body: String,
    pub status: String,
    pub attempts: i64,
    pub next_attempt_at: i64,
    pub last_error: String,
    pub sent_at: Option<i64>,
}

pub async fn enqueue(db: &Db, to: &str, subject: &str, body: &str) -> Result<String, sqlx::Error> {
    let id = new_id();
    let t = now();
    sqlx::query(
        "INSERT INTO outbox (id, created_at, to_addr, subject, body, status, attempts, next_attempt_at) \
         VALUES ($1, $2, $3, $4, $5, 'pending', 0, $2)",
    )
    .bind(&id)
    .bind(t)
    .bind(to)
    .bind(subject)
    .bind(body)
    .execute(db)
    .await?;
    Ok(id)
}

/// Mails waiting for a delivery attempt, oldest first.
pub async fn due(db: &Db, limit: i64) -> Result<Vec<Mail>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, created_at, to_addr, subject, body, status, attempts, next_attempt_at, last_error, sent_at \
         FROM outbox WHERE status = 'pending' AND next_attempt_at <= $1 ORDER BY id LIMIT $2",
    )
    .bind(now())
    .bind(limit)
    .fetch_all(db)
    .await
}

/// Takes a mail for one delivery attempt; false when another worker (or server
/// instance) already has it.
pub async fn claim(db: &Db, id: &str, lease_secs: i64) -> Result<bool, sqlx::Error> {
    let t = now();
    let done = sqlx::query(
        "UPDATE outbox SET next_attempt_at = $1 WHERE id = $2 AND status = 'pending' AND next_attempt_at <= $3",
    )
    .bind(t + lease_secs)
    .bind(id)
    .bind(t)
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Marks a mail delivered and drops its text: bodies carry single-use links,
/// which have no business staying in the database once they are in the mailbox.
pub async fn mark_sent(db: &Db, id: &str) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE outbox SET status = 'sent', sent_at = $1, attempts = attempts + 1, last_error = '', \
         body = '(delivered; text removed)' WHERE id = $2",
    )
        .bind(now())
        .bind(id)
        .execute(db)
        .await
        .map(|_| ())
}

/// Records a failed attempt: retried at `retry_at`, or given up (`failed`) when
/// None. A mail given up loses its text like a delivered one: its links must
/// not wait in the database for someone to read them.
pub async fn mark_failed(
    db: &Db,
    id: &str,
    error: &str,
    retry_at: Option<i64>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE outbox SET attempts = attempts + 1, last_error = $1, \
         status = CASE WHEN $2 = 0 THEN 'failed' ELSE 'pending' END, next_attempt_at = $2, \
         body = CASE WHEN $2 = 0 THEN '(not delivered; text removed)' ELSE body END WHERE id = $3",
    )
    .bind(error)
    .bind(retry_at.unwrap_or(0))
    .bind(id)
    .execute(db)
    .await
    .map(|_| ())
}

pub async fn recent(db: &Db, limit: i64) -> Result<Vec<Mail>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, created_at, to_addr, subject, body, status, attempts, next_attempt_at, last_error, sent_at \
         FROM outbox ORDER BY id DESC LIMIT $1",
    )
    .bind(limit)
    .fetch_all(db)
    .await
}
