//! The layer that serves kept pages and keeps new ones (see the parent module).

use super::{replay, Kept};
use crate::server::infra::context::RequestCtx;
use crate::server::infra::headers::PageNonce;
use crate::server::infra::state::AppState;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse as _, Response};
use http::{header, Method, StatusCode};
use sha2::{Digest as _, Sha256};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Instant;

/// The layer around page renders (inside `context::middleware`, which found the
/// session, and `headers::security_headers`, which made the nonce).
pub async fn serve(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let Some((key, nonce)) = key_of(&state, &req) else {
        return next.run(req).await;
    };
    if let Some(kept) = state.page_cache.get(&key) {
        if let Some(res) = replay(&kept, &nonce) {
            state.page_cache.hits.fetch_add(1, Ordering::Relaxed);
            return res;
        }
    }
    let res = next.run(req).await;
    if res.status() != StatusCode::OK || res.headers().contains_key(header::SET_COOKIE) {
        return res;
    }
    let (parts, body) = res.into_parts();
    // The render was read whole already (`context::render_to_completion`):
    // this takes its one piece.
    let body = match axum::body::to_bytes(body, usize::MAX).await {
        Ok(body) => body,
        Err(e) => {
            // Not an empty `200`: the page was not rendered.
            tracing::error!(error = %e, "page body unreadable");
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    };
    // A page whose nonce cannot be found is not kept: served again, its
    // scripts would carry the old nonce and the new response's CSP refuse them.
    let Ok(html) = std::str::from_utf8(&body) else {
        return Response::from_parts(parts, Body::from(body));
    };
    let nonce_at = html.match_indices(&*nonce).map(|(at, _)| at).collect();
    state.page_cache.put(
        key,
        Kept {
            headers: parts.headers.clone(),
            body: body.clone(),
            nonce_at,
            nonce_len: nonce.len(),
            at: Instant::now(),
        },
    );
    Response::from_parts(parts, Body::from(body))
}

/// The key of a request whose page may be kept, with its nonce.
fn key_of(state: &AppState, req: &Request) -> Option<([u8; 32], Arc<str>)> {
    if state.page_cache.ttl.is_zero()
        || req.method() != Method::GET
        || !super::KEPT.contains(&req.uri().path())
    {
        return None;
    }
    let ctx = req.extensions().get::<RequestCtx>()?;
    let auth = ctx.auth.as_ref()?;
    let ws = ctx.workspace.as_ref()?;
    let nonce = req.extensions().get::<PageNonce>()?.0.clone();
    let mut key = Sha256::new();
    let mut field = |bytes: &[u8]| {
        key.update((bytes.len() as u64).to_le_bytes());
        key.update(bytes);
    };
    field(auth.session_hash.as_bytes());
    field(auth.user.id.as_str().as_bytes());
    field(&auth.page_version.to_le_bytes());
    field(&auth.sudo_at.to_le_bytes());
    field(&[u8::from(auth.two_factor_enabled)]);
    field(&ws.stored.to_le_bytes());
    field(crate::lang::code(ctx.locale).as_bytes());
    field(ctx.ip.as_bytes());
    field(
        req.uri()
            .path_and_query()
            .map_or("", http::uri::PathAndQuery::as_str)
            .as_bytes(),
    );
    for (name, value) in req.headers() {
        if !super::UNKEYED.contains(&name.as_str()) {
            field(name.as_str().as_bytes());
            field(value.as_bytes());
        }
    }
    Some((key.finalize().into(), nonce))
}
