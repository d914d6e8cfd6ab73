//! The append-only `audit_log` table.

use super::{new_id, now, Db};

/// One audit entry. `actor_name` is kept as text so the entry still reads well
/// after the account is gone.
#[derive(Clone, Debug, Default)]
pub struct Entry<'a> {
    pub actor_id: Option<&'a str>,
    pub actor_name: &'a str,
    pub action: &'a str,
    pub outcome: &'a str,
    pub ip: &'a str,
    pub user_agent: &'a str,
    pub detail: &'a str,
}

pub async fn insert(db: &Db, e: &Entry<'_>) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO audit_log (id, created_at, actor_id, actor_name, action, outcome, ip, user_agent, detail) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(new_id())
    .bind(now())
    .bind(e.actor_id)
    .bind(e.actor_name)
    .bind(e.action)
    .bind(e.outcome)
    .bind(e.ip)
    .bind(truncate(e.user_agent, 512))
    .bind(e.detail)
    .execute(db)
    .await
    .map(|_| ())
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Row {
    pub id: String,
    pub created_at: i64,
    pub actor_id: Option<String>,
    pub actor_name: String,
    pub action: String,
    pub outcome: String,
    pub ip: String,
    pub user_agent: String,
    pub detail: String,
}

/// The newest entries first, optionally only one action.
pub async fn recent(db: &Db, action: Option<&str>, limit: i64) -> Result<Vec<Row>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, created_at, actor_id, actor_name, action, outcome, ip, user_agent, detail FROM audit_log \
         WHERE ($1 = '' OR action = $1) ORDER BY id DESC LIMIT $2",
    )
    .bind(action.unwrap_or(""))
    .bind(limit)
    .fetch_all(db)
    .await
}

fn truncate(s: &str, max: usize) -> &str {
    match s.char_indices().nth(max) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}
