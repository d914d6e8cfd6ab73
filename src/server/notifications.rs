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
use crate::model::NotificationArea;
use crate::server::db::{self, users::UserRow, Db};
use crate::server::infra::{mail, state::AppState};
use crate::server::workspace;

/// Something that happened to an account that its owner must hear about,
/// whoever did it (ASVS V6.3.7: notify on changes to authentication).
#[derive(Clone, Copy, Debug)]
pub enum SecurityEvent<'a> {
    PasswordChanged,
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
            E::PasswordChanged => (
                td_string!(l, security_mail.password_changed_subject).to_string(),
                td_string!(l, security_mail.password_changed, username = u).to_string(),
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
