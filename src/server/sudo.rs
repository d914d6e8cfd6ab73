//! Sudo mode, opened: the password (or a current code from the authenticator
//! app) entered again. The check that sensitive actions make is
//! `auth::sudo::require`.

use crate::error::AppError;
use crate::features::auth::types::SudoMethods;
use crate::i18n::td_string;
use crate::server::audit::{self, Actor, AuditAction, Outcome};
use crate::server::auth::{check_own_password, password::Password};
use crate::server::db;
use crate::server::infra::context::{Auth, RequestCtx};
use crate::server::infra::state::AppState;
use crate::server::throttle::{self, Kind};

/// What the dialog offers besides the password: the app's code when TOTP is
/// on, a passkey when the account has one.
pub async fn methods(state: &AppState, auth: &Auth) -> Result<SudoMethods, AppError> {
    let id = &auth.user.id;
    Ok(SudoMethods {
        code: db::two_factor::totp_on(&state.db, id).await?,
        passkey: db::passkeys::count(&state.db, id).await? > 0,
    })
}

/// Checks the password (throttled like a sign-in) and opens the sudo window on
/// a new session id, returned for the cookie.
/// Accounts with 2FA may give a current code from their app instead: six
/// digits can never be a valid password (at least eight characters).
pub async fn confirm(
    state: &AppState,
    ctx: &RequestCtx,
    auth: &Auth,
    password: &Password,
) -> Result<String, AppError> {
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
        && db::two_factor::totp_on(&state.db, &user.id).await?
    {
        let attempt = throttle::reserve(
            state,
            ctx,
            Kind::Code,
            Actor::User(user),
            AuditAction::Reauthenticate,
        )
        .await?;
        if !crate::server::two_factor::verify_totp(state, user, &typed).await? {
            audit::record(
                state,
                ctx,
                user,
                AuditAction::Reauthenticate,
                Outcome::Failure,
            )
            .await;
            return Err(AppError::field(
                "password",
                td_string!(ctx.locale, two_factor.wrong_code).to_string(),
            ));
        }
        attempt.succeeded(state).await?;
    } else {
        check_own_password(
            state,
            ctx,
            user,
            password,
            AuditAction::Reauthenticate,
            ("password", td_string!(ctx.locale, sudo.wrong)),
        )
        .await?;
    }
    let session_id = crate::server::sessions::renew(state, auth).await?;
    audit::record(
        state,
        ctx,
        user,
        AuditAction::Reauthenticate,
        Outcome::Success,
    )
    .await;
    Ok(session_id)
}
