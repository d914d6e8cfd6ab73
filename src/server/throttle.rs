//! Brute-force throttling: failed attempts counted per account and per client
//! address in the database (so the count holds across server instances), with a
//! growing delay and deliberately no permanent lockout.

use crate::error::AppError;
use crate::i18n::td_string;
use crate::server::audit::{self, Actor, AuditAction, Outcome};
use crate::server::db::{self, throttle as store};
use crate::server::infra::context::RequestCtx;
use crate::server::infra::state::AppState;

/// Failures allowed per account within the window before delays start.
pub const FREE_ACCOUNT_ATTEMPTS: i64 = 5;
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

/// A counted password attempt; call [`Attempt::succeeded`] when the password
/// was right, so only failures keep counting.
pub struct Attempt {
    account_key: String,
    ip_key: String,
}

impl Attempt {
    /// The owner proved the password: the account's counter starts over, and the
    /// address gets this attempt back (many people may share one address, and
    /// their successful sign-ins must not add up to a delay).
    pub async fn succeeded(&self, state: &AppState) -> Result<(), AppError> {
        store::clear(&state.db, &self.account_key).await?;
        store::forgive(
            &state.db,
            &self.ip_key,
            state.config.throttle_free_per_address,
        )
        .await?;
        Ok(())
    }
}

/// What a counted attempt checks; each kind counts under keys of its own, so
/// asking for reset mails for someone can never delay that person's sign-in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A password (signing in, sudo mode, changing it).
    Password,
    /// A code from the authenticator app or a recovery code.
    Code,
    /// A password reset link asked for.
    ResetLink,
}

impl Kind {
    fn prefix(self) -> &'static str {
        match self {
            Kind::Password => "acct",
            Kind::Code => "2fa",
            Kind::ResetLink => "reset",
        }
    }
}

/// The throttle key of `login`'s account for `kind`.
pub fn account_key(kind: Kind, login: &str) -> String {
    format!("{}:{}", kind.prefix(), login.trim().to_lowercase())
}

/// Counts an attempt against the account name and the client address before any
/// checking (so parallel guesses count too); refuses while either is delayed.
/// A refusal is audited as `action` with the outcome `throttled`.
pub async fn reserve(
    state: &AppState,
    ctx: &RequestCtx,
    kind: Kind,
    login: &str,
    action: AuditAction,
) -> Result<Attempt, AppError> {
    let now = db::now();
    let account_key = account_key(kind, login);
    let ip_key = format!("ip:{}", ctx.ip);
    for (key, free) in [
        (&account_key, FREE_ACCOUNT_ATTEMPTS),
        (&ip_key, state.config.throttle_free_per_address),
    ] {
        match store::reserve(&state.db, key, now, THROTTLE_WINDOW_SECS).await? {
            store::Reservation::Blocked { until } => {
                audit::record(state, ctx, Actor::Named(login), action, Outcome::Throttled).await;
                let wait = (until - now).max(1) as u64;
                return Err(AppError::TooManyRequests {
                    message: td_string!(ctx.locale, errors.throttled, secs = wait).to_string(),
                    retry_after_secs: wait,
                });
            }
            store::Reservation::Allowed { attempt } => {
                let delay = delay_secs(attempt, free);
                if delay > 0 {
                    store::block_until(&state.db, key, now + delay).await?;
                }
            }
        }
    }
    Ok(Attempt {
        account_key,
        ip_key,
    })
}

/// Forgets an account's failures (a password was reset by its owner).
pub async fn clear_account(state: &AppState, kind: Kind, login: &str) -> Result<(), AppError> {
    store::clear(&state.db, &account_key(kind, login)).await?;
    Ok(())
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
