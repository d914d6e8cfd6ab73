//! A split build's pages (`cargo leptos build --split`): which modules each
//! loads, the pack that brings them in one file (`/pkg/pack/…`), and the
//! `<head>` tags that name it. The other built files are `assets`.

use super::assets::{hashes, pkg_headers};
use super::pack::{compress, encoding_for, pack_modules, Encoding};
use axum::Router;
use futures::future::{BoxFuture, FutureExt, Shared};
use http::{header, HeaderValue};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};

/// What a split build (`cargo leptos build --split`) loads beyond the shell:
/// each lazy page's modules, named in the build's manifest.
///
/// A page needs up to ~100 modules, most of them a kilobyte or two (code that
/// wasm-split found shared by some set of pages). Over HTTP/1.1 a browser asks
/// for six at a time, so on a phone's network their round trips, not their
/// bytes, decided when the page could be used. The page therefore names its
/// *pack* instead (`/pkg/pack/<page id>.<build>.bin`): all its modules in one
/// file, compressed as a whole, which `src/boot.js` unpacks and hands to the
/// loader when it asks for each. A page reached later inside the app has its
/// pack fetched when the loader asks for more of its modules than one round
/// of requests (`src/boot.js`, told the address by `pack_pattern`).
#[derive(Debug, Default)]
pub struct Split {
    /// Lazy page id → its modules and its pack.
    pages: HashMap<String, Page>,
    /// The loader script that fetches them.
    loader: String,
    /// Where the modules are.
    pkg: PathBuf,
    /// Part of each pack's address: a digest of the manifest, which names
    /// every module by its content.
    build: String,
}

/// One lazy page of a split build.
#[derive(Debug, Default)]
struct Page {
    /// The modules it loads (file names under `/pkg`, no `.wasm`).
    modules: Vec<String>,
    /// Its pack, brotli- and gzip-compressed: each made once, by one job, when
    /// first asked for, and then kept (at most ~300 KB a page in a release
    /// build; a few MB in a debug one).
    brotli: Mutex<Option<Making>>,
    gzip: Mutex<Option<Making>>,
}

/// A pack being made, or made: every request for it waits for the same job.
type Making = Shared<BoxFuture<'static, Option<axum::body::Bytes>>>;

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
        let build = {
            use base64::Engine;
            use sha2::Digest;
            let digest = sha2::Sha256::digest(text.as_bytes());
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&digest[..16])
        };
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
        let pages = modules
            .into_iter()
            .filter(|(id, names)| {
                let fine = plain(id) && names.iter().all(|n| plain(n));
                if !fine {
                    tracing::warn!(page = %id, "the split manifest names a module that is not a plain file name: that page loads its modules unannounced");
                }
                fine
            })
            .map(|(id, modules)| {
                let page = Page {
                    modules,
                    ..Page::default()
                };
                (id, page)
            })
            .collect();
        Split {
            pages,
            loader,
            pkg: pkg.to_path_buf(),
            build,
        }
    }

    /// The address of a page's pack, with `*` for the page's id (no id has
    /// one): `src/boot.js` asks for the pack of a page reached inside the app.
    pub fn pack_pattern(&self) -> String {
        format!("/pkg/pack/*.{}.bin", self.build)
    }

    /// What a page made of the lazy parts `ids` fetches before it can hydrate:
    /// the loader's address first, then each part's pack, or nothing when none
    /// of `ids` is split off.
    pub fn preloads<'a>(&self, ids: impl IntoIterator<Item = &'a str>) -> Option<Vec<String>> {
        let packs: Vec<String> = ids
            .into_iter()
            .filter(|id| self.pages.contains_key(*id))
            .map(|id| self.pack_pattern().replace('*', id))
            .collect();
        (!packs.is_empty()).then(|| {
            std::iter::once(format!("/pkg/{}", self.loader))
                .chain(packs)
                .collect()
        })
    }

    /// The pack named `file` (`<page id>.<build>.bin`), encoded as `encoding`;
    /// `None` for a name of no page of this build, or modules unreadable.
    ///
    /// Reading ~100 files and compressing up to ~400 KB (50 ms) is done once
    /// for each page and encoding, off the async runtime, by a job that starts
    /// with the first request and does not stop should that request go away:
    /// the next one waits for the same job, so no sequence of requests makes
    /// the server compress a pack twice. A job that failed (a file unreadable)
    /// is forgotten, and the next request starts one anew.
    async fn pack(&self, file: &str, encoding: Encoding) -> Option<axum::body::Bytes> {
        let (id, build) = file.strip_suffix(".bin")?.rsplit_once('.')?;
        if build != self.build {
            return None;
        }
        let page = self.pages.get(id)?;
        let slot = match encoding {
            Encoding::Brotli => &page.brotli,
            Encoding::Gzip => &page.gzip,
        };
        let making = slot
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get_or_insert_with(|| {
                let (pkg, names) = (self.pkg.clone(), page.modules.clone());
                let job = tokio::task::spawn_blocking(move || {
                    compress(&pack_modules(&pkg, &names)?, encoding)
                });
                async move {
                    match job.await {
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
                }
                .boxed()
                .shared()
            })
            .clone();
        let made = making.clone().await;
        if made.is_none() {
            let mut slot = slot.lock().unwrap_or_else(PoisonError::into_inner);
            if slot.as_ref().is_some_and(|m| m.ptr_eq(&making)) {
                *slot = None;
            }
        }
        made
    }
}

/// `GET /pkg/pack/{file}`: a page's modules in one file (`Split`), under the
/// same caching headers as every file under `/pkg` (`routes`). A browser that
/// takes neither brotli nor gzip gets 406, and `src/boot.js` then fetches the
/// modules one by one.
async fn serve_pack(
    axum::extract::State(split): axum::extract::State<std::sync::Arc<Split>>,
    axum::extract::Path(file): axum::extract::Path<String>,
    headers: http::HeaderMap,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let accept = headers
        .get(header::ACCEPT_ENCODING)
        .map(|v| v.to_str().unwrap_or(""));
    let Some(encoding) = encoding_for(accept) else {
        return http::StatusCode::NOT_ACCEPTABLE.into_response();
    };
    let Some(body) = split.pack(&file, encoding).await else {
        return http::StatusCode::NOT_FOUND.into_response();
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

/// `/pkg/pack/{file}`, under the caching headers of every file under `/pkg`.
pub fn routes<S: Clone + Send + Sync + 'static>(split: std::sync::Arc<Split>) -> Router<S> {
    Router::new()
        .route("/pkg/pack/{file}", axum::routing::get(serve_pack))
        .with_state(split)
        .layer(pkg_headers())
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

#[cfg(test)]
mod tests {
    use super::super::pack::Encoding;
    use super::Split;

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

    fn gunzip(bytes: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(bytes), &mut out)
            .expect("gunzip");
        out
    }

    #[tokio::test]
    async fn a_pack_holds_each_module_of_its_page_by_name() {
        let dir = tempfile::tempdir().expect("dir");
        for (name, bytes) in [("a", &b"\0asm-a"[..]), ("b", &[7u8; 300][..]), ("c", b"c")] {
            std::fs::write(dir.path().join(format!("{name}.wasm")), bytes).expect("write");
        }
        let split = split(dir.path());
        let gzip = split
            .pack("profile_view_1.B1.bin", Encoding::Gzip)
            .await
            .expect("gzip");
        let mut expected = vec![1, b'a', 6, 0, 0, 0];
        expected.extend_from_slice(b"\0asm-a");
        expected.extend_from_slice(&[1, b'b', 44, 1, 0, 0]);
        expected.extend_from_slice(&[7u8; 300]);
        assert_eq!(gunzip(&gzip), expected);
        let brotli = split
            .pack("profile_view_1.B1.bin", Encoding::Brotli)
            .await
            .expect("brotli");
        let mut unpacked = Vec::new();
        brotli::BrotliDecompress(&mut &brotli[..], &mut unpacked).expect("brotli");
        assert_eq!(unpacked, expected);
        // Made once: a module changed on the disk since is not read again.
        std::fs::write(dir.path().join("a.wasm"), b"changed").expect("write");
        let again = split
            .pack("profile_view_1.B1.bin", Encoding::Gzip)
            .await
            .expect("gzip");
        assert_eq!(again, gzip);
        // Another build's pack, a page of none, a path: not found.
        for file in [
            "profile_view_1.B0.bin",
            "nope.B1.bin",
            "profile_view_1.B1",
            "odd.B1.bin",
        ] {
            assert!(split.pack(file, Encoding::Gzip).await.is_none(), "{file}");
        }
    }

    #[tokio::test]
    async fn a_pack_that_could_not_be_made_is_made_anew_when_next_asked_for() {
        let dir = tempfile::tempdir().expect("dir");
        std::fs::write(dir.path().join("b.wasm"), b"b").expect("write");
        let split = split(dir.path());
        assert!(split
            .pack("tokens_view_2.B1.bin", Encoding::Brotli)
            .await
            .is_none());
        std::fs::write(dir.path().join("c.wasm"), b"c").expect("write");
        let made = split
            .pack("tokens_view_2.B1.bin", Encoding::Gzip)
            .await
            .expect("gzip");
        assert_eq!(
            gunzip(&made),
            [1, b'b', 1, 0, 0, 0, b'b', 1, b'c', 1, 0, 0, 0, b'c']
        );
        assert!(split
            .pack("tokens_view_2.B1.bin", Encoding::Brotli)
            .await
            .is_some());
    }
}
