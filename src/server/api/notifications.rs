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
    if !req.all && (req.ids.is_empty() || req.ids.len() > 500) {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "bad_request",
            "Give 1–500 notification ids in \"ids\", or \"all\": true.",
        ));
    }
    let ids = if req.all { Vec::new() } else { req.ids };
    let unread = crate::server::notifications::mark_read(&state, &caller.user, &ids).await?;
    Ok(Json(Unread { unread }))
}

/// One cell of the notification matrix.
#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Preference {
    /// `compliance`, `policies`, `rapid_response`, `alerts` or `security`.
    pub area: String,
    /// `in_app`, `email` or `slack`.
    pub channel: String,
    pub enabled: bool,
    /// Read only: in-app Security cannot be turned off.
    #[serde(default)]
    pub locked: bool,
}

/// The whole matrix (GET), or the cells to change (PUT).
#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Preferences {
    pub preferences: Vec<Preference>,
}

fn to_dto(cells: Vec<crate::model::NotificationPref>) -> Preferences {
    Preferences {
        preferences: cells
            .into_iter()
            .map(|c| Preference {
                area: c.area.as_str().into(),
                channel: c.channel.as_str().into(),
                enabled: c.enabled,
                locked: c.locked,
            })
            .collect(),
    }
}

#[utoipa::path(get, path = "/api/v1/me/notification-preferences", tag = "me",
    responses((status = 200, body = Preferences), (status = 401, body = ErrorBody)),
    security(("token" = []), ("app_password" = [])))]
/// Where each area's notifications reach the caller: every area × channel.
pub async fn my_preferences(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Preferences>, ApiError> {
    let cells = crate::server::notifications::preferences(&state, &caller.user).await?;
    Ok(Json(to_dto(cells)))
}

#[utoipa::path(put, path = "/api/v1/me/notification-preferences", tag = "me", request_body = Preferences,
    responses((status = 200, body = Preferences), (status = 401, body = ErrorBody),
        (status = 403, description = "A Security cell turned off: only the settings page (with the password) may; nothing is changed", body = ErrorBody),
        (status = 422, description = "An unknown area or channel, or in-app Security turned off; nothing is changed", body = ErrorBody)),
    security(("token" = []), ("app_password" = [])))]
/// Changes the listed cells (same rules as the settings page); answers the
/// whole matrix. Every cell is checked before any is written.
pub async fn put_preferences(
    State(state): State<AppState>,
    caller: Caller,
    body: Result<Json<Preferences>, JsonRejection>,
) -> Result<Json<Preferences>, ApiError> {
    let wanted = json_body(body)?;
    let ctx = caller.ctx();
    for p in &wanted.preferences {
        crate::server::notifications::check_preference(&p.area, &p.channel, p.enabled, ctx.locale)?;
        if p.area == "security" && !p.enabled {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "reauth_required",
                "Security notices can be turned off only on the settings page, with your password.",
            ));
        }
    }
    let wanted: Vec<_> = wanted
        .preferences
        .iter()
        .map(|p| (p.area.as_str(), p.channel.as_str(), p.enabled))
        .collect();
    let cells = crate::server::notifications::prefs::set_preferences(
        &state,
        &ctx,
        &caller.user,
        false,
        &wanted,
    )
    .await?;
    Ok(Json(to_dto(cells)))
}
