//! Configuration values that are secrets, or may carry one: their `Debug`
//! never prints it, so a logged `Config` leaks nothing.

/// 32 bytes of key material. `Debug` never prints it.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretKey(pub [u8; 32]);

impl SecretKey {
    /// 64 hex digits, as in the configuration and the key file.
    pub fn parse(hex_text: &str) -> Option<SecretKey> {
        let bytes = hex::decode(hex_text.trim()).ok()?;
        Some(SecretKey(bytes.try_into().ok()?))
    }
}

impl std::fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretKey(…)")
    }
}

/// The database URL, which may carry a PostgreSQL password: `Debug` shows it
/// with the password replaced.
#[derive(Clone, PartialEq, Eq)]
pub struct DatabaseUrl(pub(super) String);

impl DatabaseUrl {
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::ops::Deref for DatabaseUrl {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match url::Url::parse(&self.0) {
            Ok(mut u) if u.password().is_some() => {
                let _ = u.set_password(Some("…"));
                write!(f, "DatabaseUrl({:?})", u.as_str())
            }
            Ok(_) => write!(f, "DatabaseUrl({:?})", self.0),
            Err(_) => f.write_str("DatabaseUrl(…)"),
        }
    }
}

/// The SMTP URL, which may carry a password: never printed by `Debug`.
#[derive(Clone, PartialEq, Eq)]
pub struct SmtpUrl(pub(super) String);

impl SmtpUrl {
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for SmtpUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SmtpUrl(…)")
    }
}
