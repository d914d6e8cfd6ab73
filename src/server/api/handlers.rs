//! The `/api/v1` endpoints. Each is documented for the OpenAPI description
//! (see `docs`), which is generated from these annotations.

use super::{ApiError, Caller};
use crate::error::{AppError, FieldError};
use crate::server::db::{self, api_tokens, users::UserRow};
use crate::server::state::AppState;
use crate::server::{phone, timefmt, workspace};
use axum::extract::{Path, State};
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
    body: Result<Json<MePatch>, axum::extract::rejection::JsonRejection>,
) -> Result<Json<Me>, ApiError> {
    // A body that is not the JSON object described gets the API's error shape too.
    let Json(patch) = body.map_err(|r| ApiError::new(r.status(), "bad_request", r.body_text()))?;
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
    let ctx = crate::server::context::RequestCtx {
        ip: caller.ip.to_string(),
        user_agent: "REST API".into(),
        request_id: String::new(),
        auth: None,
        locale: crate::lang::Locale::en,
    };
    super::credentials::admin_revoke_token(&state, &ctx, Some(&caller.user), &id).await?;
    Ok(StatusCode::NO_CONTENT)
}
