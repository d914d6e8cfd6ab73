//! The REST API under `/api/v1`, for personal API tokens (`Authorization:
//! Bearer tsr_…`) and app passwords (HTTP Basic). Browser sessions do not work
//! here, and these credentials work nowhere else.
//!
//! Every refusal is JSON: `{"error":{"code":"…","message":"…"}}`.

pub mod admin;
pub mod cache;
mod caller;
pub mod docs;
pub mod invalidate;
pub mod last_used;
pub mod me;
pub mod notifications;
pub mod token;

pub use caller::{presented, Caller, Credential, Presented};

use crate::server::infra::state::AppState;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::Query;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use http::{header, HeaderValue, StatusCode};
use serde::Serialize;
use utoipa::ToSchema;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/me", get(me::get_me).patch(me::patch_me))
        .route("/api/v1/me/tokens", get(me::my_tokens))
        .route("/api/v1/me/passkeys", get(me::my_passkeys))
        .route(
            "/api/v1/me/notifications",
            get(notifications::my_notifications),
        )
        .route(
            "/api/v1/me/notifications/read",
            post(notifications::mark_notifications_read),
        )
        .route(
            "/api/v1/me/notification-preferences",
            get(notifications::my_preferences).put(notifications::put_preferences),
        )
        .route(
            "/api/v1/admin/users",
            get(admin::admin_users).post(admin::admin_create_user),
        )
        .route(
            "/api/v1/admin/users/{id}",
            axum::routing::patch(admin::admin_patch_user).delete(admin::admin_delete_user),
        )
        .route("/api/v1/admin/audit", get(admin::admin_audit))
        .route("/api/v1/admin/tokens", get(admin::admin_tokens))
        .route(
            "/api/v1/admin/tokens/{id}",
            delete(admin::admin_revoke_token),
        )
        .route("/api/v1/admin/notifications", post(admin::admin_publish))
        .route("/api/v1/openapi.json", get(docs::openapi_json))
        .route("/api/docs", get(docs::page))
        .route(
            "/api/v1/{*rest}",
            axum::routing::any(|| async {
                ApiError::new(StatusCode::NOT_FOUND, "not_found", "No such endpoint.")
            }),
        )
}

pub(crate) fn rfc3339(ts: i64) -> String {
    chrono::DateTime::<chrono::Utc>::from_timestamp(ts, 0)
        .map(|t| t.to_rfc3339())
        .unwrap_or_default()
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

/// A JSON body, or the API's error shape when it is not the object described.
pub(crate) fn json_body<T>(body: Result<Json<T>, JsonRejection>) -> Result<T, ApiError> {
    body.map(|Json(v)| v)
        .map_err(|r| ApiError::new(r.status(), "bad_request", r.body_text()))
}

/// Query parameters, or the API's error shape when they do not parse.
pub(crate) fn query_params<T>(query: Result<Query<T>, QueryRejection>) -> Result<T, ApiError> {
    query
        .map(|Query(v)| v)
        .map_err(|r| ApiError::new(r.status(), "bad_request", r.body_text()))
}

/// A refusal as the API reports it.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    /// Per-field messages for `validation` errors.
    pub fields: Vec<crate::error::FieldError>,
    /// Seconds for `Retry-After` (429 only).
    pub retry_after: Option<u64>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            code,
            message: message.into(),
            fields: Vec::new(),
            retry_after: None,
        }
    }

    fn too_many(retry_after_secs: u64) -> ApiError {
        ApiError {
            retry_after: Some(retry_after_secs),
            ..ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "too_many_requests",
                format!(
                    "Too many failed attempts from your address. Try again in {retry_after_secs} seconds."
                ),
            )
        }
    }

    fn unauthorized() -> ApiError {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "Missing, malformed, unknown or expired credential.",
        )
    }
}

impl From<crate::error::AppError> for ApiError {
    fn from(e: crate::error::AppError) -> ApiError {
        use crate::error::AppError as E;
        // The id the operator finds the cause under (it is also the response's
        // X-Request-Id).
        let e = match e {
            E::Internal { request_id } if request_id.is_empty() => E::Internal {
                request_id: crate::server::infra::context::task_request_id(),
            },
            other => other,
        };
        let message = e.text(crate::lang::Locale::en);
        match e {
            E::Validation(fields) => ApiError {
                status: StatusCode::UNPROCESSABLE_ENTITY,
                code: "validation",
                message,
                fields,
                retry_after: None,
            },
            E::TooManyRequests {
                retry_after_secs, ..
            } => ApiError::too_many(retry_after_secs),
            E::NotFound => ApiError::new(StatusCode::NOT_FOUND, "not_found", message),
            E::Forbidden => ApiError::new(StatusCode::FORBIDDEN, "forbidden", message),
            E::Unavailable => {
                ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "unavailable", message)
            }
            E::BadRequest(_) | E::Malformed => {
                ApiError::new(StatusCode::BAD_REQUEST, "bad_request", message)
            }
            other => ApiError::new(
                StatusCode::from_u16(other.status_code())
                    .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
                "error",
                message,
            ),
        }
    }
}

impl From<sqlx::Error> for ApiError {
    fn from(e: sqlx::Error) -> ApiError {
        crate::error::AppError::from(e).into()
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut error = serde_json::json!({ "code": self.code, "message": self.message });
        if !self.fields.is_empty() {
            error["fields"] = serde_json::json!(self
                .fields
                .iter()
                .map(|f| serde_json::json!({ "field": f.field, "message": f.message }))
                .collect::<Vec<_>>());
        }
        let mut res = (self.status, Json(serde_json::json!({ "error": error }))).into_response();
        if let Some(secs) = self.retry_after {
            res.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        if self.status == StatusCode::UNAUTHORIZED {
            res.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static(r#"Bearer realm="tessera", Basic realm="tessera""#),
            );
        }
        res
    }
}
