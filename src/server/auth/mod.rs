//! Signing in and out, and creating accounts: the services behind the sign-in
//! page, the CLI and first-run setup.

pub mod password;
pub mod policy;
pub mod session;
pub mod sudo;

use crate::error::AppError;
use crate::i18n::td_string;
use crate::model::{AccountSource, Role};
use crate::server::context::{Auth, RequestCtx};
use crate::server::db::{self, audit, throttle, users};
use crate::server::state::AppState;
use crate::validate;
use password::Password;

/// Failures allowed per account within the window before delays start.
const FREE_ACCOUNT_ATTEMPTS: i64 = 5;
/// Per client address: higher, since many people can share one (NAT, proxies).
const FREE_IP_ATTEMPTS: i64 = 20;
/// Counters reset after this long without an attempt.
const THROTTLE_WINDOW_SECS: i64 = 3600;
/// The longest delay. There is deliberately no permanent lockout: an attacker
/// must not be able to lock a victim out of their own account for good.
const MAX_DELAY_SECS: i64 = 900;

/// Seconds to wait before the next attempt after the `attempt`th one:
/// 0 while free attempts remain, then 2, 4, 8, … capped at 15 minutes.
pub fn delay_secs(attempt: i64, free: i64) -> i64 {
    if attempt <= free {
        0
    } else {
        (1i64 << (attempt - free).min(20)).min(MAX_DELAY_SECS)
    }
}

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

    let attempt = reserve_attempt(state, ctx, login, "auth.sign_in").await?;
    let user = users::find_by_login(&state.db, login).await?;
    let usable = user
        .as_ref()
        .filter(|u| !u.is_disabled())
        .and_then(|u| u.password_hash.as_deref());
    let verified = state.hasher.verify(password, usable).await?;
    let Some(user) = user.filter(|_| verified.ok) else {
        record(state, ctx, None, login, "auth.sign_in", "failure").await;
        return Err(AppError::BadRequest(
            td_string!(ctx.locale, errors.bad_credentials).to_string(),
        ));
    };

    attempt.succeeded(state).await?;
    if verified.needs_rehash {
        // The configured cost changed since this hash was made: upgrade it now,
        // while we have the plaintext.
        let fresh = state.hasher.hash(password).await?;
        users::set_password_hash(&state.db, &user.id, &fresh).await?;
    }
    if db::two_factor::is_enabled(&state.db, &user.id).await? {
        record_user(
            state,
            ctx,
            &user,
            "auth.password_ok",
            "second_factor_needed",
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
    db::sessions::insert(
        &state.db,
        &db::sessions::NewSession {
            id_hash: &session::hash_id(&session_id),
            user_id: &user.id,
            expires_at: now + state.config.session_absolute_timeout_secs,
            ip: &ctx.ip,
            user_agent: &ctx.user_agent,
        },
    )
    .await?;
    record_user(state, ctx, &user, "auth.sign_in", "success").await;
    Ok(SignedIn { session_id, user })
}

/// A counted password attempt; call [`Attempt::succeeded`] when the password
/// was right, so only failures keep counting.
pub(crate) struct Attempt {
    account_key: String,
    ip_key: String,
}

impl Attempt {
    /// The owner proved the password: the account's counter starts over, and the
    /// address gets this attempt back (many people may share one address, and
    /// their successful sign-ins must not add up to a delay).
    pub(crate) async fn succeeded(&self, state: &AppState) -> Result<(), AppError> {
        throttle::clear(&state.db, &self.account_key).await?;
        throttle::forgive(&state.db, &self.ip_key, FREE_IP_ATTEMPTS).await?;
        Ok(())
    }
}

/// Counts a password attempt against the account name and the client address
/// before any hashing (so parallel guesses count too); refuses while either is
/// delayed.
pub(crate) async fn reserve_attempt(
    state: &AppState,
    ctx: &RequestCtx,
    login: &str,
    action: &str,
) -> Result<Attempt, AppError> {
    reserve(state, ctx, "acct", login, action).await
}

/// Like [`reserve_attempt`], but for requests that check no password (reset
/// links): they are counted under their own `kind` of key, so asking for reset
/// mails for someone can never delay that person's sign-in.
pub(crate) async fn reserve(
    state: &AppState,
    ctx: &RequestCtx,
    kind: &str,
    login: &str,
    action: &str,
) -> Result<Attempt, AppError> {
    let now = db::now();
    let account_key = format!("{kind}:{}", login.trim().to_lowercase());
    let ip_key = format!("ip:{}", ctx.ip);
    for (key, free) in [
        (&account_key, FREE_ACCOUNT_ATTEMPTS),
        (&ip_key, FREE_IP_ATTEMPTS),
    ] {
        match throttle::reserve(&state.db, key, now, THROTTLE_WINDOW_SECS).await? {
            throttle::Reservation::Blocked { until } => {
                record(state, ctx, None, login, action, "throttled").await;
                let wait = (until - now).max(1) as u64;
                return Err(AppError::TooManyRequests {
                    message: td_string!(ctx.locale, errors.throttled, secs = wait).to_string(),
                    retry_after_secs: wait,
                });
            }
            throttle::Reservation::Allowed { attempt } => {
                let delay = delay_secs(attempt, free);
                if delay > 0 {
                    throttle::block_until(&state.db, key, now + delay).await?;
                }
            }
        }
    }
    Ok(Attempt {
        account_key,
        ip_key,
    })
}

/// Changes the signed-in user's password. The current password is the
/// re-authentication; afterwards every other session of the user is ended.
pub async fn change_password(
    state: &AppState,
    ctx: &RequestCtx,
    auth: &Auth,
    current: &Password,
    new: &Password,
    confirm: &Password,
) -> Result<(), AppError> {
    let user = &auth.user;
    if user.source == AccountSource::External.as_str() {
        return Err(AppError::BadRequest(
            td_string!(ctx.locale, password.external).to_string(),
        ));
    }
    let mut errors = Vec::new();
    let mut push = |field: &str, message: String| {
        errors.push(crate::error::FieldError {
            field: field.into(),
            message,
        })
    };
    if current.expose().is_empty() {
        push(
            "current_password",
            td_string!(ctx.locale, password.enter_current).to_string(),
        );
    }
    let problems = policy::problems(new.expose(), &user.username, &user.email, ctx.locale);
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
        "password.change",
        (
            "current_password",
            td_string!(ctx.locale, password.current_wrong),
        ),
    )
    .await?;
    let hash = state.hasher.hash(new).await?;
    let mut tx = state.db.begin().await?;
    users::set_password_hash(&mut *tx, &user.id, &hash).await?;
    db::sessions::delete_all_for_user(&mut *tx, &user.id, Some(&auth.session_hash)).await?;
    // A reset link mailed earlier must not undo this change.
    db::tokens::delete_unused(&mut *tx, &user.id, db::tokens::PASSWORD_RESET).await?;
    tx.commit().await?;
    // The current password was just proven: that opens the sudo window too.
    db::sessions::set_sudo(&state.db, &auth.session_hash).await?;
    record_user(state, ctx, user, "password.change", "success").await;
    Ok(())
}

/// Checks a signed-in user's own password, throttled like a sign-in, with a
/// failure audited under `action` and reported as `wrong.1` on field `wrong.0`.
pub(crate) async fn check_own_password(
    state: &AppState,
    ctx: &RequestCtx,
    user: &users::UserRow,
    password: &Password,
    action: &str,
    wrong: (&str, &str),
) -> Result<(), AppError> {
    let attempt = reserve_attempt(state, ctx, &user.username, action).await?;
    let verified = state
        .hasher
        .verify(password, user.password_hash.as_deref())
        .await?;
    if !verified.ok {
        record_user(state, ctx, user, action, "failure").await;
        return Err(AppError::field(wrong.0, wrong.1));
    }
    attempt.succeeded(state).await
}

pub async fn sign_out(state: &AppState, ctx: &RequestCtx, auth: &Auth) -> Result<(), AppError> {
    db::sessions::delete(&state.db, &auth.session_hash).await?;
    record_user(state, ctx, &auth.user, "auth.sign_out", "success").await;
    Ok(())
}

/// Audits an action of a known user (the common case of [`record`]).
pub async fn record_user(
    state: &AppState,
    ctx: &RequestCtx,
    user: &users::UserRow,
    action: &str,
    outcome: &str,
) {
    record(state, ctx, Some(&user.id), &user.username, action, outcome).await;
}

/// Writes an audit entry; a failure to audit is logged but does not fail the action.
pub async fn record(
    state: &AppState,
    ctx: &RequestCtx,
    actor_id: Option<&str>,
    actor_name: &str,
    action: &str,
    outcome: &str,
) {
    let entry = audit::Entry {
        actor_id,
        actor_name,
        action,
        outcome,
        ip: &ctx.ip,
        user_agent: &ctx.user_agent,
        detail: "",
    };
    if let Err(e) = audit::insert(&state.db, &entry).await {
        tracing::error!(error = %e, action, "could not write audit entry");
    }
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
        })
    };
    // Called from the CLI (no request: English) and, later, from admin screens.
    let l = crate::server::lang::current();
    let username = validate::username(username, l).unwrap_or_else(|m| {
        push("username", m);
        String::new()
    });
    let email = validate::email(email, l).unwrap_or_else(|m| {
        push("email", m);
        String::new()
    });
    if let Some(pw) = password {
        let problems = policy::problems(pw.expose(), &username, &email, l);
        if !problems.is_empty() {
            push("password", problems.join(" "));
        }
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
    match users::insert(&state.db, &new).await {
        Ok(u) => Ok(u),
        Err(e) if users::is_unique_violation(&e) => Err(AppError::field(
            "username",
            "A user with this username or email address already exists.",
        )),
        Err(e) => Err(e.into()),
    }
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
    let problems = policy::problems(
        password.expose(),
        &user.username,
        &user.email,
        crate::server::lang::current(),
    );
    if !problems.is_empty() {
        return Err(AppError::field("password", problems.join(" ")));
    }
    let hash = state.hasher.hash(password).await?;
    users::set_password_hash(&state.db, &user.id, &hash).await?;
    db::sessions::delete_all_for_user(&state.db, &user.id, None).await?;
    Ok(user)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_grow_and_stop_at_the_cap() {
        assert_eq!(delay_secs(1, 5), 0);
        assert_eq!(delay_secs(5, 5), 0);
        assert_eq!(delay_secs(6, 5), 2);
        assert_eq!(delay_secs(7, 5), 4);
        assert_eq!(delay_secs(14, 5), 512);
        assert_eq!(delay_secs(15, 5), MAX_DELAY_SECS);
        assert_eq!(delay_secs(10_000, 5), MAX_DELAY_SECS);
    }
}
