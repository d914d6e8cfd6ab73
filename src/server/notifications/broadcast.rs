//! Broadcasts: one notice for everyone whose cell for its area is on,
//! published at once in the app and fanned out to mail and Slack by the
//! worker.

use super::deliver::mail_text;
use super::{live, slack, Notice};
use crate::error::{AppError, FieldError};
use crate::i18n::td_string;
use crate::lang::Locale;
use crate::model::{NotificationArea, NotificationChannel, NotificationPref};
use crate::server::db::{self, outbox};
use crate::server::infra::state::AppState;
use crate::server::workspace;

/// The longest broadcast title and body, in characters.
pub const TITLE_MAX: usize = 200;
pub const BODY_MAX: usize = 4000;

/// Publishes a broadcast: the in-app rows for everyone whose in-app cell
/// is on (one statement) and, in the same transaction, a `fanout` item in the
/// delivery queue, which the worker turns into each person's mail and Slack
/// message (`fan_out`). Nothing is lost if the server dies right after the
/// answer, and the administrator's request stays fast whatever the number
/// of recipients. Returns the broadcast id and how many got it in the app.
pub async fn publish_broadcast(state: &AppState, b: &Broadcast) -> Result<(String, u64), AppError> {
    let job = serde_json::json!({ "area": b.area.as_str(), "title": b.title, "body": b.body });
    let mut tx = state.db.begin().await?;
    let (id, recipients) =
        db::notifications::broadcast(&mut *tx, b.area.as_str(), &b.title, &b.body).await?;
    let job = job.to_string();
    outbox::enqueue(&mut *tx, outbox::New::fanout(&b.title, &job)).await?;
    tx.commit().await?;
    live::publish(state, None).await;
    Ok((id, recipients))
}

/// Turns a `fanout` item into the mails and Slack messages of everyone whose
/// cell for its area is on (each in their language, each mail with the
/// one-click link of that cell), all queued in one transaction that also
/// marks the item done: a worker that dies halfway leaves it to be done again
/// from the start, never twice.
pub async fn fan_out(state: &AppState, item: &outbox::Item, lease: &str) -> Result<(), AppError> {
    #[derive(serde::Deserialize)]
    struct Job {
        area: String,
        title: String,
        body: String,
    }
    let job: Job = serde_json::from_str(&item.body).map_err(|e| {
        tracing::error!(item = %item.id, error = %e, "a broadcast in the queue cannot be read");
        AppError::Internal {
            request_id: String::new(),
        }
    })?;
    let area = NotificationArea::parse(&job.area).unwrap_or(NotificationArea::Alerts);
    let notice = Notice {
        area,
        title: job.title,
        body: job.body,
        advice: String::new(),
        link: "/notifications".into(),
    };
    let ws = workspace::load(&state.db).await?;
    let email_on = NotificationPref::default_for(area, NotificationChannel::Email).enabled;
    let mails =
        db::notification_prefs::recipients(&state.db, area.as_str(), "email", email_on).await?;
    let slacks = db::notification_prefs::slack_recipients(&state.db, area.as_str()).await?;
    let mut tx = state.db.begin().await?;
    for (user_id, username, email, language) in mails {
        let l = crate::lang::parse(&language).unwrap_or(ws.default_language);
        let (subject, text, unsubscribe) =
            mail_text(state, &user_id, &email, &username, &notice, l);
        let item = outbox::New::email(&user_id, &email, &subject, &text, &unsubscribe);
        outbox::enqueue(&mut *tx, item).await?;
    }
    for (user_id, language) in slacks {
        let l = crate::lang::parse(&language).unwrap_or(ws.default_language);
        let json = slack::message(state, &notice, l);
        outbox::enqueue(&mut *tx, outbox::New::slack(&user_id, &notice.title, &json)).await?;
    }
    if !outbox::mark_sent(&mut *tx, &item.id, lease).await? {
        // Our lease ran out and another worker has it: leave it to them.
        return Ok(());
    }
    tx.commit().await?;
    Ok(())
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
