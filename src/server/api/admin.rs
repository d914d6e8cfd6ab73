//! `/api/v1/admin…`: adapters over `server::admin` (administrators only).

use super::me::{token_dto, Token};
use super::{json_body, rfc3339, ApiError, Caller, ErrorBody};
use crate::error::AppError;
use crate::features::admin::types::AuditFilter;
use crate::server::admin;
use crate::server::audit::{self, AuditAction, Outcome};
use crate::server::db;
use crate::server::infra::context::RequestCtx;
use crate::server::infra::state::AppState;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::Json;
use http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

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

#[utoipa::path(get, path = "/api/v1/admin/users", tag = "admin",
    responses((status = 200, body = [AdminUser]), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("token" = [])))]
/// Every account (administrators only).
pub async fn admin_users(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<AdminUser>>, ApiError> {
    caller.require_admin()?;
    let users = admin::list_users(&state, &caller.user).await?;
    Ok(Json(
        users
            .iter()
            .map(|u| AdminUser {
                id: u.id.to_string(),
                username: u.username.clone(),
                email: u.email.clone(),
                role: u.role().as_str().to_string(),
                source: u.source.as_str().to_string(),
                disabled: u.is_disabled(),
                created_at: rfc3339(u.created_at),
            })
            .collect(),
    ))
}

#[utoipa::path(get, path = "/api/v1/admin/tokens", tag = "admin",
    responses((status = 200, body = [Token]), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("token" = [])))]
/// Every user's tokens with their owners (administrators only).
pub async fn admin_tokens(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<Token>>, ApiError> {
    caller.require_admin()?;
    let rows = admin::all_tokens(&state, &caller.user).await?;
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
    admin::revoke_token(&state, &caller.ctx(), &caller.user, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(post, path = "/api/v1/admin/notifications", tag = "admin", request_body = Publish,
    responses((status = 201, body = Published), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("token" = [])))]
/// Publishes a notification to every active account in an area (administrators only; audited).
pub async fn admin_publish(
    State(state): State<AppState>,
    caller: Caller,
    body: Result<Json<Publish>, JsonRejection>,
) -> Result<(StatusCode, Json<Published>), ApiError> {
    caller.require_admin()?;
    let req = json_body(body)?;
    let (id, recipients) = admin::publish(
        &state,
        &caller.ctx(),
        &caller.user,
        &req.area,
        &req.title,
        &req.body,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(Published { id, recipients })))
}

/// `GET /api/admin/audit-export?actor=…&target=…&action=…&outcome=…&from=…&to=…`:
/// the filtered audit rows as CSV, streamed page by page (never the whole
/// log in memory), for a signed-in administrator. The export is audited.
pub async fn audit_csv(
    axum::extract::State(state): axum::extract::State<AppState>,
    axum::Extension(ctx): axum::Extension<RequestCtx>,
    axum::extract::Query(f): axum::extract::Query<AuditFilter>,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let admin = match admin::require(&ctx) {
        Ok(a) => a.clone(),
        Err(e) => {
            if matches!(e, AppError::Forbidden) {
                if let Some(auth) = &ctx.auth {
                    let action = AuditAction::AdminDenied {
                        what: "audit.export".into(),
                    };
                    audit::record(&state, &ctx, &auth.user, action, Outcome::Failure).await;
                }
            }
            return ApiError::from(e).into_response();
        }
    };
    let (target_id, from, to) = match admin::audit_filter(&state, &f).await {
        Ok(v) => v,
        Err(e) => return ApiError::from(e).into_response(),
    };
    audit::record(
        &state,
        &ctx,
        &admin,
        AuditAction::AuditExport,
        Outcome::Success,
    )
    .await;
    let header = "time_utc,actor,action,target,ip,user_agent,outcome,detail\n".to_string();
    let start = (state, f, target_id, from, to, None::<String>, false);
    let rows = futures::stream::unfold(
        start,
        |(state, f, target_id, from, to, before, done)| async move {
            if done {
                return None;
            }
            let filter = db::audit::Filter {
                actor: f.actor.trim(),
                target_id: &target_id,
                action: f.action.trim(),
                outcome: f.outcome.trim(),
                from,
                to,
            };
            match db::audit::search(&state.db, &filter, before.as_deref(), 500).await {
                Err(e) => {
                    tracing::error!(error = %e, "audit export failed midway");
                    Some((
                        Err(std::io::Error::other("database error")),
                        (state, f, target_id, from, to, before, true),
                    ))
                }
                Ok(rows) if rows.is_empty() => None,
                Ok(rows) => {
                    let last = rows.last().map(|r| r.row.id.clone());
                    let full = rows.len() == 500;
                    let mut chunk = String::new();
                    for found in rows {
                        let target = found.target_name.clone();
                        let r = found.row;
                        let time = chrono::DateTime::from_timestamp(r.created_at, 0)
                            .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
                            .unwrap_or_default();
                        let target = if target.is_empty() {
                            r.target_id.unwrap_or_default()
                        } else {
                            target
                        };
                        let fields = [
                            time,
                            r.actor_name,
                            r.action,
                            target,
                            r.ip,
                            r.user_agent,
                            r.outcome,
                            r.detail,
                        ];
                        chunk.push_str(
                            &fields
                                .iter()
                                .map(|f| admin::csv_field(f))
                                .collect::<Vec<_>>()
                                .join(","),
                        );
                        chunk.push('\n');
                    }
                    Some((Ok(chunk), (state, f, target_id, from, to, last, !full)))
                }
            }
        },
    );
    let body = futures::StreamExt::chain(
        futures::stream::once(async move { Ok::<_, std::io::Error>(header) }),
        rows,
    );
    (
        [
            (http::header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                http::header::CONTENT_DISPOSITION,
                "attachment; filename=\"audit.csv\"",
            ),
        ],
        axum::body::Body::from_stream(body),
    )
        .into_response()
}
