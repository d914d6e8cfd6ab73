//! Email addresses: changing the primary address by confirmation link, and the
//! recovery address (where `recovery.rs` sends password reset links).

use crate::error::AppError;
use crate::i18n::td_string;
use crate::lang::Locale;
use crate::model::ConfirmedAddress;
use crate::server::audit::{self, Actor, AuditAction, Outcome};
use crate::server::auth::{session, sudo};
use crate::server::db::{self, tokens, users};
use crate::server::infra::context::{Auth, RequestCtx};
use crate::server::infra::state::AppState;
use crate::server::notifications::{self, SecurityEvent};
use crate::server::throttle::{self, Kind};
use crate::server::{infra::mail, workspace};
use crate::validate;

/// How long an email-change confirmation link works.
pub const CHANGE_LINK_SECS: i64 = 24 * 3600;

pub(crate) fn bad_link(l: Locale) -> AppError {
    AppError::BadRequest(td_string!(l, email.bad_link).to_string())
}

async fn refuse_if_locked(state: &AppState, ctx: &RequestCtx, auth: &Auth) -> Result<(), AppError> {
    let ws = workspace::load(&state.db).await?;
    match workspace::identity_lock(&auth.user, &ws) {
        Some(reason) => Err(AppError::BadRequest(
            td_string!(ctx.locale, email.locked, reason = reason.text(ctx.locale)).to_string(),
        )),
        None => Ok(()),
    }
}

/// Sends a confirmation link to `new_email`; the address changes only when it is used.
pub async fn request_change(
    state: &AppState,
    ctx: &RequestCtx,
    auth: &Auth,
    new_email: &str,
) -> Result<(), AppError> {
    refuse_if_locked(state, ctx, auth).await?;
    sudo::require(auth)?;
    let l = ctx.locale;
    let new_email = validate::email(new_email, l).map_err(|m| AppError::field("email", m))?;
    if new_email.eq_ignore_ascii_case(&auth.user.email) {
        return Err(AppError::field(
            "email",
            td_string!(l, email.same_address).to_string(),
        ));
    }
    // Each request mails an address the caller chose: counted per account,
    // per client address and per recipient, so nobody turns Tessera into a mail
    // cannon, and counted before the "taken" answer, so that answer cannot be
    // used to list the accounts' addresses at speed.
    throttle::reserve(
        state,
        ctx,
        Kind::Mail,
        Actor::User(&auth.user),
        AuditAction::EmailChangeRequested,
    )
    .await?;
    throttle::reserve_recipient(
        state,
        ctx,
        Actor::User(&auth.user),
        &new_email,
        AuditAction::EmailChangeRequested,
    )
    .await?;
    if users::find_by_login(&state.db, &new_email)
        .await?
        .is_some_and(|u| u.id != auth.user.id)
        || db::deleted_accounts::is_reserved(&state.db, "email", &new_email).await?
    {
        return Err(AppError::field(
            "email",
            td_string!(l, email.taken).to_string(),
        ));
    }
    let token = session::new_id();
    tokens::insert(
        &state.db,
        &session::hash_id(&token),
        tokens::EMAIL_CHANGE,
        &auth.user.id,
        &new_email,
        CHANGE_LINK_SECS,
    )
    .await?;
    let link = format!("{}/confirm-email?token={token}", state.config.public_url);
    let body = td_string!(
        l,
        mail.change_body,
        name = auth.user.to_current().shown_name(),
        address = &new_email,
        username = &auth.user.username,
        link = link
    )
    .to_string();
    let subject = td_string!(l, mail.change_subject).to_string();
    mail::enqueue(&state.db, &new_email, &subject, &body).await?;
    audit::record(
        state,
        ctx,
        &auth.user,
        AuditAction::EmailChangeRequested,
        Outcome::Success,
    )
    .await;
    Ok(())
}

/// Uses a confirmation link: the new primary address takes effect (the old
/// one is told), or the new recovery address does (the primary one is told).
pub async fn confirm_change(
    state: &AppState,
    ctx: &RequestCtx,
    token: &str,
) -> Result<ConfirmedAddress, AppError> {
    let hash = session::hash_id(token.trim());
    let mut tx = state.db.begin().await?;
    let (t, recovery) = match tokens::consume(&mut *tx, &hash, tokens::EMAIL_CHANGE).await? {
        Some(t) => (t, false),
        None => match tokens::consume(&mut *tx, &hash, tokens::RECOVERY_EMAIL).await? {
            Some(t) => (t, true),
            None => return Err(bad_link(ctx.locale)),
        },
    };
    let user = users::find_by_id(&state.db, &t.user_id)
        .await?
        .ok_or_else(|| bad_link(ctx.locale))?;
    // Reset links already mailed went to the address being replaced: void them.
    tokens::delete_unused(&mut *tx, &user.id, tokens::PASSWORD_RESET).await?;
    if recovery {
        users::update_recovery_email(&mut *tx, &user.id, &t.new_email).await?;
        tx.commit().await?;
        audit::record(
            state,
            ctx,
            &user,
            AuditAction::RecoveryEmailChanged,
            Outcome::Success,
        )
        .await;
        notifications::security_event(
            state,
            &user,
            SecurityEvent::RecoveryChanged {
                address: &t.new_email,
            },
        )
        .await;
        return Ok(ConfirmedAddress {
            address: t.new_email,
            recovery: true,
        });
    }
    // An address a deleted account had stays reserved, also for a link
    // mailed before the deletion.
    if db::deleted_accounts::is_reserved(&state.db, "email", &t.new_email).await? {
        return Err(AppError::BadRequest(
            td_string!(ctx.locale, email.taken_now).to_string(),
        ));
    }
    match users::update_email(&mut *tx, &user.id, &t.new_email).await {
        Ok(()) => {}
        Err(e) if users::is_unique_violation(&e) => {
            return Err(AppError::BadRequest(
                td_string!(ctx.locale, email.taken_now).to_string(),
            ));
        }
        Err(e) => return Err(e.into()),
    }
    tx.commit().await?;
    // The old address is told in the language its owner reads.
    let l = workspace::user_locale(&user, &workspace::load(&state.db).await?);
    let body = td_string!(
        l,
        mail.changed_body,
        username = &user.username,
        old = &user.email,
        new = &t.new_email
    )
    .to_string();
    let subject = td_string!(l, mail.changed_subject).to_string();
    mail::enqueue(&state.db, &user.email, &subject, &body).await?;
    audit::record(
        state,
        ctx,
        &user,
        AuditAction::EmailChanged,
        Outcome::Success,
    )
    .await;
    // The account as it is now: notices go to the new primary address.
    if let Some(now) = users::find_by_id(&state.db, &user.id).await? {
        notifications::security_event(
            state,
            &now,
            SecurityEvent::EmailChanged {
                old: &user.email,
                new: &t.new_email,
            },
        )
        .await;
    }
    Ok(ConfirmedAddress {
        address: t.new_email,
        recovery: false,
    })
}

/// Sets where password reset links go. Empty (or the primary address): the
/// primary address, at once. A new address takes effect only when the link
/// mailed to it is used, so a hijacked session cannot quietly route the next
/// reset link to an attacker; the primary address is told either way.
/// Returns the address a confirmation link went to, if one did.
pub async fn set_recovery(
    state: &AppState,
    ctx: &RequestCtx,
    auth: &Auth,
    email: &str,
) -> Result<Option<String>, AppError> {
    refuse_if_locked(state, ctx, auth).await?;
    sudo::require(auth)?;
    let l = ctx.locale;
    let user = &auth.user;
    let typed = email.trim();
    if typed.is_empty() || typed.eq_ignore_ascii_case(&user.email) {
        let mut tx = state.db.begin().await?;
        tokens::delete_unused(&mut *tx, &user.id, tokens::RECOVERY_EMAIL).await?;
        if !user.recovery_email.is_empty() {
            // Reset links mailed to the address being removed must not work.
            tokens::delete_unused(&mut *tx, &user.id, tokens::PASSWORD_RESET).await?;
        }
        users::update_recovery_email(&mut *tx, &user.id, "").await?;
        tx.commit().await?;
        if !user.recovery_email.is_empty() {
            audit::record(
                state,
                ctx,
                user,
                AuditAction::RecoveryEmailChanged,
                Outcome::Success,
            )
            .await;
            notifications::security_event(
                state,
                user,
                SecurityEvent::RecoveryChanged { address: "" },
            )
            .await;
        }
        return Ok(None);
    }
    let email = validate::email(typed, l).map_err(|m| AppError::field("recovery_email", m))?;
    if email.eq_ignore_ascii_case(&user.recovery_email) {
        return Err(AppError::field(
            "recovery_email",
            td_string!(l, email.recovery_same).to_string(),
        ));
    }
    throttle::reserve(
        state,
        ctx,
        Kind::Mail,
        Actor::User(user),
        AuditAction::RecoveryEmailRequested,
    )
    .await?;
    throttle::reserve_recipient(
        state,
        ctx,
        Actor::User(user),
        &email,
        AuditAction::RecoveryEmailRequested,
    )
    .await?;
    let token = session::new_id();
    tokens::insert(
        &state.db,
        &session::hash_id(&token),
        tokens::RECOVERY_EMAIL,
        &user.id,
        &email,
        CHANGE_LINK_SECS,
    )
    .await?;
    let link = format!("{}/confirm-email?token={token}", state.config.public_url);
    let body = td_string!(
        l,
        mail.recovery_body,
        address = &email,
        username = &user.username,
        link = link
    )
    .to_string();
    let subject = td_string!(l, mail.recovery_subject).to_string();
    mail::enqueue(&state.db, &email, &subject, &body).await?;
    audit::record(
        state,
        ctx,
        user,
        AuditAction::RecoveryEmailRequested,
        Outcome::Success,
    )
    .await;
    notifications::security_event(
        state,
        user,
        SecurityEvent::RecoveryRequested { address: &email },
    )
    .await;
    Ok(Some(email))
}
