//! Notifications (§8): what reaches a person, through which channels.
//!
//! Everything produced for one person goes through [`deliver`]: their matrix
//! of area × channel (`prefs`) decides whether it becomes an in-app
//! notification (listed by `inbox`, live in the bell through `live`), a mail
//! with a one-click unsubscribe link (`unsubscribe`) and a Slack message
//! (`slack`), all written in one transaction to the `notifications` table and
//! the delivery queue (the outbox, sent by `worker`). Security events
//! (`events`) and reminders (`reminders`, delivered once per key whatever the
//! number of servers or restarts) are two producers; broadcasts
//! (`broadcast`) reach everyone whose cell is on.
//!
//! This file holds the vocabulary every part shares: a [`Notice`], the
//! reader's language and an area's name.

pub mod broadcast;
pub mod deliver;
pub mod events;
pub mod inbox;
pub mod live;
pub mod prefs;
pub mod reminders;
pub mod slack;
pub mod unsubscribe;
pub mod worker;

pub use broadcast::{check_broadcast, publish_broadcast, Broadcast, BODY_MAX, TITLE_MAX};
pub use deliver::{deliver, deliver_once, in_app_only};
pub use events::{security_event, SecurityEvent};
pub use inbox::{mark_read, page, unread_state, PAGE_MAX};
pub use prefs::{check_preference, preferences, set_preference};

use crate::i18n::td_string;
use crate::lang::Locale;
use crate::model::NotificationArea;
use crate::server::db::users::UserRow;
use crate::server::infra::state::AppState;
use crate::server::workspace;

/// One piece of news for one person, the same in every channel.
#[derive(Clone, Debug)]
pub struct Notice {
    pub area: NotificationArea,
    pub title: String,
    pub body: String,
    /// Mail only: what to do about it (for security notices, where to reset
    /// the password and review the account). Empty: nothing.
    pub advice: String,
    /// Where the item lives in the app: a path such as `/settings/tokens`.
    pub link: String,
}

/// The language `user` reads (the workspace default when unset; English
/// when the settings cannot be read).
pub async fn locale_of(state: &AppState, user: &UserRow) -> Locale {
    match workspace::load(&state.db).await {
        Ok(ws) => workspace::user_locale(user, &ws),
        Err(_) => Locale::en,
    }
}

/// An area's name in language `l`.
pub fn area_name(area: NotificationArea, l: Locale) -> String {
    match area {
        NotificationArea::Compliance => td_string!(l, notifications.area_compliance),
        NotificationArea::Policies => td_string!(l, notifications.area_policies),
        NotificationArea::RapidResponse => td_string!(l, notifications.area_rapid_response),
        NotificationArea::Alerts => td_string!(l, notifications.area_alerts),
        NotificationArea::Security => td_string!(l, notifications.area_security),
    }
    .to_string()
}
