//! Light, dark or system theme, remembered in a cookie so the server renders
//! the chosen theme into the very first response.

use leptos::prelude::*;

pub const COOKIE: &str = "tessera_theme";
pub const CHOICES: [(&str, &str); 3] = [
    ("system", "Same as system"),
    ("light", "Light"),
    ("dark", "Dark"),
];

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
    view! {
        <section class="card" aria-labelledby="appearance-heading">
            <h2 id="appearance-heading">"Appearance"</h2>
            <fieldset class="choices">
                <legend>"Theme"</legend>
                {CHOICES.iter().map(|(value, label)| {
                    let value = *value;
                    view! {
                        <label>
                            <input type="radio" name="theme" value=value
                                prop:checked=move || chosen.get() == value
                                on:change=move |_| { chosen.set(value.to_string()); apply(value); }/>
                            {*label}
                        </label>
                    }
                }).collect_view()}
            </fieldset>
            <p class="hint">"Saved in this browser."</p>
        </section>
    }
}
