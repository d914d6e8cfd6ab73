//! The `api_tokens` and `app_passwords` tables.

use super::select::Select;
use super::{new_id, now, Db};
use crate::model::TokenScope;

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct TokenRow {
    pub id: String,
    #[sqlx(try_from = "String")]
    pub user_id: super::UserId,
    pub name: String,
    pub shown: String,
    #[sqlx(try_from = "String")]
    pub scope: TokenScope,
    pub allowed_ips: String,
    pub created_at: i64,
    pub expires_at: i64,
    pub last_used_at: Option<i64>,
    pub last_used_ip: String,
}

macro_rules! select_tokens {
    ($rest:literal) => {
        concat!(
            "SELECT id, user_id, name, shown, scope, allowed_ips, created_at, expires_at, ",
            "last_used_at, last_used_ip FROM api_tokens ",
            $rest
        )
    };
}

pub struct NewToken<'a> {
    pub user_id: &'a str,
    pub name: &'a str,
    pub shown: &'a str,
    pub digest: &'a str,
    pub scope: TokenScope,
    pub allowed_ips: &'a str,
    pub expires_at: i64,
}

/// Inserts a token; a duplicate name for the user is a unique violation.
pub async fn insert(db: &Db, t: &NewToken<'_>) -> Result<String, sqlx::Error> {
    let id = new_id();
    sqlx::query(
        "INSERT INTO api_tokens (id, user_id, name, shown, digest, scope, allowed_ips, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(&id)
    .bind(t.user_id)
    .bind(t.name)
    .bind(t.shown)
    .bind(t.digest)
    .bind(t.scope.as_str())
    .bind(t.allowed_ips)
    .bind(now())
    .bind(t.expires_at)
    .execute(db)
    .await?;
    Ok(id)
}

pub async fn list_for_user(db: &Db, user_id: &str) -> Result<Vec<TokenRow>, sqlx::Error> {
    sqlx::query_as(select_tokens!(
        "WHERE user_id = $1 ORDER BY created_at DESC, name"
    ))
    .bind(user_id)
    .fetch_all(db)
    .await
}

/// A token with its owner's username.
#[derive(sqlx::FromRow)]
struct Owned {
    #[sqlx(flatten)]
    token: TokenRow,
    owner: String,
}

/// Which credentials an administrator lists: owners whose username matches
/// the `LIKE` pattern `owner` (empty: all), expired ones (at `now`), or
/// unused since `idle_since` (as far as the database knows).
#[derive(Clone, Debug, Default)]
pub struct OwnedFilter<'a> {
    pub owner: &'a str,
    pub expired_at: Option<i64>,
    pub idle_since: Option<i64>,
}

/// Where the next page starts: after the credential created at `.0` with id `.1`.
pub type Cursor<'a> = Option<(i64, &'a str)>;

/// Adds `f`, the cursor and the order (newest first) to a select whose
/// credentials are `t` and their owners `u`.
fn owned_page(q: &mut Select, f: &OwnedFilter<'_>, after: Cursor<'_>, limit: i64) {
    if !f.owner.is_empty() {
        q.and(
            " AND lower(u.username) LIKE ? ESCAPE '\\'",
            [f.owner.into()],
        );
    }
    if let Some(now) = f.expired_at {
        q.and(
            " AND t.expires_at IS NOT NULL AND t.expires_at <= ?",
            [now.into()],
        );
    }
    if let Some(since) = f.idle_since {
        q.and(
            " AND COALESCE(t.last_used_at, t.created_at) < ?",
            [since.into()],
        );
    }
    if let Some((created, id)) = after {
        q.and(
            " AND t.created_at <= ? AND (t.created_at < ? OR t.id < ?)",
            [created.into(), created.into(), id.into()],
        );
    }
    q.push(" ORDER BY t.created_at DESC, t.id DESC LIMIT ?")
        .with(limit);
}

/// A page of every user's tokens with their owners' usernames
/// (administrators), newest first.
pub async fn list_all(
    db: &Db,
    f: &OwnedFilter<'_>,
    after: Cursor<'_>,
    limit: i64,
) -> Result<Vec<(TokenRow, String)>, sqlx::Error> {
    let mut q = Select::new(
        "SELECT t.id, t.user_id, t.name, t.shown, t.scope, t.allowed_ips, t.created_at, \
         t.expires_at, t.last_used_at, t.last_used_ip, COALESCE(u.username, '') AS owner \
         FROM api_tokens t LEFT JOIN users u ON u.id = t.user_id WHERE 1 = 1",
    );
    owned_page(&mut q, f, after, limit);
    let rows: Vec<Owned> = q.fetch_all(db).await?;
    Ok(rows.into_iter().map(|r| (r.token, r.owner)).collect())
}

pub async fn find(db: &Db, id: &str) -> Result<Option<TokenRow>, sqlx::Error> {
    sqlx::query_as(select_tokens!("WHERE id = $1"))
        .bind(id)
        .fetch_optional(db)
        .await
}

/// The token with this digest (one index probe per API request).
pub async fn find_by_digest(db: &Db, digest: &str) -> Result<Option<TokenRow>, sqlx::Error> {
    sqlx::query_as(select_tokens!("WHERE digest = $1"))
        .bind(digest)
        .fetch_optional(db)
        .await
}

/// New secret and fresh expiry for one of the user's tokens; false when it is not theirs.
pub async fn replace_secret(
    db: &Db,
    user_id: &str,
    id: &str,
    shown: &str,
    digest: &str,
    expires_at: i64,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE api_tokens SET shown = $1, digest = $2, expires_at = $3, created_at = $4, \
         last_used_at = NULL, last_used_ip = '' WHERE id = $5 AND user_id = $6",
    )
    .bind(shown)
    .bind(digest)
    .bind(expires_at)
    .bind(now())
    .bind(id)
    .bind(user_id)
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Deletes one of the user's tokens (or, with `user_id` None, anyone's: admins).
pub async fn delete(db: &Db, user_id: Option<&str>, id: &str) -> Result<bool, sqlx::Error> {
    let done = match user_id {
        Some(u) => {
            sqlx::query("DELETE FROM api_tokens WHERE id = $1 AND user_id = $2")
                .bind(id)
                .bind(u)
                .execute(db)
                .await?
        }
        None => {
            sqlx::query("DELETE FROM api_tokens WHERE id = $1")
                .bind(id)
                .execute(db)
                .await?
        }
    };
    Ok(done.rows_affected() == 1)
}

/// Writes one "last used" mark (the coalesced flush); false when the row was
/// not changed: the credential is gone, or the mark is older than what the row
/// has.
pub async fn mark_used(
    db: &Db,
    table_is_tokens: bool,
    id: &str,
    at: i64,
    ip: &str,
) -> Result<bool, sqlx::Error> {
    // Never back in time: another server (or this one's shutdown flush beside
    // its periodic one) may have written a newer use first; and a token's
    // regenerated secret is not shown as used before it was made (a use of
    // the old secret noted by a server that wrote it late).
    let q = if table_is_tokens {
        sqlx::query(
            "UPDATE api_tokens SET last_used_at = $1, last_used_ip = $2 \
             WHERE id = $3 AND (last_used_at IS NULL OR last_used_at <= $1) AND created_at <= $1",
        )
    } else {
        sqlx::query(
            "UPDATE app_passwords SET last_used_at = $1, last_used_ip = $2 \
             WHERE id = $3 AND (last_used_at IS NULL OR last_used_at <= $1)",
        )
    };
    let done = q.bind(at).bind(ip).bind(id).execute(db).await?;
    Ok(done.rows_affected() == 1)
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct AppPasswordRow {
    pub id: String,
    #[sqlx(try_from = "String")]
    pub user_id: super::UserId,
    pub name: String,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
    pub last_used_ip: String,
}

pub async fn insert_app_password(
    db: &Db,
    user_id: &str,
    name: &str,
    digest: &str,
) -> Result<String, sqlx::Error> {
    let id = new_id();
    sqlx::query(
        "INSERT INTO app_passwords (id, user_id, name, digest, created_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(&id)
    .bind(user_id)
    .bind(name)
    .bind(digest)
    .bind(now())
    .execute(db)
    .await?;
    Ok(id)
}

pub async fn list_app_passwords(
    db: &Db,
    user_id: &str,
) -> Result<Vec<AppPasswordRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, user_id, name, created_at, last_used_at, last_used_ip FROM app_passwords \
         WHERE user_id = $1 ORDER BY created_at DESC, name",
    )
    .bind(user_id)
    .fetch_all(db)
    .await
}

/// The user's app password with this digest.
/// The app password of the account named `username` (case-insensitive) whose
/// digest is `digest`: one query whether or not the account exists.
pub async fn find_app_password_of(
    db: &Db,
    username: &str,
    digest: &str,
) -> Result<Option<AppPasswordRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT a.id, a.user_id, a.name, a.created_at, a.last_used_at, a.last_used_ip \
         FROM app_passwords a JOIN users u ON u.id = a.user_id \
         WHERE a.digest = $1 AND LOWER(u.username) = LOWER($2)",
    )
    .bind(digest)
    .bind(username)
    .fetch_optional(db)
    .await
}

/// An app password with its owner's username.
#[derive(sqlx::FromRow)]
struct OwnedAppPassword {
    #[sqlx(flatten)]
    row: AppPasswordRow,
    owner: String,
}

/// A page of every user's app passwords with their owners' usernames
/// (administrators), newest first. App passwords never expire: asked for
/// expired ones, there are none.
pub async fn list_all_app_passwords(
    db: &Db,
    f: &OwnedFilter<'_>,
    after: Cursor<'_>,
    limit: i64,
) -> Result<Vec<(AppPasswordRow, String)>, sqlx::Error> {
    if f.expired_at.is_some() {
        return Ok(Vec::new());
    }
    let mut q = Select::new(
        "SELECT t.id, t.user_id, t.name, t.created_at, t.last_used_at, t.last_used_ip, \
         COALESCE(u.username, '') AS owner \
         FROM app_passwords t LEFT JOIN users u ON u.id = t.user_id WHERE 1 = 1",
    );
    owned_page(&mut q, f, after, limit);
    let rows: Vec<OwnedAppPassword> = q.fetch_all(db).await?;
    Ok(rows.into_iter().map(|r| (r.row, r.owner)).collect())
}

/// The app password `id`, whoever's it is.
pub async fn find_app_password(db: &Db, id: &str) -> Result<Option<AppPasswordRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, user_id, name, created_at, last_used_at, last_used_ip FROM app_passwords \
         WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(db)
    .await
}

pub async fn delete_app_password(db: &Db, user_id: &str, id: &str) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("DELETE FROM app_passwords WHERE id = $1 AND user_id = $2")
        .bind(id)
        .bind(user_id)
        .execute(db)
        .await?;
    Ok(done.rows_affected() == 1)
}
