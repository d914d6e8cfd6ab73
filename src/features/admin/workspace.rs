//! Admin › Workspace (`/admin/workspace`): every workspace setting as a form
//! with what it does (saved together, sudo mode, each change audited), and
//! how delivery goes: SMTP, the queue's counts, its newest items with their
//! last errors, and "retry now" for what waits.

use super::types::{DeliveryStatus, OutboxEntry, WorkspaceSettings};
use super::{admin_delivery, admin_workspace, AdminRetryDelivery, AdminSaveWorkspace};
use crate::components::form::field_error;
use crate::components::load::LoadError;
use crate::components::sudo::{SudoDialog, SudoGuard};
use crate::components::title::PageTitle;
use crate::components::toast::{on_result, use_toasts, ToastKind};
use crate::i18n::*;
use leptos::prelude::*;

#[component]
pub fn AdminWorkspacePage() -> impl IntoView {
    let i18n = use_i18n();
    let settings = Resource::new(|| (), |()| admin_workspace());
    let delivery = Resource::new(|| (), |()| admin_delivery());
    view! {
        <PageTitle text=move || t_string!(i18n, admin.workspace_title).to_string()/>
        <h1>{t!(i18n, admin.workspace_title)}</h1>
        <section class="card" aria-labelledby="rules-heading">
            <h2 id="rules-heading">{t!(i18n, admin.rules)}</h2>
            <Transition fallback=move || view! { <p class="loading" aria-busy="true">{t!(i18n, common.loading)}</p> }>
                {move || settings.get().map(|r| match r {
                    Ok(s) => view! { <SettingsForm initial=s/> }.into_any(),
                    Err(e) => view! { <LoadError error=e retry=move |()| settings.refetch()/> }.into_any(),
                })}
            </Transition>
        </section>
        <section class="card" aria-labelledby="delivery-heading">
            <h2 id="delivery-heading">{t!(i18n, admin.delivery)}</h2>
            <Transition fallback=move || view! { <p class="loading" aria-busy="true">{t!(i18n, common.loading)}</p> }>
                {move || delivery.get().map(|r| match r {
                    Ok(d) => view! { <Delivery status=d reload=move || delivery.refetch()/> }.into_any(),
                    Err(e) => view! { <LoadError error=e retry=move |()| delivery.refetch()/> }.into_any(),
                })}
            </Transition>
        </section>
    }
}

#[component]
fn SettingsForm(initial: WorkspaceSettings) -> impl IntoView {
    let i18n = use_i18n();
    let toasts = use_toasts();
    let form = RwSignal::new(initial);
    let save = ServerAction::<AdminSaveWorkspace>::new();
    let guard = SudoGuard::new(save);
    on_result(
        save,
        &["default_language", "token_max_days", "password_min_length"],
        move |stored| {
            form.set(stored);
            toasts.push(ToastKind::Success, t_string!(i18n, admin.saved).to_string());
        },
    );
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        guard.dispatch(AdminSaveWorkspace {
            settings: form.get_untracked(),
        });
    };
    let check = move |id: &'static str,
                      label: fn(leptos_i18n::I18nContext<Locale>) -> String,
                      help: fn(leptos_i18n::I18nContext<Locale>) -> String,
                      get: fn(&WorkspaceSettings) -> bool,
                      set: fn(&mut WorkspaceSettings, bool)| {
        let hint = format!("{id}-hint");
        view! {
            <div class="field setting">
                <label>
                    <input type="checkbox" id=id aria-describedby=hint.clone()
                        prop:checked=move || form.with(get)
                        on:change=move |ev| { let on = event_target_checked(&ev); form.update(|f| set(f, on)); }/>
                    {move || label(i18n)}
                </label>
                <p class="hint" id=hint>{move || help(i18n)}</p>
            </div>
        }
    };
    let number = move |id: &'static str,
                       label: fn(leptos_i18n::I18nContext<Locale>) -> String,
                       help: fn(leptos_i18n::I18nContext<Locale>) -> String,
                       (min, max): (i64, i64),
                       get: fn(&WorkspaceSettings) -> i64,
                       set: fn(&mut WorkspaceSettings, i64)| {
        let error = field_error(save, id);
        let (hint, error_id) = (format!("{id}-hint"), format!("{id}-error"));
        view! {
            <div class="field">
                <label for=id>{move || label(i18n)}</label>
                <input id=id type="number" min=min max=max inputmode="numeric"
                    aria-describedby=format!("{hint} {error_id}")
                    aria-invalid=move || error.get().is_some().to_string()
                    prop:value=move || form.with(get).to_string()
                    on:input=move |ev| { let v = event_target_value(&ev).trim().parse().unwrap_or(0); form.update(|f| set(f, v)); }/>
                <p class="hint" id=hint>{move || help(i18n)}</p>
                <p class="field-error" id=error_id aria-live="polite">{move || error.get().unwrap_or_default()}</p>
            </div>
        }
    };
    view! {
        <form class="form" method="post" on:submit=submit novalidate>
            {check("lock_profiles",
                |i| t_string!(i, admin.lock_profiles).to_string(),
                |i| t_string!(i, admin.lock_profiles_help).to_string(),
                |f| f.lock_profiles, |f, on| f.lock_profiles = on)}
            {check("two_factor_mandatory",
                |i| t_string!(i, admin.mandatory_2fa).to_string(),
                |i| t_string!(i, admin.mandatory_2fa_help).to_string(),
                |f| f.two_factor_mandatory, |f, on| f.two_factor_mandatory = on)}
            {check("directory_provides_2fa",
                |i| t_string!(i, admin.directory_2fa).to_string(),
                |i| t_string!(i, admin.directory_2fa_help).to_string(),
                |f| f.directory_provides_2fa, |f, on| f.directory_provides_2fa = on)}
            <div class="grid-2">
                <div class="field">
                    <label for="default_language">{t!(i18n, admin.default_language)}</label>
                    <select id="default_language" aria-describedby="default_language-hint"
                        on:change=move |ev| { let v = event_target_value(&ev); form.update(|f| f.default_language = v); }>
                        <option value="en" selected=move || form.with(|f| f.default_language == "en")>"English"</option>
                        <option value="de" selected=move || form.with(|f| f.default_language == "de")>"Deutsch"</option>
                    </select>
                    <p class="hint" id="default_language-hint">{t!(i18n, admin.default_language_help)}</p>
                </div>
                {number("token_max_days",
                    |i| t_string!(i, admin.token_max_days).to_string(),
                    |i| t_string!(i, admin.token_max_days_help).to_string(),
                    (1, 3650), |f| f.token_max_days, |f, v| f.token_max_days = v)}
                {number("password_min_length",
                    |i| t_string!(i, admin.password_min).to_string(),
                    |i| t_string!(i, admin.password_min_help).to_string(),
                    (8, 128), |f| f.password_min_length, |f, v| f.password_min_length = v)}
            </div>
            <div class="actions">
                <button type="submit" class="button primary" disabled=move || save.pending().get()
                    aria-busy=move || save.pending().get().to_string()>
                    {move || if save.pending().get() { t_string!(i18n, common.saving) } else { t_string!(i18n, admin.save) }}
                </button>
            </div>
        </form>
        <SudoDialog open=guard.open on_confirmed=move |_| guard.retry()/>
    }
}

/// A delivery channel in the reader's language.
fn channel_label(i18n: leptos_i18n::I18nContext<Locale>, channel: &str) -> String {
    match channel {
        "email" => t_string!(i18n, admin.channel_email),
        "slack" => t_string!(i18n, admin.channel_slack),
        "fanout" => t_string!(i18n, admin.channel_fanout),
        other => return other.to_string(),
    }
    .to_string()
}

/// A queue item's state in the reader's language.
fn status_label(i18n: leptos_i18n::I18nContext<Locale>, status: &str) -> String {
    match status {
        "pending" => t_string!(i18n, admin.status_pending),
        "sent" => t_string!(i18n, admin.status_sent),
        "failed" => t_string!(i18n, admin.status_failed),
        other => return other.to_string(),
    }
    .to_string()
}

#[component]
fn Delivery(
    status: DeliveryStatus,
    reload: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let i18n = use_i18n();
    let toasts = use_toasts();
    let retry = ServerAction::<AdminRetryDelivery>::new();
    let guard = SudoGuard::new(retry);
    on_result(retry, &[], move |_| {
        toasts.push(
            ToastKind::Success,
            t_string!(i18n, admin.retrying).to_string(),
        );
        reload();
    });
    let DeliveryStatus {
        smtp_configured,
        pending,
        failed,
        broken_webhooks,
        items,
    } = status;
    view! {
        <ul class="facts-inline">
            <li>{if smtp_configured { t_string!(i18n, admin.smtp_on) } else { t_string!(i18n, admin.smtp_off) }}</li>
            <li>{t_string!(i18n, admin.queue_counts, pending = pending, failed = failed).to_string()}</li>
            <li>{t_string!(i18n, admin.broken_webhooks, n = broken_webhooks).to_string()}</li>
        </ul>
        <div class="table-scroll" tabindex="0" role="region" aria-label=move || t_string!(i18n, admin.delivery).to_string()>
            <table class="log">
                <thead>
                    <tr>
                        <th scope="col">{t!(i18n, admin.time)}</th>
                        <th scope="col">{t!(i18n, admin.channel)}</th>
                        <th scope="col">{t!(i18n, admin.recipient)}</th>
                        <th scope="col">{t!(i18n, admin.subject)}</th>
                        <th scope="col">{t!(i18n, admin.outcome)}</th>
                        <th scope="col"><span class="sr-only">{t!(i18n, admin.retry)}</span></th>
                    </tr>
                </thead>
                <tbody>
                    {items.into_iter().map(|item| {
                        let OutboxEntry { id, channel, to, subject, status, attempts, last_error, created } = item;
                        let waiting = status == "pending";
                        let label = t_string!(i18n, admin.retry_label, subject = subject.clone()).to_string();
                        view! {
                            <tr class:failed=status == "failed">
                                <td class="nowrap small">{created}</td>
                                <td>{channel_label(i18n, &channel)}</td>
                                <td class="small">{to}</td>
                                <td class="small">{subject}</td>
                                <td class="small">
                                    <span class="badge" class:warn=status == "failed">{status_label(i18n, &status)}</span>
                                    {(attempts > 0).then(|| view! { " " <span class="muted">{format!("×{attempts}")}</span> })}
                                    {(!last_error.is_empty()).then(|| view! { <br/><span class="field-error">{last_error}</span> })}
                                </td>
                                <td>
                                    {waiting.then(|| view! {
                                        <button type="button" class="link" aria-label=label
                                            disabled=move || retry.pending().get()
                                            aria-busy=move || retry.pending().get().to_string()
                                            on:click=move |_| guard.dispatch(AdminRetryDelivery { id: id.clone() })>
                                            {t!(i18n, admin.retry)}
                                        </button>
                                    })}
                                </td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </div>
        <SudoDialog open=guard.open on_confirmed=move |_| guard.retry()/>
    }
}
