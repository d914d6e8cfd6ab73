//! Using a passkey: the password-less sign-in, the sign-in's second step
//! and sudo mode; the signature counter and the audit of every use.

use super::{
    b64url, internal, open_ceremony, parse, relying, stored_passkey, take_ceremony, user_handle,
    MAX_OPEN_SIGN_INS, SECOND_FACTOR, SIGN_IN, SUDO,
};
use crate::error::AppError;
use crate::features::passkeys::types::Ceremony;
use crate::i18n::td_string;
use crate::server::audit::{self, Actor, AuditAction, Outcome};
use crate::server::db::{self, passkeys as store, users::UserRow};
use crate::server::infra::context::{Auth, RequestCtx};
use crate::server::infra::state::AppState;
use crate::server::notifications::{self, SecurityEvent};
use crate::server::throttle::{self, Kind};
use webauthn_rs::prelude::{
    AuthenticationResult, DiscoverableAuthentication, Passkey, PasskeyAuthentication,
    PublicKeyCredential, WebauthnError,
};

/// The options for a password-less sign-in: any passkey of this site the
/// browser holds (discoverable credentials; `mediation` is the browser's).
pub async fn start_sign_in(state: &AppState, ctx: &RequestCtx) -> Result<Ceremony, AppError> {
    let rp = relying(state, ctx)?;
    // Anyone may start one, and each is a row for five minutes: a flood
    // meets a ceiling instead of filling the disk.
    let busy = || AppError::TooManyRequests {
        message: td_string!(ctx.locale, passkeys.busy).to_string(),
        retry_after_secs: 60,
    };
    let address = throttle::address_bucket(&ctx.ip);
    if store::open_sign_ins_from(&state.db, &address).await?
        >= state.config.passkey_sign_ins_per_address
    {
        return Err(busy());
    }
    if store::open_sign_ins(&state.db).await? >= MAX_OPEN_SIGN_INS {
        tracing::warn!("too many password-less sign-ins open at once");
        return Err(busy());
    }
    let (mut options, auth_state) = rp
        .start_discoverable_authentication()
        .map_err(|e| internal(&e.to_string()))?;
    options.mediation = None;
    open_ceremony(state, &address, "", SIGN_IN, &auth_state, &options).await
}

/// Which use a passkey was put to, for the audit log.
#[derive(Clone, Copy)]
enum Use {
    SignIn,
    SecondFactor,
    Sudo,
}

impl Use {
    fn name(self) -> &'static str {
        match self {
            Use::SignIn => "sign_in",
            Use::SecondFactor => "second_factor",
            Use::Sudo => "sudo",
        }
    }
}

/// Checks an assertion against the stored key and records the new counter.
/// A counter that did not move forward (a cloned key) is audited and told.
async fn verify_use(
    state: &AppState,
    ctx: &RequestCtx,
    user: &UserRow,
    row: &store::PasskeyRow,
    purpose: Use,
    check: impl FnOnce(&Passkey) -> Result<AuthenticationResult, WebauthnError>,
) -> Result<(), AppError> {
    let l = ctx.locale;
    let mut passkey = stored_passkey(row)?;
    let action = |outcome_name: &str| AuditAction::PasskeyUse {
        id: row.id.clone(),
        name: row.name.clone(),
        purpose: outcome_name.to_string(),
    };
    let stored_counter = webauthn_rs::prelude::Credential::from(passkey.clone()).counter;
    // The library compares with the key as the ceremony began; a use recorded
    // since then must also be behind this one (a copy racing the original).
    let checked = check(&passkey).and_then(|result| {
        if (result.counter() > 0 || stored_counter > 0) && result.counter() <= stored_counter {
            Err(WebauthnError::CredentialPossibleCompromise)
        } else {
            Ok(result)
        }
    });
    match checked {
        Ok(result) => {
            passkey.update_credential(&result);
            let saved = serde_json::to_string(&passkey).map_err(|_| internal("passkey"))?;
            // Of two uses racing with the same counter, one is recorded.
            if !store::record_use(&state.db, &row.id, &row.credential, &saved).await? {
                audit::record(state, ctx, user, action(purpose.name()), Outcome::Failure).await;
                return Err(AppError::BadRequest(
                    td_string!(l, passkeys.try_again).to_string(),
                ));
            }
            audit::record(state, ctx, user, action(purpose.name()), Outcome::Success).await;
            Ok(())
        }
        Err(WebauthnError::CredentialPossibleCompromise) => {
            tracing::warn!(passkey = %row.id, "passkey counter went backwards: possibly cloned");
            audit::record(
                state,
                ctx,
                user,
                AuditAction::PasskeyCloned {
                    id: row.id.clone(),
                    name: row.name.clone(),
                },
                Outcome::Failure,
            )
            .await;
            notifications::security_event(
                state,
                user,
                SecurityEvent::PasskeyCloned { name: &row.name },
            )
            .await;
            Err(AppError::BadRequest(
                td_string!(l, passkeys.cloned).to_string(),
            ))
        }
        Err(e) => {
            tracing::info!(error = %e, "passkey assertion refused");
            audit::record(state, ctx, user, action(purpose.name()), Outcome::Failure).await;
            Err(AppError::BadRequest(
                td_string!(l, passkeys.failed).to_string(),
            ))
        }
    }
}

/// Finishes a password-less sign-in: the account is the one the key belongs
/// to (its user handle must agree). Returns the user to open a session for.
pub async fn finish_sign_in(
    state: &AppState,
    ctx: &RequestCtx,
    ceremony: &str,
    credential: &str,
) -> Result<UserRow, AppError> {
    let l = ctx.locale;
    let rp = relying(state, ctx)?;
    let auth_state: DiscoverableAuthentication =
        take_ceremony(state, ctx, ceremony, "", SIGN_IN).await?;
    let response: PublicKeyCredential = parse(ctx, credential)?;
    let unknown = || AppError::BadRequest(td_string!(l, passkeys.unknown).to_string());
    let (handle, cred_id) = rp
        .identify_discoverable_authentication(&response)
        .map_err(|_| unknown())?;
    let row = store::find_by_credential(&state.db, &b64url(cred_id))
        .await?
        .ok_or_else(unknown)?;
    // Counted against this key and the address, not the account: forged
    // answers for someone's key must not delay their own sign-ins by code.
    let attempt = throttle::reserve(
        state,
        ctx,
        Kind::Code,
        Actor::Unknown(&row.credential_id),
        AuditAction::SignIn,
    )
    .await?;
    let user = db::users::find_by_id(&state.db, &row.user_id)
        .await?
        .filter(|u| !u.is_disabled())
        .ok_or_else(unknown)?;
    if user_handle(&user)? != handle {
        audit::record(
            state,
            ctx,
            &user,
            AuditAction::PasskeyUse {
                id: row.id.clone(),
                name: row.name.clone(),
                purpose: Use::SignIn.name().into(),
            },
            Outcome::Failure,
        )
        .await;
        return Err(unknown());
    }
    verify_use(state, ctx, &user, &row, Use::SignIn, |p| {
        let cred: webauthn_rs::prelude::Credential = p.clone().into();
        rp.finish_discoverable_authentication_v2(&response, auth_state, cred)
    })
    .await?;
    attempt.succeeded(state).await?;
    Ok(user)
}

/// The options for a passkey among the user's own (second factor, sudo).
async fn start_for_user(
    state: &AppState,
    ctx: &RequestCtx,
    user: &UserRow,
    purpose: &str,
) -> Result<Ceremony, AppError> {
    let rp = relying(state, ctx)?;
    let keys = store::list(&state.db, &user.id)
        .await?
        .iter()
        .map(stored_passkey)
        .collect::<Result<Vec<_>, _>>()?;
    if keys.is_empty() {
        return Err(AppError::BadRequest(
            td_string!(ctx.locale, passkeys.none).to_string(),
        ));
    }
    let (options, auth_state) = rp
        .start_passkey_authentication(&keys)
        .map_err(|e| internal(&e.to_string()))?;
    open_ceremony(state, "", &user.id, purpose, &auth_state, &options).await
}

/// Checks an assertion by one of `user`'s passkeys for a ceremony of `purpose`.
async fn finish_for_user(
    state: &AppState,
    ctx: &RequestCtx,
    user: &UserRow,
    purpose: Use,
    ceremony: &str,
    credential: &str,
) -> Result<(), AppError> {
    let rp = relying(state, ctx)?;
    let key = match purpose {
        Use::SecondFactor => SECOND_FACTOR,
        _ => SUDO,
    };
    let auth_state: PasskeyAuthentication =
        take_ceremony(state, ctx, ceremony, &user.id, key).await?;
    let response: PublicKeyCredential = parse(ctx, credential)?;
    let unknown = || AppError::BadRequest(td_string!(ctx.locale, passkeys.unknown).to_string());
    let row = store::find_by_credential(&state.db, &b64url(response.get_credential_id()))
        .await?
        .filter(|r| r.user_id == *user.id)
        .ok_or_else(unknown)?;
    verify_use(state, ctx, user, &row, purpose, |_| {
        rp.finish_passkey_authentication(&response, &auth_state)
    })
    .await
}

/// The sign-in's second step by passkey: the options, for the account whose
/// password was right (the challenge cookie).
pub async fn start_second_factor(
    state: &AppState,
    ctx: &RequestCtx,
    challenge_id: Option<&str>,
) -> Result<Ceremony, AppError> {
    let user = crate::server::two_factor::challenge_user(state, ctx, challenge_id).await?;
    start_for_user(state, ctx, &user, SECOND_FACTOR).await
}

/// Finishes the second step: the challenge ends (once) and the user is
/// returned to open a session for.
pub async fn finish_second_factor(
    state: &AppState,
    ctx: &RequestCtx,
    challenge_id: Option<&str>,
    ceremony: &str,
    credential: &str,
) -> Result<UserRow, AppError> {
    let user = crate::server::two_factor::challenge_user(state, ctx, challenge_id).await?;
    let attempt = throttle::reserve(
        state,
        ctx,
        Kind::Code,
        Actor::User(&user),
        AuditAction::SecondFactor,
    )
    .await?;
    finish_for_user(state, ctx, &user, Use::SecondFactor, ceremony, credential).await?;
    crate::server::two_factor::end_challenge(state, ctx, challenge_id).await?;
    attempt.succeeded(state).await?;
    Ok(user)
}

/// Sudo mode by passkey: the options.
pub async fn start_sudo(
    state: &AppState,
    ctx: &RequestCtx,
    auth: &Auth,
) -> Result<Ceremony, AppError> {
    start_for_user(state, ctx, &auth.user, SUDO).await
}

/// Sudo mode by passkey: checked, the window opens on a new session id
/// (returned for the cookie).
pub async fn finish_sudo(
    state: &AppState,
    ctx: &RequestCtx,
    auth: &Auth,
    ceremony: &str,
    credential: &str,
) -> Result<String, AppError> {
    finish_for_user(state, ctx, &auth.user, Use::Sudo, ceremony, credential).await?;
    let session_id = crate::server::sessions::renew(state, auth).await?;
    audit::record(
        state,
        ctx,
        &auth.user,
        AuditAction::Reauthenticate,
        Outcome::Success,
    )
    .await;
    Ok(session_id)
}
