//! The administrator's user list over the `users` table: filters, three
//! sort orders and keyset paging.

use super::select::Select;
use super::users::UserRow;
use super::Db;

/// What an administrator's user list is narrowed to; empty strings match all.
#[derive(Clone, Debug, Default)]
pub struct UserFilter<'a> {
    /// Substring of username, email or name, lowercase, `%`/`_` escaped.
    pub q: &'a str,
    pub role: &'a str,
    /// `active` or `disabled`.
    pub state: &'a str,
    /// `on` or `off`.
    pub two_factor: &'a str,
    pub source: &'a str,
}

/// A user as the admin list shows them.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Listed {
    #[sqlx(flatten)]
    pub user: UserRow,
    pub last_sign_in_at: Option<i64>,
    pub two_factor: i64,
    /// Passkeys and security keys registered.
    pub passkeys: i64,
    /// A new address waiting for its confirmation link (empty: none).
    pub pending_email: String,
}

/// The admin list's columns; its conditions follow (see [`search`]).
const LIST_USERS: &str = "SELECT u.id, u.username, u.email, u.role, u.source, u.password_hash, u.first_name, \
     u.last_name, u.display_name, u.disabled, u.created_at, u.updated_at, u.contact_person, u.phone, \
     u.time_zone, u.recovery_email, u.avatar_version, u.language, u.must_change_password, u.last_sign_in_at, \
     CAST(CASE WHEN EXISTS (SELECT 1 FROM totp t WHERE t.user_id = u.id AND t.enabled = 1) \
     OR EXISTS (SELECT 1 FROM passkeys p WHERE p.user_id = u.id) \
     THEN 1 ELSE 0 END AS BIGINT) AS two_factor, \
     (SELECT COUNT(*) FROM passkeys p WHERE p.user_id = u.id) AS passkeys, \
     COALESCE((SELECT e.new_email FROM email_tokens e WHERE e.user_id = u.id \
     AND e.purpose = 'email_change' AND e.used_at IS NULL AND e.expires_at > ? \
     ORDER BY e.created_at DESC LIMIT 1), '') AS pending_email FROM users u WHERE 1 = 1";

/// Where a page of the list starts: after the last row shown (its sort key
/// and id), or at the top.
#[derive(Clone, Debug)]
pub enum After {
    Start,
    /// After this (lowercase) username: usernames are unique whatever their case.
    Name(String),
    Created(i64, String),
    LastSignIn(i64, String),
}

/// One page of the admin's user list (keyset paging: page 1,000 costs what
/// page 1 does). Sorted by username (A→Z), newest first, or most recent
/// sign-in first (never signed in last).
///
/// Only the filters given become conditions, and each sort seeks its own
/// index (`20261202000002_admin_lists.sql`): the name sort walks
/// `users_search_idx`, whose columns are the searched ones, so a substring
/// search reads the index alone and fetches only the rows that match. The
/// order names `lower(email)` after the (unique) username only so that SQLite
/// picks that index over the narrower unique one.
pub async fn search(
    db: &Db,
    f: &UserFilter<'_>,
    sort: &str,
    after: &After,
    limit: i64,
) -> Result<Vec<Listed>, sqlx::Error> {
    let mut q = Select::new(LIST_USERS);
    q.with(super::now());
    if !f.q.is_empty() {
        q.and(
            " AND (lower(u.username) LIKE ? ESCAPE '\\' OR lower(u.email) LIKE ? ESCAPE '\\' \
             OR lower(u.display_name) LIKE ? ESCAPE '\\' \
             OR lower(u.first_name || ' ' || u.last_name) LIKE ? ESCAPE '\\')",
            [f.q.into(), f.q.into(), f.q.into(), f.q.into()],
        );
    }
    if !f.role.is_empty() {
        q.and(" AND u.role = ?", [f.role.into()]);
    }
    match f.state {
        "disabled" => q.push(" AND u.disabled = 1"),
        "active" => q.push(" AND u.disabled = 0"),
        _ => &mut q,
    };
    const TWO_FACTOR: &str =
        "(EXISTS (SELECT 1 FROM totp t WHERE t.user_id = u.id AND t.enabled = 1) \
         OR EXISTS (SELECT 1 FROM passkeys p WHERE p.user_id = u.id))";
    match f.two_factor {
        "on" => q.push(" AND ").push(TWO_FACTOR),
        "off" => q.push(" AND NOT ").push(TWO_FACTOR),
        _ => &mut q,
    };
    if !f.source.is_empty() {
        q.and(" AND u.source = ?", [f.source.into()]);
    }
    // A key and id `(k, i)` after which the page starts, written so that the
    // database seeks the index on `k` (a row-value or `OR` form scans it).
    match (sort, after) {
        ("created", After::Created(key, id)) => q.and(
            " AND u.created_at <= ? AND (u.created_at < ? OR u.id < ?)",
            [(*key).into(), (*key).into(), id.as_str().into()],
        ),
        ("last_sign_in", After::LastSignIn(key, id)) => q.and(
            " AND COALESCE(u.last_sign_in_at, 0) <= ? \
             AND (COALESCE(u.last_sign_in_at, 0) < ? OR u.id < ?)",
            [(*key).into(), (*key).into(), id.as_str().into()],
        ),
        ("name", After::Name(name)) => q.and(" AND lower(u.username) > ?", [name.as_str().into()]),
        _ => &mut q,
    };
    q.push(match sort {
        "created" => " ORDER BY u.created_at DESC, u.id DESC",
        "last_sign_in" => " ORDER BY COALESCE(u.last_sign_in_at, 0) DESC, u.id DESC",
        _ => " ORDER BY lower(u.username), lower(u.email)",
    });
    q.push(" LIMIT ?").with(limit);
    q.fetch_all(db).await
}
