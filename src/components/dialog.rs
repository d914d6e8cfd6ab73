//! Modal dialogs: show a secret once, and confirm an irreversible action.

use crate::components::browser;
use crate::components::toast::{use_toasts, ToastKind};
use crate::i18n::*;
use leptos::html::Button;
use leptos::prelude::*;

/// Shows a new secret (token, app password) once, with a copy button and a
/// warning. Closing it (Done or Escape) forgets the value.
#[component]
pub fn SecretDialog(
    /// The secret; None hides the dialog.
    secret: RwSignal<Option<String>>,
    #[prop(into)] title: ViewFn,
    #[prop(into)] warning: ViewFn,
) -> impl IntoView {
    let i18n = use_i18n();
    let toasts = use_toasts();
    let copy_button = NodeRef::<Button>::new();
    Effect::new(move |_| {
        if secret.get().is_some() {
            if let Some(b) = copy_button.get() {
                let _ = b.focus();
            }
        }
    });
    let copy = move |_| {
        let Some(value) = secret.get_untracked() else {
            return;
        };
        leptos::task::spawn_local(async move {
            if browser::copy_to_clipboard(&value).await {
                toasts.push(ToastKind::Success, tu_string!(i18n, tokens.copied));
            } else {
                toasts.push(ToastKind::Error, tu_string!(i18n, profile.copy_failed));
            }
        });
    };
    view! {
        <Show when=move || secret.get().is_some()>
            <div class="backdrop">
                <div class="dialog" role="dialog" aria-modal="true" aria-labelledby="secret-title"
                    aria-describedby="secret-warning"
                    on:keydown=move |ev| if ev.key() == "Escape" { secret.set(None) }>
                    <h2 id="secret-title">{title.run()}</h2>
                    <p id="secret-warning" class="notice">{warning.run()}</p>
                    <div class="with-action">
                        <code id="secret-value" class="secret">{move || secret.get().unwrap_or_default()}</code>
                        <button type="button" class="button small" node_ref=copy_button on:click=copy>{t!(i18n, tokens.copy)}</button>
                    </div>
                    <div class="actions">
                        <button type="button" class="button primary" on:click=move |_| secret.set(None)>{t!(i18n, tokens.done)}</button>
                    </div>
                </div>
            </div>
        </Show>
    }
}

/// Asks before an irreversible action; `on_confirm` runs on "yes". With
/// `typed`, the action waits until that word (a username) is typed, as
/// GitHub asks before deleting a repository.
#[component]
pub fn ConfirmDialog(
    open: RwSignal<bool>,
    #[prop(into)] title: Signal<String>,
    #[prop(into)] lead: ViewFn,
    #[prop(into)] confirm_label: ViewFn,
    #[prop(into)] on_confirm: Callback<()>,
    /// The word to type first; None (or empty): none.
    #[prop(optional, into)]
    typed: Option<Signal<String>>,
) -> impl IntoView {
    let i18n = use_i18n();
    let cancel_button = NodeRef::<Button>::new();
    let entered = RwSignal::new(String::new());
    let expected = move || typed.map(|t| t.get()).unwrap_or_default();
    let matches = move || {
        let want = expected();
        want.is_empty() || entered.with(|e| e.trim().eq_ignore_ascii_case(&want))
    };
    // Focus starts on "Cancel": Enter alone must not destroy anything.
    Effect::new(move |_| {
        if open.get() {
            entered.set(String::new());
            if let Some(b) = cancel_button.get() {
                let _ = b.focus();
            }
        }
    });
    view! {
        <Show when=move || open.get()>
            <div class="backdrop">
                <div class="dialog" role="alertdialog" aria-modal="true" aria-labelledby="confirm-title"
                    aria-describedby="confirm-lead"
                    on:keydown=move |ev| if ev.key() == "Escape" { open.set(false) }>
                    <h2 id="confirm-title">{move || title.get()}</h2>
                    <p id="confirm-lead">{lead.run()}</p>
                    {move || (!expected().is_empty()).then(|| view! {
                        <div class="field">
                            <label for="confirm-typed">{t!(i18n, common.type_to_confirm, word = expected())}</label>
                            <input id="confirm-typed" type="text" autocomplete="off" spellcheck="false"
                                prop:value=move || entered.get()
                                on:input=move |ev| entered.set(event_target_value(&ev))/>
                        </div>
                    })}
                    <div class="actions">
                        <button type="button" class="button" node_ref=cancel_button on:click=move |_| open.set(false)>{t!(i18n, common.cancel)}</button>
                        <button type="button" class="button danger" disabled=move || !matches()
                            on:click=move |_| { open.set(false); on_confirm.run(()); }>{confirm_label.run()}</button>
                    </div>
                </div>
            </div>
        </Show>
    }
}
