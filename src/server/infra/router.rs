//! The whole HTTP application as one `Router`, so tests drive exactly what runs.

use crate::app::{shell, App};
use crate::server::{db, infra::context, infra::headers, infra::state::AppState};
use axum::extract::State;
use axum::middleware::from_fn_with_state;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use http::{Request, StatusCode};
use leptos::prelude::*;
use leptos_axum::{generate_route_list, LeptosRoutes};
use leptos_router::SsrMode;
use std::sync::Arc;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;

/// The page routes, listed once per process. Listing them renders the whole app
/// under Leptos' `SuppressResourceLoad`, a process-wide switch: a resource
/// first polled meanwhile (a page rendering for someone else) waits forever
/// (leptos-rs/leptos#4773). Once per process, before any router exists, no
/// render can overlap it — the hang the integration suite showed when every
/// test built its own router.
static ROUTES: std::sync::LazyLock<Vec<leptos_axum::AxumRouteListing>> =
    std::sync::LazyLock::new(|| generate_route_list(App));

/// The path of every page of the app (as the router serves them).
pub fn page_paths() -> Vec<String> {
    ROUTES.iter().map(|r| r.path().to_string()).collect()
}

pub fn app(state: AppState) -> Router {
    let routes = ROUTES.clone();
    // Pages rendered whole (the signed-in ones, `SsrMode::Async`; about 50 KB for the
    // profile, most of it the time-zone list) go out compressed to the browser's
    // own requests (`headers::mark_own_whole_pages`). Their paths have no
    // parameters; one that had would only go uncompressed.
    let whole_pages: Arc<std::collections::HashSet<String>> = Arc::new(
        ROUTES
            .iter()
            .filter(|route| matches!(route.mode(), SsrMode::Async))
            .map(|route| route.path().to_string())
            .collect(),
    );
    let options = state.leptos.clone();
    let pkg = state.config.site_dir.join("pkg");
    let split = super::split::Split::read(&pkg).map(Arc::new);
    let assets = match split.clone() {
        Some(split) => super::assets::routes(&pkg).merge(super::split_routes::routes(split)),
        None => super::assets::routes(&pkg),
    };
    // The script that starts the app, made once: it names the packs' address.
    let boot: Arc<str> = super::assets::boot_script(
        split
            .as_deref()
            .map(super::split::Split::pack_pattern)
            .as_deref(),
    )
    .into();
    let page_context = move || page_context(split.clone(), boot.clone());
    // The pages and server functions; a page render runs to its end even when
    // its browser has gone (`context::render_to_completion`); a signed-in page
    // rendered a moment ago for the same session may be served again
    // (`page_cache`). The 404 page (the
    // fallback below) has no data to wait for and is left out.
    let leptos = Router::new()
        .leptos_routes_with_context(&state, routes, page_context.clone(), move || {
            shell(options.clone())
        })
        .layer(axum::middleware::from_fn(context::render_to_completion))
        .layer(from_fn_with_state(
            state.clone(),
            super::page_cache::layer::serve,
        ));
    Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(readyz))
        .route(
            "/avatars/{user_id}/{file}",
            get(crate::server::avatar::serve),
        )
        .route(
            "/api/events/notifications",
            get(crate::server::notifications::live::stream),
        )
        .route(
            "/api/admin/audit-export",
            get(crate::server::api::admin::audit_csv),
        )
        .route(
            "/unsubscribe",
            axum::routing::post(crate::server::notifications::unsubscribe::post),
        )
        .merge(crate::server::api::router())
        .merge(assets)
        .merge(leptos)
        .fallback(leptos_axum::file_and_error_handler_with_context::<
            AppState,
            _,
        >(page_context, shell))
        // Layers run outside-in from the bottom: request id, tracing, panics, headers,
        // limits, multipart boundary, CSRF, session, page compression; then, for the
        // pages alone, their render in a task of its own (above).
        .layer(from_fn_with_state(whole_pages, headers::mark_own_whole_pages))
        .layer(headers::compress_marked_pages())
        .layer(from_fn_with_state(state.clone(), context::middleware))
        .layer(from_fn_with_state(
            state.clone(),
            headers::refuse_cross_site,
        ))
        .layer(axum::middleware::from_fn(headers::refuse_unreadable_multipart))
        .layer(RequestBodyLimitLayer::new(state.config.max_body_bytes))
        .layer(from_fn_with_state(state.clone(), headers::security_headers))
        .layer(CatchPanicLayer::custom(headers::answer_panic))
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(
            TraceLayer::new_for_http().make_span_with(|req: &Request<_>| {
                // Path only: query strings may carry one-time tokens.
                let id = req
                    .headers()
                    .get("x-request-id")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("");
                tracing::info_span!("request", id, method = %req.method(), path = %req.uri().path())
            }),
        )
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
        .layer(axum::middleware::map_request(drop_odd_request_id))
        .with_state(state)
}

/// A client's `X-Request-Id` is kept only when it looks like one (at most 64
/// letters, digits, `-`, `_`, `.`); otherwise a fresh id replaces it, so
/// nobody can write what they like into every log line and response.
async fn drop_odd_request_id<B>(mut req: Request<B>) -> Request<B> {
    let odd = req.headers().get("x-request-id").is_some_and(|v| {
        let b = v.as_bytes();
        b.is_empty()
            || b.len() > 64
            || !b
                .iter()
                .all(|c| c.is_ascii_alphanumeric() || b"-_.".contains(c))
    });
    if odd {
        req.headers_mut().remove("x-request-id");
    }
    req
}

/// Runs inside every page render: the page's inline scripts carry the nonce that
/// `headers::security_headers` made for this request and names in its CSP, the
/// page knows its language and the modules of a split build.
fn page_context(split: Option<Arc<super::split::Split>>, boot: Arc<str>) {
    // What each lazy page announces in its <head> (`page_modules::announce_page_modules`).
    if let Some(split) = split {
        provide_context(split);
        provide_context(super::page_modules::Announced::default());
        provide_context(crate::app::AnnouncePageModules(
            super::page_modules::announce_page_modules,
        ));
    }
    provide_context(crate::app::BootCode(boot));
    let parts = use_context::<http::request::Parts>();
    let nonce = parts
        .as_ref()
        .and_then(|parts| parts.extensions.get::<headers::PageNonce>().cloned());
    if let Some(nonce) = nonce {
        provide_context(leptos::nonce::Nonce::from_value(nonce.0));
    }
    // The page is rendered in the language chosen for this request.
    provide_context(crate::lang::PageLanguage(
        crate::server::infra::context::current_locale(),
    ));
}

async fn readyz(State(state): State<AppState>) -> impl IntoResponse {
    match db::ping(&state.db).await {
        Ok(()) => (StatusCode::OK, "ready"),
        Err(e) => {
            tracing::error!(error = %e, "readiness check failed");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable")
        }
    }
}
