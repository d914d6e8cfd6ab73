//! Two-factor authentication: enrol with an authenticator app, recovery codes,
//! turn it off; the administrator's mandate and reset.

pub mod page;
pub mod types;

pub use types::{Enrolment, TwoFactorStatus};

use crate::error::AppError;
use leptos::prelude::*;

#[server(endpoint = "two-factor/status", input = leptos::server_fn::codec::GetUrl)]
pub async fn get_two_factor_status() -> Result<TwoFactorStatus, AppError> {
    use crate::server::two_factor;
    crate::server::serve(|c| async move { two_factor::status(&c.state, &c.auth()?.user).await })
        .await
}

/// Sudo mode: a new secret to scan. 2FA stays off until `enable_two_factor`.
#[server(endpoint = "two-factor/start")]
pub async fn start_two_factor() -> Result<Enrolment, AppError> {
    use crate::server::two_factor;
    crate::server::serve(|c| async move { two_factor::start(&c.state, &c.ctx, c.auth()?).await })
        .await
}

/// Proves the app works with a code; 2FA is on. Returns the recovery codes, once.
#[server(endpoint = "two-factor/enable")]
pub async fn enable_two_factor(code: String) -> Result<Vec<String>, AppError> {
    use crate::server::two_factor;
    crate::server::serve(
        |c| async move { two_factor::enable(&c.state, &c.ctx, c.auth()?, &code).await },
    )
    .await
}

/// Sudo mode: ten new recovery codes; the old ones stop working.
#[server(endpoint = "two-factor/recovery-codes")]
pub async fn regenerate_recovery_codes() -> Result<Vec<String>, AppError> {
    use crate::server::two_factor;
    crate::server::serve(
        |c| async move { two_factor::regenerate(&c.state, &c.ctx, c.auth()?).await },
    )
    .await
}

/// Sudo mode and a current code: 2FA off (refused while the workspace mandates it).
#[server(endpoint = "two-factor/disable")]
pub async fn disable_two_factor(code: String) -> Result<(), AppError> {
    use crate::server::two_factor;
    crate::server::serve(|c| async move {
        two_factor::disable(&c.state, &c.ctx, c.auth()?, &code).await
    })
    .await
}

/// Admin: removes a user's 2FA (audited; the user is told by mail).
#[server(endpoint = "admin/two-factor/reset")]
pub async fn admin_reset_two_factor(username: String) -> Result<bool, AppError> {
    use crate::server::admin;
    crate::server::serve(|c| async move {
        let me = admin::require_sudo(&c.ctx)?;
        admin::reset_two_factor(&c.state, &c.ctx, me, &username).await
    })
    .await
}

/// Admin: makes 2FA mandatory for everyone (or not).
#[server(endpoint = "admin/two-factor/mandatory")]
pub async fn admin_set_two_factor_mandatory(mandatory: bool) -> Result<(), AppError> {
    use crate::server::admin;
    crate::server::serve(|c| async move {
        let me = admin::require_sudo(&c.ctx)?;
        admin::set_two_factor_mandatory(&c.state, &c.ctx, me, mandatory).await
    })
    .await
}
