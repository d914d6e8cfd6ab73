//! The end of an account, and taking one's data along (§10): deleting an
//! account (one's own, or someone's as an administrator) and exporting
//! everything stored about oneself as JSON.

use crate::error::AppError;
use crate::i18n::td_string;
use crate::model::Role;
use crate::server::audit::{self, Actor, AuditAction, Outcome};
use crate::server::auth::sudo;
use crate::server::db::{self, users::UserRow};
use crate::server::infra::context::{Auth, RequestCtx};
use crate::server::infra::mail;
use crate::server::infra::state::AppState;
use crate::server::workspace;
use serde_json::{json, Value};

/// How a deleted account appears in the audit log from then on.
pub fn shown_as_deleted(user_id: &str) -> String {
    // The id's random tail: its head is a timestamp (UUIDv7), shared by
    // accounts made in the same minute and telling when it was made.
    let tail: String = user_id
        .chars()
        .rev()
        .take(8)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    format!("deleted user #{tail}")
}

/// Deletes `user` — asked by `actor` (the user themself, or an
/// administrator), who typed the username to confirm. In one transaction:
/// the account and everything that belongs to it; its username and address
/// stay reserved for 30 days; its audit rows stay, the actor shown as
/// "deleted user #…". The last active administrator cannot be deleted.
/// Its address is told (a plain mail: the account is gone).
pub async fn delete(
    state: &AppState,
    ctx: &RequestCtx,
    actor: &UserRow,
    user: &UserRow,
    typed: &str,
) -> Result<(), AppError> {
    let l = ctx.locale;
    if !typed.trim().eq_ignore_ascii_case(&user.username) {
        return Err(AppError::field(
            "confirm",
            td_string!(l, account.type_username, username = &user.username).to_string(),
        ));
    }
    let by_admin = actor.id != user.id;
    if by_admin && actor.role() != Role::Admin {
        return Err(AppError::Forbidden);
    }
    let action = AuditAction::AccountDelete {
        username: user.username.clone(),
    };
    let gone = shown_as_deleted(&user.id);
    let mut tx = state.db.begin().await?;
    db::users::lock_admins(&mut tx, state.config.on_postgres()).await?;
    if !db::deleted_accounts::delete_account(&mut tx, user, &gone).await? {
        drop(tx);
        // Someone else deleted it a moment ago, or it is the last administrator.
        return Err(
            if db::users::find_by_id(&state.db, &user.id).await?.is_none() {
                AppError::NotFound
            } else {
                AppError::BadRequest(td_string!(l, admin.last_admin).to_string())
            },
        );
    }
    let by = if by_admin {
        Actor::User(actor)
    } else {
        Actor::Named(&gone)
    };
    audit::record_in(&mut tx, ctx, by, Some(&user.id), action, Outcome::Success).await?;
    tx.commit().await?;
    crate::server::api::invalidate::forget_user(state, &user.id).await;
    let ul = match workspace::load(&state.db).await {
        Ok(ws) => workspace::user_locale(user, &ws),
        Err(_) => l,
    };
    let subject = td_string!(ul, account.deleted_subject).to_string();
    let body = td_string!(ul, account.deleted_body, username = &user.username).to_string();
    if let Err(e) = mail::enqueue(&state.db, &user.email, &subject, &body).await {
        tracing::warn!(error = %e, "could not queue the deletion notice");
    }
    Ok(())
}

/// Deletes the caller's own account (sudo mode, the username typed).
pub async fn delete_own(
    state: &AppState,
    ctx: &RequestCtx,
    auth: &Auth,
    typed: &str,
) -> Result<(), AppError> {
    sudo::require(auth)?;
    delete(state, ctx, &auth.user, &auth.user, typed).await
}

/// The version of the export's format (`format` is "tessera-export").
pub const EXPORT_VERSION: u32 = 1;

/// Everything stored about the caller, as JSON (sudo mode): the account and
/// profile, addresses, preferences and notification settings, sessions,
/// the metadata of tokens and app passwords, the 2FA state, notifications
/// and the audit rows about the account. Never a secret: no password hash,
/// token digest, TOTP secret, recovery code, session id or webhook URL.
pub async fn export(state: &AppState, ctx: &RequestCtx, auth: &Auth) -> Result<String, AppError> {
    sudo::require(auth)?;
    let user = &auth.user;
    let profile = workspace::current_user(&state.db, user).await?;
    let sessions = crate::server::sessions::list(state, auth).await?;
    let tokens = crate::server::tokens::list_tokens(state, ctx, user).await?;
    let app_passwords = crate::server::app_passwords::list_app_passwords(state, ctx, user).await?;
    let two_factor = crate::server::two_factor::status(state, user).await?;
    let notification_settings = crate::server::notifications::preferences(state, user).await?;
    let slack = crate::server::notifications::slack::status(state, auth).await?;
    let notifications = db::notifications::list(&state.db, &user.id, false, 10_000).await?;
    let audit_rows = db::audit::for_target(&state.db, &user.id, None, 100_000).await?;
    let time = |t: i64| {
        chrono::DateTime::from_timestamp(t, 0)
            .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
            .unwrap_or_default()
    };
    let doc = json!({
        "format": "tessera-export",
        "version": EXPORT_VERSION,
        "exported_at": time(db::now()),
        "account": {
            "id": user.id.as_str(),
            "username": user.username,
            "role": user.role().as_str(),
            "source": user.source.as_str(),
            "created_at": time(user.created_at),
        },
        "profile": profile,
        "sessions": sessions.iter().map(|s| json!({
            "browser": s.browser, "os": s.os, "ip": s.ip, "created": s.created, "last_seen": s.last_seen,
        })).collect::<Vec<Value>>(),
        "api_tokens": tokens,
        "app_passwords": app_passwords,
        "two_factor": two_factor,
        "notification_settings": notification_settings,
        "slack": { "configured": slack.configured, "last4": slack.last4, "broken": slack.broken },
        "notifications": notifications.iter().map(|n| json!({
            "area": n.area, "title": n.title, "body": n.body, "created_at": time(n.created_at),
            "read": n.read_at.is_some(),
        })).collect::<Vec<Value>>(),
        "audit": audit_rows.iter().map(|r| {
            // An administrator's address and browser are not the owner's to
            // take along (as in the security log).
            let by_admin = r.actor_id.as_deref() != Some(user.id.as_str()) || r.outcome == "revoked_by_admin";
            json!({
                "time": time(r.created_at), "actor": r.actor_name, "action": r.action, "outcome": r.outcome,
                "ip": if by_admin { "" } else { r.ip.as_str() },
                "user_agent": if by_admin { "" } else { r.user_agent.as_str() },
                "detail": serde_json::from_str::<Value>(&r.detail).unwrap_or(Value::Null),
            })
        }).collect::<Vec<Value>>(),
    });
    audit::record(
        state,
        ctx,
        user,
        AuditAction::AccountExport,
        Outcome::Success,
    )
    .await;
    serde_json::to_string_pretty(&doc).map_err(|e| {
        tracing::error!(error = %e, "could not write an export");
        AppError::Internal {
            request_id: String::new(),
        }
    })
}
