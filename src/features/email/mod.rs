//! Email addresses: change the primary address by confirmation link, set the
//! recovery address.

pub mod page;

use crate::error::AppError;
use leptos::prelude::*;

/// Sends a confirmation link to `email` (sudo mode). The address changes when
/// the link is used.
#[server(endpoint = "email/change")]
pub async fn request_email_change(email: String) -> Result<(), AppError> {
    use crate::server::{context::RequestCtx, email, state::AppState};
    crate::server::error::respond(async move {
        let state = expect_context::<AppState>();
        let ctx = RequestCtx::current()?;
        email::request_change(&state, &ctx, ctx.require_auth()?, &email).await
    })
    .await
}

/// Uses a confirmation link; works signed in or not (the link is the proof).
#[server(endpoint = "email/confirm")]
pub async fn confirm_email(token: String) -> Result<String, AppError> {
    use crate::server::{context::RequestCtx, email, state::AppState};
    crate::server::error::respond(async move {
        let state = expect_context::<AppState>();
        let ctx = RequestCtx::current()?;
        email::confirm_change(&state, &ctx, &token).await
    })
    .await
}

/// Sets the recovery address (sudo mode); empty means the primary address.
#[server(endpoint = "email/recovery")]
pub async fn set_recovery_email(recovery_email: String) -> Result<(), AppError> {
    use crate::server::{context::RequestCtx, email, state::AppState};
    crate::server::error::respond(async move {
        let state = expect_context::<AppState>();
        let ctx = RequestCtx::current()?;
        email::set_recovery(&state, &ctx, ctx.require_auth()?, &recovery_email).await
    })
    .await
}
