//! What the sessions page and the server exchange. A leaf: imports nothing
//! from `server`.

use serde::{Deserialize, Serialize};

/// One signed-in device as its owner sees it. `id` is a public handle, not the
/// session secret.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceSession {
    pub id: String,
    pub browser: String,
    pub os: String,
    pub ip: String,
    pub created: String,
    pub last_seen: String,
    pub current: bool,
}
