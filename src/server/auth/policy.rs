//! The password policy as the server enforces it: the shared rules of
//! `validate::password_problems` plus the list of common passwords, which is
//! too large to ship to the browser.

use crate::lang::Locale;
use std::collections::HashSet;
use std::sync::OnceLock;

/// The 10,000 most common passwords (lower case), one a line; from the zxcvbn
/// project's frequency lists (MIT licence).
const COMMON: &str = include_str!("common-passwords.txt");

fn common() -> &'static HashSet<&'static str> {
    static SET: OnceLock<HashSet<&'static str>> = OnceLock::new();
    SET.get_or_init(|| {
        COMMON
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect()
    })
}

pub fn is_common(password: &str) -> bool {
    common().contains(password.to_lowercase().as_str())
}

/// Every rule `password` breaks, for the form and the server alike.
pub fn problems(password: &str, username: &str, email: &str, min: usize, l: Locale) -> Vec<String> {
    let mut p = crate::validate::password_problems(password, username, email, min, l);
    if is_common(password) {
        p.push(common_message(l));
    }
    p
}

/// The message for a password on the common list.
pub fn common_message(l: Locale) -> String {
    crate::i18n::td_string!(l, password.common).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_list_is_complete_and_case_insensitive() {
        assert_eq!(common().len(), 10_000);
        assert!(is_common("password"));
        assert!(is_common("PassWord"));
        assert!(is_common("qqqqqq1"));
        assert!(!is_common("tr0ub4dor&3-horse"));
    }

    #[test]
    fn common_passwords_fail_the_policy_even_when_otherwise_fine() {
        assert!(
            crate::validate::password_problems("password1", "ada", "", 8, Locale::en).is_empty()
        );
        assert_eq!(
            problems("password1", "ada", "", 8, Locale::en),
            vec!["This is one of the most common passwords. Choose another."]
        );
    }
}
