//! Input rules shared by the forms (for instant feedback) and the server (which
//! enforces them). Each returns the cleaned value or a message for the field.

/// First, last and display names: trimmed, at most `MAX_NAME` characters, no
/// control characters (they break layouts and logs).
pub const MAX_NAME: usize = 100;

pub fn name(value: &str) -> Result<String, String> {
    let v = value.trim();
    if v.chars().count() > MAX_NAME {
        return Err(format!("Use at most {MAX_NAME} characters."));
    }
    if v.chars().any(char::is_control) {
        return Err("Remove line breaks and other control characters.".into());
    }
    Ok(v.to_string())
}

/// Usernames: 2–32 characters of letters, digits, `.`, `_`, `-`, starting with a
/// letter or digit. They appear in URLs and audit logs, so keep them plain.
pub fn username(value: &str) -> Result<String, String> {
    let v = value.trim();
    let len = v.chars().count();
    if !(2..=32).contains(&len) {
        return Err("Use 2 to 32 characters.".into());
    }
    if !v
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
    {
        return Err("Use only letters, digits, '.', '_' and '-'.".into());
    }
    if !v.starts_with(|c: char| c.is_ascii_alphanumeric()) {
        return Err("Start with a letter or a digit.".into());
    }
    Ok(v.to_string())
}

/// A plausible email address: one `@`, a dotted domain, no spaces, ≤ 254 chars.
/// Whether it really receives mail is proven by the confirmation link, not here.
pub fn email(value: &str) -> Result<String, String> {
    let v = value.trim();
    let ok = v.len() <= 254
        && !v.chars().any(|c| c.is_whitespace() || c.is_control())
        && match v.split_once('@') {
            Some((local, domain)) => {
                !local.is_empty()
                    && !domain.contains('@')
                    && (domain.contains('.') || domain == "localhost")
                    && !domain.starts_with('.')
                    && !domain.ends_with('.')
            }
            None => false,
        };
    if ok {
        Ok(v.to_string())
    } else {
        Err("Enter an email address like name@example.org.".into())
    }
}

pub const MIN_PASSWORD: usize = 8;
pub const MAX_PASSWORD: usize = 256;

/// Every rule `password` breaks, in the order the form lists them.
pub fn password_problems(password: &str, username: &str, email: &str) -> Vec<String> {
    let mut problems = Vec::new();
    let len = password.chars().count();
    if len < MIN_PASSWORD {
        problems.push(format!("Use at least {MIN_PASSWORD} characters."));
    }
    if len > MAX_PASSWORD {
        problems.push(format!("Use at most {MAX_PASSWORD} characters."));
    }
    if !password
        .chars()
        .any(|c| c.is_ascii_digit() || !c.is_alphanumeric())
    {
        problems.push("Include a digit or a special character.".into());
    }
    let lower = password.to_lowercase();
    let local_part = email.split('@').next().unwrap_or("");
    if (!username.is_empty() && lower == username.to_lowercase())
        || (!email.is_empty()
            && (lower == email.to_lowercase() || lower == local_part.to_lowercase()))
    {
        problems.push("Do not use your username or email address.".into());
    }
    problems
}

/// Where to go after signing in: only paths on this site, never `//host` or
/// `/\host` (which browsers treat as another site).
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n)
            if n.starts_with('/')
                && !n.starts_with("//")
                && !n.starts_with("/\\")
                && !n.starts_with("/login") =>
        {
            n.to_string()
        }
        _ => "/".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(name("  Ada ").as_deref(), Ok("Ada"));
        assert!(name(&"x".repeat(101)).is_err());
        assert!(name(&"é".repeat(100)).is_ok());
        assert!(name("Ada\nLovelace").is_err());
        assert!(name("Ada\u{7}").is_err());
        assert_eq!(name("").as_deref(), Ok(""));
    }

    #[test]
    fn usernames() {
        assert!(username("ada").is_ok());
        assert!(username("a").is_err());
        assert!(username("ada lovelace").is_err());
        assert!(username("-ada").is_err());
        assert!(username(&"a".repeat(33)).is_err());
    }

    #[test]
    fn emails() {
        assert!(email("ada@example.org").is_ok());
        assert!(email("admin@localhost").is_ok());
        for bad in [
            "ada",
            "ada@",
            "@example.org",
            "a b@example.org",
            "a@b@c.org",
            "a@.org",
            "a@example.",
        ] {
            assert!(email(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn password_rules_are_all_reported() {
        assert!(password_problems("tr0ub4dor&3", "ada", "ada@example.org").is_empty());
        assert_eq!(password_problems("short", "ada", "").len(), 2);
        assert_eq!(password_problems("abcdefghij", "ada", "").len(), 1);
        assert_eq!(
            password_problems("Ada.Lovelace1", "ada.lovelace1", "").len(),
            1
        );
        assert_eq!(
            password_problems("ada-1234", "x", "ada-1234@example.org").len(),
            1
        );
    }

    #[test]
    fn next_stays_on_site() {
        assert_eq!(
            safe_next(Some("/settings/profile?x=1")),
            "/settings/profile?x=1"
        );
        assert_eq!(safe_next(Some("//evil.example")), "/");
        assert_eq!(safe_next(Some("/\\evil.example")), "/");
        assert_eq!(safe_next(Some("https://evil.example")), "/");
        assert_eq!(safe_next(Some("/login")), "/");
        assert_eq!(safe_next(None), "/");
    }
}
