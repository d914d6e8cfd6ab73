//! Which language a request is answered in.
//!
//! Signed in: the user's choice, else the workspace default. Signed out (the
//! sign-in and recovery pages): the browser's `Accept-Language`, else the
//! workspace default. Server messages and mails use the same resolution.

use crate::lang::{self, Locale};

/// The best offered language in an `Accept-Language` header, by quality
/// ("de-CH;q=0.9, en;q=0.8" → de); `q=0` means "not this one".
pub fn from_accept_language(header: &str) -> Option<Locale> {
    let mut ranked: Vec<(u16, usize, Locale)> = header
        .split(',')
        .enumerate()
        .filter_map(|(i, item)| {
            let mut parts = item.split(';');
            let tag = parts.next()?.trim();
            let q = parts
                .filter_map(|p| p.trim().strip_prefix("q="))
                .next()
                .map_or(Some(1000), |q| {
                    q.trim()
                        .parse::<f32>()
                        .ok()
                        .map(|q| (q.clamp(0.0, 1.0) * 1000.0) as u16)
                })?;
            let primary = tag.split(['-', '_']).next()?.to_ascii_lowercase();
            let locale = lang::parse(&primary)?;
            (q > 0).then_some((q, i, locale))
        })
        .collect();
    // Highest quality first; among equals, the order the browser gave.
    ranked.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    ranked.first().map(|r| r.2)
}

/// The language for a request.
pub fn resolve(user_choice: Option<&str>, workspace_default: Locale, accept: &str) -> Locale {
    match user_choice {
        Some(choice) => lang::parse(choice).unwrap_or(workspace_default),
        None => from_accept_language(accept).unwrap_or(workspace_default),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_language_picks_the_best_offered() {
        assert_eq!(
            from_accept_language("de-DE,de;q=0.9,en;q=0.8"),
            Some(Locale::de)
        );
        assert_eq!(
            from_accept_language("fr-FR, en;q=0.5, de;q=0.7"),
            Some(Locale::de)
        );
        assert_eq!(from_accept_language("en-GB"), Some(Locale::en));
        assert_eq!(from_accept_language("de;q=0, en;q=0.1"), Some(Locale::en));
        assert_eq!(from_accept_language("fr, it"), None);
        assert_eq!(from_accept_language(""), None);
        assert_eq!(from_accept_language("de;q=abc"), None);
    }

    #[test]
    fn user_choice_wins_then_default() {
        assert_eq!(resolve(Some("de"), Locale::en, "en"), Locale::de);
        // Signed in without a choice: the workspace default, not the browser.
        assert_eq!(resolve(Some(""), Locale::de, "en"), Locale::de);
        assert_eq!(resolve(None, Locale::en, "de-AT"), Locale::de);
        assert_eq!(resolve(None, Locale::de, "fr"), Locale::de);
    }
}
