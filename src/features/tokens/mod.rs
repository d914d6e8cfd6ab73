//! Personal API tokens and app passwords: create, list, regenerate, delete.
//! Values are returned once, at creation; lists never carry them.

pub mod page;
pub mod types;

pub use types::{
    AdminAppPasswordPage, AdminTokenPage, AdminTokenQuery, AppPasswordInfo, NewAppPassword,
    NewTokenValue, TokenInfo,
};

use crate::error::AppError;
use leptos::prelude::*;

/// Expiry choices offered (days); any number up to the workspace maximum works too.
pub const EXPIRY_PRESETS: [i64; 4] = [7, 30, 90, 365];

/// The caller's tokens and the workspace's longest allowed expiry (days).
#[server(endpoint = "tokens/list", input = leptos::server_fn::codec::GetUrl)]
pub async fn list_tokens() -> Result<(Vec<TokenInfo>, i64), AppError> {
    use crate::server::tokens;
    crate::server::serve(|c| async move {
        let auth = c.auth()?;
        let max = tokens::max_days(&c.state).await?;
        Ok((
            tokens::list_tokens(&c.state, &c.ctx, &auth.user).await?,
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
    use crate::server::tokens;
    crate::server::serve(|c| async move {
        let input = tokens::TokenInput {
            name: &name,
            days,
            scope: &scope,
            allowed_ips: &allowed_ips,
        };
        tokens::create_token(&c.state, &c.ctx, c.auth()?, &input).await
    })
    .await
}

/// Sudo mode: a new value with the same settings and a fresh expiry; the old value dies at once.
#[server(endpoint = "tokens/regenerate")]
pub async fn regenerate_token(id: String) -> Result<NewTokenValue, AppError> {
    use crate::server::tokens;
    crate::server::serve(|c| async move {
        tokens::regenerate_token(&c.state, &c.ctx, c.auth()?, &id).await
    })
    .await
}

#[server(endpoint = "tokens/delete")]
pub async fn delete_token(id: String) -> Result<(), AppError> {
    use crate::server::tokens;
    crate::server::serve(
        |c| async move { tokens::delete_token(&c.state, &c.ctx, c.auth()?, &id).await },
    )
    .await
}

#[server(endpoint = "app-passwords/list", input = leptos::server_fn::codec::GetUrl)]
pub async fn list_app_passwords() -> Result<Vec<AppPasswordInfo>, AppError> {
    use crate::server::app_passwords;
    crate::server::serve(|c| async move {
        app_passwords::list_app_passwords(&c.state, &c.ctx, &c.auth()?.user).await
    })
    .await
}

/// Sudo mode: a new app password, returned once.
#[server(endpoint = "app-passwords/create")]
pub async fn create_app_password(name: String) -> Result<NewAppPassword, AppError> {
    use crate::server::app_passwords;
    crate::server::serve(|c| async move {
        app_passwords::create_app_password(&c.state, &c.ctx, c.auth()?, &name).await
    })
    .await
}

#[server(endpoint = "app-passwords/revoke")]
pub async fn revoke_app_password(id: String) -> Result<(), AppError> {
    use crate::server::app_passwords;
    crate::server::serve(|c| async move {
        app_passwords::revoke_app_password(&c.state, &c.ctx, c.auth()?, &id).await
    })
    .await
}

/// Admin: a page of every user's tokens matching `query`, with their owners,
/// after the cursor `after`.
#[server(endpoint = "admin/tokens/list", input = leptos::server_fn::codec::GetUrl)]
pub async fn admin_list_tokens(
    query: AdminTokenQuery,
    after: Option<String>,
) -> Result<AdminTokenPage, AppError> {
    use crate::server::admin;
    crate::server::serve(|c| async move {
        let me = admin::require(&c.ctx)?;
        admin::list_tokens(&c.state, &c.ctx, me, &query, after.as_deref()).await
    })
    .await
}

/// Admin: a page of every user's app passwords matching `query` (owner, the
/// password's metadata, unused for 90 days).
#[server(endpoint = "admin/app-passwords/list", input = leptos::server_fn::codec::GetUrl)]
pub async fn admin_list_app_passwords(
    query: AdminTokenQuery,
    after: Option<String>,
) -> Result<AdminAppPasswordPage, AppError> {
    use crate::server::admin;
    crate::server::serve(|c| async move {
        let me = admin::require(&c.ctx)?;
        admin::list_app_passwords(&c.state, &c.ctx, me, &query, after.as_deref()).await
    })
    .await
}

/// Admin: revokes anyone's app password (audited; the owner is told).
#[server(endpoint = "admin/app-passwords/revoke")]
pub async fn admin_revoke_app_password(id: String) -> Result<(), AppError> {
    use crate::server::admin;
    crate::server::serve(|c| async move {
        let me = admin::require_sudo(&c.ctx)?;
        admin::revoke_app_password(&c.state, &c.ctx, me, &id).await
    })
    .await
}

/// Admin: revokes anyone's token (audited for the owner to see).
#[server(endpoint = "admin/tokens/revoke")]
pub async fn admin_revoke_token(id: String) -> Result<(), AppError> {
    use crate::server::admin;
    crate::server::serve(|c| async move {
        let me = admin::require_sudo(&c.ctx)?;
        admin::revoke_token(&c.state, &c.ctx, me, &id).await
    })
    .await
}
