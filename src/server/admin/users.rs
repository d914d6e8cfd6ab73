//! Admin › Users: the searchable list, and what an administrator does to an
//! account (create, role, disable, sign out, reset link, 2FA reset, delete).
//! Each action is audited; each change the owner should know of reaches them
//! as a security notice.

use super::{record, require_user};
use crate::error::AppError;
use crate::features::admin::types::{AdminUserRow, NewAccount, UserPage, UserQuery};
use crate::i18n::td_string;
use crate::lang::Locale;
use crate::model::{AccountSource, Role};
use crate::server::audit::{self, Actor, AuditAction, Outcome};
use crate::server::db::{self, users::UserRow};
use crate::server::infra::context::{current_locale, RequestCtx};
use crate::server::infra::state::AppState;
use crate::server::infra::timefmt;
use crate::server::notifications::{self, SecurityEvent};
use crate::server::Result;

/// Every account (the REST API's admin listing).
pub async fn list_users(state: &AppState, admin: &UserRow) -> Result<Vec<UserRow>> {
    require_user(admin)?;
    Ok(db::users::list(&state.db).await?)
}

/// Users per page of the admin's list.
const USER_PAGE: i64 = 50;

/// `u` as a row of the list, times in the zone of `reader`.
fn user_row(
    u: &UserRow,
    two_factor: bool,
    passkeys: i64,
    last_sign_in_at: Option<i64>,
    pending_email: String,
    reader: &UserRow,
    l: Locale,
) -> AdminUserRow {
    let when = |t: i64| timefmt::format(t, &reader.time_zone, l);
    AdminUserRow {
        id: u.id.to_string(),
        username: u.username.clone(),
        name: u.to_current().shown_name(),
        email: u.email.clone(),
        pending_email,
        role: u.role(),
        source: u.source,
        disabled: u.is_disabled(),
        two_factor,
        passkeys,
        created: when(u.created_at),
        last_sign_in: last_sign_in_at.map(when),
    }
}

/// A page of the user list matching `q`, sorted and paged by keyset.
pub async fn list_users_page(
    state: &AppState,
    admin: &UserRow,
    q: &UserQuery,
    after: Option<&str>,
) -> Result<UserPage> {
    require_user(admin)?;
    // A value no form offers is a mistake (a script's typo), not "any".
    for (value, allowed) in [
        (&q.role, &["admin", "user"][..]),
        (&q.state, &["active", "disabled"][..]),
        (&q.two_factor, &["on", "off"][..]),
        (&q.source, &["local", "external"][..]),
    ] {
        let value = value.trim();
        if !value.is_empty() && !allowed.contains(&value) {
            return Err(AppError::Malformed);
        }
    }
    let l = current_locale();
    let like = db::select::like_pattern(&q.q);
    let filter = db::user_search::UserFilter {
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
        None => db::user_search::After::Start,
        Some((key, id)) => match sort {
            "created" => db::user_search::After::Created(key.parse().unwrap_or(0), id.to_string()),
            "last_sign_in" => {
                db::user_search::After::LastSignIn(key.parse().unwrap_or(0), id.to_string())
            }
            // Usernames are unique: the name alone is the key.
            _ => db::user_search::After::Name(key.to_string()),
        },
    };
    let rows = db::user_search::search(&state.db, &filter, sort, &start, USER_PAGE + 1).await?;
    let (rows, next) = db::select::split_page(rows, USER_PAGE, |r| {
        let key = match sort {
            "created" => r.user.created_at.to_string(),
            "last_sign_in" => r.last_sign_in_at.unwrap_or(0).to_string(),
            _ => r.user.username.to_lowercase(),
        };
        format!("{key}|{}", r.user.id.as_str())
    });
    let users = rows
        .into_iter()
        .map(|r| {
            let two_factor = r.two_factor != 0;
            user_row(
                &r.user,
                two_factor,
                r.passkeys,
                r.last_sign_in_at,
                r.pending_email,
                admin,
                l,
            )
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

/// A transaction holding the administrators' rows: the guarded updates of
/// `db::users` made in it keep the last active administrator, even when two
/// administrators demote or disable each other at the same moment.
async fn admins_locked(state: &AppState) -> Result<sqlx::Transaction<'static, sqlx::Any>> {
    let mut tx = state.db.begin().await?;
    db::users::lock_admins(&mut tx, state.config.on_postgres()).await?;
    Ok(tx)
}

/// Audits `admin`'s change to `user`'s account inside `tx`, with the change.
async fn audit_in(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    ctx: &RequestCtx,
    admin: &UserRow,
    user: &UserRow,
    action: AuditAction,
) -> Result<()> {
    let target = Some(user.id.as_str());
    audit::record_in(
        tx,
        ctx,
        Actor::User(admin),
        target,
        action,
        Outcome::Success,
    )
    .await?;
    Ok(())
}

fn last_admin() -> AppError {
    AppError::BadRequest(td_string!(current_locale(), admin.last_admin).to_string())
}

/// After a committed change to `user`'s account: credentials cached on any
/// server are checked again, and the owner is told.
async fn changed(state: &AppState, user: &UserRow, event: SecurityEvent<'_>) {
    crate::server::api::invalidate::forget_user(state, &user.id).await;
    notifications::security_event(state, user, event).await;
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
    let role = if make_admin { Role::Admin } else { Role::User };
    if user.role() == role {
        return Ok(());
    }
    let mut tx = admins_locked(state).await?;
    if !db::users::set_role(&mut *tx, &user.id, role.as_str()).await? {
        return Err(last_admin());
    }
    let action = AuditAction::UserRoleChange {
        username: user.username.clone(),
        role: role.as_str().into(),
    };
    audit_in(&mut tx, ctx, admin, &user, action).await?;
    tx.commit().await?;
    changed(
        state,
        &user,
        SecurityEvent::RoleChanged { admin: make_admin },
    )
    .await;
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
            td_string!(ctx.locale, admin.not_yourself).to_string(),
        ));
    }
    if user.is_disabled() == disabled {
        return Ok(());
    }
    let mut tx = admins_locked(state).await?;
    if !db::users::set_disabled(&mut *tx, &user.id, disabled).await? {
        return Err(last_admin());
    }
    if disabled {
        // Sessions end, and every link and sign-in challenge still open is
        // void: nobody finishes a reset on a disabled account.
        db::shut_out(&mut tx, &user.id, None).await?;
    }
    let action = AuditAction::UserDisable {
        username: user.username.clone(),
        disabled,
    };
    audit_in(&mut tx, ctx, admin, &user, action).await?;
    tx.commit().await?;
    changed(state, &user, SecurityEvent::AccountDisabled { disabled }).await;
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
    let ended = db::sessions::delete_all_for_user(&state.db, &user.id, None).await?;
    let action = AuditAction::UserSignedOut {
        username: user.username.clone(),
        count: ended,
    };
    record(state, ctx, admin, Some(&user), action).await;
    changed(state, &user, SecurityEvent::SignedOutByAdmin).await;
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
    if user.source == AccountSource::External {
        return Err(AppError::BadRequest(
            td_string!(ctx.locale, admin.external_password).to_string(),
        ));
    }
    if user.is_disabled() {
        return Err(AppError::BadRequest(
            td_string!(ctx.locale, admin.disabled_account).to_string(),
        ));
    }
    crate::server::recovery::mail_link(state, &user, false).await?;
    let action = AuditAction::UserResetLinkSent {
        username: user.username.clone(),
    };
    record(state, ctx, admin, Some(&user), action).await;
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
        AccountSource::External
    } else {
        AccountSource::Local
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
    record(state, ctx, admin, Some(&user), action).await;
    Ok(user_row(
        &user,
        false,
        0,
        None,
        String::new(),
        admin,
        current_locale(),
    ))
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
