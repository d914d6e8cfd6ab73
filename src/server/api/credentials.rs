//! Creating, listing and removing personal API tokens and app passwords (the
//! services behind the settings pages, the admin functions and the REST API).

use super::last_used::Kind;
use super::token;
use crate::error::{AppError, FieldError};
use crate::features::tokens::{AppPasswordInfo, NewAppPassword, NewTokenValue, TokenInfo};
use crate::i18n::td_string;
use crate::lang::Locale;
use crate::server::auth::{record, record_user, sudo};
use crate::server::context::{Auth, RequestCtx};
use crate::server::db::{self, api_tokens, users::UserRow};
use crate::server::state::AppState;
use crate::server::{net, timefmt};
use rand::Rng;

/// The longest expiry when the administrator set none.
pub const DEFAULT_MAX_DAYS: i64 = 365;
const MAX_NAME: usize = 100;
/// App passwords: 24 characters from 32 (120 bits), shown in groups of four.
const APP_ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
const APP_LEN: usize = 24;

pub struct TokenInput<'a> {
    pub name: &'a str,
    pub days: i64,
    pub scope: &'a str,
    pub allowed_ips: &'a str,
}

pub async fn max_days(state: &AppState) -> Result<i64, AppError> {
    Ok(db::settings::get(&state.db, "token_max_days")
        .await?
        .and_then(|v| v.parse().ok())
        .filter(|d| *d >= 1)
        .unwrap_or(DEFAULT_MAX_DAYS))
}

pub fn require_admin(auth: &Auth) -> Result<(), AppError> {
    if auth.user.role() == crate::model::Role::Admin {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

fn when(ts: i64, user: &UserRow, l: Locale) -> String {
    timefmt::format(ts, &user.time_zone, l)
}

fn token_info(
    state: &AppState,
    row: &api_tokens::TokenRow,
    reader: &UserRow,
    l: Locale,
) -> TokenInfo {
    let (used_at, used_ip) =
        state
            .last_used
            .newest(Kind::Token, &row.id, row.last_used_at, &row.last_used_ip);
    TokenInfo {
        id: row.id.clone(),
        name: row.name.clone(),
        shown: row.shown.clone(),
        read_only: row.scope == "read",
        allowed_ips: row.allowed_ips.clone(),
        created: when(row.created_at, reader, l),
        expires: when(row.expires_at, reader, l),
        expired: row.expires_at <= db::now(),
        last_used: used_at.map(|t| when(t, reader, l)),
        last_used_ip: used_ip,
    }
}

pub async fn list_tokens(
    state: &AppState,
    ctx: &RequestCtx,
    user: &UserRow,
) -> Result<Vec<TokenInfo>, AppError> {
    let rows = api_tokens::list_for_user(&state.db, &user.id).await?;
    Ok(rows
        .iter()
        .map(|r| token_info(state, r, user, ctx.locale))
        .collect())
}

/// Checks every field at once; returns (name, days, scope, canonical IP list).
async fn check_token_input(
    state: &AppState,
    l: Locale,
    input: &TokenInput<'_>,
) -> Result<(String, i64, &'static str, String), AppError> {
    let mut errors = Vec::new();
    let mut push = |field: &str, message: String| {
        errors.push(FieldError {
            field: field.into(),
            message,
        })
    };
    let name = input.name.trim().to_string();
    if name.is_empty() {
        push("name", td_string!(l, tokens.name_empty).to_string());
    } else if let Err(m) = crate::validate::name(&name, l) {
        push("name", m);
    } else if name.chars().count() > MAX_NAME {
        push(
            "name",
            td_string!(l, validate.at_most, max = MAX_NAME).to_string(),
        );
    }
    let max = max_days(state).await?;
    if !(1..=max).contains(&input.days) {
        push(
            "days",
            td_string!(l, tokens.days_range, max = max).to_string(),
        );
    }
    let scope = match input.scope {
        "read" => "read",
        "write" => "write",
        _ => {
            push("scope", td_string!(l, tokens.scope_bad).to_string());
            "read"
        }
    };
    let ips = match net::parse_list(input.allowed_ips) {
        Ok(nets) => net::format_list(&nets),
        Err(bad) => {
            push(
                "allowed_ips",
                td_string!(l, tokens.ips_bad, list = bad.join(", ")).to_string(),
            );
            String::new()
        }
    };
    if errors.is_empty() {
        Ok((name, input.days, scope, ips))
    } else {
        Err(AppError::Validation(errors))
    }
}

/// Sudo mode: a new token; its value is in the answer and nowhere else.
pub async fn create_token(
    state: &AppState,
    ctx: &RequestCtx,
    auth: &Auth,
    input: &TokenInput<'_>,
) -> Result<NewTokenValue, AppError> {
    let l = ctx.locale;
    let (name, days, scope, ips) = check_token_input(state, l, input).await?;
    sudo::require(auth)?;
    let value = token::generate();
    let new = api_tokens::NewToken {
        user_id: &auth.user.id,
        name: &name,
        shown: &token::shown_part(&value),
        digest: &token::digest(&value),
        scope,
        allowed_ips: &ips,
        expires_at: db::now() + days * 86_400,
    };
    let id = match api_tokens::insert(&state.db, &new).await {
        Ok(id) => id,
        Err(e) if db::users::is_unique_violation(&e) => {
            return Err(AppError::field(
                "name",
                td_string!(l, tokens.name_taken).to_string(),
            ))
        }
        Err(e) => return Err(e.into()),
    };
    record_user(state, ctx, &auth.user, "token.create", "success").await;
    let row = api_tokens::find(&state.db, &id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(NewTokenValue {
        token: token_info(state, &row, &auth.user, l),
        value,
    })
}

/// Sudo mode: a new value for one of the caller's tokens, same settings, fresh
/// expiry (the original length); the old value stops working at once.
pub async fn regenerate_token(
    state: &AppState,
    ctx: &RequestCtx,
    auth: &Auth,
    id: &str,
) -> Result<NewTokenValue, AppError> {
    sudo::require(auth)?;
    let row = api_tokens::find(&state.db, id)
        .await?
        .filter(|t| t.user_id == auth.user.id)
        .ok_or(AppError::NotFound)?;
    let lifetime = (row.expires_at - row.created_at).max(86_400);
    let value = token::generate();
    let replaced = api_tokens::replace_secret(
        &state.db,
        &auth.user.id,
        id,
        &token::shown_part(&value),
        &token::digest(&value),
        db::now() + lifetime,
    )
    .await?;
    if !replaced {
        return Err(AppError::NotFound);
    }
    state.auth_cache.forget_credential(id);
    record_user(state, ctx, &auth.user, "token.regenerate", "success").await;
    let row = api_tokens::find(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(NewTokenValue {
        token: token_info(state, &row, &auth.user, ctx.locale),
        value,
    })
}

pub async fn delete_token(
    state: &AppState,
    ctx: &RequestCtx,
    auth: &Auth,
    id: &str,
) -> Result<(), AppError> {
    if !api_tokens::delete(&state.db, Some(&auth.user.id), id).await? {
        return Err(AppError::NotFound);
    }
    state.auth_cache.forget_credential(id);
    record_user(state, ctx, &auth.user, "token.delete", "success").await;
    Ok(())
}

pub async fn admin_list_tokens(
    state: &AppState,
    ctx: &RequestCtx,
) -> Result<Vec<(String, TokenInfo)>, AppError> {
    let reader = &ctx.require_auth()?.user;
    Ok(api_tokens::list_all(&state.db)
        .await?
        .iter()
        .map(|(row, owner)| (owner.clone(), token_info(state, row, reader, ctx.locale)))
        .collect())
}

/// An administrator revokes someone's token. The owner finds it in their audit
/// trail and gets an in-app security notification, in their own language.
pub async fn admin_revoke_token(
    state: &AppState,
    ctx: &RequestCtx,
    admin: Option<&UserRow>,
    id: &str,
) -> Result<(), AppError> {
    let row = api_tokens::find(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    if !api_tokens::delete(&state.db, None, id).await? {
        return Err(AppError::NotFound);
    }
    state.auth_cache.forget_credential(id);
    let owner = db::users::find_by_id(&state.db, &row.user_id).await?;
    let owner_name = owner.as_ref().map_or("", |o| o.username.as_str());
    let action = format!("token.admin_revoke:{owner_name}:{}", row.name);
    record(
        state,
        ctx,
        admin.map(|a| a.id.as_str()),
        admin.map_or("", |a| a.username.as_str()),
        &action,
        "success",
    )
    .await;
    if let Some(owner) = owner {
        // The owner's own audit trail shows what happened to their token.
        record(
            state,
            ctx,
            Some(&owner.id),
            &owner.username,
            &action,
            "revoked_by_admin",
        )
        .await;
        // The token is gone already; a failed read must not turn that into an error.
        let l = match crate::server::workspace::load(&state.db).await {
            Ok(ws) => crate::server::workspace::user_locale(&owner, &ws),
            Err(_) => Locale::en,
        };
        crate::server::notifications::security(
            &state.db,
            &owner,
            &crate::i18n::td_string!(
                l,
                notifications.token_revoked_title,
                name = row.name.as_str()
            )
            .to_string(),
            crate::i18n::td_string!(l, notifications.token_revoked_body),
        )
        .await;
    }
    Ok(())
}

fn app_password_info(
    state: &AppState,
    row: &api_tokens::AppPasswordRow,
    reader: &UserRow,
    l: Locale,
) -> AppPasswordInfo {
    let (used_at, used_ip) = state.last_used.newest(
        Kind::AppPassword,
        &row.id,
        row.last_used_at,
        &row.last_used_ip,
    );
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
        .filter(|c| c.is_ascii_alphanumeric())
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
    let id = match api_tokens::insert_app_password(&state.db, &auth.user.id, name, &digest).await {
        Ok(id) => id,
        Err(e) if db::users::is_unique_violation(&e) => {
            return Err(AppError::field(
                "name",
                td_string!(l, tokens.name_taken).to_string(),
            ))
        }
        Err(e) => return Err(e.into()),
    };
    record_user(state, ctx, &auth.user, "app_password.create", "success").await;
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
    if !api_tokens::delete_app_password(&state.db, &auth.user.id, id).await? {
        return Err(AppError::NotFound);
    }
    state.auth_cache.forget_credential(id);
    record_user(state, ctx, &auth.user, "app_password.revoke", "success").await;
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
