//! Verified API credentials, kept for a moment so that a busy client costs a
//! database lookup every [`TTL`] instead of on every request (the REST API's
//! throughput budget cannot afford one query per request on SQLite).
//!
//! Deleting, regenerating or revoking a credential, and changing the profile
//! through the API, drop its entries at once on this server. Another server
//! sharing the database notices within `TTL` at the latest.

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
    /// Tokens only; empty: any address.
    pub allowed: Vec<IpNet>,
    /// Tokens only (unix seconds); app passwords do not expire.
    pub expires_at: Option<i64>,
}

#[derive(Default)]
pub struct AuthCache {
    entries: Mutex<HashMap<String, (Verified, Instant)>>,
}

impl AuthCache {
    pub fn get(&self, key: &str) -> Option<Verified> {
        let map = self.entries.lock().ok()?;
        map.get(key)
            .filter(|(_, at)| at.elapsed() < TTL)
            .map(|(v, _)| v.clone())
    }

    pub fn put(&self, key: String, verified: Verified) {
        if let Ok(mut map) = self.entries.lock() {
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
        if let Ok(mut map) = self.entries.lock() {
            map.retain(|_, (v, _)| match &v.credential {
                Credential::Token { id: t, .. } | Credential::AppPassword { id: t } => t != id,
            });
        }
    }

    /// Drops everything cached for a user (their data changed).
    pub fn forget_user(&self, user_id: &str) {
        if let Ok(mut map) = self.entries.lock() {
            map.retain(|_, (v, _)| v.user.id != user_id);
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
        }
    }

    fn verified(user_id: &str, token: &str) -> Verified {
        Verified {
            user: user(user_id),
            credential: Credential::Token {
                id: token.into(),
                read_only: true,
            },
            allowed: Vec::new(),
            expires_at: None,
        }
    }

    #[test]
    fn entries_are_dropped_by_credential_and_by_user() {
        let cache = AuthCache::default();
        cache.put("a".into(), verified("ada", "t1"));
        cache.put("b".into(), verified("ada", "t2"));
        cache.put("c".into(), verified("bob", "t3"));
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
        cache.put("a".into(), verified("ada", "t1"));
        if let Ok(mut map) = cache.entries.lock() {
            if let Some(e) = map.get_mut("a") {
                e.1 = Instant::now() - TTL;
            }
        }
        assert!(cache.get("a").is_none());
    }
}
