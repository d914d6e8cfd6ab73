//! Token-expiry reminders: seven days before an API token expires and on its
//! last day, its owner is told through their Security channels, with a link
//! to the token and its "Regenerate" button.
//!
//! Each reminder is keyed by token, expiry and kind and delivered with
//! `deliver_once`, which claims the key in the delivery's own transaction:
//! the job may run on every server, twice, or again after a crash, and each
//! reminder still goes out exactly once. A regenerated token has a new
//! expiry, hence new reminders.

use super::deliver::deliver_once;
use super::{locale_of, Notice};
use crate::i18n::td_string;
use crate::model::NotificationArea;
use crate::server::db::{self, Db};
use crate::server::infra::state::AppState;
use crate::server::infra::timefmt;
use std::time::Duration;

const DAY: i64 = 86_400;

/// How often the job looks for tokens to remind of.
const EVERY: Duration = Duration::from_secs(300);

#[derive(sqlx::FromRow)]
struct Expiring {
    id: String,
    user_id: String,
    name: String,
    created_at: i64,
    expires_at: i64,
}

/// The reminder due for a token now, if any: `week` within its last seven
/// days (but before the last one), `last_day` within its last day. A token
/// that never lived longer than the window gets no reminder for it.
fn due(now: i64, created_at: i64, expires_at: i64) -> Option<&'static str> {
    let left = expires_at - now;
    let lifetime = expires_at - created_at;
    if left <= 0 {
        None
    } else if left <= DAY {
        (lifetime > DAY).then_some("last_day")
    } else if left <= 7 * DAY {
        (lifetime > 7 * DAY).then_some("week")
    } else {
        None
    }
}

async fn expiring(db: &Db, now: i64) -> Result<Vec<Expiring>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, user_id, name, created_at, expires_at FROM api_tokens \
         WHERE expires_at > $1 AND expires_at <= $2",
    )
    .bind(now)
    .bind(now + 7 * DAY)
    .fetch_all(db)
    .await
}

/// One pass: sends every reminder that is due and not yet sent; returns how
/// many it sent.
pub async fn run_once(state: &AppState) -> Result<usize, crate::error::AppError> {
    let now = db::now();
    let mut sent = 0;
    for t in expiring(&state.db, now).await? {
        let Some(kind) = due(now, t.created_at, t.expires_at) else {
            continue;
        };
        let Some(user) = db::users::find_by_id(&state.db, &t.user_id)
            .await?
            .filter(|u| !u.is_disabled())
        else {
            continue;
        };
        let l = locale_of(state, &user).await;
        let when = timefmt::format(t.expires_at, &user.time_zone, l);
        let (title, body) = if kind == "week" {
            (
                td_string!(l, notifications.token_expiring_week_title, name = &t.name).to_string(),
                td_string!(
                    l,
                    notifications.token_expiring_week,
                    name = &t.name,
                    when = &when
                )
                .to_string(),
            )
        } else {
            (
                td_string!(l, notifications.token_expiring_today_title, name = &t.name).to_string(),
                td_string!(
                    l,
                    notifications.token_expiring_today,
                    name = &t.name,
                    when = &when
                )
                .to_string(),
            )
        };
        let notice = Notice {
            area: NotificationArea::Security,
            title,
            body,
            advice: String::new(),
            link: format!("/settings/tokens#token-{}", t.id),
        };
        let key = format!("token:{}:{}:{kind}", t.id, t.expires_at);
        if deliver_once(state, &user, &notice, Some(&key)).await? {
            sent += 1;
        }
    }
    Ok(sent)
}

/// Runs [`run_once`] every five minutes for the life of the server.
pub fn spawn(state: AppState) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(EVERY);
        loop {
            tick.tick().await;
            if let Err(e) = run_once(&state).await {
                tracing::warn!(error = %e, "token expiry reminders failed; trying again later");
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::{due, DAY};

    #[test]
    fn reminders_fall_in_their_windows() {
        let created = 0;
        let expires = 30 * DAY;
        assert_eq!(due(expires - 8 * DAY, created, expires), None);
        assert_eq!(due(expires - 7 * DAY, created, expires), Some("week"));
        assert_eq!(due(expires - 2 * DAY, created, expires), Some("week"));
        assert_eq!(due(expires - DAY, created, expires), Some("last_day"));
        assert_eq!(due(expires - 1, created, expires), Some("last_day"));
        assert_eq!(due(expires, created, expires), None);
    }

    #[test]
    fn short_lived_tokens_get_only_the_reminders_that_fit() {
        // A 3-day token: no week reminder, a last-day one.
        assert_eq!(due(DAY, 0, 3 * DAY), None);
        assert_eq!(due(2 * DAY + 10, 0, 3 * DAY), Some("last_day"));
        // A 1-day token: none at all.
        assert_eq!(due(10, 0, DAY), None);
    }
}
