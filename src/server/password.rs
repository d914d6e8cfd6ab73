//! Changing one's password (the Password settings page). Resetting a forgotten
//! one is `recovery.rs`; the hashing and the policy are in `auth`.

use crate::error::AppError;
use crate::i18n::td_string;
use crate::model::AccountSource;
use crate::server::audit::{self, AuditAction, Outcome};
use crate::server::auth::{check_own_password, password::Password, policy};
use crate::server::db::{self, users};
use crate::server::infra::context::{Auth, RequestCtx};
use crate::server::infra::state::AppState;
use crate::server::notifications::{self, SecurityEvent};

/// Changes the signed-in user's password. The current password is the
/// re-authentication; afterwards every other session of the user is ended,
/// every link and sign-in challenge still open is void, this session gets a
/// new id (returned for the cookie) with sudo mode open, and the owner is told.
pub async fn change_password(
    state: &AppState,
    ctx: &RequestCtx,
    auth: &Auth,
    current: &Password,
    new: &Password,
    confirm: &Password,
) -> Result<String, AppError> {
    let user = &auth.user;
    if user.source == AccountSource::External {
        return Err(AppError::BadRequest(
            td_string!(ctx.locale, password.external).to_string(),
        ));
    }
    let mut errors = Vec::new();
    let mut push = |field: &str, message: String| {
        errors.push(crate::error::FieldError {
            field: field.into(),
            message,
        });
    };
    if current.expose().is_empty() {
        push(
            "current_password",
            td_string!(ctx.locale, password.enter_current).to_string(),
        );
    }
    let min = crate::server::workspace::password_min_length(&state.db).await?;
    let problems = policy::problems(new.expose(), &user.username, &user.email, min, ctx.locale);
    if !problems.is_empty() {
        push("new_password", problems.join(" "));
    } else if new.expose() == current.expose() {
        push(
            "new_password",
            td_string!(ctx.locale, password.same_as_current).to_string(),
        );
    }
    if new.expose() != confirm.expose() {
        push(
            "confirm_password",
            td_string!(ctx.locale, password.mismatch).to_string(),
        );
    }
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }

    check_own_password(
        state,
        ctx,
        user,
        current,
        AuditAction::PasswordChange,
        (
            "current_password",
            td_string!(ctx.locale, password.current_wrong),
        ),
    )
    .await?;
    let hash = state.hasher.hash(new).await?;
    let mut tx = state.db.begin().await?;
    users::set_password_hash(&mut *tx, &user.id, &hash).await?;
    // Other sessions end; a link mailed earlier (a reset, an address change) or a
    // sign-in challenge opened with the old password must not outlive this change.
    db::shut_out(&mut tx, &user.id, Some(&auth.session_hash)).await?;
    tx.commit().await?;
    // The current password was just proven: a new session id, sudo mode open.
    let session_id = crate::server::sessions::renew(state, auth).await?;
    audit::record(
        state,
        ctx,
        user,
        AuditAction::PasswordChange,
        Outcome::Success,
    )
    .await;
    notifications::security_event(
        state,
        user,
        SecurityEvent::PasswordChanged {
            recovery: &user.recovery_email,
        },
    )
    .await;
    Ok(session_id)
}
