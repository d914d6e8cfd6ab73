//! The admin console (§9): the audit log and every user's tokens, in the
//! browser. Every server function checks the role on the server first.

pub mod audit;
pub mod tokens;
pub mod types;

use crate::error::AppError;
use leptos::prelude::*;
use types::{AuditFilter, AuditPage};

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
