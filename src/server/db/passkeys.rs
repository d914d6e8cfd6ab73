//! The `passkeys` and `webauthn_ceremonies` tables.

use super::{new_id, now, Db};

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct PasskeyRow {
    pub id: String,
    pub user_id: String,
    pub credential_id: String,
    pub name: String,
    pub kind: String,
    pub transports: String,
    /// webauthn-rs's `Passkey` as JSON (public key and counter).
    pub credential: String,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
}

/// `SELECT` of every column, then `$rest`.
macro_rules! select {
    ($rest:literal) => {
        concat!(
            "SELECT id, user_id, credential_id, name, kind, transports, credential, created_at, \
             last_used_at FROM passkeys ",
            $rest
        )
    };
}

pub struct NewPasskey<'a> {
    pub user_id: &'a str,
    pub credential_id: &'a str,
    pub name: &'a str,
    pub kind: &'a str,
    pub transports: &'a str,
    pub credential: &'a str,
}

/// Stores a new passkey; returns its id. Fails on a credential id already
/// registered (to anyone): the unique index decides.
pub async fn insert(
    db: &mut sqlx::AnyConnection,
    new: &NewPasskey<'_>,
) -> Result<String, sqlx::Error> {
    let id = new_id();
    sqlx::query(
        "INSERT INTO passkeys (id, user_id, credential_id, name, kind, transports, credential, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(&id)
    .bind(new.user_id)
    .bind(new.credential_id)
    .bind(new.name)
    .bind(new.kind)
    .bind(new.transports)
    .bind(new.credential)
    .bind(now())
    .execute(db)
    .await?;
    Ok(id)
}

/// A user's passkeys, oldest first.
pub async fn list(db: &Db, user_id: &str) -> Result<Vec<PasskeyRow>, sqlx::Error> {
    sqlx::query_as(select!("WHERE user_id = $1 ORDER BY created_at, id"))
        .bind(user_id)
        .fetch_all(db)
        .await
}

pub async fn count<'e, E>(db: E, user_id: &str) -> Result<i64, sqlx::Error>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM passkeys WHERE user_id = $1")
        .bind(user_id)
        .fetch_one(db)
        .await?;
    Ok(n)
}

/// One of `user_id`'s passkeys (None for anyone else's).
pub async fn find(db: &Db, user_id: &str, id: &str) -> Result<Option<PasskeyRow>, sqlx::Error> {
    sqlx::query_as(select!("WHERE id = $1 AND user_id = $2"))
        .bind(id)
        .bind(user_id)
        .fetch_optional(db)
        .await
}

/// The passkey with this credential id, whoever owns it.
pub async fn find_by_credential(
    db: &Db,
    credential_id: &str,
) -> Result<Option<PasskeyRow>, sqlx::Error> {
    sqlx::query_as(select!("WHERE credential_id = $1"))
        .bind(credential_id)
        .fetch_optional(db)
        .await
}

pub async fn rename(db: &Db, user_id: &str, id: &str, name: &str) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("UPDATE passkeys SET name = $1 WHERE id = $2 AND user_id = $3")
        .bind(name)
        .bind(id)
        .bind(user_id)
        .execute(db)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Records a use: the new counter (inside `credential`) only if the stored
/// credential is still the one the check read, so of two uses racing with the
/// same counter exactly one is recorded (the other is refused).
pub async fn record_use(
    db: &Db,
    id: &str,
    old_credential: &str,
    new_credential: &str,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE passkeys SET credential = $1, last_used_at = $2 WHERE id = $3 AND credential = $4",
    )
    .bind(new_credential)
    .bind(now())
    .bind(id)
    .bind(old_credential)
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn delete(
    db: &mut sqlx::AnyConnection,
    user_id: &str,
    id: &str,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("DELETE FROM passkeys WHERE id = $1 AND user_id = $2")
        .bind(id)
        .bind(user_id)
        .execute(db)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Removes every passkey of a user (the administrator's 2FA reset); returns how many.
pub async fn delete_all(db: &mut sqlx::AnyConnection, user_id: &str) -> Result<u64, sqlx::Error> {
    let done = sqlx::query("DELETE FROM passkeys WHERE user_id = $1")
        .bind(user_id)
        .execute(db)
        .await?;
    Ok(done.rows_affected())
}

/// After a password reset, in its transaction: an intruder's passkey would
/// bring them back (it signs in alone), so every passkey goes; without the
/// authenticator app the recovery codes go too (2FA is off). Returns how many
/// passkeys there were.
pub async fn remove_after_reset(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    user_id: &str,
) -> Result<u64, sqlx::Error> {
    let removed = delete_all(tx, user_id).await?;
    if removed > 0 {
        sqlx::query(
            "DELETE FROM recovery_codes WHERE user_id = $1 \
             AND NOT EXISTS (SELECT 1 FROM totp WHERE user_id = $1 AND enabled = 1)",
        )
        .bind(user_id)
        .execute(&mut **tx)
        .await?;
    }
    Ok(removed)
}

/// Open password-less sign-in ceremonies (nobody known yet), for the cap.
pub async fn open_sign_ins(db: &Db) -> Result<i64, sqlx::Error> {
    let (n,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM webauthn_ceremonies WHERE user_id = '' AND expires_at >= $1",
    )
    .bind(now())
    .fetch_one(db)
    .await?;
    Ok(n)
}

/// Open password-less sign-in ceremonies started from `address` (a throttle
/// bucket: IPv4, or the IPv6 /64).
pub async fn open_sign_ins_from(db: &Db, address: &str) -> Result<i64, sqlx::Error> {
    let (n,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM webauthn_ceremonies \
         WHERE address = $1 AND expires_at >= $2 AND user_id = ''",
    )
    .bind(address)
    .bind(now())
    .fetch_one(db)
    .await?;
    Ok(n)
}

/// Drops ended ceremonies (the server's housekeeping, every ten minutes; an
/// ended one is refused anyway).
pub async fn purge_ceremonies(db: &Db) -> Result<u64, sqlx::Error> {
    sqlx::query("DELETE FROM webauthn_ceremonies WHERE expires_at < $1")
        .bind(now())
        .execute(db)
        .await
        .map(|done| done.rows_affected())
}

/// Keeps a ceremony's server-side state until `ttl_secs` from now. One write:
/// every view of the sign-in page opens one (passkey autofill).
pub async fn put_ceremony(
    db: &Db,
    id_hash: &str,
    address: &str,
    user_id: &str,
    purpose: &str,
    state: &str,
    ttl_secs: i64,
) -> Result<(), sqlx::Error> {
    let t = now();
    sqlx::query(
        "INSERT INTO webauthn_ceremonies (id_hash, address, user_id, purpose, state, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(id_hash)
    .bind(address)
    .bind(user_id)
    .bind(purpose)
    .bind(state)
    .bind(t + ttl_secs)
    .execute(db)
    .await
    .map(|_| ())
}

/// Takes a live ceremony of `purpose` for `user_id` ("" for a sign-in without
/// a known account): returns its state and deletes it, so it is used once even
/// when two requests race for it.
pub async fn take_ceremony(
    db: &Db,
    id_hash: &str,
    user_id: &str,
    purpose: &str,
) -> Result<Option<String>, sqlx::Error> {
    let row: Option<(String, i64)> = sqlx::query_as(
        "SELECT state, expires_at FROM webauthn_ceremonies \
         WHERE id_hash = $1 AND user_id = $2 AND purpose = $3",
    )
    .bind(id_hash)
    .bind(user_id)
    .bind(purpose)
    .fetch_optional(db)
    .await?;
    let Some((state, expires_at)) = row else {
        return Ok(None);
    };
    let done = sqlx::query("DELETE FROM webauthn_ceremonies WHERE id_hash = $1")
        .bind(id_hash)
        .execute(db)
        .await?;
    Ok((done.rows_affected() == 1 && expires_at >= now()).then_some(state))
}
