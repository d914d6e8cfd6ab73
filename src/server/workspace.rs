//! Workspace settings an administrator controls, stored in the `settings` table.

use crate::error::AppError;
use crate::model::{AccountSource, CurrentUser};
use crate::server::db::{self, users::UserRow, Db};

/// Every setting with its description; `tessera settings` accepts only these.
pub const SETTINGS: &[(&str, &str)] = &[(
    "lock_profiles",
    "true/false: display name and email addresses become read-only for everyone",
)];

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Workspace {
    pub lock_profiles: bool,
}

pub async fn load(db: &Db) -> Result<Workspace, sqlx::Error> {
    Ok(Workspace {
        lock_profiles: db::settings::get(db, "lock_profiles").await?.as_deref() == Some("true"),
    })
}

/// Validates and stores one setting.
pub async fn set(db: &Db, key: &str, value: &str) -> Result<(), AppError> {
    if !SETTINGS.iter().any(|(k, _)| *k == key) {
        let known: Vec<&str> = SETTINGS.iter().map(|(k, _)| *k).collect();
        return Err(AppError::field(
            "key",
            format!("unknown setting; known: {}", known.join(", ")),
        ));
    }
    if !matches!(value, "true" | "false") {
        return Err(AppError::field("value", "must be true or false"));
    }
    db::settings::set(db, key, value).await?;
    Ok(())
}

/// Why the identity fields (display name, primary and recovery email) are
/// read-only for this user, if they are.
pub fn identity_lock(user: &UserRow, ws: &Workspace) -> Option<String> {
    if user.source == AccountSource::External.as_str() {
        Some("Managed by your organisation's directory.".into())
    } else if ws.lock_profiles {
        Some("Locked by your administrator.".into())
    } else {
        None
    }
}

/// Loads the user afresh (after a change) as the UI sees them.
pub async fn reload(db: &Db, user_id: &str) -> Result<CurrentUser, AppError> {
    let user = db::users::find_by_id(db, user_id)
        .await?
        .ok_or(AppError::NotFound)?;
    current_user(db, &user).await
}

/// The user as the UI sees them, with any lock explained.
pub async fn current_user(db: &Db, user: &UserRow) -> Result<CurrentUser, AppError> {
    let ws = load(db).await?;
    let mut current = user.to_current();
    current.identity_locked = identity_lock(user, &ws);
    current.pending_email = db::tokens::pending_email_change(db, &user.id).await?;
    Ok(current)
}
