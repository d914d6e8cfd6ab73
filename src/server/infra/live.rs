//! The channel that carries "this user's notifications changed" to every
//! open event stream of this server (see `notifications::live`).

use tokio::sync::broadcast;

/// Who has news: one user, or everyone (a broadcast).
#[derive(Clone, Debug)]
pub enum Change {
    User(String),
    Everyone,
}

/// The channel every open stream of this server listens on.
pub struct Hub {
    tx: broadcast::Sender<Change>,
}

impl Default for Hub {
    fn default() -> Self {
        // Streams that fall this far behind re-read their count (`Lagged`).
        let (tx, _) = broadcast::channel(1024);
        Hub { tx }
    }
}

impl Hub {
    pub fn subscribe(&self) -> broadcast::Receiver<Change> {
        self.tx.subscribe()
    }

    /// Hands news to this server's streams (no receivers is fine).
    pub fn send(&self, change: Change) {
        let _ = self.tx.send(change);
    }

    /// Applies a `NOTIFY` payload heard from any server.
    pub fn apply(&self, payload: &str) {
        self.send(if payload == "*" {
            Change::Everyone
        } else {
            Change::User(payload.to_string())
        });
    }
}
