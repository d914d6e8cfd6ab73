//! Passkeys and security keys (WebAuthn, through webauthn-rs): added in
//! settings (sudo mode), used as the second factor, as a password-less
//! sign-in (discoverable credentials) and to open sudo mode.
//!
//! Every ceremony's challenge is kept in the database (`webauthn_ceremonies`)
//! under the SHA-256 of a random id the browser holds, bound to its purpose and
//! account, taken once and within [`CEREMONY_SECS`]. The relying party is
//! `public_url`: its host is the RP id, its origin the only origin accepted.
//! A signature counter that does not move forward refuses the sign-in and is
//! audited and told to the owner as a possibly cloned key.
//!
//! Here: the ceremony store and what both halves share. `manage.rs` adds,
//! renames and removes keys; `verify.rs` checks a key's use (password-less
//! sign-in, second step, sudo mode).

mod manage;
mod verify;

pub use manage::{finish_registration, remove, rename, start_registration};
pub use verify::{
    finish_second_factor, finish_sign_in, finish_sudo, start_second_factor, start_sign_in,
    start_sudo,
};

use crate::error::AppError;
use crate::features::passkeys::types::{Ceremony, PasskeyInfo, PasskeyKind};
use crate::i18n::td_string;
use crate::server::auth::session;
use crate::server::db::{passkeys as store, users::UserRow};
use crate::server::infra::context::RequestCtx;
use crate::server::infra::state::AppState;
use base64::Engine;
use webauthn_rs::prelude::{Passkey, Uuid, Webauthn};

/// How long a ceremony waits for the browser (the browser's own dialog times
/// out sooner).
pub const CEREMONY_SECS: i64 = 300;
/// Passkeys one account may have.
pub const MAX_PER_USER: i64 = 20;
/// Password-less sign-ins open at once (server-wide), at most.
pub const MAX_OPEN_SIGN_INS: i64 = 10_000;
/// Characters in a passkey's name.
pub const NAME_MAX: usize = 64;

const REGISTER: &str = "register";
const SIGN_IN: &str = "sign_in";
const SECOND_FACTOR: &str = "second_factor";
const SUDO: &str = "sudo";

fn relying<'a>(state: &'a AppState, ctx: &RequestCtx) -> Result<&'a Webauthn, AppError> {
    state.webauthn.as_deref().ok_or_else(|| {
        AppError::BadRequest(td_string!(ctx.locale, passkeys.unavailable).to_string())
    })
}

fn internal(what: &str) -> AppError {
    tracing::error!(error = what, "passkey failure");
    AppError::Internal {
        request_id: String::new(),
    }
}

fn b64url(bytes: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// The WebAuthn user handle: the account's UUID (16 bytes, no personal data).
fn user_handle(user: &UserRow) -> Result<Uuid, AppError> {
    Uuid::parse_str(&user.id).map_err(|_| internal("user id is not a UUID"))
}

fn stored_passkey(row: &store::PasskeyRow) -> Result<Passkey, AppError> {
    serde_json::from_str(&row.credential).map_err(|_| internal("stored passkey unreadable"))
}

/// Keeps a ceremony's state; returns the id for the browser and the options.
/// `address`: the caller's throttle bucket for a sign-in, else empty.
async fn open_ceremony(
    state: &AppState,
    address: &str,
    user_id: &str,
    purpose: &str,
    server_state: &impl serde::Serialize,
    options: &impl serde::Serialize,
) -> Result<Ceremony, AppError> {
    let id = session::new_id();
    let saved = serde_json::to_string(server_state).map_err(|_| internal("state"))?;
    store::put_ceremony(
        &state.db,
        &session::hash_id(&id),
        address,
        user_id,
        purpose,
        &saved,
        CEREMONY_SECS,
    )
    .await?;
    Ok(Ceremony {
        id,
        options: serde_json::to_string(options).map_err(|_| internal("options"))?,
    })
}

/// Takes the ceremony `id` of `purpose` for `user_id`, once.
async fn take_ceremony<T: serde::de::DeserializeOwned>(
    state: &AppState,
    ctx: &RequestCtx,
    id: &str,
    user_id: &str,
    purpose: &str,
) -> Result<T, AppError> {
    let again = || AppError::BadRequest(td_string!(ctx.locale, passkeys.try_again).to_string());
    let saved = store::take_ceremony(&state.db, &session::hash_id(id), user_id, purpose)
        .await?
        .ok_or_else(again)?;
    serde_json::from_str(&saved).map_err(|_| again())
}

/// The browser's answer, as JSON; anything unreadable is the person's to retry.
fn parse<T: serde::de::DeserializeOwned>(ctx: &RequestCtx, json: &str) -> Result<T, AppError> {
    serde_json::from_str(json)
        .map_err(|_| AppError::BadRequest(td_string!(ctx.locale, passkeys.failed).to_string()))
}

/// A user's passkeys for the settings page and the API.
pub async fn list(state: &AppState, user: &UserRow) -> Result<Vec<PasskeyInfo>, AppError> {
    Ok(store::list(&state.db, &user.id)
        .await?
        .into_iter()
        .map(|r| PasskeyInfo {
            kind: PasskeyKind::parse(&r.kind),
            id: r.id,
            name: r.name,
            created_at: r.created_at,
            last_used_at: r.last_used_at,
        })
        .collect())
}

/// Whether the page can offer passkeys at all (the relying party exists).
pub fn available(state: &AppState) -> bool {
    state.webauthn.is_some()
}
