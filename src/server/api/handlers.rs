//! The `/api/v1` endpoints. Each is documented for the OpenAPI description
//! (see `docs`), which is generated from these annotations.

use super::{ApiError, Caller};
use crate::error::{AppError, FieldError};
use crate::server::db::{self, api_tokens, users::UserRow};
use crate::server::state::AppState;
use crate::server::{phone, timefmt, workspace};
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::Json;
use http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

fn rfc3339(ts: i64) -> String {
    chrono::DateTime::<chrono::Utc>::from_timestamp(ts, 0)
        .map(|t| t.to_rfc3339())
        .unwrap_or_default()
}

/// The signed-in user's profile.
#[derive(Serialize, ToSchema)]
pub struct Me {
    pub id: String,
    pub username: String,
    pub email: String,
    /// `user` or `admin`.
    pub role: String,
    pub first_name: String,
    pub last_name: String,
    pub display_name: String,
    pub contact_person: String,
    /// E.164, or empty.
    pub phone: String,
    /// IANA time zone name.
    pub time_zone: String,
    /// `en`, `de`, or empty for the workspace default.
    pub language: String,
}

impl Me {
    fn from_row(u: &UserRow) -> Me {
        Me {
            id: u.id.clone(),
            username: u.username.clone(),
            email: u.email.clone(),
            role: u.role().as_str().to_string(),
            first_name: u.first_name.clone(),
            last_name: u.last_name.clone(),
            display_name: u.display_name.clone(),
            contact_person: u.contact_person.clone(),
            phone: u.phone.clone(),
            time_zone: u.time_zone.clone(),
            language: u.language.clone(),
        }
    }
}

/// Fields to change; those left out keep their value.
#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct MePatch {
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub display_name: Option<String>,
    pub contact_person: Option<String>,
    /// With the country code, e.g. "+49 30 1234567"; empty clears it.
    pub phone: Option<String>,
    pub time_zone: Option<String>,
    /// `en`, `de`, or empty for the workspace default.
    pub language: Option<String>,
}

/// A personal API token (never its value).
#[derive(Serialize, ToSchema)]
pub struct Token {
    pub id: String,
    pub name: String,
    /// The first eight characters of the value.
    pub shown: String,
    /// `read` or `write`.
    pub scope: String,
    /// Allowed addresses and subnets; empty: any.
    pub allowed_ips: String,
    pub created_at: String,
    pub expires_at: String,
    pub expired: bool,
    pub last_used_at: Option<String>,
    pub last_used_ip: String,
    /// The owner's username (admin listing only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
}

fn token_dto(state: &AppState, row: &api_tokens::TokenRow, owner: Option<String>) -> Token {
    let (at, ip) = state.last_used.newest(
        super::last_used::Kind::Token,
        &row.id,
        row.last_used_at,
        &row.last_used_ip,
    );
    Token {
        id: row.id.clone(),
        name: row.name.clone(),
        shown: row.shown.clone(),
        scope: row.scope.clone(),
        allowed_ips: row.allowed_ips.clone(),
        created_at: rfc3339(row.created_at),
        expires_at: rfc3339(row.expires_at),
        expired: row.expires_at <= db::now(),
        last_used_at: at.map(rfc3339),
        last_used_ip: ip,
        owner,
    }
}

/// An account, for administrators.
#[derive(Serialize, ToSchema)]
pub struct AdminUser {
    pub id: String,
    pub username: String,
    pub email: String,
    pub role: String,
    /// `local` or `external`.
    pub source: String,
    pub disabled: bool,
    pub created_at: String,
}

/// The error body of every refusal.
#[derive(Serialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Serialize, ToSchema)]
pub struct ErrorDetail {
    /// Machine-readable: `unauthorized`, `forbidden`, `ip_not_allowed`,
    /// `read_only_token`, `validation`, `not_found`, …
    pub code: String,
    pub message: String,
}

#[utoipa::path(get, path = "/api/v1/me", tag = "me",
    responses((status = 200, body = Me), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("token" = []), ("app_password" = [])))]
/// The caller's profile.
pub async fn get_me(caller: Caller) -> Json<Me> {
    Json(Me::from_row(&caller.user))
}

#[utoipa::path(patch, path = "/api/v1/me", tag = "me", request_body = MePatch,
    responses((status = 200, body = Me), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 422, description = "A field is invalid; `error.fields` names each", body = ErrorBody)),
    security(("token" = []), ("app_password" = [])))]
/// Changes profile fields, with the same rules as the profile page.
pub async fn patch_me(
    State(state): State<AppState>,
    caller: Caller,
    body: Result<Json<MePatch>, JsonRejection>,
) -> Result<Json<Me>, ApiError> {
    let patch = json_body(body)?;
    let u = &caller.user;
    let ws = workspace::load(&state.db).await?;
    let l = workspace::user_locale(u, &ws);
    let pick = |new: &Option<String>, old: &str| new.clone().unwrap_or_else(|| old.to_string());
    let mut errors: Vec<FieldError> = Vec::new();
    let display_in = pick(&patch.display_name, &u.display_name);
    let (first, last, mut display) = match crate::features::profile::check_names(
        &pick(&patch.first_name, &u.first_name),
        &pick(&patch.last_name, &u.last_name),
        &display_in,
        l,
    ) {
        Ok(n) => n,
        Err(AppError::Validation(mut e)) => {
            errors.append(&mut e);
            Default::default()
        }
        Err(e) => return Err(e.into()),
    };
    if let Some(reason) = workspace::identity_lock(u, &ws) {
        if patch
            .display_name
            .as_deref()
            .is_some_and(|d| d.trim() != u.display_name)
        {
            errors.push(FieldError {
                field: "display_name".into(),
                message: crate::i18n::td_string!(
                    l,
                    validate.display_locked,
                    reason = reason.text(l)
                )
                .to_string(),
            });
        }
        display = u.display_name.clone();
    }
    let mut field = |name: &str, r: Result<String, String>| match r {
        Ok(v) => v,
        Err(message) => {
            errors.push(FieldError {
                field: name.into(),
                message,
            });
            String::new()
        }
    };
    let contact = field(
        "contact_person",
        crate::validate::name(&pick(&patch.contact_person, &u.contact_person), l),
    );
    let phone_number = match &patch.phone {
        Some(p) => field(
            "phone",
            phone::normalize(p, l).map(Option::unwrap_or_default),
        ),
        None => u.phone.clone(),
    };
    let zone = pick(&patch.time_zone, &u.time_zone);
    if !timefmt::is_known_zone(&zone) {
        field(
            "time_zone",
            Err(crate::i18n::td_string!(l, validate.time_zone).to_string()),
        );
    }
    let language = pick(&patch.language, &u.language).trim().to_string();
    if !language.is_empty() && crate::lang::parse(&language).is_none() {
        field(
            "language",
            Err(crate::i18n::td_string!(l, validate.language).to_string()),
        );
    }
    if !errors.is_empty() {
        return Err(AppError::Validation(errors).into());
    }
    let profile = db::users::Profile {
        first_name: &first,
        last_name: &last,
        display_name: &display,
        contact_person: &contact,
        phone: &phone_number,
        time_zone: &zone,
        language: &language,
    };
    if !db::users::update_profile(&state.db, &u.id, &profile).await? {
        return Err(AppError::NotFound.into());
    }
    state.auth_cache.forget_user(&u.id);
    let saved = db::users::find_by_id(&state.db, &u.id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(Json(Me::from_row(&saved)))
}

#[utoipa::path(get, path = "/api/v1/me/tokens", tag = "me",
    responses((status = 200, body = [Token]), (status = 401, body = ErrorBody)),
    security(("token" = []), ("app_password" = [])))]
/// The caller's personal API tokens (never their values).
pub async fn my_tokens(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<Token>>, ApiError> {
    let rows = api_tokens::list_for_user(&state.db, &caller.user.id).await?;
    Ok(Json(
        rows.iter().map(|r| token_dto(&state, r, None)).collect(),
    ))
}

#[utoipa::path(get, path = "/api/v1/admin/users", tag = "admin",
    responses((status = 200, body = [AdminUser]), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("token" = []), ("app_password" = [])))]
/// Every account (administrators only).
pub async fn admin_users(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<AdminUser>>, ApiError> {
    caller.require_admin()?;
    let users = db::users::list(&state.db).await?;
    Ok(Json(
        users
            .iter()
            .map(|u| AdminUser {
                id: u.id.clone(),
                username: u.username.clone(),
                email: u.email.clone(),
                role: u.role().as_str().to_string(),
                source: u.source.clone(),
                disabled: u.is_disabled(),
                created_at: rfc3339(u.created_at),
            })
            .collect(),
    ))
}

#[utoipa::path(get, path = "/api/v1/admin/tokens", tag = "admin",
    responses((status = 200, body = [Token]), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("token" = []), ("app_password" = [])))]
/// Every user's tokens with their owners (administrators only).
pub async fn admin_tokens(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<Token>>, ApiError> {
    caller.require_admin()?;
    let rows = api_tokens::list_all(&state.db).await?;
    Ok(Json(
        rows.iter()
            .map(|(r, owner)| token_dto(&state, r, Some(owner.clone())))
            .collect(),
    ))
}

#[utoipa::path(delete, path = "/api/v1/admin/tokens/{id}", tag = "admin",
    params(("id" = String, Path, description = "The token's id")),
    responses((status = 204, description = "Revoked"), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("token" = [])))]
/// Revokes any user's token (administrators with a read-write token; audited).
pub async fn admin_revoke_token(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    caller.require_admin()?;
    caller.require_not_app_password()?;
    super::credentials::admin_revoke_token(&state, &caller.ctx(), Some(&caller.user), &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

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

/// A notification to publish to everyone.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Publish {
    /// `compliance`, `policies`, `rapid_response`, `alerts` or `security`.
    pub area: String,
    /// 1–200 characters.
    pub title: String,
    /// Up to 4,000 characters.
    #[serde(default)]
    pub body: String,
}

/// What a broadcast reached.
#[derive(Serialize, ToSchema)]
pub struct Published {
    pub id: String,
    pub recipients: u64,
}

/// A JSON body, or the API's error shape when it is not the object described.
fn json_body<T>(body: Result<Json<T>, JsonRejection>) -> Result<T, ApiError> {
    body.map(|Json(v)| v)
        .map_err(|r| ApiError::new(r.status(), "bad_request", r.body_text()))
}

/// Query parameters, or the API's error shape when they do not parse.
fn query_params<T>(query: Result<Query<T>, QueryRejection>) -> Result<T, ApiError> {
    query
        .map(|Query(v)| v)
        .map_err(|r| ApiError::new(r.status(), "bad_request", r.body_text()))
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

#[utoipa::path(post, path = "/api/v1/admin/notifications", tag = "admin", request_body = Publish,
    responses((status = 201, body = Published), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("token" = []), ("app_password" = [])))]
/// Publishes a notification to every active account in an area (administrators only; audited).
pub async fn admin_publish(
    State(state): State<AppState>,
    caller: Caller,
    body: Result<Json<Publish>, JsonRejection>,
) -> Result<(StatusCode, Json<Published>), ApiError> {
    caller.require_admin()?;
    let req = json_body(body)?;
    let ws = workspace::load(&state.db).await?;
    let b = crate::server::notifications::check_broadcast(
        &req.area,
        &req.title,
        &req.body,
        workspace::user_locale(&caller.user, &ws),
    )?;
    let (id, recipients) =
        db::notifications::broadcast(&state.db, b.area.as_str(), &b.title, &b.body).await?;
    let action = format!("notification.publish:{}", b.area.as_str());
    crate::server::auth::record_user(&state, &caller.ctx(), &caller.user, &action, "success").await;
    Ok((StatusCode::CREATED, Json(Published { id, recipients })))
}
