//! Notifications (§8): the bell and its page, where each area's news reaches
//! a person (the matrix, Slack), and the one-click unsubscribe page.

pub mod bell;
pub mod page;
pub mod types;

use crate::error::AppError;
use crate::model::NotificationPref;
use leptos::prelude::*;
use types::{NotificationPage, SlackStatus};

/// The signed-in person's matrix: every area × channel.
#[server(endpoint = "notifications/preferences", input = leptos::server_fn::codec::GetUrl)]
pub async fn get_notification_preferences() -> Result<Vec<NotificationPref>, AppError> {
    use crate::server::notifications;
    crate::server::serve(
        |c| async move { notifications::preferences(&c.state, &c.auth()?.user).await },
    )
    .await
}

/// Turns one cell on or off; answers the whole matrix as now stored.
/// Turning a Security cell off asks for the password (sudo mode).
#[server(endpoint = "notifications/preference")]
pub async fn set_notification_preference(
    area: String,
    channel: String,
    enabled: bool,
) -> Result<Vec<NotificationPref>, AppError> {
    use crate::server::notifications;
    crate::server::serve(|c| async move {
        let auth = c.auth()?;
        let sudo = crate::server::auth::sudo::require(auth).is_ok();
        notifications::set_preference(&c.state, &c.ctx, &auth.user, sudo, &area, &channel, enabled)
            .await
    })
    .await
}

/// A page of the caller's notifications, newest first; `before` is the
/// previous page's `older` cursor.
#[server(endpoint = "notifications/list", input = leptos::server_fn::codec::GetUrl)]
pub async fn list_notifications(
    unread_only: bool,
    before: Option<String>,
    limit: i64,
) -> Result<NotificationPage, AppError> {
    use crate::server::notifications;
    crate::server::serve(|c| async move {
        let user = &c.auth()?.user;
        notifications::page(&c.state, user, unread_only, before.as_deref(), limit).await
    })
    .await
}

/// The unread count and the newest notification's id: what the bell polls
/// when it cannot keep an event stream (it does not count as activity).
#[server(endpoint = "notifications/unread", input = leptos::server_fn::codec::GetUrl)]
pub async fn unread_state() -> Result<(i64, String), AppError> {
    use crate::server::notifications;
    crate::server::serve(
        |c| async move { notifications::unread_state(&c.state, &c.auth()?.user).await },
    )
    .await
}

/// Marks the listed notifications read; answers the unread count.
#[server(endpoint = "notifications/read")]
pub async fn mark_notifications_read(ids: Vec<String>) -> Result<i64, AppError> {
    use crate::server::notifications;
    crate::server::serve(|c| async move {
        if ids.is_empty() {
            return Err(AppError::BadRequest(
                "Name the notifications to mark read.".into(),
            ));
        }
        notifications::mark_read(&c.state, &c.auth()?.user, &ids).await
    })
    .await
}

/// Marks every notification of the caller read; answers the unread count (0).
#[server(endpoint = "notifications/read-all")]
pub async fn mark_all_notifications_read() -> Result<i64, AppError> {
    use crate::server::notifications;
    crate::server::serve(|c| async move {
        notifications::mark_read(&c.state, &c.auth()?.user, &[]).await
    })
    .await
}

/// The caller's Slack webhook: whether one is set, its last 4 characters, its health.
#[server(endpoint = "notifications/slack", input = leptos::server_fn::codec::GetUrl)]
pub async fn get_slack() -> Result<SlackStatus, AppError> {
    use crate::server::notifications::slack;
    crate::server::serve(|c| async move { slack::status(&c.state, c.auth()?).await }).await
}

/// Sets or replaces the caller's Slack incoming webhook (sudo mode).
#[server(endpoint = "notifications/slack/set")]
pub async fn set_slack(url: String) -> Result<SlackStatus, AppError> {
    use crate::server::notifications::slack;
    crate::server::serve(|c| async move { slack::set(&c.state, &c.ctx, c.auth()?, &url).await })
        .await
}

/// Removes the caller's Slack webhook.
#[server(endpoint = "notifications/slack/remove")]
pub async fn remove_slack() -> Result<SlackStatus, AppError> {
    use crate::server::notifications::slack;
    crate::server::serve(|c| async move { slack::remove(&c.state, &c.ctx, c.auth()?).await }).await
}

/// Posts a test message to the caller's webhook; success also resumes a
/// webhook marked broken.
#[server(endpoint = "notifications/slack/test")]
pub async fn test_slack() -> Result<SlackStatus, AppError> {
    use crate::server::notifications::slack;
    crate::server::serve(|c| async move { slack::test(&c.state, &c.ctx, c.auth()?).await }).await
}

/// What an unsubscribe link would turn off (no sign-in needed: the link is
/// signed). None for a link that is not valid.
#[server(endpoint = "unsubscribe/info", input = leptos::server_fn::codec::GetUrl)]
pub async fn unsubscribe_info(token: String) -> Result<Option<types::UnsubscribeInfo>, AppError> {
    use crate::server::notifications::unsubscribe;
    crate::server::serve(|c| async move { unsubscribe::describe(&c.state, &token).await }).await
}
