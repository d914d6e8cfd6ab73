//! What the notification pages and the server exchange. A leaf: imports
//! nothing from `server`.

use serde::{Deserialize, Serialize};

/// One in-app notification as its reader sees it; the time is formatted in
/// their zone and language.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotificationItem {
    pub id: String,
    /// `compliance`, `policies`, `rapid_response`, `alerts` or `security`.
    pub area: String,
    pub title: String,
    pub body: String,
    /// A path in the app to the thing it is about (empty: none).
    pub link: String,
    pub created: String,
    pub read: bool,
}

/// A page of notifications, newest first, and the cursor of the next
/// (older) page if there is one.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotificationPage {
    pub items: Vec<NotificationItem>,
    pub unread: i64,
    pub older: Option<String>,
}

/// The person's Slack webhook as the preferences page shows it: never the
/// URL, only its last 4 characters.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlackStatus {
    pub configured: bool,
    pub last4: String,
    /// Deliveries stopped after failing for too long; "retry" resumes them.
    pub broken: bool,
    /// Failing (retried) since this time, formatted; empty when healthy.
    pub failing_since: String,
    pub last_error: String,
}

/// The page behind a one-click unsubscribe link.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnsubscribeInfo {
    pub username: String,
    pub area: String,
    /// Whether the cell is off already.
    pub off: bool,
}
