//! Notifications (§8): what reaches a person, through which channels.
//!
//! Everything produced for one person goes through [`deliver`]: their matrix
//! of area × channel decides whether it becomes an in-app notification (live
//! in the bell, `live`), a mail with a one-click unsubscribe link
//! (`unsubscribe`) and a Slack message (`slack`), all written in one
//! transaction to the `notifications` table and the delivery queue (the
//! outbox, sent by `delivery`). Reminders (`reminders`) are delivered once per
//! key, whatever the number of servers or restarts.

pub mod delivery;
pub mod live;
pub mod reminders;
pub mod slack;
pub mod unsubscribe;

use crate::error::{AppError, FieldError};
use crate::features::notifications::types::{NotificationItem, NotificationPage};
use crate::i18n::td_string;
use crate::lang::Locale;
use crate::model::{NotificationArea, NotificationChannel, NotificationPref};
use crate::server::audit::{self, AuditAction, Outcome};
use crate::server::db::{self, outbox, users::UserRow};
use crate::server::infra::context::RequestCtx;
use crate::server::infra::state::AppState;
use crate::server::workspace;

/// Something that happened to an account that its owner must hear about,
/// whoever did it (ASVS V6.3.7: notify on changes to authentication).
#[derive(Clone, Copy, Debug)]
pub enum SecurityEvent<'a> {
    /// With the recovery address that still receives reset links (empty: none).
    PasswordChanged {
        recovery: &'a str,
    },
    /// With the names of the API tokens and app passwords that still work.
    PasswordReset {
        credentials: &'a [String],
    },
    /// The primary address changed from `old` to `new`.
    EmailChanged {
        old: &'a str,
        new: &'a str,
    },
    TwoFactorOn,
    TwoFactorOff,
    /// An administrator (or the operator) removed the account's 2FA.
    TwoFactorReset,
    /// A recovery code was used to sign in; `left` remain.
    RecoveryCodeUsed {
        left: i64,
    },
    /// Only `left` (at most 3) recovery codes remain.
    RecoveryCodesLow {
        left: i64,
    },
    TokenCreated {
        name: &'a str,
    },
    TokenRegenerated {
        name: &'a str,
    },
    /// An administrator revoked the token.
    TokenRevoked {
        name: &'a str,
    },
    AppPasswordCreated {
        name: &'a str,
    },
    /// A new recovery address was entered; it waits for its link.
    RecoveryRequested {
        address: &'a str,
    },
    /// The recovery address now is `address` (empty: the primary one).
    RecoveryChanged {
        address: &'a str,
    },
    /// An administrator made the account an administrator (or a user).
    RoleChanged {
        admin: bool,
    },
    /// An administrator disabled (or enabled) the account.
    AccountDisabled {
        disabled: bool,
    },
    /// An administrator ended every session of the account.
    SignedOutByAdmin,
    /// A sign-in from a browser, system and address not seen before.
    NewDevice {
        browser: &'a str,
        os: &'a str,
        ip: &'a str,
    },
}

impl SecurityEvent<'_> {
    /// (title, what happened) in language `l`.
    #[allow(clippy::too_many_lines)]
    fn texts(self, l: Locale, username: &str) -> (String, String) {
        use SecurityEvent as E;
        let u = username;
        let (title, what) = match self {
            E::PasswordChanged { recovery } => (
                td_string!(l, security_mail.password_changed_subject).to_string(),
                if recovery.is_empty() {
                    td_string!(l, security_mail.password_changed, username = u).to_string()
                } else {
                    td_string!(
                        l,
                        security_mail.password_changed_recovery,
                        username = u,
                        address = recovery
                    )
                    .to_string()
                },
            ),
            E::PasswordReset { credentials } => (
                td_string!(l, security_mail.password_reset_subject).to_string(),
                if credentials.is_empty() {
                    td_string!(l, security_mail.password_reset_none, username = u).to_string()
                } else {
                    let list = credentials.join(", ");
                    td_string!(l, security_mail.password_reset, username = u, list = list)
                        .to_string()
                },
            ),
            E::EmailChanged { old, new } => (
                td_string!(l, security_mail.email_changed_subject).to_string(),
                td_string!(
                    l,
                    security_mail.email_changed,
                    username = u,
                    old = old,
                    new = new
                )
                .to_string(),
            ),
            E::TwoFactorOn => (
                td_string!(l, security_mail.two_factor_on_subject).to_string(),
                td_string!(l, security_mail.two_factor_on, username = u).to_string(),
            ),
            E::TwoFactorOff => (
                td_string!(l, security_mail.two_factor_off_subject).to_string(),
                td_string!(l, security_mail.two_factor_off, username = u).to_string(),
            ),
            E::TwoFactorReset => (
                td_string!(l, mail.reset_2fa_subject).to_string(),
                td_string!(l, mail.reset_2fa_body, username = u).to_string(),
            ),
            E::RecoveryCodeUsed { left } => (
                td_string!(l, security_mail.recovery_code_used_subject).to_string(),
                td_string!(
                    l,
                    security_mail.recovery_code_used,
                    username = u,
                    left = left
                )
                .to_string(),
            ),
            E::RecoveryCodesLow { left } => (
                td_string!(l, security_mail.recovery_codes_low_subject, left = left).to_string(),
                td_string!(
                    l,
                    security_mail.recovery_codes_low,
                    username = u,
                    left = left
                )
                .to_string(),
            ),
            E::TokenCreated { name } => (
                td_string!(l, security_mail.token_created_subject).to_string(),
                td_string!(l, security_mail.token_created, username = u, token = name).to_string(),
            ),
            E::TokenRegenerated { name } => (
                td_string!(l, security_mail.token_regenerated_subject).to_string(),
                td_string!(
                    l,
                    security_mail.token_regenerated,
                    username = u,
                    token = name
                )
                .to_string(),
            ),
            E::TokenRevoked { name } => (
                td_string!(l, notifications.token_revoked_title, name = name).to_string(),
                td_string!(l, notifications.token_revoked_body).to_string(),
            ),
            E::AppPasswordCreated { name } => (
                td_string!(l, security_mail.app_password_created_subject).to_string(),
                td_string!(
                    l,
                    security_mail.app_password_created,
                    username = u,
                    token = name
                )
                .to_string(),
            ),
            E::RecoveryRequested { address } => (
                td_string!(l, security_mail.recovery_requested_subject).to_string(),
                td_string!(
                    l,
                    security_mail.recovery_requested,
                    username = u,
                    address = address
                )
                .to_string(),
            ),
            E::RecoveryChanged { address } => (
                td_string!(l, security_mail.recovery_changed_subject).to_string(),
                if address.is_empty() {
                    td_string!(l, security_mail.recovery_removed, username = u).to_string()
                } else {
                    td_string!(
                        l,
                        security_mail.recovery_changed,
                        username = u,
                        address = address
                    )
                    .to_string()
                },
            ),
            E::RoleChanged { admin: true } => (
                td_string!(l, security_mail.role_admin_subject).to_string(),
                td_string!(l, security_mail.role_admin, username = u).to_string(),
            ),
            E::RoleChanged { admin: false } => (
                td_string!(l, security_mail.role_user_subject).to_string(),
                td_string!(l, security_mail.role_user, username = u).to_string(),
            ),
            E::AccountDisabled { disabled: true } => (
                td_string!(l, security_mail.disabled_subject).to_string(),
                td_string!(l, security_mail.disabled, username = u).to_string(),
            ),
            E::AccountDisabled { disabled: false } => (
                td_string!(l, security_mail.enabled_subject).to_string(),
                td_string!(l, security_mail.enabled, username = u).to_string(),
            ),
            E::SignedOutByAdmin => (
                td_string!(l, security_mail.signed_out_subject).to_string(),
                td_string!(l, security_mail.signed_out, username = u).to_string(),
            ),
            E::NewDevice { browser, os, ip } => (
                td_string!(l, security_mail.new_device_subject).to_string(),
                td_string!(
                    l,
                    security_mail.new_device,
                    username = u,
                    browser = browser,
                    os = os,
                    ip = ip
                )
                .to_string(),
            ),
        };
        (title, what)
    }

    /// Where in the app the person sees (and can act on) what happened.
    fn link(self) -> &'static str {
        use SecurityEvent as E;
        match self {
            E::PasswordChanged { .. } | E::PasswordReset { .. } => "/settings/password",
            E::TwoFactorOn
            | E::TwoFactorOff
            | E::TwoFactorReset
            | E::RecoveryCodeUsed { .. }
            | E::RecoveryCodesLow { .. } => "/settings/two-factor",
            E::TokenCreated { .. } | E::TokenRegenerated { .. } | E::TokenRevoked { .. } => {
                "/settings/tokens"
            }
            E::AppPasswordCreated { .. } => "/settings/app-passwords",
            E::EmailChanged { .. } | E::RecoveryRequested { .. } | E::RecoveryChanged { .. } => {
                "/settings/profile"
            }
            E::NewDevice { .. } | E::SignedOutByAdmin => "/settings/sessions",
            E::RoleChanged { .. } | E::AccountDisabled { .. } => "/settings/security-log",
        }
    }
}

/// One piece of news for one person, the same in every channel.
#[derive(Clone, Debug)]
pub struct Notice {
    pub area: NotificationArea,
    pub title: String,
    pub body: String,
    /// Mail only: what to do about it (for security notices, where to reset
    /// the password and review the account). Empty: nothing.
    pub advice: String,
    /// Where the item lives in the app: a path such as `/settings/tokens`.
    pub link: String,
}

/// The language `user` reads (the workspace default when unset; English
/// when the settings cannot be read).
pub async fn locale_of(state: &AppState, user: &UserRow) -> Locale {
    match workspace::load(&state.db).await {
        Ok(ws) => workspace::user_locale(user, &ws),
        Err(_) => Locale::en,
    }
}

/// Tells `user` about a security event through the channels of their
/// Security row (in-app always). A failure is logged, never passed on: the
/// event itself has already happened.
pub async fn security_event(state: &AppState, user: &UserRow, event: SecurityEvent<'_>) {
    let l = locale_of(state, user).await;
    let (title, body) = event.texts(l, &user.username);
    let base = &state.config.public_url;
    let advice = td_string!(
        l,
        security_mail.advice,
        reset_link = format!("{base}/forgot-password"),
        review_link = format!("{base}/settings/sessions")
    )
    .to_string();
    let notice = Notice {
        area: NotificationArea::Security,
        title,
        body,
        advice,
        link: event.link().to_string(),
    };
    if let Err(e) = deliver(state, user, &notice).await {
        tracing::warn!(error = %e, "could not deliver a security notice");
    }
}

pub const TITLE_MAX: usize = 200;
pub const BODY_MAX: usize = 4000;

/// Delivers `notice` to `user` through every channel their matrix has on for
/// its area: all in one transaction, so it is either queued everywhere or
/// nowhere. Returns whether it was delivered (see [`deliver_once`]).
pub async fn deliver(state: &AppState, user: &UserRow, notice: &Notice) -> Result<bool, AppError> {
    deliver_once(state, user, notice, None).await
}

/// [`deliver`], but at most once per `once` key (a reminder's): the key is
/// claimed in the same transaction, so two servers, two runs of a job or a
/// restart in between never send it twice, and a crash before the commit
/// leaves it to be sent by the next run. False when it was sent before.
pub async fn deliver_once(
    state: &AppState,
    user: &UserRow,
    notice: &Notice,
    once: Option<&str>,
) -> Result<bool, AppError> {
    let cells = preferences(state, user).await?;
    let on = |channel: NotificationChannel| {
        cells
            .iter()
            .any(|c| c.area == notice.area && c.channel == channel && c.enabled)
    };
    let webhook = if on(NotificationChannel::Slack) {
        db::slack::find(&state.db, &user.id)
            .await?
            .filter(|w| w.broken_at.is_none())
    } else {
        None
    };
    let l = locale_of(state, user).await;
    let mut tx = state.db.begin().await?;
    if let Some(key) = once {
        if !db::notifications::claim_notice(&mut *tx, key).await? {
            return Ok(false);
        }
    }
    let in_app = on(NotificationChannel::InApp);
    if in_app {
        db::notifications::insert(
            &mut *tx,
            &user.id,
            notice.area.as_str(),
            &notice.title,
            &notice.body,
            &notice.link,
        )
        .await?;
    }
    if on(NotificationChannel::Email) {
        let (subject, text, unsubscribe) = mail_for(state, user, notice, l);
        let item = outbox::New {
            channel: "email",
            user_id: &user.id,
            to: &user.email,
            subject: &subject,
            body: &text,
            unsubscribe: &unsubscribe,
        };
        outbox::enqueue(&mut *tx, item).await?;
    }
    if webhook.is_some() {
        let json = slack::message(state, notice, l);
        let item = outbox::New {
            channel: "slack",
            user_id: &user.id,
            to: "",
            subject: &notice.title,
            body: &json,
            unsubscribe: "",
        };
        outbox::enqueue(&mut *tx, item).await?;
    }
    tx.commit().await?;
    if in_app {
        live::publish(state, Some(&user.id)).await;
    }
    Ok(true)
}

/// Puts `notice` in the app only, whatever the matrix says: for news about a
/// channel itself (a Slack webhook that broke).
pub async fn in_app_only(
    state: &AppState,
    user: &UserRow,
    notice: &Notice,
) -> Result<(), AppError> {
    db::notifications::insert(
        &state.db,
        &user.id,
        notice.area.as_str(),
        &notice.title,
        &notice.body,
        &notice.link,
    )
    .await?;
    live::publish(state, Some(&user.id)).await;
    Ok(())
}

/// The subject, text and one-click unsubscribe link of `notice` as a mail
/// to `user` in language `l`.
fn mail_for(
    state: &AppState,
    user: &UserRow,
    notice: &Notice,
    l: Locale,
) -> (String, String, String) {
    let name = user.to_current().shown_name();
    mail_text(state, &user.id, &user.email, &name, notice, l)
}

/// The subject (naming the area), the text (greeting `name`, linking to the
/// item and to the preferences page) and the one-click unsubscribe link of
/// `notice` as a mail to account `user_id` at `email`, in language `l`.
/// Security notices have no one-click link (empty): turning them off takes
/// the settings page and the password.
fn mail_text(
    state: &AppState,
    user_id: &str,
    email: &str,
    name: &str,
    notice: &Notice,
    l: Locale,
) -> (String, String, String) {
    let area = area_name(notice.area, l);
    let base = &state.config.public_url;
    let security = notice.area == NotificationArea::Security;
    let unsubscribe = if security {
        String::new()
    } else {
        unsubscribe::link(
            state,
            user_id,
            email,
            notice.area,
            NotificationChannel::Email,
        )
    };
    let mut body = notice.body.clone();
    if !notice.advice.is_empty() {
        body.push_str("\n\n");
        body.push_str(&notice.advice);
    }
    let link = if notice.link.is_empty() {
        format!("{base}/notifications")
    } else {
        format!("{base}{}", notice.link)
    };
    let settings = format!("{base}/settings/notifications");
    let text = if security {
        td_string!(
            l,
            notifications.mail_text_security,
            name = name,
            body = &body,
            link = &link,
            settings = &settings
        )
        .to_string()
    } else {
        td_string!(
            l,
            notifications.mail_text,
            name = name,
            body = &body,
            link = &link,
            area = &area,
            settings = &settings,
            unsubscribe = &unsubscribe
        )
        .to_string()
    };
    (format!("[{area}] {}", notice.title), text, unsubscribe)
}

/// Notifications shown per page of `/notifications` (and at most per request).
pub const PAGE_MAX: i64 = 50;

/// One page of the caller's notifications, newest first, times in their zone
/// and language. `before` is the `older` cursor of the previous page.
pub async fn page(
    state: &AppState,
    user: &UserRow,
    unread_only: bool,
    before: Option<&str>,
    limit: i64,
) -> Result<NotificationPage, AppError> {
    let l = crate::server::infra::context::current_locale();
    let limit = limit.clamp(1, PAGE_MAX);
    let cursor = before.and_then(|c| {
        let (at, id) = c.split_once('_')?;
        Some((at.parse::<i64>().ok()?, id))
    });
    if before.is_some() && cursor.is_none() {
        return Err(AppError::field(
            "before",
            td_string!(l, notifications.bad_cursor).to_string(),
        ));
    }
    // One more than shown tells whether an older page exists.
    let mut rows =
        db::notifications::page(&state.db, &user.id, unread_only, cursor, limit + 1).await?;
    let older = if rows.len() > usize::try_from(limit).unwrap_or(0) {
        rows.pop();
        rows.last().map(|r| format!("{}_{}", r.created_at, r.id))
    } else {
        None
    };
    let unread = db::notifications::unread_count(&state.db, &user.id).await?;
    let items = rows
        .into_iter()
        .map(|r| NotificationItem {
            created: crate::server::infra::timefmt::format(r.created_at, &user.time_zone, l),
            read: r.read_at.is_some(),
            id: r.id,
            area: r.area,
            title: r.title,
            body: r.body,
            link: r.link,
        })
        .collect();
    Ok(NotificationPage {
        items,
        unread,
        older,
    })
}

/// The unread count and the newest notification's id (empty: none).
pub async fn unread_state(state: &AppState, user: &UserRow) -> Result<(i64, String), AppError> {
    let unread = db::notifications::unread_count(&state.db, &user.id).await?;
    let newest = db::notifications::newest(&state.db, &user.id).await?;
    Ok((unread, newest))
}

/// Marks the listed notifications of `user` read (all of them for an empty
/// list); others' ids are ignored. Open bells update. Returns the unread count.
pub async fn mark_read(state: &AppState, user: &UserRow, ids: &[String]) -> Result<i64, AppError> {
    if ids.len() > 500 {
        return Err(AppError::BadRequest(
            "Give at most 500 notification ids.".into(),
        ));
    }
    let changed = if ids.is_empty() {
        db::notifications::mark_all_read(&state.db, &user.id).await?
    } else {
        db::notifications::mark_read(&state.db, &user.id, ids).await?
    };
    if changed > 0 {
        live::publish(state, Some(&user.id)).await;
    }
    Ok(db::notifications::unread_count(&state.db, &user.id).await?)
}

/// The person's whole matrix: every area × channel, stored cells over defaults.
pub async fn preferences(
    state: &AppState,
    user: &UserRow,
) -> Result<Vec<NotificationPref>, AppError> {
    let stored = db::notification_prefs::list(&state.db, &user.id).await?;
    Ok(NotificationArea::ALL
        .into_iter()
        .flat_map(|area| {
            NotificationChannel::ALL
                .into_iter()
                .map(move |channel| (area, channel))
        })
        .map(|(area, channel)| {
            let mut cell = NotificationPref::default_for(area, channel);
            if let Some((_, _, on)) = stored
                .iter()
                .find(|(a, c, _)| a == area.as_str() && c == channel.as_str())
            {
                cell.enabled = cell.locked || *on != 0;
            }
            cell
        })
        .collect())
}

/// The cell named by `area` and `channel`, if it may be set to `enabled`;
/// otherwise the field error that says why (in language `l`).
pub fn check_preference(
    area: &str,
    channel: &str,
    enabled: bool,
    l: Locale,
) -> Result<(NotificationArea, NotificationChannel), AppError> {
    let area = NotificationArea::parse(area).ok_or_else(|| {
        AppError::field("area", td_string!(l, notifications.bad_area).to_string())
    })?;
    let channel = NotificationChannel::parse(channel).ok_or_else(|| {
        AppError::field(
            "channel",
            td_string!(l, notifications.bad_channel).to_string(),
        )
    })?;
    if NotificationPref::default_for(area, channel).locked && !enabled {
        return Err(AppError::field(
            "enabled",
            td_string!(l, notifications.security_locked).to_string(),
        ));
    }
    Ok((area, channel))
}

/// Turns one cell on or off (audited). The in-app Security cell stays on,
/// and turning any other Security cell off needs a recently entered password
/// (`sudo`: false for API credentials, which never have it): someone who
/// took over a session must not be able to silence the notices that would
/// tell the owner.
pub async fn set_preference(
    state: &AppState,
    ctx: &RequestCtx,
    user: &UserRow,
    sudo: bool,
    area: &str,
    channel: &str,
    enabled: bool,
) -> Result<Vec<NotificationPref>, AppError> {
    let (area, channel) = check_preference(area, channel, enabled, ctx.locale)?;
    if area == NotificationArea::Security && !enabled && !sudo {
        return Err(AppError::ReauthRequired);
    }
    db::notification_prefs::set(
        &state.db,
        &user.id,
        area.as_str(),
        channel.as_str(),
        enabled,
    )
    .await?;
    let action = AuditAction::NotificationPreference {
        area: area.as_str().into(),
        channel: channel.as_str().into(),
        enabled,
    };
    audit::record(state, ctx, user, action, Outcome::Success).await;
    preferences(state, user).await
}

/// Publishes a broadcast: the in-app rows for everyone whose in-app cell
/// is on (one statement) and, in the same transaction, a `fanout` item in the
/// delivery queue, which the worker turns into each person's mail and Slack
/// message (`fan_out`). Nothing is lost if the server dies right after the
/// answer, and the administrator's request stays fast whatever the number
/// of recipients. Returns the broadcast id and how many got it in the app.
pub async fn publish_broadcast(state: &AppState, b: &Broadcast) -> Result<(String, u64), AppError> {
    let job = serde_json::json!({ "area": b.area.as_str(), "title": b.title, "body": b.body });
    let mut tx = state.db.begin().await?;
    let (id, recipients) =
        db::notifications::broadcast(&mut *tx, b.area.as_str(), &b.title, &b.body).await?;
    let item = outbox::New {
        channel: "fanout",
        user_id: "",
        to: "",
        subject: &b.title,
        body: &job.to_string(),
        unsubscribe: "",
    };
    outbox::enqueue(&mut *tx, item).await?;
    tx.commit().await?;
    live::publish(state, None).await;
    Ok((id, recipients))
}

/// Turns a `fanout` item into the mails and Slack messages of everyone whose
/// cell for its area is on (each in their language, each mail with the
/// one-click link of that cell), all queued in one transaction that also
/// marks the item done: a worker that dies halfway leaves it to be done again
/// from the start, never twice.
pub async fn fan_out(state: &AppState, item: &outbox::Item, lease: &str) -> Result<(), AppError> {
    #[derive(serde::Deserialize)]
    struct Job {
        area: String,
        title: String,
        body: String,
    }
    let job: Job = serde_json::from_str(&item.body).map_err(|e| {
        tracing::error!(item = %item.id, error = %e, "a broadcast in the queue cannot be read");
        AppError::Internal {
            request_id: String::new(),
        }
    })?;
    let area = NotificationArea::parse(&job.area).unwrap_or(NotificationArea::Alerts);
    let notice = Notice {
        area,
        title: job.title,
        body: job.body,
        advice: String::new(),
        link: "/notifications".into(),
    };
    let ws = workspace::load(&state.db).await?;
    let email_on = NotificationPref::default_for(area, NotificationChannel::Email).enabled;
    let mails =
        db::notification_prefs::recipients(&state.db, area.as_str(), "email", email_on).await?;
    let slacks = db::notification_prefs::slack_recipients(&state.db, area.as_str()).await?;
    let mut tx = state.db.begin().await?;
    for (user_id, username, email, language) in mails {
        let l = crate::lang::parse(&language).unwrap_or(ws.default_language);
        let (subject, text, unsubscribe) =
            mail_text(state, &user_id, &email, &username, &notice, l);
        let item = outbox::New {
            channel: "email",
            user_id: &user_id,
            to: &email,
            subject: &subject,
            body: &text,
            unsubscribe: &unsubscribe,
        };
        outbox::enqueue(&mut *tx, item).await?;
    }
    for (user_id, language) in slacks {
        let l = crate::lang::parse(&language).unwrap_or(ws.default_language);
        let item = outbox::New {
            channel: "slack",
            user_id: &user_id,
            to: "",
            subject: &notice.title,
            body: &slack::message(state, &notice, l),
            unsubscribe: "",
        };
        outbox::enqueue(&mut *tx, item).await?;
    }
    if !outbox::mark_sent(&mut *tx, &item.id, lease).await? {
        // Our lease ran out and another worker has it: leave it to them.
        return Ok(());
    }
    tx.commit().await?;
    Ok(())
}

/// An area's name in language `l`.
pub fn area_name(area: NotificationArea, l: Locale) -> String {
    match area {
        NotificationArea::Compliance => td_string!(l, notifications.area_compliance),
        NotificationArea::Policies => td_string!(l, notifications.area_policies),
        NotificationArea::RapidResponse => td_string!(l, notifications.area_rapid_response),
        NotificationArea::Alerts => td_string!(l, notifications.area_alerts),
        NotificationArea::Security => td_string!(l, notifications.area_security),
    }
    .to_string()
}

/// A checked broadcast: a known area, a title and a body of bounded length.
pub struct Broadcast {
    pub area: NotificationArea,
    pub title: String,
    pub body: String,
}

/// Validates a broadcast, naming every bad field (messages in language `l`).
pub fn check_broadcast(
    area: &str,
    title: &str,
    body: &str,
    l: Locale,
) -> Result<Broadcast, AppError> {
    use crate::i18n::td_string;
    let mut errors = Vec::new();
    let area = NotificationArea::parse(area.trim());
    if area.is_none() {
        errors.push(FieldError {
            field: "area".into(),
            message: td_string!(l, notifications.bad_area).to_string(),
        });
    }
    let title = title.trim();
    if title.is_empty() || title.chars().count() > TITLE_MAX {
        errors.push(FieldError {
            field: "title".into(),
            message: td_string!(l, notifications.bad_title, max = TITLE_MAX).to_string(),
        });
    }
    let body = body.trim();
    if body.chars().count() > BODY_MAX {
        errors.push(FieldError {
            field: "body".into(),
            message: td_string!(l, notifications.bad_body, max = BODY_MAX).to_string(),
        });
    }
    match area {
        Some(area) if errors.is_empty() => Ok(Broadcast {
            area,
            title: title.to_string(),
            body: body.to_string(),
        }),
        _ => Err(AppError::Validation(errors)),
    }
}
