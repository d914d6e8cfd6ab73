//! Per-request context: client address, user agent, request id and the signed-in
//! session, resolved once by [`middleware`] and read by server functions and pages.

use crate::error::AppError;
use crate::lang::Locale;
use crate::server::auth::session;
use crate::server::db::{self, users::UserRow};
use crate::server::infra::state::AppState;
use crate::server::{infra::lang, workspace};
use axum::extract::{ConnectInfo, Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http::{header, HeaderValue, Method, StatusCode};
use leptos::server_fn::ServerFn;
use std::net::SocketAddr;

/// A signed-in session: the hash of its id and its user as loaded for this request.
#[derive(Clone, Debug)]
pub struct Auth {
    pub session_hash: String,
    pub user: UserRow,
    /// When the password was last entered in this session (see `auth::sudo`).
    pub sudo_at: i64,
    /// The user has two-factor authentication on (as of this request).
    pub two_factor_enabled: bool,
    /// As read for this request (see `db::page_version`).
    pub page_version: i64,
}

#[derive(Clone, Debug)]
pub struct RequestCtx {
    pub ip: String,
    pub user_agent: String,
    pub request_id: String,
    pub auth: Option<Auth>,
    /// The language pages, messages and mails are in (see `server::lang`).
    pub locale: Locale,
    /// The workspace settings as the middleware read them for this request
    /// (`None` outside the page and server-function middleware).
    pub workspace: Option<workspace::Workspace>,
}

impl RequestCtx {
    /// The context of the request being served (inside a server function or page).
    pub fn current() -> Result<RequestCtx, AppError> {
        leptos::prelude::use_context::<http::request::Parts>()
            .and_then(|parts| parts.extensions.get::<RequestCtx>().cloned())
            .ok_or_else(|| {
                tracing::error!("request context missing: is the context middleware installed?");
                AppError::Internal {
                    request_id: String::new(),
                }
            })
    }

    /// The signed-in session, or 401.
    pub fn require_auth(&self) -> Result<&Auth, AppError> {
        self.auth.as_ref().ok_or(AppError::Unauthorized)
    }
}

/// The language of the request being served (English outside a request, e.g.
/// for the command line).
pub fn current_locale() -> Locale {
    leptos::prelude::use_context::<http::request::Parts>()
        .and_then(|p| p.extensions.get::<RequestCtx>().map(|c| c.locale))
        .unwrap_or_default()
}

/// Requests an open page makes by itself, not on the person's behalf: they do
/// not count as activity for the idle timeout.
const BACKGROUND: &[&str] = &["/api/events/notifications", "/api/notifications/unread"];

/// Pages anyone may see; every other HTML page needs a session.
pub const PUBLIC_PAGES: &[&str] = &[
    "/login",
    "/login/two-factor",
    "/forgot-password",
    "/reset-password",
    "/confirm-email",
    "/unsubscribe",
];

/// Resolves the session for every non-static request, redirects anonymous
/// visitors of protected pages to the sign-in page (and signed-in ones away from it).
pub async fn middleware(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let request_id = header_str(&req, "x-request-id");
    REQUEST_ID
        .scope(request_id, resolve(state, req, next))
        .await
}

async fn resolve(state: AppState, mut req: Request, next: Next) -> Response {
    let path = req.uri().path().to_string();
    if is_static(&path) {
        return next.run(req).await;
    }
    let ip = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ci| {
            crate::server::infra::net::client_ip(
                ci.0.ip(),
                req.headers(),
                &state.config.trusted_proxies,
            )
            .to_string()
        })
        .unwrap_or_default();
    let user_agent = header_str(&req, header::USER_AGENT)
        .chars()
        .take(512)
        .collect();
    let request_id = header_str(&req, "x-request-id");

    let cookie = session::read_cookie(&state.config, req.headers());
    // The workspace settings' version, read with the session (`workspace::Cached`).
    let mut settings_version = -1;
    let auth = match &cookie {
        None => None,
        Some(id) => {
            let hash = session::hash_id(id);
            match db::sessions::find_live(&state.db, &hash, state.config.session_idle_timeout_secs)
                .await
            {
                Ok(Some(live)) => {
                    // What an open page asks by itself (the bell) is not the
                    // person being active: it must not keep the session alive.
                    if !BACKGROUND.contains(&path.as_str())
                        && db::sessions::needs_touch(live.last_seen_at)
                    {
                        if let Err(e) = db::sessions::touch(&state.db, &hash, &ip).await {
                            tracing::warn!(error = %e, "could not record session activity");
                        }
                    }
                    settings_version = live.settings_version;
                    Some(Auth {
                        session_hash: hash,
                        user: live.user,
                        sudo_at: live.sudo_at,
                        two_factor_enabled: live.two_factor_enabled,
                        page_version: live.page_version,
                    })
                }
                Ok(None) => None,
                Err(e) => {
                    tracing::error!(error = %e, "session lookup failed");
                    return unavailable(&req);
                }
            }
        }
    };

    // Every redirect a page needs is decided here, before anything is rendered, so
    // the browser gets a real 302 (with JavaScript off too) and never a streamed page
    // that only a script in it could move on.
    if is_page_request(&req) {
        if let Some(res) = page_redirect(&state, &req, &path, auth.is_some(), cookie.is_some()) {
            return res;
        }
    }

    let ws = match state.workspace.at(&state.db, settings_version).await {
        Ok(ws) => ws,
        Err(e) => {
            tracing::error!(error = %e, "settings lookup failed");
            return unavailable(&req);
        }
    };
    let locale = lang::resolve(
        auth.as_ref().map(|a| a.user.language.as_str()),
        ws.default_language,
        &header_str(&req, header::ACCEPT_LANGUAGE),
    );
    if auth.as_ref().is_some_and(|a| a.user.must_change_password()) {
        if let Some(refusal) = change_password_first(&req, &path) {
            return refusal;
        }
    }
    if auth
        .as_ref()
        .is_some_and(|a| ws.two_factor_mandatory && !a.two_factor_enabled)
    {
        if let Some(refusal) = enrol_first(&req, &path) {
            return refusal;
        }
    }
    req.extensions_mut().insert(RequestCtx {
        ip,
        user_agent,
        request_id,
        auth,
        locale,
        workspace: Some(ws),
    });
    next.run(req).await
}

tokio::task_local! {
    /// The request id while a request is handled (set by [`middleware`]).
    static REQUEST_ID: String;
}

/// How long a page render may take once it runs on its own (below); one that
/// takes longer is dropped and answered 503 ("temporarily unavailable", in the
/// person's language), like a render that failed.
const RENDER_LIMIT: std::time::Duration = std::time::Duration::from_secs(30);

/// Runs a page render (a GET to a Leptos route outside `/api/`) in a task of its
/// own, to its end, its HTML read whole there, and waits for it: a render whose
/// browser went away meanwhile (a closed tab, a click elsewhere) still finishes
/// before Leptos drops its reactive owner, which it does at the end of the
/// HTML. Dropped halfway, the owner disposed of the page's signals while the
/// tasks of its resources and `Suspense` were still rendering them, and each
/// such task panicked ("you tried to access a reactive value … but it has
/// already been disposed": 2 of 300 signed-in renders abandoned at random
/// moments). A render is a millisecond or two of work, about what it costs
/// when the browser stays; the few pages that streamed (those opened from a
/// mailed link) now come in one piece too. Server functions are left as they
/// are: each writes in one transaction.
pub async fn render_to_completion(req: Request, next: Next) -> Response {
    use tracing::Instrument as _;
    let page = matches!(*req.method(), Method::GET | Method::HEAD)
        && !req.uri().path().starts_with("/api/");
    if !page {
        return next.run(req).await;
    }
    // For the answer when the render fails (rare): the person's language.
    let accept_language = header_str(&req, header::ACCEPT_LANGUAGE);
    let render = async move {
        let (parts, body) = next.run(req).await.into_parts();
        axum::body::to_bytes(body, usize::MAX)
            .await
            .map(|html| Response::from_parts(parts, axum::body::Body::from(html)))
    };
    let render = tokio::time::timeout(RENDER_LIMIT, REQUEST_ID.scope(task_request_id(), render))
        .instrument(tracing::Span::current());
    match tokio::spawn(render).await {
        Ok(Ok(Ok(res))) => return res,
        Ok(Ok(Err(e))) => tracing::error!(error = %e, "page render failed while it was written"),
        Ok(Err(_)) => tracing::error!(
            limit_secs = RENDER_LIMIT.as_secs(),
            "page render took too long"
        ),
        // For `CatchPanicLayer` (`headers::answer_panic`), as if it had
        // happened here.
        Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
        // Cancelled: the runtime is shutting down.
        Err(_) => {}
    }
    unavailable_in(&accept_language)
}

/// The id of the request this task is handling, or "" outside one: for
/// errors made where no [`RequestCtx`] is at hand (the REST API's).
pub fn task_request_id() -> String {
    REQUEST_ID.try_with(Clone::clone).unwrap_or_default()
}

/// Where a signed-in user without 2FA may go while the workspace mandates it:
/// the enrolment page and what it needs. Everything else is refused.
const ALLOWED_BEFORE_ENROLMENT: &[&str] = &[
    "/settings/two-factor",
    // A generated password is replaced first (see below): never both gates shut.
    "/settings/password",
    <crate::features::password::ChangePassword as ServerFn>::PATH,
    <crate::features::password::CheckPassword as ServerFn>::PATH,
    <crate::features::auth::GetCurrentUser as ServerFn>::PATH,
    <crate::features::auth::Logout as ServerFn>::PATH,
    <crate::features::auth::ConfirmPassword as ServerFn>::PATH,
    <crate::features::two_factor::GetTwoFactorStatus as ServerFn>::PATH,
    <crate::features::two_factor::StartTwoFactor as ServerFn>::PATH,
    <crate::features::two_factor::EnableTwoFactor as ServerFn>::PATH,
    // A passkey satisfies the mandate as well as an authenticator app.
    "/settings/passkeys",
    <crate::features::passkeys::ListPasskeys as ServerFn>::PATH,
    <crate::features::passkeys::StartPasskeyRegistration as ServerFn>::PATH,
    <crate::features::passkeys::FinishPasskeyRegistration as ServerFn>::PATH,
];

/// Sends pages to the enrolment page and refuses server functions with
/// `TwoFactorRequired`, unless `path` is part of enrolling.
fn enrol_first(req: &Request, path: &str) -> Option<Response> {
    if ALLOWED_BEFORE_ENROLMENT.contains(&path) {
        return None;
    }
    Some(only_there(
        req,
        "/settings/two-factor",
        &AppError::TwoFactorRequired,
    ))
}

/// Where someone whose password was generated and shown may go: the password
/// page and what it needs.
const ALLOWED_BEFORE_PASSWORD_CHANGE: &[&str] = &[
    "/settings/password",
    <crate::features::auth::GetCurrentUser as ServerFn>::PATH,
    <crate::features::auth::Logout as ServerFn>::PATH,
    <crate::features::password::ChangePassword as ServerFn>::PATH,
    <crate::features::password::CheckPassword as ServerFn>::PATH,
];

/// Sends pages to the password page and refuses server functions with
/// `PasswordChangeRequired`, unless `path` is part of changing the password.
fn change_password_first(req: &Request, path: &str) -> Option<Response> {
    if ALLOWED_BEFORE_PASSWORD_CHANGE.contains(&path) {
        return None;
    }
    Some(only_there(
        req,
        "/settings/password",
        &AppError::PasswordChangeRequired,
    ))
}

/// A page request goes to `page`; anything else is refused with `error`.
fn only_there(req: &Request, page: &str, error: &AppError) -> Response {
    if is_page_request(req) {
        return redirect(page);
    }
    let body = serde_json::to_string(error).unwrap_or_default();
    let mut res = (StatusCode::FORBIDDEN, body).into_response();
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    res
}

fn header_str(req: &Request, name: impl header::AsHeaderName) -> String {
    req.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string()
}

/// Built assets and files from `public/`: no session needed, no database hit.
fn is_static(path: &str) -> bool {
    // The REST API authenticates with tokens and app passwords itself (server::api).
    path.starts_with("/api/v1/")
        || path == "/api/docs"
        || path.starts_with("/pkg/")
        || path == "/healthz"
        || path == "/readyz"
        || path
            .rsplit('/')
            .next()
            .is_some_and(|last| last.contains('.'))
}

/// A request for a page (as opposed to a server function or an asset). Whatever
/// it accepts: `curl` asks for `*/*` and must see the same redirects as a browser.
fn is_page_request(req: &Request) -> bool {
    (req.method() == Method::GET || req.method() == Method::HEAD)
        && !req.uri().path().starts_with("/api/")
}

/// Where a page request must go instead, if anywhere:
/// - signed out, a protected page: the sign-in page, with the way back in `next`;
/// - `/` and `/settings`: the profile page (or the sign-in page, signed out);
/// - signed in, the sign-in page: where its `next` points.
fn page_redirect(
    state: &AppState,
    req: &Request,
    path: &str,
    signed_in: bool,
    has_cookie: bool,
) -> Option<Response> {
    let is_home = matches!(path, "/" | "/settings" | "/settings/");
    if signed_in {
        if is_home {
            return Some(redirect(crate::validate::HOME));
        }
        if path == "/login" {
            let next = req.uri().query().and_then(|q| query_param(q, "next"));
            return Some(redirect(&crate::validate::safe_next(next.as_deref())));
        }
        return None;
    }
    if PUBLIC_PAGES.contains(&path) {
        return None;
    }
    let target = if is_home {
        "/login".to_string()
    } else {
        let back = req
            .uri()
            .path_and_query()
            .map_or("/", http::uri::PathAndQuery::as_str);
        format!("/login?next={}", encode_component(back))
    };
    let mut res = redirect(&target);
    if has_cookie {
        // The cookie names a session that has ended: drop it.
        if let Ok(v) = HeaderValue::from_str(&session::clear_cookie(&state.config)) {
            res.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    Some(res)
}

/// The decoded value of `name` in a query string.
fn query_param(query: &str, name: &str) -> Option<String> {
    form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

fn redirect(location: &str) -> Response {
    let mut res = StatusCode::FOUND.into_response();
    if let Ok(v) = HeaderValue::from_str(location) {
        res.headers_mut().insert(header::LOCATION, v);
    }
    res
}

/// The database is down: say so in the browser's language (no session is known).
fn unavailable(req: &Request) -> Response {
    unavailable_in(&header_str(req, header::ACCEPT_LANGUAGE))
}

/// 503 "temporarily unavailable" in the language `Accept-Language` prefers.
fn unavailable_in(accept_language: &str) -> Response {
    let l = lang::from_accept_language(accept_language).unwrap_or_default();
    (
        StatusCode::SERVICE_UNAVAILABLE,
        crate::i18n::td_string!(l, errors.unavailable).to_string(),
    )
        .into_response()
}

use crate::validate::encode_component;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enrolment_allows_the_server_functions_it_needs() {
        for path in [
            "/api/me",
            "/api/logout",
            "/api/sudo",
            "/api/two-factor/status",
            "/api/two-factor/start",
            "/api/two-factor/enable",
            "/api/passkeys",
            "/api/passkeys/register/start",
            "/api/passkeys/register/finish",
        ] {
            assert!(ALLOWED_BEFORE_ENROLMENT.contains(&path), "{path}");
        }
    }

    #[test]
    fn static_paths_skip_the_session() {
        assert!(is_static("/pkg/tessera.wasm"));
        assert!(is_static("/favicon.ico"));
        assert!(!is_static("/settings/profile"));
        assert!(!is_static("/api/login"));
    }

    #[test]
    fn next_parameter_is_encoded() {
        assert_eq!(
            encode_component("/settings/profile?tab=a&b=c d"),
            "/settings/profile%3Ftab%3Da%26b%3Dc%20d"
        );
    }
}
