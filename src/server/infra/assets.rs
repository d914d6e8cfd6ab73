//! The built front end under `/pkg`: its files' names and how they are served.
//!
//! With `hash-files` (Cargo.toml, `[package.metadata.leptos]`), cargo-leptos
//! names the WASM, JS and CSS by their content and writes the hashes to
//! `hash.txt` beside the binary; Leptos reads that file to name them in each
//! page. A changed file gets a new name, so every file under `/pkg` may be
//! cached for a year: a repeat visit downloads nothing again. A release
//! build (`make release`) also writes each file brotli- and gzip-compressed,
//! and the one the browser accepts is sent.

use axum::Router;
use http::{header, HeaderValue, Response};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use tower_http::services::ServeDir;
use tower_http::set_header::SetResponseHeaderLayer;

/// `hash.txt` beside the running binary, where cargo-leptos writes it.
fn hash_file() -> Option<PathBuf> {
    Some(std::env::current_exe().ok()?.parent()?.join("hash.txt"))
}

/// The content hash of each kind of file (`js`, `wasm`, `css`), read once;
/// empty for a build without hashed names.
fn hashes() -> &'static HashMap<String, String> {
    static HASHES: OnceLock<HashMap<String, String>> = OnceLock::new();
    HASHES.get_or_init(|| {
        hash_file()
            .and_then(|p| std::fs::read_to_string(p).ok())
            .map(|text| parse(&text))
            .unwrap_or_default()
    })
}

/// `kind: hash` lines.
fn parse(text: &str) -> HashMap<String, String> {
    text.lines()
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .filter(|(k, v)| !k.is_empty() && !v.is_empty())
        .collect()
}

/// Whether this build's files carry their content hash in their names.
pub fn hashed() -> bool {
    hashes().contains_key("wasm")
}

/// The stylesheet's address (for pages not rendered by Leptos).
pub fn css_href() -> String {
    match hashes().get("css") {
        Some(hash) => format!("/pkg/tessera.{hash}.css"),
        None => "/pkg/tessera.css".to_string(),
    }
}

/// `Cache-Control` of a file under `/pkg`: a year, never revalidated, when
/// names change with contents; otherwise asked again each time (a 304 when
/// unchanged). Errors are never cached.
fn cache_control<B>(res: &Response<B>) -> Option<HeaderValue> {
    Some(HeaderValue::from_static(if !res.status().is_success() {
        "no-store"
    } else if hashed() {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    }))
}

/// `/pkg/…` served from `dir`, precompressed files preferred.
pub fn routes<S: Clone + Send + Sync + 'static>(dir: &Path) -> Router<S> {
    let files = ServeDir::new(dir).precompressed_br().precompressed_gzip();
    Router::new().nest_service(
        "/pkg",
        tower::ServiceBuilder::new()
            .layer(SetResponseHeaderLayer::overriding(
                header::CACHE_CONTROL,
                cache_control,
            ))
            // The answer depends on what the browser accepts: a shared cache
            // must not hand brotli to a browser that asked for none.
            .layer(SetResponseHeaderLayer::overriding(
                header::VARY,
                HeaderValue::from_static("accept-encoding"),
            ))
            .service(files),
    )
}

#[cfg(test)]
mod tests {
    use super::parse;

    #[test]
    fn the_hash_file_names_each_kind() {
        let h = parse("js: abc\nwasm: def\ncss: 123\n\nnonsense\nsplit:\n");
        assert_eq!(h.get("js").map(String::as_str), Some("abc"));
        assert_eq!(h.get("wasm").map(String::as_str), Some("def"));
        assert_eq!(h.get("css").map(String::as_str), Some("123"));
        assert!(!h.contains_key("split"));
    }
}
