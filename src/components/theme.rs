//! Light, dark or system theme, remembered in a cookie so the server renders
//! the chosen theme into the very first response.

use crate::i18n::*;
use leptos::prelude::*;

pub const COOKIE: &str = "tessera_theme";
pub const CHOICES: [&str; 3] = ["system", "light", "dark"];

/// The theme chosen in this browser: "light", "dark" or "system".
pub fn current() -> String {
    #[cfg(feature = "ssr")]
    {
        let cookie = use_context::<http::request::Parts>().and_then(|p| {
            p.headers
                .get_all(http::header::COOKIE)
                .iter()
                .filter_map(|v| v.to_str().ok())
                .flat_map(|v| v.split(';'))
                .filter_map(|kv| kv.trim().split_once('='))
                .find(|(k, _)| *k == COOKIE)
                .map(|(_, v)| v.to_string())
        });
        normalise(cookie.as_deref())
    }
    #[cfg(not(feature = "ssr"))]
    {
        #[cfg(feature = "hydrate")]
        let attr = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.document_element())
            .and_then(|e| e.get_attribute("data-theme"));
        #[cfg(not(feature = "hydrate"))]
        let attr: Option<String> = None;
        normalise(attr.as_deref())
    }
}

fn normalise(value: Option<&str>) -> String {
    match value {
        Some("light") => "light",
        Some("dark") => "dark",
        _ => "system",
    }
    .to_string()
}

/// Applies a choice at once and remembers it for a year.
fn apply(choice: &str) {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsCast;
        let Some(document) = web_sys::window().and_then(|w| w.document()) else {
            return;
        };
        if let Some(root) = document.document_element() {
            let _ = root.set_attribute("data-theme", choice);
        }
        let secure = web_sys::window()
            .and_then(|w| w.location().protocol().ok())
            .is_some_and(|p| p == "https:");
        if let Ok(html) = document.dyn_into::<web_sys::HtmlDocument>() {
            let _ = html.set_cookie(&format!(
                "{COOKIE}={choice}; Path=/; Max-Age=31536000; SameSite=Lax{}",
                if secure { "; Secure" } else { "" }
            ));
        }
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = choice;
}

/// The "Appearance" card.
#[component]
pub fn ThemeChoice() -> impl IntoView {
    let chosen = RwSignal::new(current());
    let i18n = use_i18n();
    let label = move |value: &str| match value {
        "light" => t_string!(i18n, theme.light),
        "dark" => t_string!(i18n, theme.dark),
        _ => t_string!(i18n, theme.system),
    };
    view! {
        <section class="card" aria-labelledby="appearance-heading">
            <h2 id="appearance-heading">{t!(i18n, theme.appearance)}</h2>
            <fieldset class="choices">
                <legend>{t!(i18n, theme.theme)}</legend>
                {CHOICES.iter().map(|value| {
                    let value = *value;
                    view! {
                        <label>
                            <input type="radio" name="theme" value=value
                                prop:checked=move || chosen.get() == value
                                on:change=move |_| { chosen.set(value.to_string()); apply(value); }/>
                            {move || label(value)}
                        </label>
                    }
                }).collect_view()}
            </fieldset>
            <p class="hint">{t!(i18n, theme.saved_here)}</p>
        </section>
    }
}
