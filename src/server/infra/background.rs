//! Work a request starts but does not wait for (mail that must not make an
//! answer slower for existing accounts than for unknown ones). Tracked, so a
//! clean stop finishes it and tests can wait for it.

use std::future::Future;
use tokio_util::task::TaskTracker;

#[derive(Clone, Default)]
pub struct Background {
    tasks: TaskTracker,
}

impl Background {
    pub fn spawn<F>(&self, work: F)
    where
        F: Future<Output = ()> + Send + 'static,
    {
        self.tasks.spawn(work);
    }

    /// Waits until every task spawned so far has finished (new ones may start).
    pub async fn settle(&self) {
        self.tasks.close();
        self.tasks.wait().await;
        self.tasks.reopen();
    }
}

/// Addresses this server knows to be delayed for API credentials, so a blocked
/// address is refused before any credential is looked at, without a database
/// read per request. Filled from the shared counters (`server::throttle`)
/// whenever a failure is counted; the counters themselves are in the database.
#[derive(Default)]
pub struct BlockedAddresses {
    until: std::sync::Mutex<std::collections::HashMap<String, i64>>,
}

/// Beyond this many addresses, expired ones are dropped (bounded memory).
const MAX_BLOCKED: usize = 10_000;

impl BlockedAddresses {
    /// Until when `ip` is delayed, if it is now.
    pub fn until(&self, ip: &str, now: i64) -> Option<i64> {
        let map = self.until.lock().ok()?;
        map.get(ip).copied().filter(|&t| t > now)
    }

    pub fn block(&self, ip: &str, until: i64, now: i64) {
        if let Ok(mut map) = self.until.lock() {
            if map.len() >= MAX_BLOCKED {
                map.retain(|_, t| *t > now);
            }
            if map.len() < MAX_BLOCKED {
                map.insert(ip.to_string(), until);
            }
        }
    }
}
