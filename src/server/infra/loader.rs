//! The split loader (`__wasm_split.<hash>.js`, written by cargo-leptos'
//! wasm-split) as the browser gets it: the same code, written compactly.
//!
//! As built it is ~230 KB, 13 KB brotli, on every first visit (the shell
//! imports it). Nearly all of it is per module: a comment naming the lazy
//! parts that share the module, the same four lines that fetch and start it,
//! and its content-hashed file name, whose 22 random characters are most of
//! what brotli cannot shrink. Served instead: each module's fetch as one call
//! of a function (`__tessera_m("chunk_7")`), from an address without the hash,
//! `/pkg/m/<build>/chunk_7.wasm`, where `<build>` (a digest of the manifest,
//! which names every module by its content) keeps the address unique to the
//! build and so cacheable for a year; `split_routes` maps it to the file.
//! About 3 KB brotli. A loader not written as expected is served as it is.

use super::pack::{compress, Effort, Encoding};

/// Each module's fetch as wasm-split writes it, before its file name (release
/// and debug builds alike).
const FETCH_OPEN: &str = "() => {\n    const src = fetch(new URL(\"./";
/// ... and after: a release build's, then a debug build's (which names a
/// module of another build in its error).
const FETCH_CLOSE: &str = "\", import.meta.url));\n    return async (imports) => (WebAssembly.instantiateStreaming(src, imports));\n}\n";
const FETCH_CLOSE_DEBUG: &str = "\", import.meta.url));\n    return async (imports) => debugWrap(WebAssembly.instantiateStreaming(src, imports));\n}\n";
/// The fetch of a module with nothing in it.
const EMPTY: &str = "() => async (_imp) => ({})";

/// The loader `text` written compactly, its modules fetched from
/// `/pkg/m/<build>/<module>.wasm`; `module` gives the name without content
/// hash of a module's file name (`chunk_7.<hash>` → `chunk_7`), `None` for a
/// file that is no module of the build (it must give only letters, digits,
/// `_` and `-`: the name goes into the JavaScript as it is). Besides the
/// fetches, only lines that are a `/* … */` comment are left out. `None`
/// when the text is not as expected: then no module may be left out.
pub fn compact(text: &str, build: &str, module: impl Fn(&str) -> Option<String>) -> Option<String> {
    // The two functions added must not meet a name of the loader's own.
    if text.contains("__tessera_") {
        return None;
    }
    // The comment line above each module (the lazy parts that share it).
    let mut rest = String::with_capacity(text.len() / 4);
    for line in text.split_inclusive('\n') {
        let bare = line.trim_end_matches('\n');
        if !(bare.len() >= 6
            && bare.starts_with("/* ")
            && bare.ends_with(" */")
            && !bare[3..bare.len() - 3].contains("*/"))
        {
            rest.push_str(line);
        }
    }
    let mut out = String::with_capacity(rest.len() / 2);
    let mut debug = None;
    let mut fetched = 0;
    let mut at = 0;
    while let Some(found) = rest[at..].find(FETCH_OPEN) {
        let name_at = at + found + FETCH_OPEN.len();
        let name_len = rest[name_at..].find('"')?;
        let name = &rest[name_at..name_at + name_len];
        let close = &rest[name_at + name_len..];
        let this_debug = if close.starts_with(FETCH_CLOSE) {
            false
        } else if close.starts_with(FETCH_CLOSE_DEBUG) {
            true
        } else {
            return None;
        };
        // Every module is fetched the same way, or none is touched.
        if *debug.get_or_insert(this_debug) != this_debug {
            return None;
        }
        let name = name.strip_suffix(".wasm")?;
        let stem = module(name)?;
        if !stem
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
        {
            return None;
        }
        out.push_str(&rest[at..at + found]);
        out.push_str("__tessera_m(\"");
        out.push_str(&stem);
        out.push_str("\")");
        at = name_at
            + name_len
            + if this_debug {
                FETCH_CLOSE_DEBUG.len()
            } else {
                FETCH_CLOSE.len()
            };
        fetched += 1;
    }
    out.push_str(&rest[at..]);
    let out = out.replace(EMPTY, "__tessera_e");
    // Nothing fetched otherwise, and something fetched at all.
    if fetched == 0 || out.contains("import.meta") || out.contains("instantiateStreaming") {
        return None;
    }
    // Function declarations: defined before the modules' lines call them.
    let start = if debug == Some(true) {
        "debugWrap("
    } else {
        "("
    };
    let helpers = format!(
        "function __tessera_m(name) {{ return () => {{ const src = fetch(new URL(\"./m/{build}/\" + name + \".wasm\", import.meta.url)); return async (imports) => {start}WebAssembly.instantiateStreaming(src, imports)); }}; }}\nfunction __tessera_e() {{ return async (_imp) => ({{}}); }}\n"
    );
    // After the import, which must come first.
    let first_line = out.find('\n')? + 1;
    if !out[..first_line].starts_with("import ") {
        return None;
    }
    Some(format!(
        "{}{helpers}{}",
        &out[..first_line],
        &out[first_line..]
    ))
}

/// The compact loader, and its brotli and gzip copies, made the first time a
/// browser asks (compressing it takes a moment, unoptimised builds longer).
#[derive(Debug)]
pub struct Compacted {
    text: axum::body::Bytes,
    compressed: std::sync::Arc<tokio::sync::OnceCell<(axum::body::Bytes, axum::body::Bytes)>>,
}

impl Compacted {
    pub fn new(text: String) -> Compacted {
        Compacted {
            text: text.into(),
            compressed: std::sync::Arc::default(),
        }
    }

    /// The loader as sent with `encoding` (`None`: as it is). The copies are
    /// made by a task of its own, once: a request that goes away meanwhile
    /// leaves them to be made all the same, not made again by the next.
    pub(super) async fn body(
        &self,
        encoding: Option<Encoding>,
    ) -> std::io::Result<axum::body::Bytes> {
        let Some(encoding) = encoding else {
            return Ok(self.text.clone());
        };
        let (brotli, gzip) = match self.compressed.get() {
            Some(made) => made.clone(),
            None => {
                let (cell, text) = (self.compressed.clone(), self.text.clone());
                tokio::spawn(async move {
                    cell.get_or_try_init(|| async move {
                        tokio::task::spawn_blocking(move || {
                            Ok::<_, std::io::Error>((
                                compress(&text, Encoding::Brotli, Effort::Most)?.into(),
                                compress(&text, Encoding::Gzip, Effort::Most)?.into(),
                            ))
                        })
                        .await
                        .map_err(std::io::Error::other)?
                    })
                    .await
                    .cloned()
                })
                .await
                .map_err(std::io::Error::other)??
            }
        };
        Ok(match encoding {
            Encoding::Brotli => brotli,
            Encoding::Gzip => gzip,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::compact;

    /// As wasm-split 0.2.3 writes it (`js.rs`), in short.
    const LOADER: &str = r#"import { initSync } from "./tessera.H0.js";

let sharedImports = undefined;
function makeLoad(fetcher, deps) {
    return fetcher;
}
/* __a_view_1, __b_view_1 */
const __chunk_0 = makeLoad(() => {
    const src = fetch(new URL("./chunk_0.H1.wasm", import.meta.url));
    return async (imports) => (WebAssembly.instantiateStreaming(src, imports));
}
, []);
/* __a_view_1 */
const __chunk_1 = makeLoad(() => async (_imp) => ({}), []);
export const __wasm_split_load___a_view_1 = wrapAsyncCb(makeLoad(() => {
    const src = fetch(new URL("./split___a_view_1.H2.wasm", import.meta.url));
    return async (imports) => (WebAssembly.instantiateStreaming(src, imports));}
, [__chunk_0, __chunk_1]));
"#;

    /// The loader as sent: as it is, or compressed (made once).
    #[tokio::test]
    async fn the_compact_loader_is_sent_as_the_browser_takes_it() {
        use super::super::pack::Encoding;
        let loader = super::Compacted::new("import x;\n".repeat(100));
        assert_eq!(
            &loader.body(None).await.expect("plain")[..],
            "import x;\n".repeat(100).as_bytes()
        );
        let brotli = loader.body(Some(Encoding::Brotli)).await.expect("brotli");
        let mut text = Vec::new();
        brotli::BrotliDecompress(&mut &brotli[..], &mut text).expect("brotli");
        assert_eq!(text, "import x;\n".repeat(100).as_bytes());
        let gzip = loader.body(Some(Encoding::Gzip)).await.expect("gzip");
        assert_eq!(
            super::super::packs::tests::gunzip(&gzip),
            "import x;\n".repeat(100).as_bytes()
        );
        // Made once: the same bytes again.
        assert_eq!(
            loader.body(Some(Encoding::Brotli)).await.expect("again"),
            brotli
        );
    }

    fn module(name: &str) -> Option<String> {
        ["chunk_0.H1", "split___a_view_1.H2"]
            .contains(&name)
            .then(|| name.split('.').next().unwrap_or_default().to_string())
    }

    #[test]
    fn the_loader_fetches_each_module_by_name_from_the_builds_address() {
        // (The last fetch above is not as wasm-split writes it: untouched.)
        assert_eq!(compact(LOADER, "B1", module), None);
        let loader = LOADER.replace("imports));}\n, [__chunk_0", "imports));\n}\n, [__chunk_0");
        let compacted = compact(&loader, "B1", module).expect("as expected");
        assert_eq!(
            compacted,
            r#"import { initSync } from "./tessera.H0.js";
function __tessera_m(name) { return () => { const src = fetch(new URL("./m/B1/" + name + ".wasm", import.meta.url)); return async (imports) => (WebAssembly.instantiateStreaming(src, imports)); }; }
function __tessera_e() { return async (_imp) => ({}); }

let sharedImports = undefined;
function makeLoad(fetcher, deps) {
    return fetcher;
}
const __chunk_0 = makeLoad(__tessera_m("chunk_0"), []);
const __chunk_1 = makeLoad(__tessera_e, []);
export const __wasm_split_load___a_view_1 = wrapAsyncCb(makeLoad(__tessera_m("split___a_view_1"), [__chunk_0, __chunk_1]));
"#
        );
        // A debug build's loader keeps its check.
        let debug = loader.replace("=> (WebAssembly", "=> debugWrap(WebAssembly");
        let compacted = compact(&debug, "B1", module).expect("debug");
        assert!(compacted
            .contains("=> debugWrap(WebAssembly.instantiateStreaming(src, imports)); }; }"));
        assert!(!compacted.contains("H1"));
        // One module fetched the other way: untouched.
        let mixed = loader.replacen("=> (WebAssembly", "=> debugWrap(WebAssembly", 1);
        assert_eq!(compact(&mixed, "B1", module), None);
        // A module the manifest does not name: untouched.
        assert_eq!(
            compact(&loader.replace("chunk_0.H1", "chunk_9.H9"), "B1", module),
            None
        );
        // A name like the functions added, or a module name that is not
        // plain: untouched.
        assert_eq!(
            compact(&format!("{loader}// __tessera_m\n"), "B1", module),
            None
        );
        assert_eq!(compact(&loader, "B1", |_| Some("a\"b".into())), None);
        // A line that only looks like such a comment is kept.
        assert_eq!(
            compact(&format!("{loader}/* */\n"), "B1", module).map(|c| c.ends_with("/* */\n")),
            Some(true)
        );
        // Nothing to fetch, or no import first: untouched.
        assert_eq!(
            compact("import { x } from \"./y.js\";\n", "B1", module),
            None
        );
        assert_eq!(
            compact(&loader.replacen("import", "// import", 1), "B1", module),
            None
        );
    }
}
