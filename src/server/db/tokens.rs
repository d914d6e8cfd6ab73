//! The `email_tokens` table: single-use links sent by mail (email change and
//! recovery address confirmation, password reset). Only the SHA-256 of a token is stored.

use super::{now, Db};

pub const EMAIL_CHANGE: &str = "email_change";
pub const PASSWORD_RESET: &str = "password_reset";
pub const RECOVERY_EMAIL: &str = "recovery_email";

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Token {
    pub token_hash: String,
    pub purpose: String,
    #[sqlx(try_from = "String")]
    pub user_id: super::UserId,
    pub new_email: String,
    pub expires_at: i64,
}

pub async fn insert(
    db: &Db,
    token_hash: &str,
    purpose: &str,
    user_id: &str,
    new_email: &str,
    ttl_secs: i64,
) -> Result<(), sqlx::Error> {
    let t = now();
    // A new link replaces any earlier unused one for the same purpose.
    sqlx::query("DELETE FROM email_tokens WHERE user_id = $1 AND purpose = $2 AND used_at IS NULL")
        .bind(user_id)
        .bind(purpose)
        .execute(db)
        .await?;
    sqlx::query(
        "INSERT INTO email_tokens (token_hash, purpose, user_id, new_email, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(token_hash)
    .bind(purpose)
    .bind(user_id)
    .bind(new_email)
    .bind(t)
    .bind(t + ttl_secs)
    .execute(db)
    .await
    .map(|_| ())
}

/// Voids the unused links of `purpose` for a user (e.g. reset links once the
/// password was changed another way).
pub async fn delete_unused<'e, E>(db: E, user_id: &str, purpose: &str) -> Result<(), sqlx::Error>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    sqlx::query("DELETE FROM email_tokens WHERE user_id = $1 AND purpose = $2 AND used_at IS NULL")
        .bind(user_id)
        .bind(purpose)
        .execute(db)
        .await
        .map(|_| ())
}

/// Voids every unused link of a user, whatever it was for (after a password
/// reset: links mailed before may have been asked for by an intruder).
pub async fn delete_all_unused<'e, E>(db: E, user_id: &str) -> Result<(), sqlx::Error>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    sqlx::query("DELETE FROM email_tokens WHERE user_id = $1 AND used_at IS NULL")
        .bind(user_id)
        .execute(db)
        .await
        .map(|_| ())
}

/// The addresses waiting for their confirmation links.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Pending {
    /// A new primary address (`EMAIL_CHANGE`).
    pub email: Option<String>,
    /// A new recovery address (`RECOVERY_EMAIL`).
    pub recovery_email: Option<String>,
}

/// Both pending addresses of a user in one query (every page shows them).
pub async fn pending_addresses(db: &Db, user_id: &str) -> Result<Pending, sqlx::Error> {
    let rows: Vec<(String, String)> = sqlx::query_as(
        "SELECT purpose, new_email FROM email_tokens \
         WHERE user_id = $1 AND purpose IN ($2, $3) AND used_at IS NULL AND expires_at > $4 \
         ORDER BY expires_at",
    )
    .bind(user_id)
    .bind(EMAIL_CHANGE)
    .bind(RECOVERY_EMAIL)
    .bind(now())
    .fetch_all(db)
    .await?;
    let mut pending = Pending::default();
    // Ordered by expiry: the newest request of each kind is the one kept.
    for (purpose, address) in rows {
        if purpose == EMAIL_CHANGE {
            pending.email = Some(address);
        } else {
            pending.recovery_email = Some(address);
        }
    }
    Ok(pending)
}

/// The token, if it exists for `purpose`, is unused and unexpired (without using it).
pub async fn peek(db: &Db, token_hash: &str, purpose: &str) -> Result<Option<Token>, sqlx::Error> {
    sqlx::query_as(
        "SELECT token_hash, purpose, user_id, new_email, expires_at FROM email_tokens \
         WHERE token_hash = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > $3",
    )
    .bind(token_hash)
    .bind(purpose)
    .bind(now())
    .fetch_optional(db)
    .await
}

/// Marks the token used and returns it, if it exists for `purpose`, is unused
/// and unexpired. The update is the check, so a token works exactly once even
/// when two requests race.
pub async fn consume<'e, E>(
    db: E,
    token_hash: &str,
    purpose: &str,
) -> Result<Option<Token>, sqlx::Error>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let t = now();
    sqlx::query_as(
        "UPDATE email_tokens SET used_at = $1 \
         WHERE token_hash = $2 AND purpose = $3 AND used_at IS NULL AND expires_at > $1 \
         RETURNING token_hash, purpose, user_id, new_email, expires_at",
    )
    .bind(t)
    .bind(token_hash)
    .bind(purpose)
    .fetch_optional(db)
    .await
}
