//! The `sessions` table. Ids arrive here already hashed.

use super::users::UserRow;
use super::{new_id, now, Db};

pub struct NewSession<'a> {
    pub id_hash: &'a str,
    pub user_id: &'a str,
    pub expires_at: i64,
    pub ip: &'a str,
    pub user_agent: &'a str,
    /// The password hash the sign-in was checked against: the session is only
    /// opened while it is still the account's (None: accounts without one).
    pub password_hash: Option<&'a str>,
}

/// Opens a session; false (nothing written) when the account's password hash
/// is no longer the one the sign-in was checked against (a reset or change
/// committed while the password was being checked).
pub async fn insert(db: &Db, s: &NewSession<'_>) -> Result<bool, sqlx::Error> {
    let t = now();
    let done = sqlx::query(
        "INSERT INTO sessions (id_hash, public_id, user_id, created_at, last_seen_at, expires_at, ip, user_agent, sudo_at) \
         SELECT $1, $2, $3, $4, $4, $5, $6, $7, $4 FROM users \
         WHERE id = $3 AND COALESCE(password_hash, '') = COALESCE(CAST($8 AS TEXT), '')",
    )
    .bind(s.id_hash)
    .bind(new_id())
    .bind(s.user_id)
    .bind(t)
    .bind(s.expires_at)
    .bind(s.ip)
    .bind(s.user_agent)
    .bind(s.password_hash)
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct SessionRow {
    pub id_hash: String,
    pub public_id: String,
    #[sqlx(try_from = "String")]
    pub user_id: super::UserId,
    pub created_at: i64,
    pub last_seen_at: i64,
    pub expires_at: i64,
    pub ip: String,
    pub user_agent: String,
    /// When the password was last entered in this session (sign-in counts).
    pub sudo_at: i64,
}

/// Every live session of a user, most recently used first.
pub async fn list_live_for_user(
    db: &Db,
    user_id: &str,
    idle_timeout_secs: i64,
) -> Result<Vec<SessionRow>, sqlx::Error> {
    let t = now();
    sqlx::query_as(
        "SELECT id_hash, public_id, user_id, created_at, last_seen_at, expires_at, ip, user_agent, sudo_at \
         FROM sessions WHERE user_id = $1 AND expires_at > $2 AND last_seen_at > $3 \
         ORDER BY last_seen_at DESC",
    )
    .bind(user_id)
    .bind(t)
    .bind(t - idle_timeout_secs)
    .fetch_all(db)
    .await
}

/// Ends one session of `user_id` by its public id; false when the user has no
/// such session (someone else's id changes nothing).
pub async fn delete_by_public_id(
    db: &Db,
    user_id: &str,
    public_id: &str,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("DELETE FROM sessions WHERE public_id = $1 AND user_id = $2")
        .bind(public_id)
        .bind(user_id)
        .execute(db)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// A session that is still within both timeouts, as a request needs it.
#[derive(Clone, Debug)]
pub struct Live {
    pub public_id: String,
    pub last_seen_at: i64,
    pub sudo_at: i64,
    pub user: UserRow,
    /// The user has two-factor authentication on.
    pub two_factor_enabled: bool,
    /// Changes whenever anything the account's pages show changes (see
    /// `db::page_version`).
    pub page_version: i64,
    /// Changes whenever the workspace settings change (`workspace::Cached`);
    /// -1 when its row is missing.
    pub settings_version: i64,
}

#[derive(sqlx::FromRow)]
struct LiveRow {
    s_public_id: String,
    s_last_seen_at: i64,
    s_sudo_at: i64,
    two_factor: i64,
    page_version: i64,
    settings_version: i64,
    #[sqlx(flatten)]
    user: UserRow,
}

/// The session with this hash, its user and whether they have 2FA on, if the
/// session is still within both timeouts and the user is not disabled. One
/// query: every signed-in request starts here.
pub async fn find_live(
    db: &Db,
    id_hash: &str,
    idle_timeout_secs: i64,
) -> Result<Option<Live>, sqlx::Error> {
    let t = now();
    let row: Option<LiveRow> = sqlx::query_as(super::users::select_users!(
        extra "s_public_id, s_last_seen_at, s_sudo_at, \
         CAST(CASE WHEN EXISTS (SELECT 1 FROM totp \
           WHERE totp.user_id = users.id AND totp.enabled <> 0) \
           OR EXISTS (SELECT 1 FROM passkeys WHERE passkeys.user_id = users.id) \
           THEN 1 ELSE 0 END AS BIGINT) \
         AS two_factor, users.page_version AS page_version, \
         COALESCE((SELECT version FROM settings_version WHERE id = 1), -1) \
         AS settings_version, ",
        "JOIN (SELECT user_id AS s_user_id, public_id AS s_public_id, \
           last_seen_at AS s_last_seen_at, sudo_at AS s_sudo_at FROM sessions \
           WHERE id_hash = $1 AND expires_at > $2 AND last_seen_at > $3) s \
         ON s.s_user_id = users.id"
    ))
    .bind(id_hash)
    .bind(t)
    .bind(t - idle_timeout_secs)
    .fetch_optional(db)
    .await?;
    Ok(row.filter(|r| !r.user.is_disabled()).map(|r| Live {
        public_id: r.s_public_id,
        last_seen_at: r.s_last_seen_at,
        sudo_at: r.s_sudo_at,
        user: r.user,
        two_factor_enabled: r.two_factor != 0,
        page_version: r.page_version,
        settings_version: r.settings_version,
    }))
}

/// How stale a session's last use may get before a request records it again.
pub const TOUCH_EVERY_SECS: i64 = 60;

/// Whether a request on a session last used at `last_seen_at` should record
/// its use. Decided from the row the request already read, so a busy page asks
/// nothing of the database (an `UPDATE` that changes no row still takes
/// SQLite's write lock and serialises every page behind the writers).
pub fn needs_touch(last_seen_at: i64) -> bool {
    now() - last_seen_at > TOUCH_EVERY_SECS
}

/// Marks the session as used. Writes at most once a minute per session, so a busy
/// page does not turn every request into a database write.
pub async fn touch(db: &Db, id_hash: &str, ip: &str) -> Result<(), sqlx::Error> {
    let t = now();
    sqlx::query(
        "UPDATE sessions SET last_seen_at = $1, ip = $2 WHERE id_hash = $3 AND last_seen_at < $4",
    )
    .bind(t)
    .bind(ip)
    .bind(id_hash)
    .bind(t - TOUCH_EVERY_SECS)
    .execute(db)
    .await
    .map(|_| ())
}

/// Opens the sudo window of a session (the password was just entered).
/// Moves a session to a new id and opens sudo mode on it; false when the old
/// id no longer exists.
pub async fn renew_with_sudo(db: &Db, old_hash: &str, new_hash: &str) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("UPDATE sessions SET id_hash = $1, sudo_at = $2 WHERE id_hash = $3")
        .bind(new_hash)
        .bind(now())
        .bind(old_hash)
        .execute(db)
        .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn set_sudo(db: &Db, id_hash: &str) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE sessions SET sudo_at = $1 WHERE id_hash = $2")
        .bind(now())
        .bind(id_hash)
        .execute(db)
        .await
        .map(|_| ())
}

pub async fn delete(db: &Db, id_hash: &str) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM sessions WHERE id_hash = $1")
        .bind(id_hash)
        .execute(db)
        .await
        .map(|_| ())
}

/// Ends every session of `user_id` except `keep` (when given).
pub async fn delete_all_for_user<'e, E>(
    db: E,
    user_id: &str,
    keep: Option<&str>,
) -> Result<u64, sqlx::Error>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let done = sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND id_hash <> $2")
        .bind(user_id)
        .bind(keep.unwrap_or(""))
        .execute(db)
        .await?;
    Ok(done.rows_affected())
}

/// Removes sessions past their timeouts; run periodically.
pub async fn purge_expired(db: &Db, idle_timeout_secs: i64) -> Result<u64, sqlx::Error> {
    let t = now();
    let done = sqlx::query("DELETE FROM sessions WHERE expires_at <= $1 OR last_seen_at <= $2")
        .bind(t)
        .bind(t - idle_timeout_secs)
        .execute(db)
        .await?;
    Ok(done.rows_affected())
}
