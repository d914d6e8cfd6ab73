//! The `notifications` table: in-app notifications, one row per recipient.

use super::{new_id, now, Db};

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Row {
    pub id: String,
    pub area: String,
    pub title: String,
    pub body: String,
    pub created_at: i64,
    pub read_at: Option<i64>,
    pub link: String,
}

/// One notification for one user (inside the caller's transaction).
pub async fn insert<'e, E>(
    db: E,
    user_id: &str,
    area: &str,
    title: &str,
    body: &str,
    link: &str,
) -> Result<String, sqlx::Error>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let id = new_id();
    sqlx::query(
        "INSERT INTO notifications (id, user_id, area, title, body, created_at, link) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(&id)
    .bind(user_id)
    .bind(area)
    .bind(title)
    .bind(body)
    .bind(now())
    .bind(link)
    .execute(db)
    .await?;
    Ok(id)
}

/// Claims a one-off notice by key (a reminder): true for the one transaction
/// that inserted it, false when it was sent before.
pub async fn claim_notice<'e, E>(db: E, key: &str) -> Result<bool, sqlx::Error>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    sqlx::query("INSERT INTO notices_sent (notice, sent_at) VALUES ($1, $2) ON CONFLICT (notice) DO NOTHING")
        .bind(key)
        .bind(now())
        .execute(db)
        .await
        .map(|r| r.rows_affected() == 1)
}

/// Forgets one-off notices sent before `before` (their keys can no longer
/// come up again: a reminder's key names the expiry it was about).
pub async fn purge_notices(db: &Db, before: i64) -> Result<u64, sqlx::Error> {
    sqlx::query("DELETE FROM notices_sent WHERE sent_at < $1")
        .bind(before)
        .execute(db)
        .await
        .map(|r| r.rows_affected())
}

/// The same notification for every active account whose in-app cell for
/// `area` is on (the default), in one statement. Returns the broadcast id and
/// how many received it.
pub async fn broadcast<'e, E>(
    db: E,
    area: &str,
    title: &str,
    body: &str,
) -> Result<(String, u64), sqlx::Error>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let broadcast = new_id();
    let done = sqlx::query(
        "INSERT INTO notifications (id, user_id, area, title, body, created_at, link) \
         SELECT CAST($1 AS TEXT) || ':' || u.id, u.id, $2, $3, $4, $5, '/notifications' FROM users u \
         LEFT JOIN notification_prefs p ON p.user_id = u.id AND p.area = $2 AND p.channel = 'in_app' \
         WHERE u.disabled = 0 AND COALESCE(p.enabled, 1) = 1",
    )
    .bind(&broadcast)
    .bind(area)
    .bind(title)
    .bind(body)
    .bind(now())
    .execute(db)
    .await?;
    Ok((broadcast, done.rows_affected()))
}

/// The user's newest notifications, all or only the unread ones.
pub async fn list(
    db: &Db,
    user_id: &str,
    unread_only: bool,
    limit: i64,
) -> Result<Vec<Row>, sqlx::Error> {
    page(db, user_id, unread_only, None, limit).await
}

/// One page of the user's notifications, newest first: those before the
/// cursor `(created_at, id)` of the last one shown (keyset paging: as fast
/// on page 1,000 as on page 1).
pub async fn page(
    db: &Db,
    user_id: &str,
    unread_only: bool,
    before: Option<(i64, &str)>,
    limit: i64,
) -> Result<Vec<Row>, sqlx::Error> {
    let (at, id) = before.unwrap_or((i64::MAX, ""));
    sqlx::query_as(
        "SELECT id, area, title, body, created_at, read_at, link FROM notifications \
         WHERE user_id = $1 AND ($2 = 0 OR read_at IS NULL) \
         AND ($3 = 1 OR created_at < $4 OR (created_at = $4 AND id < $5)) \
         ORDER BY created_at DESC, id DESC LIMIT $6",
    )
    .bind(user_id)
    .bind(i64::from(unread_only))
    .bind(i64::from(before.is_none()))
    .bind(at)
    .bind(id)
    .bind(limit)
    .fetch_all(db)
    .await
}

/// The id of the user's newest notification (empty: none).
pub async fn newest(db: &Db, user_id: &str) -> Result<String, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT id FROM notifications WHERE user_id = $1 ORDER BY created_at DESC, id DESC LIMIT 1",
    )
    .bind(user_id)
    .fetch_optional(db)
    .await
    .map(Option::unwrap_or_default)
}

pub async fn unread_count(db: &Db, user_id: &str) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT COUNT(*) FROM notifications WHERE user_id = $1 AND read_at IS NULL")
        .bind(user_id)
        .fetch_one(db)
        .await
}

/// Marks the given notifications of this user read; ids of others are ignored.
pub async fn mark_read(db: &Db, user_id: &str, ids: &[String]) -> Result<u64, sqlx::Error> {
    let at = now();
    let mut tx = db.begin().await?;
    let mut marked = 0;
    for id in ids {
        marked += sqlx::query(
            "UPDATE notifications SET read_at = $1 \
             WHERE id = $2 AND user_id = $3 AND read_at IS NULL",
        )
        .bind(at)
        .bind(id)
        .bind(user_id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    }
    tx.commit().await?;
    Ok(marked)
}

pub async fn mark_all_read(db: &Db, user_id: &str) -> Result<u64, sqlx::Error> {
    sqlx::query("UPDATE notifications SET read_at = $1 WHERE user_id = $2 AND read_at IS NULL")
        .bind(now())
        .bind(user_id)
        .execute(db)
        .await
        .map(|r| r.rows_affected())
}
