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
// `store::reserve` computes the same delays in SQL, capping at 2^10: the cap
// must lie between 2^9 and 2^10 for the two to agree.
const _: () = assert!(MAX_DELAY_SECS > 512 && MAX_DELAY_SECS <= 1024);

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
    /// address gets this one attempt back (many people may share one address,
    /// and their successful sign-ins must not add up to a delay). Nothing more:
    /// a delay already set for the address stays, so signing in to an account
    /// of one's own never buys guesses against others.
    pub async fn succeeded(&self, state: &AppState) -> Result<(), AppError> {
        store::clear(&state.db, &self.account_key).await?;
        store::give_back(&state.db, &self.ip_key).await?;
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
    /// A mail sent to an address the caller chose (email change, recovery address).
    Mail,
    /// An API token or app password presented to `/api/v1` (per address only).
    Api,
}

impl Kind {
    fn prefix(self) -> &'static str {
        match self {
            Kind::Password => "acct",
            Kind::Code => "2fa",
            Kind::ResetLink => "reset",
            Kind::Mail => "mail",
            Kind::Api => "api",
        }
    }
}

/// The throttle key of an account for `kind`: one counter per account,
/// whichever identifier (username or email) was typed. A login that matches no
/// account counts under a keyed digest of its text: fixed length, and never
/// the text itself (it may be a password typed into the wrong field).
pub fn account_key(state: &AppState, kind: Kind, who: Actor<'_>) -> String {
    match who {
        Actor::User(u) => format!("{}:{}", kind.prefix(), u.id),
        Actor::Named(n) | Actor::Unknown(n) => format!(
            "{}:?{}",
            kind.prefix(),
            state.keys.code_digest(&n.trim().to_lowercase())
        ),
    }
}

/// The client address as throttling counts it: IPv4 as is, IPv6 by its /64
/// (one subscriber usually holds a whole /64, so single addresses are free).
pub fn address_bucket(ip: &str) -> String {
    match ip.parse::<std::net::IpAddr>().map(|a| a.to_canonical()) {
        Ok(std::net::IpAddr::V6(v6)) => {
            let s = v6.segments();
            format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
        }
        Ok(v4) => v4.to_string(),
        Err(_) => ip.to_string(),
    }
}

/// The throttle key of the calling address for `kind`.
fn address_key(kind: Kind, ip: &str) -> String {
    let ip = address_bucket(ip);
    match kind {
        // Sign-in, sudo and password change share the address budget: they
        // all guess passwords.
        Kind::Password => format!("ip:{ip}"),
        _ => format!("ip:{}:{ip}", kind.prefix()),
    }
}

/// The refusal of a delayed attempt: 429 with the seconds to wait.
pub fn refusal(ctx: &RequestCtx, until: i64, now: i64) -> AppError {
    let wait = (until - now).max(1) as u64;
    AppError::TooManyRequests {
        message: td_string!(ctx.locale, errors.throttled, secs = wait).to_string(),
        retry_after_secs: wait,
    }
}

/// Counts an attempt against the account and the client address before any
/// checking, and refuses while either is delayed. Counting and the decision are
/// one statement per key, so a burst of parallel guesses cannot slip past the
/// delay: once the free attempts are used up, the next one sets the delay as it
/// is counted and every later one is refused until it passes.
/// A refusal is audited as `action` with the outcome `throttled`.
pub async fn reserve(
    state: &AppState,
    ctx: &RequestCtx,
    kind: Kind,
    who: Actor<'_>,
    action: AuditAction,
) -> Result<Attempt, AppError> {
    let attempt = Attempt {
        account_key: account_key(state, kind, who),
        ip_key: address_key(kind, &ctx.ip),
    };
    // The address first: a delayed address writes no account counters.
    for (key, free) in [
        (&attempt.ip_key, state.config.throttle_free_per_address),
        (&attempt.account_key, FREE_ACCOUNT_ATTEMPTS),
    ] {
        count(state, ctx, key, free, who, action.clone()).await?;
    }
    Ok(attempt)
}

/// Like [`reserve`], for the account alone (the address was counted already).
pub async fn reserve_account(
    state: &AppState,
    ctx: &RequestCtx,
    kind: Kind,
    who: Actor<'_>,
    action: AuditAction,
) -> Result<(), AppError> {
    count(
        state,
        ctx,
        &account_key(state, kind, who),
        FREE_ACCOUNT_ATTEMPTS,
        who,
        action,
    )
    .await
}

/// Counts a mail to `address` (an address the caller chose): at most a few an
/// hour reach one mailbox, however many accounts ask.
pub async fn reserve_recipient(
    state: &AppState,
    ctx: &RequestCtx,
    who: Actor<'_>,
    address: &str,
    action: AuditAction,
) -> Result<(), AppError> {
    let key = format!(
        "rcpt:{}",
        state.keys.code_digest(&address.trim().to_lowercase())
    );
    count(state, ctx, &key, FREE_ACCOUNT_ATTEMPTS, who, action).await
}

/// Forgets counters that ended (idle for the window, no delay running).
pub async fn purge(state: &AppState) -> Result<u64, AppError> {
    let now = db::now();
    Ok(store::purge(&state.db, now - THROTTLE_WINDOW_SECS, now).await?)
}

async fn count(
    state: &AppState,
    ctx: &RequestCtx,
    key: &str,
    free: i64,
    who: Actor<'_>,
    action: AuditAction,
) -> Result<(), AppError> {
    let now = db::now();
    if let store::Reservation::Blocked { until } =
        store::reserve(&state.db, key, now, THROTTLE_WINDOW_SECS, free).await?
    {
        audit::record(state, ctx, who, action, Outcome::Throttled).await;
        return Err(refusal(ctx, until, now));
    }
    Ok(())
}

/// Counts a failed API credential from `ip` (per address: the credential named
/// no account we could count against). Returns the time the address is
/// blocked until, when it is.
pub async fn api_failure(state: &AppState, ip: &str) -> Result<Option<i64>, AppError> {
    let now = db::now();
    let key = address_key(Kind::Api, ip);
    let free = state.config.throttle_free_per_address;
    Ok(
        match store::reserve(&state.db, &key, now, THROTTLE_WINDOW_SECS, free).await? {
            store::Reservation::Blocked { until } => Some(until),
            store::Reservation::Allowed { blocked_until, .. } => {
                (blocked_until > now).then_some(blocked_until)
            }
        },
    )
}

/// Forgets an account's failures (a password was reset by its owner).
pub async fn clear_account(
    state: &AppState,
    kind: Kind,
    user: &crate::server::db::users::UserRow,
) -> Result<(), AppError> {
    store::clear(&state.db, &account_key(state, kind, Actor::User(user))).await?;
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
