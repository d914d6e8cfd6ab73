//! The "Devices & sessions" screen.

use super::{list_sessions, DeviceSession, RevokeOtherSessions, RevokeSession};
use crate::components::load::LoadError;
use crate::components::title::PageTitle;
use crate::components::toast::{on_result, use_toasts, ToastKind};
use crate::i18n::*;
use leptos::prelude::*;

#[component]
pub fn SessionsPage() -> impl IntoView {
    let toasts = use_toasts();
    let i18n = use_i18n();
    let revoke = ServerAction::<RevokeSession>::new();
    let revoke_others = ServerAction::<RevokeOtherSessions>::new();
    let sessions = Resource::new(
        move || (revoke.version().get(), revoke_others.version().get()),
        |_| list_sessions(),
    );

    on_result(revoke, &[], move |()| {
        toasts.push(
            ToastKind::Success,
            tu_string!(i18n, sessions.signed_out_one),
        );
    });
    on_result(revoke_others, &[], move |n| {
        let message = if n == 0 {
            tu_string!(i18n, sessions.none_other).to_string()
        } else {
            tu_string!(i18n, sessions.signed_out_n, n = n).to_string()
        };
        toasts.push(ToastKind::Success, message);
    });

    view! {
        <PageTitle text=move || t_string!(i18n, sessions.title).to_string()/>
        <h1>{t!(i18n, sessions.title)}</h1>
        <p class="muted">{t!(i18n, sessions.lead)}</p>
        <div class="actions start">
            <button type="button" class="button" disabled=move || revoke_others.pending().get()
                aria-busy=move || revoke_others.pending().get().to_string()
                on:click=move |_| { revoke_others.dispatch(RevokeOtherSessions {}); }>
                {move || if revoke_others.pending().get() { t_string!(i18n, common.signing_out) } else { t_string!(i18n, sessions.sign_out_others) }}
            </button>
        </div>
        <Transition fallback=move || view! { <p class="loading" aria-busy="true">{t!(i18n, sessions.loading)}</p> }>
            {move || sessions.get().map(|r| match r {
                Ok(list) => view! {
                    <ul class="session-list" aria-label=move || t_string!(i18n, sessions.list)>
                        {list.into_iter().map(|s| view! { <SessionItem session=s revoke=revoke/> }).collect_view()}
                    </ul>
                }.into_any(),
                Err(e) => view! { <LoadError error=e retry=move |()| sessions.refetch()/> }.into_any(),
            })}
        </Transition>
    }
}

#[component]
fn SessionItem(session: DeviceSession, revoke: ServerAction<RevokeSession>) -> impl IntoView {
    let i18n = use_i18n();
    let id = session.id.clone();
    let DeviceSession {
        browser,
        os,
        ip,
        created,
        last_seen,
        current,
        ..
    } = session;
    // "Firefox 128 on Linux"; parts the server did not recognise say so.
    let label = move || {
        let browser = if browser.is_empty() {
            t_string!(i18n, sessions.unknown_browser).to_string()
        } else {
            browser.clone()
        };
        let os = if os.is_empty() {
            t_string!(i18n, sessions.unknown_os).to_string()
        } else {
            os.clone()
        };
        t_string!(i18n, sessions.on, browser = browser, os = os).to_string()
    };
    let pending = move || revoke.pending().get();
    view! {
        <li class="card session">
            <div class="session-main">
                <p class="session-title">
                    <strong>{label.clone()}</strong>
                    {current.then(|| view! { <span class="badge current">{t!(i18n, sessions.this_device)}</span> })}
                </p>
                <p class="muted">{move || t_string!(i18n, sessions.details, ip = &ip, created = &created, seen = &last_seen).to_string()}</p>
            </div>
            {(!current).then(|| view! {
                <button type="button" class="button small" disabled=pending
                    aria-label=move || t_string!(i18n, sessions.sign_out_one, label = label()).to_string()
                    on:click=move |_| { revoke.dispatch(RevokeSession { id: id.clone() }); }>
                    {t!(i18n, common.sign_out)}
                </button>
            })}
        </li>
    }
}
