//! The channel that carries "this user's notifications changed" to every
//! open event stream of this server (see `notifications::live`).

use tokio::sync::broadcast;

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
}

impl Default for Hub {
    fn default() -> Self {
        // Streams that fall this far behind re-read their count (`Lagged`).
        let (tx, _) = broadcast::channel(1024);
        Hub {
            tx,
            origin: uuid::Uuid::new_v4().simple().to_string(),
        }
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
