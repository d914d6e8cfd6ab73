//! Personal API tokens and app passwords: create, list, regenerate, delete.
//! Values are returned once, at creation; lists never carry them.

pub mod page;

use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// Expiry choices offered (days); any number up to the workspace maximum works too.
pub const EXPIRY_PRESETS: [i64; 4] = [7, 30, 90, 365];

/// A token as its owner sees it in the list. Times are formatted for the reader.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenInfo {
    pub id: String,
    pub name: String,
    /// The first eight characters ("tsr_AbCd").
    pub shown: String,
    pub read_only: bool,
    /// Canonical list of addresses and subnets; empty: any address.
    pub allowed_ips: String,
    pub created: String,
    pub expires: String,
    pub expired: bool,
    pub last_used: Option<String>,
    pub last_used_ip: String,
}

/// A token just made: its value, shown once.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewTokenValue {
    pub token: TokenInfo,
    pub value: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppPasswordInfo {
    pub id: String,
    pub name: String,
    pub created: String,
    pub last_used: Option<String>,
    pub last_used_ip: String,
}

/// An app password just made, shown once (grouped for typing).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewAppPassword {
    pub info: AppPasswordInfo,
    pub password: String,
}

/// The caller's tokens and the workspace's longest allowed expiry (days).
#[server(endpoint = "tokens/list", input = leptos::server_fn::codec::GetUrl)]
pub async fn list_tokens() -> Result<(Vec<TokenInfo>, i64), AppError> {
    use crate::server::{api::credentials, context::RequestCtx, state::AppState};
    crate::server::error::respond(async move {
        let state = expect_context::<AppState>();
        let ctx = RequestCtx::current()?;
        let auth = ctx.require_auth()?;
        let max = credentials::max_days(&state).await?;
        Ok((
            credentials::list_tokens(&state, &ctx, &auth.user).await?,
            max,
        ))
    })
    .await
}

/// Sudo mode. `days` within the workspace maximum; `scope` "read" or "write";
/// `allowed_ips` comma-separated addresses and CIDR subnets (empty: anywhere).
#[server(endpoint = "tokens/create")]
pub async fn create_token(
    name: String,
    days: i64,
    scope: String,
    allowed_ips: String,
) -> Result<NewTokenValue, AppError> {
    use crate::server::{api::credentials, context::RequestCtx, state::AppState};
    crate::server::error::respond(async move {
        let state = expect_context::<AppState>();
        let ctx = RequestCtx::current()?;
        let input = credentials::TokenInput {
            name: &name,
            days,
            scope: &scope,
            allowed_ips: &allowed_ips,
        };
        credentials::create_token(&state, &ctx, ctx.require_auth()?, &input).await
    })
    .await
}

/// Sudo mode: a new value with the same settings and a fresh expiry; the old value dies at once.
#[server(endpoint = "tokens/regenerate")]
pub async fn regenerate_token(id: String) -> Result<NewTokenValue, AppError> {
    use crate::server::{api::credentials, context::RequestCtx, state::AppState};
    crate::server::error::respond(async move {
        let state = expect_context::<AppState>();
        let ctx = RequestCtx::current()?;
        credentials::regenerate_token(&state, &ctx, ctx.require_auth()?, &id).await
    })
    .await
}

#[server(endpoint = "tokens/delete")]
pub async fn delete_token(id: String) -> Result<(), AppError> {
    use crate::server::{api::credentials, context::RequestCtx, state::AppState};
    crate::server::error::respond(async move {
        let state = expect_context::<AppState>();
        let ctx = RequestCtx::current()?;
        credentials::delete_token(&state, &ctx, ctx.require_auth()?, &id).await
    })
    .await
}

#[server(endpoint = "app-passwords/list", input = leptos::server_fn::codec::GetUrl)]
pub async fn list_app_passwords() -> Result<Vec<AppPasswordInfo>, AppError> {
    use crate::server::{api::credentials, context::RequestCtx, state::AppState};
    crate::server::error::respond(async move {
        let state = expect_context::<AppState>();
        let ctx = RequestCtx::current()?;
        credentials::list_app_passwords(&state, &ctx, &ctx.require_auth()?.user).await
    })
    .await
}

/// Sudo mode: a new app password, returned once.
#[server(endpoint = "app-passwords/create")]
pub async fn create_app_password(name: String) -> Result<NewAppPassword, AppError> {
    use crate::server::{api::credentials, context::RequestCtx, state::AppState};
    crate::server::error::respond(async move {
        let state = expect_context::<AppState>();
        let ctx = RequestCtx::current()?;
        credentials::create_app_password(&state, &ctx, ctx.require_auth()?, &name).await
    })
    .await
}

#[server(endpoint = "app-passwords/revoke")]
pub async fn revoke_app_password(id: String) -> Result<(), AppError> {
    use crate::server::{api::credentials, context::RequestCtx, state::AppState};
    crate::server::error::respond(async move {
        let state = expect_context::<AppState>();
        let ctx = RequestCtx::current()?;
        credentials::revoke_app_password(&state, &ctx, ctx.require_auth()?, &id).await
    })
    .await
}

/// Admin: every user's tokens, with their owners.
#[server(endpoint = "admin/tokens/list", input = leptos::server_fn::codec::GetUrl)]
pub async fn admin_list_tokens() -> Result<Vec<(String, TokenInfo)>, AppError> {
    use crate::server::{api::credentials, context::RequestCtx, state::AppState};
    crate::server::error::respond(async move {
        let state = expect_context::<AppState>();
        let ctx = RequestCtx::current()?;
        credentials::require_admin(ctx.require_auth()?)?;
        credentials::admin_list_tokens(&state, &ctx).await
    })
    .await
}

/// Admin: revokes anyone's token (audited for the owner to see).
#[server(endpoint = "admin/tokens/revoke")]
pub async fn admin_revoke_token(id: String) -> Result<(), AppError> {
    use crate::server::{api::credentials, context::RequestCtx, state::AppState};
    crate::server::error::respond(async move {
        let state = expect_context::<AppState>();
        let ctx = RequestCtx::current()?;
        let admin = ctx.require_auth()?;
        credentials::require_admin(admin)?;
        credentials::admin_revoke_token(&state, &ctx, Some(&admin.user), &id).await
    })
    .await
}
