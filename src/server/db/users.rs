//! The `users` table.

use super::{new_id, now, Db};
use crate::model::{AccountSource, CurrentUser, Role};

/// `SELECT <every column> FROM users <rest>` as one literal (sqlx accepts only
/// literal SQL, which keeps injection out by construction).
macro_rules! select_users {
    ($rest:literal) => {
        $crate::server::db::users::select_users!(extra "", $rest)
    };
    // `extra`: more columns, before the user's (each followed by ", ").
    (extra $extra:literal, $rest:literal) => {
        concat!(
            "SELECT ",
            $extra,
            "id, username, email, role, source, password_hash, first_name, last_name, ",
            "display_name, disabled, created_at, updated_at, contact_person, phone, time_zone, ",
            "recovery_email, avatar_version, language, must_change_password FROM users ",
            $rest
        )
    };
}
pub(crate) use select_users;

/// One account. `Debug` leaves out the password hash (rows end up in `Auth`,
/// `RequestCtx` and `Caller`, which are easy to log by accident).
#[derive(Clone, sqlx::FromRow)]
pub struct UserRow {
    #[sqlx(try_from = "String")]
    pub id: super::UserId,
    pub username: String,
    pub email: String,
    #[sqlx(try_from = "String")]
    pub role: Role,
    #[sqlx(try_from = "String")]
    pub source: AccountSource,
    pub password_hash: Option<String>,
    pub first_name: String,
    pub last_name: String,
    pub display_name: String,
    /// 0 or 1 (see the migration).
    pub disabled: i64,
    pub created_at: i64,
    pub updated_at: i64,
    pub contact_person: String,
    /// E.164 ("+4930123456") or empty.
    pub phone: String,
    /// IANA name, e.g. "Europe/Berlin".
    pub time_zone: String,
    /// Where reset links go; empty means the primary address.
    pub recovery_email: String,
    /// Part of the avatar URL; empty when there is no avatar.
    pub avatar_version: String,
    /// "en", "de", or empty for the workspace default.
    pub language: String,
    /// 0 or 1: the password was generated and shown; a new one comes first.
    pub must_change_password: i64,
}

impl std::fmt::Debug for UserRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UserRow")
            .field("id", &self.id)
            .field("username", &self.username)
            .field("role", &self.role)
            .field("source", &self.source)
            .field("disabled", &self.disabled)
            .finish_non_exhaustive()
    }
}

impl UserRow {
    pub fn is_disabled(&self) -> bool {
        self.disabled != 0
    }

    pub fn must_change_password(&self) -> bool {
        self.must_change_password != 0
    }

    pub fn role(&self) -> Role {
        self.role
    }

    pub fn to_current(&self) -> CurrentUser {
        CurrentUser {
            id: self.id.to_string(),
            username: self.username.clone(),
            email: self.email.clone(),
            role: self.role(),
            source: self.source,
            first_name: self.first_name.clone(),
            last_name: self.last_name.clone(),
            display_name: self.display_name.clone(),
            identity_locked: None,
            contact_person: self.contact_person.clone(),
            phone: self.phone.clone(),
            phone_display: crate::server::infra::phone::display(&self.phone),
            time_zone: self.time_zone.clone(),
            recovery_email: self.recovery_email.clone(),
            avatar_url: (!self.avatar_version.is_empty())
                .then(|| format!("/avatars/{}/{}.png", self.id, self.avatar_version)),
            pending_email: None,
            language: self.language.clone(),
            default_language: String::new(),
            two_factor_enabled: false,
            two_factor_required: false,
            password_min_length: crate::validate::MIN_PASSWORD,
            pending_recovery_email: None,
            must_change_password: self.must_change_password(),
        }
    }
}

pub struct NewUser<'a> {
    pub username: &'a str,
    pub email: &'a str,
    pub role: Role,
    pub source: AccountSource,
    pub password_hash: Option<&'a str>,
}

/// Inserts a user; a duplicate username or email surfaces as a unique violation.
pub async fn insert(db: &Db, u: &NewUser<'_>) -> Result<UserRow, sqlx::Error> {
    let id = new_id();
    let t = now();
    sqlx::query(
        "INSERT INTO users (id, username, email, role, source, password_hash, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $7)",
    )
    .bind(&id)
    .bind(u.username)
    .bind(u.email)
    .bind(u.role.as_str())
    .bind(u.source.as_str())
    .bind(u.password_hash)
    .bind(t)
    .execute(db)
    .await?;
    find_by_id(db, &id).await?.ok_or(sqlx::Error::RowNotFound)
}

pub async fn find_by_id(db: &Db, id: &str) -> Result<Option<UserRow>, sqlx::Error> {
    sqlx::query_as(select_users!("WHERE id = $1"))
        .bind(id)
        .fetch_optional(db)
        .await
}

pub async fn find_by_username(db: &Db, username: &str) -> Result<Option<UserRow>, sqlx::Error> {
    sqlx::query_as(select_users!("WHERE lower(username) = lower($1)"))
        .bind(username)
        .fetch_optional(db)
        .await
}

/// Sign-in accepts the username or the email address; both are unique case-insensitively.
pub async fn find_by_login(db: &Db, login: &str) -> Result<Option<UserRow>, sqlx::Error> {
    sqlx::query_as(select_users!(
        "WHERE lower(username) = lower($1) OR lower(email) = lower($1)"
    ))
    .bind(login)
    .fetch_optional(db)
    .await
}

pub async fn list(db: &Db) -> Result<Vec<UserRow>, sqlx::Error> {
    sqlx::query_as(select_users!("ORDER BY lower(username)"))
        .fetch_all(db)
        .await
}

pub async fn count_admins(db: &Db) -> Result<i64, sqlx::Error> {
    let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM users WHERE role = 'admin'")
        .fetch_one(db)
        .await?;
    Ok(n)
}

/// Replaces the hash by the same password hashed with the current cost, only
/// while `old` is still the stored one.
pub async fn upgrade_password_hash(
    db: &Db,
    id: &str,
    old: &str,
    new: &str,
) -> Result<bool, sqlx::Error> {
    let done =
        sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2 AND password_hash = $3")
            .bind(new)
            .bind(id)
            .bind(old)
            .execute(db)
            .await?;
    Ok(done.rows_affected() == 1)
}

/// Marks the account's password as one to replace before anything else.
pub async fn require_password_change(db: &Db, id: &str) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE users SET must_change_password = 1 WHERE id = $1")
        .bind(id)
        .execute(db)
        .await
        .map(|_| ())
}

pub async fn set_password_hash<'e, E>(db: E, id: &str, hash: &str) -> Result<(), sqlx::Error>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    // A password set by its owner is never one that must be changed.
    sqlx::query(
        "UPDATE users SET password_hash = $1, updated_at = $2, must_change_password = 0 WHERE id = $3",
    )
        .bind(hash)
        .bind(now())
        .bind(id)
        .execute(db)
        .await
        .map(|_| ())
}

pub struct Names<'a> {
    pub first_name: &'a str,
    pub last_name: &'a str,
    pub display_name: &'a str,
}

/// Updates the name fields; returns false when the user no longer exists.
pub async fn update_names<'e, E>(db: E, id: &str, n: &Names<'_>) -> Result<bool, sqlx::Error>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let done = sqlx::query(
        "UPDATE users SET first_name = $1, last_name = $2, display_name = $3, updated_at = $4 WHERE id = $5",
    )
    .bind(n.first_name)
    .bind(n.last_name)
    .bind(n.display_name)
    .bind(now())
    .bind(id)
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Saves contact person and phone (already validated, phone in E.164 or empty).
pub async fn update_contact(
    db: &Db,
    id: &str,
    contact_person: &str,
    phone: &str,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE users SET contact_person = $1, phone = $2, updated_at = $3 WHERE id = $4",
    )
    .bind(contact_person)
    .bind(phone)
    .bind(now())
    .bind(id)
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Sets the primary email address (after its confirmation link was used).
pub async fn update_email<'e, E>(db: E, id: &str, email: &str) -> Result<(), sqlx::Error>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    sqlx::query("UPDATE users SET email = $1, updated_at = $2 WHERE id = $3")
        .bind(email)
        .bind(now())
        .bind(id)
        .execute(db)
        .await
        .map(|_| ())
}

pub async fn update_recovery_email<'e, E>(db: E, id: &str, email: &str) -> Result<(), sqlx::Error>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    sqlx::query("UPDATE users SET recovery_email = $1, updated_at = $2 WHERE id = $3")
        .bind(email)
        .bind(now())
        .bind(id)
        .execute(db)
        .await
        .map(|_| ())
}

/// Saves the time zone (an IANA name already checked against the list).
pub async fn update_time_zone(db: &Db, id: &str, time_zone: &str) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("UPDATE users SET time_zone = $1, updated_at = $2 WHERE id = $3")
        .bind(time_zone)
        .bind(now())
        .bind(id)
        .execute(db)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Every editable profile field at once (the REST API's PATCH): one statement,
/// so a change is applied whole or not at all. Values are already validated.
pub struct Profile<'a> {
    pub first_name: &'a str,
    pub last_name: &'a str,
    pub display_name: &'a str,
    pub contact_person: &'a str,
    pub phone: &'a str,
    pub time_zone: &'a str,
    pub language: &'a str,
}

pub async fn update_profile(db: &Db, id: &str, p: &Profile<'_>) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE users SET first_name = $1, last_name = $2, display_name = $3, contact_person = $4, \
         phone = $5, time_zone = $6, language = $7, updated_at = $8 WHERE id = $9",
    )
    .bind(p.first_name)
    .bind(p.last_name)
    .bind(p.display_name)
    .bind(p.contact_person)
    .bind(p.phone)
    .bind(p.time_zone)
    .bind(p.language)
    .bind(now())
    .bind(id)
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Saves the interface language ("" for the workspace default), already validated.
pub async fn update_language(db: &Db, id: &str, language: &str) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("UPDATE users SET language = $1, updated_at = $2 WHERE id = $3")
        .bind(language)
        .bind(now())
        .bind(id)
        .execute(db)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// True when `e` is a violation of a unique index (duplicate username or email).
pub fn is_unique_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(d) if d.is_unique_violation())
}

/// Records that `user_id` signed in from `device` (a digest of browser, system
/// and address). Returns (new device, first device ever).
pub async fn remember_device(
    db: &Db,
    user_id: &str,
    device: &str,
) -> Result<(bool, bool), sqlx::Error> {
    let mut tx = db.begin().await?;
    let before: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM known_devices WHERE user_id = $1")
        .bind(user_id)
        .fetch_one(&mut *tx)
        .await?;
    let inserted = sqlx::query(
        "INSERT INTO known_devices (user_id, device, first_seen) VALUES ($1, $2, $3) \
         ON CONFLICT (user_id, device) DO NOTHING",
    )
    .bind(user_id)
    .bind(device)
    .bind(now())
    .execute(&mut *tx)
    .await?
    .rows_affected()
        == 1;
    tx.commit().await?;
    Ok((inserted, before == 0))
}

/// Notes a successful sign-in (for the admin list's "last sign-in").
pub async fn record_sign_in(db: &Db, id: &str) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE users SET last_sign_in_at = $1 WHERE id = $2")
        .bind(now())
        .bind(id)
        .execute(db)
        .await
        .map(|_| ())
}

/// On PostgreSQL, inside `tx`: waits for (and holds) every active
/// administrator's row, so two transactions that each take one away run one
/// after the other and the second sees the first's result. (SQLite runs one
/// writer at a time anyway.)
pub async fn lock_admins(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    on_postgres: bool,
) -> Result<(), sqlx::Error> {
    if on_postgres {
        sqlx::query(
            "SELECT id FROM users WHERE role = 'admin' AND disabled = 0 ORDER BY id FOR UPDATE",
        )
        .fetch_all(&mut **tx)
        .await?;
    }
    Ok(())
}

/// Inside `tx`: waits for (and holds) the account's row, so two transactions
/// that each check and change its second factors (TOTP on or off, recovery
/// codes, adding or removing a passkey, an administrator's reset) run one
/// after the other and the second sees the first's result. A write that
/// changes nothing: on PostgreSQL it locks the row, on SQLite it takes the
/// database's one write lock before anything is read. An account that is gone
/// is `RowNotFound`.
pub async fn lock_user(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    id: &str,
) -> Result<(), sqlx::Error> {
    let done = sqlx::query("UPDATE users SET updated_at = updated_at WHERE id = $1")
        .bind(id)
        .execute(&mut **tx)
        .await?;
    if done.rows_affected() == 1 {
        Ok(())
    } else {
        Err(sqlx::Error::RowNotFound)
    }
}

/// Changes an account's role, unless that takes away the last active
/// administrator (one statement: the check and the change cannot be split).
/// False when nothing changed.
pub async fn set_role<'e, E>(db: E, id: &str, role: &str) -> Result<bool, sqlx::Error>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    sqlx::query(
        "UPDATE users SET role = $1, updated_at = $2 WHERE id = $3 AND ($1 = 'admin' \
         OR EXISTS (SELECT 1 FROM users o WHERE o.role = 'admin' AND o.disabled = 0 AND o.id <> $3))",
    )
    .bind(role)
    .bind(now())
    .bind(id)
    .execute(db)
    .await
    .map(|r| r.rows_affected() == 1)
}

/// Disables or enables an account, unless disabling takes away the last
/// active administrator (one statement). False when nothing changed.
pub async fn set_disabled<'e, E>(db: E, id: &str, disabled: bool) -> Result<bool, sqlx::Error>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    sqlx::query(
        "UPDATE users SET disabled = $1, updated_at = $2 WHERE id = $3 AND ($1 = 0 OR role <> 'admin' \
         OR EXISTS (SELECT 1 FROM users o WHERE o.role = 'admin' AND o.disabled = 0 AND o.id <> $3))",
    )
    .bind(i64::from(disabled))
    .bind(now())
    .bind(id)
    .execute(db)
    .await
    .map(|r| r.rows_affected() == 1)
}

/// Administrators who can still sign in.
pub async fn count_active_admins(db: &Db) -> Result<i64, sqlx::Error> {
    let (n,): (i64,) =
        sqlx::query_as("SELECT COUNT(*) FROM users WHERE role = 'admin' AND disabled = 0")
            .fetch_one(db)
            .await?;
    Ok(n)
}
