//! Recovering a forgotten password: a reset link mailed to the primary address
//! (and the recovery address, when there is one), single use, 30 minutes.

use crate::error::AppError;
use crate::i18n::td_string;
use crate::model::AccountSource;
use crate::server::audit::{self, Actor, AuditAction, Outcome};
use crate::server::auth::{password::Password, policy, session};
use crate::server::db::{self, tokens, users};
use crate::server::email::bad_link;
use crate::server::infra::context::RequestCtx;
use crate::server::infra::mail;
use crate::server::infra::state::AppState;
use crate::server::notifications::{self, SecurityEvent};
use crate::server::throttle::{self, Kind};
use crate::server::workspace;

/// How long a password reset link works.
pub const RESET_LINK_SECS: i64 = 30 * 60;

/// Mails a reset link when the account exists and has a local password. The
/// answer is the same either way, and so is the work done before answering:
/// the typed login and the address are counted, and everything that depends on
/// whether the account exists (lookup, link, mail) happens after the answer, so
/// neither the reply nor its timing tells anyone which accounts exist.
pub async fn request_reset(
    state: &AppState,
    ctx: &RequestCtx,
    login: &str,
) -> Result<(), AppError> {
    let login = login.trim();
    if login.is_empty() {
        return Err(AppError::field(
            "login",
            td_string!(ctx.locale, validate.enter_login).to_string(),
        ));
    }
    // Counted like a sign-in attempt: the same delays stop mail bombing.
    throttle::reserve(
        state,
        ctx,
        Kind::ResetLink,
        Actor::Unknown(login),
        AuditAction::PasswordResetRequested,
    )
    .await?;
    let (state, ctx, login) = (state.clone(), ctx.clone(), login.to_string());
    state.background.clone().spawn(async move {
        if let Err(e) = send_reset_link(&state, &ctx, &login).await {
            tracing::warn!(error = %e, "could not send a password reset link");
        }
    });
    Ok(())
}

/// The part of [`request_reset`] done after answering.
async fn send_reset_link(state: &AppState, ctx: &RequestCtx, login: &str) -> Result<(), AppError> {
    let Some(user) = users::find_by_login(&state.db, login).await? else {
        return Ok(());
    };
    if user.is_disabled() || user.source == AccountSource::External {
        return Ok(());
    }
    // Per account too, whichever identifier was typed: at most a few links an
    // hour reach one mailbox however many addresses ask.
    if throttle::reserve_account(
        state,
        ctx,
        Kind::ResetLink,
        Actor::User(&user),
        AuditAction::PasswordResetRequested,
    )
    .await
    .is_err()
    {
        return Ok(());
    }
    let token = session::new_id();
    tokens::insert(
        &state.db,
        &session::hash_id(&token),
        tokens::PASSWORD_RESET,
        &user.id,
        "",
        RESET_LINK_SECS,
    )
    .await?;
    let link = format!("{}/reset-password?token={token}", state.config.public_url);
    let l = workspace::user_locale(&user, &workspace::load(&state.db).await?);
    let body = td_string!(l, mail.reset_body, username = &user.username, link = link).to_string();
    let subject = td_string!(l, mail.reset_subject).to_string();
    // Always to the primary address, so its owner sees every reset asked for;
    // also to the recovery address (for when the primary one is lost).
    mail::enqueue(&state.db, &user.email, &subject, &body).await?;
    if !user.recovery_email.is_empty() && !user.recovery_email.eq_ignore_ascii_case(&user.email) {
        mail::enqueue(&state.db, &user.recovery_email, &subject, &body).await?;
    }
    audit::record(
        state,
        ctx,
        &user,
        AuditAction::PasswordResetRequested,
        Outcome::Success,
    )
    .await;
    Ok(())
}

/// How long the link a new account gets to set its password works.
pub const WELCOME_LINK_SECS: i64 = 3 * 86_400;

/// Mails `user` a single-use link to set a (new) password, for an
/// administrator: a reset link (30 minutes, to the primary and recovery
/// addresses) or, for an account just created, a welcome (3 days).
pub async fn mail_link(
    state: &AppState,
    user: &users::UserRow,
    welcome: bool,
) -> Result<(), AppError> {
    let token = session::new_id();
    let valid = if welcome {
        WELCOME_LINK_SECS
    } else {
        RESET_LINK_SECS
    };
    tokens::insert(
        &state.db,
        &session::hash_id(&token),
        tokens::PASSWORD_RESET,
        &user.id,
        "",
        valid,
    )
    .await?;
    let link = format!("{}/reset-password?token={token}", state.config.public_url);
    let l = workspace::user_locale(user, &workspace::load(&state.db).await?);
    let (subject, body) = if welcome {
        (
            td_string!(l, mail.welcome_subject).to_string(),
            td_string!(
                l,
                mail.welcome_body,
                username = &user.username,
                link = &link
            )
            .to_string(),
        )
    } else {
        (
            td_string!(l, mail.reset_subject).to_string(),
            td_string!(l, mail.reset_body, username = &user.username, link = &link).to_string(),
        )
    };
    mail::enqueue(&state.db, &user.email, &subject, &body).await?;
    if !welcome
        && !user.recovery_email.is_empty()
        && !user.recovery_email.eq_ignore_ascii_case(&user.email)
    {
        mail::enqueue(&state.db, &user.recovery_email, &subject, &body).await?;
    }
    Ok(())
}

/// "API token “ci” (tsr_ab12…)", one per credential that outlives a reset.
async fn credential_names(state: &AppState, user_id: &str) -> Result<Vec<String>, AppError> {
    let tokens = db::api_tokens::list_for_user(&state.db, user_id).await?;
    let apps = db::api_tokens::list_app_passwords(&state.db, user_id).await?;
    Ok(tokens
        .iter()
        .map(|t| format!("\"{}\" ({}…)", t.name, t.shown))
        .chain(apps.iter().map(|a| format!("\"{}\"", a.name)))
        .collect())
}

/// Sets a new password with a reset link; ends every session of the account.
pub async fn reset(
    state: &AppState,
    ctx: &RequestCtx,
    token: &str,
    new: &Password,
    confirm: &Password,
) -> Result<(), AppError> {
    let hash = session::hash_id(token.trim());
    let Some(pending) = tokens::peek(&state.db, &hash, tokens::PASSWORD_RESET).await? else {
        return Err(bad_link(ctx.locale));
    };
    let user = users::find_by_id(&state.db, &pending.user_id)
        .await?
        .filter(|u| !u.is_disabled())
        .ok_or_else(|| bad_link(ctx.locale))?;
    let mut errors = Vec::new();
    let min = workspace::password_min_length(&state.db).await?;
    let problems = policy::problems(new.expose(), &user.username, &user.email, min, ctx.locale);
    if !problems.is_empty() {
        errors.push(crate::error::FieldError {
            field: "new_password".into(),
            message: problems.join(" "),
        });
    }
    if new.expose() != confirm.expose() {
        errors.push(crate::error::FieldError {
            field: "confirm_password".into(),
            message: td_string!(ctx.locale, password.mismatch).to_string(),
        });
    }
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let new_hash = state.hasher.hash(new).await?;
    let mut tx = state.db.begin().await?;
    if tokens::consume(&mut *tx, &hash, tokens::PASSWORD_RESET)
        .await?
        .is_none()
    {
        return Err(bad_link(ctx.locale));
    }
    users::set_password_hash(&mut *tx, &user.id, &new_hash).await?;
    // Whoever had the account before this reset is shut out: every session
    // ends, and every link and sign-in challenge still open is void.
    db::shut_out(&mut tx, &user.id, None).await?;
    // A recovery address an intruder set would bring them back: it goes, and
    // its owner adds it again (confirmed by a link) if it was theirs.
    users::update_recovery_email(&mut *tx, &user.id, "").await?;
    // So would a passkey an intruder added (it signs in alone).
    db::passkeys::remove_after_reset(&mut tx, &user.id).await?;
    tx.commit().await?;
    throttle::clear_account(state, Kind::Password, &user).await?;
    audit::record(
        state,
        ctx,
        &user,
        AuditAction::PasswordReset,
        Outcome::Success,
    )
    .await;
    // Tokens and app passwords keep working (scripts must not break), but the
    // owner is shown each one to review.
    let credentials = credential_names(state, &user.id).await?;
    notifications::security_event(
        state,
        &user,
        SecurityEvent::PasswordReset {
            credentials: &credentials,
        },
    )
    .await;
    Ok(())
}
