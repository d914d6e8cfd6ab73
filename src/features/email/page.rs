//! The email part of the profile, and the page a confirmation link opens.

use super::{ConfirmEmail, RequestEmailChange, SetRecoveryEmail};
use crate::components::form::TextField;
use crate::components::layout::use_current_user;
use crate::components::sudo::{SudoDialog, SudoGuard};
use crate::components::title::PageTitle;
use crate::components::toast::{on_result, use_toasts, ToastKind};
use crate::i18n::*;
use crate::model::CurrentUser;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

/// Primary and recovery address, on the profile page.
#[component]
pub fn EmailCard(user: CurrentUser) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <section class="card" aria-labelledby="email-heading">
            <h2 id="email-heading">{t!(i18n, email.title)}</h2>
            {match user.identity_locked {
                Some(reason) => view! {
                    <dl class="facts">
                        <div><dt>{t!(i18n, email.primary)}</dt><dd>{user.email.clone()}</dd></div>
                        <div><dt>{t!(i18n, email.recovery)}</dt><dd>{recovery_or_primary(i18n, user.clone())}</dd></div>
                    </dl>
                    <p class="hint">{move || t_string!(i18n, email.locked, reason = reason.text(i18n.get_locale())).to_string()}</p>
                }.into_any(),
                None => view! {
                    <ChangeEmailForm current=user.email.clone() pending=user.pending_email.clone()/>
                    <RecoveryEmailForm user=user/>
                }.into_any(),
            }}
        </section>
    }
}

fn recovery_or_primary(i18n: leptos_i18n::I18nContext<Locale>, user: CurrentUser) -> impl IntoView {
    move || {
        if user.recovery_email.is_empty() {
            t_string!(i18n, email.primary_fallback, email = &user.email).to_string()
        } else {
            user.recovery_email.clone()
        }
    }
}

#[component]
fn ChangeEmailForm(current: String, pending: Option<String>) -> impl IntoView {
    let toasts = use_toasts();
    let pending = RwSignal::new(pending);
    let action = ServerAction::<RequestEmailChange>::new();
    let i18n = use_i18n();
    let guard = SudoGuard::new(action);
    let email = RwSignal::new(String::new());
    let error = Signal::derive(move || {
        action
            .value()
            .get()
            .and_then(Result::err)
            .and_then(|e| e.field_message("email"))
    });
    on_result(action, &["email"], move |_| {
        pending.set(Some(email.get_untracked().trim().to_string()));
        let address = email.get_untracked();
        toasts.push(
            ToastKind::Success,
            tu_string!(i18n, email.link_sent, address = address.trim()).to_string(),
        );
        email.set(String::new());
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        guard.dispatch(RequestEmailChange {
            email: email.get_untracked(),
        });
    };
    view! {
        <p>{t!(i18n, email.primary_address)} " " <strong id="primary-email">{current}</strong></p>
        {move || pending.get().map(|address| view! {
            <p class="notice" id="pending-email">
                {t_string!(i18n, email.pending, address = address).to_string()}
            </p>
        })}
        <form class="form" method="post" on:submit=submit novalidate>
            <TextField id="email" label=move || t!(i18n, email.new_address) value=email input_type="email" autocomplete="email"
                hint=move || t!(i18n, email.new_hint) error=error/>
            <div class="actions">
                <button type="submit" class="button primary" disabled=move || action.pending().get()
                    aria-busy=move || action.pending().get().to_string()>
                    {move || if action.pending().get() { t_string!(i18n, common.sending) } else { t_string!(i18n, email.send_link) }}
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
    let i18n = use_i18n();
    let guard = SudoGuard::new(action);
    let recovery = RwSignal::new(user.recovery_email.clone());
    let error = Signal::derive(move || {
        action
            .value()
            .get()
            .and_then(Result::err)
            .and_then(|e| e.field_message("recovery_email"))
    });
    let pending = RwSignal::new(user.pending_recovery_email.clone());
    let base = user.clone();
    on_result(action, &["recovery_email"], move |sent: Option<String>| {
        let mut updated = current.get_untracked().unwrap_or_else(|| base.clone());
        match sent {
            // A new address waits for its link; the current one stays.
            Some(address) => {
                toasts.push(
                    ToastKind::Success,
                    tu_string!(i18n, email.recovery_link_sent, address = &address).to_string(),
                );
                recovery.set(updated.recovery_email.clone());
                pending.set(Some(address));
            }
            None => {
                updated.recovery_email = String::new();
                recovery.set(String::new());
                pending.set(None);
                toasts.push(ToastKind::Success, tu_string!(i18n, email.recovery_removed));
            }
        }
        updated.pending_recovery_email = pending.get_untracked();
        current.set(Some(updated));
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        guard.dispatch(SetRecoveryEmail {
            recovery_email: recovery.get_untracked(),
        });
    };
    view! {
        {move || pending.get().map(|address| view! {
            <p class="notice" id="pending-recovery-email">
                {t_string!(i18n, email.recovery_pending, address = address).to_string()}
            </p>
        })}
        <form class="form recovery" method="post" on:submit=submit novalidate>
            <TextField id="recovery_email" label=move || t!(i18n, email.recovery_label) value=recovery input_type="email"
                autocomplete="email" hint=move || t!(i18n, email.recovery_hint)
                error=error/>
            <div class="actions">
                <button type="submit" class="button" disabled=move || action.pending().get()
                    aria-busy=move || action.pending().get().to_string()>
                    {move || if action.pending().get() { t_string!(i18n, common.saving) } else { t_string!(i18n, email.save_recovery) }}
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
    let i18n = use_i18n();
    let confirm = move |_| {
        action.dispatch(ConfirmEmail {
            token: query.read_untracked().get("token").unwrap_or_default(),
        });
    };
    view! {
        <PageTitle text=move || t_string!(i18n, email.confirm_title).to_string()/>
        <main class="auth-page">
            <div class="auth-card">
                <h1>{t!(i18n, email.confirm_title)}</h1>
                {move || match action.value().get() {
                    Some(Ok(done)) => view! {
                        <p role="status">{if done.recovery {
                            t_string!(i18n, email.recovery_done, address = done.address).to_string()
                        } else {
                            t_string!(i18n, email.confirm_done, address = done.address).to_string()
                        }}</p>
                        <a class="button primary" href="/settings/profile">{t!(i18n, email.go_to_profile)}</a>
                    }.into_any(),
                    other => view! {
                        {other.and_then(Result::err).map(|e| view! { <p class="alert alert-error" role="alert">{e.message()}</p> })}
                        <p>{t!(i18n, email.confirm_lead)}</p>
                        <button type="button" class="button primary wide" on:click=confirm disabled=move || action.pending().get()>
                            {move || if action.pending().get() { t_string!(i18n, common.confirming) } else { t_string!(i18n, email.confirm_button) }}
                        </button>
                    }.into_any(),
                }}
            </div>
        </main>
    }
}
