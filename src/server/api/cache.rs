//! Verified API credentials, kept for a moment so that a busy client costs a
//! database lookup every [`TTL`] instead of on every request (the REST API's
//! throughput budget cannot afford one query per request on SQLite).
//!
//! Deleting, regenerating or revoking a credential, and changing the profile
//! through the API, drop its entries at once on this server. Another server
//! sharing the database notices within `TTL` at the latest.
//!
//! A lookup that was already reading the database when an entry was dropped
//! must not put the old credential back: every drop raises a generation
//! counter, a lookup notes the generation before it reads, and [`AuthCache::put`]
//! stores nothing when it changed meanwhile.

use super::Credential;
use crate::server::db::users::UserRow;
use ipnet::IpNet;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub const TTL: Duration = Duration::from_secs(2);
/// Beyond this many entries the cache starts over (bounded memory).
const MAX_ENTRIES: usize = 10_000;

#[derive(Clone, Debug)]
pub struct Verified {
    pub user: UserRow,
    pub credential: Credential,
    /// Tokens only; empty: any address. `None`: the stored rule did not
    /// parse, and the credential is refused everywhere (fail closed).
    pub allowed: Option<Vec<IpNet>>,
    /// Tokens only (unix seconds); app passwords do not expire.
    pub expires_at: Option<i64>,
    /// 2FA is mandatory in the workspace and this account has none yet.
    pub lacks_two_factor: bool,
}

#[derive(Default)]
pub struct AuthCache {
    entries: Mutex<Entries>,
}

#[derive(Default)]
struct Entries {
    map: HashMap<String, (Verified, Instant)>,
    generation: u64,
}

impl AuthCache {
    /// Note this before reading the database; pass it to [`AuthCache::put`].
    pub fn generation(&self) -> u64 {
        self.entries.lock().map_or(u64::MAX, |e| e.generation)
    }

    pub fn get(&self, key: &str) -> Option<Verified> {
        let entries = self.entries.lock().ok()?;
        entries
            .map
            .get(key)
            .filter(|(_, at)| at.elapsed() < TTL)
            .map(|(v, _)| v.clone())
    }

    /// Stores what a lookup read, unless something was dropped since the
    /// lookup noted `generation` (it may have read what was just revoked).
    pub fn put(&self, key: String, verified: Verified, generation: u64) {
        if let Ok(mut entries) = self.entries.lock() {
            if entries.generation != generation {
                return;
            }
            let map = &mut entries.map;
            if map.len() >= MAX_ENTRIES {
                map.retain(|_, (_, at)| at.elapsed() < TTL);
                if map.len() >= MAX_ENTRIES {
                    map.clear();
                }
            }
            map.insert(key, (verified, Instant::now()));
        }
    }

    /// Drops everything cached for one credential (token or app password id).
    pub fn forget_credential(&self, id: &str) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.generation += 1;
            entries.map.retain(|_, (v, _)| match &v.credential {
                Credential::Token { id: t, .. } | Credential::AppPassword { id: t } => t != id,
            });
        }
    }

    /// Drops everything cached for a user (their data changed).
    pub fn forget_user(&self, user_id: &str) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.generation += 1;
            entries.map.retain(|_, (v, _)| v.user.id != user_id);
        }
    }

    /// Drops everything (a workspace rule every credential depends on changed).
    pub fn clear(&self) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.generation += 1;
            entries.map.clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(id: &str) -> UserRow {
        UserRow {
            id: id.into(),
            username: id.into(),
            email: String::new(),
            role: crate::model::Role::User,
            source: crate::model::AccountSource::Local,
            password_hash: None,
            first_name: String::new(),
            last_name: String::new(),
            display_name: String::new(),
            disabled: 0,
            created_at: 0,
            updated_at: 0,
            contact_person: String::new(),
            phone: String::new(),
            time_zone: "UTC".into(),
            recovery_email: String::new(),
            avatar_version: String::new(),
            language: String::new(),
            must_change_password: 0,
        }
    }

    fn verified(user_id: &str, token: &str) -> Verified {
        Verified {
            user: user(user_id),
            credential: Credential::Token {
                id: token.into(),
                read_only: true,
            },
            allowed: Some(Vec::new()),
            expires_at: None,
            lacks_two_factor: false,
        }
    }

    #[test]
    fn entries_are_dropped_by_credential_and_by_user() {
        let cache = AuthCache::default();
        let g = cache.generation();
        cache.put("a".into(), verified("ada", "t1"), g);
        cache.put("b".into(), verified("ada", "t2"), g);
        cache.put("c".into(), verified("bob", "t3"), g);
        assert!(cache.get("a").is_some());
        cache.forget_credential("t1");
        assert!(cache.get("a").is_none());
        assert!(cache.get("b").is_some());
        cache.forget_user("ada");
        assert!(cache.get("b").is_none());
        assert!(cache.get("c").is_some());
    }

    #[test]
    fn entries_expire() {
        let cache = AuthCache::default();
        cache.put("a".into(), verified("ada", "t1"), cache.generation());
        if let Ok(mut entries) = cache.entries.lock() {
            if let Some(e) = entries.map.get_mut("a") {
                e.1 = Instant::now() - TTL;
            }
        }
        assert!(cache.get("a").is_none());
    }

    #[test]
    fn a_lookup_that_raced_a_revocation_stores_nothing() {
        let cache = AuthCache::default();
        // A lookup notes the generation, then reads the (still valid) row …
        let before = cache.generation();
        // … meanwhile the token is deleted on this server …
        cache.forget_credential("t1");
        // … and the lookup's result must not resurrect it for the TTL.
        cache.put("a".into(), verified("ada", "t1"), before);
        assert!(cache.get("a").is_none());
        cache.put("a".into(), verified("ada", "t1"), cache.generation());
        assert!(cache.get("a").is_some());
        let before = cache.generation();
        cache.clear();
        cache.put("b".into(), verified("bob", "t2"), before);
        assert!(cache.get("b").is_none());
    }
}
