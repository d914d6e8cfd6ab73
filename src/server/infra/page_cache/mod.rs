//! Signed-in pages kept for a few seconds, for the session that asked.
//!
//! A signed-in page costs about a millisecond of CPU to render (Leptos' render,
//! its queries and their thread hand-overs); a reload, a second tab, a person
//! clicking back and forth asks for the same page again. A kept page is served
//! only when all of this is as it was when it was rendered:
//! - the session, found live by this request's own query (a session signed out
//!   or revoked on any server finds nothing, and nothing is served);
//! - the account's `page_version`, read in the same query and raised by the
//!   database on every change to what the page shows (`db::page_version`);
//! - the workspace settings, read for this request (`workspace::Workspace::stored`);
//! - the address with its query, the request's headers (cookies: the session,
//!   the theme; `Accept`, the languages, the browser), the client's address and
//!   the language chosen for it.
//!
//! What no version covers is the clock: a token that expires, a sudo window
//! that closes, the last use of a token (written in batches). A kept page is
//! at most [`Config::page_cache_secs`] (10 by default) late with those; the
//! server functions behind every button check them afresh.
//!
//! The page's inline scripts carry a nonce made for each response
//! (`headers::PageNonce`): a kept page gets the new request's nonce in every
//! place the old one stood. Only `200` answers without `Set-Cookie` are kept,
//! and only the pages in [`KEPT`], whose data all lies in the tables the
//! version watches; the admin's pages, the security log and the notification
//! settings (workspace-wide rows) are rendered every time.
//!
//! [`Config::page_cache_secs`]: crate::server::infra::config::Config

pub mod layer;

use axum::body::{Body, Bytes};
use axum::response::Response;
use http::HeaderMap;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The pages kept. Each shows only the account's row, rows of tables in
/// `db::page_version::WATCHED` and the workspace settings.
pub const KEPT: &[&str] = &[
    "/settings/profile",
    "/settings/password",
    "/settings/sessions",
    "/settings/two-factor",
    "/settings/passkeys",
    "/settings/tokens",
    "/settings/app-passwords",
    "/settings/account",
    "/notifications",
];

/// Beyond this many bytes of pages (80 profile pages of 50 KB), the expired
/// ones go, then all.
const MAX_BYTES: usize = 4 << 20;

/// Request headers left out of the key: made anew for every request (ours,
/// and the trace ids proxies add), and read by no page.
const UNKEYED: &[&str] = &[
    "x-request-id",
    "traceparent",
    "tracestate",
    "x-amzn-trace-id",
    "x-cloud-trace-context",
    "cf-ray",
    "x-request-start",
];

pub struct PageCache {
    ttl: Duration,
    entries: Mutex<Entries>,
    hits: AtomicU64,
}

#[derive(Default)]
struct Entries {
    map: HashMap<[u8; 32], Arc<Kept>>,
    bytes: usize,
    /// When the expired pages were last dropped.
    purged: Option<Instant>,
}

struct Kept {
    headers: HeaderMap,
    body: Bytes,
    /// Where the render's nonce stands in `body`.
    nonce_at: Vec<usize>,
    nonce_len: usize,
    at: Instant,
}

impl PageCache {
    pub fn new(ttl_secs: u64) -> PageCache {
        PageCache {
            ttl: Duration::from_secs(ttl_secs),
            entries: Mutex::default(),
            hits: AtomicU64::new(0),
        }
    }

    /// Pages served from the cache since start.
    pub fn hits(&self) -> u64 {
        self.hits.load(Ordering::Relaxed)
    }

    fn get(&self, key: &[u8; 32]) -> Option<Arc<Kept>> {
        let entries = self.entries.lock().ok()?;
        entries
            .map
            .get(key)
            .filter(|kept| kept.at.elapsed() < self.ttl)
            .cloned()
    }

    fn put(&self, key: [u8; 32], kept: Kept) {
        let Ok(mut entries) = self.entries.lock() else {
            return;
        };
        let size = kept.body.len();
        if size > MAX_BYTES / 4 {
            return;
        }
        // Expired pages go once a TTL, and whenever room is short; then all.
        let due = entries.purged.is_none_or(|at| at.elapsed() >= self.ttl);
        if due || entries.bytes + size > MAX_BYTES {
            let ttl = self.ttl;
            entries.map.retain(|_, kept| kept.at.elapsed() < ttl);
            entries.bytes = entries.map.values().map(|k| k.body.len()).sum();
            entries.purged = Some(Instant::now());
        }
        if entries.bytes + size > MAX_BYTES {
            entries.map.clear();
            entries.bytes = 0;
        }
        if let Some(old) = entries.map.insert(key, Arc::new(kept)) {
            entries.bytes -= old.body.len();
        }
        entries.bytes += size;
    }
}

/// The kept page with `nonce` where the render's stood.
fn replay(kept: &Kept, nonce: &str) -> Option<Response> {
    if nonce.len() != kept.nonce_len {
        return None;
    }
    let mut body = kept.body.to_vec();
    for &at in &kept.nonce_at {
        body.get_mut(at..at + nonce.len())?
            .copy_from_slice(nonce.as_bytes());
    }
    let mut res = Response::new(Body::from(body));
    *res.headers_mut() = kept.headers.clone();
    Some(res)
}

#[cfg(test)]
mod tests {
    use super::*;
    use http_body_util::BodyExt as _;

    fn kept(body: &str, nonce: &str) -> Kept {
        Kept {
            headers: HeaderMap::new(),
            body: Bytes::from(body.to_string()),
            nonce_at: body.match_indices(nonce).map(|(at, _)| at).collect(),
            nonce_len: nonce.len(),
            at: Instant::now(),
        }
    }

    #[tokio::test]
    async fn a_replay_carries_the_new_nonce_wherever_the_old_one_stood() {
        let page = kept(
            r#"<script nonce="AAAA">x</script><p>AAA</p><script nonce="AAAA"></script>"#,
            "AAAA",
        );
        let res = replay(&page, "bcde").expect("same length");
        let body = res.into_body().collect().await.expect("body").to_bytes();
        assert_eq!(
            &body[..],
            br#"<script nonce="bcde">x</script><p>AAA</p><script nonce="bcde"></script>"#
        );
        // A nonce of another length cannot stand in for it.
        assert!(replay(&page, "abc").is_none());
    }

    #[test]
    fn pages_expire_and_memory_stays_bounded() {
        let cache = PageCache::new(10);
        cache.put([1; 32], kept("one", "n"));
        assert!(cache.get(&[1; 32]).is_some());
        if let Ok(mut entries) = cache.entries.lock() {
            let old = Arc::get_mut(entries.map.get_mut(&[1; 32]).expect("kept")).expect("one");
            old.at = Instant::now() - Duration::from_secs(10);
        }
        assert!(cache.get(&[1; 32]).is_none(), "expired");
        // Filling it past its bytes drops what was there.
        let big = "x".repeat(MAX_BYTES / 4);
        for i in 0..6u8 {
            cache.put([i; 32], kept(&big, "n"));
        }
        let entries = cache.entries.lock().expect("lock");
        assert!(entries.bytes <= MAX_BYTES);
        assert_eq!(
            entries.bytes,
            entries.map.values().map(|k| k.body.len()).sum::<usize>()
        );
        // Too big a page is not kept at all.
        drop(entries);
        cache.put([9; 32], kept(&"y".repeat(MAX_BYTES / 4 + 1), "n"));
        assert!(cache.get(&[9; 32]).is_none());
        assert!(cache.hits() == 0);
    }
}
