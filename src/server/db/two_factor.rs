//! The `totp`, `recovery_codes` and `login_challenges` tables.

use super::{new_id, now, Db};

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct TotpRow {
    #[sqlx(try_from = "String")]
    pub user_id: super::UserId,
    /// Sealed with the server key (see `server::keys`).
    pub secret: String,
    pub enabled: i64,
    pub last_step: i64,
}

pub async fn find(db: &Db, user_id: &str) -> Result<Option<TotpRow>, sqlx::Error> {
    sqlx::query_as("SELECT user_id, secret, enabled, last_step FROM totp WHERE user_id = $1")
        .bind(user_id)
        .fetch_optional(db)
        .await
}

/// Whether the authenticator app is on (a secret enrolled and confirmed),
/// without reading the sealed secret.
pub async fn totp_on(db: &Db, user_id: &str) -> Result<bool, sqlx::Error> {
    let (on,): (i64,) = sqlx::query_as(
        "SELECT CAST(CASE WHEN EXISTS (SELECT 1 FROM totp WHERE user_id = $1 AND enabled <> 0) \
         THEN 1 ELSE 0 END AS BIGINT)",
    )
    .bind(user_id)
    .fetch_one(db)
    .await?;
    Ok(on != 0)
}

/// Whether the account has a second factor: the authenticator app or a
/// passkey (the session lookup and the admin list say the same in their SQL).
pub async fn is_enabled<'e, E>(db: E, user_id: &str) -> Result<bool, sqlx::Error>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let (on,): (i64,) = sqlx::query_as(
        "SELECT CAST(CASE WHEN EXISTS (SELECT 1 FROM totp WHERE user_id = $1 AND enabled = 1) \
         OR EXISTS (SELECT 1 FROM passkeys WHERE user_id = $1) THEN 1 ELSE 0 END AS BIGINT)",
    )
    .bind(user_id)
    .fetch_one(db)
    .await?;
    Ok(on != 0)
}

/// Starts (or restarts) an enrolment: a new secret, not yet enabled. Refuses to
/// touch an enabled one (returns false).
/// Replaces a stored secret by the same secret sealed anew (only if unchanged).
pub async fn reseal(db: &Db, user_id: &str, old: &str, new: &str) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE totp SET secret = $1 WHERE user_id = $2 AND secret = $3")
        .bind(new)
        .bind(user_id)
        .bind(old)
        .execute(db)
        .await
        .map(|_| ())
}

pub async fn put_pending(db: &Db, user_id: &str, sealed: &str) -> Result<bool, sqlx::Error> {
    sqlx::query("DELETE FROM totp WHERE user_id = $1 AND enabled = 0")
        .bind(user_id)
        .execute(db)
        .await?;
    let done = sqlx::query(
        "INSERT INTO totp (user_id, secret, enabled, last_step, created_at) VALUES ($1, $2, 0, 0, $3) \
         ON CONFLICT (user_id) DO NOTHING",
    )
    .bind(user_id)
    .bind(sealed)
    .bind(now())
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Turns a pending enrolment on, recording the step of the code that proved it.
pub async fn enable<'e, E>(db: E, user_id: &str, step: i64) -> Result<bool, sqlx::Error>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let done = sqlx::query(
        "UPDATE totp SET enabled = 1, last_step = $1, enabled_at = $2 WHERE user_id = $3 AND enabled = 0",
    )
    .bind(step)
    .bind(now())
    .bind(user_id)
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Accepts time step `step` if it is later than every step accepted before: one
/// atomic compare-and-set, so of two requests with the same code exactly one wins.
pub async fn accept_step(db: &Db, user_id: &str, step: i64) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE totp SET last_step = $1 WHERE user_id = $2 AND enabled = 1 AND last_step < $1",
    )
    .bind(step)
    .bind(user_id)
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Removes TOTP and recovery codes (disable, admin reset).
pub async fn delete_all(db: &mut sqlx::AnyConnection, user_id: &str) -> Result<bool, sqlx::Error> {
    sqlx::query("DELETE FROM recovery_codes WHERE user_id = $1")
        .bind(user_id)
        .execute(&mut *db)
        .await?;
    let done = sqlx::query("DELETE FROM totp WHERE user_id = $1")
        .bind(user_id)
        .execute(&mut *db)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Removes the authenticator app alone (passkeys keep 2FA on, and the
/// recovery codes with it).
pub async fn delete_totp(db: &mut sqlx::AnyConnection, user_id: &str) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("DELETE FROM totp WHERE user_id = $1")
        .bind(user_id)
        .execute(&mut *db)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Replaces the user's recovery codes with new digests.
pub async fn replace_codes(
    db: &mut sqlx::AnyConnection,
    user_id: &str,
    digests: &[String],
) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM recovery_codes WHERE user_id = $1")
        .bind(user_id)
        .execute(&mut *db)
        .await?;
    let t = now();
    for digest in digests {
        sqlx::query(
            "INSERT INTO recovery_codes (id, user_id, digest, created_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(new_id())
        .bind(user_id)
        .bind(digest)
        .bind(t)
        .execute(&mut *db)
        .await?;
    }
    Ok(())
}

/// Uses a recovery code: true for exactly one caller, however many race.
pub async fn use_code(db: &Db, user_id: &str, digest: &str) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE recovery_codes SET used_at = $1 WHERE user_id = $2 AND digest = $3 AND used_at IS NULL",
    )
    .bind(now())
    .bind(user_id)
    .bind(digest)
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn codes_left(db: &Db, user_id: &str) -> Result<i64, sqlx::Error> {
    let (n,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM recovery_codes WHERE user_id = $1 AND used_at IS NULL",
    )
    .bind(user_id)
    .fetch_one(db)
    .await?;
    Ok(n)
}

/// Ends every open sign-in challenge of a user (their password just changed:
/// a challenge opened with the old one must not lead to a session).
pub async fn delete_challenges_of<'e, E>(db: E, user_id: &str) -> Result<(), sqlx::Error>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    sqlx::query("DELETE FROM login_challenges WHERE user_id = $1")
        .bind(user_id)
        .execute(db)
        .await
        .map(|_| ())
}

pub async fn insert_challenge(
    db: &Db,
    id_hash: &str,
    user_id: &str,
    ttl_secs: i64,
) -> Result<(), sqlx::Error> {
    let t = now();
    // Expired challenges go. Several may be open per user (two browsers), so
    // one person's sign-in never cancels another's.
    sqlx::query("DELETE FROM login_challenges WHERE expires_at < $1")
        .bind(t)
        .execute(db)
        .await?;
    sqlx::query(
        "INSERT INTO login_challenges (id_hash, user_id, failures, expires_at) VALUES ($1, $2, 0, $3)",
    )
    .bind(id_hash)
    .bind(user_id)
    .bind(t + ttl_secs)
    .execute(db)
    .await
    .map(|_| ())
}

/// The user waiting behind a live challenge, with its failure count.
pub async fn find_challenge(db: &Db, id_hash: &str) -> Result<Option<(String, i64)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT user_id, failures FROM login_challenges WHERE id_hash = $1 AND expires_at >= $2",
    )
    .bind(id_hash)
    .bind(now())
    .fetch_optional(db)
    .await
}

/// Counts a wrong code; returns the failures so far.
pub async fn fail_challenge(db: &Db, id_hash: &str) -> Result<i64, sqlx::Error> {
    sqlx::query("UPDATE login_challenges SET failures = failures + 1 WHERE id_hash = $1")
        .bind(id_hash)
        .execute(db)
        .await?;
    let row: Option<(i64,)> =
        sqlx::query_as("SELECT failures FROM login_challenges WHERE id_hash = $1")
            .bind(id_hash)
            .fetch_optional(db)
            .await?;
    Ok(row.map_or(i64::MAX, |(n,)| n))
}

/// Ends a challenge; true for exactly one caller (the one that may sign in).
pub async fn delete_challenge(db: &Db, id_hash: &str) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("DELETE FROM login_challenges WHERE id_hash = $1")
        .bind(id_hash)
        .execute(db)
        .await?;
    Ok(done.rows_affected() == 1)
}
