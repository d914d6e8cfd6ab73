//! Session ids and the session cookie.
//!
//! The cookie carries 256 random bits; the database keeps only their SHA-256, so
//! neither a database dump nor a log line can be replayed as a session.

use crate::server::infra::config::Config;
use http::HeaderMap;
use rand::RngCore;
use sha2::{Digest, Sha256};

/// A fresh random session id, hex encoded.
pub fn new_id() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// What is stored for a session id.
pub fn hash_id(id: &str) -> String {
    hex::encode(Sha256::digest(id.as_bytes()))
}

/// `__Host-` requires Secure, so the prefix is used only over https.
pub fn cookie_name(cfg: &Config) -> &'static str {
    if cfg.secure_cookies() {
        "__Host-tessera_session"
    } else {
        "tessera_session"
    }
}

/// The cookie holding a sign-in that waits for its second factor.
pub fn challenge_cookie_name(cfg: &Config) -> &'static str {
    if cfg.secure_cookies() {
        "__Host-tessera_2fa"
    } else {
        "tessera_2fa"
    }
}

fn cookie(cfg: &Config, name: &str, value: &str, max_age: i64) -> String {
    let secure = if cfg.secure_cookies() { "; Secure" } else { "" };
    format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure}")
}

pub fn set_cookie(cfg: &Config, id: &str) -> String {
    cookie(cfg, cookie_name(cfg), id, cfg.session_absolute_timeout_secs)
}

pub fn clear_cookie(cfg: &Config) -> String {
    cookie(cfg, cookie_name(cfg), "", 0)
}

pub fn set_challenge_cookie(cfg: &Config, id: &str, max_age: i64) -> String {
    cookie(cfg, challenge_cookie_name(cfg), id, max_age)
}

pub fn clear_challenge_cookie(cfg: &Config) -> String {
    cookie(cfg, challenge_cookie_name(cfg), "", 0)
}

/// The session id from the request's cookies, if it looks like one of ours.
pub fn read_cookie(cfg: &Config, headers: &HeaderMap) -> Option<String> {
    read_named(headers, cookie_name(cfg))
}

/// The second-factor challenge id from the request's cookies.
pub fn read_challenge_cookie(cfg: &Config, headers: &HeaderMap) -> Option<String> {
    read_named(headers, challenge_cookie_name(cfg))
}

fn read_named(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
        .filter(|v| v.len() == 64 && v.bytes().all(|b| b.is_ascii_hexdigit()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn cfg(public_url: &str) -> Config {
        let env: BTreeMap<String, String> =
            [("TESSERA_PUBLIC_URL".to_string(), public_url.to_string())]
                .into_iter()
                .collect();
        Config::from_sources("", &env).expect("config")
    }

    #[test]
    fn ids_are_random_and_hashed() {
        let a = new_id();
        assert_eq!(a.len(), 64);
        assert_ne!(a, new_id());
        assert_eq!(hash_id(&a).len(), 64);
        assert_ne!(hash_id(&a), a);
    }

    #[test]
    fn cookie_flags_follow_the_scheme() {
        let plain = set_cookie(&cfg("http://localhost:3000"), "x");
        assert!(plain.starts_with("tessera_session=x; Path=/; HttpOnly; SameSite=Lax"));
        assert!(!plain.contains("Secure"));
        let tls = set_cookie(&cfg("https://id.example.org"), "x");
        assert!(tls.starts_with("__Host-tessera_session=x;"));
        assert!(tls.ends_with("; Secure"));
    }

    #[test]
    fn reads_only_well_formed_ids() {
        let c = cfg("http://localhost:3000");
        let id = new_id();
        let mut h = HeaderMap::new();
        h.insert(
            http::header::COOKIE,
            format!("a=b; tessera_session={id}")
                .parse()
                .expect("header"),
        );
        assert_eq!(read_cookie(&c, &h), Some(id));
        h.insert(
            http::header::COOKIE,
            "tessera_session=short".parse().expect("header"),
        );
        assert_eq!(read_cookie(&c, &h), None);
    }
}
