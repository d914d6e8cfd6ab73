//! Two-factor authentication with TOTP (RFC 6238: SHA-1, 6 digits, 30 s steps,
//! ±1 step) and single-use recovery codes.
//!
//! Every accepted code moves the user's `last_step` forward with one atomic
//! compare-and-set, so a code (a time step) is never accepted twice, even when
//! two requests carry it at the same moment. Recovery codes are used up the
//! same way.

use crate::error::AppError;
use crate::features::two_factor::types::{Enrolment, TwoFactorStatus};
use crate::i18n::td_string;
use crate::model::AccountSource;
use crate::server::audit::{self, Actor, AuditAction, Outcome};
use crate::server::auth::{session, sudo};
use crate::server::db::{self, two_factor as store, users::UserRow};
use crate::server::infra::context::{Auth, RequestCtx};
use crate::server::infra::state::AppState;
use crate::server::notifications::{self, SecurityEvent};
use crate::server::throttle::{self, Kind};
use crate::server::workspace;
use base64::Engine;
use rand::RngCore;
use subtle::ConstantTimeEq;
use totp_rs::{Algorithm, TOTP};

pub const ISSUER: &str = "Tessera";
pub const STEP_SECS: u64 = 30;
/// How long the code page waits after a correct password.
pub const CHALLENGE_SECS: i64 = 300;
/// Wrong codes after which the sign-in attempt ends (password again).
pub const MAX_FAILURES: i64 = 5;
pub const RECOVERY_CODES: usize = 10;
/// Crockford's base32 alphabet: no i, l, o, u to misread.
const CODE_ALPHABET: &[u8] = b"0123456789abcdefghjkmnpqrstvwxyz";

/// The RFC 6238 generator for a secret (SHA-1, 6 digits, 30 s).
pub fn generator(secret: Vec<u8>, account: &str) -> TOTP {
    TOTP::new_unchecked(
        Algorithm::SHA1,
        6,
        1,
        STEP_SECS,
        secret,
        Some(ISSUER.to_string()),
        account.to_string(),
    )
}

/// The time step within ±1 of `now` whose code is `code`, compared in constant time.
pub fn matching_step(totp: &TOTP, code: &str, now: u64) -> Option<u64> {
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let current = now / STEP_SECS;
    let mut found = None;
    // Check all three without stopping early, so timing says nothing about which matched.
    for step in [current.saturating_sub(1), current, current + 1] {
        let candidate = totp.generate(step * STEP_SECS);
        if bool::from(candidate.as_bytes().ct_eq(code.as_bytes())) && found.is_none() {
            found = Some(step);
        }
    }
    found
}

fn unix_now() -> u64 {
    u64::try_from(db::now()).unwrap_or_default()
}

/// Recovery codes as shown ("7k2mq-x9d4a") and their normalised form.
fn new_recovery_code() -> String {
    let mut bytes = [0u8; 10];
    rand::rng().fill_bytes(&mut bytes);
    let chars: String = bytes
        .iter()
        .map(|b| CODE_ALPHABET[usize::from(*b) % CODE_ALPHABET.len()] as char)
        .collect();
    format!("{}-{}", &chars[..5], &chars[5..])
}

/// What a typed recovery code stands for: case, spaces and dashes ignored,
/// look-alike letters read as Crockford does.
pub fn normalise_code(typed: &str) -> String {
    typed
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| match c.to_ascii_lowercase() {
            'i' | 'l' => '1',
            'o' => '0',
            other => other,
        })
        .collect()
}

/// A fresh set of recovery codes (to show once) and their digests (to store).
pub(crate) fn new_code_set(state: &AppState) -> (Vec<String>, Vec<String>) {
    let codes: Vec<String> = (0..RECOVERY_CODES).map(|_| new_recovery_code()).collect();
    let digests = codes
        .iter()
        .map(|c| state.keys.code_digest(&normalise_code(c)))
        .collect();
    (codes, digests)
}

/// Where the account stands, for the settings page.
pub async fn status(state: &AppState, user: &UserRow) -> Result<TwoFactorStatus, AppError> {
    let ws = workspace::load(&state.db).await?;
    let enabled = store::is_enabled(&state.db, &user.id).await?;
    Ok(TwoFactorStatus {
        enabled,
        totp: store::totp_on(&state.db, &user.id).await?,
        passkeys: db::passkeys::count(&state.db, &user.id).await?,
        recovery_codes_left: if enabled {
            store::codes_left(&state.db, &user.id).await?
        } else {
            0
        },
        mandatory: ws.two_factor_mandatory,
        managed_by_directory: managed_by_directory(user, &ws),
    })
}

/// The workspace mandates 2FA and `user` has not turned it on (and no
/// directory provides it for them).
pub async fn missing_under_mandate(state: &AppState, user: &UserRow) -> Result<bool, AppError> {
    let ws = workspace::load(&state.db).await?;
    Ok(ws.two_factor_mandatory
        && !managed_by_directory(user, &ws)
        && !store::is_enabled(&state.db, &user.id).await?)
}

pub(crate) fn managed_by_directory(user: &UserRow, ws: &workspace::Workspace) -> bool {
    ws.directory_provides_2fa && user.source == AccountSource::External
}

/// Sudo mode: a new secret, shown once as QR code, text and URI; inactive until
/// [`enable`] sees a code from it.
pub async fn start(state: &AppState, ctx: &RequestCtx, auth: &Auth) -> Result<Enrolment, AppError> {
    let l = ctx.locale;
    let ws = workspace::load(&state.db).await?;
    if managed_by_directory(&auth.user, &ws) {
        return Err(AppError::BadRequest(
            td_string!(l, two_factor.by_directory).to_string(),
        ));
    }
    sudo::require(auth)?;
    let mut secret = vec![0u8; 20]; // 160 bits, as RFC 4226 recommends
    rand::rng().fill_bytes(&mut secret);
    if !store::put_pending(
        &state.db,
        &auth.user.id,
        &state.keys.seal(&secret, &auth.user.id),
    )
    .await?
    {
        return Err(AppError::BadRequest(
            td_string!(l, two_factor.already_on).to_string(),
        ));
    }
    let totp = generator(secret, &auth.user.username);
    let uri = totp.get_url();
    let svg = qrcode::QrCode::new(uri.as_bytes())
        .map_err(|e| internal(&e.to_string()))?
        .render::<qrcode::render::svg::Color>()
        .min_dimensions(200, 200)
        .quiet_zone(true)
        .build();
    audit::record(
        state,
        ctx,
        &auth.user,
        AuditAction::TwoFactorEnrolStarted,
        Outcome::Success,
    )
    .await;
    Ok(Enrolment {
        qr_svg: format!(
            "data:image/svg+xml;base64,{}",
            base64::engine::general_purpose::STANDARD.encode(svg)
        ),
        secret: group(&totp.get_secret_base32()),
        uri,
    })
}

/// "JBSW Y3DP …": the key in groups of four, easier to type into an app.
fn group(key: &str) -> String {
    key.as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

fn internal(what: &str) -> AppError {
    tracing::error!(error = what, "two-factor failure");
    AppError::Internal {
        request_id: String::new(),
    }
}

fn wrong_code(l: crate::lang::Locale) -> AppError {
    AppError::field("code", td_string!(l, two_factor.wrong_code).to_string())
}

/// The pending secret proven by `code`: 2FA is on, and ten recovery codes are
/// returned to show once.
pub async fn enable(
    state: &AppState,
    ctx: &RequestCtx,
    auth: &Auth,
    code: &str,
) -> Result<Vec<String>, AppError> {
    let l = ctx.locale;
    let attempt = throttle::reserve(
        state,
        ctx,
        Kind::Code,
        Actor::User(&auth.user),
        AuditAction::TwoFactorEnable,
    )
    .await?;
    let pending = store::find(&state.db, &auth.user.id)
        .await?
        .filter(|t| t.enabled == 0)
        .ok_or_else(|| AppError::BadRequest(td_string!(l, two_factor.start_again).to_string()))?;
    let (secret, _) = state
        .keys
        .open(&pending.secret, &auth.user.id)
        .ok_or_else(|| internal("sealed secret unreadable"))?;
    let Some(step) = matching_step(&generator(secret, &auth.user.username), code, unix_now())
    else {
        audit::record(
            state,
            ctx,
            &auth.user,
            AuditAction::TwoFactorEnable,
            Outcome::Failure,
        )
        .await;
        return Err(wrong_code(l));
    };
    attempt.succeeded(state).await?;
    let (codes, digests) = new_code_set(state);
    let mut tx = state.db.begin().await?;
    db::users::lock_user(&mut tx, &auth.user.id).await?;
    if !store::enable(
        &mut *tx,
        &auth.user.id,
        i64::try_from(step).unwrap_or(i64::MAX),
    )
    .await?
    {
        return Err(AppError::BadRequest(
            td_string!(l, two_factor.start_again).to_string(),
        ));
    }
    store::replace_codes(&mut tx, &auth.user.id, &digests).await?;
    tx.commit().await?;
    crate::server::api::invalidate::forget_user(state, &auth.user.id).await;
    audit::record(
        state,
        ctx,
        &auth.user,
        AuditAction::TwoFactorEnabled,
        Outcome::Success,
    )
    .await;
    notifications::security_event(state, &auth.user, SecurityEvent::TwoFactorOn).await;
    Ok(codes)
}

/// Sudo mode: a new set of recovery codes; the old set stops working.
pub async fn regenerate(
    state: &AppState,
    ctx: &RequestCtx,
    auth: &Auth,
) -> Result<Vec<String>, AppError> {
    sudo::require(auth)?;
    if !store::is_enabled(&state.db, &auth.user.id).await? {
        return Err(AppError::BadRequest(
            td_string!(ctx.locale, two_factor.not_on).to_string(),
        ));
    }
    let (codes, digests) = new_code_set(state);
    let mut tx = state.db.begin().await?;
    db::users::lock_user(&mut tx, &auth.user.id).await?;
    store::replace_codes(&mut tx, &auth.user.id, &digests).await?;
    tx.commit().await?;
    audit::record(
        state,
        ctx,
        &auth.user,
        AuditAction::RecoveryCodesRegenerated,
        Outcome::Success,
    )
    .await;
    Ok(codes)
}

/// Sudo mode plus a current code; refused while the workspace mandates 2FA.
pub async fn disable(
    state: &AppState,
    ctx: &RequestCtx,
    auth: &Auth,
    code: &str,
) -> Result<(), AppError> {
    let l = ctx.locale;
    // With passkeys left, 2FA stays on: only the authenticator app goes.
    let passkeys_left = db::passkeys::count(&state.db, &auth.user.id).await? > 0;
    if workspace::load(&state.db).await?.two_factor_mandatory && !passkeys_left {
        return Err(AppError::BadRequest(
            td_string!(l, two_factor.mandatory_no_off).to_string(),
        ));
    }
    sudo::require(auth)?;
    let attempt = throttle::reserve(
        state,
        ctx,
        Kind::Code,
        Actor::User(&auth.user),
        AuditAction::TwoFactorDisable,
    )
    .await?;
    if !verify_totp(state, &auth.user, code).await? {
        audit::record(
            state,
            ctx,
            &auth.user,
            AuditAction::TwoFactorDisable,
            Outcome::Failure,
        )
        .await;
        return Err(wrong_code(l));
    }
    attempt.succeeded(state).await?;
    let mandatory = workspace::load(&state.db).await?.two_factor_mandatory;
    let mut tx = state.db.begin().await?;
    // The delete first and the check after it, under the account's lock (see
    // passkeys::remove, which races with this).
    db::users::lock_user(&mut tx, &auth.user.id).await?;
    store::delete_totp(&mut tx, &auth.user.id).await?;
    if db::passkeys::count(&mut *tx, &auth.user.id).await? == 0 {
        if mandatory {
            return Err(AppError::BadRequest(
                td_string!(l, two_factor.mandatory_no_off).to_string(),
            ));
        }
        store::delete_all(&mut tx, &auth.user.id).await?;
    }
    tx.commit().await?;
    crate::server::api::invalidate::forget_user(state, &auth.user.id).await;
    audit::record(
        state,
        ctx,
        &auth.user,
        AuditAction::TwoFactorDisabled,
        Outcome::Success,
    )
    .await;
    notifications::security_event(state, &auth.user, SecurityEvent::TwoFactorOff).await;
    Ok(())
}

/// True when `code` is the user's current TOTP code and its step was never used.
pub async fn verify_totp(state: &AppState, user: &UserRow, code: &str) -> Result<bool, AppError> {
    let Some(row) = store::find(&state.db, &user.id)
        .await?
        .filter(|t| t.enabled != 0)
    else {
        return Ok(false);
    };
    let (secret, legacy) = state
        .keys
        .open(&row.secret, &user.id)
        .ok_or_else(|| internal("sealed secret unreadable"))?;
    if legacy {
        // Sealed before secrets were bound to their account: bind it now.
        store::reseal(
            &state.db,
            &user.id,
            &row.secret,
            &state.keys.seal(&secret, &user.id),
        )
        .await?;
    }
    let Some(step) = matching_step(&generator(secret, &user.username), code, unix_now()) else {
        return Ok(false);
    };
    Ok(store::accept_step(&state.db, &user.id, i64::try_from(step).unwrap_or(i64::MAX)).await?)
}

/// After a correct password for an account with 2FA: the id of the waiting
/// sign-in, for a short-lived cookie. No session exists yet.
pub async fn begin_challenge(state: &AppState, user: &UserRow) -> Result<String, AppError> {
    let id = session::new_id();
    store::insert_challenge(&state.db, &session::hash_id(&id), &user.id, CHALLENGE_SECS).await?;
    Ok(id)
}

/// The account waiting behind the sign-in challenge in the browser's cookie
/// (still enabled), or "sign in again".
pub async fn challenge_user(
    state: &AppState,
    ctx: &RequestCtx,
    challenge_id: Option<&str>,
) -> Result<UserRow, AppError> {
    let l = ctx.locale;
    let expired = || AppError::BadRequest(td_string!(l, two_factor.sign_in_again).to_string());
    let hash = session::hash_id(challenge_id.ok_or_else(expired)?);
    let (user_id, _) = store::find_challenge(&state.db, &hash)
        .await?
        .ok_or_else(expired)?;
    db::users::find_by_id(&state.db, &user_id)
        .await?
        .filter(|u| !u.is_disabled())
        .ok_or_else(expired)
}

/// Ends the challenge after its second factor passed: true for exactly one
/// request, which may open the session; the others hear "sign in again".
pub async fn end_challenge(
    state: &AppState,
    ctx: &RequestCtx,
    challenge_id: Option<&str>,
) -> Result<(), AppError> {
    let hash = session::hash_id(challenge_id.unwrap_or_default());
    if store::delete_challenge(&state.db, &hash).await? {
        Ok(())
    } else {
        Err(AppError::BadRequest(
            td_string!(ctx.locale, two_factor.sign_in_again).to_string(),
        ))
    }
}

/// The second step of signing in: a TOTP code, or a recovery code when
/// `recovery` is set. Returns the user to open a session for.
pub async fn finish_challenge(
    state: &AppState,
    ctx: &RequestCtx,
    challenge_id: Option<&str>,
    code: &str,
    recovery: bool,
) -> Result<UserRow, AppError> {
    let l = ctx.locale;
    let user = challenge_user(state, ctx, challenge_id).await?;
    let hash = session::hash_id(challenge_id.unwrap_or_default());
    let attempt = throttle::reserve(
        state,
        ctx,
        Kind::Code,
        Actor::User(&user),
        AuditAction::SecondFactor,
    )
    .await?;
    let ok = if recovery {
        let digest = state.keys.code_digest(&normalise_code(code));
        store::use_code(&state.db, &user.id, &digest).await?
    } else {
        verify_totp(state, &user, code).await?
    };
    if !ok {
        audit::record(
            state,
            ctx,
            &user,
            AuditAction::SecondFactor,
            Outcome::Failure,
        )
        .await;
        if store::fail_challenge(&state.db, &hash).await? >= MAX_FAILURES {
            store::delete_challenge(&state.db, &hash).await?;
            return Err(AppError::BadRequest(
                td_string!(l, two_factor.too_many).to_string(),
            ));
        }
        return Err(AppError::field(
            "code",
            if recovery {
                td_string!(l, two_factor.wrong_recovery_code).to_string()
            } else {
                td_string!(l, two_factor.wrong_code).to_string()
            },
        ));
    }
    // Exactly one request may turn this challenge into a session.
    end_challenge(state, ctx, challenge_id).await?;
    attempt.succeeded(state).await?;
    if recovery {
        audit::record(
            state,
            ctx,
            &user,
            AuditAction::RecoveryCodeUsed,
            Outcome::Success,
        )
        .await;
        let left = store::codes_left(&state.db, &user.id).await?;
        notifications::security_event(state, &user, SecurityEvent::RecoveryCodeUsed { left }).await;
        if left <= 3 {
            notifications::security_event(state, &user, SecurityEvent::RecoveryCodesLow { left })
                .await;
        }
    }
    Ok(user)
}

/// Removes a user's 2FA on behalf of an administrator (`admin::reset_two_factor`)
/// or the operator's command line: audited, and the user is told by mail.
/// Returns false when the user had none.
pub async fn reset(
    state: &AppState,
    ctx: &RequestCtx,
    actor: Actor<'_>,
    username: &str,
) -> Result<bool, AppError> {
    let user = db::users::find_by_username(&state.db, username)
        .await?
        .ok_or(AppError::NotFound)?;
    let mut tx = state.db.begin().await?;
    db::users::lock_user(&mut tx, &user.id).await?;
    let had_totp = store::delete_all(&mut tx, &user.id).await?;
    let had_passkeys = db::passkeys::delete_all(&mut tx, &user.id).await? > 0;
    tx.commit().await?;
    let had = had_totp || had_passkeys;
    crate::server::api::invalidate::forget_user(state, &user.id).await;
    let action = AuditAction::TwoFactorReset {
        username: user.username.clone(),
    };
    let outcome = if had { Outcome::Success } else { Outcome::Noop };
    audit::record_on(state, ctx, actor, Some(&user.id), action, outcome).await;
    if had {
        notifications::security_event(state, &user, SecurityEvent::TwoFactorReset).await;
    }
    Ok(had)
}

#[cfg(test)]
mod tests;
