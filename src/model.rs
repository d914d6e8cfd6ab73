//! Types shared by the browser and the server.

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    User,
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::User => "user",
            Role::Admin => "admin",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "user" => Some(Role::User),
            "admin" => Some(Role::Admin),
            _ => None,
        }
    }
}

/// Where an account comes from: created here, or provisioned by an external directory.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AccountSource {
    Local,
    External,
}

impl AccountSource {
    pub fn as_str(self) -> &'static str {
        match self {
            AccountSource::Local => "local",
            AccountSource::External => "external",
        }
    }

    pub fn parse(s: &str) -> Option<AccountSource> {
        match s {
            "local" => Some(AccountSource::Local),
            "external" => Some(AccountSource::External),
            _ => None,
        }
    }
}

/// What an API token may do: only read, or also change.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TokenScope {
    Read,
    Write,
}

impl TokenScope {
    pub fn as_str(self) -> &'static str {
        match self {
            TokenScope::Read => "read",
            TokenScope::Write => "write",
        }
    }

    pub fn parse(s: &str) -> Option<TokenScope> {
        match s {
            "read" => Some(TokenScope::Read),
            "write" => Some(TokenScope::Write),
            _ => None,
        }
    }
}

/// Column values that are not one of an enum's names (the CHECK constraints
/// make this unreachable; decoding fails instead of guessing).
#[derive(Debug)]
pub struct UnknownName(pub String);

impl std::fmt::Display for UnknownName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "unknown name {:?}", self.0)
    }
}

impl std::error::Error for UnknownName {}

macro_rules! try_from_string {
    ($($t:ty),*) => {$(
        impl TryFrom<String> for $t {
            type Error = UnknownName;
            fn try_from(s: String) -> Result<Self, UnknownName> {
                <$t>::parse(&s).ok_or(UnknownName(s))
            }
        }
        impl std::fmt::Display for $t {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    )*};
}

try_from_string!(Role, AccountSource, TokenScope);

/// What a confirmation link confirmed: a new primary address, or a new
/// recovery address.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConfirmedAddress {
    pub address: String,
    pub recovery: bool,
}

/// The signed-in person, as the UI needs them. Carries no secret.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CurrentUser {
    pub id: String,
    pub username: String,
    pub email: String,
    pub role: Role,
    pub source: AccountSource,
    pub first_name: String,
    pub last_name: String,
    pub display_name: String,
    /// Why display name and email addresses cannot be changed, when they cannot
    /// (external account, or profiles locked by an administrator).
    pub identity_locked: Option<LockReason>,
    pub contact_person: String,
    /// E.164, or empty when no phone number is set.
    pub phone: String,
    /// The phone number formatted for reading ("+49 30 1234567").
    pub phone_display: String,
    /// IANA time zone in which times are shown.
    pub time_zone: String,
    /// Where password reset links go; empty means the primary address.
    pub recovery_email: String,
    /// Where the avatar is served; None shows the initials.
    pub avatar_url: Option<String>,
    /// A new primary address waiting for its confirmation link to be used.
    pub pending_email: Option<String>,
    /// A new recovery address waiting for its confirmation link to be used.
    pub pending_recovery_email: Option<String>,
    /// The password was generated and shown (the first administrator's): a new
    /// one must be chosen before anything else.
    pub must_change_password: bool,
    /// The interface language chosen ("en", "de"), empty for the workspace default.
    pub language: String,
    /// The workspace default language, used while `language` is empty.
    pub default_language: String,
    pub two_factor_enabled: bool,
    /// The workspace mandates 2FA and this account has none: enrol first.
    pub two_factor_required: bool,
    /// The fewest characters a new password may have (the workspace's rule).
    pub password_min_length: usize,
}

impl LockReason {
    /// The reason in words, in language `l`.
    pub fn text(self, l: crate::lang::Locale) -> String {
        use crate::i18n::td_string;
        match self {
            LockReason::External => td_string!(l, profile.lock_external).to_string(),
            LockReason::Admin => td_string!(l, profile.lock_admin).to_string(),
        }
    }
}

/// Why identity fields are read-only.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum LockReason {
    /// The account is provisioned by an external directory.
    External,
    /// An administrator locked profiles for the workspace.
    Admin,
}

impl CurrentUser {
    /// The name to show: the display name, else "First Last", else the username.
    pub fn shown_name(&self) -> String {
        if !self.display_name.trim().is_empty() {
            return self.display_name.clone();
        }
        let full = format!("{} {}", self.first_name.trim(), self.last_name.trim());
        if full.trim().is_empty() {
            self.username.clone()
        } else {
            full.trim().to_string()
        }
    }

    /// Up to two letters for the initials avatar.
    pub fn initials(&self) -> String {
        let name = self.shown_name();
        let mut letters = name.split_whitespace().filter_map(|w| w.chars().next());
        let first = letters.next();
        let last = letters.next_back();
        [first, last]
            .into_iter()
            .flatten()
            .flat_map(char::to_uppercase)
            .collect()
    }

    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }
}

/// The areas notifications belong to (§8). Security carries account events; the
/// others are published by administrators.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NotificationArea {
    Compliance,
    Policies,
    RapidResponse,
    Alerts,
    Security,
}

impl NotificationArea {
    pub const ALL: [NotificationArea; 5] = [
        NotificationArea::Compliance,
        NotificationArea::Policies,
        NotificationArea::RapidResponse,
        NotificationArea::Alerts,
        NotificationArea::Security,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            NotificationArea::Compliance => "compliance",
            NotificationArea::Policies => "policies",
            NotificationArea::RapidResponse => "rapid_response",
            NotificationArea::Alerts => "alerts",
            NotificationArea::Security => "security",
        }
    }

    pub fn parse(s: &str) -> Option<NotificationArea> {
        NotificationArea::ALL.into_iter().find(|a| a.as_str() == s)
    }
}

/// Where a notification can reach someone.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NotificationChannel {
    InApp,
    Email,
    Slack,
}

impl NotificationChannel {
    pub const ALL: [NotificationChannel; 3] = [
        NotificationChannel::InApp,
        NotificationChannel::Email,
        NotificationChannel::Slack,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            NotificationChannel::InApp => "in_app",
            NotificationChannel::Email => "email",
            NotificationChannel::Slack => "slack",
        }
    }

    pub fn parse(s: &str) -> Option<NotificationChannel> {
        NotificationChannel::ALL
            .into_iter()
            .find(|c| c.as_str() == s)
    }
}

/// One cell of a person's notification matrix.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotificationPref {
    pub area: NotificationArea,
    pub channel: NotificationChannel,
    pub enabled: bool,
    /// In-app Security cannot be turned off: account events must always reach
    /// their owner somewhere.
    pub locked: bool,
}

impl NotificationPref {
    /// The cell as it is until its owner changes it: in-app everywhere, email
    /// for Security and Alerts.
    pub fn default_for(area: NotificationArea, channel: NotificationChannel) -> NotificationPref {
        let locked = area == NotificationArea::Security && channel == NotificationChannel::InApp;
        let enabled = match channel {
            NotificationChannel::InApp => true,
            NotificationChannel::Email => {
                matches!(area, NotificationArea::Security | NotificationArea::Alerts)
            }
            NotificationChannel::Slack => false,
        };
        NotificationPref {
            area,
            channel,
            enabled,
            locked,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(first: &str, last: &str, display: &str) -> CurrentUser {
        CurrentUser {
            id: "1".into(),
            username: "ada".into(),
            email: "ada@example.org".into(),
            role: Role::User,
            source: AccountSource::Local,
            first_name: first.into(),
            last_name: last.into(),
            display_name: display.into(),
            identity_locked: None,
            contact_person: String::new(),
            phone: String::new(),
            phone_display: String::new(),
            time_zone: "UTC".into(),
            recovery_email: String::new(),
            avatar_url: None,
            pending_email: None,
            language: String::new(),
            default_language: "en".into(),
            two_factor_enabled: false,
            two_factor_required: false,
            pending_recovery_email: None,
            must_change_password: false,
            password_min_length: 8,
        }
    }

    #[test]
    fn shown_name_falls_back_to_names_then_username() {
        assert_eq!(user("Ada", "Lovelace", "Countess").shown_name(), "Countess");
        assert_eq!(user("Ada", "Lovelace", "").shown_name(), "Ada Lovelace");
        assert_eq!(user("", "", " ").shown_name(), "ada");
    }

    #[test]
    fn initials_take_first_and_last_word() {
        assert_eq!(user("Ada", "King Lovelace", "").initials(), "AL");
        assert_eq!(user("", "", "").initials(), "A");
        assert_eq!(user("élodie", "", "").initials(), "É");
    }

    #[test]
    fn roles_round_trip() {
        for r in [Role::User, Role::Admin] {
            assert_eq!(Role::parse(r.as_str()), Some(r));
        }
        assert_eq!(Role::parse("root"), None);
    }
}
