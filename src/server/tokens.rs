//! Personal API tokens: create, list, regenerate, delete. The service behind the
//! tokens settings page, the REST API's token listing and the admin functions
//! (`admin.rs`). Values are returned once, at creation; only digests are stored.

use crate::error::{AppError, FieldError};
use crate::features::tokens::types::{NewTokenValue, TokenInfo};
use crate::i18n::td_string;
use crate::lang::Locale;
use crate::model::TokenScope;
use crate::server::api::last_used::Kind;
use crate::server::api::token;
use crate::server::audit::{self, AuditAction, Outcome};
use crate::server::auth::sudo;
use crate::server::db::{self, api_tokens, users::UserRow};
use crate::server::infra::context::{Auth, RequestCtx};
use crate::server::infra::error::unique_clash;
use crate::server::infra::state::AppState;
use crate::server::infra::{net, timefmt};
use crate::server::notifications::{self, SecurityEvent};

const MAX_NAME: usize = 100;

pub struct TokenInput<'a> {
    pub name: &'a str,
    pub days: i64,
    pub scope: &'a str,
    pub allowed_ips: &'a str,
}

/// The longest expiry a new token may have (workspace setting `token_max_days`).
pub async fn max_days(state: &AppState) -> Result<i64, AppError> {
    Ok(crate::server::workspace::token_max_days(&state.db).await?)
}

pub(crate) fn when(ts: i64, user: &UserRow, l: Locale) -> String {
    timefmt::format(ts, &user.time_zone, l)
}

pub(crate) fn token_info(
    state: &AppState,
    row: &api_tokens::TokenRow,
    reader: &UserRow,
    l: Locale,
) -> TokenInfo {
    let (used_at, used_ip) = state.last_used.newest(
        Kind::Token,
        &row.id,
        row.created_at,
        row.last_used_at,
        &row.last_used_ip,
    );
    TokenInfo {
        id: row.id.clone(),
        name: row.name.clone(),
        shown: row.shown.clone(),
        read_only: row.scope == TokenScope::Read,
        allowed_ips: row.allowed_ips.clone(),
        created: when(row.created_at, reader, l),
        expires: when(row.expires_at, reader, l),
        expired: row.expires_at <= db::now(),
        idle: used_at.unwrap_or(row.created_at) < db::now() - 90 * 86_400,
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
) -> Result<(String, i64, TokenScope, String), AppError> {
    let mut errors = Vec::new();
    let mut push = |field: &str, message: String| {
        errors.push(FieldError {
            field: field.into(),
            message,
        });
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
    let scope = TokenScope::parse(input.scope).unwrap_or_else(|| {
        push("scope", td_string!(l, tokens.scope_bad).to_string());
        TokenScope::Read
    });
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
    let id = api_tokens::insert(&state.db, &new)
        .await
        .map_err(|e| unique_clash(e, l))?;
    let action = AuditAction::TokenCreate {
        token_id: id.clone(),
        name: name.clone(),
    };
    audit::record(state, ctx, &auth.user, action, Outcome::Success).await;
    notifications::security_event(
        state,
        &auth.user,
        SecurityEvent::TokenCreated { name: &name },
    )
    .await;
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
    crate::server::api::invalidate::forget_credential(state, id).await;
    let action = AuditAction::TokenRegenerate {
        token_id: row.id.clone(),
        name: row.name.clone(),
    };
    audit::record(state, ctx, &auth.user, action, Outcome::Success).await;
    notifications::security_event(
        state,
        &auth.user,
        SecurityEvent::TokenRegenerated { name: &row.name },
    )
    .await;
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
    let row = api_tokens::find(&state.db, id)
        .await?
        .filter(|t| t.user_id == auth.user.id)
        .ok_or(AppError::NotFound)?;
    if !api_tokens::delete(&state.db, Some(&auth.user.id), id).await? {
        return Err(AppError::NotFound);
    }
    crate::server::api::invalidate::forget_credential(state, id).await;
    let action = AuditAction::TokenDelete {
        token_id: row.id,
        name: row.name,
    };
    audit::record(state, ctx, &auth.user, action, Outcome::Success).await;
    Ok(())
}
