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
///
/// A page needs up to ~100 modules, most of them a kilobyte or two (code that
/// wasm-split found shared by some set of pages). Over HTTP/1.1 a browser asks
/// for six at a time, so on a phone's network their round trips, not their
/// bytes, decided when the page could be used. The page therefore names its
/// *pack* instead (`/pkg/pack/<page id>.<build>.bin`): all its modules in one
/// file, compressed as a whole, which `src/boot.js` unpacks and hands to the
/// loader when it asks for each. A page reached later inside the app fetches
/// its modules one by one, as built (most are then loaded already).
#[derive(Debug, Default)]
pub struct Split {
    /// Lazy page id → the modules it loads (file names under `/pkg`, no `.wasm`).
    modules: HashMap<String, Vec<String>>,
    /// The loader script that fetches them.
    loader: String,
    /// Where the modules are.
    pkg: PathBuf,
    /// Part of each pack's address: the manifest's hash, which changes with
    /// any module (the modules' names carry their own hashes).
    build: String,
    /// Lazy page id → its pack, made when first asked for.
    packs: HashMap<String, Pack>,
}

/// One page's modules in one file, each compressed encoding made once, on
/// first request, and kept (at most ~300 KB a page in a release build). The
/// plain one, which browsers do not ask for, is made each time it is.
#[derive(Debug, Default)]
struct Pack {
    brotli: tokio::sync::OnceCell<Option<axum::body::Bytes>>,
    gzip: tokio::sync::OnceCell<Option<axum::body::Bytes>>,
}

/// How a pack goes over the wire.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Encoding {
    Brotli,
    Gzip,
    Plain,
}

impl Split {
    /// Reads the manifest under `pkg`, if this build is split.
    pub fn read(pkg: &Path) -> Option<Split> {
        let (manifest, loader, build) = match (hashes().get("manifest"), hashes().get("split")) {
            (Some(m), Some(s)) => (
                format!("__wasm_split_manifest.{m}.json"),
                format!("__wasm_split.{s}.js"),
                m.clone(),
            ),
            _ => (
                "__wasm_split_manifest.json".to_string(),
                "__wasm_split.______________________.js".to_string(),
                "0".to_string(),
            ),
        };
        let text = std::fs::read_to_string(pkg.join(manifest)).ok()?;
        match serde_json::from_str::<HashMap<String, Vec<String>>>(&text) {
            Ok(modules) => Some(Split::new(modules, loader, pkg, build)),
            Err(e) => {
                tracing::warn!(error = %e, "the split manifest does not parse: pages load their modules unannounced");
                None
            }
        }
    }

    /// The manifest's pages and modules; a name that is not a plain file name
    /// (the pack reads the files) leaves its page out.
    fn new(
        modules: HashMap<String, Vec<String>>,
        loader: String,
        pkg: &Path,
        build: String,
    ) -> Split {
        let plain = |name: &str| {
            !name.is_empty()
                && name.len() <= usize::from(u8::MAX)
                && !name.starts_with('.')
                && name
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
        };
        let modules: HashMap<String, Vec<String>> = modules
            .into_iter()
            .filter(|(id, names)| plain(id) && names.iter().all(|n| plain(n)))
            .collect();
        let packs = modules
            .keys()
            .map(|id| (id.clone(), Pack::default()))
            .collect();
        Split {
            modules,
            loader,
            pkg: pkg.to_path_buf(),
            build,
            packs,
        }
    }

    /// What a page made of the lazy parts `ids` fetches before it can hydrate:
    /// the loader's address first, then each part's pack, or nothing when none
    /// of `ids` is split off.
    pub fn preloads<'a>(&self, ids: impl IntoIterator<Item = &'a str>) -> Option<Vec<String>> {
        let packs: Vec<String> = ids
            .into_iter()
            .filter(|id| self.modules.contains_key(*id))
            .map(|id| format!("/pkg/pack/{id}.{}.bin", self.build))
            .collect();
        (!packs.is_empty()).then(|| {
            std::iter::once(format!("/pkg/{}", self.loader))
                .chain(packs)
                .collect()
        })
    }

    /// The pack named `file` (`<page id>.<build>.bin`), encoded as `encoding`;
    /// `None` for a name of no page of this build, or modules unreadable.
    async fn pack(&self, file: &str, encoding: Encoding) -> Option<axum::body::Bytes> {
        let (id, build) = file.strip_suffix(".bin")?.rsplit_once('.')?;
        if build != self.build {
            return None;
        }
        let (names, pack) = (self.modules.get(id)?, self.packs.get(id)?);
        let (pkg, names) = (self.pkg.clone(), names.clone());
        // Reading ~100 files and compressing ~400 KB: off the async runtime.
        let make = || async move {
            let made = tokio::task::spawn_blocking(move || {
                let plain = pack_modules(&pkg, &names)?;
                compress(&plain, encoding)
            })
            .await;
            match made {
                Ok(Ok(bytes)) => Some(axum::body::Bytes::from(bytes)),
                Ok(Err(e)) => {
                    tracing::error!(error = %e, "a page's modules could not be packed");
                    None
                }
                Err(e) => {
                    tracing::error!(error = %e, "packing a page's modules failed");
                    None
                }
            }
        };
        match encoding {
            Encoding::Brotli => pack.brotli.get_or_init(make).await.clone(),
            Encoding::Gzip => pack.gzip.get_or_init(make).await.clone(),
            Encoding::Plain => make().await,
        }
    }
}

/// The modules `names` under `pkg`, one after the other, each as its name's
/// length (one byte), its name, its length (4 bytes, little-endian) and its
/// bytes (`src/boot.js` reads them).
fn pack_modules(pkg: &Path, names: &[String]) -> std::io::Result<Vec<u8>> {
    let mut out = Vec::new();
    for name in names {
        let bytes = std::fs::read(pkg.join(format!("{name}.wasm")))?;
        let too_long = |what| std::io::Error::new(std::io::ErrorKind::InvalidData, what);
        out.push(u8::try_from(name.len()).map_err(|_| too_long("module name"))?);
        out.extend_from_slice(name.as_bytes());
        let len = u32::try_from(bytes.len()).map_err(|_| too_long("module"))?;
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(&bytes);
    }
    Ok(out)
}

/// `bytes` as sent with `encoding`. Brotli at quality 9: within a few per cent
/// of its best (11) on WebAssembly, at a small fraction of its time.
fn compress(bytes: &[u8], encoding: Encoding) -> std::io::Result<Vec<u8>> {
    use std::io::Write;
    match encoding {
        Encoding::Brotli => {
            let mut w = brotli::CompressorWriter::new(Vec::new(), 64 * 1024, 9, 22);
            w.write_all(bytes)?;
            w.flush()?;
            Ok(w.into_inner())
        }
        Encoding::Gzip => {
            let mut w = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
            w.write_all(bytes)?;
            w.finish()
        }
        Encoding::Plain => Ok(bytes.to_vec()),
    }
}

/// The best encoding `accept` (an `Accept-Encoding` value) takes: brotli, then
/// gzip, then none. One listed with `q=0` is refused.
fn encoding_for(accept: &str) -> Encoding {
    let takes = |wanted: &str| {
        accept.split(',').any(|item| {
            let mut parts = item.split(';').map(str::trim);
            parts
                .next()
                .is_some_and(|name| name.eq_ignore_ascii_case(wanted))
                && !parts.any(|p| {
                    p.strip_prefix("q=")
                        .and_then(|q| q.trim().parse::<f32>().ok())
                        .is_some_and(|q| q <= 0.0)
                })
        })
    };
    if takes("br") {
        Encoding::Brotli
    } else if takes("gzip") {
        Encoding::Gzip
    } else {
        Encoding::Plain
    }
}

/// `GET /pkg/pack/{file}`: a page's modules in one file (`Split`), cached
/// like every file under `/pkg`.
async fn serve_pack(
    axum::extract::State(split): axum::extract::State<std::sync::Arc<Split>>,
    axum::extract::Path(file): axum::extract::Path<String>,
    headers: http::HeaderMap,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let accept = headers
        .get(header::ACCEPT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let encoding = encoding_for(accept);
    let Some(body) = split.pack(&file, encoding).await else {
        return (
            http::StatusCode::NOT_FOUND,
            [(header::CACHE_CONTROL, HeaderValue::from_static("no-store"))],
        )
            .into_response();
    };
    let mut res = (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/octet-stream"),
            ),
            (header::VARY, HeaderValue::from_static("accept-encoding")),
        ],
        body,
    )
        .into_response();
    match encoding {
        Encoding::Brotli => {
            res.headers_mut()
                .insert(header::CONTENT_ENCODING, HeaderValue::from_static("br"));
        }
        Encoding::Gzip => {
            res.headers_mut()
                .insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
        }
        Encoding::Plain => {}
    }
    if let Some(value) = cache_control(&res) {
        res.headers_mut().insert(header::CACHE_CONTROL, value);
    }
    res
}

/// The lazy page ids whose modules one page render has named already.
#[derive(Clone, Default)]
pub struct Announced(std::sync::Arc<std::sync::Mutex<std::collections::HashSet<&'static str>>>);

/// Names the modules of the page being rendered in its `<head>` (`<meta
/// name="tessera-module">`: the split loader and the page's pack, `Split`), so
/// that the browser fetches them alongside the shell instead of only once the
/// shell has run: `src/boot.js` asks for them when it starts the app, after
/// the first paint. Called by each lazy
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
    let Some(files) = split.preloads(ids) else {
        return;
    };
    // `to_html` registers a leptos_meta tag with the page's <head>. The loader
    // first: every module needs it.
    for href in files {
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

/// `/pkg/…` served from `dir`, precompressed files preferred, and the packs of
/// a split build's pages.
pub fn routes<S: Clone + Send + Sync + 'static>(
    dir: &Path,
    split: Option<std::sync::Arc<Split>>,
) -> Router<S> {
    let files = ServeDir::new(dir).precompressed_br().precompressed_gzip();
    let packs = match split {
        Some(split) => Router::new()
            .route("/pkg/pack/{file}", axum::routing::get(serve_pack))
            .with_state(split),
        None => Router::new(),
    };
    packs.nest_service(
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
    use super::{boot_script, encoding_for, parse, Encoding, Split};

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

    fn split(pkg: &std::path::Path) -> Split {
        Split::new(
            serde_json::from_str(
                r#"{"profile_view_1": ["a", "b"], "tokens_view_2": ["b", "c"], "odd": ["../x"]}"#,
            )
            .expect("manifest"),
            "__wasm_split.x.js".into(),
            pkg,
            "B1".into(),
        )
    }

    #[test]
    fn a_page_names_the_loader_then_its_packs() {
        let split = split(std::path::Path::new("/nowhere"));
        let files = split
            .preloads(["profile_view_1", "tokens_view_2", "unknown", "odd"])
            .expect("split");
        assert_eq!(
            files,
            [
                "/pkg/__wasm_split.x.js",
                "/pkg/pack/profile_view_1.B1.bin",
                "/pkg/pack/tokens_view_2.B1.bin"
            ]
        );
        assert!(split.preloads(["unknown"]).is_none());
        // A manifest naming a path rather than a file leaves its page out.
        assert!(split.preloads(["odd"]).is_none());
    }

    #[tokio::test]
    async fn a_pack_holds_each_module_of_its_page_by_name() {
        let dir = tempfile::tempdir().expect("dir");
        for (name, bytes) in [("a", &b"\0asm-a"[..]), ("b", &[7u8; 300][..]), ("c", b"c")] {
            std::fs::write(dir.path().join(format!("{name}.wasm")), bytes).expect("write");
        }
        let split = split(dir.path());
        let plain = split
            .pack("profile_view_1.B1.bin", Encoding::Plain)
            .await
            .expect("pack");
        let mut expected = vec![1, b'a', 6, 0, 0, 0];
        expected.extend_from_slice(b"\0asm-a");
        expected.extend_from_slice(&[1, b'b', 44, 1, 0, 0]);
        expected.extend_from_slice(&[7u8; 300]);
        assert_eq!(&plain[..], &expected[..]);
        // Compressed, it unpacks to the same bytes.
        let gzip = split
            .pack("profile_view_1.B1.bin", Encoding::Gzip)
            .await
            .expect("gzip");
        let mut unpacked = Vec::new();
        std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&gzip[..]), &mut unpacked)
            .expect("gunzip");
        assert_eq!(unpacked, expected);
        let brotli = split
            .pack("profile_view_1.B1.bin", Encoding::Brotli)
            .await
            .expect("brotli");
        let mut unpacked = Vec::new();
        brotli::BrotliDecompress(&mut &brotli[..], &mut unpacked).expect("brotli");
        assert_eq!(unpacked, expected);
        // Another build's pack, a page of none, a path: not found.
        for file in [
            "profile_view_1.B0.bin",
            "nope.B1.bin",
            "profile_view_1.B1",
            "odd.B1.bin",
        ] {
            assert!(split.pack(file, Encoding::Plain).await.is_none(), "{file}");
        }
        // A module gone from the disk: no pack (and the page's loader fetches
        // each module by itself).
        std::fs::remove_file(dir.path().join("c.wasm")).expect("rm");
        assert!(split
            .pack("tokens_view_2.B1.bin", Encoding::Plain)
            .await
            .is_none());
    }

    #[test]
    fn a_pack_is_sent_in_the_best_encoding_the_browser_takes() {
        for (accept, expected) in [
            ("gzip, deflate, br, zstd", Encoding::Brotli),
            ("BR;q=0.5", Encoding::Brotli),
            ("gzip, br;q=0", Encoding::Gzip),
            ("gzip;q=0.1", Encoding::Gzip),
            ("gzip; q=0, br ; q=0.0", Encoding::Plain),
            ("", Encoding::Plain),
            ("identity, brotli", Encoding::Plain),
        ] {
            assert_eq!(encoding_for(accept), expected, "{accept}");
        }
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
