//! "Account" (`/settings/account`): take your data along, or leave.

pub mod page;

use crate::error::AppError;
use leptos::prelude::*;

/// Everything stored about the caller as JSON text (sudo mode).
#[server(endpoint = "account/export")]
pub async fn export_account() -> Result<String, AppError> {
    use crate::server::account;
    crate::server::serve(|c| async move { account::export(&c.state, &c.ctx, c.auth()?).await })
        .await
}

/// Deletes the caller's account (sudo mode; `confirm` is the username, typed).
#[server(endpoint = "account/delete")]
pub async fn delete_account(confirm: String) -> Result<(), AppError> {
    use crate::server::account;
    crate::server::serve(|c| async move {
        account::delete_own(&c.state, &c.ctx, c.auth()?, &confirm).await
    })
    .await
}
