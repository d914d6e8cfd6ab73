//! The "Two-factor authentication" settings page.

use super::{
    get_two_factor_status, DisableTwoFactor, EnableTwoFactor, Enrolment, RegenerateRecoveryCodes,
    StartTwoFactor, TwoFactorStatus,
};
use crate::components::browser;
use crate::components::form::TextField;
use crate::components::layout::use_current_user;
use crate::components::load::LoadError;
use crate::components::sudo::{SudoDialog, SudoGuard};
use crate::components::title::PageTitle;
use crate::components::toast::{on_result, use_toasts, ToastKind};
use crate::i18n::*;
use leptos::prelude::*;

/// Codes at or below which the page warns.
const FEW_CODES: i64 = 3;

#[component]
pub fn TwoFactorPage() -> impl IntoView {
    let i18n = use_i18n();
    let user = use_current_user();
    let refresh = RwSignal::new(0u32);
    let status = Resource::new(move || refresh.get(), |_| get_two_factor_status());
    // Recovery codes just made: shown once, until the person confirms they kept them.
    let fresh_codes = RwSignal::new(None::<Vec<String>>);
    view! {
        <PageTitle text=move || t_string!(i18n, two_factor.title).to_string()/>
        <h1>{t!(i18n, two_factor.title)}</h1>
        <p class="muted">{t!(i18n, two_factor.lead)}</p>
        {move || user.get().filter(|u| u.two_factor_required).map(|_| view! {
            <p class="notice" role="alert">{t!(i18n, two_factor.mandatory_notice)}</p>
        })}
        {move || fresh_codes.get().map(|codes| view! { <RecoveryCodes codes=codes shown=fresh_codes/> })}
        <Transition fallback=move || view! { <p class="loading" aria-busy="true">{t!(i18n, common.loading)}</p> }>
            {move || status.get().map(|r| match r {
                Ok(s) if s.managed_by_directory => view! {
                    <section class="card"><p>{t!(i18n, two_factor.by_directory)}</p></section>
                }.into_any(),
                Ok(s) if s.enabled && !s.totp => view! {
                    <section class="card" aria-labelledby="passkeys-heading">
                        <h2 id="passkeys-heading">{t!(i18n, two_factor.on)}</h2>
                        <p>{t!(i18n, passkeys.two_factor_note)}</p>
                        <p><a href="/settings/passkeys">{t!(i18n, passkeys.manage)}</a></p>
                    </section>
                    <EnabledCard status=s refresh=refresh fresh_codes=fresh_codes/>
                    <EnrolCard refresh=refresh fresh_codes=fresh_codes/>
                }.into_any(),
                Ok(s) if s.enabled => view! { <EnabledCard status=s refresh=refresh fresh_codes=fresh_codes/> }.into_any(),
                Ok(_) => view! { <EnrolCard refresh=refresh fresh_codes=fresh_codes/> }.into_any(),
                Err(e) => view! { <LoadError error=e retry=move |()| status.refetch()/> }.into_any(),
            })}
        </Transition>
    }
}

/// Off: set it up (sudo mode), scan, prove with a code.
#[component]
fn EnrolCard(refresh: RwSignal<u32>, fresh_codes: RwSignal<Option<Vec<String>>>) -> impl IntoView {
    let i18n = use_i18n();
    let toasts = use_toasts();
    let user = use_current_user();
    let start = ServerAction::<StartTwoFactor>::new();
    let guard = SudoGuard::new(start);
    let enable = ServerAction::<EnableTwoFactor>::new();
    let code = RwSignal::new(String::new());
    let enrolment = move || start.value().get().and_then(Result::ok);
    let start_error = move || {
        start
            .value()
            .get()
            .and_then(Result::err)
            .filter(|e| e.belongs_to_form(&[]))
            .map(|e| e.message())
    };
    let code_error = Signal::derive(move || {
        enable
            .value()
            .get()
            .and_then(Result::err)
            .map(|e| e.field_message("code").unwrap_or_else(|| e.message()))
    });
    Effect::new(move |_| {
        if let Some(Ok(codes)) = enable.value().get() {
            fresh_codes.set(Some(codes));
            if let Some(mut u) = user.get_untracked() {
                u.two_factor_enabled = true;
                u.two_factor_required = false;
                user.set(Some(u));
            }
            toasts.push(ToastKind::Success, tu_string!(i18n, two_factor.on));
            refresh.update(|n| *n += 1);
        }
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        enable.dispatch(EnableTwoFactor {
            code: code.get_untracked(),
        });
    };
    view! {
        <section class="card" aria-labelledby="enrol-heading">
            <h2 id="enrol-heading">{t!(i18n, two_factor.off)}</h2>
            {move || start_error().map(|m| view! { <p class="alert alert-error" role="alert">{m}</p> })}
            {move || match enrolment() {
                None => view! {
                    <div class="actions start">
                        <button type="button" class="button primary" disabled=move || start.pending().get()
                            aria-busy=move || start.pending().get().to_string()
                            on:click=move |_| guard.dispatch(StartTwoFactor {})>
                            {move || if start.pending().get() { t_string!(i18n, two_factor.starting) } else { t_string!(i18n, two_factor.set_up) }}
                        </button>
                    </div>
                }.into_any(),
                Some(Enrolment { qr_svg, secret, uri }) => view! {
                    <p>{t!(i18n, two_factor.scan)}</p>
                    <img class="qr" src=qr_svg width="200" height="200" alt=move || t_string!(i18n, two_factor.qr_alt)/>
                    <p>{t!(i18n, two_factor.key_label)} " " <code id="totp-secret" class="mono">{secret}</code></p>
                    <details>
                        <summary>{t!(i18n, two_factor.uri_label)}</summary>
                        <code id="totp-uri" class="wrap">{uri}</code>
                    </details>
                    <form class="form" method="post" on:submit=submit novalidate>
                        <TextField id="code" label=move || t!(i18n, two_factor.code) value=code
                            autocomplete="one-time-code" input_mode="numeric"
                            hint=move || t!(i18n, two_factor.code_hint) error=code_error/>
                        <div class="actions">
                            <button type="submit" class="button primary" disabled=move || enable.pending().get()
                                aria-busy=move || enable.pending().get().to_string()>
                                {move || if enable.pending().get() { t_string!(i18n, two_factor.checking) } else { t_string!(i18n, two_factor.activate) }}
                            </button>
                        </div>
                    </form>
                }.into_any(),
            }}
        </section>
        <SudoDialog open=guard.open on_confirmed=move |_| guard.retry()/>
    }
}

/// On: codes left, new codes (sudo mode), turn off (sudo mode and a code).
#[component]
fn EnabledCard(
    status: TwoFactorStatus,
    refresh: RwSignal<u32>,
    fresh_codes: RwSignal<Option<Vec<String>>>,
) -> impl IntoView {
    let i18n = use_i18n();
    let toasts = use_toasts();
    let regenerate = ServerAction::<RegenerateRecoveryCodes>::new();
    let regen_guard = SudoGuard::new(regenerate);
    let disable = ServerAction::<DisableTwoFactor>::new();
    let disable_guard = SudoGuard::new(disable);
    let code = RwSignal::new(String::new());
    on_result(regenerate, &[], move |codes| {
        fresh_codes.set(Some(codes));
        toasts.push(ToastKind::Success, tu_string!(i18n, two_factor.regenerated));
        refresh.update(|n| *n += 1);
    });
    on_result(disable, &["code"], move |_| {
        toasts.push(ToastKind::Success, tu_string!(i18n, two_factor.off));
        refresh.update(|n| *n += 1);
    });
    let code_error = Signal::derive(move || {
        disable
            .value()
            .get()
            .and_then(Result::err)
            .and_then(|e| e.field_message("code"))
    });
    let left = status.recovery_codes_left;
    let totp = status.totp;
    // With passkeys left, removing the app keeps 2FA on, mandate or not.
    let keep_app = status.mandatory && status.passkeys == 0;
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        disable_guard.dispatch(DisableTwoFactor {
            code: code.get_untracked(),
        });
    };
    view! {
        <section class="card" aria-labelledby="on-heading">
            <h2 id="on-heading">{t!(i18n, two_factor.on)}</h2>
            <p id="codes-left" class:notice=left <= FEW_CODES>
                {move || if left <= FEW_CODES {
                    t_string!(i18n, two_factor.codes_low, n = left).to_string()
                } else {
                    t_string!(i18n, two_factor.codes_left, n = left).to_string()
                }}
            </p>
            <div class="actions start">
                <button type="button" class="button" disabled=move || regenerate.pending().get()
                    aria-busy=move || regenerate.pending().get().to_string()
                    on:click=move |_| regen_guard.dispatch(RegenerateRecoveryCodes {})>
                    {move || if regenerate.pending().get() { t_string!(i18n, two_factor.regenerating) } else { t_string!(i18n, two_factor.regenerate) }}
                </button>
            </div>
        </section>
        <Show when=move || totp>
        <section class="card" aria-labelledby="off-heading">
            <h2 id="off-heading">{t!(i18n, two_factor.disable)}</h2>
            {if keep_app {
                view! { <p>{t!(i18n, two_factor.mandatory_no_off)}</p> }.into_any()
            } else {
                view! {
                    <p class="muted">{t!(i18n, two_factor.disable_lead)}</p>
                    <form class="form" method="post" on:submit=submit novalidate>
                        <TextField id="disable-code" label=move || t!(i18n, two_factor.code) value=code
                            autocomplete="one-time-code" input_mode="numeric" error=code_error/>
                        <div class="actions">
                            <button type="submit" class="button danger" disabled=move || disable.pending().get()
                                aria-busy=move || disable.pending().get().to_string()>
                                {move || if disable.pending().get() { t_string!(i18n, two_factor.disabling) } else { t_string!(i18n, two_factor.disable) }}
                            </button>
                        </div>
                    </form>
                }.into_any()
            }}
        </section>
        </Show>
        <SudoDialog open=regen_guard.open on_confirmed=move |_| regen_guard.retry()/>
        <SudoDialog open=disable_guard.open on_confirmed=move |_| disable_guard.retry()/>
    }
}

/// The recovery codes, once: copy, download, confirm.
#[component]
pub fn RecoveryCodes(codes: Vec<String>, shown: RwSignal<Option<Vec<String>>>) -> impl IntoView {
    let i18n = use_i18n();
    let toasts = use_toasts();
    let text = codes.join("\n") + "\n";
    let href = format!(
        "data:text/plain;charset=utf-8,{}",
        text.replace('\n', "%0A")
    );
    let copy = move |_| {
        let text = text.clone();
        leptos::task::spawn_local(async move {
            if browser::copy_to_clipboard(&text).await {
                toasts.push(
                    ToastKind::Success,
                    tu_string!(i18n, two_factor.codes_copied),
                );
            } else {
                toasts.push(ToastKind::Error, tu_string!(i18n, profile.copy_failed));
            }
        });
    };
    view! {
        <section class="card highlight" aria-labelledby="codes-heading">
            <h2 id="codes-heading">{t!(i18n, two_factor.codes_title)}</h2>
            <p>{t!(i18n, two_factor.codes_lead)}</p>
            <ol id="recovery-codes" class="codes">
                {codes.into_iter().map(|c| view! { <li><code>{c}</code></li> }).collect_view()}
            </ol>
            <div class="actions start">
                <button type="button" class="button" on:click=copy>{t!(i18n, two_factor.copy_codes)}</button>
                <a class="button" href=href download="tessera-recovery-codes.txt">{t!(i18n, two_factor.download_codes)}</a>
                <button type="button" class="button primary" on:click=move |_| shown.set(None)>{t!(i18n, two_factor.saved_codes)}</button>
            </div>
        </section>
    }
}
