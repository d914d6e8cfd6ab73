//! Labelled form fields with their messages.

use crate::error::AppError;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;

/// The message the server gave for `field` in the action's last answer.
pub fn field_error<S>(action: ServerAction<S>, field: &'static str) -> Signal<Option<String>>
where
    S: ServerFn<Error = AppError> + Clone + Send + Sync + 'static,
    S::Output: Clone + Send + Sync + 'static,
{
    Signal::derive(move || {
        action
            .value()
            .get()
            .and_then(Result::err)
            .and_then(|e| e.field_message(field))
    })
}

/// The fields of the form a submit event came from (browser only).
#[cfg(feature = "hydrate")]
pub fn form_data(ev: &leptos::ev::SubmitEvent) -> Option<web_sys::FormData> {
    use wasm_bindgen::JsCast;
    let form = ev
        .target()
        .and_then(|t| t.dyn_into::<web_sys::HtmlFormElement>().ok())?;
    web_sys::FormData::new_with_form(&form).ok()
}

/// What is in the input `input` now ("" before it is rendered, and on the
/// server). The sign-in forms read their fields with this rather than through
/// Leptos' `ActionForm`, whose decoding of a whole form into a server
/// function's arguments (`serde_qs`, with its B-tree maps and sorting) was
/// ~18 KB of what a first visit of the sign-in page downloads.
pub fn typed(input: NodeRef<leptos::html::Input>) -> String {
    input.get_untracked().map(|i| i.value()).unwrap_or_default()
}

/// The message under a field; `id` is what the input's `aria-describedby` names.
#[component]
pub fn FieldMessage(
    id: &'static str,
    #[prop(into)] message: Signal<Option<String>>,
) -> impl IntoView {
    view! {
        <p class="field-error" id=id aria-live="polite">
            {move || message.get().unwrap_or_default()}
        </p>
    }
}

/// A text input with its label, an optional hint, and its error message.
#[component]
pub fn TextField(
    id: &'static str,
    /// The label text (usually `t!(i18n, …)`, so it follows the language).
    #[prop(into)]
    label: ViewFn,
    value: RwSignal<String>,
    #[prop(into)] error: Signal<Option<String>>,
    #[prop(default = "text")] input_type: &'static str,
    #[prop(optional)] autocomplete: &'static str,
    /// `inputmode` (e.g. "numeric" for codes: a digit keyboard on phones).
    #[prop(optional)]
    input_mode: &'static str,
    #[prop(optional, into)] hint: Option<ViewFn>,
    /// Shown but not editable (the hint should say why).
    #[prop(optional)]
    readonly: bool,
) -> impl IntoView {
    let error_id = format!("{id}-error");
    let hint_id = format!("{id}-hint");
    let described = if hint.is_none() {
        error_id.clone()
    } else {
        format!("{hint_id} {error_id}")
    };
    view! {
        <div class="field" class:has-error=move || error.get().is_some()>
            <label for=id>{label.run()}</label>
            <input id=id name=id type=input_type autocomplete=autocomplete
                inputmode=(!input_mode.is_empty()).then_some(input_mode)
                prop:value=move || value.get()
                readonly=readonly
                on:input=move |ev| value.set(event_target_value(&ev))
                aria-invalid=move || error.get().is_some().to_string()
                aria-describedby=described/>
            {hint.map(|hint| view! { <p class="hint" id=hint_id.clone()>{hint.run()}</p> })}
            <p class="field-error" id=error_id aria-live="polite">{move || error.get().unwrap_or_default()}</p>
        </div>
    }
}
