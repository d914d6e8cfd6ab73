//! "Last used" for tokens and app passwords without a database write per
//! request: uses are noted in memory and written once a minute (and at
//! shutdown), one row update per credential at most.

use crate::server::db::{self, api_tokens, Db};
use std::collections::HashMap;
use std::sync::Mutex;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    Token,
    AppPassword,
}

/// How often pending marks are written.
pub const FLUSH_SECS: u64 = 60;

#[derive(Default)]
pub struct LastUsed {
    pending: Mutex<HashMap<(Kind, String), (i64, String)>>,
}

impl LastUsed {
    /// Notes a use (memory only).
    pub fn record(&self, kind: Kind, id: &str, ip: &str) {
        if let Ok(mut map) = self.pending.lock() {
            map.insert((kind, id.to_string()), (db::now(), ip.to_string()));
        }
    }

    /// Drops the uses noted of a credential deleted, revoked or given a new
    /// secret: what they say is no longer true of it.
    pub fn forget(&self, id: &str) {
        if let Ok(mut map) = self.pending.lock() {
            for kind in [Kind::Token, Kind::AppPassword] {
                map.remove(&(kind, id.to_string()));
            }
        }
    }

    /// A use not yet written, so lists can show it before the flush.
    pub fn pending(&self, kind: Kind, id: &str) -> Option<(i64, String)> {
        self.pending
            .lock()
            .ok()
            .and_then(|map| map.get(&(kind, id.to_string())).cloned())
    }

    /// The newest use of a credential made at `made_at` (a token's secret:
    /// when it was last regenerated): a pending one, unless the database has a
    /// newer one (written by another server) or it predates the secret.
    pub fn newest(
        &self,
        kind: Kind,
        id: &str,
        made_at: i64,
        stored_at: Option<i64>,
        stored_ip: &str,
    ) -> (Option<i64>, String) {
        match (self.pending(kind, id), stored_at) {
            (Some((at, ip)), stored) if at >= made_at && stored.is_none_or(|s| s <= at) => {
                (Some(at), ip)
            }
            (_, Some(at)) => (Some(at), stored_ip.to_string()),
            (_, None) => (None, String::new()),
        }
    }

    /// Writes every pending mark; returns how many rows changed (a mark older
    /// than its row's use, or of a credential gone, changes none and is
    /// done with all the same). Each stays pending (and
    /// shown by `newest`) until it is written: a list read meanwhile shows it
    /// from memory, not "never" from a row not yet updated. One that could not
    /// be written is tried again by the next flush; one used again meanwhile
    /// stays for it too.
    pub async fn flush(&self, db: &Db) -> usize {
        let batch: Vec<((Kind, String), (i64, String))> = match self.pending.lock() {
            Ok(map) => map.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
            Err(_) => return 0,
        };
        let mut written = 0;
        for (key, (at, ip)) in batch {
            match api_tokens::mark_used(db, key.0 == Kind::Token, &key.1, at, &ip).await {
                Ok(changed) => written += usize::from(changed),
                Err(e) => {
                    tracing::warn!(error = %e, "could not record last use");
                    continue;
                }
            }
            if let Ok(mut map) = self.pending.lock() {
                if map.get(&key).is_some_and(|(a, i)| *a == at && *i == ip) {
                    map.remove(&key);
                }
            }
        }
        written
    }
}

/// Flushes once a minute for as long as the server runs.
pub fn spawn_flusher(db: crate::server::db::Db, last_used: std::sync::Arc<LastUsed>) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(FLUSH_SECS));
        loop {
            tick.tick().await;
            last_used.flush(&db).await;
        }
    });
}
