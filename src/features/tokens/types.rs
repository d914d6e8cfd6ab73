//! What the token and app-password pages and the server exchange. A leaf:
//! imports nothing from `server`.

use serde::{Deserialize, Serialize};

/// A token as its owner sees it in the list. Times are formatted for the reader.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenInfo {
    pub id: String,
    pub name: String,
    /// The first eight characters ("tsr_AbCd").
    pub shown: String,
    pub read_only: bool,
    /// Canonical list of addresses and subnets; empty: any address.
    pub allowed_ips: String,
    pub created: String,
    pub expires: String,
    pub expired: bool,
    /// Not used for 90 days (or, never used, created more than 90 days ago).
    pub idle: bool,
    pub last_used: Option<String>,
    pub last_used_ip: String,
}

/// A token just made: its value, shown once.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewTokenValue {
    pub token: TokenInfo,
    pub value: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppPasswordInfo {
    pub id: String,
    pub name: String,
    pub created: String,
    pub last_used: Option<String>,
    pub last_used_ip: String,
}

/// An app password just made, shown once (grouped for typing).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewAppPassword {
    pub info: AppPasswordInfo,
    pub password: String,
}

/// What Admin › Tokens shows: tokens and app passwords of owners whose
/// username contains `owner` (case does not matter), in a `state`: `expired`,
/// `idle` (unused for 90 days) or any (empty). Also the query parameters of
/// `GET /api/v1/admin/tokens`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::IntoParams))]
pub struct AdminTokenQuery {
    #[serde(default)]
    pub owner: String,
    #[serde(default)]
    pub state: String,
}

/// A page of every user's tokens (owner, token), newest first; `next` is the
/// cursor of the next page.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdminTokenPage {
    pub tokens: Vec<(String, TokenInfo)>,
    pub next: Option<String>,
}

/// A page of every user's app passwords (owner, app password, unused for 90
/// days), newest first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdminAppPasswordPage {
    pub app_passwords: Vec<(String, AppPasswordInfo, bool)>,
    pub next: Option<String>,
}
