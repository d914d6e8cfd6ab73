//! What the admin pages and the server exchange. A leaf: imports nothing
//! from `server`.

use crate::model::{AccountSource, Role};
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

/// The admin user list's search, filters and sort; empty strings: any.
/// Also the query parameters of `GET /api/v1/admin/users`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::IntoParams))]
pub struct UserQuery {
    /// Part of a username, email or name (case does not matter).
    #[serde(default)]
    pub q: String,
    /// `admin` or `user`.
    #[serde(default)]
    pub role: String,
    /// `active` or `disabled`.
    #[serde(default)]
    pub state: String,
    /// `on` or `off`.
    #[serde(default)]
    pub two_factor: String,
    /// `local` or `external`.
    #[serde(default)]
    pub source: String,
    /// `name` (default), `created` (newest first) or `last_sign_in`.
    #[serde(default)]
    pub sort: String,
}

/// An account, for administrators: a row of Admin › Users, and what the REST
/// API's admin endpoints answer. Times in the reader's zone.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema), schema(as = AdminUser))]
pub struct AdminUserRow {
    pub id: String,
    pub username: String,
    /// The name shown for them (display name, else first and last name, else username).
    pub name: String,
    pub email: String,
    /// A new address waiting for its confirmation link (empty: none).
    pub pending_email: String,
    /// `admin` or `user`.
    #[cfg_attr(feature = "ssr", schema(value_type = String))]
    pub role: Role,
    /// `local` or `external`.
    #[cfg_attr(feature = "ssr", schema(value_type = String))]
    pub source: AccountSource,
    pub disabled: bool,
    /// Any second factor (authenticator app or passkey).
    pub two_factor: bool,
    /// Passkeys and security keys registered.
    pub passkeys: i64,
    pub created: String,
    /// Null: never signed in.
    pub last_sign_in: Option<String>,
}

impl AdminUserRow {
    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }

    pub fn is_external(&self) -> bool {
        self.source == AccountSource::External
    }
}

/// A page of accounts and the cursor of the next one (`?after=` in the REST API).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema), schema(as = AdminUserPage))]
pub struct UserPage {
    pub users: Vec<AdminUserRow>,
    pub next: Option<String>,
}

/// An account an administrator creates (no password: a local one is mailed
/// a link to set its own). Also the body of `POST /api/v1/admin/users`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema), schema(as = CreateUser))]
#[serde(deny_unknown_fields)]
pub struct NewAccount {
    /// 2–32 letters, digits, `.`, `_` or `-`, starting with a letter or digit.
    #[cfg_attr(
        feature = "ssr",
        schema(pattern = r"^\s*[A-Za-z0-9][A-Za-z0-9._-]{1,31}\s*$")
    )]
    pub username: String,
    /// One `@`, a dotted domain (or `localhost`), no spaces; up to 254 characters.
    #[cfg_attr(
        feature = "ssr",
        schema(
            max_length = 254,
            pattern = r"^\s*[^\s@\x00-\x1f\x7f-\x9f]+@([^\s@.\x00-\x1f\x7f-\x9f]([^\s@\x00-\x1f\x7f-\x9f]*[^\s@.\x00-\x1f\x7f-\x9f])?\.[^\s@\x00-\x1f\x7f-\x9f]*[^\s@.\x00-\x1f\x7f-\x9f]|localhost)\s*$"
        )
    )]
    pub email: String,
    #[serde(default)]
    pub admin: bool,
    #[serde(default)]
    pub external: bool,
}

/// Every workspace setting, as the Workspace page edits them.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkspaceSettings {
    pub lock_profiles: bool,
    pub two_factor_mandatory: bool,
    pub directory_provides_2fa: bool,
    /// `en` or `de`.
    pub default_language: String,
    /// 1–3650.
    pub token_max_days: i64,
    /// 8–128: the fewest characters a new password may have.
    pub password_min_length: i64,
}

/// One item of the delivery queue, for an administrator.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutboxEntry {
    pub id: String,
    /// `email`, `slack` or `fanout` (a broadcast being expanded).
    pub channel: String,
    /// The address, or for Slack the account's username.
    pub to: String,
    pub subject: String,
    /// `pending`, `sent` or `failed`.
    pub status: String,
    pub attempts: i64,
    pub last_error: String,
    pub created: String,
}

/// How delivery goes: whether mail can leave, the queue's counts and its
/// newest items.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryStatus {
    pub smtp_configured: bool,
    pub pending: i64,
    pub failed: i64,
    pub broken_webhooks: i64,
    pub items: Vec<OutboxEntry>,
}
