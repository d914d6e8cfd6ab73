//! The built front end under `/pkg`: its files' names and how they are served.
//!
//! With `hash-files` (Cargo.toml, `[[workspace.metadata.leptos]]`), cargo-leptos
//! names the WASM, JS and CSS by their content and writes the hashes to
//! `hash.txt` beside the binary; `entry` and `css_href` read it to name them in
//! each page. A changed file gets a new name, so every file under `/pkg` may be
//! cached for a year: a repeat visit downloads nothing again. A release
//! build (`make release`) also writes each file brotli- and gzip-compressed,
//! and the one the browser accepts is sent.

use axum::Router;
use http::{header, HeaderValue, Response};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{OnceLock, PoisonError};
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
/// with the addresses of the app's JS and WASM and the session-storage key of
/// a page already reloaded (`components::browser::RELOADED`), built once. They are named as
/// cargo-leptos built them (as Leptos' `<HydrationScripts>` names them: a build
/// without hashed names and without `LEPTOS_OUTPUT_NAME` has wasm-bindgen's
/// `_bg` file). The script goes into every page, so its comment lines and
/// indentation are left out.
pub fn boot_script() -> &'static str {
    static SCRIPT: OnceLock<String> = OnceLock::new();
    SCRIPT.get_or_init(|| {
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
        format!("{}({js:?}, {wasm:?}, {reloaded:?});", code.join("\n"))
    })
}

/// The stylesheet's address (for pages not rendered by Leptos).
pub fn css_href() -> String {
    match hashes().get("css") {
        Some(hash) => format!("/pkg/tessera.{hash}.css"),
        None => "/pkg/tessera.css".to_string(),
    }
}

/// What a split build (`cargo leptos build --split`) loads beyond the shell:
/// each lazy page's modules, named in the build's manifest.
#[derive(Debug, Default)]
pub struct Split {
    /// Lazy page id → the modules it loads (file names under `/pkg`, no `.wasm`).
    modules: HashMap<String, Vec<String>>,
    /// The loader script that fetches them.
    loader: String,
}

impl Split {
    /// Reads the manifest under `pkg`, if this build is split.
    pub fn read(pkg: &Path) -> Option<Split> {
        let (manifest, loader) = match (hashes().get("manifest"), hashes().get("split")) {
            (Some(m), Some(s)) => (
                format!("__wasm_split_manifest.{m}.json"),
                format!("__wasm_split.{s}.js"),
            ),
            _ => (
                "__wasm_split_manifest.json".to_string(),
                "__wasm_split.______________________.js".to_string(),
            ),
        };
        let text = std::fs::read_to_string(pkg.join(manifest)).ok()?;
        match serde_json::from_str(&text) {
            Ok(modules) => Some(Split { modules, loader }),
            Err(e) => {
                tracing::warn!(error = %e, "the split manifest does not parse: pages load their modules unannounced");
                None
            }
        }
    }

    /// What a page made of the lazy parts `ids` fetches before it can hydrate:
    /// the modules' addresses (each once) and the loader's, or nothing when
    /// none of `ids` is split off.
    pub fn preloads<'a>(
        &self,
        ids: impl IntoIterator<Item = &'a str>,
    ) -> Option<(Vec<String>, String)> {
        let mut modules: Vec<String> = Vec::new();
        for module in ids
            .into_iter()
            .filter_map(|id| self.modules.get(id))
            .flatten()
        {
            let href = format!("/pkg/{module}.wasm");
            if !modules.contains(&href) {
                modules.push(href);
            }
        }
        (!modules.is_empty()).then(|| (modules, format!("/pkg/{}", self.loader)))
    }
}

/// The lazy page ids whose modules one page render has named already.
#[derive(Clone, Default)]
pub struct Announced(std::sync::Arc<std::sync::Mutex<std::collections::HashSet<&'static str>>>);

/// Names the modules of the page being rendered in its `<head>` (`<meta
/// name="tessera-module">`), so that the browser fetches them alongside the
/// shell instead of only once the shell has run: `src/boot.js` turns them into
/// preloads when it starts the app, after the first paint. Called by each lazy
/// page's view on the server, right after Leptos noted the page's id (`#[lazy]`).
///
/// Leptos 0.8 writes preload links for them only from its `<HydrationScripts>`
/// (which `app::BootScript` replaces), and there only when its manifest happens
/// to be in reach after the render, which on a streamed signed-in page is
/// rarely: the ids are taken out of its list here, so each is named once, by
/// this.
pub fn announce_page_modules() {
    use leptos::prelude::*;
    use leptos_meta::Meta;
    let Some(split) = use_context::<std::sync::Arc<Split>>() else {
        return;
    };
    let Some(noted) = use_context::<leptos::PrefetchLazyFn>() else {
        return;
    };
    let ids: Vec<&'static str> = noted
        .0
        .try_write_value()
        .map(|mut set| set.drain().collect())
        .unwrap_or_default();
    // Should the page be built more than once on the server (Leptos'
    // <Suspense> walks what it holds on each of its passes), the tags go in once.
    let ids: Vec<&'static str> = match use_context::<Announced>() {
        Some(announced) => {
            let mut done = announced.0.lock().unwrap_or_else(PoisonError::into_inner);
            ids.into_iter().filter(|id| done.insert(id)).collect()
        }
        None => ids,
    };
    let Some((modules, loader)) = split.preloads(ids) else {
        return;
    };
    // `to_html` registers a leptos_meta tag with the page's <head>. The loader
    // first: every module needs it, and boot.js asks for them in this order.
    for href in std::iter::once(loader).chain(modules) {
        let _ = view! { <Meta name="tessera-module" content=href/> }.to_html();
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
    use super::{boot_script, parse, Split};

    #[test]
    fn the_boot_script_calls_itself_with_the_entry_and_has_no_comments() {
        let script = boot_script();
        assert!(
            script.starts_with("(function (js, wasm, reloaded) {"),
            "{script}"
        );
        assert!(
            script.ends_with(".wasm\", \"tessera_module_reload\");"),
            "{script}"
        );
        assert!(script
            .lines()
            .all(|l| !l.starts_with("//") && !l.starts_with('\t')));
        assert!(script.contains("document.addEventListener(\n\"submit\""));
    }

    #[test]
    fn a_page_preloads_its_modules_once_each() {
        let split = Split {
            modules: serde_json::from_str(
                r#"{"profile_view_1": ["a", "b"], "tokens_view_2": ["b", "c"]}"#,
            )
            .expect("manifest"),
            loader: "__wasm_split.x.js".into(),
        };
        let (modules, loader) = split
            .preloads(["profile_view_1", "tokens_view_2", "unknown"])
            .expect("split");
        assert_eq!(modules, ["/pkg/a.wasm", "/pkg/b.wasm", "/pkg/c.wasm"]);
        assert_eq!(loader, "/pkg/__wasm_split.x.js");
        assert!(split.preloads(["unknown"]).is_none());
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
