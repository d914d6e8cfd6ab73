//! Workspace settings an administrator controls, stored in the `settings` table.

use crate::error::AppError;
use crate::lang::{self, Locale};
use crate::model::{AccountSource, CurrentUser, LockReason};
use crate::server::db::{self, users::UserRow, Db};
use crate::validate;

/// Every setting with its description; `tessera settings` accepts only these.
pub const SETTINGS: &[(&str, &str)] = &[
    (
        "lock_profiles",
        "true/false: display name and email addresses become read-only for everyone",
    ),
    (
        "default_language",
        "en/de: the interface language of users who chose none",
    ),
    (
        "two_factor_mandatory",
        "true/false: users without two-factor authentication must enrol before anything else",
    ),
    (
        "token_max_days",
        "1-3650: the longest expiry of personal API tokens (default 365)",
    ),
    (
        "directory_provides_2fa",
        "true/false: external accounts get 2FA from their directory and cannot enrol here",
    ),
    (
        "password_min_length",
        "8-128: the fewest characters a new password may have (default 8)",
    ),
];

/// The longest token expiry when the administrator set none.
pub const DEFAULT_TOKEN_MAX_DAYS: i64 = 365;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Workspace {
    pub lock_profiles: bool,
    /// The language of users who chose none (English unless an administrator set it).
    pub default_language: Locale,
    pub two_factor_mandatory: bool,
    pub directory_provides_2fa: bool,
    /// The fewest characters a new password may have (at least 8).
    pub password_min_length: usize,
    /// A digest of every stored setting, those above and the rest: a page kept
    /// for someone (`infra::page_cache`) is kept under it.
    pub stored: u64,
}

impl Default for Workspace {
    fn default() -> Self {
        Workspace {
            lock_profiles: false,
            default_language: Locale::default(),
            two_factor_mandatory: false,
            directory_provides_2fa: false,
            password_min_length: validate::MIN_PASSWORD,
            stored: 0,
        }
    }
}

/// The workspace settings, in one query (the context middleware reads them for
/// every request).
pub async fn load(db: &Db) -> Result<Workspace, sqlx::Error> {
    use std::hash::{Hash as _, Hasher as _};
    let mut ws = Workspace::default();
    let mut rows = db::settings::all(db).await?;
    rows.sort();
    let mut digest = std::collections::hash_map::DefaultHasher::new();
    rows.hash(&mut digest);
    ws.stored = digest.finish();
    for (key, value) in rows {
        let on = value == "true";
        match key.as_str() {
            "lock_profiles" => ws.lock_profiles = on,
            "default_language" => ws.default_language = lang::parse(&value).unwrap_or_default(),
            "two_factor_mandatory" => ws.two_factor_mandatory = on,
            "directory_provides_2fa" => ws.directory_provides_2fa = on,
            "password_min_length" => {
                ws.password_min_length = value
                    .parse::<usize>()
                    .unwrap_or(validate::MIN_PASSWORD)
                    .clamp(validate::MIN_PASSWORD, validate::MAX_MIN_PASSWORD);
            }
            _ => {}
        }
    }
    Ok(ws)
}

/// The workspace settings as this server last loaded them, with the
/// `settings_version` they were loaded at (see `db::page_version`). Every
/// signed-in request reads the version with its session, in the same query,
/// so the settings are loaded again after they changed, on any server; and
/// at least every [`CACHED_AT_MOST`] (a change that bypassed the triggers:
/// a restore with triggers off).
#[derive(Default)]
pub struct Cached(std::sync::Mutex<Option<(i64, std::time::Instant, Workspace)>>);

pub const CACHED_AT_MOST: std::time::Duration = std::time::Duration::from_secs(60);

impl Cached {
    /// The settings at `version`, loaded now unless they were kept at it. A
    /// negative version (its row is missing) always loads.
    pub async fn at(&self, db: &Db, version: i64) -> Result<Workspace, sqlx::Error> {
        if version >= 0 {
            if let Ok(kept) = self.0.lock() {
                let fresh = kept
                    .as_ref()
                    .filter(|(at, loaded, _)| *at == version && loaded.elapsed() < CACHED_AT_MOST);
                if let Some((_, _, ws)) = fresh {
                    return Ok(ws.clone());
                }
            }
        }
        // Loaded after the version was read: as new as it, or newer.
        let ws = load(db).await?;
        if version >= 0 {
            if let Ok(mut kept) = self.0.lock() {
                *kept = Some((version, std::time::Instant::now(), ws.clone()));
            }
        }
        Ok(ws)
    }
}

/// The fewest characters a new password may have.
pub async fn password_min_length(db: &Db) -> Result<usize, sqlx::Error> {
    Ok(load(db).await?.password_min_length)
}

/// The longest expiry of a personal API token, in days.
pub async fn token_max_days(db: &Db) -> Result<i64, sqlx::Error> {
    Ok(db::settings::get(db, "token_max_days")
        .await?
        .and_then(|v| v.parse().ok())
        .filter(|d| *d >= 1)
        .unwrap_or(DEFAULT_TOKEN_MAX_DAYS))
}

/// Every setting in [`SETTINGS`] with its value in force (defaults filled in)
/// and what it does.
pub async fn current_values(
    db: &Db,
) -> Result<Vec<(&'static str, String, &'static str)>, sqlx::Error> {
    let ws = load(db).await?;
    let max_days = token_max_days(db).await?;
    Ok(SETTINGS
        .iter()
        .map(|(key, help)| {
            let value = match *key {
                "lock_profiles" => ws.lock_profiles.to_string(),
                "default_language" => lang::code(ws.default_language).to_string(),
                "two_factor_mandatory" => ws.two_factor_mandatory.to_string(),
                "directory_provides_2fa" => ws.directory_provides_2fa.to_string(),
                "token_max_days" => max_days.to_string(),
                "password_min_length" => ws.password_min_length.to_string(),
                // A key added to SETTINGS without a line here shows as unknown,
                // and the CLI test fails.
                _ => "?".to_string(),
            };
            (*key, value, *help)
        })
        .collect())
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
    let valid = match key {
        "default_language" => lang::parse(value).is_some(),
        "token_max_days" => value.parse::<i64>().is_ok_and(|d| (1..=3650).contains(&d)),
        "password_min_length" => value
            .parse::<usize>()
            .is_ok_and(|n| (validate::MIN_PASSWORD..=validate::MAX_MIN_PASSWORD).contains(&n)),
        _ => matches!(value, "true" | "false"),
    };
    if !valid {
        return Err(AppError::field(
            "value",
            match key {
                "default_language" => "must be one of: en, de",
                "token_max_days" => "must be a number of days from 1 to 3650",
                "password_min_length" => "must be a number of characters from 8 to 128",
                _ => "must be true or false",
            },
        ));
    }
    db::settings::set(db, key, value).await?;
    Ok(())
}

/// Why the identity fields (display name, primary and recovery email) are
/// read-only for this user, if they are.
pub fn identity_lock(user: &UserRow, ws: &Workspace) -> Option<LockReason> {
    if user.source == AccountSource::External {
        Some(LockReason::External)
    } else if ws.lock_profiles {
        Some(LockReason::Admin)
    } else {
        None
    }
}

/// The language a user reads in: their choice, else the workspace default.
pub fn user_locale(user: &UserRow, ws: &Workspace) -> Locale {
    lang::parse(&user.language).unwrap_or(ws.default_language)
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
    let two_factor_enabled = db::two_factor::is_enabled(db, &user.id).await?;
    describe(db, user, &ws, two_factor_enabled).await
}

/// The signed-in user of a request as the UI sees them, from what the context
/// middleware already read (the user, whether 2FA is on, the settings when it
/// has them) and one query for the addresses awaiting confirmation: every page
/// asks for it.
pub async fn signed_in_user(
    db: &Db,
    user: &UserRow,
    two_factor_enabled: bool,
    ws: Option<&Workspace>,
) -> Result<CurrentUser, AppError> {
    let ws = match ws {
        Some(ws) => ws.clone(),
        None => load(db).await?,
    };
    describe(db, user, &ws, two_factor_enabled).await
}

async fn describe(
    db: &Db,
    user: &UserRow,
    ws: &Workspace,
    two_factor_enabled: bool,
) -> Result<CurrentUser, AppError> {
    let mut current = user.to_current();
    current.identity_locked = identity_lock(user, ws);
    current.default_language = lang::code(ws.default_language).to_string();
    current.two_factor_enabled = two_factor_enabled;
    current.two_factor_required = ws.two_factor_mandatory && !two_factor_enabled;
    current.password_min_length = ws.password_min_length;
    let pending = db::tokens::pending_addresses(db, &user.id).await?;
    current.pending_email = pending.email;
    current.pending_recovery_email = pending.recovery_email;
    Ok(current)
}
