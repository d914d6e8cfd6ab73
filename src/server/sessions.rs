//! "Devices & sessions": what the owner of an account sees of its sessions, and
//! signing them out.

use crate::error::AppError;
use crate::features::sessions::types::DeviceSession;
use crate::server::audit::{self, AuditAction, Outcome};
use crate::server::infra::context::{Auth, RequestCtx};
use crate::server::infra::state::AppState;
use crate::server::{db, infra::timefmt, infra::user_agent};

pub async fn list(state: &AppState, auth: &Auth) -> Result<Vec<DeviceSession>, AppError> {
    let rows = db::sessions::list_live_for_user(
        &state.db,
        &auth.user.id,
        state.config.session_idle_timeout_secs,
    )
    .await?;
    let l = crate::server::infra::context::current_locale();
    Ok(rows
        .into_iter()
        .map(|s| {
            let (browser, os) = user_agent::describe(&s.user_agent);
            DeviceSession {
                current: s.id_hash == auth.session_hash,
                id: s.public_id,
                browser,
                os,
                ip: s.ip,
                created: timefmt::format(s.created_at, &auth.user.time_zone, l),
                last_seen: timefmt::format(s.last_seen_at, &auth.user.time_zone, l),
            }
        })
        .collect())
}

/// Signs out one of the caller's other sessions.
pub async fn revoke(
    state: &AppState,
    ctx: &RequestCtx,
    auth: &Auth,
    public_id: &str,
) -> Result<(), AppError> {
    let current = db::sessions::find_live(
        &state.db,
        &auth.session_hash,
        state.config.session_idle_timeout_secs,
    )
    .await?
    .map(|live| live.public_id);
    if current.as_deref() == Some(public_id) {
        return Err(AppError::BadRequest(
            crate::i18n::td_string!(ctx.locale, sessions.use_sign_out).to_string(),
        ));
    }
    if !db::sessions::delete_by_public_id(&state.db, &auth.user.id, public_id).await? {
        // Unknown, already ended, or someone else's: all look the same.
        return Err(AppError::NotFound);
    }
    audit::record(
        state,
        ctx,
        &auth.user,
        AuditAction::SessionRevoke,
        Outcome::Success,
    )
    .await;
    Ok(())
}

/// Signs out every session of the caller but this one; returns how many ended.
pub async fn revoke_others(
    state: &AppState,
    ctx: &RequestCtx,
    auth: &Auth,
) -> Result<u64, AppError> {
    let n = db::sessions::delete_all_for_user(&state.db, &auth.user.id, Some(&auth.session_hash))
        .await?;
    let action = AuditAction::SessionRevokeOthers { count: n };
    audit::record(state, ctx, &auth.user, action, Outcome::Success).await;
    Ok(n)
}

/// The password was just proven again: the session gets a new id (one that
/// leaked before is worth nothing now) and sudo mode opens. Returns the new id
/// for the cookie.
pub async fn renew(state: &AppState, auth: &Auth) -> Result<String, AppError> {
    let id = crate::server::auth::session::new_id();
    let hash = crate::server::auth::session::hash_id(&id);
    if !db::sessions::renew_with_sudo(&state.db, &auth.session_hash, &hash).await? {
        return Err(AppError::Unauthorized);
    }
    Ok(id)
}
