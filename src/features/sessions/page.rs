//! The "Devices & sessions" screen.

use super::{list_sessions, DeviceSession, RevokeOtherSessions, RevokeSession};
use crate::components::toast::{use_toasts, ToastKind};
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn SessionsPage() -> impl IntoView {
    let toasts = use_toasts();
    let revoke = ServerAction::<RevokeSession>::new();
    let revoke_others = ServerAction::<RevokeOtherSessions>::new();
    let sessions = Resource::new(
        move || (revoke.version().get(), revoke_others.version().get()),
        |_| list_sessions(),
    );

    Effect::new(move |_| match revoke.value().get() {
        Some(Ok(())) => toasts.push(ToastKind::Success, "The device was signed out."),
        Some(Err(e)) => toasts.push(ToastKind::Error, e.to_string()),
        None => {}
    });
    Effect::new(move |_| match revoke_others.value().get() {
        Some(Ok(0)) => toasts.push(ToastKind::Success, "No other sessions were open."),
        Some(Ok(n)) => toasts.push(
            ToastKind::Success,
            format!("Signed out {n} other session(s)."),
        ),
        Some(Err(e)) => toasts.push(ToastKind::Error, e.to_string()),
        None => {}
    });

    view! {
        <Title text="Devices & sessions"/>
        <h1>"Devices & sessions"</h1>
        <p class="muted">
            "These devices are signed in to your account. Sign out any you do not recognise, then change your password."
        </p>
        <div class="actions start">
            <button type="button" class="button" disabled=move || revoke_others.pending().get()
                aria-busy=move || revoke_others.pending().get().to_string()
                on:click=move |_| { revoke_others.dispatch(RevokeOtherSessions {}); }>
                {move || if revoke_others.pending().get() { "Signing out…" } else { "Sign out all other sessions" }}
            </button>
        </div>
        <Transition fallback=|| view! { <p class="loading" aria-busy="true">"Loading sessions…"</p> }>
            {move || sessions.get().map(|r| match r {
                Ok(list) => view! {
                    <ul class="session-list" aria-label="Sessions">
                        {list.into_iter().map(|s| view! { <SessionItem session=s revoke=revoke/> }).collect_view()}
                    </ul>
                }.into_any(),
                Err(e) => view! { <p class="alert alert-error" role="alert">{e.to_string()}</p> }.into_any(),
            })}
        </Transition>
    }
}

#[component]
fn SessionItem(session: DeviceSession, revoke: ServerAction<RevokeSession>) -> impl IntoView {
    let id = session.id.clone();
    let label = format!("{} on {}", session.browser, session.os);
    let pending = move || revoke.pending().get();
    view! {
        <li class="card session">
            <div class="session-main">
                <p class="session-title">
                    <strong>{label.clone()}</strong>
                    {session.current.then(|| view! { <span class="badge current">"This device"</span> })}
                </p>
                <p class="muted">{format!("IP {} · signed in {} · last active {}", session.ip, session.created, session.last_seen)}</p>
            </div>
            {(!session.current).then(|| view! {
                <button type="button" class="button small" disabled=pending
                    aria-label=format!("Sign out {label}")
                    on:click=move |_| { revoke.dispatch(RevokeSession { id: id.clone() }); }>
                    "Sign out"
                </button>
            })}
        </li>
    }
}
