//! "Security log" (`/settings/security-log`): every event about the
//! signed-in person's account — sign-ins (failed ones too), password, email,
//! 2FA, token, app-password and session changes — with time, address and
//! device, as GitHub shows it.

pub mod page;
pub mod types;

use crate::error::AppError;
use leptos::prelude::*;
use types::SecurityLogPage;

/// A page of the caller's security log, newest first; `before` is the
/// previous page's `older` cursor.
#[server(endpoint = "security-log", input = leptos::server_fn::codec::GetUrl)]
pub async fn security_log(before: Option<String>) -> Result<SecurityLogPage, AppError> {
    use crate::server::audit;
    crate::server::serve(|c| async move {
        audit::security_log(&c.state, &c.auth()?.user, before.as_deref()).await
    })
    .await
}
