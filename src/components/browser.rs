//! Small wrappers over browser APIs. On the server they do nothing, so components
//! can call them unconditionally from event handlers and effects.

/// Loads the current page again from the server.
pub fn reload() {
    #[cfg(feature = "hydrate")]
    if let Some(w) = web_sys::window() {
        let _ = w.location().reload();
    }
}

/// A full page load of `url` (used after signing in or out, so the page is
/// rendered afresh for the new session).
pub fn go_to(url: &str) {
    #[cfg(feature = "hydrate")]
    if let Some(w) = web_sys::window() {
        let _ = w.location().assign(url);
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = url;
}

/// Copies `text` with the Clipboard API; false when the browser refused.
pub async fn copy_to_clipboard(text: &str) -> bool {
    #[cfg(feature = "hydrate")]
    {
        let Some(w) = web_sys::window() else {
            return false;
        };
        let promise = w.navigator().clipboard().write_text(text);
        wasm_bindgen_futures::JsFuture::from(promise).await.is_ok()
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = text;
        false
    }
}

/// Runs `f` after `ms` milliseconds (browser only).
pub fn after(ms: u32, f: impl FnOnce() + 'static) {
    #[cfg(feature = "hydrate")]
    gloo_timers::callback::Timeout::new(ms, f).forget();
    #[cfg(not(feature = "hydrate"))]
    let _ = (ms, f);
}

/// A callback after some milliseconds (browser only), cancelled when dropped.
pub struct Timer(
    // Only held: dropping it cancels the callback.
    #[cfg(feature = "hydrate")]
    #[allow(dead_code)]
    gloo_timers::callback::Timeout,
);

impl Timer {
    /// Runs `f` after `ms` milliseconds unless the timer is dropped first.
    pub fn after(ms: u32, f: impl FnOnce() + 'static) -> Timer {
        #[cfg(feature = "hydrate")]
        {
            Timer(gloo_timers::callback::Timeout::new(ms, f))
        }
        #[cfg(not(feature = "hydrate"))]
        {
            let _ = (ms, f);
            Timer()
        }
    }
}

/// Offers `text` as a file download named `name` (browser only).
pub fn download(name: &str, mime: &str, text: &str) {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsCast;
        let parts = js_sys_array(text);
        let options = web_sys::BlobPropertyBag::new();
        options.set_type(mime);
        let Ok(blob) = web_sys::Blob::new_with_str_sequence_and_options(&parts, &options) else {
            return;
        };
        let Ok(url) = web_sys::Url::create_object_url_with_blob(&blob) else {
            return;
        };
        let document = web_sys::window().and_then(|w| w.document());
        if let Some(a) = document
            .and_then(|d| d.create_element("a").ok())
            .and_then(|e| e.dyn_into::<web_sys::HtmlAnchorElement>().ok())
        {
            a.set_href(&url);
            a.set_download(name);
            a.click();
        }
        let _ = web_sys::Url::revoke_object_url(&url);
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (name, mime, text);
}

#[cfg(feature = "hydrate")]
fn js_sys_array(text: &str) -> wasm_bindgen::JsValue {
    // A one-element JavaScript array holding `text`, as Blob() wants.
    let array = web_sys::js_sys::Array::new();
    array.push(&wasm_bindgen::JsValue::from_str(text));
    array.into()
}

/// The text of the panic the router raises when a page's WebAssembly module
/// (see `app.rs`, `lazy_pages!`) cannot be fetched.
#[cfg(feature = "hydrate")]
const MODULE_FAILED: &str = "load callback should succeed";

#[cfg(feature = "hydrate")]
thread_local! {
    /// The address of the link last clicked: where the person was going.
    static LAST_LINK: std::cell::RefCell<Option<String>> = const { std::cell::RefCell::new(None) };
}

/// The session-storage key that marks a page already reloaded for a failed
/// module, or for a shell that did not arrive (`src/boot.js` is given it).
pub const RELOADED: &str = "tessera_module_reload";

/// When a page's module cannot be loaded (a new release replaced the files an
/// open tab was built against, or the network dropped it), the router panics
/// and the app in this tab is dead. This turns that into a full page load of
/// where the person was going (the link last clicked, else this page), which
/// fetches the current release. Once per address until a page hydrates again
/// ([`module_loads_work`]), so an unreachable server does not reload in a loop.
#[cfg(feature = "hydrate")]
pub fn reload_when_a_page_module_fails() {
    use wasm_bindgen::{closure::Closure, JsCast};
    let Some(window) = web_sys::window() else {
        return;
    };
    if let Some(document) = window.document() {
        // Capture phase: seen before the router takes the click over.
        let remember = Closure::<dyn Fn(web_sys::Event)>::new(|ev: web_sys::Event| {
            let link = ev
                .target()
                .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
                .and_then(|e| e.closest("a[href]").ok().flatten())
                .and_then(|a| a.dyn_into::<web_sys::HtmlAnchorElement>().ok());
            // Only this site's pages: a link to elsewhere (opened in a new tab,
            // say) must never become where a failed module sends this tab.
            let here = web_sys::window().and_then(|w| w.location().origin().ok());
            if let (Some(a), Some(here)) = (link, here) {
                let href = a.href();
                let same_site = href
                    .strip_prefix(here.as_str())
                    .is_some_and(|rest| rest.starts_with('/'));
                LAST_LINK.with(|l| *l.borrow_mut() = same_site.then_some(href));
            }
        });
        let _ = document.add_event_listener_with_callback_and_bool(
            "click",
            remember.as_ref().unchecked_ref(),
            true,
        );
        remember.forget();
    }
    std::panic::set_hook(Box::new(|info| {
        console_error_panic_hook::hook(info);
        if !info
            .payload_as_str()
            .is_some_and(|m| m.contains(MODULE_FAILED))
        {
            return;
        }
        let Some(window) = web_sys::window() else {
            return;
        };
        let here = window.location().href().unwrap_or_default();
        let target = LAST_LINK.with(|l| l.borrow().clone()).unwrap_or(here);
        let storage = window.session_storage().ok().flatten();
        if let Some(s) = &storage {
            if s.get_item(RELOADED).ok().flatten().as_deref() == Some(target.as_str()) {
                return;
            }
            let _ = s.set_item(RELOADED, &target);
        }
        let _ = window.location().assign(&target);
    }));
}

/// Called once a page has hydrated: its modules loaded, so a later failure
/// may reload again.
#[cfg(feature = "hydrate")]
pub fn module_loads_work() {
    if let Some(s) = web_sys::window().and_then(|w| w.session_storage().ok().flatten()) {
        let _ = s.remove_item(RELOADED);
    }
}
