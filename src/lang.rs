//! The languages of the interface. Texts live in `locales/<code>.json`; build.rs
//! compiles them into [`crate::i18n`], so a key missing from one language fails the
//! build. Components use `t!(i18n, key)` / `t_string!`; code without a reactive
//! context (server messages, mails) uses `td_string!(locale, key)`.

pub use crate::i18n::Locale;
use leptos::prelude::*;

/// Every language offered, each named in itself.
pub const LANGUAGES: [(Locale, &str); 2] = [(Locale::en, "English"), (Locale::de, "Deutsch")];

/// The language code as stored and sent ("en", "de").
pub fn code(locale: Locale) -> &'static str {
    match locale {
        Locale::en => "en",
        Locale::de => "de",
    }
}

/// A stored or submitted code, if it names a language we offer.
pub fn parse(code: &str) -> Option<Locale> {
    code.trim().parse().ok()
}

/// The language in its own words ("Deutsch").
pub fn name(locale: Locale) -> &'static str {
    LANGUAGES
        .iter()
        .find(|(l, _)| *l == locale)
        .map_or("English", |(_, n)| *n)
}

/// The language of the page being rendered, provided as context by the server
/// for each request (it was chosen there: user, workspace default, browser).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PageLanguage(pub Locale);

/// The language this page was rendered in: chosen per request on the server
/// (see `server::infra::lang`), read back from `<html lang>` when the browser hydrates.
pub fn initial() -> Locale {
    #[cfg(feature = "ssr")]
    {
        leptos::prelude::use_context::<PageLanguage>()
            .map(|p| p.0)
            .unwrap_or_default()
    }
    #[cfg(not(feature = "ssr"))]
    {
        #[cfg(feature = "hydrate")]
        let lang = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.document_element())
            .and_then(|e| e.get_attribute("lang"));
        #[cfg(not(feature = "hydrate"))]
        let lang: Option<String> = None;
        lang.as_deref().and_then(parse).unwrap_or_default()
    }
}

/// Switches the page to `locale` at once (texts re-render, `<html lang>` follows).
pub fn switch(locale: Locale) {
    crate::i18n::use_i18n().set_locale(locale);
    #[cfg(feature = "hydrate")]
    if let Some(root) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.document_element())
    {
        let _ = root.set_attribute("lang", code(locale));
    }
}

/// The page's language now, without subscribing (for messages built in handlers).
pub fn current() -> Locale {
    use_context::<leptos_i18n::I18nContext<Locale>>()
        .map_or_else(initial, |i| i.get_locale_untracked())
}
