//! The administrator's user list over the `users` table: filters, three
//! sort orders and keyset paging.

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
    /// A new address waiting for its confirmation link (empty: none).
    pub pending_email: String,
}

/// `SELECT` of the admin list with its filters, then the sort's keyset and
/// order (three literal queries: sqlx takes only literal SQL).
macro_rules! list_users {
    ($keyset:literal, $order:literal) => {
        concat!(
            "SELECT u.id, u.username, u.email, u.role, u.source, u.password_hash, u.first_name, u.last_name, ",
            "u.display_name, u.disabled, u.created_at, u.updated_at, u.contact_person, u.phone, u.time_zone, ",
            "u.recovery_email, u.avatar_version, u.language, u.must_change_password, u.last_sign_in_at, ",
            "CAST(CASE WHEN EXISTS (SELECT 1 FROM totp t WHERE t.user_id = u.id AND t.enabled = 1) ",
            "THEN 1 ELSE 0 END AS BIGINT) AS two_factor, ",
            "COALESCE((SELECT e.new_email FROM email_tokens e WHERE e.user_id = u.id ",
            "AND e.purpose = 'email_change' AND e.used_at IS NULL AND e.expires_at > $9 ",
            "ORDER BY e.created_at DESC LIMIT 1), '') AS pending_email FROM users u ",
            "WHERE ($1 = '' OR lower(u.username) LIKE $1 ESCAPE '\\' OR lower(u.email) LIKE $1 ESCAPE '\\' ",
            "OR lower(u.display_name) LIKE $1 ESCAPE '\\' ",
            "OR lower(u.first_name || ' ' || u.last_name) LIKE $1 ESCAPE '\\') ",
            "AND ($2 = '' OR u.role = $2) ",
            "AND ($3 = '' OR ($3 = 'disabled' AND u.disabled = 1) OR ($3 = 'active' AND u.disabled = 0)) ",
            "AND ($4 = '' OR ($4 = 'on' AND EXISTS (SELECT 1 FROM totp t WHERE t.user_id = u.id AND t.enabled = 1)) ",
            "OR ($4 = 'off' AND NOT EXISTS (SELECT 1 FROM totp t WHERE t.user_id = u.id AND t.enabled = 1))) ",
            "AND ($5 = '' OR u.source = $5) AND ",
            $keyset,
            " ORDER BY ",
            $order,
            " LIMIT $8"
        )
    };
}

/// Where a page of the list starts: after the last row shown (its sort key
/// and id), or at the top.
#[derive(Clone, Debug)]
pub enum After {
    Start,
    Name(String, String),
    Created(i64, String),
    LastSignIn(i64, String),
}

/// One page of the admin's user list (keyset paging: page 1,000 costs what
/// page 1 does). Sorted by username (A→Z), newest first, or most recent
/// sign-in first (never signed in last).
pub async fn search(
    db: &Db,
    f: &UserFilter<'_>,
    sort: &str,
    after: &After,
    limit: i64,
) -> Result<Vec<Listed>, sqlx::Error> {
    let query = match sort {
        "created" => sqlx::query_as(list_users!(
            "($6 = '' OR u.created_at < CAST($7 AS BIGINT) OR (u.created_at = CAST($7 AS BIGINT) AND u.id < $6))",
            "u.created_at DESC, u.id DESC"
        )),
        "last_sign_in" => sqlx::query_as(list_users!(
            "($6 = '' OR COALESCE(u.last_sign_in_at, 0) < CAST($7 AS BIGINT) \
             OR (COALESCE(u.last_sign_in_at, 0) = CAST($7 AS BIGINT) AND u.id < $6))",
            "COALESCE(u.last_sign_in_at, 0) DESC, u.id DESC"
        )),
        _ => sqlx::query_as(list_users!(
            "($6 = '' OR lower(u.username) > $7 OR (lower(u.username) = $7 AND u.id > $6))",
            "lower(u.username) ASC, u.id ASC"
        )),
    };
    let (id, key) = match after {
        After::Start => (String::new(), String::new()),
        After::Name(name, id) => (id.clone(), name.clone()),
        After::Created(t, id) | After::LastSignIn(t, id) => (id.clone(), t.to_string()),
    };
    // `$7` is text for the name sort and a number for the others: bound as
    // text, cast in SQL; a first page binds "0" so the cast never fails.
    let key = if key.is_empty() && sort != "name" {
        "0".to_string()
    } else {
        key
    };
    query
        .bind(f.q)
        .bind(f.role)
        .bind(f.state)
        .bind(f.two_factor)
        .bind(f.source)
        .bind(id)
        .bind(key)
        .bind(limit)
        .bind(super::now())
        .fetch_all(db)
        .await
}
