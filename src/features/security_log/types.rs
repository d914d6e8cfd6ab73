//! What the security log page and the server exchange. A leaf: imports
//! nothing from `server`.

use serde::{Deserialize, Serialize};

/// One event of a person's own security log, as they read it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecurityLogEntry {
    pub id: String,
    /// When, in the reader's zone and language.
    pub when: String,
    /// The stable action name (`auth.sign_in`, `token.create`, …); the page
    /// words it in the reader's language.
    pub action: String,
    /// `success`, `failure`, `throttled`, …
    pub outcome: String,
    /// Who did it, when it was not the reader (an administrator).
    pub by: Option<String>,
    pub ip: String,
    pub browser: String,
    pub os: String,
    /// A short detail: the token's or app password's name, the number of
    /// sessions ended, … (empty: none).
    pub detail: String,
}

/// A page of the log, newest first, and the cursor of the next (older) page.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecurityLogPage {
    pub entries: Vec<SecurityLogEntry>,
    pub older: Option<String>,
}
