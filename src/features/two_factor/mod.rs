//! Two-factor authentication: enrol with an authenticator app, recovery codes,
//! turn it off; the administrator's mandate and reset.

pub mod page;

use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// Where the signed-in account stands.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TwoFactorStatus {
    pub enabled: bool,
    pub recovery_codes_left: i64,
    /// The workspace requires 2FA (it cannot be turned off).
    pub mandatory: bool,
    /// An external account whose directory provides 2FA: nothing to set up here.
    pub managed_by_directory: bool,
}

/// What the authenticator app needs, shown once while enrolling.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Enrolment {
    /// The QR code as an SVG data URL (rendered on the server).
    pub qr_svg: String,
    /// The key in base32, in groups of four, for typing into the app.
    pub secret: String,
    /// The `otpauth://` URI the QR code holds.
    pub uri: String,
}

#[server(endpoint = "two-factor/status", input = leptos::server_fn::codec::GetUrl)]
pub async fn get_two_factor_status() -> Result<TwoFactorStatus, AppError> {
    use crate::server::{context::RequestCtx, state::AppState, two_factor};
    crate::server::error::respond(async move {
        let state = expect_context::<AppState>();
        let ctx = RequestCtx::current()?;
        two_factor::status(&state, &ctx.require_auth()?.user).await
    })
    .await
}

/// Sudo mode: a new secret to scan. 2FA stays off until `enable_two_factor`.
#[server(endpoint = "two-factor/start")]
pub async fn start_two_factor() -> Result<Enrolment, AppError> {
    use crate::server::{context::RequestCtx, state::AppState, two_factor};
    crate::server::error::respond(async move {
        let state = expect_context::<AppState>();
        let ctx = RequestCtx::current()?;
        two_factor::start(&state, &ctx, ctx.require_auth()?).await
    })
    .await
}

/// Proves the app works with a code; 2FA is on. Returns the recovery codes, once.
#[server(endpoint = "two-factor/enable")]
pub async fn enable_two_factor(code: String) -> Result<Vec<String>, AppError> {
    use crate::server::{context::RequestCtx, state::AppState, two_factor};
    crate::server::error::respond(async move {
        let state = expect_context::<AppState>();
        let ctx = RequestCtx::current()?;
        two_factor::enable(&state, &ctx, ctx.require_auth()?, &code).await
    })
    .await
}

/// Sudo mode: ten new recovery codes; the old ones stop working.
#[server(endpoint = "two-factor/recovery-codes")]
pub async fn regenerate_recovery_codes() -> Result<Vec<String>, AppError> {
    use crate::server::{context::RequestCtx, state::AppState, two_factor};
    crate::server::error::respond(async move {
        let state = expect_context::<AppState>();
        let ctx = RequestCtx::current()?;
        two_factor::regenerate(&state, &ctx, ctx.require_auth()?).await
    })
    .await
}

/// Sudo mode and a current code: 2FA off (refused while the workspace mandates it).
#[server(endpoint = "two-factor/disable")]
pub async fn disable_two_factor(code: String) -> Result<(), AppError> {
    use crate::server::{context::RequestCtx, state::AppState, two_factor};
    crate::server::error::respond(async move {
        let state = expect_context::<AppState>();
        let ctx = RequestCtx::current()?;
        two_factor::disable(&state, &ctx, ctx.require_auth()?, &code).await
    })
    .await
}

/// Admin: removes a user's 2FA (audited; the user is told by mail).
#[server(endpoint = "admin/two-factor/reset")]
pub async fn admin_reset_two_factor(username: String) -> Result<bool, AppError> {
    use crate::server::{context::RequestCtx, state::AppState, two_factor};
    crate::server::error::respond(async move {
        let state = expect_context::<AppState>();
        let ctx = RequestCtx::current()?;
        let admin = require_admin(&ctx)?;
        two_factor::admin_reset(&state, &ctx, Some(admin), username.trim()).await
    })
    .await
}

/// Admin: makes 2FA mandatory for everyone (or not).
#[server(endpoint = "admin/two-factor/mandatory")]
pub async fn admin_set_two_factor_mandatory(mandatory: bool) -> Result<(), AppError> {
    use crate::server::{auth::record_user, context::RequestCtx, state::AppState, workspace};
    crate::server::error::respond(async move {
        let state = expect_context::<AppState>();
        let ctx = RequestCtx::current()?;
        let admin = require_admin(&ctx)?;
        let value = if mandatory { "true" } else { "false" };
        workspace::set(&state.db, "two_factor_mandatory", value).await?;
        let action = format!("settings.two_factor_mandatory:{value}");
        record_user(&state, &ctx, admin, &action, "success").await;
        Ok(())
    })
    .await
}

#[cfg(feature = "ssr")]
fn require_admin(
    ctx: &crate::server::context::RequestCtx,
) -> Result<&crate::server::db::users::UserRow, AppError> {
    let auth = ctx.require_auth()?;
    if auth.user.role() == crate::model::Role::Admin {
        Ok(&auth.user)
    } else {
        Err(AppError::Forbidden)
    }
}
