//! Admin › Tokens (`/admin/tokens`): every user's API tokens with owner,
//! scope, address rule, dates and last use, then every app password with
//! owner, created and last use; filtered by owner, expired or unused for 90
//! days (`?owner=&state=`, filtered and paged on the server: `after=` pages
//! the tokens, `apps_after=` the app passwords); revoked after a
//! confirmation (sudo mode; the owner is told and the revocation audited).

use crate::components::dialog::ConfirmDialog;
use crate::components::listing::{self, FilterForm, FilterInput, FilterSelect, Pager};
use crate::components::load::LoadError;
use crate::components::sudo::{SudoDialog, SudoGuard};
use crate::components::title::PageTitle;
use crate::components::toast::{on_result, use_toasts, ToastKind};
use crate::features::tokens::types::{AdminTokenQuery, TokenInfo};
use crate::features::tokens::{
    admin_list_app_passwords, admin_list_tokens, AdminRevokeAppPassword, AdminRevokeToken,
};
use crate::i18n::*;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

const PATH: &str = "/admin/tokens";

/// The filters' query string with the other list's cursor (`key=cursor`),
/// for paging one list while the other stays on its page.
fn query_string(q: &AdminTokenQuery, key: &str, cursor: Option<String>) -> String {
    listing::query_string(&[
        ("owner", &q.owner),
        ("state", &q.state),
        (key, &cursor.unwrap_or_default()),
    ])
}

/// The links under one of the two lists, when there is another page: `key`
/// pages this list, `other` keeps the other list on its page.
fn pager(
    filter: Memo<AdminTokenQuery>,
    key: &'static str,
    other: &'static str,
    next: Option<String>,
) -> impl IntoView {
    let i18n = use_i18n();
    let query = use_query_map();
    let paged = query.read().get(key).is_some();
    let qs = move || query_string(&filter.get(), other, query.read().get(other));
    (paged || next.is_some()).then(|| {
        view! {
            <Pager path=PATH query=Signal::derive(qs) cursor_key=key paged=paged next=next
                first_label=move || t!(i18n, admin.first_page) next_label=move || t!(i18n, admin.next_page)/>
        }
    })
}

#[component]
pub fn AdminTokensPage() -> impl IntoView {
    let i18n = use_i18n();
    let toasts = use_toasts();
    let query = use_query_map();
    let filter = Memo::new(move |_| {
        let q = query.read();
        AdminTokenQuery {
            owner: q.get("owner").unwrap_or_default(),
            state: q.get("state").unwrap_or_default(),
        }
    });
    let after = move || query.read().get("after");
    let version = RwSignal::new(0_u32);
    let tokens = Resource::new(
        move || (filter.get(), after(), version.get()),
        |(f, after, _)| admin_list_tokens(f, after),
    );
    let revoke = ServerAction::<AdminRevokeToken>::new();
    let guard = SudoGuard::new(revoke);
    let to_revoke = RwSignal::new(None::<(String, TokenInfo)>);
    let confirm = RwSignal::new(false);
    on_result(revoke, &[], move |()| {
        toasts.push(
            ToastKind::Success,
            t_string!(i18n, admin.revoked).to_string(),
        );
        version.update(|v| *v += 1);
    });
    view! {
        <PageTitle text=move || t_string!(i18n, admin.tokens_title).to_string()/>
        <h1>{t!(i18n, admin.tokens_title)}</h1>
        <p class="muted">{t!(i18n, admin.tokens_lead)}</p>
        <section class="card">
            <FilterForm action=PATH>
                <FilterInput id="t-owner" name="owner" kind="search" label=move || t!(i18n, admin.owner)
                    current=Signal::derive(move || filter.get().owner)/>
                <FilterSelect id="t-state" name="state" label=move || t!(i18n, admin.state) current=Signal::derive(move || filter.get().state)
                    options=vec![("expired", t_string!(i18n, admin.state_expired).to_string()), ("idle", t_string!(i18n, admin.state_idle).to_string())]/>
            </FilterForm>
        </section>
        <section class="card">
            <Transition fallback=move || view! { <p class="loading" aria-busy="true">{t!(i18n, common.loading)}</p> }>
                {move || tokens.get().map(|r| match r {
                    // A later page can come out empty (its last rows revoked,
                    // or used a moment ago): the way on or back stays.
                    Ok(page) if page.tokens.is_empty() => view! {
                        <p class="muted">{t!(i18n, admin.none_tokens)}</p>
                        {pager(filter, "after", "apps_after", page.next.clone())}
                    }.into_any(),
                    Ok(page) => view! {
                        <div class="table-scroll" tabindex="0" role="region" aria-label=move || t_string!(i18n, admin.tokens_title).to_string()>
                            <table class="log">
                                <thead>
                                    <tr>
                                        <th scope="col">{t!(i18n, admin.owner)}</th>
                                        <th scope="col">{t!(i18n, admin.token)}</th>
                                        <th scope="col">{t!(i18n, admin.time)}</th>
                                        <th scope="col">{t!(i18n, admin.address)}</th>
                                        <th scope="col"><span class="sr-only">{t!(i18n, admin.revoke)}</span></th>
                                    </tr>
                                </thead>
                                <tbody>
                                    {page.tokens.into_iter().map(|(who, t)| {
                                        let label = t_string!(i18n, admin.revoke_label, name = t.name.clone(), owner = who.clone()).to_string();
                                        let pick = (who.clone(), t.clone());
                                        view! {
                                            <tr class:failed=t.expired>
                                                <td>{who}</td>
                                                <td>
                                                    <strong>{t.name.clone()}</strong> " " <code>{format!("{}…", t.shown)}</code> " "
                                                    <span class="badge">{move || if t.read_only { t_string!(i18n, tokens.read_only) } else { t_string!(i18n, tokens.read_write) }}</span>
                                                    {(!t.allowed_ips.is_empty()).then(|| view! { <br/><span class="muted small">{t.allowed_ips.clone()}</span> })}
                                                </td>
                                                <td class="small">
                                                    {t_string!(i18n, admin.created_expires, created = t.created.clone(), expires = t.expires.clone()).to_string()}
                                                    {t.expired.then(|| view! { " " <span class="badge warn">{t!(i18n, admin.state_expired)}</span> })}
                                                    {t.idle.then(|| view! { " " <span class="badge">{t!(i18n, admin.state_idle)}</span> })}
                                                </td>
                                                <td class="small">{match t.last_used.clone() {
                                                    Some(when) => t_string!(i18n, admin.last_used, when = when, ip = t.last_used_ip.clone()).to_string(),
                                                    None => t_string!(i18n, admin.never).to_string(),
                                                }}</td>
                                                <td>
                                                    <button type="button" class="button danger" aria-label=label
                                                        disabled=move || revoke.pending().get()
                                                        aria-busy=move || revoke.pending().get().to_string()
                                                        on:click=move |_| { to_revoke.set(Some(pick.clone())); confirm.set(true); }>
                                                        {t!(i18n, admin.revoke)}
                                                    </button>
                                                </td>
                                            </tr>
                                        }
                                    }).collect_view()}
                                </tbody>
                            </table>
                        </div>
                        {pager(filter, "after", "apps_after", page.next)}
                    }.into_any(),
                    Err(e) => view! { <LoadError error=e retry=move |()| tokens.refetch()/> }.into_any(),
                })}
            </Transition>
        </section>
        <AppPasswords filter=filter/>
        <ConfirmDialog open=confirm
            title=Signal::derive(move || t_string!(i18n, admin.revoke_title).to_string())
            lead=move || t!(i18n, admin.revoke_lead)
            confirm_label=move || t!(i18n, admin.revoke)
            on_confirm=move |()| if let Some((_, t)) = to_revoke.get_untracked() { guard.dispatch(AdminRevokeToken { id: t.id }); }/>
        <SudoDialog open=guard.open on_confirmed=move |_| guard.retry()/>
    }
}

/// The app passwords part of the page, under the same filters (app passwords
/// never expire: "expired" shows none), paged on its own (`apps_after=`).
#[component]
fn AppPasswords(filter: Memo<AdminTokenQuery>) -> impl IntoView {
    let i18n = use_i18n();
    let toasts = use_toasts();
    let query = use_query_map();
    let after = move || query.read().get("apps_after");
    let version = RwSignal::new(0_u32);
    let list = Resource::new(
        move || (filter.get(), after(), version.get()),
        |(f, after, _)| admin_list_app_passwords(f, after),
    );
    let revoke = ServerAction::<AdminRevokeAppPassword>::new();
    let guard = SudoGuard::new(revoke);
    let to_revoke = RwSignal::new(None::<String>);
    let confirm = RwSignal::new(false);
    on_result(revoke, &[], move |()| {
        toasts.push(
            ToastKind::Success,
            t_string!(i18n, admin.app_password_revoked).to_string(),
        );
        version.update(|v| *v += 1);
    });
    view! {
        <section class="card" aria-labelledby="app-passwords-heading">
            <h2 id="app-passwords-heading">{t!(i18n, admin.app_passwords_title)}</h2>
            <p class="muted">{t!(i18n, admin.app_passwords_lead)}</p>
            <Transition fallback=move || view! { <p class="loading" aria-busy="true">{t!(i18n, common.loading)}</p> }>
                {move || list.get().map(|r| match r {
                    Ok(page) if page.app_passwords.is_empty() => view! {
                        <p class="muted">{t!(i18n, admin.none_app_passwords)}</p>
                        {pager(filter, "apps_after", "after", page.next.clone())}
                    }.into_any(),
                    Ok(page) => view! {
                        <div class="table-scroll" tabindex="0" role="region" aria-label=move || t_string!(i18n, admin.app_passwords_title).to_string()>
                            <table class="log">
                                <thead>
                                    <tr>
                                        <th scope="col">{t!(i18n, admin.owner)}</th>
                                        <th scope="col">{t!(i18n, admin.app_password)}</th>
                                        <th scope="col">{t!(i18n, admin.time)}</th>
                                        <th scope="col"><span class="sr-only">{t!(i18n, admin.revoke)}</span></th>
                                    </tr>
                                </thead>
                                <tbody>
                                    {page.app_passwords.into_iter().map(|(who, a, idle)| {
                                        let label = t_string!(i18n, admin.revoke_app_password_label, name = a.name.clone(), owner = who.clone()).to_string();
                                        let id = a.id.clone();
                                        view! {
                                            <tr>
                                                <td>{who}</td>
                                                <td>
                                                    <strong>{a.name.clone()}</strong>
                                                    {idle.then(|| view! { " " <span class="badge">{t!(i18n, admin.state_idle)}</span> })}
                                                </td>
                                                <td class="small">
                                                    {t_string!(i18n, admin.created_on, created = a.created.clone()).to_string()}<br/>
                                                    {match a.last_used.clone() {
                                                        Some(when) => t_string!(i18n, admin.last_used, when = when, ip = a.last_used_ip.clone()).to_string(),
                                                        None => t_string!(i18n, admin.never).to_string(),
                                                    }}
                                                </td>
                                                <td>
                                                    <button type="button" class="button danger" aria-label=label
                                                        disabled=move || revoke.pending().get()
                                                        aria-busy=move || revoke.pending().get().to_string()
                                                        on:click=move |_| { to_revoke.set(Some(id.clone())); confirm.set(true); }>
                                                        {t!(i18n, admin.revoke)}
                                                    </button>
                                                </td>
                                            </tr>
                                        }
                                    }).collect_view()}
                                </tbody>
                            </table>
                        </div>
                        {pager(filter, "apps_after", "after", page.next)}
                    }.into_any(),
                    Err(e) => view! { <LoadError error=e retry=move |()| list.refetch()/> }.into_any(),
                })}
            </Transition>
        </section>
        <ConfirmDialog open=confirm
            title=Signal::derive(move || t_string!(i18n, admin.revoke_app_password_title).to_string())
            lead=move || t!(i18n, admin.revoke_app_password_lead)
            confirm_label=move || t!(i18n, admin.revoke)
            on_confirm=move |()| if let Some(id) = to_revoke.get_untracked() { guard.dispatch(AdminRevokeAppPassword { id }); }/>
        <SudoDialog open=guard.open on_confirmed=move |_| guard.retry()/>
    }
}
