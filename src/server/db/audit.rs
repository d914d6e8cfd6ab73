//! The append-only `audit_log` table.

use super::select::Select;
use super::{new_id, now, Db};

/// One audit entry. `actor_name` is kept as text so the entry still reads well
/// after the account is gone.
#[derive(Clone, Debug, Default)]
pub struct Entry<'a> {
    pub actor_id: Option<&'a str>,
    pub actor_name: &'a str,
    /// The account the action concerned (for an administrator's action: not the actor).
    pub target_id: Option<&'a str>,
    pub action: &'a str,
    pub outcome: &'a str,
    pub ip: &'a str,
    pub user_agent: &'a str,
    pub detail: &'a str,
}

pub async fn insert<'e, E>(db: E, e: &Entry<'_>) -> Result<(), sqlx::Error>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    sqlx::query(
        "INSERT INTO audit_log (id, created_at, actor_id, actor_name, target_id, action, outcome, ip, user_agent, detail) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(new_id())
    .bind(now())
    .bind(e.actor_id)
    .bind(e.actor_name)
    .bind(e.target_id)
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
    pub target_id: Option<String>,
    pub action: String,
    pub outcome: String,
    pub ip: String,
    pub user_agent: String,
    pub detail: String,
}

/// The newest entries first, optionally only one action.
pub async fn recent(db: &Db, action: Option<&str>, limit: i64) -> Result<Vec<Row>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, created_at, actor_id, actor_name, target_id, action, outcome, ip, user_agent, detail FROM audit_log \
         WHERE ($1 = '' OR action = $1) ORDER BY id DESC LIMIT $2",
    )
    .bind(action.unwrap_or(""))
    .bind(limit)
    .fetch_all(db)
    .await
}

/// The entries about account `target_id`, newest first, older than the
/// entry `before` (keyset paging on the time-ordered id).
pub async fn for_target(
    db: &Db,
    target_id: &str,
    before: Option<&str>,
    limit: i64,
) -> Result<Vec<Row>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, created_at, actor_id, actor_name, target_id, action, outcome, ip, user_agent, detail \
         FROM audit_log WHERE target_id = $1 AND ($2 = '' OR id < $2) ORDER BY id DESC LIMIT $3",
    )
    .bind(target_id)
    .bind(before.unwrap_or(""))
    .bind(limit)
    .fetch_all(db)
    .await
}

/// What an administrator filters the audit log by; empty strings match all.
#[derive(Clone, Debug, Default)]
pub struct Filter<'a> {
    pub actor: &'a str,
    pub target_id: &'a str,
    pub action: &'a str,
    pub outcome: &'a str,
    /// Unix seconds, both included.
    pub from: i64,
    pub to: i64,
}

/// An audit row with the current username of the account it concerned.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Found {
    #[sqlx(flatten)]
    pub row: Row,
    pub target_name: String,
}

/// The rows matching `f`, newest first, older than the row `before`.
///
/// Only the filters given become conditions, so each seeks its index
/// (`(actor_name, id)`, `(target_id, id)`, `(action, id)`, `(outcome, id)`)
/// and reads the newest rows first. Ids are UUIDv7, time-ordered: a time
/// range is also an id range, which the primary key seeks without sorting.
pub async fn search(
    db: &Db,
    f: &Filter<'_>,
    before: Option<&str>,
    limit: i64,
) -> Result<Vec<Found>, sqlx::Error> {
    let mut q = Select::new(
        "SELECT a.id, a.created_at, a.actor_id, a.actor_name, a.target_id, a.action, a.outcome, a.ip, \
         a.user_agent, a.detail, COALESCE(u.username, '') AS target_name \
         FROM audit_log a LEFT JOIN users u ON u.id = a.target_id WHERE 1 = 1",
    );
    if !f.actor.is_empty() {
        q.and(" AND a.actor_name = ?", [f.actor.into()]);
    }
    if !f.target_id.is_empty() {
        q.and(" AND a.target_id = ?", [f.target_id.into()]);
    }
    if !f.action.is_empty() {
        q.and(" AND a.action = ?", [f.action.into()]);
    }
    if !f.outcome.is_empty() {
        q.and(" AND a.outcome = ?", [f.outcome.into()]);
    }
    // An id is made a moment before its row's `created_at` (and runs ahead
    // of the clock for a while after the clock stepped back): the id bounds
    // are wider than the time bounds, which stay exact.
    if f.from > 0 {
        q.and(
            " AND a.created_at >= ? AND a.id >= ?",
            [f.from.into(), id_at(f.from - 1).into()],
        );
    }
    if f.to < i64::MAX {
        q.and(
            " AND a.created_at <= ? AND a.id < ?",
            [f.to.into(), id_at(f.to.saturating_add(3_600)).into()],
        );
    }
    if let Some(before) = before.filter(|b| !b.is_empty()) {
        q.and(" AND a.id < ?", [before.into()]);
    }
    q.push(" ORDER BY a.id DESC LIMIT ?").with(limit);
    q.fetch_all(db).await
}

/// The smallest UUIDv7 text made at Unix second `t` (its first 48 bits are
/// the time in milliseconds), for comparing with ids as text.
fn id_at(t: i64) -> String {
    let ms = u64::try_from(t.max(0))
        .unwrap_or(0)
        .saturating_mul(1000)
        .min(0xffff_ffff_ffff);
    format!("{:08x}-{:04x}", ms >> 16, ms & 0xffff)
}

/// Rows written before actions were data packed their detail into the action
/// (`token.admin_revoke:bob:ci`): split them into a stable name and JSON detail,
/// with the concerned account as `target_id`. Idempotent; runs at every start
/// (after the schema migrations) and touches nothing once done.
pub async fn migrate_packed_actions(db: &Db) -> Result<u64, sqlx::Error> {
    let rows: Vec<(String, String)> =
        sqlx::query_as("SELECT id, action FROM audit_log WHERE action LIKE '%:%'")
            .fetch_all(db)
            .await?;
    let mut done = 0;
    for (id, packed) in rows {
        let Some((name, rest)) = packed.split_once(':') else {
            continue;
        };
        let (name, detail, target_name) = match name {
            "token.admin_revoke" => {
                let (owner, token) = rest.split_once(':').unwrap_or((rest, ""));
                (
                    name,
                    serde_json::json!({ "owner": owner, "name": token }),
                    Some(owner),
                )
            }
            "2fa.reset" => (name, serde_json::json!({ "username": rest }), Some(rest)),
            "notification.publish" => (name, serde_json::json!({ "area": rest }), None),
            "settings.two_factor_mandatory" => (
                "settings.change",
                serde_json::json!({ "key": "two_factor_mandatory", "value": rest }),
                None,
            ),
            _ => (name, serde_json::json!({ "detail": rest }), None),
        };
        sqlx::query(
            "UPDATE audit_log SET action = $1, detail = $2, \
             target_id = (SELECT id FROM users WHERE username = $3) WHERE id = $4",
        )
        .bind(name)
        .bind(detail.to_string())
        .bind(target_name.unwrap_or(""))
        .bind(&id)
        .execute(db)
        .await?;
        done += 1;
    }
    Ok(done)
}

fn truncate(s: &str, max: usize) -> &str {
    match s.char_indices().nth(max) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_id_falls_between_the_bounds_of_its_second() {
        let t = now();
        let id = new_id();
        assert!(id_at(t - 1).as_str() <= id.as_str(), "{id}");
        assert!(id.as_str() < id_at(t + 2).as_str(), "{id}");
        assert!(id_at(t + 2).as_str() > id_at(t).as_str());
        assert_eq!(id_at(0), "00000000-0000");
        assert_eq!(id_at(i64::MAX), "ffffffff-ffff", "far days clamp, not wrap");
    }
}
