//! The layout rules of `src/`, checked on the source text (see the README's
//! Development section):
//! - types flow one way: shared DTOs (`model.rs`, `features/<name>/types.rs`),
//!   pages and components never name `crate::server`;
//! - server code takes from `features` only the DTOs of `types.rs`;
//! - no import cycles between the files of `src/server` (a module may use its
//!   parent's items, as `api/me.rs` uses `api/mod.rs`'s error type).
//!
//! Paths are read from `crate::…` (with `{…}` groups) and `super::…`; comments
//! are ignored. A cheap, dependency-free check that runs with `cargo test`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Every `.rs` file under `dir`.
pub(crate) fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read src") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// `src/server/api/me.rs` → `server::api::me`; `mod.rs` and `lib.rs` name their folder.
fn module_of(src: &Path, file: &Path) -> String {
    let rel = file
        .strip_prefix(src)
        .expect("under src")
        .with_extension("");
    let mut parts: Vec<String> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    if matches!(
        parts.last().map(String::as_str),
        Some("mod" | "lib" | "main")
    ) {
        parts.pop();
    }
    parts.join("::")
}

fn strip_comments(text: &str) -> String {
    text.lines()
        .map(|l| l.split("//").next().unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The paths after `prefix` (`crate::` or `super::`), with `{a, b::c}` groups expanded.
fn paths_after(text: &str, prefix: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut rest = text;
    while let Some(i) = rest.find(prefix) {
        let before = rest[..i].chars().next_back();
        rest = &rest[i + prefix.len()..];
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            continue;
        }
        expand("", rest, &mut found);
    }
    found
}

/// Reads one path (maybe ending in a `{…}` group) from the start of `s`.
fn expand(base: &str, s: &str, out: &mut Vec<String>) {
    let ident: String = s
        .chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == ':')
        .collect();
    let path = format!("{base}{ident}");
    let after = &s[ident.len()..];
    if path.ends_with("::") && after.starts_with('{') {
        let mut depth = 0;
        let mut end = 0;
        for (i, c) in after.char_indices() {
            match c {
                '{' => depth += 1,
                '}' => {
                    depth -= 1;
                    if depth == 0 {
                        end = i;
                        break;
                    }
                }
                _ => {}
            }
        }
        let inner = &after[1..end];
        let mut depth = 0;
        let mut start = 0;
        for (i, c) in inner.char_indices() {
            match c {
                '{' => depth += 1,
                '}' => depth -= 1,
                ',' if depth == 0 => {
                    expand(&path, inner[start..i].trim(), out);
                    start = i + 1;
                }
                _ => {}
            }
        }
        expand(&path, inner[start..].trim(), out);
    } else {
        out.push(path.trim_end_matches(':').to_string());
    }
}

/// The longest module in `modules` that `path` starts with.
fn resolve<'a>(path: &str, modules: &'a BTreeSet<String>) -> Option<&'a String> {
    let mut parts: Vec<&str> = path.split("::").collect();
    while !parts.is_empty() {
        if let Some(m) = modules.get(&parts.join("::")) {
            return Some(m);
        }
        parts.pop();
    }
    None
}

struct Crate {
    /// module → the modules it names.
    uses: BTreeMap<String, BTreeSet<String>>,
}

fn read_crate() -> Crate {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let modules: BTreeSet<String> = files.iter().map(|f| module_of(&src, f)).collect();
    let mut uses = BTreeMap::new();
    for file in &files {
        let module = module_of(&src, file);
        let text = strip_comments(&std::fs::read_to_string(file).expect("read"));
        let mut named = BTreeSet::new();
        for path in paths_after(&text, "crate::") {
            if let Some(m) = resolve(&path, &modules) {
                named.insert(m.clone());
            }
        }
        let parent = module.rsplit_once("::").map_or("", |(p, _)| p).to_string();
        for path in paths_after(&text, "super::") {
            let full = if parent.is_empty() {
                path
            } else {
                format!("{parent}::{path}")
            };
            if let Some(m) = resolve(&full, &modules) {
                named.insert(m.clone());
            }
        }
        named.remove(&module);
        uses.insert(module, named);
    }
    Crate { uses }
}

fn is_ancestor(ancestor: &str, of: &str) -> bool {
    ancestor.is_empty() || of.starts_with(&format!("{ancestor}::"))
}

#[test]
fn shared_types_pages_and_components_never_name_the_server() {
    let c = read_crate();
    let leaf = |m: &str| {
        matches!(m, "model" | "validate" | "lang" | "error" | "app")
            || m.starts_with("components")
            || m.ends_with("::page")
            || m.ends_with("::types")
    };
    let offenders: Vec<String> = c
        .uses
        .iter()
        .filter(|(m, _)| leaf(m))
        .flat_map(|(m, used)| {
            used.iter()
                .filter(|u| u.starts_with("server"))
                .map(move |u| format!("{m} → {u}"))
        })
        .collect();
    assert!(offenders.is_empty(), "{offenders:#?}");
}

#[test]
fn the_server_takes_only_dtos_from_features() {
    let c = read_crate();
    // `infra::context` names the server functions allowed before 2FA enrolment by
    // their `ServerFn::PATH`, so a renamed endpoint cannot slip out of that list.
    let allowed = |m: &str, u: &str| u.ends_with("::types") || (m == "server::infra::context");
    let offenders: Vec<String> = c
        .uses
        .iter()
        .filter(|(m, _)| m.starts_with("server"))
        .flat_map(|(m, used)| {
            used.iter()
                .filter(|u| u.starts_with("features") && !allowed(m, u))
                .map(move |u| format!("{m} → {u}"))
        })
        .collect();
    assert!(offenders.is_empty(), "{offenders:#?}");
}

#[test]
fn server_modules_have_no_import_cycles() {
    let c = read_crate();
    // Edges between server files; a child using its parent's items does not count,
    // nor does the `server` root, which only declares modules and re-exports.
    let graph: BTreeMap<&str, Vec<&str>> = c
        .uses
        .iter()
        .filter(|(m, _)| m.starts_with("server::"))
        .map(|(m, used)| {
            let targets = used
                .iter()
                .filter(|u| u.starts_with("server::") && !is_ancestor(u, m))
                .map(String::as_str)
                .collect();
            (m.as_str(), targets)
        })
        .collect();
    // Depth-first search for a back edge; report the cycle it closes.
    fn visit<'a>(
        node: &'a str,
        graph: &BTreeMap<&'a str, Vec<&'a str>>,
        stack: &mut Vec<&'a str>,
        done: &mut BTreeSet<&'a str>,
    ) -> Option<Vec<&'a str>> {
        if let Some(i) = stack.iter().position(|n| *n == node) {
            let mut cycle = stack[i..].to_vec();
            cycle.push(node);
            return Some(cycle);
        }
        if done.contains(node) {
            return None;
        }
        stack.push(node);
        for next in graph.get(node).into_iter().flatten() {
            if let Some(cycle) = visit(next, graph, stack, done) {
                return Some(cycle);
            }
        }
        stack.pop();
        done.insert(node);
        None
    }
    let mut done = BTreeSet::new();
    for node in graph.keys() {
        if let Some(cycle) = visit(node, &graph, &mut Vec::new(), &mut done) {
            panic!("import cycle: {}", cycle.join(" → "));
        }
    }
}

#[test]
fn the_checker_reads_groups_and_super() {
    let mut out = Vec::new();
    expand(
        "",
        "server::{audit::{self, Actor}, db::users, infra::state::AppState};",
        &mut out,
    );
    assert!(out.contains(&"server::audit::self".to_string()), "{out:?}");
    assert!(out.contains(&"server::db::users".to_string()), "{out:?}");
    assert!(
        out.contains(&"server::infra::state::AppState".to_string()),
        "{out:?}"
    );
    let found = paths_after(
        "use crate::server::audit; let x = mycrate::nope;",
        "crate::",
    );
    assert_eq!(found, vec!["server::audit".to_string()]);
}
