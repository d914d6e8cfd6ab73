//! Adding, renaming and removing a user's passkeys (settings, sudo mode).

use super::{
    b64url, internal, open_ceremony, parse, relying, stored_passkey, take_ceremony, user_handle,
    MAX_PER_USER, NAME_MAX, REGISTER,
};
use crate::error::AppError;
use crate::features::passkeys::types::{Ceremony, PasskeyKind};
use crate::i18n::td_string;
use crate::server::audit::{self, AuditAction, Outcome};
use crate::server::auth::sudo;
use crate::server::db::{passkeys as store, two_factor};
use crate::server::infra::context::{Auth, RequestCtx};
use crate::server::infra::state::AppState;
use crate::server::notifications::{self, SecurityEvent};
use crate::server::workspace;
use webauthn_rs::prelude::{Passkey, PasskeyRegistration, RegisterPublicKeyCredential};

/// Sudo mode: the options for `navigator.credentials.create`. Keys already
/// registered are excluded, so the same authenticator is not added twice.
pub async fn start_registration(
    state: &AppState,
    ctx: &RequestCtx,
    auth: &Auth,
) -> Result<Ceremony, AppError> {
    sudo::require(auth)?;
    let rp = relying(state, ctx)?;
    let user = &auth.user;
    // The directory signs these accounts in with its own second factor; a
    // passkey would be a way around it.
    let ws = workspace::load(&state.db).await?;
    if crate::server::two_factor::managed_by_directory(user, &ws) {
        return Err(AppError::BadRequest(
            td_string!(ctx.locale, two_factor.by_directory).to_string(),
        ));
    }
    if store::count(&state.db, &user.id).await? >= MAX_PER_USER {
        return Err(AppError::BadRequest(
            td_string!(ctx.locale, passkeys.too_many, max = MAX_PER_USER).to_string(),
        ));
    }
    let existing = store::list(&state.db, &user.id).await?;
    let exclude = existing
        .iter()
        .map(|r| stored_passkey(r).map(|p| p.cred_id().clone()))
        .collect::<Result<Vec<_>, _>>()?;
    let display = if user.display_name.trim().is_empty() {
        user.username.as_str()
    } else {
        user.display_name.as_str()
    };
    let (options, reg_state) = rp
        .start_passkey_registration(user_handle(user)?, &user.username, display, Some(exclude))
        .map_err(|e| internal(&e.to_string()))?;
    // Ask for a discoverable credential, so the key can also sign in without
    // a user name; an authenticator that cannot store one still registers.
    let mut options = serde_json::to_value(&options).map_err(|_| internal("options"))?;
    if let Some(sel) = options
        .pointer_mut("/publicKey/authenticatorSelection")
        .and_then(serde_json::Value::as_object_mut)
    {
        sel.insert("residentKey".into(), "preferred".into());
        sel.insert("requireResidentKey".into(), false.into());
    }
    open_ceremony(state, "", &user.id, REGISTER, &reg_state, &options).await
}

/// What the person sees for a key: synced (backup eligible), a hardware key
/// (USB, NFC, Bluetooth) or bound to this device.
fn kind_of(passkey: &Passkey, transports: &[String]) -> PasskeyKind {
    let cred: webauthn_rs::prelude::Credential = passkey.clone().into();
    if cred.backup_eligible {
        PasskeyKind::Synced
    } else if transports
        .iter()
        .any(|t| matches!(t.as_str(), "usb" | "nfc" | "ble"))
    {
        PasskeyKind::Hardware
    } else {
        PasskeyKind::Device
    }
}

/// A passkey's name, trimmed and checked; `fallback` when empty.
fn valid_name(ctx: &RequestCtx, name: &str, fallback: &str) -> Result<String, AppError> {
    let name = name.trim();
    let name = if name.is_empty() { fallback } else { name };
    if name.chars().count() > NAME_MAX || name.chars().any(char::is_control) {
        return Err(AppError::field(
            "name",
            td_string!(ctx.locale, passkeys.name_invalid, max = NAME_MAX).to_string(),
        ));
    }
    Ok(name.to_string())
}

/// Finishes adding a passkey. When it is the account's first second factor,
/// 2FA is on from now and the recovery codes come back, to show once.
pub async fn finish_registration(
    state: &AppState,
    ctx: &RequestCtx,
    auth: &Auth,
    ceremony: &str,
    name: &str,
    credential: &str,
) -> Result<Option<Vec<String>>, AppError> {
    sudo::require(auth)?;
    let l = ctx.locale;
    let rp = relying(state, ctx)?;
    let user = &auth.user;
    let name = valid_name(ctx, name, td_string!(l, passkeys.default_name))?;
    let reg_state: PasskeyRegistration =
        take_ceremony(state, ctx, ceremony, &user.id, REGISTER).await?;
    let response: RegisterPublicKeyCredential = parse(ctx, credential)?;
    let transports: Vec<String> = response
        .response
        .transports
        .iter()
        .flatten()
        .filter_map(|t| serde_json::to_value(t).ok())
        .filter_map(|v| v.as_str().map(str::to_string))
        .collect();
    let passkey = match rp.finish_passkey_registration(&response, &reg_state) {
        Ok(p) => p,
        Err(e) => {
            tracing::info!(error = %e, "passkey registration refused");
            audit::record(
                state,
                ctx,
                user,
                AuditAction::PasskeyAdd {
                    id: String::new(),
                    name,
                },
                Outcome::Failure,
            )
            .await;
            return Err(AppError::BadRequest(
                td_string!(l, passkeys.failed).to_string(),
            ));
        }
    };
    let kind = kind_of(&passkey, &transports);
    let saved = serde_json::to_string(&passkey).map_err(|_| internal("passkey"))?;
    let mut codes = None;
    let mut tx = state.db.begin().await?;
    // Checked and changed under the account's lock: of two registrations
    // racing, one issues the recovery codes, and the ceiling holds.
    crate::server::db::users::lock_user(&mut tx, &user.id).await?;
    let was_on = two_factor::is_enabled(&mut *tx, &user.id).await?;
    if store::count(&mut *tx, &user.id).await? >= MAX_PER_USER {
        return Err(AppError::BadRequest(
            td_string!(l, passkeys.too_many, max = MAX_PER_USER).to_string(),
        ));
    }
    let inserted = store::insert(
        &mut tx,
        &store::NewPasskey {
            user_id: &user.id,
            credential_id: &b64url(passkey.cred_id().as_ref()),
            name: &name,
            kind: kind.as_str(),
            transports: &transports.join(","),
            credential: &saved,
        },
    )
    .await;
    let id = inserted.map_err(|e| crate::server::infra::error::unique_clash(e, l))?;
    if !was_on {
        let (shown, digests) = crate::server::two_factor::new_code_set(state);
        two_factor::replace_codes(&mut tx, &user.id, &digests).await?;
        codes = Some(shown);
    }
    tx.commit().await?;
    crate::server::api::invalidate::forget_user(state, &user.id).await;
    audit::record(
        state,
        ctx,
        user,
        AuditAction::PasskeyAdd {
            id,
            name: name.clone(),
        },
        Outcome::Success,
    )
    .await;
    notifications::security_event(state, user, SecurityEvent::PasskeyAdded { name: &name }).await;
    if codes.is_some() {
        audit::record(
            state,
            ctx,
            user,
            AuditAction::TwoFactorEnabled,
            Outcome::Success,
        )
        .await;
    }
    Ok(codes)
}

pub async fn rename(
    state: &AppState,
    ctx: &RequestCtx,
    auth: &Auth,
    id: &str,
    name: &str,
) -> Result<(), AppError> {
    sudo::require(auth)?;
    let user = &auth.user;
    let name = valid_name(ctx, name, "")?;
    if name.is_empty() {
        return Err(AppError::field(
            "name",
            td_string!(ctx.locale, passkeys.name_required).to_string(),
        ));
    }
    if !store::rename(&state.db, &user.id, id, &name).await? {
        return Err(AppError::NotFound);
    }
    audit::record(
        state,
        ctx,
        user,
        AuditAction::PasskeyRename {
            id: id.to_string(),
            name,
        },
        Outcome::Success,
    )
    .await;
    Ok(())
}

/// Sudo mode: removes one of the user's passkeys. The last second factor
/// stays while the workspace mandates 2FA; removing it otherwise turns 2FA
/// off (and the recovery codes with it).
pub async fn remove(
    state: &AppState,
    ctx: &RequestCtx,
    auth: &Auth,
    id: &str,
) -> Result<(), AppError> {
    sudo::require(auth)?;
    let l = ctx.locale;
    let user = &auth.user;
    let row = store::find(&state.db, &user.id, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let mandatory = workspace::load(&state.db).await?.two_factor_mandatory;
    let mut tx = state.db.begin().await?;
    // The delete comes first and the check after it, under the account's
    // lock: turning the authenticator app off at the same moment cannot leave
    // the account without a second factor and with its recovery codes.
    crate::server::db::users::lock_user(&mut tx, &user.id).await?;
    if !store::delete(&mut tx, &user.id, id).await? {
        return Err(AppError::NotFound);
    }
    let last = !two_factor::is_enabled(&mut *tx, &user.id).await?;
    if last {
        if mandatory {
            return Err(AppError::BadRequest(
                td_string!(l, passkeys.last_mandatory).to_string(),
            ));
        }
        two_factor::delete_all(&mut tx, &user.id).await?;
    }
    tx.commit().await?;
    crate::server::api::invalidate::forget_user(state, &user.id).await;
    audit::record(
        state,
        ctx,
        user,
        AuditAction::PasskeyRemove {
            id: id.to_string(),
            name: row.name.clone(),
        },
        Outcome::Success,
    )
    .await;
    notifications::security_event(
        state,
        user,
        SecurityEvent::PasskeyRemoved { name: &row.name },
    )
    .await;
    if last {
        audit::record(
            state,
            ctx,
            user,
            AuditAction::TwoFactorDisabled,
            Outcome::Success,
        )
        .await;
        notifications::security_event(state, user, SecurityEvent::TwoFactorOff).await;
    }
    Ok(())
}
