//! Admin › Tokens: every user's API tokens and app passwords, and revoking them.

use super::require_user;
use crate::error::AppError;
use crate::features::tokens::types::{AdminAppPasswordPage, AdminTokenPage, AdminTokenQuery};
use crate::server::api::last_used::Kind;
use crate::server::app_passwords::{app_password_info, last_use};
use crate::server::audit::{self, Actor, AuditAction, Outcome};
use crate::server::db::{self, api_tokens, users::UserRow};
use crate::server::infra::context::RequestCtx;
use crate::server::infra::state::AppState;
use crate::server::notifications::{self, SecurityEvent};
use crate::server::tokens::token_info;
use crate::server::Result;

/// Tokens and app passwords an administrator sees per page.
const TOKEN_PAGE: i64 = 50;

/// The database's filter for `q`, at `now`; a state no form offers is
/// refused (not taken as "any").
fn owned_filter<'a>(
    q: &AdminTokenQuery,
    owner: &'a str,
    now: i64,
) -> Result<api_tokens::OwnedFilter<'a>> {
    if !["", "expired", "idle"].contains(&q.state.as_str()) {
        return Err(AppError::Malformed);
    }
    Ok(api_tokens::OwnedFilter {
        owner,
        expired_at: (q.state == "expired").then_some(now),
        idle_since: (q.state == "idle").then_some(now - IDLE_DAYS * 86_400),
    })
}

/// Days without use after which a credential counts as idle.
const IDLE_DAYS: i64 = 90;

/// The cursor after a row: `created|id`.
fn cursor(created_at: i64, id: &str) -> String {
    format!("{created_at}|{id}")
}

/// [`cursor`] read back; a cursor not made by it is malformed.
fn parse_cursor(after: Option<&str>) -> Result<api_tokens::Cursor<'_>> {
    match after.filter(|a| !a.is_empty()) {
        None => Ok(None),
        Some(a) => a
            .split_once('|')
            .and_then(|(t, id)| Some((t.parse().ok()?, id)))
            .map(Some)
            .ok_or(AppError::Malformed),
    }
}

/// A page of every user's tokens matching `q` with their owners' usernames,
/// and the next page's cursor.
pub async fn all_tokens(
    state: &AppState,
    admin: &UserRow,
    q: &AdminTokenQuery,
    after: Option<&str>,
    limit: i64,
) -> Result<(Vec<(api_tokens::TokenRow, String)>, Option<String>)> {
    require_user(admin)?;
    let owner = db::select::like_pattern(&q.owner);
    let f = owned_filter(q, &owner, db::now())?;
    let rows = api_tokens::list_all(&state.db, &f, parse_cursor(after)?, limit + 1).await?;
    let (mut rows, next) =
        db::select::split_page(rows, limit, |(t, _)| cursor(t.created_at, &t.id));
    if f.idle_since.is_some() {
        // A use this server has not written yet makes a token not idle (the
        // page may come out shorter; the cursor stays that of the last row read).
        let since = f.idle_since.unwrap_or(0);
        rows.retain(|(t, _)| {
            let (used_at, _) = state.last_used.newest(
                Kind::Token,
                &t.id,
                t.created_at,
                t.last_used_at,
                &t.last_used_ip,
            );
            used_at.unwrap_or(t.created_at) < since
        });
    }
    Ok((rows, next))
}

/// A page of Admin › Tokens, times in the reader's zone.
pub async fn list_tokens(
    state: &AppState,
    ctx: &RequestCtx,
    admin: &UserRow,
    q: &AdminTokenQuery,
    after: Option<&str>,
) -> Result<AdminTokenPage> {
    let (rows, next) = all_tokens(state, admin, q, after, TOKEN_PAGE).await?;
    Ok(AdminTokenPage {
        tokens: rows
            .iter()
            .map(|(row, owner)| (owner.clone(), token_info(state, row, admin, ctx.locale)))
            .collect(),
        next,
    })
}

/// A page of every user's app passwords matching `q` with their owners'
/// usernames, times in the reader's zone, and whether each went unused for
/// 90 days.
pub async fn list_app_passwords(
    state: &AppState,
    ctx: &RequestCtx,
    admin: &UserRow,
    q: &AdminTokenQuery,
    after: Option<&str>,
) -> Result<AdminAppPasswordPage> {
    require_user(admin)?;
    let now = db::now();
    let owner = db::select::like_pattern(&q.owner);
    let f = owned_filter(q, &owner, now)?;
    let rows =
        api_tokens::list_all_app_passwords(&state.db, &f, parse_cursor(after)?, TOKEN_PAGE + 1)
            .await?;
    let (rows, next) =
        db::select::split_page(rows, TOKEN_PAGE, |(a, _)| cursor(a.created_at, &a.id));
    let idle_since = now - IDLE_DAYS * 86_400;
    Ok(AdminAppPasswordPage {
        app_passwords: rows
            .into_iter()
            .filter_map(|(row, owner)| {
                let info = app_password_info(state, &row, admin, ctx.locale);
                // Used recently counts even before that use reached the
                // database (which the idle filter read).
                let (used_at, _) = last_use(state, &row);
                let idle = used_at.unwrap_or(row.created_at) < idle_since;
                (idle || q.state != "idle").then_some((owner, info, idle))
            })
            .collect(),
        next,
    })
}

/// Revokes someone's token. The owner finds it in their own audit trail and gets
/// an in-app security notification, in their own language.
pub async fn revoke_token(
    state: &AppState,
    ctx: &RequestCtx,
    admin: &UserRow,
    id: &str,
) -> Result<()> {
    require_user(admin)?;
    let row = api_tokens::find(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    if !api_tokens::delete(&state.db, None, id).await? {
        return Err(AppError::NotFound);
    }
    let owner = db::users::find_by_id(&state.db, &row.user_id).await?;
    let action = AuditAction::TokenAdminRevoke {
        token_id: row.id.clone(),
        name: row.name.clone(),
        owner: owner
            .as_ref()
            .map(|o| o.username.clone())
            .unwrap_or_default(),
    };
    let event = SecurityEvent::TokenRevoked { name: &row.name };
    revoked(state, ctx, admin, id, &row.user_id, owner, action, event).await;
    Ok(())
}

/// Revokes someone's app password, as [`revoke_token`] does a token.
pub async fn revoke_app_password(
    state: &AppState,
    ctx: &RequestCtx,
    admin: &UserRow,
    id: &str,
) -> Result<()> {
    require_user(admin)?;
    let row = api_tokens::find_app_password(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    if !api_tokens::delete_app_password(&state.db, &row.user_id, id).await? {
        return Err(AppError::NotFound);
    }
    let owner = db::users::find_by_id(&state.db, &row.user_id).await?;
    let action = AuditAction::AppPasswordAdminRevoke {
        id: row.id.clone(),
        name: row.name.clone(),
        owner: owner
            .as_ref()
            .map(|o| o.username.clone())
            .unwrap_or_default(),
    };
    let event = SecurityEvent::AppPasswordRevoked { name: &row.name };
    revoked(state, ctx, admin, id, &row.user_id, owner, action, event).await;
    Ok(())
}

/// After an administrator deleted the credential `id` of `owner_id`: no
/// server accepts it any more from cache, the revocation is audited on the
/// owner's account and in the owner's own trail, and the owner is told.
#[allow(clippy::too_many_arguments)]
async fn revoked(
    state: &AppState,
    ctx: &RequestCtx,
    admin: &UserRow,
    id: &str,
    owner_id: &str,
    owner: Option<UserRow>,
    action: AuditAction,
    event: SecurityEvent<'_>,
) {
    crate::server::api::invalidate::forget_credential(state, id).await;
    let target = Some(owner_id);
    let by = Actor::User(admin);
    audit::record_on(state, ctx, by, target, action.clone(), Outcome::Success).await;
    if let Some(owner) = owner {
        audit::record(state, ctx, &owner, action, Outcome::RevokedByAdmin).await;
        notifications::security_event(state, &owner, event).await;
    }
}
