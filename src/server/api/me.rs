//! `/api/v1/me…`: the caller's own profile and tokens.

use super::{json_body, rfc3339, ApiError, Caller, ErrorBody};
use crate::server::db::{self, api_tokens, users::UserRow};
use crate::server::infra::state::AppState;
use crate::server::profile::{self, ProfileChange};
use crate::server::workspace;
use axum::extract::rejection::JsonRejection;
use axum::extract::State;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

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
            id: u.id.to_string(),
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

pub(crate) fn token_dto(
    state: &AppState,
    row: &api_tokens::TokenRow,
    owner: Option<String>,
) -> Token {
    let (at, ip) = state.last_used.newest(
        super::last_used::Kind::Token,
        &row.id,
        row.created_at,
        row.last_used_at,
        &row.last_used_ip,
    );
    Token {
        id: row.id.clone(),
        name: row.name.clone(),
        shown: row.shown.clone(),
        scope: row.scope.as_str().to_string(),
        allowed_ips: row.allowed_ips.clone(),
        created_at: rfc3339(row.created_at),
        expires_at: rfc3339(row.expires_at),
        expired: row.expires_at <= db::now(),
        last_used_at: at.map(rfc3339),
        last_used_ip: ip,
        owner,
    }
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
/// Changes profile fields, with the same rules as the profile page
/// (`server::profile::update`).
pub async fn patch_me(
    State(state): State<AppState>,
    caller: Caller,
    body: Result<Json<MePatch>, JsonRejection>,
) -> Result<Json<Me>, ApiError> {
    let p = json_body(body)?;
    let change = ProfileChange {
        first_name: p.first_name,
        last_name: p.last_name,
        display_name: p.display_name,
        contact_person: p.contact_person,
        phone: p.phone,
        time_zone: p.time_zone,
        language: p.language,
    };
    let ws = workspace::load(&state.db).await?;
    let l = workspace::user_locale(&caller.user, &ws);
    let saved = profile::update(&state, &caller.user, &change, l).await?;
    Ok(Json(Me::from_row(&saved)))
}

#[utoipa::path(get, path = "/api/v1/me/tokens", tag = "me",
    responses((status = 200, body = [Token]), (status = 401, body = ErrorBody),
        (status = 403, description = "`app_password_not_allowed`: list credentials with a token", body = ErrorBody)),
    security(("token" = [])))]
/// The caller's personal API tokens (never their values). Personal API tokens
/// only: app passwords list no credentials.
pub async fn my_tokens(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<Token>>, ApiError> {
    caller.require_not_app_password()?;
    let rows = api_tokens::list_for_user(&state.db, &caller.user.id).await?;
    Ok(Json(
        rows.iter().map(|r| token_dto(&state, r, None)).collect(),
    ))
}

/// A passkey or security key: metadata only (the public key stays on the server).
#[derive(Serialize, ToSchema)]
pub struct PasskeyDto {
    pub id: String,
    pub name: String,
    /// `synced` (a passkey synced between devices), `device` (bound to one
    /// device) or `hardware` (a security key).
    pub kind: String,
    pub created_at: String,
    /// Null: never used.
    pub last_used_at: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/me/passkeys", tag = "me",
    responses((status = 200, body = [PasskeyDto]), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("token" = []), ("app_password" = [])))]
/// The caller's passkeys and security keys.
pub async fn my_passkeys(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<PasskeyDto>>, ApiError> {
    let keys = crate::server::passkeys::list(&state, &caller.user).await?;
    Ok(Json(
        keys.into_iter()
            .map(|k| PasskeyDto {
                id: k.id,
                name: k.name,
                kind: k.kind.as_str().to_string(),
                created_at: rfc3339(k.created_at),
                last_used_at: k.last_used_at.map(rfc3339),
            })
            .collect(),
    ))
}
