//! The "API tokens" and "App passwords" settings pages.

use super::{
    list_app_passwords, list_tokens, AppPasswordInfo, CreateAppPassword, CreateToken, DeleteToken,
    RegenerateToken, RevokeAppPassword, TokenInfo, EXPIRY_PRESETS,
};
use crate::components::dialog::{ConfirmDialog, SecretDialog};
use crate::components::form::{field_error, FieldMessage, TextField};
use crate::components::load::LoadError;
use crate::components::sudo::{SudoDialog, SudoGuard};
use crate::components::title::PageTitle;
use crate::components::toast::{on_result, use_toasts, ToastKind};
use crate::i18n::*;
use leptos::prelude::*;

#[component]
pub fn TokensPage() -> impl IntoView {
    let i18n = use_i18n();
    let toasts = use_toasts();
    let create = ServerAction::<CreateToken>::new();
    let regenerate = ServerAction::<RegenerateToken>::new();
    let regen_guard = SudoGuard::new(regenerate);
    let delete = ServerAction::<DeleteToken>::new();
    let tokens = Resource::new(
        move || {
            (
                create.version().get(),
                regenerate.version().get(),
                delete.version().get(),
            )
        },
        |_| list_tokens(),
    );
    let secret = RwSignal::new(None::<String>);
    let to_delete = RwSignal::new(None::<TokenInfo>);
    let confirm_open = RwSignal::new(false);
    on_result(regenerate, &[], move |made| {
        secret.set(Some(made.value));
        toasts.push(ToastKind::Success, tu_string!(i18n, tokens.regenerated));
    });
    on_result(delete, &[], move |_| {
        toasts.push(ToastKind::Success, tu_string!(i18n, tokens.deleted));
    });
    let max_days = Signal::derive(move || {
        tokens
            .get()
            .and_then(Result::ok)
            .map_or(365, |(_, max)| max)
    });
    view! {
        <PageTitle text=move || t_string!(i18n, tokens.title).to_string()/>
        <h1>{t!(i18n, tokens.title)}</h1>
        <p class="muted">{t!(i18n, tokens.lead)} " " <a href="/api/docs" rel="external">{t!(i18n, tokens.docs)}</a></p>
        <NewTokenForm create=create secret=secret max_days=max_days/>
        <section class="card" aria-labelledby="tokens-heading">
            <h2 id="tokens-heading">{t!(i18n, tokens.list)}</h2>
            <Transition fallback=move || view! { <p class="loading" aria-busy="true">{t!(i18n, common.loading)}</p> }>
                {move || tokens.get().map(|r| match r {
                    Ok((list, _)) if list.is_empty() => view! { <p class="muted">{t!(i18n, tokens.none)}</p> }.into_any(),
                    Ok((list, _)) => view! {
                        <ul class="token-list">
                            {list.into_iter().map(|t| {
                                let (id, target) = (t.id.clone(), t.clone());
                                view! {
                                    <TokenRow token=t>
                                        <button type="button" class="button small" disabled=move || regenerate.pending().get()
                                            on:click=move |_| regen_guard.dispatch(RegenerateToken { id: id.clone() })>
                                            {t!(i18n, tokens.regenerate)}
                                        </button>
                                        <button type="button" class="button small danger"
                                            on:click=move |_| { to_delete.set(Some(target.clone())); confirm_open.set(true); }>
                                            {t!(i18n, tokens.delete)}
                                        </button>
                                    </TokenRow>
                                }
                            }).collect_view()}
                        </ul>
                    }.into_any(),
                    Err(e) => view! { <LoadError error=e retry=move |()| tokens.refetch()/> }.into_any(),
                })}
            </Transition>
        </section>
        <SecretDialog secret=secret title=move || t!(i18n, tokens.created_title) warning=move || t!(i18n, tokens.created_warning)/>
        <ConfirmDialog open=confirm_open
            title=Signal::derive(move || to_delete.get().map(|t| t_string!(i18n, tokens.delete_title, name = t.name).to_string()).unwrap_or_default())
            lead=move || t!(i18n, tokens.delete_lead) confirm_label=move || t!(i18n, tokens.delete)
            on_confirm=move |_| if let Some(t) = to_delete.get_untracked() { delete.dispatch(DeleteToken { id: t.id }); }/>
        <SudoDialog open=regen_guard.open on_confirmed=move |_| regen_guard.retry()/>
    }
}

/// The "New token" form: name, expiry (preset or custom days), scope and
/// address rule. A created token's value goes to `secret` to be shown once.
#[component]
fn NewTokenForm(
    create: ServerAction<CreateToken>,
    secret: RwSignal<Option<String>>,
    max_days: Signal<i64>,
) -> impl IntoView {
    let i18n = use_i18n();
    let create_guard = SudoGuard::new(create);
    let name = RwSignal::new(String::new());
    let preset = RwSignal::new("30".to_string());
    let custom_days = RwSignal::new("30".to_string());
    let scope = RwSignal::new("read".to_string());
    let ips = RwSignal::new(String::new());
    on_result(
        create,
        &["name", "days", "scope", "allowed_ips"],
        move |made| {
            secret.set(Some(made.value));
            name.set(String::new());
            ips.set(String::new());
        },
    );
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let days = if preset.get_untracked() == "custom" {
            custom_days.get_untracked()
        } else {
            preset.get_untracked()
        };
        create_guard.dispatch(CreateToken {
            name: name.get_untracked(),
            days: days.trim().parse().unwrap_or(0),
            scope: scope.get_untracked(),
            allowed_ips: ips.get_untracked(),
        });
    };
    let days_error = field_error(create, "days");
    view! {
        <section class="card" aria-labelledby="new-token-heading">
            <h2 id="new-token-heading">{t!(i18n, tokens.new_token)}</h2>
            <form class="form" method="post" on:submit=submit novalidate>
                <TextField id="name" label=move || t!(i18n, tokens.name) value=name
                    hint=move || t!(i18n, tokens.name_hint) error=field_error(create, "name")/>
                <div class="grid-2">
                    <div class="field">
                        <label for="expiry">{t!(i18n, tokens.expiry)}</label>
                        <select id="expiry" on:change=move |ev| preset.set(event_target_value(&ev)) aria-describedby="days-error">
                            {EXPIRY_PRESETS.iter().map(|d| view! {
                                <option value=d.to_string() selected=*d == 30>{move || t_string!(i18n, tokens.days_n, n = d).to_string()}</option>
                            }).collect_view()}
                            <option value="custom">{t!(i18n, tokens.custom)}</option>
                        </select>
                        <Show when=move || preset.get() == "custom">
                            <label for="custom_days">{move || t_string!(i18n, tokens.custom_days, max = max_days.get()).to_string()}</label>
                            <input id="custom_days" type="number" min="1" max=move || max_days.get().to_string() inputmode="numeric"
                                prop:value=move || custom_days.get() on:input=move |ev| custom_days.set(event_target_value(&ev))
                                aria-invalid=move || days_error.get().is_some().to_string() aria-describedby="days-error"/>
                        </Show>
                        <FieldMessage id="days-error" message=days_error/>
                    </div>
                    <fieldset class="choices">
                        <legend>{t!(i18n, tokens.scope)}</legend>
                        <label><input type="radio" name="scope" value="read" prop:checked=move || scope.get() == "read"
                            on:change=move |_| scope.set("read".into())/>{t!(i18n, tokens.scope_read)}</label>
                        <label><input type="radio" name="scope" value="write" prop:checked=move || scope.get() == "write"
                            on:change=move |_| scope.set("write".into())/>{t!(i18n, tokens.scope_write)}</label>
                    </fieldset>
                </div>
                <TextField id="allowed_ips" label=move || t!(i18n, tokens.ips) value=ips
                    hint=move || t!(i18n, tokens.ips_hint) error=field_error(create, "allowed_ips")/>
                <div class="actions">
                    <button type="submit" class="button primary" disabled=move || create.pending().get()
                        aria-busy=move || create.pending().get().to_string()>
                        {move || if create.pending().get() { t_string!(i18n, tokens.creating) } else { t_string!(i18n, tokens.create) }}
                    </button>
                </div>
            </form>
        </section>
        <SudoDialog open=create_guard.open on_confirmed=move |_| create_guard.retry()/>
    }
}

/// One token in the list, with its actions as children.
#[component]
fn TokenRow(token: TokenInfo, children: Children) -> impl IntoView {
    let i18n = use_i18n();
    let TokenInfo {
        id,
        name,
        shown,
        read_only,
        allowed_ips,
        created,
        expires,
        expired,
        last_used,
        last_used_ip,
        ..
    } = token;
    view! {
        <li class="token" class:expired=expired id=format!("token-{id}")>
            <div class="token-main">
                <p class="session-title">
                    <strong>{name}</strong> " " <code>{format!("{shown}…")}</code> " "
                    <span class="badge">{move || if read_only { t_string!(i18n, tokens.read_only) } else { t_string!(i18n, tokens.read_write) }}</span>
                    {expired.then(|| view! { " " <span class="badge warn">{t_string!(i18n, tokens.expired, when = &expires).to_string()}</span> })}
                </p>
                <p class="muted">
                    {move || if allowed_ips.is_empty() { t_string!(i18n, tokens.any_ip).to_string() } else { t_string!(i18n, tokens.only_from, ips = &allowed_ips).to_string() }}
                    " · " {move || t_string!(i18n, tokens.created_at, when = &created).to_string()}
                    {(!expired).then(|| view! { " · " {t_string!(i18n, tokens.expires_at, when = &expires).to_string()} })}
                    " · " {move || match &last_used {
                        Some(when) => t_string!(i18n, tokens.last_used, when = when, ip = &last_used_ip).to_string(),
                        None => t_string!(i18n, tokens.never_used).to_string(),
                    }}
                </p>
            </div>
            <div class="actions start">{children()}</div>
        </li>
    }
}

#[component]
pub fn AppPasswordsPage() -> impl IntoView {
    let i18n = use_i18n();
    let toasts = use_toasts();
    let create = ServerAction::<CreateAppPassword>::new();
    let guard = SudoGuard::new(create);
    let revoke = ServerAction::<RevokeAppPassword>::new();
    let list = Resource::new(
        move || (create.version().get(), revoke.version().get()),
        |_| list_app_passwords(),
    );
    let secret = RwSignal::new(None::<String>);
    let name = RwSignal::new(String::new());
    let to_revoke = RwSignal::new(None::<AppPasswordInfo>);
    let confirm_open = RwSignal::new(false);
    on_result(create, &["name"], move |made| {
        secret.set(Some(made.password));
        name.set(String::new());
    });
    on_result(revoke, &[], move |_| {
        toasts.push(ToastKind::Success, tu_string!(i18n, tokens.revoked));
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        guard.dispatch(CreateAppPassword {
            name: name.get_untracked(),
        });
    };
    view! {
        <PageTitle text=move || t_string!(i18n, tokens.app_title).to_string()/>
        <h1>{t!(i18n, tokens.app_title)}</h1>
        <p class="muted">{t!(i18n, tokens.app_lead)}</p>
        <section class="card" aria-labelledby="new-app-heading">
            <h2 id="new-app-heading">{t!(i18n, tokens.app_new)}</h2>
            <form class="form" method="post" on:submit=submit novalidate>
                <TextField id="name" label=move || t!(i18n, tokens.name) value=name
                    hint=move || t!(i18n, tokens.app_name_hint) error=field_error(create, "name")/>
                <div class="actions">
                    <button type="submit" class="button primary" disabled=move || create.pending().get()
                        aria-busy=move || create.pending().get().to_string()>
                        {move || if create.pending().get() { t_string!(i18n, tokens.creating) } else { t_string!(i18n, tokens.app_create) }}
                    </button>
                </div>
            </form>
        </section>
        <section class="card" aria-labelledby="apps-heading">
            <h2 id="apps-heading">{t!(i18n, tokens.app_list)}</h2>
            <Transition fallback=move || view! { <p class="loading" aria-busy="true">{t!(i18n, common.loading)}</p> }>
                {move || list.get().map(|r| match r {
                    Ok(items) if items.is_empty() => view! { <p class="muted">{t!(i18n, tokens.app_none)}</p> }.into_any(),
                    Ok(items) => view! {
                        <ul class="token-list">
                            {items.into_iter().map(|a| {
                                let target = a.clone();
                                let AppPasswordInfo { name, created, last_used, last_used_ip, .. } = a;
                                view! {
                                    <li class="token">
                                        <div class="token-main">
                                            <p class="session-title"><strong>{name}</strong></p>
                                            <p class="muted">
                                                {move || t_string!(i18n, tokens.app_created_at, when = &created).to_string()} " · "
                                                {move || match &last_used {
                                                    Some(when) => t_string!(i18n, tokens.last_used, when = when, ip = &last_used_ip).to_string(),
                                                    None => t_string!(i18n, tokens.never_used).to_string(),
                                                }}
                                            </p>
                                        </div>
                                        <div class="actions start">
                                            <button type="button" class="button small danger"
                                                on:click=move |_| { to_revoke.set(Some(target.clone())); confirm_open.set(true); }>
                                                {t!(i18n, tokens.revoke)}
                                            </button>
                                        </div>
                                    </li>
                                }
                            }).collect_view()}
                        </ul>
                    }.into_any(),
                    Err(e) => view! { <LoadError error=e retry=move |()| list.refetch()/> }.into_any(),
                })}
            </Transition>
        </section>
        <SecretDialog secret=secret title=move || t!(i18n, tokens.app_created_title) warning=move || t!(i18n, tokens.app_created_warning)/>
        <ConfirmDialog open=confirm_open
            title=Signal::derive(move || to_revoke.get().map(|a| t_string!(i18n, tokens.revoke_title, name = a.name).to_string()).unwrap_or_default())
            lead=move || t!(i18n, tokens.revoke_lead) confirm_label=move || t!(i18n, tokens.revoke)
            on_confirm=move |_| if let Some(a) = to_revoke.get_untracked() { revoke.dispatch(RevokeAppPassword { id: a.id }); }/>
        <SudoDialog open=guard.open on_confirmed=move |_| guard.retry()/>
    }
}
