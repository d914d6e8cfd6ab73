//! The admin console (§9): the audit log and every user's tokens, in the
//! browser. Every server function checks the role on the server first.

pub mod audit;
pub mod tokens;
pub mod types;
pub mod users;
pub mod workspace;

use crate::error::AppError;
use leptos::prelude::*;
use types::{
    AdminUserRow, AuditFilter, AuditPage, DeliveryStatus, UserPage, UserQuery, WorkspaceSettings,
};

/// Admin: a page of the audit log, filtered, newest first; `before` is the
/// previous page's `older` cursor.
#[server(endpoint = "admin/audit", input = leptos::server_fn::codec::GetUrl)]
pub async fn admin_audit(
    filter: AuditFilter,
    before: Option<String>,
) -> Result<AuditPage, AppError> {
    use crate::server::admin;
    crate::server::serve(|c| async move {
        let me = admin::require(&c.ctx)?;
        admin::audit_page(&c.state, me, &filter, before.as_deref()).await
    })
    .await
}

/// Admin: a page of the user list (search, filters, sort); `after` is the
/// previous page's `next` cursor.
#[server(endpoint = "admin/users", input = leptos::server_fn::codec::GetUrl)]
pub async fn admin_list_users(
    query: UserQuery,
    after: Option<String>,
) -> Result<UserPage, AppError> {
    use crate::server::admin;
    crate::server::serve(|c| async move {
        let me = admin::require(&c.ctx)?;
        admin::list_users_page(&c.state, me, &query, after.as_deref()).await
    })
    .await
}

/// Admin: creates an account; a local one gets a link to set its password.
#[server(endpoint = "admin/users/create")]
pub async fn admin_create_user(
    username: String,
    email: String,
    admin: bool,
    external: bool,
) -> Result<AdminUserRow, AppError> {
    use crate::server::admin as service;
    crate::server::serve(|c| async move {
        let me = service::require_sudo(&c.ctx)?;
        let new = types::NewAccount {
            username,
            email,
            admin,
            external,
        };
        service::create_account(&c.state, &c.ctx, me, &new).await
    })
    .await
}

/// Admin: makes an account an administrator (or a user).
#[server(endpoint = "admin/users/role")]
pub async fn admin_set_role(id: String, admin: bool) -> Result<(), AppError> {
    use crate::server::admin as service;
    crate::server::serve(|c| async move {
        let me = service::require_sudo(&c.ctx)?;
        service::set_role(&c.state, &c.ctx, me, &id, admin).await
    })
    .await
}

/// Admin: disables (or enables) an account.
#[server(endpoint = "admin/users/disabled")]
pub async fn admin_set_disabled(id: String, disabled: bool) -> Result<(), AppError> {
    use crate::server::admin;
    crate::server::serve(|c| async move {
        let me = admin::require_sudo(&c.ctx)?;
        admin::set_disabled(&c.state, &c.ctx, me, &id, disabled).await
    })
    .await
}

/// Admin: ends every session of an account; answers how many.
#[server(endpoint = "admin/users/sign-out")]
pub async fn admin_sign_out_everywhere(id: String) -> Result<u64, AppError> {
    use crate::server::admin;
    crate::server::serve(|c| async move {
        let me = admin::require_sudo(&c.ctx)?;
        admin::sign_out_everywhere(&c.state, &c.ctx, me, &id).await
    })
    .await
}

/// Admin: mails an account a link to set a new password.
#[server(endpoint = "admin/users/reset-link")]
pub async fn admin_send_reset_link(id: String) -> Result<(), AppError> {
    use crate::server::admin;
    crate::server::serve(|c| async move {
        let me = admin::require_sudo(&c.ctx)?;
        admin::send_reset_link(&c.state, &c.ctx, me, &id).await
    })
    .await
}

/// Admin: the workspace settings in force.
#[server(endpoint = "admin/workspace", input = leptos::server_fn::codec::GetUrl)]
pub async fn admin_workspace() -> Result<WorkspaceSettings, AppError> {
    use crate::server::admin;
    crate::server::serve(
        |c| async move { admin::workspace(&c.state, admin::require(&c.ctx)?).await },
    )
    .await
}

/// Admin: saves the workspace settings (sudo mode); answers them as stored.
#[server(endpoint = "admin/workspace/save")]
pub async fn admin_save_workspace(
    settings: WorkspaceSettings,
) -> Result<WorkspaceSettings, AppError> {
    use crate::server::admin;
    crate::server::serve(|c| async move {
        let me = admin::require_sudo(&c.ctx)?;
        admin::save_workspace(&c.state, &c.ctx, me, &settings).await
    })
    .await
}

/// Admin: how delivery goes (SMTP, queue counts, newest items).
#[server(endpoint = "admin/outbox", input = leptos::server_fn::codec::GetUrl)]
pub async fn admin_delivery() -> Result<DeliveryStatus, AppError> {
    use crate::server::admin;
    crate::server::serve(|c| async move {
        admin::delivery_status(&c.state, admin::require(&c.ctx)?).await
    })
    .await
}

/// Admin: tries a waiting item again now.
#[server(endpoint = "admin/outbox/retry")]
pub async fn admin_retry_delivery(id: String) -> Result<bool, AppError> {
    use crate::server::admin;
    crate::server::serve(|c| async move {
        let me = admin::require_sudo(&c.ctx)?;
        admin::retry_delivery(&c.state, &c.ctx, me, &id).await
    })
    .await
}

/// Admin: deletes an account; `confirm` is its username, typed.
#[server(endpoint = "admin/users/delete")]
pub async fn admin_delete_user(id: String, confirm: String) -> Result<(), AppError> {
    use crate::server::admin;
    crate::server::serve(|c| async move {
        let me = admin::require_sudo(&c.ctx)?;
        admin::delete_user(&c.state, &c.ctx, me, &id, &confirm).await
    })
    .await
}
