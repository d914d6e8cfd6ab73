//! Everything only an administrator may do, in one place: the admin server
//! functions and the REST API's admin endpoints are adapters over these.
//! Every function here starts with [`require`] (or [`require_user`] for
//! callers authenticated otherwise). The parts: `users` (Admin › Users),
//! `tokens` (Admin › Tokens), `workspace` (Admin › Workspace: settings,
//! delivery, broadcasts) and `audit_log` (Admin › Audit log).

pub mod audit_log;
pub mod tokens;
pub mod users;
pub mod workspace;

pub use audit_log::{audit_filter, audit_page};
pub use tokens::{all_tokens, list_app_passwords, list_tokens, revoke_app_password, revoke_token};
pub use users::{
    create_account, delete_user, list_users, list_users_page, reset_two_factor, send_reset_link,
    set_disabled, set_role, sign_out_everywhere,
};
pub use workspace::{
    delivery_status, publish, retry_delivery, save_workspace, set_two_factor_mandatory, workspace,
};

use crate::error::AppError;
use crate::model::Role;
use crate::server::audit::{self, Actor, AuditAction, Outcome};
use crate::server::db::users::UserRow;
use crate::server::infra::context::RequestCtx;
use crate::server::infra::state::AppState;
use crate::server::Result;

/// The signed-in administrator, or `Forbidden` (`Unauthorized` when signed out).
pub fn require(ctx: &RequestCtx) -> Result<&UserRow> {
    let auth = ctx.require_auth()?;
    require_user(&auth.user)?;
    Ok(&auth.user)
}

/// The signed-in administrator in sudo mode: every admin action that changes
/// something needs a fresh re-authentication, like the user's own sensitive
/// actions (`ReauthRequired` opens the sudo dialog).
pub fn require_sudo(ctx: &RequestCtx) -> Result<&UserRow> {
    let admin = require(ctx)?;
    crate::server::auth::sudo::require(ctx.require_auth()?)?;
    Ok(admin)
}

/// `user` is an administrator, or `Forbidden` (for callers authenticated otherwise,
/// such as the REST API).
pub fn require_user(user: &UserRow) -> Result<()> {
    if user.role() == Role::Admin {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

/// Audits a successful action of `admin` on the account `target` (None: a
/// workspace-wide action, no single account concerned).
async fn record(
    state: &AppState,
    ctx: &RequestCtx,
    admin: &UserRow,
    target: Option<&UserRow>,
    action: AuditAction,
) {
    let target = target.map(|t| t.id.as_str());
    audit::record_on(
        state,
        ctx,
        Actor::User(admin),
        target,
        action,
        Outcome::Success,
    )
    .await;
}
