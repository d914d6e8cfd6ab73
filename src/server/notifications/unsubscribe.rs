//! One-click unsubscribe (RFC 8058): every notification mail names a signed
//! link that turns off exactly its cell (area × email) without signing in.
//!
//! `GET /unsubscribe?t=…` is a page that asks first (link scanners fetch
//! links; a GET never changes anything). `POST /unsubscribe?t=…` turns the
//! cell off: sent by the mail program itself (`List-Unsubscribe=One-Click`
//! in the body, answered 200) or by the page's button (answered with a
//! redirect back to the page). The token is `<user>.<area>.<channel>.<mac>`
//! with an HMAC (under a key of its own, checked in constant time) that also
//! covers the address the mail went to. Security notices get no link.

use super::prefs::{preferences, set_preferences};
use crate::error::AppError;
use crate::features::notifications::types::UnsubscribeInfo;
use crate::model::{NotificationArea, NotificationChannel};
use crate::server::db::{self, users::UserRow};
use crate::server::infra::context::RequestCtx;
use crate::server::infra::state::AppState;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Extension;
use http::StatusCode;

/// What is signed: the cell and the address the mail went to, so a link
/// stops working when the account's address changes (whoever still reads
/// the old mailbox cannot change the account's settings).
fn message(user_id: &str, email: &str, area: &str, channel: &str) -> String {
    format!(
        "unsubscribe:v2:{user_id}:{area}:{channel}:{}",
        email.to_lowercase()
    )
}

/// The token of one cell of one person at `email`.
pub fn token(
    state: &AppState,
    user_id: &str,
    email: &str,
    area: NotificationArea,
    channel: NotificationChannel,
) -> String {
    let (a, c) = (area.as_str(), channel.as_str());
    let mac = state.keys.sign_link(&message(user_id, email, a, c));
    format!("{user_id}.{a}.{c}.{mac}")
}

/// The full link for a mail to `email`.
pub fn link(
    state: &AppState,
    user_id: &str,
    email: &str,
    area: NotificationArea,
    channel: NotificationChannel,
) -> String {
    format!(
        "{}/unsubscribe?t={}",
        state.config.public_url,
        token(state, user_id, email, area, channel)
    )
}

/// The account and cell a token names, if its signature holds and the
/// account still exists.
pub async fn check(
    state: &AppState,
    token: &str,
) -> Result<Option<(UserRow, NotificationArea, NotificationChannel)>, AppError> {
    let mut parts = token.split('.');
    let (Some(user_id), Some(area), Some(channel), Some(mac), None) = (
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
    ) else {
        return Ok(None);
    };
    // Security notices carry no link: turning them off takes the password.
    let (Some(area), Some(channel)) = (
        NotificationArea::parse(area).filter(|a| *a != NotificationArea::Security),
        NotificationChannel::parse(channel),
    ) else {
        return Ok(None);
    };
    let Some(user) = db::users::find_by_id(&state.db, user_id).await? else {
        return Ok(None);
    };
    let signed = message(user_id, &user.email, area.as_str(), channel.as_str());
    Ok(state
        .keys
        .check_link(&signed, mac)
        .then_some((user, area, channel)))
}

/// What the unsubscribe page shows for a token; None for a bad one.
pub async fn describe(state: &AppState, token: &str) -> Result<Option<UnsubscribeInfo>, AppError> {
    let Some((user, area, channel)) = check(state, token).await? else {
        return Ok(None);
    };
    let l = crate::server::infra::context::current_locale();
    let cells = preferences(state, &user).await?;
    let off = !cells
        .iter()
        .any(|c| c.area == area && c.channel == channel && c.enabled);
    Ok(Some(UnsubscribeInfo {
        username: user.username.clone(),
        area: super::area_name(area, l),
        off,
    }))
}

/// Turns the token's cell off (audited); false for a bad token.
pub async fn apply(state: &AppState, ctx: &RequestCtx, token: &str) -> Result<bool, AppError> {
    let Some((user, area, channel)) = check(state, token).await? else {
        return Ok(false);
    };
    // No Security cell ever gets a link (see `check`), and a cell already
    // off stays as it is, unaudited: a forwarded mail's link used again and
    // again fills nobody's security log.
    let cell = (area.as_str(), channel.as_str(), false);
    set_preferences(state, ctx, &user, false, &[cell]).await?;
    Ok(true)
}

#[derive(serde::Deserialize)]
pub struct TokenQuery {
    #[serde(default)]
    t: String,
}

/// `POST /unsubscribe?t=…`.
pub async fn post(
    State(state): State<AppState>,
    Extension(ctx): Extension<RequestCtx>,
    Query(q): Query<TokenQuery>,
    body: String,
) -> Response {
    let one_click = body.contains("List-Unsubscribe=One-Click");
    match apply(&state, &ctx, &q.t).await {
        Ok(true) if one_click => (StatusCode::OK, "Unsubscribed.").into_response(),
        Ok(true) => Redirect::to(&format!(
            "/unsubscribe?t={}&done=1",
            crate::validate::encode_component(&q.t)
        ))
        .into_response(),
        Ok(false) => (
            StatusCode::BAD_REQUEST,
            "This unsubscribe link is not valid.",
        )
            .into_response(),
        Err(e) => crate::server::api::ApiError::from(e).into_response(),
    }
}
