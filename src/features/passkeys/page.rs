//! Settings › Passkeys & security keys: add one (sudo mode, the browser's
//! dialog, then its name), the list with kind, added and last used; rename;
//! remove (sudo mode).

use super::{
    list_passkeys, FinishPasskeyRegistration, PasskeyEntry, PasskeyKind, PasskeyList,
    RemovePasskey, RenamePasskey, StartPasskeyRegistration,
};
use crate::components::dialog::ConfirmDialog;
use crate::components::form::TextField;
use crate::components::layout::use_current_user;
use crate::components::load::LoadError;
use crate::components::sudo::{SudoDialog, SudoGuard};
use crate::components::title::PageTitle;
use crate::components::toast::{on_result, use_toasts, ToastKind};
use crate::components::webauthn;
use crate::features::two_factor::page::RecoveryCodes;
use crate::i18n::*;
use leptos::prelude::*;

#[component]
pub fn PasskeysPage() -> impl IntoView {
    let i18n = use_i18n();
    let refresh = RwSignal::new(0u32);
    let list = Resource::new(move || refresh.get(), |_| list_passkeys());
    let fresh_codes = RwSignal::new(None::<Vec<String>>);
    view! {
        <PageTitle text=move || t_string!(i18n, passkeys.title).to_string()/>
        <h1>{t!(i18n, passkeys.title)}</h1>
        <p class="muted">{t!(i18n, passkeys.lead)}</p>
        {move || fresh_codes.get().map(|codes| view! { <RecoveryCodes codes=codes shown=fresh_codes/> })}
        <Transition fallback=move || view! { <p class="loading" aria-busy="true">{t!(i18n, common.loading)}</p> }>
            {move || list.get().map(|r| match r {
                Ok(l) => view! { <Passkeys list=l refresh=refresh fresh_codes=fresh_codes/> }.into_any(),
                Err(e) => view! { <LoadError error=e retry=move |()| list.refetch()/> }.into_any(),
            })}
        </Transition>
    }
}

#[component]
fn Passkeys(
    list: PasskeyList,
    refresh: RwSignal<u32>,
    fresh_codes: RwSignal<Option<Vec<String>>>,
) -> impl IntoView {
    let i18n = use_i18n();
    let toasts = use_toasts();
    let remove = ServerAction::<RemovePasskey>::new();
    let remove_guard = SudoGuard::new(remove);
    let to_remove = RwSignal::new(None::<PasskeyEntry>);
    let confirm_open = RwSignal::new(false);
    on_result(remove, &[], move |()| {
        toasts.push(ToastKind::Success, tu_string!(i18n, passkeys.removed));
        refresh.update(|n| *n += 1);
    });
    let only_factor = list.passkeys.len() == 1 && !list.totp;
    let mandatory = list.mandatory;
    let rows = list.passkeys.clone();
    view! {
        {if list.available {
            view! { <AddPasskey origin=list.origin.clone() refresh=refresh fresh_codes=fresh_codes/> }.into_any()
        } else {
            view! { <p class="notice" role="status">{t!(i18n, passkeys.unavailable)}</p> }.into_any()
        }}
        <section class="card" aria-labelledby="keys-heading">
            <h2 id="keys-heading">{t!(i18n, passkeys.list_title)}</h2>
            {if rows.is_empty() {
                view! { <p class="muted" id="no-passkeys">{t!(i18n, passkeys.empty)}</p> }.into_any()
            } else {
                view! {
                    <ul class="token-list passkeys">
                        {rows.into_iter().map(|p| {
                            let keep = only_factor && mandatory;
                            view! { <PasskeyItem entry=p keep=keep refresh=refresh removing=remove.pending() on_remove=move |p| {
                                to_remove.set(Some(p));
                                confirm_open.set(true);
                            }/> }
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
        </section>
        <ConfirmDialog open=confirm_open
            title=Signal::derive(move || to_remove.get().map(|p| t_string!(i18n, passkeys.remove_title, name = p.info.name).to_string()).unwrap_or_default())
            lead=move || if only_factor { t!(i18n, passkeys.remove_last_lead).into_any() } else { t!(i18n, passkeys.remove_lead).into_any() }
            confirm_label=move || t!(i18n, passkeys.remove)
            on_confirm=move |_| if let Some(p) = to_remove.get_untracked() { remove_guard.dispatch(RemovePasskey { id: p.info.id }); }/>
        <SudoDialog open=remove_guard.open on_confirmed=move |_| remove_guard.retry()/>
    }
}

/// "Add a passkey": an optional name, then sudo mode and the browser's dialog.
#[component]
fn AddPasskey(
    origin: String,
    refresh: RwSignal<u32>,
    fresh_codes: RwSignal<Option<Vec<String>>>,
) -> impl IntoView {
    let i18n = use_i18n();
    let toasts = use_toasts();
    let user = use_current_user();
    let name = RwSignal::new(String::new());
    let start = ServerAction::<StartPasskeyRegistration>::new();
    let guard = SudoGuard::new(start);
    let finish = ServerAction::<FinishPasskeyRegistration>::new();
    // The browser's dialog is open.
    let asking = RwSignal::new(false);
    let problem = RwSignal::new(None::<String>);
    let busy = move || start.pending().get() || asking.get() || finish.pending().get();
    // Reached by another address than `public_url`: the browser would refuse.
    let elsewhere = {
        let origin = origin.clone();
        move || {
            #[cfg(feature = "hydrate")]
            {
                web_sys::window()
                    .and_then(|w| w.location().origin().ok())
                    .is_some_and(|o| !o.eq_ignore_ascii_case(&origin))
            }
            #[cfg(not(feature = "hydrate"))]
            {
                let _ = &origin;
                false
            }
        }
    };
    Effect::new(move |_| {
        let Some(result) = start.value().get() else {
            return;
        };
        match result {
            Ok(ceremony) => {
                start.value().set(None);
                asking.set(true);
                problem.set(None);
                leptos::task::spawn_local(async move {
                    let answer = webauthn::create(&ceremony.options).await;
                    asking.set(false);
                    match answer {
                        Ok(credential) => {
                            finish.dispatch(FinishPasskeyRegistration {
                                ceremony: ceremony.id,
                                name: name.get_untracked(),
                                credential,
                            });
                        }
                        Err(e) => problem.set(Some(e.message(i18n))),
                    }
                });
            }
            Err(crate::error::AppError::ReauthRequired) => {}
            Err(e) => problem.set(Some(e.message())),
        }
    });
    let name_error = Signal::derive(move || {
        finish
            .value()
            .get()
            .and_then(Result::err)
            .and_then(|e| e.field_message("name"))
    });
    Effect::new(move |_| match finish.value().get() {
        Some(Ok(codes)) => {
            name.set(String::new());
            if let Some(codes) = codes {
                fresh_codes.set(Some(codes));
                if let Some(mut u) = user.get_untracked() {
                    u.two_factor_enabled = true;
                    u.two_factor_required = false;
                    user.set(Some(u));
                }
            }
            toasts.push(ToastKind::Success, tu_string!(i18n, passkeys.added));
            refresh.update(|n| *n += 1);
        }
        Some(Err(e)) if e.field_message("name").is_none() => problem.set(Some(e.message())),
        _ => {}
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        problem.set(None);
        guard.dispatch(StartPasskeyRegistration {});
    };
    view! {
        <section class="card" aria-labelledby="add-heading">
            <h2 id="add-heading">{t!(i18n, passkeys.add_title)}</h2>
            {move || elsewhere().then(|| view! {
                <p class="notice" role="status">{t_string!(i18n, passkeys.open_at, origin = origin.clone()).to_string()}</p>
            })}
            <form class="form" method="post" on:submit=submit novalidate>
                <TextField id="passkey-name" label=move || t!(i18n, passkeys.name) value=name
                    autocomplete="off" hint=move || t!(i18n, passkeys.name_hint) error=name_error/>
                {move || problem.get().map(|m| view! { <p class="alert alert-error" role="alert" id="passkey-problem">{m}</p> })}
                <div class="actions start">
                    <button type="submit" class="button primary" disabled=busy aria-busy=move || busy().to_string()>
                        {move || if busy() { t_string!(i18n, passkeys.adding) } else { t_string!(i18n, passkeys.add) }}
                    </button>
                </div>
            </form>
        </section>
        <SudoDialog open=guard.open on_confirmed=move |_| guard.retry()/>
    }
}

#[component]
fn PasskeyItem(
    entry: PasskeyEntry,
    /// The last second factor while 2FA is mandatory: no "Remove".
    keep: bool,
    refresh: RwSignal<u32>,
    /// A removal runs: the remove buttons wait.
    #[prop(into)]
    removing: Signal<bool>,
    #[prop(into)] on_remove: Callback<PasskeyEntry>,
) -> impl IntoView {
    let i18n = use_i18n();
    let toasts = use_toasts();
    let rename = ServerAction::<RenamePasskey>::new();
    let rename_guard = SudoGuard::new(rename);
    let editing = RwSignal::new(false);
    let new_name = RwSignal::new(entry.info.name.clone());
    on_result(rename, &["name"], move |()| {
        editing.set(false);
        toasts.push(ToastKind::Success, tu_string!(i18n, passkeys.renamed));
        refresh.update(|n| *n += 1);
    });
    let name_error = Signal::derive(move || {
        rename
            .value()
            .get()
            .and_then(Result::err)
            .and_then(|e| e.field_message("name"))
    });
    let kind = move || match entry.info.kind {
        PasskeyKind::Synced => t_string!(i18n, passkeys.kind_synced),
        PasskeyKind::Device => t_string!(i18n, passkeys.kind_device),
        PasskeyKind::Hardware => t_string!(i18n, passkeys.kind_hardware),
    };
    let id = entry.info.id.clone();
    let input_id = format!("rename-{}", entry.info.id);
    let error_id = format!("rename-{}-error", entry.info.id);
    let name = entry.info.name.clone();
    let created = entry.created.clone();
    let last_used = entry.last_used.clone();
    let for_remove = entry.clone();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        rename_guard.dispatch(RenamePasskey {
            id: id.clone(),
            name: new_name.get_untracked(),
        });
    };
    view! {
        <li class="token passkey">
            <div class="token-main">
                <strong class="passkey-name">{name.clone()}</strong> " "
                <span class="badge">{kind}</span>
                <p class="muted small">
                    {t_string!(i18n, passkeys.added_on, when = created.clone()).to_string()} " · "
                    {match last_used.clone() {
                        Some(w) => t_string!(i18n, passkeys.last_used, when = w).to_string(),
                        None => t_string!(i18n, passkeys.never_used).to_string(),
                    }}
                </p>
            </div>
            <Show when=move || editing.get() fallback=move || view! {
                <div class="row-actions">
                    <button type="button" class="link" aria-label=t_string!(i18n, passkeys.rename_label, name = name.clone()).to_string()
                        on:click=move |_| editing.set(true)>{t!(i18n, passkeys.rename)}</button>
                    {(!keep).then(|| {
                        let entry = for_remove.clone();
                        view! {
                            <button type="button" class="link danger" aria-label=t_string!(i18n, passkeys.remove_label, name = entry.info.name.clone()).to_string()
                                disabled=removing aria-busy=move || removing.get().to_string()
                                on:click=move |_| on_remove.run(entry.clone())>{t!(i18n, passkeys.remove)}</button>
                        }
                    })}
                </div>
            }>
                <form class="form inline" method="post" on:submit=submit.clone() novalidate>
                    <div class="field" class:has-error=move || name_error.get().is_some()>
                        <label for=input_id.clone()>{t!(i18n, passkeys.name)}</label>
                        <input id=input_id.clone() type="text" autocomplete="off" maxlength="64"
                            prop:value=move || new_name.get()
                            on:input=move |ev| new_name.set(event_target_value(&ev))
                            aria-invalid=move || name_error.get().is_some().to_string()
                            aria-describedby=error_id.clone()/>
                        <p class="field-error" id=error_id.clone() aria-live="polite">{move || name_error.get().unwrap_or_default()}</p>
                    </div>
                    <div class="actions start">
                        <button type="submit" class="button primary" disabled=move || rename.pending().get()
                            aria-busy=move || rename.pending().get().to_string()>{t!(i18n, passkeys.save)}</button>
                        <button type="button" class="button" on:click=move |_| editing.set(false)>{t!(i18n, common.cancel)}</button>
                    </div>
                </form>
            </Show>
            <SudoDialog open=rename_guard.open on_confirmed=move |_| rename_guard.retry()/>
        </li>
    }
}
