//! Security events: what happened to an account, told to its owner in their
//! language through the channels of their Security row.

use super::deliver::deliver;
use super::{locale_of, Notice};
use crate::i18n::td_string;
use crate::lang::Locale;
use crate::model::NotificationArea;
use crate::server::db::users::UserRow;
use crate::server::infra::state::AppState;

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
    PasskeyAdded {
        name: &'a str,
    },
    PasskeyRemoved {
        name: &'a str,
    },
    /// A passkey's signature counter went backwards: the sign-in was refused.
    PasskeyCloned {
        name: &'a str,
    },
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
    /// An administrator revoked the app password.
    AppPasswordRevoked {
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
            E::PasskeyAdded { name } => (
                td_string!(l, security_mail.passkey_added_subject).to_string(),
                td_string!(l, security_mail.passkey_added, username = u, name = name).to_string(),
            ),
            E::PasskeyRemoved { name } => (
                td_string!(l, security_mail.passkey_removed_subject).to_string(),
                td_string!(l, security_mail.passkey_removed, username = u, name = name).to_string(),
            ),
            E::PasskeyCloned { name } => (
                td_string!(l, security_mail.passkey_cloned_subject).to_string(),
                td_string!(l, security_mail.passkey_cloned, username = u, name = name).to_string(),
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
            E::AppPasswordRevoked { name } => (
                td_string!(l, notifications.app_password_revoked_title, name = name).to_string(),
                td_string!(l, notifications.app_password_revoked_body).to_string(),
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
            E::PasskeyAdded { .. } | E::PasskeyRemoved { .. } | E::PasskeyCloned { .. } => {
                "/settings/passkeys"
            }
            E::TokenCreated { .. } | E::TokenRegenerated { .. } | E::TokenRevoked { .. } => {
                "/settings/tokens"
            }
            E::AppPasswordCreated { .. } | E::AppPasswordRevoked { .. } => {
                "/settings/app-passwords"
            }
            E::EmailChanged { .. } | E::RecoveryRequested { .. } | E::RecoveryChanged { .. } => {
                "/settings/profile"
            }
            E::NewDevice { .. } | E::SignedOutByAdmin => "/settings/sessions",
            E::RoleChanged { .. } | E::AccountDisabled { .. } => "/settings/security-log",
        }
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
