//! The page's `<title>`.

use leptos::prelude::*;
use leptos_meta::Title;

/// Sets the page's title from `text`. In the browser the title follows `text`
/// (a change of language renames the tab at once). On the server it is the text
/// as it is now: the meta context keeps whatever a `<Title>` gives it until the
/// head is rendered, after the body, and a closure kept there could read values
/// of a page instance that a `<Suspense/>` has already rendered again and
/// disposed (a panic, now and then, under load).
#[component]
pub fn PageTitle<F>(text: F) -> impl IntoView
where
    F: Fn() -> String + Send + Sync + 'static,
{
    #[cfg(feature = "ssr")]
    {
        let now = text();
        view! { <Title text=now/> }
    }
    #[cfg(not(feature = "ssr"))]
    {
        view! { <Title text=text/> }
    }
}
