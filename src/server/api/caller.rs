//! Who is calling the REST API: the `Authorization` header read
//! ([`presented`]), the credential checked (token or app password, through the
//! credential cache), and the [`Caller`] extractor with its IP allowlist and
//! read-only checks.

use super::last_used::Kind;
use super::{cache, token, ApiError};
use crate::server::db::{self, api_tokens, users::UserRow};
use crate::server::infra::state::AppState;
use crate::server::throttle;
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use base64::Engine;
use http::{header, Method, StatusCode};
use std::net::{IpAddr, SocketAddr};

/// How the caller proved who they are.
#[derive(Clone, Debug)]
pub enum Credential {
    Token { id: String, read_only: bool },
    AppPassword { id: String },
}

/// An authenticated API caller. Extracting it checks the credential, its expiry,
/// the IP allowlist and (for read-only tokens) the method.
#[derive(Clone, Debug)]
pub struct Caller {
    pub user: UserRow,
    pub credential: Credential,
    pub ip: IpAddr,
    /// The request's path (for the audit row of a refused admin call).
    pub path: String,
}

impl Caller {
    /// The request as audit rows record it (`REST API` as the user agent).
    pub fn ctx(&self) -> crate::server::infra::context::RequestCtx {
        crate::server::infra::context::RequestCtx {
            ip: self.ip.to_string(),
            user_agent: "REST API".into(),
            request_id: String::new(),
            auth: None,
            locale: crate::lang::Locale::en,
            workspace: None,
        }
    }

    /// The caller is an administrator (`server::admin::require_user`) using a
    /// personal API token, or 403: app passwords never expire, skip 2FA and
    /// have no scope, so they reach no admin endpoint.
    /// A refused attempt is audited (`admin.denied`, naming the path).
    pub async fn require_admin(&self, state: &AppState) -> Result<(), ApiError> {
        if crate::server::admin::require_user(&self.user).is_err() {
            let action = crate::server::audit::AuditAction::AdminDenied {
                what: self.path.clone(),
            };
            let failure = crate::server::audit::Outcome::Failure;
            crate::server::audit::record(state, &self.ctx(), &self.user, action, failure).await;
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "forbidden",
                "Administrators only.",
            ));
        }
        self.require_not_app_password()
    }

    /// App passwords never manage or list credentials (tokens, app passwords,
    /// 2FA) and reach no admin endpoint.
    pub fn require_not_app_password(&self) -> Result<(), ApiError> {
        match self.credential {
            Credential::AppPassword { .. } => Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "app_password_not_allowed",
                "App passwords cannot manage credentials; use a personal API token.",
            )),
            Credential::Token { .. } => Ok(()),
        }
    }
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Caller, ApiError> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map_or(IpAddr::from([127, 0, 0, 1]), |c| c.0.ip());
        let ip = crate::server::infra::net::client_ip(
            peer,
            &parts.headers,
            &state.config.trusted_proxies,
        );
        let ip_text = ip.to_string();
        // Delays apply per IPv4 address or IPv6 /64, like sign-in throttling.
        let bucket = throttle::address_bucket(&ip_text);
        // An address delayed for guessing is refused before any credential is
        // looked at (an in-memory check: no database read per request).
        let now = db::now();
        if let Some(until) = state.api_blocked.until(&bucket, now) {
            return Err(ApiError::too_many((until - now).max(1) as u64));
        }
        let verified = match verify(state, &parts.headers).await {
            Ok(v) => v,
            Err(e) if e.status == StatusCode::UNAUTHORIZED => {
                // Failures are counted per address in the database (so every
                // server sees them); a success costs no write.
                if let Some(until) = throttle::api_failure(state, &ip_text).await? {
                    state.api_blocked.block(&bucket, until, now);
                }
                return Err(e);
            }
            Err(e) => return Err(e),
        };
        let Some(allowed) = &verified.allowed else {
            // An address rule that no longer parses allows nobody (fail closed).
            return Err(ip_not_allowed());
        };
        if !crate::server::infra::net::allows(allowed, ip) {
            return Err(ip_not_allowed());
        }
        if verified.lacks_two_factor {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "two_factor_required",
                "Two-factor authentication is mandatory in this workspace: turn it on in your \
                 account settings before using the API.",
            ));
        }
        let caller = Caller {
            user: verified.user,
            credential: verified.credential,
            ip,
            path: parts.uri.path().to_string(),
        };
        if let Credential::Token {
            read_only: true, ..
        } = caller.credential
        {
            if !matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS) {
                return Err(ApiError::new(
                    StatusCode::FORBIDDEN,
                    "read_only_token",
                    "This token is read-only.",
                ));
            }
        }
        let (kind, id) = match &caller.credential {
            Credential::Token { id, .. } => (Kind::Token, id),
            Credential::AppPassword { id } => (Kind::AppPassword, id),
        };
        state.last_used.record(kind, id, &ip_text);
        Ok(caller)
    }
}

fn ip_not_allowed() -> ApiError {
    ApiError::new(
        StatusCode::FORBIDDEN,
        "ip_not_allowed",
        "This token may not be used from your address.",
    )
}

/// What a client presents in `Authorization`, read without any lookup.
#[derive(Debug, PartialEq, Eq)]
pub enum Presented<'a> {
    /// `Bearer` with a token of the right shape and checksum.
    Token(&'a str),
    /// HTTP Basic: the username and the app password, normalised
    /// ([`normalise_app_password`](crate::server::app_passwords::normalise_app_password)).
    AppPassword { username: String, password: String },
}

/// Reads an `Authorization` value; `None` for anything that cannot be a
/// credential (other schemes, a malformed token, Basic that is not base64 of
/// UTF-8 `user:password`). Typos and invented values cost no lookup.
pub fn presented(auth: &str) -> Option<Presented<'_>> {
    if let Some(value) = auth.strip_prefix("Bearer ") {
        let value = value.trim();
        return token::is_well_formed(value).then_some(Presented::Token(value));
    }
    let encoded = auth.strip_prefix("Basic ")?.trim();
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded)
        .ok()
        .and_then(|b| String::from_utf8(b).ok())?;
    let (username, password) = decoded.split_once(':')?;
    Some(Presented::AppPassword {
        username: username.to_string(),
        password: crate::server::app_passwords::normalise_app_password(password),
    })
}

/// The credential in `Authorization`, checked: known, not expired, its user
/// active. Every failure is 401 `unauthorized`.
async fn verify(state: &AppState, headers: &http::HeaderMap) -> Result<cache::Verified, ApiError> {
    let auth = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let verified = match presented(auth) {
        Some(Presented::Token(value)) => by_token(state, value).await?,
        Some(Presented::AppPassword { username, password }) => {
            by_app_password(state, &username, &password).await?
        }
        None => return Err(ApiError::unauthorized()),
    };
    if verified.expires_at.is_some_and(|at| at <= db::now()) || verified.user.is_disabled() {
        return Err(ApiError::unauthorized());
    }
    Ok(verified)
}

/// A well-formed token ([`presented`] checked its shape and checksum).
async fn by_token(state: &AppState, value: &str) -> Result<cache::Verified, ApiError> {
    let digest = token::digest(value);
    let key = format!("t:{digest}");
    if let Some(hit) = state.auth_cache.get(&key) {
        return Ok(hit);
    }
    let generation = state.auth_cache.generation();
    let row = api_tokens::find_by_digest(&state.db, &digest)
        .await?
        .ok_or_else(ApiError::unauthorized)?;
    let user = live_user(state, &row.user_id).await?;
    let allowed = match crate::server::infra::net::parse_list(&row.allowed_ips) {
        Ok(list) => Some(list),
        Err(_) => {
            tracing::error!(token_id = %row.id, "stored address rule does not parse; refusing");
            None
        }
    };
    let verified = cache::Verified {
        lacks_two_factor: lacks_two_factor(state, &user).await?,
        user,
        allowed,
        expires_at: Some(row.expires_at),
        credential: Credential::Token {
            read_only: row.scope == crate::model::TokenScope::Read,
            id: row.id,
        },
    };
    state.auth_cache.put(key, verified.clone(), generation);
    Ok(verified)
}

/// HTTP Basic with an app password. Unknown users and wrong passwords cost
/// the same single query, so the answer's timing names no account.
async fn by_app_password(
    state: &AppState,
    username: &str,
    password: &str,
) -> Result<cache::Verified, ApiError> {
    let digest = token::digest(password);
    let key = format!("b:{}:{digest}", username.to_lowercase());
    if let Some(hit) = state.auth_cache.get(&key) {
        return Ok(hit);
    }
    let generation = state.auth_cache.generation();
    let row = api_tokens::find_app_password_of(&state.db, username, &digest)
        .await?
        .ok_or_else(ApiError::unauthorized)?;
    let user = live_user(state, &row.user_id).await?;
    let verified = cache::Verified {
        lacks_two_factor: lacks_two_factor(state, &user).await?,
        user,
        credential: Credential::AppPassword { id: row.id },
        allowed: Some(Vec::new()),
        expires_at: None,
    };
    state.auth_cache.put(key, verified.clone(), generation);
    Ok(verified)
}

/// Whether the workspace mandates 2FA and `user` has none (looked up when a
/// credential is verified, then cached with it; changing the mandate or the
/// user's 2FA drops the cache).
async fn lacks_two_factor(state: &AppState, user: &UserRow) -> Result<bool, ApiError> {
    Ok(crate::server::two_factor::missing_under_mandate(state, user).await?)
}

async fn live_user(state: &AppState, id: &str) -> Result<UserRow, ApiError> {
    db::users::find_by_id(&state.db, id)
        .await?
        .filter(|u| !u.is_disabled())
        .ok_or_else(ApiError::unauthorized)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn authorization_values_are_read_before_any_lookup() {
        let t = token::generate();
        assert_eq!(
            presented(&format!("Bearer  {t} ")),
            Some(Presented::Token(t.as_str()))
        );
        let basic = base64::engine::general_purpose::STANDARD.encode("Alice:abcd-EFGH 2345:x");
        assert_eq!(
            presented(&format!("Basic {basic}")),
            Some(Presented::AppPassword {
                username: "Alice".into(),
                password: "abcdefgh2345x".into(),
            })
        );
        let last = if t.ends_with('x') { 'y' } else { 'x' };
        let mistyped = format!("{}{last}", &t[..t.len() - 1]);
        for refused in [
            String::new(),
            format!("Bearer {mistyped}"),
            format!("bearer {t}"),
            format!("Token {t}"),
            "Basic !!!".into(),
            format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode("no colon")
            ),
            format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode([0xff, b':'])
            ),
        ] {
            assert_eq!(presented(&refused), None, "{refused}");
        }
    }
}
