//! The built front end under `/pkg`: its files' names and how they are served.
//!
//! With `hash-files` (Cargo.toml, `[[workspace.metadata.leptos]]`), cargo-leptos
//! names the WASM, JS and CSS by their content and writes the hashes to
//! `hash.txt` beside the binary; `entry` and `css_href` read it to name them in
//! each page. A changed file gets a new name, so every file under `/pkg` may be
//! cached for a year: a repeat visit downloads nothing again. A release
//! build (`make release`) also writes each file brotli- and gzip-compressed,
//! and the one the browser accepts is sent. A split build's page modules and
//! their packs are `split`.

use axum::Router;
use http::{header, HeaderValue, Response};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use tower::layer::util::{Identity, Stack};
use tower_http::services::ServeDir;
use tower_http::set_header::SetResponseHeaderLayer;

/// `hash.txt` beside the running binary, where cargo-leptos writes it.
fn hash_file() -> Option<PathBuf> {
    Some(std::env::current_exe().ok()?.parent()?.join("hash.txt"))
}

/// The content hash of each kind of file (`js`, `wasm`, `css`), read once;
/// empty for a build without hashed names.
pub(super) fn hashes() -> &'static HashMap<String, String> {
    static HASHES: OnceLock<HashMap<String, String>> = OnceLock::new();
    HASHES.get_or_init(|| {
        hash_file()
            .and_then(|p| std::fs::read_to_string(p).ok())
            .map(|text| parse(&text))
            .unwrap_or_default()
    })
}

/// `kind: hash` lines. A hash goes into file names and into the page's inline
/// boot script: only letters, digits, `-` and `_` are taken.
fn parse(text: &str) -> HashMap<String, String> {
    let word = |v: &str| {
        !v.is_empty()
            && v.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    };
    text.lines()
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .filter(|(k, v)| !k.is_empty() && word(v))
        .collect()
}

/// Whether this build's files carry their content hash in their names.
pub fn hashed() -> bool {
    hashes().contains_key("wasm")
}

/// The script that starts the app (`app::BootScript`): `src/boot.js`, called
/// with the addresses of the app's JS and WASM, the session-storage key of a
/// page already reloaded (`components::browser::RELOADED`) and `packs`, the
/// address of a pack with `*` for the modules it holds (`split::Split`;
/// none when the build is not split). The JS and WASM are named as
/// cargo-leptos built them (as Leptos' `<HydrationScripts>` names them: a build
/// without hashed names and without `LEPTOS_OUTPUT_NAME` has wasm-bindgen's
/// `_bg` file). The script goes into every page, so its comment lines and
/// indentation are left out; the router makes it once.
pub fn boot_script(packs: Option<&str>) -> String {
    let named = |kind: &str, plain: &str| match hashes().get(kind) {
        Some(hash) => format!("/pkg/tessera.{hash}.{kind}"),
        None => format!("/pkg/{plain}.{kind}"),
    };
    let wasm_plain = if option_env!("LEPTOS_OUTPUT_NAME").is_some() {
        "tessera"
    } else {
        "tessera_bg"
    };
    let (js, wasm) = (named("js", "tessera"), named("wasm", wasm_plain));
    let code: Vec<&str> = include_str!("../../boot.js")
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with("//"))
        .collect();
    let reloaded = crate::components::browser::RELOADED;
    let packs = packs.unwrap_or("");
    format!(
        "{}({js:?}, {wasm:?}, {reloaded:?}, {packs:?});",
        code.join("\n")
    )
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

/// `cache_control` for any kind of response body (the files' and the packs').
#[derive(Clone, Copy)]
pub(super) struct CacheControl;

impl<B> tower_http::set_header::MakeHeaderValue<Response<B>> for CacheControl {
    fn make_header_value(&mut self, res: &Response<B>) -> Option<HeaderValue> {
        cache_control(res)
    }
}

/// `pkg_headers`' layers.
pub(super) type PkgHeaders = tower::ServiceBuilder<Stack<VaryLayer, Stack<CacheLayer, Identity>>>;
type VaryLayer = SetResponseHeaderLayer<HeaderValue>;
type CacheLayer = SetResponseHeaderLayer<CacheControl>;

/// The caching headers of every answer under `/pkg` (the files here, the
/// packs in `split`): `cache_control`, and `Vary` on what the browser accepts.
pub(super) fn pkg_headers() -> PkgHeaders {
    tower::ServiceBuilder::new()
        .layer(SetResponseHeaderLayer::overriding(
            header::CACHE_CONTROL,
            CacheControl,
        ))
        // The answer depends on what the browser accepts: a shared cache
        // must not hand brotli to a browser that asked for none.
        .layer(SetResponseHeaderLayer::overriding(
            header::VARY,
            HeaderValue::from_static("accept-encoding"),
        ))
}

/// `/pkg/…` served from `dir`, precompressed files preferred.
pub fn routes<S: Clone + Send + Sync + 'static>(dir: &Path) -> Router<S> {
    let files = ServeDir::new(dir).precompressed_br().precompressed_gzip();
    Router::new().nest_service("/pkg", pkg_headers().service(files))
}

#[cfg(test)]
mod tests {
    use super::{boot_script, parse};

    #[test]
    fn the_boot_script_calls_itself_with_the_entry_and_has_no_comments() {
        let script = boot_script(Some("/pkg/pack/b.bin?m=*"));
        assert!(
            script.starts_with("(function (js, wasm, reloaded, packTemplate) {"),
            "{script}"
        );
        assert!(
            script.ends_with(".wasm\", \"tessera_module_reload\", \"/pkg/pack/b.bin?m=*\");"),
            "{script}"
        );
        assert!(boot_script(None).ends_with("\"tessera_module_reload\", \"\");"));
        assert!(script
            .lines()
            .all(|l| !l.starts_with("//") && !l.starts_with('\t')));
        assert!(script.contains("document.addEventListener(\n\"submit\""));
    }

    #[test]
    fn the_hash_file_names_each_kind() {
        let h = parse("js: abc\nwasm: def\ncss: 123\n\nnonsense\nsplit:\n");
        assert_eq!(h.get("js").map(String::as_str), Some("abc"));
        assert_eq!(h.get("wasm").map(String::as_str), Some("def"));
        assert_eq!(h.get("css").map(String::as_str), Some("123"));
        assert!(!h.contains_key("split"));
        // A hash goes into the inline boot script: nothing but a word is taken.
        assert!(parse("js: a\");alert(1);//\nwasm: </script>\n").is_empty());
    }
}
