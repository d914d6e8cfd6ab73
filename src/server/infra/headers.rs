//! Cross-site request refusal and security headers for every response.

use crate::server::infra::state::AppState;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http::{header, HeaderMap, HeaderValue, Method, StatusCode};

/// The policy for everything but HTML pages; pages add their per-response script
/// nonce (see [`PageNonce`]). No inline scripts or styles anywhere.
pub const CSP: &str =
    "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; \
     img-src 'self' data: blob:; connect-src 'self'; font-src 'self'; object-src 'none'; \
     base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

pub fn csp_with_nonce(nonce: &str) -> String {
    CSP.replacen(
        "script-src 'self' 'wasm-unsafe-eval'",
        &format!("script-src 'self' 'wasm-unsafe-eval' 'nonce-{nonce}'"),
        1,
    )
}

/// Refuses state-changing requests a browser sent from another site (CSRF).
/// Non-browser clients send neither Origin nor Sec-Fetch-Site and pass.
pub async fn refuse_cross_site(
    State(state): State<AppState>,
    req: Request,
    next: Next,
) -> Response {
    let safe = matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    if !safe && is_cross_site(req.headers(), state.config.public_origin()) {
        tracing::warn!(path = %req.uri().path(), "cross-site request refused");
        return (StatusCode::FORBIDDEN, "Cross-site request refused.").into_response();
    }
    next.run(req).await
}

/// The server functions that take `MultipartFormData`.
/// (tests/it/malformed.rs sends each such function of `src/` a form instead
/// and fails on the panic, so one missing here is found.)
const MULTIPART_ENDPOINTS: &[&str] = &["/api/avatar/upload"];

/// Refuses a request to a multipart server function whose `Content-Type` is
/// not `multipart/form-data` with a readable boundary, answering as a server
/// function does for a malformed request: server_fn's multipart decoder
/// panics on it ("couldn't parse boundary"). Found by the malformed-input
/// battery.
pub async fn refuse_unreadable_multipart(req: Request, next: Next) -> Response {
    if MULTIPART_ENDPOINTS.contains(&req.uri().path()) {
        let content_type = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        if multer::parse_boundary(content_type).is_err() {
            return malformed();
        }
    }
    next.run(req).await
}

/// `AppError::Malformed` as a server function answers it: 400 and its JSON.
fn malformed() -> Response {
    app_error(&crate::error::AppError::Malformed)
}

/// An error answered by a layer, in the shape a server function's has: the
/// status the error names and the error as JSON.
fn app_error(err: &crate::error::AppError) -> Response {
    let status =
        StatusCode::from_u16(err.status_code()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let body = serde_json::to_string(err).unwrap_or_default();
    (status, [(header::CONTENT_TYPE, "application/json")], body).into_response()
}

/// The answer to a request whose handler panicked (a bug): logged with the
/// request's place, answered as `AppError::Internal`, the connection kept.
pub fn answer_panic(panic: Box<dyn std::any::Any + Send + 'static>) -> Response {
    let what = panic
        .downcast_ref::<&str>()
        .map(|s| (*s).to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_default();
    tracing::error!(panic = %what, "a request handler panicked");
    app_error(&crate::error::AppError::Internal {
        request_id: String::new(),
    })
}

pub fn is_cross_site(headers: &HeaderMap, public_origin: &str) -> bool {
    if let Some(origin) = headers.get(header::ORIGIN) {
        let Ok(origin) = origin.to_str() else {
            return true;
        };
        if origin.eq_ignore_ascii_case(public_origin) {
            return false;
        }
        // Also accept the origin the browser itself used to reach us (the Host it
        // sent): a page on another site cannot make the browser lie about either.
        let host = headers
            .get(header::HOST)
            .and_then(|h| h.to_str().ok())
            .unwrap_or("");
        let origin_host = origin
            .strip_prefix("https://")
            .or_else(|| origin.strip_prefix("http://"));
        return host.is_empty() || origin_host.is_none_or(|h| !h.eq_ignore_ascii_case(host));
    }
    match headers.get("sec-fetch-site") {
        Some(site) => !is_own_fetch(site),
        None => false,
    }
}

/// `Sec-Fetch-Site` says the request was made by one of our own pages
/// (`same-origin`) or by the person (`none`: typed, a bookmark).
fn is_own_fetch(site: &HeaderValue) -> bool {
    matches!(site.as_bytes(), b"same-origin" | b"none")
}

fn is_html(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"text/html"))
}

/// Marks the answer to a request for a page rendered whole (`paths`), without a
/// query string, that the person or the app's own pages made ([`is_own_fetch`]):
/// [`compress_marked_pages`] compresses only such answers. A signed-in page
/// holds the person's details; if another site could make the browser fetch it
/// compressed, over and over with guesses of its own in the address, the sizes
/// of the answers would spell those details out (BREACH). So a page another
/// site sends the browser to goes uncompressed, as does one whose address could
/// carry such guesses into the page (a query: the admin's user search echoes
/// its `q`) even when our own page asks for it (a page reloads itself when its
/// code fails to load), and one from a browser that does not say where the
/// request came from. Such a page's answer says that it depends on
/// `Sec-Fetch-Site` (`Vary`), as it does on `Accept-Encoding`.
pub async fn mark_own_whole_pages(
    State(paths): State<std::sync::Arc<std::collections::HashSet<String>>>,
    req: Request,
    next: Next,
) -> Response {
    let whole_page = req.method() == Method::GET && paths.contains(req.uri().path());
    let mark = whole_page
        && req.uri().query().is_none()
        && req
            .headers()
            .get("sec-fetch-site")
            .is_some_and(is_own_fetch);
    let mut res = next.run(req).await;
    if whole_page {
        res.headers_mut()
            .append(header::VARY, HeaderValue::from_static("sec-fetch-site"));
    }
    if mark {
        res.extensions_mut().insert(OwnWholePage);
    }
    res
}

#[derive(Clone, Copy, Debug)]
struct OwnWholePage;

/// Gzip for the HTML pages [`mark_own_whole_pages`] marked, when the browser
/// accepts it; nothing else (assets come precompressed; server functions and
/// the API carry fresh secrets; a page opened from a mailed link has its token
/// in the address's query). Only gzip is compiled in (tower-http's
/// `compression-gzip`); another codec enabled there would be offered too. Its
/// fastest level: the profile's 47 KB become 11.6 KB in 0.12 ms, where the
/// default level makes 10.2 KB in 0.66 ms (a whole render takes about 1.3 ms).
pub fn compress_marked_pages(
) -> tower_http::compression::CompressionLayer<impl tower_http::compression::Predicate> {
    tower_http::compression::CompressionLayer::new()
        .quality(tower_http::CompressionLevel::Fastest)
        .compress_when(
            |_: StatusCode,
             _: http::Version,
             headers: &HeaderMap,
             extensions: &http::Extensions| {
                extensions.get::<OwnWholePage>().is_some() && is_html(headers)
            },
        )
}

/// The nonce of one response's inline scripts. Made here for every request and handed
/// to the page renderer through the request's extensions (`router::page_context`
/// gives it to Leptos), so the page's `<script nonce>` and this response's CSP always
/// name the same value, whatever happens inside the render. (Setting the header from
/// the render through Leptos' `ResponseOptions` lost it now and then once routes were
/// lazily loaded: the page came without a usable nonce and never hydrated.)
#[derive(Clone, Debug)]
pub struct PageNonce(pub std::sync::Arc<str>);

impl PageNonce {
    fn new() -> Self {
        use base64::Engine as _;
        use rand::RngCore as _;
        let mut bytes = [0u8; 16];
        rand::rng().fill_bytes(&mut bytes);
        PageNonce(
            base64::engine::general_purpose::URL_SAFE_NO_PAD
                .encode(bytes)
                .into(),
        )
    }
}

/// Adds the security headers each response lacks; HTML gets the CSP with its nonce.
pub async fn security_headers(
    State(state): State<AppState>,
    mut req: Request,
    next: Next,
) -> Response {
    let nonce = PageNonce::new();
    req.extensions_mut().insert(nonce.clone());
    // Account data (server functions, pages) must never sit in a shared or
    // back-button cache; built assets and avatars choose their own caching.
    let path = req.uri().path();
    let private =
        path.starts_with("/api/") || !path.rsplit('/').next().is_some_and(|l| l.contains('.'));
    let mut res = next.run(req).await;
    if private && !res.headers().contains_key(header::CACHE_CONTROL) {
        res.headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    let html = is_html(res.headers());
    // Pages allow their inline scripts by this request's nonce; a handler that
    // chose its own policy keeps it.
    let csp = if html {
        csp_with_nonce(&nonce.0)
    } else {
        CSP.to_string()
    };
    let h = res.headers_mut();
    let mut set = |name: header::HeaderName, value: &str| {
        if !h.contains_key(&name) {
            if let Ok(v) = HeaderValue::from_str(value) {
                h.insert(name, v);
            }
        }
    };
    set(header::CONTENT_SECURITY_POLICY, &csp);
    set(header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(header::REFERRER_POLICY, "same-origin");
    set(header::X_FRAME_OPTIONS, "DENY");
    set(
        header::HeaderName::from_static("cross-origin-opener-policy"),
        "same-origin",
    );
    set(
        header::HeaderName::from_static("permissions-policy"),
        "camera=(), microphone=(), geolocation=()",
    );
    if state.config.secure_cookies() {
        set(header::STRICT_TRANSPORT_SECURITY, "max-age=31536000");
    }
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(
                header::HeaderName::from_bytes(k.as_bytes()).expect("name"),
                v.parse().expect("value"),
            );
        }
        h
    }

    #[test]
    fn origin_check() {
        let public = "http://127.0.0.1:3000";
        assert!(!is_cross_site(&headers(&[("origin", public)]), public));
        assert!(!is_cross_site(
            &headers(&[
                ("origin", "http://localhost:3000"),
                ("host", "localhost:3000")
            ]),
            public
        ));
        assert!(is_cross_site(
            &headers(&[
                ("origin", "https://evil.example"),
                ("host", "127.0.0.1:3000")
            ]),
            public
        ));
        assert!(is_cross_site(&headers(&[("origin", "null")]), public));
        assert!(is_cross_site(
            &headers(&[("sec-fetch-site", "cross-site")]),
            public
        ));
        assert!(is_cross_site(
            &headers(&[("sec-fetch-site", "same-site")]),
            public
        ));
        assert!(!is_cross_site(
            &headers(&[("sec-fetch-site", "same-origin")]),
            public
        ));
        assert!(!is_cross_site(&headers(&[]), public));
    }

    #[test]
    fn page_policy_carries_the_nonce() {
        let p = csp_with_nonce("abc");
        assert!(p.contains("script-src 'self' 'wasm-unsafe-eval' 'nonce-abc';"));
        assert!(!p.contains("unsafe-inline"));
    }
}
