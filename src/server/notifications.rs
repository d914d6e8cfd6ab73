//! Producing in-app notifications: account (security) events for one user, and
//! administrators' broadcasts to an area.
//!
//! Delivery preferences per area and channel (§8) do not exist yet; until they
//! do, every notification is delivered in-app.

use crate::error::{AppError, FieldError};
use crate::lang::Locale;
use crate::model::NotificationArea;
use crate::server::db::{self, users::UserRow, Db};

pub const TITLE_MAX: usize = 200;
pub const BODY_MAX: usize = 4000;

/// Tells `user` about something that happened to their account. A failure is
/// logged, never passed on: the event itself has already happened.
pub async fn security(db: &Db, user: &UserRow, title: &str, body: &str) {
    let area = NotificationArea::Security.as_str();
    if let Err(e) = db::notifications::insert(db, &user.id, area, title, body).await {
        tracing::warn!(error = %e, "could not store a security notification");
    }
}

/// A checked broadcast: a known area, a title and a body of bounded length.
pub struct Broadcast {
    pub area: NotificationArea,
    pub title: String,
    pub body: String,
}

/// Validates a broadcast, naming every bad field (messages in language `l`).
pub fn check_broadcast(
    area: &str,
    title: &str,
    body: &str,
    l: Locale,
) -> Result<Broadcast, AppError> {
    use crate::i18n::td_string;
    let mut errors = Vec::new();
    let area = NotificationArea::parse(area.trim());
    if area.is_none() {
        errors.push(FieldError {
            field: "area".into(),
            message: td_string!(l, notifications.bad_area).to_string(),
        });
    }
    let title = title.trim();
    if title.is_empty() || title.chars().count() > TITLE_MAX {
        errors.push(FieldError {
            field: "title".into(),
            message: td_string!(l, notifications.bad_title, max = TITLE_MAX).to_string(),
        });
    }
    let body = body.trim();
    if body.chars().count() > BODY_MAX {
        errors.push(FieldError {
            field: "body".into(),
            message: td_string!(l, notifications.bad_body, max = BODY_MAX).to_string(),
        });
    }
    match area {
        Some(area) if errors.is_empty() => Ok(Broadcast {
            area,
            title: title.to_string(),
            body: body.to_string(),
        }),
        _ => Err(AppError::Validation(errors)),
    }
}
