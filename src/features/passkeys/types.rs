//! What the passkey pages and the server exchange. A leaf: imports nothing
//! from `server`.

use serde::{Deserialize, Serialize};

/// A WebAuthn ceremony the server opened: `id` comes back with the browser's
/// answer; `options` (JSON) go to `navigator.credentials.create/get`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ceremony {
    pub id: String,
    pub options: String,
}

/// Where a passkey lives, as far as the authenticator tells.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PasskeyKind {
    /// Synced between devices by a password manager or platform account.
    Synced,
    /// Bound to one device (its screen lock).
    Device,
    /// A security key (USB, NFC, Bluetooth).
    Hardware,
}

impl PasskeyKind {
    pub fn as_str(self) -> &'static str {
        match self {
            PasskeyKind::Synced => "synced",
            PasskeyKind::Device => "device",
            PasskeyKind::Hardware => "hardware",
        }
    }

    pub fn parse(s: &str) -> PasskeyKind {
        match s {
            "synced" => PasskeyKind::Synced,
            "hardware" => PasskeyKind::Hardware,
            _ => PasskeyKind::Device,
        }
    }
}

/// One registered passkey: metadata only (the public key stays on the server).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PasskeyInfo {
    pub id: String,
    pub name: String,
    pub kind: PasskeyKind,
    /// Unix seconds.
    pub created_at: i64,
    /// Unix seconds; null: never used.
    pub last_used_at: Option<i64>,
}

/// A passkey on the settings page: times formatted for the reader.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PasskeyEntry {
    pub info: PasskeyInfo,
    pub created: String,
    pub last_used: Option<String>,
}

/// The settings page's list, and whether this server can offer passkeys.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PasskeyList {
    /// False when `public_url` has an address for a host (no relying party).
    pub available: bool,
    /// The origin passkeys belong to (`public_url`): a page reached by
    /// another address cannot use them.
    pub origin: String,
    pub passkeys: Vec<PasskeyEntry>,
    /// The workspace requires 2FA (the last second factor cannot go).
    pub mandatory: bool,
    /// The authenticator app is set up as well.
    pub totp: bool,
}
