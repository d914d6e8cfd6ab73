//! The REST API under `/api/v1`, for personal API tokens (`Authorization:
//! Bearer tsr_…`) and app passwords (HTTP Basic). Browser sessions do not work
//! here, and these credentials work nowhere else.
//!
//! Every refusal is JSON: `{"error":{"code":"…","message":"…"}}`.

pub mod admin;
pub mod cache;
pub mod docs;
pub mod last_used;
pub mod me;
pub mod notifications;
pub mod token;

use crate::server::db::{self, api_tokens, users::UserRow};
use crate::server::infra::state::AppState;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::Query;
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use base64::Engine;
use http::{header, HeaderValue, Method, StatusCode};
use last_used::Kind;
use serde::Serialize;
use std::net::{IpAddr, SocketAddr};
use utoipa::ToSchema;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/me", get(me::get_me).patch(me::patch_me))
        .route("/api/v1/me/tokens", get(me::my_tokens))
        .route(
            "/api/v1/me/notifications",
            get(notifications::my_notifications),
        )
        .route(
            "/api/v1/me/notifications/read",
            post(notifications::mark_notifications_read),
        )
        .route("/api/v1/admin/users", get(admin::admin_users))
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
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            code,
            message: message.into(),
            fields: Vec::new(),
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
        let message = e.text(crate::lang::Locale::en);
        match e {
            E::Validation(fields) => ApiError {
                status: StatusCode::UNPROCESSABLE_ENTITY,
                code: "validation",
                message,
                fields,
            },
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
        if self.status == StatusCode::UNAUTHORIZED {
            res.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static(r#"Bearer realm="tessera", Basic realm="tessera""#),
            );
        }
        res
    }
}

/// How the caller proved who they are.
#[derive(Clone, Debug)]
pub enum Credential {
    Token { id: String, read_only: bool },
    AppPassword { id: String },
}

/// An authenticated API caller. Extracting it checks the credential, its expiry,
/// the IP allowlist and (for read-only tokens) the method.
#[derive(Clone, Debug)]
pub struct Caller {
    pub user: UserRow,
    pub credential: Credential,
    pub ip: IpAddr,
}

impl Caller {
    /// The request as audit rows record it (`REST API` as the user agent).
    pub fn ctx(&self) -> crate::server::infra::context::RequestCtx {
        crate::server::infra::context::RequestCtx {
            ip: self.ip.to_string(),
            user_agent: "REST API".into(),
            request_id: String::new(),
            auth: None,
            locale: crate::lang::Locale::en,
        }
    }

    /// The caller is an administrator (`server::admin::require_user`), or 403.
    pub fn require_admin(&self) -> Result<(), ApiError> {
        crate::server::admin::require_user(&self.user)
            .map_err(|_| ApiError::new(StatusCode::FORBIDDEN, "forbidden", "Administrators only."))
    }

    /// App passwords never manage credentials (tokens, app passwords, 2FA).
    pub fn require_not_app_password(&self) -> Result<(), ApiError> {
        match self.credential {
            Credential::AppPassword { .. } => Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "app_password_not_allowed",
                "App passwords cannot manage credentials; use a personal API token.",
            )),
            Credential::Token { .. } => Ok(()),
        }
    }
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Caller, ApiError> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map_or(IpAddr::from([127, 0, 0, 1]), |c| c.0.ip());
        let ip = crate::server::infra::net::client_ip(
            peer,
            &parts.headers,
            &state.config.trusted_proxies,
        );
        let auth = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        let verified = if let Some(value) = auth.strip_prefix("Bearer ") {
            by_token(state, value.trim()).await?
        } else if let Some(encoded) = auth.strip_prefix("Basic ") {
            by_app_password(state, encoded.trim()).await?
        } else {
            return Err(ApiError::unauthorized());
        };
        if verified.expires_at.is_some_and(|at| at <= db::now()) || verified.user.is_disabled() {
            return Err(ApiError::unauthorized());
        }
        if !crate::server::infra::net::allows(&verified.allowed, ip) {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "ip_not_allowed",
                "This token may not be used from your address.",
            ));
        }
        let caller = Caller {
            user: verified.user,
            credential: verified.credential,
            ip,
        };
        if let Credential::Token {
            read_only: true, ..
        } = caller.credential
        {
            if !matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS) {
                return Err(ApiError::new(
                    StatusCode::FORBIDDEN,
                    "read_only_token",
                    "This token is read-only.",
                ));
            }
        }
        let (kind, id) = match &caller.credential {
            Credential::Token { id, .. } => (Kind::Token, id),
            Credential::AppPassword { id } => (Kind::AppPassword, id),
        };
        state.last_used.record(kind, id, &ip.to_string());
        Ok(caller)
    }
}

async fn by_token(state: &AppState, value: &str) -> Result<cache::Verified, ApiError> {
    // Shape and checksum first: typos and invented values cost no lookup.
    if !token::is_well_formed(value) {
        return Err(ApiError::unauthorized());
    }
    let digest = token::digest(value);
    let key = format!("t:{digest}");
    if let Some(hit) = state.auth_cache.get(&key) {
        return Ok(hit);
    }
    let row = api_tokens::find_by_digest(&state.db, &digest)
        .await?
        .ok_or_else(ApiError::unauthorized)?;
    let verified = cache::Verified {
        user: live_user(state, &row.user_id).await?,
        allowed: crate::server::infra::net::parse_list(&row.allowed_ips).unwrap_or_default(),
        expires_at: Some(row.expires_at),
        credential: Credential::Token {
            read_only: row.scope == crate::model::TokenScope::Read,
            id: row.id,
        },
    };
    state.auth_cache.put(key, verified.clone());
    Ok(verified)
}

async fn by_app_password(state: &AppState, encoded: &str) -> Result<cache::Verified, ApiError> {
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded)
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .ok_or_else(ApiError::unauthorized)?;
    let (username, password) = decoded.split_once(':').ok_or_else(ApiError::unauthorized)?;
    let digest = token::digest(&crate::server::app_passwords::normalise_app_password(
        password,
    ));
    let key = format!("b:{}:{digest}", username.to_lowercase());
    if let Some(hit) = state.auth_cache.get(&key) {
        return Ok(hit);
    }
    let user = db::users::find_by_username(&state.db, username)
        .await?
        .filter(|u| !u.is_disabled())
        .ok_or_else(ApiError::unauthorized)?;
    let row = api_tokens::find_app_password(&state.db, &user.id, &digest)
        .await?
        .ok_or_else(ApiError::unauthorized)?;
    let verified = cache::Verified {
        user,
        credential: Credential::AppPassword { id: row.id },
        allowed: Vec::new(),
        expires_at: None,
    };
    state.auth_cache.put(key, verified.clone());
    Ok(verified)
}

async fn live_user(state: &AppState, id: &str) -> Result<UserRow, ApiError> {
    db::users::find_by_id(&state.db, id)
        .await?
        .filter(|u| !u.is_disabled())
        .ok_or_else(ApiError::unauthorized)
}
