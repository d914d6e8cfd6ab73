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

/// The session-storage key that marks a page already reloaded for a page
/// module that could not be fetched, or for a shell that did not arrive: both
/// handled by `src/boot.js`, which is given it. Not in a panic hook: a release
/// build's panics abort at once, without running one (README, "The front end").
pub const RELOADED: &str = "tessera_module_reload";

/// Called once a page has hydrated: its modules loaded, so a later failure
/// may reload again.
#[cfg(feature = "hydrate")]
pub fn module_loads_work() {
    if let Some(s) = web_sys::window().and_then(|w| w.session_storage().ok().flatten()) {
        let _ = s.remove_item(RELOADED);
    }
}
