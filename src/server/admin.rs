//! Everything only an administrator may do, in one place: the admin server
//! functions and the REST API's admin endpoints are adapters over these.
//! Every function here starts with [`require`].

use crate::error::AppError;
use crate::features::admin::types::{
    AdminUserRow, AuditEntry, AuditFilter, AuditPage, DeliveryStatus, NewAccount, OutboxEntry,
    UserPage, UserQuery, WorkspaceSettings,
};
use crate::features::tokens::types::TokenInfo;
use crate::model::Role;
use crate::server::audit::{self, Actor, AuditAction, Outcome};
use crate::server::db::{self, api_tokens, users::UserRow};
use crate::server::infra::context::RequestCtx;
use crate::server::infra::state::AppState;
use crate::server::tokens::token_info;
use crate::server::Result;

/// The signed-in administrator, or `Forbidden` (`Unauthorized` when signed out).
pub fn require(ctx: &RequestCtx) -> Result<&UserRow> {
    let auth = ctx.require_auth()?;
    require_user(&auth.user)?;
    Ok(&auth.user)
}

/// The signed-in administrator in sudo mode: every admin action that changes
/// something needs a fresh re-authentication, like the user's own sensitive
/// actions (`ReauthRequired` opens the sudo dialog).
pub fn require_sudo(ctx: &RequestCtx) -> Result<&UserRow> {
    let admin = require(ctx)?;
    crate::server::auth::sudo::require(ctx.require_auth()?)?;
    Ok(admin)
}

/// `user` is an administrator, or `Forbidden` (for callers authenticated otherwise,
/// such as the REST API).
pub fn require_user(user: &UserRow) -> Result<()> {
    if user.role() == Role::Admin {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

/// Every user's tokens with their owners' usernames, times in the reader's zone.
pub async fn list_tokens(
    state: &AppState,
    ctx: &RequestCtx,
    admin: &UserRow,
) -> Result<Vec<(String, TokenInfo)>> {
    Ok(all_tokens(state, admin)
        .await?
        .iter()
        .map(|(row, owner)| (owner.clone(), token_info(state, row, admin, ctx.locale)))
        .collect())
}

/// Audits a successful workspace-wide action of `admin` (no single account concerned).
async fn record(state: &AppState, ctx: &RequestCtx, admin: &UserRow, action: AuditAction) {
    audit::record_on(
        state,
        ctx,
        Actor::User(admin),
        None,
        action,
        Outcome::Success,
    )
    .await;
}

/// Every user's token rows with their owners' usernames.
pub async fn all_tokens(
    state: &AppState,
    admin: &UserRow,
) -> Result<Vec<(api_tokens::TokenRow, String)>> {
    require_user(admin)?;
    Ok(api_tokens::list_all(&state.db).await?)
}

/// Every account (the REST API's admin listing).
pub async fn list_users(state: &AppState, admin: &UserRow) -> Result<Vec<UserRow>> {
    require_user(admin)?;
    Ok(db::users::list(&state.db).await?)
}

/// Revokes someone's token. The owner finds it in their own audit trail and gets
/// an in-app security notification, in their own language.
pub async fn revoke_token(
    state: &AppState,
    ctx: &RequestCtx,
    admin: &UserRow,
    id: &str,
) -> Result<()> {
    require_user(admin)?;
    let row = api_tokens::find(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    if !api_tokens::delete(&state.db, None, id).await? {
        return Err(AppError::NotFound);
    }
    crate::server::api::invalidate::forget_credential(state, id).await;
    let owner = db::users::find_by_id(&state.db, &row.user_id).await?;
    let action = AuditAction::TokenAdminRevoke {
        token_id: row.id.clone(),
        name: row.name.clone(),
        owner: owner
            .as_ref()
            .map(|o| o.username.clone())
            .unwrap_or_default(),
    };
    audit::record_on(
        state,
        ctx,
        Actor::User(admin),
        Some(&row.user_id),
        action.clone(),
        Outcome::Success,
    )
    .await;
    if let Some(owner) = owner {
        // The owner's own audit trail shows what happened to their token.
        audit::record(state, ctx, &owner, action, Outcome::RevokedByAdmin).await;
        crate::server::notifications::security_event(
            state,
            &owner,
            crate::server::notifications::SecurityEvent::TokenRevoked { name: &row.name },
        )
        .await;
    }
    Ok(())
}

/// Removes a user's 2FA (audited; the user is told by mail). False when it was off.
pub async fn reset_two_factor(
    state: &AppState,
    ctx: &RequestCtx,
    admin: &UserRow,
    username: &str,
) -> Result<bool> {
    require_user(admin)?;
    crate::server::two_factor::reset(state, ctx, Actor::User(admin), username.trim()).await
}

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
    record(state, ctx, admin, action).await;
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
    record(state, ctx, admin, action).await;
    Ok((id, recipients))
}

/// Audit rows per page of the admin's audit log.
const AUDIT_PAGE: i64 = 50;

/// The database filter for `f`: days as Unix seconds (UTC, both included),
/// the target's username as its account id (an unknown name is taken as an
/// id: the rows of a deleted account still match it).
pub async fn audit_filter(state: &AppState, f: &AuditFilter) -> Result<(String, i64, i64)> {
    let day = |text: &str, field: &str, end: bool| -> Result<i64> {
        if text.trim().is_empty() {
            return Ok(if end { i64::MAX } else { 0 });
        }
        let date = chrono::NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").map_err(|_| {
            AppError::field(
                field,
                crate::i18n::td_string!(
                    crate::server::infra::context::current_locale(),
                    admin.bad_day
                )
                .to_string(),
            )
        })?;
        let t = if end {
            date.and_hms_opt(23, 59, 59)
        } else {
            date.and_hms_opt(0, 0, 0)
        };
        Ok(t.map_or(0, |t| t.and_utc().timestamp()))
    };
    let from = day(&f.from, "from", false)?;
    let to = day(&f.to, "to", true)?;
    let target = f.target.trim();
    let target_id = if target.is_empty() {
        String::new()
    } else {
        match db::users::find_by_username(&state.db, target).await? {
            Some(u) => u.id.to_string(),
            None => target.to_string(),
        }
    };
    Ok((target_id, from, to))
}

fn audit_entry(found: db::audit::Found, reader: &UserRow, l: crate::lang::Locale) -> AuditEntry {
    let r = found.row;
    let target = match (&r.target_id, found.target_name.is_empty()) {
        (Some(_), false) => found.target_name,
        (Some(id), true) => crate::server::account::shown_as_deleted(id),
        (None, _) => String::new(),
    };
    let (browser, os) = crate::server::infra::user_agent::describe(&r.user_agent);
    AuditEntry {
        device: if r.user_agent.is_empty() {
            String::new()
        } else {
            format!("{browser} · {os}")
        },
        summary: audit::summary(&r.detail),
        utc: chrono::DateTime::from_timestamp(r.created_at, 0)
            .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
            .unwrap_or_default(),
        local: crate::server::infra::timefmt::format(r.created_at, &reader.time_zone, l),
        id: r.id,
        actor: r.actor_name,
        action: r.action,
        target,
        ip: r.ip,
        user_agent: r.user_agent,
        outcome: r.outcome,
        detail: r.detail,
    }
}

/// A page of the audit log matching `f`, newest first.
pub async fn audit_page(
    state: &AppState,
    admin: &UserRow,
    f: &AuditFilter,
    before: Option<&str>,
) -> Result<AuditPage> {
    require_user(admin)?;
    let l = crate::server::infra::context::current_locale();
    let (target_id, from, to) = audit_filter(state, f).await?;
    let filter = db::audit::Filter {
        actor: f.actor.trim(),
        target_id: &target_id,
        action: f.action.trim(),
        outcome: f.outcome.trim(),
        from,
        to,
    };
    let mut rows = db::audit::search(&state.db, &filter, before, AUDIT_PAGE + 1).await?;
    let older = if rows.len() > usize::try_from(AUDIT_PAGE).unwrap_or(0) {
        rows.pop();
        rows.last().map(|r| r.row.id.clone())
    } else {
        None
    };
    Ok(AuditPage {
        entries: rows.into_iter().map(|r| audit_entry(r, admin, l)).collect(),
        older,
    })
}

/// One CSV field: quoted, quotes doubled, and a leading `=`, `+`, `-`, `@`,
/// tab or carriage return
/// defused so a spreadsheet does not run it as a formula.
pub fn csv_field(text: &str) -> String {
    let defused = if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.to_string()
    };
    format!("\"{}\"", defused.replace('"', "\"\""))
}

/// Users per page of the admin's list.
const USER_PAGE: i64 = 50;

/// A page of the user list matching `q`, sorted and paged by keyset.
pub async fn list_users_page(
    state: &AppState,
    admin: &UserRow,
    q: &UserQuery,
    after: Option<&str>,
) -> Result<UserPage> {
    require_user(admin)?;
    let l = crate::server::infra::context::current_locale();
    let needle = q.q.trim().to_lowercase();
    let like = if needle.is_empty() {
        String::new()
    } else {
        let escaped = needle
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_");
        format!("%{escaped}%")
    };
    let filter = db::users::UserFilter {
        q: &like,
        role: q.role.trim(),
        state: q.state.trim(),
        two_factor: q.two_factor.trim(),
        source: q.source.trim(),
    };
    let sort = match q.sort.as_str() {
        "created" | "last_sign_in" => q.sort.as_str(),
        _ => "name",
    };
    let start = match after.and_then(|c| c.split_once('|')) {
        None => db::users::After::Start,
        Some((key, id)) => match sort {
            "created" => db::users::After::Created(key.parse().unwrap_or(0), id.to_string()),
            "last_sign_in" => {
                db::users::After::LastSignIn(key.parse().unwrap_or(0), id.to_string())
            }
            _ => db::users::After::Name(key.to_string(), id.to_string()),
        },
    };
    let mut rows = db::users::search(&state.db, &filter, sort, &start, USER_PAGE + 1).await?;
    let next = if rows.len() > usize::try_from(USER_PAGE).unwrap_or(0) {
        rows.pop();
        rows.last().map(|r| {
            let key = match sort {
                "created" => r.user.created_at.to_string(),
                "last_sign_in" => r.last_sign_in_at.unwrap_or(0).to_string(),
                _ => r.user.username.to_lowercase(),
            };
            format!("{key}|{}", r.user.id.as_str())
        })
    } else {
        None
    };
    let when = |t: i64| crate::server::infra::timefmt::format(t, &admin.time_zone, l);
    let users = rows
        .into_iter()
        .map(|r| {
            let u = &r.user;
            AdminUserRow {
                id: u.id.to_string(),
                username: u.username.clone(),
                name: u.to_current().shown_name(),
                email: u.email.clone(),
                admin: u.role() == Role::Admin,
                external: u.source == crate::model::AccountSource::External,
                disabled: u.is_disabled(),
                two_factor: r.two_factor != 0,
                created: when(u.created_at),
                last_sign_in: r.last_sign_in_at.map(when),
            }
        })
        .collect();
    Ok(UserPage { users, next })
}

/// The account `id`, or `NotFound`.
async fn account(state: &AppState, id: &str) -> Result<UserRow> {
    db::users::find_by_id(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)
}

fn last_admin() -> AppError {
    AppError::BadRequest(
        crate::i18n::td_string!(
            crate::server::infra::context::current_locale(),
            admin.last_admin
        )
        .to_string(),
    )
}

/// Makes `id` an administrator or a user (sudo mode; audited; the user is told).
pub async fn set_role(
    state: &AppState,
    ctx: &RequestCtx,
    admin: &UserRow,
    id: &str,
    make_admin: bool,
) -> Result<()> {
    require_user(admin)?;
    let user = account(state, id).await?;
    let role = if make_admin { "admin" } else { "user" };
    // The last active administrator stays, even when two administrators
    // demote each other at the same moment.
    let mut tx = state.db.begin().await?;
    db::users::lock_admins(&mut tx, state.config.on_postgres()).await?;
    if !db::users::set_role(&mut *tx, &user.id, role).await? {
        return Err(last_admin());
    }
    tx.commit().await?;
    crate::server::api::invalidate::forget_user(state, &user.id).await;
    let action = AuditAction::UserRoleChange {
        username: user.username.clone(),
        role: role.into(),
    };
    audit::record_on(
        state,
        ctx,
        Actor::User(admin),
        Some(&user.id),
        action,
        Outcome::Success,
    )
    .await;
    let event = crate::server::notifications::SecurityEvent::RoleChanged { admin: make_admin };
    crate::server::notifications::security_event(state, &user, event).await;
    Ok(())
}

/// Disables (or enables) `id`: a disabled account's sessions end at once,
/// and its tokens and app passwords are refused on their very next request.
pub async fn set_disabled(
    state: &AppState,
    ctx: &RequestCtx,
    admin: &UserRow,
    id: &str,
    disabled: bool,
) -> Result<()> {
    require_user(admin)?;
    let user = account(state, id).await?;
    if disabled && user.id == admin.id {
        return Err(AppError::BadRequest(
            crate::i18n::td_string!(ctx.locale, admin.not_yourself).to_string(),
        ));
    }
    let mut tx = state.db.begin().await?;
    db::users::lock_admins(&mut tx, state.config.on_postgres()).await?;
    if !db::users::set_disabled(&mut *tx, &user.id, disabled).await? {
        return Err(last_admin());
    }
    if disabled {
        // Sessions end, and every link and sign-in challenge still open is
        // void: nobody finishes a reset on a disabled account.
        db::shut_out(&mut tx, &user.id, None).await?;
    }
    tx.commit().await?;
    crate::server::api::invalidate::forget_user(state, &user.id).await;
    let action = AuditAction::UserDisable {
        username: user.username.clone(),
        disabled,
    };
    audit::record_on(
        state,
        ctx,
        Actor::User(admin),
        Some(&user.id),
        action,
        Outcome::Success,
    )
    .await;
    let event = crate::server::notifications::SecurityEvent::AccountDisabled { disabled };
    crate::server::notifications::security_event(state, &user, event).await;
    Ok(())
}

/// Ends every session of `id` (audited; the user is told).
pub async fn sign_out_everywhere(
    state: &AppState,
    ctx: &RequestCtx,
    admin: &UserRow,
    id: &str,
) -> Result<u64> {
    require_user(admin)?;
    let user = account(state, id).await?;
    let mut tx = state.db.begin().await?;
    let ended = db::sessions::delete_all_for_user(&mut *tx, &user.id, None).await?;
    tx.commit().await?;
    let action = AuditAction::UserSignedOut {
        username: user.username.clone(),
        count: ended,
    };
    audit::record_on(
        state,
        ctx,
        Actor::User(admin),
        Some(&user.id),
        action,
        Outcome::Success,
    )
    .await;
    let event = crate::server::notifications::SecurityEvent::SignedOutByAdmin;
    crate::server::notifications::security_event(state, &user, event).await;
    Ok(ended)
}

/// Mails `id` a link to set a new password (audited). An administrator never
/// sees or chooses anyone's password.
pub async fn send_reset_link(
    state: &AppState,
    ctx: &RequestCtx,
    admin: &UserRow,
    id: &str,
) -> Result<()> {
    require_user(admin)?;
    let user = account(state, id).await?;
    if user.source == crate::model::AccountSource::External {
        return Err(AppError::BadRequest(
            crate::i18n::td_string!(ctx.locale, admin.external_password).to_string(),
        ));
    }
    if user.is_disabled() {
        return Err(AppError::BadRequest(
            crate::i18n::td_string!(ctx.locale, admin.disabled_account).to_string(),
        ));
    }
    crate::server::recovery::mail_link(state, &user, false).await?;
    let action = AuditAction::UserResetLinkSent {
        username: user.username.clone(),
    };
    audit::record_on(
        state,
        ctx,
        Actor::User(admin),
        Some(&user.id),
        action,
        Outcome::Success,
    )
    .await;
    Ok(())
}

/// Creates an account (sudo mode; audited). A local account gets a link by
/// mail to set its password (valid 3 days); an external one signs in through
/// its directory.
pub async fn create_account(
    state: &AppState,
    ctx: &RequestCtx,
    admin: &UserRow,
    new: &NewAccount,
) -> Result<AdminUserRow> {
    require_user(admin)?;
    let role = if new.admin { Role::Admin } else { Role::User };
    let source = if new.external {
        crate::model::AccountSource::External
    } else {
        crate::model::AccountSource::Local
    };
    let user =
        crate::server::auth::create_user(state, &new.username, &new.email, role, source, None)
            .await?;
    if !new.external {
        crate::server::recovery::mail_link(state, &user, true).await?;
    }
    let action = AuditAction::UserCreate {
        username: user.username.clone(),
        role: role.as_str().into(),
    };
    audit::record_on(
        state,
        ctx,
        Actor::User(admin),
        Some(&user.id),
        action,
        Outcome::Success,
    )
    .await;
    let l = crate::server::infra::context::current_locale();
    Ok(AdminUserRow {
        id: user.id.to_string(),
        username: user.username.clone(),
        name: user.to_current().shown_name(),
        email: user.email.clone(),
        admin: new.admin,
        external: new.external,
        disabled: false,
        two_factor: false,
        created: crate::server::infra::timefmt::format(user.created_at, &admin.time_zone, l),
        last_sign_in: None,
    })
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
        record(state, ctx, admin, action).await;
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
        record(state, ctx, admin, action).await;
    }
    Ok(done)
}

/// Deletes someone's account (sudo mode; the username typed to confirm),
/// as they could themselves (`account::delete`).
pub async fn delete_user(
    state: &AppState,
    ctx: &RequestCtx,
    admin: &UserRow,
    id: &str,
    typed: &str,
) -> Result<()> {
    require_user(admin)?;
    let user = account(state, id).await?;
    crate::server::account::delete(state, ctx, admin, &user, typed).await
}
