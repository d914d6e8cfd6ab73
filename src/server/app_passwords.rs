//! App passwords: for clients that cannot do 2FA. Generated here, shown once,
//! stored as digests; they work for HTTP Basic on the REST API and nowhere else.

use crate::error::AppError;
use crate::features::tokens::types::{AppPasswordInfo, NewAppPassword};
use crate::i18n::td_string;
use crate::lang::Locale;
use crate::server::api::last_used::Kind;
use crate::server::api::token;
use crate::server::audit::{self, AuditAction, Outcome};
use crate::server::auth::sudo;
use crate::server::db::{api_tokens, users::UserRow};
use crate::server::infra::context::{Auth, RequestCtx};
use crate::server::infra::error::unique_clash;
use crate::server::infra::state::AppState;
use crate::server::notifications::{self, SecurityEvent};
use crate::server::tokens::when;
use rand::Rng;

/// App passwords: 24 characters from 32 (120 bits), shown in groups of four.
const APP_ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
const APP_LEN: usize = 24;

/// When and from where `row` was last used: the newest of what the database
/// holds and what this server saw since its last write of it.
pub fn last_use(state: &AppState, row: &api_tokens::AppPasswordRow) -> (Option<i64>, String) {
    state.last_used.newest(
        Kind::AppPassword,
        &row.id,
        row.created_at,
        row.last_used_at,
        &row.last_used_ip,
    )
}

/// `row` as its owner's (or an administrator's) list shows it, times in the
/// zone of `reader`.
pub fn app_password_info(
    state: &AppState,
    row: &api_tokens::AppPasswordRow,
    reader: &UserRow,
    l: Locale,
) -> AppPasswordInfo {
    let (used_at, used_ip) = last_use(state, row);
    AppPasswordInfo {
        id: row.id.clone(),
        name: row.name.clone(),
        created: when(row.created_at, reader, l),
        last_used: used_at.map(|t| when(t, reader, l)),
        last_used_ip: used_ip,
    }
}

pub async fn list_app_passwords(
    state: &AppState,
    ctx: &RequestCtx,
    user: &UserRow,
) -> Result<Vec<AppPasswordInfo>, AppError> {
    let rows = api_tokens::list_app_passwords(&state.db, &user.id).await?;
    Ok(rows
        .iter()
        .map(|r| app_password_info(state, r, user, ctx.locale))
        .collect())
}

/// What a typed app password stands for: groups, dashes, spaces and case ignored.
pub fn normalise_app_password(typed: &str) -> String {
    typed
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

fn new_app_password() -> String {
    let mut rng = rand::rng();
    let raw: Vec<char> = (0..APP_LEN)
        .map(|_| APP_ALPHABET[rng.random_range(0..APP_ALPHABET.len())] as char)
        .collect();
    raw.chunks(4)
        .map(|c| c.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join("-")
}

/// Sudo mode: a new app password, returned once.
pub async fn create_app_password(
    state: &AppState,
    ctx: &RequestCtx,
    auth: &Auth,
    name: &str,
) -> Result<NewAppPassword, AppError> {
    let l = ctx.locale;
    let name = name.trim();
    if name.is_empty() {
        return Err(AppError::field(
            "name",
            td_string!(l, tokens.name_empty).to_string(),
        ));
    }
    crate::validate::name(name, l).map_err(|m| AppError::field("name", m))?;
    sudo::require(auth)?;
    let password = new_app_password();
    let digest = token::digest(&normalise_app_password(&password));
    let id = api_tokens::insert_app_password(&state.db, &auth.user.id, name, &digest)
        .await
        .map_err(|e| unique_clash(e, l))?;
    let action = AuditAction::AppPasswordCreate {
        id: id.clone(),
        name: name.to_string(),
    };
    audit::record(state, ctx, &auth.user, action, Outcome::Success).await;
    notifications::security_event(
        state,
        &auth.user,
        SecurityEvent::AppPasswordCreated { name },
    )
    .await;
    let rows = api_tokens::list_app_passwords(&state.db, &auth.user.id).await?;
    let row = rows.iter().find(|r| r.id == id).ok_or(AppError::NotFound)?;
    Ok(NewAppPassword {
        info: app_password_info(state, row, &auth.user, l),
        password,
    })
}

pub async fn revoke_app_password(
    state: &AppState,
    ctx: &RequestCtx,
    auth: &Auth,
    id: &str,
) -> Result<(), AppError> {
    let rows = api_tokens::list_app_passwords(&state.db, &auth.user.id).await?;
    let name = rows
        .into_iter()
        .find(|r| r.id == id)
        .map(|r| r.name)
        .ok_or(AppError::NotFound)?;
    if !api_tokens::delete_app_password(&state.db, &auth.user.id, id).await? {
        return Err(AppError::NotFound);
    }
    crate::server::api::invalidate::forget_credential(state, id).await;
    let action = AuditAction::AppPasswordRevoke {
        id: id.to_string(),
        name,
    };
    audit::record(state, ctx, &auth.user, action, Outcome::Success).await;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn app_passwords_are_grouped_and_forgiving() {
        let p = new_app_password();
        assert_eq!(p.len(), 29, "{p}");
        assert_eq!(p.split('-').count(), 6);
        assert_eq!(
            normalise_app_password(&p.to_uppercase().replace('-', " ")),
            p.replace('-', "")
        );
    }
}
