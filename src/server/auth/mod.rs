//! Signing in and out, and creating accounts: the services behind the sign-in
//! page, the CLI and first-run setup.

pub mod password;
pub mod policy;
pub mod session;
pub mod sudo;

use crate::error::AppError;
use crate::i18n::td_string;
use crate::model::{AccountSource, Role};
use crate::server::audit::{self, Actor, AuditAction, Outcome};
use crate::server::db::{self, users};
use crate::server::infra::context::{Auth, RequestCtx};
use crate::server::infra::error::unique_clash;
use crate::server::infra::state::AppState;
use crate::server::throttle::{self, Kind};
use crate::validate;
use password::Password;

pub struct SignedIn {
    /// The new session id for the cookie. Never logged.
    pub session_id: String,
    pub user: users::UserRow,
}

/// What a correct password leads to.
pub enum SignIn {
    /// Signed in: a new session.
    Session(Box<SignedIn>),
    /// The account has 2FA: a code is needed first. The id goes into a
    /// short-lived cookie; there is no session yet.
    SecondFactor { challenge_id: String },
}

/// Checks credentials, then opens a session or (2FA) a challenge. Unknown users,
/// wrong passwords and disabled accounts all get the same answer after the
/// same amount of work.
pub async fn sign_in(
    state: &AppState,
    ctx: &RequestCtx,
    login: &str,
    password: &Password,
) -> Result<SignIn, AppError> {
    let login = login.trim();
    let mut missing = Vec::new();
    if login.is_empty() {
        missing.push(crate::error::FieldError {
            field: "login".into(),
            message: td_string!(ctx.locale, validate.enter_login).to_string(),
        });
    }
    if password.expose().is_empty() {
        missing.push(crate::error::FieldError {
            field: "password".into(),
            message: td_string!(ctx.locale, validate.enter_password).to_string(),
        });
    }
    if !missing.is_empty() {
        return Err(AppError::Validation(missing));
    }

    // The account is looked up first so that its counter is the same whichever
    // identifier was typed; an unknown login costs the same work below.
    let user = users::find_by_login(&state.db, login).await?;
    let who = user.as_ref().map_or(Actor::Unknown(login), Actor::User);
    let attempt = throttle::reserve(state, ctx, Kind::Password, who, AuditAction::SignIn).await?;
    let usable = user
        .as_ref()
        .filter(|u| !u.is_disabled())
        .and_then(|u| u.password_hash.as_deref());
    let verified = state.hasher.verify(password, usable).await?;
    let bad = || AppError::BadRequest(td_string!(ctx.locale, errors.bad_credentials).to_string());
    if !verified.ok {
        audit::record(state, ctx, who, AuditAction::SignIn, Outcome::Failure).await;
        return Err(bad());
    }
    // A password only verifies against a stored hash, so there is an account.
    let Some(mut user) = user else {
        return Err(bad());
    };

    attempt.succeeded(state).await?;
    if verified.needs_rehash {
        // The configured cost changed since this hash was made: upgrade it now,
        // while we have the plaintext.
        // Only over the hash just checked: a reset that committed meanwhile wins.
        let fresh = state.hasher.hash(password).await?;
        if let Some(old) = user.password_hash.as_deref() {
            if users::upgrade_password_hash(&state.db, &user.id, old, &fresh).await? {
                user.password_hash = Some(fresh);
            }
        }
    }
    if db::two_factor::is_enabled(&state.db, &user.id).await? {
        audit::record(
            state,
            ctx,
            &user,
            AuditAction::PasswordOk,
            Outcome::SecondFactorNeeded,
        )
        .await;
        let challenge_id = crate::server::two_factor::begin_challenge(state, &user).await?;
        return Ok(SignIn::SecondFactor { challenge_id });
    }
    Ok(SignIn::Session(Box::new(
        open_session(state, ctx, user).await?,
    )))
}

/// Opens a session for a user who proved every factor.
pub async fn open_session(
    state: &AppState,
    ctx: &RequestCtx,
    user: users::UserRow,
) -> Result<SignedIn, AppError> {
    // Rotate: whatever session the browser had before is ended, a fresh id issued.
    if let Some(old) = &ctx.auth {
        db::sessions::delete(&state.db, &old.session_hash).await?;
    }
    let now = db::now();
    let session_id = session::new_id();
    let opened = db::sessions::insert(
        &state.db,
        &db::sessions::NewSession {
            id_hash: &session::hash_id(&session_id),
            user_id: &user.id,
            expires_at: now + state.config.session_absolute_timeout_secs,
            ip: &ctx.ip,
            user_agent: &ctx.user_agent,
            password_hash: user.password_hash.as_deref(),
        },
    )
    .await?;
    if !opened {
        // The password changed while this sign-in was being checked.
        return Err(AppError::BadRequest(
            td_string!(ctx.locale, errors.bad_credentials).to_string(),
        ));
    }
    audit::record(state, ctx, &user, AuditAction::SignIn, Outcome::Success).await;
    if let Err(e) = db::users::record_sign_in(&state.db, &user.id).await {
        tracing::warn!(error = %e, "could not note the sign-in time");
    }
    new_device_notice(state, ctx, &user).await;
    Ok(SignedIn { session_id, user })
}

/// Tells `user` about a sign-in from a browser, system and address this
/// account has not signed in from before (the very first sign-in excepted:
/// there is nothing to compare it with). Only a digest of the device is kept.
async fn new_device_notice(state: &AppState, ctx: &RequestCtx, user: &users::UserRow) {
    let (browser, os) = crate::server::infra::user_agent::describe(&ctx.user_agent);
    let device = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(
        format!("{browser}\n{os}\n{}", ctx.ip).as_bytes(),
    ));
    match db::users::remember_device(&state.db, &user.id, &device).await {
        Ok((true, false)) => {
            let event = crate::server::notifications::SecurityEvent::NewDevice {
                browser: &browser,
                os: &os,
                ip: &ctx.ip,
            };
            crate::server::notifications::security_event(state, user, event).await;
        }
        Ok(_) => {}
        Err(e) => tracing::warn!(error = %e, "could not record the sign-in device"),
    }
}

/// Checks a signed-in user's own password, throttled like a sign-in, with a
/// failure audited as `action` and reported as `wrong.1` on field `wrong.0`.
pub async fn check_own_password(
    state: &AppState,
    ctx: &RequestCtx,
    user: &users::UserRow,
    password: &Password,
    action: AuditAction,
    wrong: (&str, &str),
) -> Result<(), AppError> {
    let attempt = throttle::reserve(
        state,
        ctx,
        Kind::Password,
        Actor::User(user),
        action.clone(),
    )
    .await?;
    let verified = state
        .hasher
        .verify(password, user.password_hash.as_deref())
        .await?;
    if !verified.ok {
        audit::record(state, ctx, user, action, Outcome::Failure).await;
        return Err(AppError::field(wrong.0, wrong.1));
    }
    attempt.succeeded(state).await
}

pub async fn sign_out(state: &AppState, ctx: &RequestCtx, auth: &Auth) -> Result<(), AppError> {
    db::sessions::delete(&state.db, &auth.session_hash).await?;
    audit::record(
        state,
        ctx,
        &auth.user,
        AuditAction::SignOut,
        Outcome::Success,
    )
    .await;
    Ok(())
}

/// Creates an account after checking every rule; used by the CLI and first run.
pub async fn create_user(
    state: &AppState,
    username: &str,
    email: &str,
    role: Role,
    source: AccountSource,
    password: Option<&Password>,
) -> Result<users::UserRow, AppError> {
    let mut errors = Vec::new();
    let mut push = |field: &str, message: String| {
        errors.push(crate::error::FieldError {
            field: field.into(),
            message,
        });
    };
    // Called from the CLI (no request: English) and, later, from admin screens.
    let l = crate::server::infra::context::current_locale();
    let username = validate::username(username, l).unwrap_or_else(|m| {
        push("username", m);
        String::new()
    });
    let email = validate::email(email, l).unwrap_or_else(|m| {
        push("email", m);
        String::new()
    });
    if let Some(pw) = password {
        let min = crate::server::workspace::password_min_length(&state.db).await?;
        let problems = policy::problems(pw.expose(), &username, &email, min, l);
        if !problems.is_empty() {
            push("password", problems.join(" "));
        }
    }
    // A deleted account's name and address wait 30 days before anyone may
    // take them.
    if !username.is_empty()
        && db::deleted_accounts::is_reserved(&state.db, "username", &username).await?
    {
        push(
            "username",
            td_string!(l, account.reserved_username).to_string(),
        );
    }
    if !email.is_empty() && db::deleted_accounts::is_reserved(&state.db, "email", &email).await? {
        push("email", td_string!(l, account.reserved_email).to_string());
    }
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let hash = match password {
        Some(pw) => Some(state.hasher.hash(pw).await?),
        None => None,
    };
    let new = users::NewUser {
        username: &username,
        email: &email,
        role,
        source,
        password_hash: hash.as_deref(),
    };
    users::insert(&state.db, &new)
        .await
        .map_err(|e| unique_clash(e, l))
}

/// Sets a new password for `username` (CLI); ends all of that user's sessions.
pub async fn reset_password(
    state: &AppState,
    username: &str,
    password: &Password,
) -> Result<users::UserRow, AppError> {
    let user = users::find_by_username(&state.db, username)
        .await?
        .ok_or(AppError::NotFound)?;
    let min = crate::server::workspace::password_min_length(&state.db).await?;
    let problems = policy::problems(
        password.expose(),
        &user.username,
        &user.email,
        min,
        crate::server::infra::context::current_locale(),
    );
    if !problems.is_empty() {
        return Err(AppError::field("password", problems.join(" ")));
    }
    let hash = state.hasher.hash(password).await?;
    // As a reset by mail: whoever had the account is shut out.
    let mut tx = state.db.begin().await?;
    users::set_password_hash(&mut *tx, &user.id, &hash).await?;
    db::shut_out(&mut tx, &user.id, None).await?;
    db::passkeys::remove_after_reset(&mut tx, &user.id).await?;
    tx.commit().await?;
    Ok(user)
}
