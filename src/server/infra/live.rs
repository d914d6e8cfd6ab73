//! The channel that carries "this user's notifications changed" to every
//! open event stream of this server (see `notifications::live`).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use tokio::sync::broadcast;

/// Open streams one account may hold on one server (a browser opens one per
/// tab; more than this is a script holding connections open).
pub const STREAMS_PER_USER: usize = 32;

/// Open streams one server holds at most, whoever opens them: well below the
/// usual limit of 1,024 open files, so requests still find a socket.
pub const STREAMS_TOTAL: usize = 512;

/// Who has news: one user, or everyone (a broadcast).
#[derive(Clone, Debug)]
pub enum Change {
    User(String),
    Everyone,
}

impl Change {
    fn payload(&self) -> &str {
        match self {
            Change::User(id) => id,
            Change::Everyone => "*",
        }
    }
}

/// The channel every open stream of this server listens on, and this
/// server's name in the `NOTIFY` payloads it sends (so it skips its own
/// when PostgreSQL echoes them back: its streams heard them at once).
pub struct Hub {
    tx: broadcast::Sender<Change>,
    origin: String,
    /// Open streams per account id.
    open: Arc<Mutex<HashMap<String, usize>>>,
}

/// One admitted stream; dropping it (the stream ends) frees its place.
pub struct Admitted {
    open: Arc<Mutex<HashMap<String, usize>>>,
    user_id: String,
}

impl Drop for Admitted {
    fn drop(&mut self) {
        let mut open = self
            .open
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(n) = open.get_mut(&self.user_id) {
            *n -= 1;
            if *n == 0 {
                open.remove(&self.user_id);
            }
        }
    }
}

impl Default for Hub {
    fn default() -> Self {
        // Streams that fall this far behind re-read their count (`Lagged`).
        let (tx, _) = broadcast::channel(1024);
        Hub {
            tx,
            origin: uuid::Uuid::new_v4().simple().to_string(),
            open: Arc::default(),
        }
    }
}

impl Hub {
    /// A place for one more stream of `user_id`, or None when that account
    /// already holds [`STREAMS_PER_USER`] or the server [`STREAMS_TOTAL`].
    pub fn admit(&self, user_id: &str) -> Option<Admitted> {
        let mut open = self
            .open
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let total: usize = open.values().sum();
        let mine = open.get(user_id).copied().unwrap_or(0);
        if mine >= STREAMS_PER_USER || total >= STREAMS_TOTAL {
            return None;
        }
        open.insert(user_id.to_string(), mine + 1);
        Some(Admitted {
            open: Arc::clone(&self.open),
            user_id: user_id.to_string(),
        })
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Change> {
        self.tx.subscribe()
    }

    /// Hands news to this server's streams (no receivers is fine).
    pub fn send(&self, change: Change) {
        let _ = self.tx.send(change);
    }

    /// The `NOTIFY` payload that tells the other servers: `<origin> <user id | *>`.
    pub fn payload(&self, change: &Change) -> String {
        format!("{} {}", self.origin, change.payload())
    }

    /// Applies a `NOTIFY` payload heard from any server (its own ignored).
    pub fn apply(&self, payload: &str) {
        let (origin, who) = payload.split_once(' ').unwrap_or(("", payload));
        if origin == self.origin {
            return;
        }
        self.send(if who == "*" {
            Change::Everyone
        } else {
            Change::User(who.to_string())
        });
    }

    /// Everyone's news may have been missed (the listening connection was
    /// lost): every stream reads its count again.
    pub fn resync(&self) {
        self.send(Change::Everyone);
    }
}

#[cfg(test)]
mod tests {
    use super::{Hub, STREAMS_PER_USER};

    #[test]
    fn an_account_holds_a_bounded_number_of_streams_and_ended_ones_free_their_place() {
        let hub = Hub::default();
        let held: Vec<_> = (0..STREAMS_PER_USER)
            .map(|_| hub.admit("ada").expect("admitted"))
            .collect();
        assert!(hub.admit("ada").is_none());
        // Someone else still gets in.
        assert!(hub.admit("bob").is_some());
        drop(held);
        assert!(hub.admit("ada").is_some());
    }
}
