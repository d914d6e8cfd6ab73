//! The audit trail: every security-relevant action as data.
//!
//! An entry names its action by a stable string (the database's `action` column,
//! never reworded: filters and old rows depend on it), who acted (`actor_id`,
//! `actor_name`, kept as text so the entry reads well after the account is gone),
//! whom it concerned (`target_id`), the outcome, and structured detail as JSON in
//! `detail`. Services call [`record`]; nothing else writes `audit_log`.

use crate::features::security_log::types::{SecurityLogEntry, SecurityLogPage};
use crate::server::db::{self, users::UserRow};
use crate::server::infra::context::RequestCtx;
use crate::server::infra::state::AppState;
use serde_json::{json, Value};

/// What happened. Variants carry what an auditor needs to know; never a secret.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AuditAction {
    SignIn,
    /// Password right, a second factor is needed next.
    PasswordOk,
    SignOut,
    /// Sudo mode: the password (or a code) entered again.
    Reauthenticate,
    /// The second step of signing in.
    SecondFactor,
    PasswordChange,
    PasswordResetRequested,
    PasswordReset,
    SessionRevoke,
    SessionRevokeOthers {
        count: u64,
    },
    TwoFactorEnrolStarted,
    /// A code tried to finish enrolment.
    TwoFactorEnable,
    TwoFactorEnabled,
    RecoveryCodesRegenerated,
    /// A code tried to turn 2FA off.
    TwoFactorDisable,
    TwoFactorDisabled,
    RecoveryCodeUsed,
    /// An administrator (or the operator) removed someone's 2FA.
    TwoFactorReset {
        username: String,
    },
    PasskeyAdd {
        id: String,
        name: String,
    },
    PasskeyRename {
        id: String,
        name: String,
    },
    PasskeyRemove {
        id: String,
        name: String,
    },
    /// A passkey signed in, passed the second step or opened sudo mode
    /// (`purpose`: sign_in, second_factor, sudo).
    PasskeyUse {
        id: String,
        name: String,
        purpose: String,
    },
    /// A passkey's signature counter did not move forward: possibly cloned.
    PasskeyCloned {
        id: String,
        name: String,
    },
    EmailChangeRequested,
    EmailChanged,
    RecoveryEmailChanged,
    /// A new recovery address waits for its confirmation link.
    RecoveryEmailRequested,
    /// A cell of the notification matrix changed.
    NotificationPreference {
        area: String,
        channel: String,
        enabled: bool,
    },
    /// A Slack webhook was set (or replaced); only its last 4 characters.
    SlackWebhookSet {
        last4: String,
    },
    SlackWebhookRemove,
    AvatarChange,
    AvatarRemove,
    TokenCreate {
        token_id: String,
        name: String,
    },
    TokenRegenerate {
        token_id: String,
        name: String,
    },
    TokenDelete {
        token_id: String,
        name: String,
    },
    /// An administrator revoked someone's token.
    TokenAdminRevoke {
        token_id: String,
        name: String,
        owner: String,
    },
    /// An administrator revoked someone's app password.
    AppPasswordAdminRevoke {
        id: String,
        name: String,
        owner: String,
    },
    AppPasswordCreate {
        id: String,
        name: String,
    },
    AppPasswordRevoke {
        id: String,
        name: String,
    },
    /// A workspace setting changed.
    /// A signed-in non-administrator asked for an admin page or action.
    AdminDenied {
        what: String,
    },
    /// An administrator downloaded the audit log as CSV.
    AuditExport,
    /// An account was deleted (by its owner or an administrator).
    AccountDelete {
        username: String,
    },
    /// Someone downloaded everything stored about them.
    AccountExport,
    UserRoleChange {
        username: String,
        role: String,
    },
    UserDisable {
        username: String,
        disabled: bool,
    },
    UserSignedOut {
        username: String,
        count: u64,
    },
    UserResetLinkSent {
        username: String,
    },
    UserCreate {
        username: String,
        role: String,
    },
    SettingChanged {
        key: String,
        value: String,
    },
    NotificationPublish {
        area: String,
        notification_id: String,
        recipients: u64,
    },
}

impl AuditAction {
    /// The stable name stored in `audit_log.action`.
    pub fn name(&self) -> &'static str {
        use AuditAction as A;
        match self {
            A::SignIn => "auth.sign_in",
            A::PasswordOk => "auth.password_ok",
            A::SignOut => "auth.sign_out",
            A::Reauthenticate => "auth.reauthenticate",
            A::SecondFactor => "auth.two_factor",
            A::PasswordChange => "password.change",
            A::PasswordResetRequested => "password.reset_requested",
            A::PasswordReset => "password.reset",
            A::SessionRevoke => "session.revoke",
            A::SessionRevokeOthers { .. } => "session.revoke_others",
            A::TwoFactorEnrolStarted => "2fa.enrol_started",
            A::TwoFactorEnable => "2fa.enable",
            A::TwoFactorEnabled => "2fa.enabled",
            A::RecoveryCodesRegenerated => "2fa.recovery_codes_regenerated",
            A::TwoFactorDisable => "2fa.disable",
            A::TwoFactorDisabled => "2fa.disabled",
            A::RecoveryCodeUsed => "2fa.recovery_code_used",
            A::TwoFactorReset { .. } => "2fa.reset",
            A::PasskeyAdd { .. } => "passkey.add",
            A::PasskeyRename { .. } => "passkey.rename",
            A::PasskeyRemove { .. } => "passkey.remove",
            A::PasskeyUse { .. } => "passkey.use",
            A::PasskeyCloned { .. } => "passkey.cloned",
            A::EmailChangeRequested => "email.change_requested",
            A::EmailChanged => "email.changed",
            A::RecoveryEmailChanged => "email.recovery_changed",
            A::RecoveryEmailRequested => "email.recovery_requested",
            A::NotificationPreference { .. } => "notifications.preference",
            A::SlackWebhookSet { .. } => "notifications.slack_set",
            A::SlackWebhookRemove => "notifications.slack_remove",
            A::AvatarChange => "avatar.change",
            A::AvatarRemove => "avatar.remove",
            A::TokenCreate { .. } => "token.create",
            A::TokenRegenerate { .. } => "token.regenerate",
            A::TokenDelete { .. } => "token.delete",
            A::TokenAdminRevoke { .. } => "token.admin_revoke",
            A::AppPasswordAdminRevoke { .. } => "app_password.admin_revoke",
            A::AppPasswordCreate { .. } => "app_password.create",
            A::AppPasswordRevoke { .. } => "app_password.revoke",
            A::SettingChanged { .. } => "settings.change",
            A::AdminDenied { .. } => "admin.denied",
            A::AuditExport => "audit.export",
            A::AccountDelete { .. } => "account.delete",
            A::AccountExport => "account.export",
            A::UserRoleChange { .. } => "user.role",
            A::UserDisable { .. } => "user.disable",
            A::UserSignedOut { .. } => "user.signed_out",
            A::UserResetLinkSent { .. } => "user.reset_link",
            A::UserCreate { .. } => "user.create",
            A::NotificationPublish { .. } => "notification.publish",
        }
    }

    /// The structured detail stored in `audit_log.detail` (JSON; `{}` when none).
    pub fn detail(&self) -> Value {
        use AuditAction as A;
        match self {
            A::SessionRevokeOthers { count } => json!({ "count": count }),
            A::TwoFactorReset { username } => json!({ "username": username }),
            A::TokenCreate { token_id, name }
            | A::TokenRegenerate { token_id, name }
            | A::TokenDelete { token_id, name } => json!({ "token_id": token_id, "name": name }),
            A::TokenAdminRevoke {
                token_id,
                name,
                owner,
            } => json!({ "token_id": token_id, "name": name, "owner": owner }),
            A::AppPasswordAdminRevoke { id, name, owner } => {
                json!({ "id": id, "name": name, "owner": owner })
            }
            A::AppPasswordCreate { id, name } | A::AppPasswordRevoke { id, name } => {
                json!({ "app_password_id": id, "name": name })
            }
            A::PasskeyAdd { id, name }
            | A::PasskeyRename { id, name }
            | A::PasskeyRemove { id, name }
            | A::PasskeyCloned { id, name } => json!({ "passkey_id": id, "name": name }),
            A::PasskeyUse { id, name, purpose } => {
                json!({ "passkey_id": id, "name": name, "purpose": purpose })
            }
            A::SettingChanged { key, value } => json!({ "key": key, "value": value }),
            A::AdminDenied { what } => json!({ "what": what }),
            A::UserRoleChange { username, role } | A::UserCreate { username, role } => {
                json!({ "username": username, "role": role })
            }
            A::UserDisable { username, disabled } => {
                json!({ "username": username, "disabled": disabled })
            }
            A::UserSignedOut { username, count } => json!({ "username": username, "count": count }),
            A::UserResetLinkSent { username } | A::AccountDelete { username } => {
                json!({ "username": username })
            }
            A::NotificationPreference {
                area,
                channel,
                enabled,
            } => json!({ "area": area, "channel": channel, "enabled": enabled }),
            A::SlackWebhookSet { last4 } => json!({ "last4": last4 }),
            A::NotificationPublish {
                area,
                notification_id,
                recipients,
            } => {
                json!({ "area": area, "notification_id": notification_id, "recipients": recipients })
            }
            _ => json!({}),
        }
    }
}

/// How it ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    Success,
    Failure,
    Throttled,
    SecondFactorNeeded,
    /// Nothing to do (e.g. resetting 2FA that was off).
    Noop,
    /// The owner's copy of an administrator's action on their credential.
    RevokedByAdmin,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Success => "success",
            Outcome::Failure => "failure",
            Outcome::Throttled => "throttled",
            Outcome::SecondFactorNeeded => "second_factor_needed",
            Outcome::Noop => "noop",
            Outcome::RevokedByAdmin => "revoked_by_admin",
        }
    }
}

/// Who acted: a known account, a name only (the operator's command line), or
/// someone who typed a login that matches no account.
#[derive(Clone, Copy, Debug)]
pub enum Actor<'a> {
    User(&'a UserRow),
    Named(&'a str),
    /// The typed login matched no account. It is used as a throttle key but
    /// never stored: people type passwords into the login field by mistake.
    Unknown(&'a str),
}

/// How an unknown login appears in the audit log.
pub const UNKNOWN_ACTOR: &str = "(unknown account)";

impl<'a> From<&'a UserRow> for Actor<'a> {
    fn from(u: &'a UserRow) -> Self {
        Actor::User(u)
    }
}

/// Writes an entry about the actor's own account (the common case).
pub async fn record<'a>(
    state: &AppState,
    ctx: &RequestCtx,
    actor: impl Into<Actor<'a>>,
    action: AuditAction,
    outcome: Outcome,
) {
    let actor = actor.into();
    let target = match actor {
        Actor::User(u) => Some(u.id.as_str()),
        Actor::Named(_) | Actor::Unknown(_) => None,
    };
    record_on(state, ctx, actor, target, action, outcome).await;
}

/// Writes an entry about `target`'s account (an administrator's action on
/// someone else). A failure to audit is logged but does not fail the action.
pub async fn record_on(
    state: &AppState,
    ctx: &RequestCtx,
    actor: Actor<'_>,
    target: Option<&str>,
    action: AuditAction,
    outcome: Outcome,
) {
    if let Err(e) = write(&state.db, ctx, actor, target, &action, outcome).await {
        tracing::error!(error = %e, action = action.name(), "could not write audit entry");
    }
}

/// [`record_on`] inside `tx`, for changes that must not happen unaudited:
/// the entry is committed with the change it records, or neither is.
pub async fn record_in(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    ctx: &RequestCtx,
    actor: Actor<'_>,
    target: Option<&str>,
    action: AuditAction,
    outcome: Outcome,
) -> Result<(), sqlx::Error> {
    write(&mut **tx, ctx, actor, target, &action, outcome).await
}

async fn write<'e, E>(
    db: E,
    ctx: &RequestCtx,
    actor: Actor<'_>,
    target: Option<&str>,
    action: &AuditAction,
    outcome: Outcome,
) -> Result<(), sqlx::Error>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let (actor_id, actor_name) = match actor {
        Actor::User(u) => (Some(u.id.as_str()), u.username.as_str()),
        Actor::Named(n) => (None, n),
        Actor::Unknown(_) => (None, UNKNOWN_ACTOR),
    };
    let detail = action.detail().to_string();
    let entry = db::audit::Entry {
        actor_id,
        actor_name,
        target_id: target,
        action: action.name(),
        outcome: outcome.as_str(),
        ip: &ctx.ip,
        user_agent: &ctx.user_agent,
        detail: &detail,
    };
    db::audit::insert(db, &entry).await
}

/// Entries per page of a security log.
const LOG_PAGE: i64 = 50;

/// A page of `user`'s own security log: every entry about their account,
/// newest first, times in their zone and language, the device as browser
/// and system. `before` is the previous page's `older` cursor.
pub async fn security_log(
    state: &AppState,
    user: &UserRow,
    before: Option<&str>,
) -> Result<SecurityLogPage, crate::error::AppError> {
    let l = crate::server::infra::context::current_locale();
    let rows = db::audit::for_target(&state.db, &user.id, before, LOG_PAGE + 1).await?;
    let (rows, older) = db::select::split_page(rows, LOG_PAGE, |r| r.id.clone());
    let entries = rows
        .into_iter()
        .map(|r| {
            // An administrator's action on the account: their address and
            // device are theirs, not the owner's, and not the owner's to see.
            let by_admin =
                r.actor_id.as_deref() != Some(user.id.as_str()) || r.outcome == "revoked_by_admin";
            let (browser, os) = if by_admin {
                (String::new(), String::new())
            } else {
                crate::server::infra::user_agent::describe(&r.user_agent)
            };
            let ip = if by_admin {
                String::new()
            } else {
                r.ip.clone()
            };
            SecurityLogEntry {
                when: crate::server::infra::timefmt::format(r.created_at, &user.time_zone, l),
                by: (r.actor_id.as_deref() != Some(user.id.as_str())).then(|| r.actor_name.clone()),
                detail: summary(&r.detail),
                id: r.id,
                action: r.action,
                outcome: r.outcome,
                ip,
                browser,
                os,
            }
        })
        .collect();
    Ok(SecurityLogPage { entries, older })
}

/// A short reading of an entry's JSON detail: a token's name, the number of
/// sessions ended, the setting and its value.
pub fn summary(detail: &str) -> String {
    let Ok(Value::Object(d)) = serde_json::from_str::<Value>(detail) else {
        return String::new();
    };
    let text = |k: &str| d.get(k).and_then(Value::as_str).map(str::to_string);
    if let Some(name) = text("name") {
        return name;
    }
    if let Some(n) = d.get("count").and_then(Value::as_u64) {
        return n.to_string();
    }
    if let (Some(k), Some(v)) = (text("key"), text("value")) {
        return format!("{k} = {v}");
    }
    if let (Some(a), Some(c), Some(on)) = (
        text("area"),
        text("channel"),
        d.get("enabled").and_then(Value::as_bool),
    ) {
        return format!("{a} / {c}: {}", if on { "on" } else { "off" });
    }
    if let Some(u) = text("username") {
        return u;
    }
    text("last4").map(|l| format!("…{l}")).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_stable_and_details_are_json() {
        let a = AuditAction::TokenAdminRevoke {
            token_id: "t1".into(),
            name: "ci".into(),
            owner: "bob".into(),
        };
        assert_eq!(a.name(), "token.admin_revoke");
        // Compared as values: the test build's serde_json keeps insertion
        // order (a dev-dependency enables `preserve_order`), the server's sorts.
        assert_eq!(
            a.detail(),
            serde_json::json!({"name": "ci", "owner": "bob", "token_id": "t1"})
        );
        assert_eq!(AuditAction::SignIn.detail().to_string(), "{}");
    }
}
