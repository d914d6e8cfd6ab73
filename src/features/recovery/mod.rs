//! Forgotten password: ask for a reset link, then set a new password with it.

pub mod page;

use crate::error::AppError;
use leptos::prelude::*;

/// Mails a reset link when the account exists; the answer never says whether it does.
#[server(endpoint = "password/forgot")]
pub async fn request_password_reset(login: String) -> Result<(), AppError> {
    use crate::server::recovery;
    crate::server::serve(|c| async move { recovery::request_reset(&c.state, &c.ctx, &login).await })
        .await
}

/// Sets a new password with a reset link; every session of the account ends.
#[server(endpoint = "password/reset")]
pub async fn reset_password(
    token: String,
    new_password: String,
    confirm_password: String,
) -> Result<(), AppError> {
    use crate::server::{auth::password::Password, recovery};
    crate::server::serve(|c| async move {
        recovery::reset(
            &c.state,
            &c.ctx,
            &token,
            &Password::new(new_password),
            &Password::new(confirm_password),
        )
        .await
    })
    .await
}
