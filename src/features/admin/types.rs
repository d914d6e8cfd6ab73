//! What the admin pages and the server exchange. A leaf: imports nothing
//! from `server`.

use serde::{Deserialize, Serialize};

/// Which audit rows to show: every field optional (empty: any). `from` and
/// `to` are days (`YYYY-MM-DD`, UTC, both included).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditFilter {
    #[serde(default)]
    pub actor: String,
    #[serde(default)]
    pub target: String,
    #[serde(default)]
    pub action: String,
    #[serde(default)]
    pub outcome: String,
    #[serde(default)]
    pub from: String,
    #[serde(default)]
    pub to: String,
}

/// One audit row as an administrator reads it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub id: String,
    /// In UTC (RFC 3339) and in the reader's zone and language.
    pub utc: String,
    pub local: String,
    pub actor: String,
    pub action: String,
    /// The account concerned: its username, or "deleted user #…".
    pub target: String,
    pub ip: String,
    pub user_agent: String,
    /// The user agent read as "Browser N on System".
    pub device: String,
    pub outcome: String,
    /// The JSON detail as stored.
    pub detail: String,
    /// The detail in a few words (a token's name, a setting and its value).
    pub summary: String,
}

/// A page of audit rows, newest first, and the cursor of the next (older) page.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditPage {
    pub entries: Vec<AuditEntry>,
    pub older: Option<String>,
}
