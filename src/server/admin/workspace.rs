//! Admin › Workspace: the settings every account lives under, the delivery
//! queue, and broadcasts to everyone.

use super::{record, require_user};
use crate::error::AppError;
use crate::features::admin::types::{DeliveryStatus, OutboxEntry, WorkspaceSettings};
use crate::server::audit::AuditAction;
use crate::server::db::{self, users::UserRow};
use crate::server::infra::context::RequestCtx;
use crate::server::infra::state::AppState;
use crate::server::Result;

/// Makes 2FA mandatory for every account (or not).
pub async fn set_two_factor_mandatory(
    state: &AppState,
    ctx: &RequestCtx,
    admin: &UserRow,
    mandatory: bool,
) -> Result<()> {
    require_user(admin)?;
    let value = if mandatory { "true" } else { "false" };
    crate::server::workspace::set(&state.db, "two_factor_mandatory", value).await?;
    // API credentials cached as allowed may now be refused (and the other way).
    crate::server::api::invalidate::forget_all(state).await;
    let action = AuditAction::SettingChanged {
        key: "two_factor_mandatory".into(),
        value: value.into(),
    };
    record(state, ctx, admin, None, action).await;
    Ok(())
}

/// Publishes a notification to every active account in an area (audited).
/// Returns the notification's id and how many accounts it reached.
pub async fn publish(
    state: &AppState,
    ctx: &RequestCtx,
    admin: &UserRow,
    area: &str,
    title: &str,
    body: &str,
) -> Result<(String, u64)> {
    require_user(admin)?;
    let ws = crate::server::workspace::load(&state.db).await?;
    let l = crate::server::workspace::user_locale(admin, &ws);
    let b = crate::server::notifications::check_broadcast(area, title, body, l)?;
    let (id, recipients) = crate::server::notifications::publish_broadcast(state, &b).await?;
    let action = AuditAction::NotificationPublish {
        area: b.area.as_str().to_string(),
        notification_id: id.clone(),
        recipients,
    };
    record(state, ctx, admin, None, action).await;
    Ok((id, recipients))
}

/// The workspace settings in force.
pub async fn workspace(state: &AppState, admin: &UserRow) -> Result<WorkspaceSettings> {
    require_user(admin)?;
    let ws = crate::server::workspace::load(&state.db).await?;
    Ok(WorkspaceSettings {
        lock_profiles: ws.lock_profiles,
        two_factor_mandatory: ws.two_factor_mandatory,
        directory_provides_2fa: ws.directory_provides_2fa,
        default_language: crate::lang::code(ws.default_language).to_string(),
        token_max_days: crate::server::workspace::token_max_days(&state.db).await?,
        password_min_length: i64::try_from(ws.password_min_length).unwrap_or(8),
    })
}

/// Saves the Workspace page: every value checked first (each bad one named),
/// then each changed setting stored and audited (sudo mode). Cached API
/// credentials are dropped everywhere: the rules they were checked under
/// may have changed.
pub async fn save_workspace(
    state: &AppState,
    ctx: &RequestCtx,
    admin: &UserRow,
    new: &WorkspaceSettings,
) -> Result<WorkspaceSettings> {
    require_user(admin)?;
    let l = ctx.locale;
    let mut errors = Vec::new();
    if crate::lang::parse(&new.default_language).is_none() {
        errors.push(crate::error::FieldError {
            field: "default_language".into(),
            message: crate::i18n::td_string!(l, admin.bad_language).to_string(),
        });
    }
    if !(1..=3650).contains(&new.token_max_days) {
        errors.push(crate::error::FieldError {
            field: "token_max_days".into(),
            message: crate::i18n::td_string!(l, admin.bad_max_days).to_string(),
        });
    }
    let (min, max) = (
        crate::validate::MIN_PASSWORD,
        crate::validate::MAX_MIN_PASSWORD,
    );
    if !usize::try_from(new.password_min_length).is_ok_and(|n| (min..=max).contains(&n)) {
        errors.push(crate::error::FieldError {
            field: "password_min_length".into(),
            message: crate::i18n::td_string!(l, admin.bad_password_min, min = min, max = max)
                .to_string(),
        });
    }
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let old = workspace(state, admin).await?;
    let flag = |b: bool| if b { "true" } else { "false" }.to_string();
    let changes = [
        (
            "lock_profiles",
            old.lock_profiles != new.lock_profiles,
            flag(new.lock_profiles),
        ),
        (
            "two_factor_mandatory",
            old.two_factor_mandatory != new.two_factor_mandatory,
            flag(new.two_factor_mandatory),
        ),
        (
            "directory_provides_2fa",
            old.directory_provides_2fa != new.directory_provides_2fa,
            flag(new.directory_provides_2fa),
        ),
        (
            "default_language",
            old.default_language != new.default_language,
            new.default_language.clone(),
        ),
        (
            "token_max_days",
            old.token_max_days != new.token_max_days,
            new.token_max_days.to_string(),
        ),
        (
            "password_min_length",
            old.password_min_length != new.password_min_length,
            new.password_min_length.to_string(),
        ),
    ];
    for (key, changed, value) in changes {
        if !changed {
            continue;
        }
        crate::server::workspace::set(&state.db, key, &value).await?;
        let action = AuditAction::SettingChanged {
            key: key.into(),
            value,
        };
        record(state, ctx, admin, None, action).await;
    }
    crate::server::api::invalidate::forget_all(state).await;
    workspace(state, admin).await
}

/// Delivery at a glance: whether SMTP is set, what waits or failed, broken
/// Slack webhooks, and the newest 50 items of the queue.
pub async fn delivery_status(state: &AppState, admin: &UserRow) -> Result<DeliveryStatus> {
    require_user(admin)?;
    let l = crate::server::infra::context::current_locale();
    let (pending, failed, broken) = db::outbox::counts(&state.db).await?;
    let items = db::outbox::recent_with_names(&state.db, 50).await?;
    Ok(DeliveryStatus {
        smtp_configured: state.mailer.configured(),
        pending,
        failed,
        broken_webhooks: broken,
        items: items
            .into_iter()
            .map(|(i, username)| OutboxEntry {
                to: if i.channel == "email" {
                    i.to_addr.clone()
                } else {
                    username
                },
                created: crate::server::infra::timefmt::format(i.created_at, &admin.time_zone, l),
                id: i.id,
                channel: i.channel,
                subject: i.subject,
                status: i.status,
                attempts: i.attempts,
                last_error: i.last_error,
            })
            .collect(),
    })
}

/// Makes a pending item due now (its next attempt was scheduled later
/// after a failure); audited. False when it is not pending.
pub async fn retry_delivery(
    state: &AppState,
    ctx: &RequestCtx,
    admin: &UserRow,
    id: &str,
) -> Result<bool> {
    require_user(admin)?;
    let done = db::outbox::due_now(&state.db, id).await?;
    if done {
        let action = AuditAction::SettingChanged {
            key: "outbox.retry".into(),
            value: id.into(),
        };
        record(state, ctx, admin, None, action).await;
    }
    Ok(done)
}
