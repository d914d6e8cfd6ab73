//! Notification preferences: where each area's news reaches a person (§8).

pub mod page;

use crate::error::AppError;
use crate::model::NotificationPref;
use leptos::prelude::*;

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
#[server(endpoint = "notifications/preference")]
pub async fn set_notification_preference(
    area: String,
    channel: String,
    enabled: bool,
) -> Result<Vec<NotificationPref>, AppError> {
    use crate::server::notifications;
    crate::server::serve(|c| async move {
        notifications::set_preference(&c.state, &c.ctx, &c.auth()?.user, &area, &channel, enabled)
            .await
    })
    .await
}
