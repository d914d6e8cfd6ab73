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
}

/// One notification for one user.
pub async fn insert(
    db: &Db,
    user_id: &str,
    area: &str,
    title: &str,
    body: &str,
) -> Result<String, sqlx::Error> {
    let id = new_id();
    sqlx::query(
        "INSERT INTO notifications (id, user_id, area, title, body, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(&id)
    .bind(user_id)
    .bind(area)
    .bind(title)
    .bind(body)
    .bind(now())
    .execute(db)
    .await?;
    Ok(id)
}

/// The same notification for every active account whose in-app cell for
/// `area` is on (the default), in one statement. Returns the broadcast id and
/// how many received it.
pub async fn broadcast(
    db: &Db,
    area: &str,
    title: &str,
    body: &str,
) -> Result<(String, u64), sqlx::Error> {
    let broadcast = new_id();
    let done = sqlx::query(
        "INSERT INTO notifications (id, user_id, area, title, body, created_at) \
         SELECT CAST($1 AS TEXT) || ':' || u.id, u.id, $2, $3, $4, $5 FROM users u \
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
    let sql = if unread_only {
        "SELECT id, area, title, body, created_at, read_at FROM notifications \
         WHERE user_id = $1 AND read_at IS NULL ORDER BY created_at DESC, id DESC LIMIT $2"
    } else {
        "SELECT id, area, title, body, created_at, read_at FROM notifications \
         WHERE user_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2"
    };
    sqlx::query_as(sql)
        .bind(user_id)
        .bind(limit)
        .fetch_all(db)
        .await
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
