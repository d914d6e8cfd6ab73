//! Deleting an account, and the `deleted_accounts` table that keeps its
//! username and address reserved for a while afterwards.

use super::users::UserRow;
use super::{now, Db};

/// How long a deleted account's username and address stay reserved.
pub const RESERVED_SECS: i64 = 30 * 86_400;

/// Deletes the account `id` with everything that belongs to it (every
/// table refers to it with `ON DELETE CASCADE`), unless it is the last active
/// administrator; reserves its username and address; renames it in the audit
/// log (the rows stay). False when nothing was deleted.
pub async fn delete_account(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    user: &UserRow,
    shown_as: &str,
) -> Result<bool, sqlx::Error> {
    let deleted = sqlx::query(
        "DELETE FROM users WHERE id = $1 AND (role <> 'admin' OR disabled = 1 \
         OR EXISTS (SELECT 1 FROM users o WHERE o.role = 'admin' AND o.disabled = 0 AND o.id <> $1))",
    )
    .bind(user.id.as_str())
    .execute(&mut **tx)
    .await?
    .rows_affected()
        == 1;
    if !deleted {
        return Ok(false);
    }
    let until = now() + RESERVED_SECS;
    for (kind, value) in [("username", &user.username), ("email", &user.email)] {
        sqlx::query(
            "INSERT INTO reserved_names (kind, value, until) VALUES ($1, $2, $3) \
             ON CONFLICT (kind, value) DO UPDATE SET until = $3",
        )
        .bind(kind)
        .bind(value.to_lowercase())
        .bind(until)
        .execute(&mut **tx)
        .await?;
    }
    // Nothing more goes out to them: what waits in the queue is dropped,
    // and what was sent or given up no longer names them (the delivery
    // status administrators read keeps only that something went out).
    sqlx::query(
        "DELETE FROM outbox WHERE status = 'pending' AND (user_id = $1 OR lower(to_addr) = lower($2))",
    )
    .bind(user.id.as_str())
    .bind(&user.email)
    .execute(&mut **tx)
    .await?;
    sqlx::query(
        "UPDATE outbox SET to_addr = '', subject = '(deleted account)', user_id = '' \
         WHERE user_id = $1 OR lower(to_addr) = lower($2)",
    )
    .bind(user.id.as_str())
    .bind(&user.email)
    .execute(&mut **tx)
    .await?;
    sqlx::query("UPDATE audit_log SET actor_name = $1 WHERE actor_id = $2")
        .bind(shown_as)
        .bind(user.id.as_str())
        .execute(&mut **tx)
        .await?;
    Ok(true)
}

/// Whether a username (`kind` "username") or address ("email") belonged to
/// an account deleted less than 30 days ago.
pub async fn is_reserved(db: &Db, kind: &str, value: &str) -> Result<bool, sqlx::Error> {
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM reserved_names WHERE kind = $1 AND value = $2 AND until > $3",
    )
    .bind(kind)
    .bind(value.to_lowercase())
    .bind(now())
    .fetch_one(db)
    .await?;
    Ok(n > 0)
}

/// Forgets reservations that have run out (the address is not kept longer
/// than needed).
pub async fn purge_reserved(db: &Db) -> Result<u64, sqlx::Error> {
    sqlx::query("DELETE FROM reserved_names WHERE until < $1")
        .bind(now())
        .execute(db)
        .await
        .map(|r| r.rows_affected())
}
