//! Admin › Tokens: every user's API tokens and app passwords, and revoking them.

use super::require_user;
use crate::error::AppError;
use crate::features::tokens::types::{AppPasswordInfo, TokenInfo};
use crate::server::app_passwords::{app_password_info, last_use};
use crate::server::audit::{self, Actor, AuditAction, Outcome};
use crate::server::db::{self, api_tokens, users::UserRow};
use crate::server::infra::context::RequestCtx;
use crate::server::infra::state::AppState;
use crate::server::notifications::{self, SecurityEvent};
use crate::server::tokens::token_info;
use crate::server::Result;

/// Every user's tokens with their owners' usernames, times in the reader's zone.
pub async fn list_tokens(
    state: &AppState,
    ctx: &RequestCtx,
    admin: &UserRow,
) -> Result<Vec<(String, TokenInfo)>> {
    Ok(all_tokens(state, admin)
        .await?
        .iter()
        .map(|(row, owner)| (owner.clone(), token_info(state, row, admin, ctx.locale)))
        .collect())
}

/// Every user's token rows with their owners' usernames.
pub async fn all_tokens(
    state: &AppState,
    admin: &UserRow,
) -> Result<Vec<(api_tokens::TokenRow, String)>> {
    require_user(admin)?;
    Ok(api_tokens::list_all(&state.db).await?)
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

/// Every user's app passwords with their owners' usernames, times in the
/// reader's zone, and whether each went unused for 90 days.
pub async fn list_app_passwords(
    state: &AppState,
    ctx: &RequestCtx,
    admin: &UserRow,
) -> Result<Vec<(String, AppPasswordInfo, bool)>> {
    require_user(admin)?;
    let idle_since = db::now() - 90 * 86_400;
    Ok(api_tokens::list_all_app_passwords(&state.db)
        .await?
        .into_iter()
        .map(|(row, owner)| {
            let info = app_password_info(state, &row, admin, ctx.locale);
            // Used recently counts even before that use reached the database.
            let (used_at, _) = last_use(state, &row);
            let idle = used_at.unwrap_or(row.created_at) < idle_since;
            (owner, info, idle)
        })
        .collect())
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
