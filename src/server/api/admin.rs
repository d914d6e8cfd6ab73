//! `/api/v1/admin…`: adapters over `server::admin` (administrators only).

use super::me::{token_dto, Token};
use super::{json_body, ApiError, Caller, ErrorBody};
use crate::error::AppError;
use crate::features::admin::types::{AdminUserRow, AuditFilter, NewAccount, UserPage, UserQuery};
use crate::features::tokens::types::AdminTokenQuery;
use crate::server::admin;
use crate::server::audit::{self, AuditAction, Outcome};
use crate::server::db;
use crate::server::infra::context::RequestCtx;
use crate::server::infra::state::AppState;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::Json;
use http::{HeaderMap, HeaderValue, StatusCode};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The page of `GET /api/v1/admin/users` (its search, filters and sort are
/// the Users page's [`UserQuery`]).
#[derive(Deserialize, utoipa::IntoParams, Default)]
pub struct UsersAfter {
    /// The `next` of the previous page (`cursor=` works too).
    #[serde(alias = "cursor")]
    pub after: Option<String>,
}

/// What to change about an account; absent fields stay.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PatchUser {
    /// `admin` or `user`.
    pub role: Option<String>,
    pub disabled: Option<bool>,
}

/// A notification to publish to everyone.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Publish {
    /// `compliance`, `policies`, `rapid_response`, `alerts` or `security`.
    #[schema(pattern = r"^\s*(compliance|policies|rapid_response|alerts|security)\s*$")]
    pub area: String,
    /// 1–200 characters, not only spaces.
    #[schema(min_length = 1, max_length = 200, pattern = r"\S")]
    pub title: String,
    /// Up to 4,000 characters.
    #[serde(default)]
    #[schema(max_length = 4000)]
    pub body: String,
}

/// What a broadcast reached.
#[derive(Serialize, ToSchema)]
pub struct Published {
    pub id: String,
    pub recipients: u64,
}

#[utoipa::path(get, path = "/api/v1/admin/users", tag = "admin", params(UserQuery, UsersAfter),
    responses((status = 200, body = UserPage), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("token" = [])))]
/// Accounts, 50 a page: search, filters and sort as on the Users page (administrators only).
pub async fn admin_users(
    State(state): State<AppState>,
    caller: Caller,
    query: Result<axum::extract::Query<UserQuery>, axum::extract::rejection::QueryRejection>,
    after: Result<axum::extract::Query<UsersAfter>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<UserPage>, ApiError> {
    caller.require_admin(&state).await?;
    let filter = super::query_params(query)?;
    let after = super::query_params(after)?.after;
    let page = admin::list_users_page(&state, &caller.user, &filter, after.as_deref()).await?;
    Ok(Json(page))
}

#[utoipa::path(post, path = "/api/v1/admin/users", tag = "admin", request_body = NewAccount,
    responses((status = 201, body = AdminUserRow), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("token" = [])))]
/// Creates an account; a local one is mailed a link to set its own password
/// (administrators with a read-write token; audited).
pub async fn admin_create_user(
    State(state): State<AppState>,
    caller: Caller,
    body: Result<Json<NewAccount>, JsonRejection>,
) -> Result<(StatusCode, Json<AdminUserRow>), ApiError> {
    caller.require_admin(&state).await?;
    caller.require_not_app_password()?;
    let new = json_body(body)?;
    let made = admin::create_account(&state, &caller.ctx(), &caller.user, &new).await?;
    Ok((StatusCode::CREATED, Json(made)))
}

#[utoipa::path(patch, path = "/api/v1/admin/users/{id}", tag = "admin", request_body = PatchUser,
    params(("id" = String, Path, description = "The account's id")),
    responses((status = 204, description = "Changed"), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("token" = [])))]
/// Changes an account's role and/or disables or enables it (administrators
/// with a read-write token; audited; the owner is told). The last active
/// administrator cannot be demoted or disabled.
pub async fn admin_patch_user(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    body: Result<Json<PatchUser>, JsonRejection>,
) -> Result<StatusCode, ApiError> {
    caller.require_admin(&state).await?;
    caller.require_not_app_password()?;
    let req = json_body(body)?;
    let ctx = caller.ctx();
    match req.role.as_deref() {
        None => {}
        Some("admin") => admin::set_role(&state, &ctx, &caller.user, &id, true).await?,
        Some("user") => admin::set_role(&state, &ctx, &caller.user, &id, false).await?,
        Some(_) => {
            return Err(ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "validation",
                "\"role\" is \"admin\" or \"user\".",
            ))
        }
    }
    if let Some(disabled) = req.disabled {
        admin::set_disabled(&state, &ctx, &caller.user, &id, disabled).await?;
    }
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(delete, path = "/api/v1/admin/users/{id}", tag = "admin",
    params(("id" = String, Path, description = "The account's id"),
        ("confirm" = String, Query, description = "The account's username, to confirm")),
    responses((status = 204, description = "Deleted"), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)),
    security(("token" = [])))]
/// Deletes an account with everything that belongs to it; its username and
/// address stay reserved for 30 days and its audit rows stay (administrators
/// with a read-write token; `?confirm=<username>`; audited).
pub async fn admin_delete_user(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    query: Result<axum::extract::Query<ConfirmQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<StatusCode, ApiError> {
    caller.require_admin(&state).await?;
    caller.require_not_app_password()?;
    let q = super::query_params(query)?;
    // One's own account goes only from the Account page, with the password.
    if caller.user.id.as_str() == id {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            "Delete your own account on the Account page, with your password.",
        ));
    }
    admin::delete_user(&state, &caller.ctx(), &caller.user, &id, &q.confirm).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `?confirm=<username>` of a deletion.
#[derive(Deserialize, Default)]
pub struct ConfirmQuery {
    #[serde(default)]
    pub confirm: String,
}

/// Filters and page of `GET /api/v1/admin/audit`.
#[derive(Deserialize, utoipa::IntoParams, Default)]
pub struct AuditQuery {
    /// The actor's username.
    #[serde(default)]
    pub actor: String,
    /// The account concerned: its username (or id, for a deleted account).
    #[serde(default)]
    pub target: String,
    /// An action name such as `auth.sign_in`.
    #[serde(default)]
    pub action: String,
    /// `success`, `failure`, …
    #[serde(default)]
    pub outcome: String,
    /// First day, `YYYY-MM-DD` (UTC).
    #[serde(default)]
    pub from: String,
    /// Last day, `YYYY-MM-DD` (UTC).
    #[serde(default)]
    pub to: String,
    /// The `older` of the previous page.
    pub before: Option<String>,
}

/// An audit row.
#[derive(Serialize, ToSchema)]
pub struct AuditRow {
    pub id: String,
    pub time: String,
    pub actor: String,
    pub action: String,
    pub target: String,
    pub ip: String,
    pub user_agent: String,
    pub outcome: String,
    /// The action's detail as JSON text.
    pub detail: String,
}

/// A page of audit rows, newest first, and the cursor of the next (older) one.
#[derive(Serialize, ToSchema)]
pub struct AuditRows {
    pub entries: Vec<AuditRow>,
    pub older: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/admin/audit", tag = "admin", params(AuditQuery),
    responses((status = 200, body = AuditRows), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("token" = [])))]
/// The audit log, 50 rows a page, newest first, with the Audit log page's filters
/// (administrators only).
pub async fn admin_audit(
    State(state): State<AppState>,
    caller: Caller,
    query: Result<axum::extract::Query<AuditQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<AuditRows>, ApiError> {
    caller.require_admin(&state).await?;
    let q = super::query_params(query)?;
    let filter = AuditFilter {
        actor: q.actor,
        target: q.target,
        action: q.action,
        outcome: q.outcome,
        from: q.from,
        to: q.to,
    };
    let page = admin::audit_page(&state, &caller.user, &filter, q.before.as_deref()).await?;
    Ok(Json(AuditRows {
        entries: page
            .entries
            .into_iter()
            .map(|e| AuditRow {
                id: e.id,
                time: e.utc,
                actor: e.actor,
                action: e.action,
                target: e.target,
                ip: e.ip,
                user_agent: e.user_agent,
                outcome: e.outcome,
                detail: e.detail,
            })
            .collect(),
        older: page.older,
    }))
}

/// Where a page of `GET /api/v1/admin/tokens` starts.
#[derive(Deserialize, utoipa::IntoParams)]
pub struct TokensCursor {
    /// From the `Link: <…>; rel="next"` header of the previous page.
    pub cursor: Option<String>,
}

/// Tokens a page of `GET /api/v1/admin/tokens`.
const TOKENS_PER_PAGE: i64 = 100;

#[utoipa::path(get, path = "/api/v1/admin/tokens", tag = "admin", params(AdminTokenQuery, TokensCursor),
    responses((status = 200, body = [Token],
        headers(("Link" = String, description = "`<…?cursor=…>; rel=\"next\"` while more pages follow"))),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("token" = [])))]
/// Every user's tokens with their owners, newest first, 100 a page
/// (administrators only): `owner` (part of the username) and `state`
/// (`expired` or `idle`, unused for 90 days) filter them.
pub async fn admin_tokens(
    State(state): State<AppState>,
    caller: Caller,
    query: Result<axum::extract::Query<AdminTokenQuery>, axum::extract::rejection::QueryRejection>,
    cursor: Result<axum::extract::Query<TokensCursor>, axum::extract::rejection::QueryRejection>,
) -> Result<(HeaderMap, Json<Vec<Token>>), ApiError> {
    caller.require_admin(&state).await?;
    let q = super::query_params(query)?;
    let cursor = super::query_params(cursor)?.cursor;
    let (rows, next) =
        admin::all_tokens(&state, &caller.user, &q, cursor.as_deref(), TOKENS_PER_PAGE).await?;
    let mut headers = HeaderMap::new();
    if let Some(next) = next {
        let mut query = form_urlencoded::Serializer::new(String::new());
        for (k, v) in [("owner", &q.owner), ("state", &q.state), ("cursor", &next)] {
            if !v.is_empty() {
                query.append_pair(k, v);
            }
        }
        let query = query.finish();
        if let Ok(link) =
            HeaderValue::from_str(&format!("</api/v1/admin/tokens?{query}>; rel=\"next\""))
        {
            headers.insert(axum::http::header::LINK, link);
        }
    }
    let tokens = rows
        .iter()
        .map(|(r, owner)| token_dto(&state, r, Some(owner.clone())))
        .collect();
    Ok((headers, Json(tokens)))
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
    caller.require_admin(&state).await?;
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
    caller.require_admin(&state).await?;
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
                        what: "admin/audit-export".into(),
                    };
                    audit::record(&state, &ctx, &auth.user, action, Outcome::Failure).await;
                }
            }
            return ApiError::from(e).into_response();
        }
    };
    let selection = match admin::audit_filter(&state, &f).await {
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
    let header = admin::audit_log::CSV_HEADER.to_string();
    // Page by page (500 rows, keyset), each page one chunk of the body.
    const CHUNK: i64 = 500;
    let rows = futures::stream::unfold(
        (state, selection, None::<String>, false),
        |(state, selection, before, done)| async move {
            if done {
                return None;
            }
            match db::audit::search(&state.db, &selection.filter(), before.as_deref(), CHUNK).await
            {
                Err(e) => {
                    tracing::error!(error = %e, "audit export failed midway");
                    Some((
                        Err(std::io::Error::other("database error")),
                        (state, selection, before, true),
                    ))
                }
                Ok(rows) if rows.is_empty() => None,
                Ok(rows) => {
                    let last = rows.last().map(|r| r.row.id.clone());
                    let full = rows.len() == usize::try_from(CHUNK).unwrap_or(0);
                    let chunk: String = rows.into_iter().map(admin::audit_log::csv_row).collect();
                    Some((Ok(chunk), (state, selection, last, !full)))
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
