//! A split build's pages (`cargo leptos build --split`): which modules each
//! loads, the address of the pack that brings them in one file (`/pkg/pack/…`,
//! made and kept by `packs`), and the `<head>` tags that name it; served by
//! `split_routes`. The other built files are `assets`.

use super::assets::hashes;
use super::loader::{self, Compacted};
use super::pack::Encoding;
use super::packs::{Packs, Refused};
use std::collections::HashMap;
use std::path::Path;
use std::sync::PoisonError;

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
    /// The loader script that fetches them (its file name).
    loader: String,
    /// The loader as served (`loader`), when it could be written compactly.
    compact: Option<std::sync::Arc<Compacted>>,
    /// Where the modules are.
    pkg: std::path::PathBuf,
    /// Part of each pack's address: a digest of the manifest, which names
    /// every module by its content.
    build: String,
    /// The packs made and being made.
    packs: Packs,
    /// The sets of modules this server's pages have named (`preloads`: each
    /// set's names without content hash, sorted, comma-separated), a few
    /// dozen at most: their packs are made with the best compression and kept
    /// for good (`Packs::get`), whatever other sets anyone asks for.
    named: std::sync::Mutex<std::collections::HashSet<String>>,
}

/// A module's file name without its content hash (`chunk_7.AbC…` → `chunk_7`).
fn stem(name: &str) -> &str {
    name.split_once('.').map_or(name, |(stem, _)| stem)
}

/// A set of modules as a pack's address names it: their stems, sorted,
/// once each, comma-separated (also the key of `Split::named`).
fn set_of<'a>(stems: impl IntoIterator<Item = &'a str>) -> String {
    let mut stems: Vec<&str> = stems.into_iter().collect();
    stems.sort_unstable();
    stems.dedup();
    stems.join(",")
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
            Ok(modules) => {
                let mut split = Split::new(modules, loader, pkg, build);
                split.compact_loader();
                Some(split)
            }
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
            compact: None,
            pkg: pkg.to_path_buf(),
            build,
            packs: Packs::new(pkg),
            named: std::sync::Mutex::default(),
        }
    }

    /// Has the loader served compactly (`loader::compact`), its modules
    /// fetched by name from `/pkg/m/<build>/` (`split_routes`); left as it is
    /// when it cannot be.
    fn compact_loader(&mut self) {
        let Ok(text) = std::fs::read_to_string(self.pkg.join(&self.loader)) else {
            return;
        };
        let module = |name: &str| {
            (self.modules.get(stem(name)).map(String::as_str) == Some(name))
                .then(|| stem(name).to_string())
        };
        match loader::compact(&text, &self.build, module) {
            Some(compact) => self.compact = Some(std::sync::Arc::new(Compacted::new(compact))),
            None => tracing::warn!(
                loader = %self.loader,
                "the split loader is not as expected: served as it is"
            ),
        }
    }

    /// The modules of the lazy parts `ids` (names without content hash; an
    /// unknown id has none).
    fn stems_of<'s, 'i>(&'s self, ids: impl IntoIterator<Item = &'i str>) -> Vec<&'s str> {
        ids.into_iter()
            .filter_map(|id| self.pages.get(id))
            .flatten()
            .map(|name| stem(name))
            .collect()
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
        let set = set_of(self.stems_of(ids));
        (!set.is_empty()).then(|| {
            let mut named = self.named.lock().unwrap_or_else(PoisonError::into_inner);
            if !named.contains(&set) {
                named.insert(set.clone());
            }
            drop(named);
            vec![
                format!("/pkg/{}", self.loader),
                self.pack_pattern().replace('*', &set),
            ]
        })
    }

    /// The pack of what a page made of the lazy parts `own` leads to (the
    /// parts `next`), for `<meta name="tessera-next">`, or `None` when none of
    /// `next` is split off. A fresh visitor's browser keeps the page's own
    /// modules and asks only for the others (`src/boot.js`), so that part of
    /// the set is named too: its pack is then made with the best compression
    /// and kept, like the whole set's.
    pub fn next_pack(&self, own: &[&str], next: &[&str]) -> Option<String> {
        let theirs: std::collections::HashSet<&str> =
            self.stems_of(own.iter().copied()).into_iter().collect();
        let rest = set_of(
            self.stems_of(next.iter().copied())
                .into_iter()
                .filter(|name| !theirs.contains(name)),
        );
        if !rest.is_empty() {
            self.named
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .insert(rest);
        }
        let [_, pack] = <[String; 2]>::try_from(self.preloads(next.iter().copied())?).ok()?;
        Some(pack)
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
    /// (`m=<name>,<name>,…`, as `pack_pattern`), encoded as `encoding`;
    /// `Refused::Unknown` for another build or a module of none. The same set,
    /// however ordered, is the same pack.
    ///
    /// Made or waited for by `Packs::get`.
    pub(super) async fn pack(
        &self,
        file: &str,
        query: &str,
        encoding: Encoding,
    ) -> Result<axum::body::Bytes, Refused> {
        if file.strip_suffix(".bin") != Some(self.build.as_str()) {
            return Err(Refused::Unknown);
        }
        let listed = query.strip_prefix("m=").ok_or(Refused::Unknown)?;
        let names = listed
            .split(',')
            .take(self.modules.len() + 1)
            .map(|stem| self.modules.get(stem).cloned())
            .collect::<Option<Vec<String>>>()
            .ok_or(Refused::Unknown)?;
        if names.is_empty() || names.len() > self.modules.len() {
            return Err(Refused::Unknown);
        }
        let set = set_of(names.iter().map(|name| stem(name)));
        let page = self
            .named
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .contains(&set);
        self.packs.get(names, encoding, page).await
    }

    /// The file of the module `file` (`chunk_7.wasm`, its name without
    /// content hash) of the build `build`: `None` for another build or a name
    /// that is no module of this one.
    pub(super) fn module_file(&self, build: &str, file: &str) -> Option<std::path::PathBuf> {
        let name = file
            .strip_suffix(".wasm")
            .filter(|_| build == self.build)
            .and_then(|name| self.modules.get(name))?;
        Some(self.pkg.join(format!("{name}.wasm")))
    }

    /// The loader's address and the loader served there, when it is written
    /// compactly (`loader`).
    pub(super) fn compact_loader_at(&self) -> Option<(String, std::sync::Arc<Compacted>)> {
        let compact = self.compact.clone()?;
        Some((format!("/pkg/{}", self.loader), compact))
    }
}

#[cfg(test)]
mod tests {
    use super::super::pack::Encoding;
    use super::super::packs::tests::gunzip;
    use super::Split;

    /// A build directory holding the modules `a.h1`, `b` and `c`, each file
    /// holding its own name.
    fn pkg_of_three() -> tempfile::TempDir {
        let dir = tempfile::tempdir().expect("dir");
        for name in ["a.h1", "b", "c"] {
            std::fs::write(dir.path().join(format!("{name}.wasm")), name).expect("write");
        }
        dir
    }

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

    /// A set a page named (`preloads`) is packed with the best compression
    /// and kept for good; any other set quicker (gzip's header says which:
    /// XFL 2 for the best, 0 for the default level).
    #[tokio::test]
    async fn a_set_a_page_named_is_packed_best_and_any_other_quicker() {
        let dir = pkg_of_three();
        let split = split(dir.path());
        let other = split.pack("B1.bin", "m=a,c", Encoding::Gzip).await;
        assert_eq!(other.expect("other")[8], 0);
        assert_eq!(
            split.preloads(["profile_view_1"]).expect("split")[1],
            "/pkg/pack/B1.bin?m=a,b"
        );
        let page = split.pack("B1.bin", "m=b,a", Encoding::Gzip).await;
        assert_eq!(page.expect("page")[8], 2);
    }

    /// What a page leads to is named whole, and so is the part of it the
    /// page's own pack lacks (what a fresh visitor's browser asks for): both
    /// are packed with the best compression.
    #[tokio::test]
    async fn what_a_page_leads_to_is_packed_best_whole_and_without_the_pages_own() {
        let dir = pkg_of_three();
        let split = split(dir.path());
        assert_eq!(
            split.next_pack(&["profile_view_1"], &["tokens_view_2"]),
            Some("/pkg/pack/B1.bin?m=b,c".into())
        );
        for set in ["m=c", "m=b,c"] {
            let pack = split.pack("B1.bin", set, Encoding::Gzip).await;
            assert_eq!(pack.expect("pack")[8], 2, "{set}");
        }
        // Not the page's own, nor any other part of what it leads to.
        let other = split.pack("B1.bin", "m=b", Encoding::Gzip).await;
        assert_eq!(other.expect("other")[8], 0);
        assert_eq!(split.next_pack(&["profile_view_1"], &["unknown"]), None);
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
}
