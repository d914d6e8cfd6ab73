//! Email addresses: change the primary address by confirmation link, set the
//! recovery address.

pub mod page;

use crate::error::AppError;
use crate::model::ConfirmedAddress;
use leptos::prelude::*;

/// Sends a confirmation link to `email` (sudo mode). The address changes when
/// the link is used.
#[server(endpoint = "email/change")]
pub async fn request_email_change(email: String) -> Result<(), AppError> {
    use crate::server::email;
    crate::server::serve(|c| async move {
        email::request_change(&c.state, &c.ctx, c.auth()?, &email).await
    })
    .await
}

/// Uses a confirmation link; works signed in or not (the link is the proof).
#[server(endpoint = "email/confirm")]
pub async fn confirm_email(token: String) -> Result<ConfirmedAddress, AppError> {
    use crate::server::email;
    crate::server::serve(|c| async move { email::confirm_change(&c.state, &c.ctx, &token).await })
        .await
}

/// Sets the recovery address (sudo mode); empty means the primary address.
/// A new address waits for the link mailed to it: its address is returned.
#[server(endpoint = "email/recovery")]
pub async fn set_recovery_email(recovery_email: String) -> Result<Option<String>, AppError> {
    use crate::server::email;
    crate::server::serve(|c| async move {
        email::set_recovery(&c.state, &c.ctx, c.auth()?, &recovery_email).await
    })
    .await
}
