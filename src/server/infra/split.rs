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
/// each lazy part's modules (a page's, the signed-in frame's), named in the
/// build's manifest.
///
/// A page needs up to ~200 modules, most of them a kilobyte or two (code that
/// wasm-split found shared by some set of lazy parts). Over HTTP/1.1 a browser
/// asks for six at a time, so on a phone's network their round trips, not their
/// bytes, decided when the page could be used. Modules therefore come in
/// *packs* (`/pkg/pack/<build>.bin?m=<module>,<module>,…`): the modules named,
/// in one file, compressed as a whole, which `src/boot.js` unpacks and hands
/// to the loader when it asks for each. A page names the pack of every module
/// its lazy parts load (`preloads`); a page reached later inside the app has a
/// pack fetched of exactly the modules the loader asks for, when they are more
/// than one round of requests (`src/boot.js`, told the address by
/// `pack_pattern`), so nothing loaded already comes again.
#[derive(Debug)]
pub struct Split {
    /// Lazy part id → its modules (file names under `/pkg`, no `.wasm`).
    pages: HashMap<String, Vec<String>>,
    /// Each module's name without its content hash (what a pack's address
    /// names) → its file name.
    modules: HashMap<String, String>,
    /// The loader script that fetches them.
    loader: String,
    /// Where the modules are.
    pkg: PathBuf,
    /// Part of each pack's address: a digest of the manifest, which names
    /// every module by its content.
    build: String,
    /// The packs asked for lately, each made once, by one job, when first
    /// asked for: at most `KEPT_PACKS`, the one asked for least lately
    /// forgotten first.
    made: Mutex<Made>,
    /// One pack is compressed at a time (~50 ms of a core for a page's
    /// ~400 KB): however many sets of modules are asked for at once, the
    /// rest of the server keeps the other core.
    packing: std::sync::Arc<tokio::sync::Semaphore>,
    /// Jobs started and not yet done (waiting for their turn or packing):
    /// at most `QUEUED_PACKS`; a pack asked for beyond that is refused (503)
    /// rather than queued, and `src/boot.js` fetches its modules one by one.
    queued: std::sync::Arc<std::sync::atomic::AtomicUsize>,
}

/// Why no pack is sent.
#[derive(Debug, PartialEq, Eq)]
enum Refused {
    /// Another build's, a module of none, or modules unreadable: 404.
    Unknown,
    /// Too many packs being made already: 503.
    Busy,
}

/// How many packs may be waiting to be made, or being made, at once: a
/// flood of distinct sets of modules (anyone may ask) costs at most this
/// many compressions, one core's worth at a time.
const QUEUED_PACKS: usize = 8;

/// How many packs are kept (each of a set of modules and an encoding): a
/// release build's are ~300 KB at most, so ~20 MB in all at worst; a debug
/// build's are a few MB each.
const KEPT_PACKS: usize = 32;

/// The packs kept, by the modules they hold and their encoding.
#[derive(Debug, Default)]
struct Made {
    packs: HashMap<(String, Encoding), Making>,
    /// Their keys, the one asked for least lately first.
    order: std::collections::VecDeque<(String, Encoding)>,
}

/// A pack being made, or made: every request for it waits for the same job.
type Making = Shared<BoxFuture<'static, Option<axum::body::Bytes>>>;

/// A module's file name without its content hash (`chunk_7.AbC…` → `chunk_7`).
fn stem(name: &str) -> &str {
    name.split_once('.').map_or(name, |(stem, _)| stem)
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

    /// The manifest's lazy parts and modules; a name that is not a plain file
    /// name (the pack reads the files) leaves its part out.
    fn new(
        manifest: HashMap<String, Vec<String>>,
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
        let pages: HashMap<String, Vec<String>> = manifest
            .into_iter()
            .filter(|(id, names)| {
                let fine = plain(id) && names.iter().all(|n| plain(n));
                if !fine {
                    tracing::warn!(page = %id, "the split manifest names a module that is not a plain file name: that page loads its modules unannounced");
                }
                fine
            })
            .collect();
        let modules = pages
            .values()
            .flatten()
            .map(|name| (stem(name).to_string(), name.clone()))
            .collect();
        Split {
            pages,
            modules,
            loader,
            pkg: pkg.to_path_buf(),
            build,
            made: Mutex::default(),
            packing: std::sync::Arc::new(tokio::sync::Semaphore::new(1)),
            queued: std::sync::Arc::default(),
        }
    }

    /// The address of a pack, with `*` for the modules it holds (their names
    /// without content hash, comma-separated): `src/boot.js` asks for the
    /// modules a page reached inside the app lacks.
    pub fn pack_pattern(&self) -> String {
        format!("/pkg/pack/{}.bin?m=*", self.build)
    }

    /// What a page made of the lazy parts `ids` fetches before it can hydrate:
    /// the loader's address, then the pack of every module of those parts, or
    /// nothing when none of `ids` is split off.
    pub fn preloads<'a>(&self, ids: impl IntoIterator<Item = &'a str>) -> Option<Vec<String>> {
        let mut stems: Vec<&str> = ids
            .into_iter()
            .filter_map(|id| self.pages.get(id))
            .flatten()
            .map(|name| stem(name))
            .collect();
        stems.sort_unstable();
        stems.dedup();
        (!stems.is_empty()).then(|| {
            vec![
                format!("/pkg/{}", self.loader),
                self.pack_pattern().replace('*', &stems.join(",")),
            ]
        })
    }

    /// The ids of the lazy parts named `names` (`profile_view`: the manifest's
    /// `__profile_view_<n>`), as `preloads` takes them.
    pub fn ids_named<'a>(&'a self, names: &[&str]) -> Vec<&'a str> {
        self.pages
            .keys()
            .filter(|id| {
                names.iter().any(|name| {
                    id.strip_prefix("__")
                        .and_then(|rest| rest.strip_prefix(name))
                        .and_then(|rest| rest.strip_prefix('_'))
                        .is_some_and(|n| n.bytes().all(|b| b.is_ascii_digit()))
                })
            })
            .map(String::as_str)
            .collect()
    }

    /// The pack named `file` (`<build>.bin`) of the modules `query` names
    /// (`m=<name>,<name>,…`, as `pack_pattern`), encoded as `encoding`; `None`
    /// for another build, a module of none, or modules unreadable. The same
    /// set, however ordered, is the same pack.
    ///
    /// Reading up to ~200 files and compressing up to ~400 KB (50 ms) is done
    /// off the async runtime, one pack at a time (`packing`), by a job of its
    /// own that the requests for that pack wait on together: it runs to its
    /// end should they go away, and the next request waits for the same job,
    /// so no sequence of requests makes the server compress a kept pack twice.
    /// At most `QUEUED_PACKS` jobs wait or run; beyond that a new set is
    /// refused (`Refused::Busy`). A job that failed (a file unreadable) is
    /// forgotten, and the next request starts one anew.
    async fn pack(
        &self,
        file: &str,
        query: &str,
        encoding: Encoding,
    ) -> Result<axum::body::Bytes, Refused> {
        if file.strip_suffix(".bin") != Some(self.build.as_str()) {
            return Err(Refused::Unknown);
        }
        let listed = query.strip_prefix("m=").ok_or(Refused::Unknown)?;
        let mut names = listed
            .split(',')
            .take(self.modules.len() + 1)
            .map(|stem| self.modules.get(stem).cloned())
            .collect::<Option<Vec<String>>>()
            .ok_or(Refused::Unknown)?;
        if names.is_empty() || names.len() > self.modules.len() {
            return Err(Refused::Unknown);
        }
        names.sort_unstable();
        names.dedup();
        let key = (names.join(","), encoding);
        let making = {
            let mut made = self.made.lock().unwrap_or_else(PoisonError::into_inner);
            match made.packs.get(&key).cloned() {
                Some(making) => {
                    // Kept the longest now.
                    made.order.retain(|k| k != &key);
                    made.order.push_back(key.clone());
                    making
                }
                None => {
                    use std::sync::atomic::Ordering;
                    let queued = self.queued.clone();
                    if queued.fetch_add(1, Ordering::SeqCst) >= QUEUED_PACKS {
                        queued.fetch_sub(1, Ordering::SeqCst);
                        return Err(Refused::Busy);
                    }
                    let (pkg, packing) = (self.pkg.clone(), self.packing.clone());
                    // A task of its own: it takes its turn and packs even
                    // should every request for it go away meanwhile (a turn
                    // handed to a job nobody polled would stop all others).
                    let job = tokio::spawn(async move {
                        let packed = match packing.acquire_owned().await {
                            Ok(turn) => {
                                tokio::task::spawn_blocking(move || {
                                    let _turn = turn;
                                    compress(&pack_modules(&pkg, &names)?, encoding)
                                })
                                .await
                            }
                            Err(_) => Ok(Err(std::io::ErrorKind::Interrupted.into())),
                        };
                        queued.fetch_sub(1, Ordering::SeqCst);
                        match packed {
                            Ok(Ok(bytes)) => Some(axum::body::Bytes::from(bytes)),
                            Ok(Err(e)) => {
                                tracing::error!(error = %e, "modules could not be packed");
                                None
                            }
                            Err(e) => {
                                tracing::error!(error = %e, "packing modules failed");
                                None
                            }
                        }
                    });
                    let making = async move { job.await.ok().flatten() }.boxed().shared();
                    if made.order.len() >= KEPT_PACKS {
                        if let Some(oldest) = made.order.pop_front() {
                            made.packs.remove(&oldest);
                        }
                    }
                    made.order.push_back(key.clone());
                    made.packs.insert(key.clone(), making.clone());
                    making
                }
            }
        };
        let packed = making.clone().await;
        if packed.is_none() {
            let mut made = self.made.lock().unwrap_or_else(PoisonError::into_inner);
            if made.packs.get(&key).is_some_and(|m| m.ptr_eq(&making)) {
                made.packs.remove(&key);
                made.order.retain(|k| k != &key);
            }
        }
        packed.ok_or(Refused::Unknown)
    }
}

/// `GET /pkg/pack/{file}?m=…`: modules in one file (`Split`), under the
/// same caching headers as every file under `/pkg` (`routes`). A browser that
/// takes neither brotli nor gzip gets 406, and `src/boot.js` then fetches the
/// modules one by one.
async fn serve_pack(
    axum::extract::State(split): axum::extract::State<std::sync::Arc<Split>>,
    axum::extract::Path(file): axum::extract::Path<String>,
    axum::extract::RawQuery(query): axum::extract::RawQuery,
    headers: http::HeaderMap,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let accept = headers
        .get(header::ACCEPT_ENCODING)
        .map(|v| v.to_str().unwrap_or(""));
    let Some(encoding) = encoding_for(accept) else {
        return http::StatusCode::NOT_ACCEPTABLE.into_response();
    };
    let body = match split
        .pack(&file, query.as_deref().unwrap_or(""), encoding)
        .await
    {
        Ok(body) => body,
        Err(Refused::Unknown) => return http::StatusCode::NOT_FOUND.into_response(),
        Err(Refused::Busy) => return http::StatusCode::SERVICE_UNAVAILABLE.into_response(),
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

/// The lazy part ids (pages, the signed-in frame) whose modules one page
/// render has named already.
#[derive(Clone, Default)]
pub struct Announced(std::sync::Arc<std::sync::Mutex<std::collections::HashSet<&'static str>>>);

/// Names the modules of the page being rendered in its `<head>` (`<meta
/// name="tessera-module">`: the split loader and the pack of the modules of
/// every lazy part noted so far, `Split`), so that the browser fetches them
/// alongside the shell instead of only once the shell has run: `src/boot.js`
/// asks for them when it starts the app, after the first paint. Called by each
/// lazy page's view on the server, right after Leptos noted the page's id
/// (`#[lazy]`); the signed-in frame around a page (`app::SignedIn`) calls
/// nothing, so its modules come in the page's pack. `next` names the lazy
/// parts the page leads to (the sign-in page: the frame and the profile):
/// their pack is named in `<meta name="tessera-next">`, and `src/boot.js`
/// fetches it once the page is interactive.
///
/// Leptos 0.8 writes preload links for them only from its `<HydrationScripts>`
/// (which `app::BootScript` replaces), and there only when its manifest happens
/// to be in reach after the render, which on a streamed signed-in page is
/// rarely: the ids are taken out of its list here, so each is named once, by
/// this.
pub fn announce_page_modules(next: &[&str]) {
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
    if ids.is_empty() {
        return;
    }
    // `to_html` registers a leptos_meta tag with the page's <head>. The loader
    // first: every module needs it.
    for href in split.preloads(ids).unwrap_or_default() {
        let _ = view! { <Meta name="tessera-module" content=href/> }.to_html();
    }
    // The pack of the parts the page leads to (`src/boot.js` fetches it once
    // the page is interactive, and keeps its modules).
    if let Some([_, pack]) = split.preloads(split.ids_named(next)).as_deref() {
        let _ = view! { <Meta name="tessera-next" content=pack.clone()/> }.to_html();
    }
}

#[cfg(test)]
mod tests {
    use super::super::pack::Encoding;
    use super::Split;

    fn split(pkg: &std::path::Path) -> Split {
        Split::new(
            serde_json::from_str(
                r#"{"profile_view_1": ["a.h1", "b"], "tokens_view_2": ["b", "c"], "odd": ["../x"]}"#,
            )
            .expect("manifest"),
            "__wasm_split.x.js".into(),
            pkg,
            "B1".into(),
        )
    }

    #[test]
    fn a_page_names_the_loader_then_one_pack_of_its_parts_modules() {
        let split = split(std::path::Path::new("/nowhere"));
        let files = split
            .preloads(["tokens_view_2", "profile_view_1", "unknown", "odd"])
            .expect("split");
        assert_eq!(
            files,
            ["/pkg/__wasm_split.x.js", "/pkg/pack/B1.bin?m=a,b,c"]
        );
        assert_eq!(
            split.preloads(["profile_view_1"]).expect("split")[1],
            "/pkg/pack/B1.bin?m=a,b"
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
    async fn a_pack_holds_each_module_asked_for_by_name() {
        let dir = tempfile::tempdir().expect("dir");
        for (name, bytes) in [
            ("a.h1", &b"\0asm-a"[..]),
            ("b", &[7u8; 300][..]),
            ("c", b"c"),
        ] {
            std::fs::write(dir.path().join(format!("{name}.wasm")), bytes).expect("write");
        }
        let split = split(dir.path());
        let gzip = split
            .pack("B1.bin", "m=b,a", Encoding::Gzip)
            .await
            .expect("gzip");
        let mut expected = vec![4, b'a', b'.', b'h', b'1', 6, 0, 0, 0];
        expected.extend_from_slice(b"\0asm-a");
        expected.extend_from_slice(&[1, b'b', 44, 1, 0, 0]);
        expected.extend_from_slice(&[7u8; 300]);
        assert_eq!(gunzip(&gzip), expected);
        let brotli = split
            .pack("B1.bin", "m=a,b", Encoding::Brotli)
            .await
            .expect("brotli");
        let mut unpacked = Vec::new();
        brotli::BrotliDecompress(&mut &brotli[..], &mut unpacked).expect("brotli");
        assert_eq!(unpacked, expected);
        // Made once: a module changed on the disk since is not read again,
        // whatever the order or repetitions of the names asked for.
        std::fs::write(dir.path().join("a.h1.wasm"), b"changed").expect("write");
        let again = split
            .pack("B1.bin", "m=a,b,a", Encoding::Gzip)
            .await
            .expect("gzip");
        assert_eq!(again, gzip);
        // Another build, a module of none (or by its file name, or a path),
        // no module, no list: not found.
        for (file, query) in [
            ("B0.bin", "m=a"),
            ("B1.bin", "m=a,nope"),
            ("B1.bin", "m=a.h1"),
            ("B1.bin", "m=../x"),
            ("B1.bin", "m=x"),
            ("B1.bin", "m="),
            ("B1.bin", ""),
            ("B1", "m=a"),
        ] {
            assert!(
                split.pack(file, query, Encoding::Gzip).await == Err(super::Refused::Unknown),
                "{file}?{query}"
            );
        }
    }

    #[tokio::test]
    async fn a_pack_that_could_not_be_made_is_made_anew_when_next_asked_for() {
        let dir = tempfile::tempdir().expect("dir");
        std::fs::write(dir.path().join("b.wasm"), b"b").expect("write");
        let split = split(dir.path());
        assert!(split
            .pack("B1.bin", "m=b,c", Encoding::Brotli)
            .await
            .is_err());
        std::fs::write(dir.path().join("c.wasm"), b"c").expect("write");
        let made = split
            .pack("B1.bin", "m=c,b", Encoding::Gzip)
            .await
            .expect("gzip");
        assert_eq!(
            gunzip(&made),
            [1, b'b', 1, 0, 0, 0, b'b', 1, b'c', 1, 0, 0, 0, b'c']
        );
        assert!(split
            .pack("B1.bin", "m=b,c", Encoding::Brotli)
            .await
            .is_ok());
    }

    #[tokio::test]
    async fn only_the_latest_packs_are_kept() {
        let dir = tempfile::tempdir().expect("dir");
        let names: Vec<String> = (0..super::KEPT_PACKS + 8)
            .map(|i| format!("m{i}"))
            .collect();
        for name in &names {
            std::fs::write(dir.path().join(format!("{name}.wasm")), name).expect("write");
        }
        let split = Split::new(
            std::collections::HashMap::from([("page".to_string(), names.clone())]),
            "__wasm_split.x.js".into(),
            dir.path(),
            "B1".into(),
        );
        let ask = |name: &str| {
            let query = format!("m={name}");
            let split = &split;
            async move { split.pack("B1.bin", &query, Encoding::Gzip).await.is_ok() }
        };
        for name in &names[..super::KEPT_PACKS] {
            assert!(ask(name).await);
        }
        // m0 asked for again: now the last to go.
        assert!(ask("m0").await);
        for name in &names[super::KEPT_PACKS..] {
            assert!(ask(name).await);
        }
        let made = split.made.lock().expect("lock");
        assert_eq!(made.packs.len(), super::KEPT_PACKS);
        assert_eq!(made.order.len(), super::KEPT_PACKS);
        let kept = |name: &str| made.packs.contains_key(&(name.to_string(), Encoding::Gzip));
        assert!(kept("m0"));
        assert!((1..=8).all(|i| !kept(&format!("m{i}"))));
        assert!(kept("m9"));
        assert!(kept(names.last().expect("names")));
    }

    #[test]
    fn lazy_parts_are_found_by_name() {
        let split = Split::new(
            serde_json::from_str(
                r#"{"__login_view_12": ["a"], "__login_two_factor_view_12": ["b"], "__signed_in_view_12": ["c"], "__x_": ["d"]}"#,
            )
            .expect("manifest"),
            "__wasm_split.x.js".into(),
            std::path::Path::new("/nowhere"),
            "B1".into(),
        );
        let mut ids = split.ids_named(&["login_view", "signed_in_view", "x"]);
        ids.sort_unstable();
        assert_eq!(ids, ["__login_view_12", "__signed_in_view_12", "__x_"]);
        assert!(split.ids_named(&["login"]).is_empty());
    }

    /// A set asked for, its request gone before its turn came, does not hold
    /// up the others; beyond `QUEUED_PACKS` waiting, a new set is refused.
    #[tokio::test]
    async fn a_pack_whose_request_went_away_holds_up_no_other() {
        let dir = tempfile::tempdir().expect("dir");
        for name in ["a.h1", "b", "c"] {
            std::fs::write(dir.path().join(format!("{name}.wasm")), name).expect("write");
        }
        let split = split(dir.path());
        let turn = split.packing.clone().acquire_owned().await.expect("turn");
        {
            let gone = split.pack("B1.bin", "m=a", Encoding::Gzip);
            assert!(futures::FutureExt::now_or_never(gone).is_none());
        }
        drop(turn);
        let other = tokio::time::timeout(
            std::time::Duration::from_secs(10),
            split.pack("B1.bin", "m=b", Encoding::Gzip),
        )
        .await
        .expect("not held up");
        assert!(other.is_ok());
        // Eight sets waiting for a turn held elsewhere: a ninth is refused.
        let turn = split.packing.clone().acquire_owned().await.expect("turn");
        for set in ["m=a,b", "m=a,c", "m=b,c", "m=a,b,c"] {
            for encoding in [Encoding::Gzip, Encoding::Brotli] {
                let waiting = split.pack("B1.bin", set, encoding);
                assert!(futures::FutureExt::now_or_never(waiting).is_none());
            }
        }
        assert_eq!(
            split.queued.load(std::sync::atomic::Ordering::SeqCst),
            super::QUEUED_PACKS
        );
        assert_eq!(
            split.pack("B1.bin", "m=c", Encoding::Gzip).await,
            Err(super::Refused::Busy)
        );
        drop(turn);
    }
}
