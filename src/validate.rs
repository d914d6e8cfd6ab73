//! Input rules shared by the forms (for instant feedback) and the server (which
//! enforces them). Each returns the cleaned value or a message for the field,
//! in the language `l` of the person typing.

use crate::i18n::td_string;
use crate::lang::Locale;

/// First, last and display names: trimmed, at most `MAX_NAME` characters, no
/// control characters (they break layouts and logs).
pub const MAX_NAME: usize = 100;

pub fn name(value: &str, l: Locale) -> Result<String, String> {
    let v = value.trim();
    if v.chars().count() > MAX_NAME {
        return Err(td_string!(l, validate.at_most, max = MAX_NAME).to_string());
    }
    if v.chars().any(char::is_control) {
        return Err(td_string!(l, validate.control_chars).to_string());
    }
    Ok(v.to_string())
}

/// Usernames: 2–32 characters of letters, digits, `.`, `_`, `-`, starting with a
/// letter or digit. They appear in URLs and audit logs, so keep them plain.
pub fn username(value: &str, l: Locale) -> Result<String, String> {
    let v = value.trim();
    let len = v.chars().count();
    if !(2..=32).contains(&len) {
        return Err(td_string!(l, validate.username_length).to_string());
    }
    if !v
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
    {
        return Err(td_string!(l, validate.username_chars).to_string());
    }
    if !v.starts_with(|c: char| c.is_ascii_alphanumeric()) {
        return Err(td_string!(l, validate.username_start).to_string());
    }
    Ok(v.to_string())
}

/// A plausible email address: one `@`, a dotted domain, no spaces, ≤ 254 chars.
/// Whether it really receives mail is proven by the confirmation link, not here.
pub fn email(value: &str, l: Locale) -> Result<String, String> {
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
        Err(td_string!(l, validate.email).to_string())
    }
}

/// The shortest password anyone may choose, unless an administrator asks
/// for longer ones (the workspace setting `password_min_length`).
pub const MIN_PASSWORD: usize = 8;
/// The longest minimum an administrator may set.
pub const MAX_MIN_PASSWORD: usize = 128;
pub const MAX_PASSWORD: usize = 256;

/// Every rule `password` breaks, in the order the form lists them. Per ASVS
/// V6.2: at least `min` characters (never fewer than 8), up to 256 (any
/// Unicode, none dropped: Argon2 hashes all of it), not the account's own
/// name or address, and (server side) not a common password. No composition
/// rules: they make passwords more predictable, not stronger.
pub fn password_problems(
    password: &str,
    username: &str,
    email: &str,
    min: usize,
    l: Locale,
) -> Vec<String> {
    let mut problems = Vec::new();
    let len = password.chars().count();
    let min = min.max(MIN_PASSWORD);
    if len < min {
        problems.push(td_string!(l, validate.at_least, min = min).to_string());
    }
    if len > MAX_PASSWORD {
        problems.push(td_string!(l, validate.at_most, max = MAX_PASSWORD).to_string());
    }
    let lower = password.to_lowercase();
    let local_part = email.split('@').next().unwrap_or("");
    if (!username.is_empty() && lower == username.to_lowercase())
        || (!email.is_empty()
            && (lower == email.to_lowercase() || lower == local_part.to_lowercase()))
    {
        problems.push(td_string!(l, validate.not_username).to_string());
    }
    problems
}

/// The page a signed-in person lands on: `/` and `/settings` redirect here.
pub const HOME: &str = "/settings/profile";

/// Where to go after signing in: a path on this site, or [`HOME`].
///
/// Browsers "repair" what they are given before following it: they drop tabs and
/// newlines, turn `\` into `/`, and read `//host` as another site. So a value is
/// kept only when it starts with `/`, holds no control character, no whitespace
/// and no backslash anywhere, and — resolved as a URL against this site — stays
/// on this site. What is returned is that resolved path (with `.` and `..`
/// removed, characters percent-encoded), so the browser has nothing left to
/// repair. Everything else (absolute URLs too) becomes [`HOME`]. Paths back to
/// the sign-in page would loop and are dropped as well.
#[cfg(feature = "ssr")]
pub fn safe_next(next: Option<&str>) -> String {
    const SITE: &str = "https://tessera.invalid/";
    let Some(n) = next else {
        return HOME.to_string();
    };
    if !n.starts_with('/')
        || n.len() > 2048
        || n.chars()
            .any(|c| c.is_control() || c.is_whitespace() || c == '\\')
    {
        return HOME.to_string();
    }
    let Ok(site) = url::Url::parse(SITE) else {
        return HOME.to_string();
    };
    let Ok(url) = site.join(n) else {
        return HOME.to_string();
    };
    let path = url.path();
    if url.origin() != site.origin()
        || !path.starts_with('/')
        || path.starts_with("//")
        || path == "/login"
        || path.starts_with("/login/")
    {
        return HOME.to_string();
    }
    let mut out = path.to_string();
    if let Some(q) = url.query() {
        out.push('?');
        out.push_str(q);
    }
    if let Some(f) = url.fragment() {
        out.push('#');
        out.push_str(f);
    }
    out
}

/// Percent-encodes everything but unreserved characters and `/` (for a path
/// carried in a query parameter such as `next`).
pub fn encode_component(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    const EN: Locale = Locale::en;

    #[test]
    fn names() {
        assert_eq!(name("  Ada ", EN).as_deref(), Ok("Ada"));
        assert!(name(&"x".repeat(101), EN).is_err());
        assert!(name(&"é".repeat(100), EN).is_ok());
        assert!(name("Ada\nLovelace", EN).is_err());
        assert!(name("Ada\u{7}", EN).is_err());
        assert_eq!(name("", EN).as_deref(), Ok(""));
    }

    #[test]
    fn usernames() {
        assert!(username("ada", EN).is_ok());
        assert!(username("a", EN).is_err());
        assert!(username("ada lovelace", EN).is_err());
        assert!(username("-ada", EN).is_err());
        assert!(username(&"a".repeat(33), EN).is_err());
    }

    #[test]
    fn emails() {
        assert!(email("ada@example.org", EN).is_ok());
        assert!(email("admin@localhost", EN).is_ok());
        for bad in [
            "ada",
            "ada@",
            "@example.org",
            "a b@example.org",
            "a@b@c.org",
            "a@.org",
            "a@example.",
        ] {
            assert!(email(bad, EN).is_err(), "{bad}");
        }
    }

    #[test]
    fn password_rules_are_all_reported() {
        assert!(password_problems("tr0ub4dor&3", "ada", "ada@example.org", 8, EN).is_empty());
        assert_eq!(password_problems("short", "ada", "", 8, EN).len(), 1);
        // A workspace may ask for longer ones, never for shorter.
        assert_eq!(password_problems("abcdefghij", "ada", "", 12, EN).len(), 1);
        assert!(password_problems("abcdefgh", "ada", "", 4, EN).is_empty());
        assert_eq!(password_problems("abcdefg", "ada", "", 4, EN).len(), 1);
        // No composition rules: letters alone are fine when long enough …
        assert!(password_problems("correct horse battery staple", "ada", "", 8, EN).is_empty());
        assert!(password_problems("abcdefghij", "ada", "", 8, EN).is_empty());
        // … any Unicode counts by characters, and 64 and more are allowed.
        assert!(password_problems("пароль-ключ", "ada", "", 8, EN).is_empty());
        assert!(password_problems(&"🐴".repeat(64), "ada", "", 8, EN).is_empty());
        assert!(password_problems(&"x".repeat(256), "ada", "", 8, EN).is_empty());
        assert_eq!(
            password_problems(&"x".repeat(257), "ada", "", 8, EN).len(),
            1
        );
        assert_eq!(
            password_problems("Ada.Lovelace1", "ada.lovelace1", "", 8, EN).len(),
            1
        );
        assert_eq!(
            password_problems("ada-1234", "x", "ada-1234@example.org", 8, EN).len(),
            1
        );
    }

    #[test]
    fn messages_follow_the_language() {
        assert_eq!(
            name(&"x".repeat(101), EN),
            Err("Use at most 100 characters.".into())
        );
        assert_eq!(
            name(&"x".repeat(101), Locale::de),
            Err("Verwende höchstens 100 Zeichen.".into())
        );
    }

    #[test]
    fn next_stays_on_site() {
        assert_eq!(
            safe_next(Some("/settings/profile?x=1")),
            "/settings/profile?x=1"
        );
        for bad in [
            "//evil.example",
            "/\\evil.example",
            "/\t/evil.example",
            "/\n/evil.example",
            "/\r\n/evil.example",
            "/ /evil.example",
            "/\u{0}/evil.example",
            "/\u{7f}/evil.example",
            "/settings\\..\\..\\evil",
            "https://evil.example",
            "http:/evil.example",
            "javascript:alert(1)",
            "evil.example",
            "",
            "/login",
            "/login?next=/login",
            "/login/two-factor",
            "/./login",
            "/settings/../login",
            "/..//evil.example",
            "/.//evil.example",
            "/%2e%2e//evil.example",
            "/\u{2028}/evil.example",
            "/\u{3000}/evil.example",
            "/\u{a0}/evil.example",
            "/\u{85}/evil.example",
            "/\u{1b}/evil.example",
            "/\u{b}/evil.example",
            "/\u{c}/evil.example",
            "/\\/evil.example",
            "/\t\\evil.example",
        ] {
            assert_eq!(safe_next(Some(bad)), HOME, "{bad:?}");
        }
        assert_eq!(safe_next(None), HOME);
        assert_eq!(safe_next(Some(&format!("/{}", "a".repeat(3000)))), HOME);
        // What comes back is what the browser follows: normalised, encoded.
        assert_eq!(safe_next(Some("/settings/./tokens")), "/settings/tokens");
        assert_eq!(safe_next(Some("/a/../settings/tokens")), "/settings/tokens");
        assert_eq!(safe_next(Some("/settings/ü")), "/settings/%C3%BC");
        assert_eq!(
            safe_next(Some("/settings/\u{200b}x")),
            "/settings/%E2%80%8Bx"
        );
        assert_eq!(
            safe_next(Some("/settings/tokens?a=1#list")),
            "/settings/tokens?a=1#list"
        );
        assert_eq!(safe_next(Some("/login-help")), "/login-help");
        // Encoded slashes and tabs stay a path on this site.
        assert_eq!(safe_next(Some("/%09/evil.example")), "/%09/evil.example");
        assert_eq!(
            safe_next(Some("/%2F%2Fevil.example")),
            "/%2F%2Fevil.example"
        );
    }
}
