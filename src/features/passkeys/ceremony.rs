//! A passkey asked for on another page (sign-in, its second step, sudo
//! mode): the server's options, the browser's dialog, the server's check,
//! as one button with its progress and its message.

use super::Ceremony;
use crate::components::webauthn;
use crate::error::AppError;
use crate::i18n::*;
use leptos::prelude::*;
use std::future::Future;

/// `start` gives the options; the browser signs them with a passkey;
/// `finish` (ceremony id, credential JSON) checks it. The error is the
/// sentence to show.
pub async fn with_passkey<T, F>(
    i18n: leptos_i18n::I18nContext<Locale>,
    start: impl Future<Output = Result<Ceremony, AppError>>,
    finish: impl FnOnce(String, String) -> F,
) -> Result<T, String>
where
    F: Future<Output = Result<T, AppError>>,
{
    let ceremony = start.await.map_err(|e| e.message())?;
    let credential = webauthn::get(&ceremony.options)
        .await
        .map_err(|e| e.message(i18n))?;
    finish(ceremony.id, credential)
        .await
        .map_err(|e| e.message())
}

/// The button that runs `action` (a [`with_passkey`]), busy while it runs,
/// with its error below it.
#[component]
pub fn PasskeyButton(
    action: Action<(), Result<String, String>>,
    #[prop(into)] label: ViewFn,
    #[prop(into)] busy_label: ViewFn,
    #[prop(optional)] class: &'static str,
    /// Something else on the page signs in meanwhile: the button waits too.
    #[prop(optional, into)]
    also_busy: Option<Signal<bool>>,
) -> impl IntoView {
    let running = action.pending();
    let pending = Signal::derive(move || running.get() || also_busy.is_some_and(|b| b.get()));
    let error = move || action.value().get().and_then(Result::err);
    view! {
        <button type="button" class=format!("button wide {class}") disabled=move || pending.get()
            aria-busy=move || pending.get().to_string() aria-describedby="passkey-error"
            on:click=move |_| { action.dispatch(()); }>
            {move || if pending.get() { busy_label.run() } else { label.run() }}
        </button>
        <p class="field-error" id="passkey-error" aria-live="polite">{error}</p>
    }
}
