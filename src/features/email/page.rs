//! The email part of the profile, and the page a confirmation link opens.

use super::{ConfirmEmail, RequestEmailChange, SetRecoveryEmail};
use crate::components::form::TextField;
use crate::components::layout::use_current_user;
use crate::components::sudo::{SudoDialog, SudoGuard};
use crate::components::toast::{use_toasts, ToastKind};
use crate::model::CurrentUser;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

/// Primary and recovery address, on the profile page.
#[component]
pub fn EmailCard(user: CurrentUser) -> impl IntoView {
    view! {
        <section class="card" aria-labelledby="email-heading">
            <h2 id="email-heading">"Email"</h2>
            {match user.identity_locked.clone() {
                Some(reason) => view! {
                    <dl class="facts">
                        <div><dt>"Primary"</dt><dd>{user.email.clone()}</dd></div>
                        <div><dt>"Recovery"</dt><dd>{recovery_or_primary(&user)}</dd></div>
                    </dl>
                    <p class="hint">{format!("Email addresses cannot be changed. {reason}")}</p>
                }.into_any(),
                None => view! {
                    <ChangeEmailForm current=user.email.clone() pending=user.pending_email.clone()/>
                    <RecoveryEmailForm user=user/>
                }.into_any(),
            }}
        </section>
    }
}

fn recovery_or_primary(user: &CurrentUser) -> String {
    if user.recovery_email.is_empty() {
        format!("{} (the primary address)", user.email)
    } else {
        user.recovery_email.clone()
    }
}

#[component]
fn ChangeEmailForm(current: String, pending: Option<String>) -> impl IntoView {
    let toasts = use_toasts();
    let pending = RwSignal::new(pending);
    let action = ServerAction::<RequestEmailChange>::new();
    let guard = SudoGuard::new(action);
    let email = RwSignal::new(String::new());
    let error = Signal::derive(move || {
        action
            .value()
            .get()
            .and_then(Result::err)
            .and_then(|e| e.field_message("email"))
    });
    Effect::new(move |_| match action.value().get() {
        Some(Ok(())) => {
            pending.set(Some(email.get_untracked().trim().to_string()));
            toasts.push(
                ToastKind::Success,
                format!(
                    "We sent a confirmation link to {}. Your address changes when you open it.",
                    email.get_untracked()
                ),
            );
            email.set(String::new());
        }
        Some(Err(e)) if e.belongs_to_form(&["email"]) => {
            toasts.push(ToastKind::Error, e.to_string())
        }
        _ => {}
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        guard.dispatch(RequestEmailChange {
            email: email.get_untracked(),
        });
    };
    view! {
        <p>"Primary address: " <strong id="primary-email">{current}</strong></p>
        {move || pending.get().map(|address| view! {
            <p class="notice" id="pending-email">
                {format!("Waiting for confirmation of {address}. Open the link we sent there; until then nothing changes.")}
            </p>
        })}
        <form class="form" on:submit=submit novalidate>
            <TextField id="email" label="New email address" value=email input_type="email" autocomplete="email"
                hint="We send a link to the new address; it takes effect when you open it." error=error/>
            <div class="actions">
                <button type="submit" class="button primary" disabled=move || action.pending().get()
                    aria-busy=move || action.pending().get().to_string()>
                    {move || if action.pending().get() { "Sending…" } else { "Send confirmation link" }}
                </button>
            </div>
        </form>
        <SudoDialog open=guard.open on_confirmed=move |_| guard.retry()/>
    }
}

#[component]
fn RecoveryEmailForm(user: CurrentUser) -> impl IntoView {
    let toasts = use_toasts();
    let current = use_current_user();
    let action = ServerAction::<SetRecoveryEmail>::new();
    let guard = SudoGuard::new(action);
    let recovery = RwSignal::new(user.recovery_email.clone());
    let error = Signal::derive(move || {
        action
            .value()
            .get()
            .and_then(Result::err)
            .and_then(|e| e.field_message("recovery_email"))
    });
    let base = user.clone();
    Effect::new(move |_| match action.value().get() {
        Some(Ok(())) => {
            let mut updated = current.get_untracked().unwrap_or_else(|| base.clone());
            updated.recovery_email = recovery.get_untracked().trim().to_string();
            current.set(Some(updated));
            toasts.push(ToastKind::Success, "Recovery address saved.");
        }
        Some(Err(e)) if e.belongs_to_form(&["recovery_email"]) => {
            toasts.push(ToastKind::Error, e.to_string())
        }
        _ => {}
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        guard.dispatch(SetRecoveryEmail {
            recovery_email: recovery.get_untracked(),
        });
    };
    view! {
        <form class="form recovery" on:submit=submit novalidate>
            <TextField id="recovery_email" label="Password recovery address" value=recovery input_type="email"
                autocomplete="email" hint="Password reset links go here. Leave empty to use the primary address."
                error=error/>
            <div class="actions">
                <button type="submit" class="button" disabled=move || action.pending().get()
                    aria-busy=move || action.pending().get().to_string()>
                    {move || if action.pending().get() { "Saving…" } else { "Save recovery address" }}
                </button>
            </div>
        </form>
        <SudoDialog open=guard.open on_confirmed=move |_| guard.retry()/>
    }
}

/// Opened from the link in the confirmation mail. The change happens on the
/// button press, not on page load, so link scanners cannot use the link up.
#[component]
pub fn ConfirmEmailPage() -> impl IntoView {
    let query = use_query_map();
    let action = ServerAction::<ConfirmEmail>::new();
    let confirm = move |_| {
        action.dispatch(ConfirmEmail {
            token: query.read_untracked().get("token").unwrap_or_default(),
        });
    };
    view! {
        <Title text="Confirm email address"/>
        <main class="auth-page">
            <div class="auth-card">
                <h1>"Confirm email address"</h1>
                {move || match action.value().get() {
                    Some(Ok(address)) => view! {
                        <p role="status">{format!("Done. Your email address is now {address}.")}</p>
                        <a class="button primary" href="/settings/profile">"Go to your profile"</a>
                    }.into_any(),
                    other => view! {
                        {other.and_then(Result::err).map(|e| view! { <p class="alert alert-error" role="alert">{e.to_string()}</p> })}
                        <p>"Press the button to make this address the one for your account."</p>
                        <button type="button" class="button primary wide" on:click=confirm disabled=move || action.pending().get()>
                            {move || if action.pending().get() { "Confirming…" } else { "Confirm new address" }}
                        </button>
                    }.into_any(),
                }}
            </div>
        </main>
    }
}
