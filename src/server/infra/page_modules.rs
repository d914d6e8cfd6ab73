//! What a page names in its `<head>` of a split build's modules (`Split`):
//! the loader, the pack of its own lazy parts, and the pack of what it leads
//! to. Called by each lazy page's view on the server (`app::lazy_pages!`).

use super::split::Split;
use std::sync::PoisonError;

/// The lazy part ids (pages, the signed-in frame) whose modules one page
/// render has named already.
#[derive(Clone, Default)]
pub struct Announced(std::sync::Arc<std::sync::Mutex<std::collections::HashSet<&'static str>>>);

/// Names the modules of the page being rendered in its `<head>` (`<meta
/// name="tessera-module">`: the split loader and the pack of the modules of
/// every lazy part noted so far, `Split`), so that the browser fetches them
/// alongside the shell instead of only once the shell has run: `src/boot.js`
/// asks for them when it starts the app, after the first paint. Called by each
/// lazy page's view on the server, right after Leptos noted the page's id
/// (`#[lazy]`); the signed-in frame around a page (`app::SignedIn`) calls
/// nothing, so its modules come in the page's pack. `next` names the lazy
/// parts the page leads to (the sign-in page: the frame and the profile):
/// their pack is named in `<meta name="tessera-next">`, and `src/boot.js`
/// fetches it once the page is interactive.
///
/// Leptos 0.8 writes preload links for them only from its `<HydrationScripts>`
/// (which `app::BootScript` replaces), and there only when its manifest happens
/// to be in reach after the render, which on a streamed signed-in page is
/// rarely: the ids are taken out of its list here, so each is named once, by
/// this.
pub fn announce_page_modules(next: &[&str]) {
    use leptos::prelude::*;
    use leptos_meta::Meta;
    let Some(split) = use_context::<std::sync::Arc<Split>>() else {
        return;
    };
    let Some(noted) = use_context::<leptos::PrefetchLazyFn>() else {
        return;
    };
    let ids: Vec<&'static str> = noted
        .0
        .try_write_value()
        .map(|mut set| set.drain().collect())
        .unwrap_or_default();
    // Should the page be built more than once on the server (Leptos'
    // <Suspense> walks what it holds on each of its passes), the tags go in once.
    let ids: Vec<&'static str> = match use_context::<Announced>() {
        Some(announced) => {
            let mut done = announced.0.lock().unwrap_or_else(PoisonError::into_inner);
            ids.into_iter().filter(|id| done.insert(id)).collect()
        }
        None => ids,
    };
    if ids.is_empty() {
        return;
    }
    // `to_html` registers a leptos_meta tag with the page's <head>. The loader
    // first: every module needs it.
    for href in split.preloads(ids.iter().copied()).unwrap_or_default() {
        let _ = view! { <Meta name="tessera-module" content=href/> }.to_html();
    }
    // The pack of the parts the page leads to (`src/boot.js` fetches it once
    // the page is interactive, and keeps its modules).
    if let Some(pack) = split.next_pack(&ids, &split.ids_named(next)) {
        let _ = view! { <Meta name="tessera-next" content=pack/> }.to_html();
    }
}
