//! A split build's files over HTTP (`Split` says which): the packs
//! (`/pkg/pack/…`), the modules by name (`/pkg/m/<build>/…`) and the split
//! loader written compactly (`loader`), under the caching headers of every
//! file under `/pkg` (`assets`).

use super::assets::pkg_headers;
use super::loader::Compacted;
use super::pack::encoding_for;
use super::packs::Refused;
use super::split::Split;
use axum::Router;
use http::{header, HeaderValue};
use std::sync::Arc;

/// The request's `Accept-Encoding`, if any.
fn accepted(headers: &http::HeaderMap) -> Option<&str> {
    headers
        .get(header::ACCEPT_ENCODING)
        .map(|v| v.to_str().unwrap_or(""))
}

/// `GET /pkg/pack/{file}?m=…`: modules in one file (`Split`), under the
/// same caching headers as every file under `/pkg` (`routes`). A browser that
/// takes neither brotli nor gzip gets 406, and `src/boot.js` then fetches the
/// modules one by one.
async fn serve_pack(
    axum::extract::State(split): axum::extract::State<Arc<Split>>,
    axum::extract::Path(file): axum::extract::Path<String>,
    axum::extract::RawQuery(query): axum::extract::RawQuery,
    headers: http::HeaderMap,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let Some(encoding) = encoding_for(accepted(&headers)) else {
        return http::StatusCode::NOT_ACCEPTABLE.into_response();
    };
    let body = match split
        .pack(&file, query.as_deref().unwrap_or(""), encoding)
        .await
    {
        Ok(body) => body,
        Err(Refused::Unknown) => return http::StatusCode::NOT_FOUND.into_response(),
        Err(Refused::Busy) => return http::StatusCode::SERVICE_UNAVAILABLE.into_response(),
        Err(Refused::Failed) => return http::StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    };
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/octet-stream"),
            ),
            (
                header::CONTENT_ENCODING,
                HeaderValue::from_static(encoding.coding()),
            ),
        ],
        body,
    )
        .into_response()
}

/// `GET /pkg/m/{build}/{file}`: the module `file` (`chunk_7.wasm`, its name
/// without content hash) of the build `build`, as the compact loader asks
/// for it (`loader`); precompressed copies preferred, as for every file under
/// `/pkg`. 404 for another build or a name that is no module of this one.
async fn serve_module(
    axum::extract::State(split): axum::extract::State<Arc<Split>>,
    axum::extract::Path((build, file)): axum::extract::Path<(String, String)>,
    request: axum::extract::Request,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    use tower::ServiceExt;
    let Some(path) = split.module_file(&build, &file) else {
        return http::StatusCode::NOT_FOUND.into_response();
    };
    let file = tower_http::services::ServeFile::new(path)
        .precompressed_br()
        .precompressed_gzip();
    match file.oneshot(request).await {
        Ok(response) => response.into_response(),
        Err(never) => match never {},
    }
}

/// `/pkg/pack/{file}`, the modules by name (`/pkg/m/…`) and, when written
/// compactly, the loader, under the caching headers of every file under `/pkg`.
pub fn routes<S: Clone + Send + Sync + 'static>(split: Arc<Split>) -> Router<S> {
    let mut router = Router::new()
        .route("/pkg/pack/{file}", axum::routing::get(serve_pack))
        .route("/pkg/m/{build}/{file}", axum::routing::get(serve_module))
        .with_state(split.clone());
    if let Some((address, compact)) = split.compact_loader_at() {
        router = router.route(
            &address,
            axum::routing::get(serve_loader).with_state(compact),
        );
    }
    router.layer(pkg_headers())
}

/// `GET` of the loader's address: the compact loader, compressed as the
/// browser takes it (as it is for one that names neither brotli nor gzip).
async fn serve_loader(
    axum::extract::State(loader): axum::extract::State<Arc<Compacted>>,
    headers: http::HeaderMap,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    // A request that names no encoding gets it as it is, as from `assets`.
    let encoding = accepted(&headers).and_then(|accept| encoding_for(Some(accept)));
    let Ok(body) = loader.body(encoding).await else {
        return http::StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    let mut response = (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/javascript; charset=utf-8"),
        )],
        body,
    )
        .into_response();
    if let Some(encoding) = encoding {
        response.headers_mut().insert(
            header::CONTENT_ENCODING,
            HeaderValue::from_static(encoding.coding()),
        );
    }
    response
}
