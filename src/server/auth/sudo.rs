//! Sudo mode: sensitive actions need the password entered in this session within
//! the last ten minutes, so a borrowed unlocked browser cannot change the email
//! address, the password or (later) 2FA and tokens.

use crate::error::AppError;
use crate::i18n::td_string;
use crate::server::auth::{check_own_password, password::Password, record_user};
use crate::server::context::{Auth, RequestCtx};
use crate::server::db;
use crate::server::state::AppState;

pub const WINDOW_SECS: i64 = 600;

/// Ok when the session re-authenticated recently, else `ReauthRequired` (the UI
/// then asks for the password and retries).
pub fn require(auth: &Auth) -> Result<(), AppError> {
    if db::now() - auth.sudo_at <= WINDOW_SECS {
        Ok(())
    } else {
        Err(AppError::ReauthRequired)
    }
}

/// Checks the password (throttled like a sign-in) and opens the sudo window.
/// Accounts with 2FA may give a current code from their app instead: six
/// digits can never be a valid password (at least eight characters).
pub async fn confirm(
    state: &AppState,
    ctx: &RequestCtx,
    auth: &Auth,
    password: &Password,
) -> Result<(), AppError> {
    let user = &auth.user;
    if password.expose().is_empty() {
        return Err(AppError::field(
            "password",
            td_string!(ctx.locale, validate.enter_password).to_string(),
        ));
    }
    let typed: String = password
        .expose()
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    if typed.len() == 6
        && typed.bytes().all(|b| b.is_ascii_digit())
        && db::two_factor::is_enabled(&state.db, &user.id).await?
    {
        let attempt =
            crate::server::auth::reserve(state, ctx, "2fa", &user.username, "auth.reauthenticate")
                .await?;
        if !crate::server::two_factor::verify_totp(state, user, &typed).await? {
            record_user(state, ctx, user, "auth.reauthenticate", "failure").await;
            return Err(AppError::field(
                "password",
                td_string!(ctx.locale, two_factor.wrong_code).to_string(),
            ));
        }
        attempt.succeeded(state).await?;
        db::sessions::set_sudo(&state.db, &auth.session_hash).await?;
        record_user(state, ctx, user, "auth.reauthenticate", "success").await;
        return Ok(());
    }
    check_own_password(
        state,
        ctx,
        user,
        password,
        "auth.reauthenticate",
        ("password", td_string!(ctx.locale, sudo.wrong)),
    )
    .await?;
    db::sessions::set_sudo(&state.db, &auth.session_hash).await?;
    record_user(state, ctx, user, "auth.reauthenticate", "success").await;
    Ok(())
}
