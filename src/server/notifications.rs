//! Producing notifications: security events for one user (by mail to the
//! primary address and in the app, always), and administrators' broadcasts to
//! an area.
//!
//! Delivery preferences per area and channel (§8) do not exist yet; until they
//! do, broadcasts are delivered in-app. Security notices will stay on whatever
//! the preferences say: they cannot be turned off.

use crate::error::{AppError, FieldError};
use crate::i18n::td_string;
use crate::lang::Locale;
use crate::model::{NotificationArea, NotificationChannel, NotificationPref};
use crate::server::audit::{self, AuditAction, Outcome};
use crate::server::db::{self, users::UserRow, Db};
use crate::server::infra::context::RequestCtx;
use crate::server::infra::{mail, state::AppState};
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
    TwoFactorOn,
    TwoFactorOff,
    TokenCreated {
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
}

impl SecurityEvent<'_> {
    /// (subject, what happened) in language `l`.
    fn texts(self, l: Locale, username: &str) -> (String, String) {
        use SecurityEvent as E;
        let u = username;
        match self {
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
            E::TwoFactorOn => (
                td_string!(l, security_mail.two_factor_on_subject).to_string(),
                td_string!(l, security_mail.two_factor_on, username = u).to_string(),
            ),
            E::TwoFactorOff => (
                td_string!(l, security_mail.two_factor_off_subject).to_string(),
                td_string!(l, security_mail.two_factor_off, username = u).to_string(),
            ),
            E::TokenCreated { name } => (
                td_string!(l, security_mail.token_created_subject).to_string(),
                td_string!(l, security_mail.token_created, username = u, token = name).to_string(),
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
        }
    }
}

/// Tells `user` about a security event: a mail to the primary address (in
/// their language, with where to reset the password and review the account)
/// and an in-app notification. A failure is logged, never passed on: the event
/// itself has already happened.
pub async fn security_event(state: &AppState, user: &UserRow, event: SecurityEvent<'_>) {
    let l = match workspace::load(&state.db).await {
        Ok(ws) => workspace::user_locale(user, &ws),
        Err(_) => Locale::en,
    };
    let (subject, what) = event.texts(l, &user.username);
    let base = &state.config.public_url;
    let body = td_string!(
        l,
        security_mail.body,
        name = user.to_current().shown_name(),
        what = &what,
        reset_link = format!("{base}/forgot-password"),
        review_link = format!("{base}/settings/sessions")
    )
    .to_string();
    if let Err(e) = mail::enqueue(&state.db, &user.email, &subject, &body).await {
        tracing::warn!(error = %e, "could not queue a security notice");
    }
    security(&state.db, user, &subject, &what).await;
}

pub const TITLE_MAX: usize = 200;
pub const BODY_MAX: usize = 4000;

/// Tells `user` about something that happened to their account. A failure is
/// logged, never passed on: the event itself has already happened.
pub async fn security(db: &Db, user: &UserRow, title: &str, body: &str) {
    let area = NotificationArea::Security.as_str();
    if let Err(e) = db::notifications::insert(db, &user.id, area, title, body).await {
        tracing::warn!(error = %e, "could not store a security notification");
    }
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

/// Turns one cell on or off (audited). The in-app Security cell stays on.
pub async fn set_preference(
    state: &AppState,
    ctx: &RequestCtx,
    user: &UserRow,
    area: &str,
    channel: &str,
    enabled: bool,
) -> Result<Vec<NotificationPref>, AppError> {
    let (area, channel) = check_preference(area, channel, enabled, ctx.locale)?;
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

/// Mails a broadcast to everyone whose email cell for its area is on, each in
/// their language, with a link to their preferences. Runs after the answer
/// (many recipients must not make the administrator's request slow).
pub fn mail_broadcast(state: &AppState, b: &Broadcast) {
    let (state_bg, area, title, body) = (state.clone(), b.area, b.title.clone(), b.body.clone());
    state.background.spawn(async move {
        if let Err(e) = mail_broadcast_now(&state_bg, area, &title, &body).await {
            tracing::warn!(error = %e, "could not queue broadcast mails");
        }
    });
}

async fn mail_broadcast_now(
    state: &AppState,
    area: NotificationArea,
    title: &str,
    body: &str,
) -> Result<(), AppError> {
    let default_on = NotificationPref::default_for(area, NotificationChannel::Email).enabled;
    let ws = workspace::load(&state.db).await?;
    let link = format!("{}/settings/notifications", state.config.public_url);
    for (_, _, email, language) in
        db::notification_prefs::recipients(&state.db, area.as_str(), "email", default_on).await?
    {
        let l = crate::lang::parse(&language).unwrap_or(ws.default_language);
        let area_name = area_name(area, l);
        let subject = format!("[{area_name}] {title}");
        let text = td_string!(
            l,
            notifications.mail_body,
            body = body,
            area = &area_name,
            link = &link
        )
        .to_string();
        mail::enqueue(&state.db, &email, &subject, &text).await?;
    }
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
