//! Admin › Tokens: every user's API tokens, and revoking them.

use super::require_user;
use crate::error::AppError;
use crate::features::tokens::types::TokenInfo;
use crate::server::audit::{self, Actor, AuditAction, Outcome};
use crate::server::db::{self, api_tokens, users::UserRow};
use crate::server::infra::context::RequestCtx;
use crate::server::infra::state::AppState;
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
    crate::server::api::invalidate::forget_credential(state, id).await;
    let owner = db::users::find_by_id(&state.db, &row.user_id).await?;
    let action = AuditAction::TokenAdminRevoke {
        token_id: row.id.clone(),
        name: row.name.clone(),
        owner: owner
            .as_ref()
            .map(|o| o.username.clone())
            .unwrap_or_default(),
    };
    audit::record_on(
        state,
        ctx,
        Actor::User(admin),
        Some(&row.user_id),
        action.clone(),
        Outcome::Success,
    )
    .await;
    if let Some(owner) = owner {
        // The owner's own audit trail shows what happened to their token.
        audit::record(state, ctx, &owner, action, Outcome::RevokedByAdmin).await;
        crate::server::notifications::security_event(
            state,
            &owner,
            crate::server::notifications::SecurityEvent::TokenRevoked { name: &row.name },
        )
        .await;
    }
    Ok(())
}
