//! `/api/v1/me/notifications…`: the caller's in-app notifications.

use super::{json_body, query_params, rfc3339, ApiError, Caller, ErrorBody};
use crate::server::db;
use crate::server::infra::state::AppState;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Query, State};
use axum::Json;
use http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// An in-app notification.
#[derive(Serialize, ToSchema)]
pub struct Notification {
    pub id: String,
    /// `compliance`, `policies`, `rapid_response`, `alerts` or `security`.
    pub area: String,
    pub title: String,
    pub body: String,
    pub created_at: String,
    pub read: bool,
}

/// The caller's notifications, newest first, with the unread count.
#[derive(Serialize, ToSchema)]
pub struct NotificationList {
    pub unread: i64,
    pub notifications: Vec<Notification>,
}

#[derive(Deserialize, utoipa::IntoParams)]
pub struct NotificationQuery {
    /// Only unread notifications.
    #[serde(default)]
    pub unread: bool,
    /// At most this many (1–200, default 50).
    pub limit: Option<i64>,
}

/// Which notifications to mark read: the listed ids, or all.
#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct MarkRead {
    #[serde(default)]
    pub ids: Vec<String>,
    #[serde(default)]
    pub all: bool,
}

/// How many notifications are still unread.
#[derive(Serialize, ToSchema)]
pub struct Unread {
    pub unread: i64,
}

#[utoipa::path(get, path = "/api/v1/me/notifications", tag = "me", params(NotificationQuery),
    responses((status = 200, body = NotificationList), (status = 401, body = ErrorBody)),
    security(("token" = []), ("app_password" = [])))]
/// The caller's in-app notifications, newest first.
pub async fn my_notifications(
    State(state): State<AppState>,
    caller: Caller,
    query: Result<Query<NotificationQuery>, QueryRejection>,
) -> Result<Json<NotificationList>, ApiError> {
    let q = query_params(query)?;
    let limit = q.limit.unwrap_or(50).clamp(1, 200);
    let rows = db::notifications::list(&state.db, &caller.user.id, q.unread, limit).await?;
    let unread = db::notifications::unread_count(&state.db, &caller.user.id).await?;
    Ok(Json(NotificationList {
        unread,
        notifications: rows
            .into_iter()
            .map(|r| Notification {
                id: r.id,
                area: r.area,
                title: r.title,
                body: r.body,
                created_at: rfc3339(r.created_at),
                read: r.read_at.is_some(),
            })
            .collect(),
    }))
}

#[utoipa::path(post, path = "/api/v1/me/notifications/read", tag = "me", request_body = MarkRead,
    responses((status = 200, body = Unread), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("token" = []), ("app_password" = [])))]
/// Marks the listed notifications (or with `"all": true`, every one) read.
pub async fn mark_notifications_read(
    State(state): State<AppState>,
    caller: Caller,
    body: Result<Json<MarkRead>, JsonRejection>,
) -> Result<Json<Unread>, ApiError> {
    let req = json_body(body)?;
    let user = &caller.user.id;
    if req.all {
        db::notifications::mark_all_read(&state.db, user).await?;
    } else if req.ids.is_empty() || req.ids.len() > 500 {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "bad_request",
            "Give 1–500 notification ids in \"ids\", or \"all\": true.",
        ));
    } else {
        db::notifications::mark_read(&state.db, user, &req.ids).await?;
    }
    let unread = db::notifications::unread_count(&state.db, user).await?;
    Ok(Json(Unread { unread }))
}
