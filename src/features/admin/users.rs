//! Admin › Users (`/admin/users`): every account with its badges, 2FA,
//! created and last sign-in; search, filters, sorting and keyset paging in
//! the address (`?q=&role=&state=&two_factor=&source=&sort=&after=`); create
//! an account (a link to set its password is mailed); per account: make
//! admin or user, disable or enable, sign out everywhere, send a reset link,
//! reset 2FA. Every action asks first and needs sudo mode.

use super::types::{AdminUserRow, UserQuery};
use super::{
    admin_list_users, AdminCreateUser, AdminDeleteUser, AdminSendResetLink, AdminSetDisabled,
    AdminSetRole, AdminSignOutEverywhere,
};
use crate::components::dialog::ConfirmDialog;
use crate::components::form::{field_error, TextField};
use crate::components::listing::{self, FilterForm, FilterInput, FilterSelect, Pager};
use crate::components::load::LoadError;
use crate::components::sudo::{SudoDialog, SudoGuard};
use crate::components::title::PageTitle;
use crate::components::toast::{on_result, use_toasts, ToastKind};
use crate::features::two_factor::AdminResetTwoFactor;
use crate::i18n::*;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

/// One action on one account, waiting for its confirmation.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Pending {
    Role(AdminUserRow, bool),
    Disable(AdminUserRow, bool),
    SignOut(AdminUserRow),
    ResetLink(AdminUserRow),
    Reset2fa(AdminUserRow),
    Delete(AdminUserRow),
}

/// The search's query string (without `after`), for paging.
fn query_string(q: &UserQuery) -> String {
    listing::query_string(&[
        ("q", &q.q),
        ("role", &q.role),
        ("state", &q.state),
        ("two_factor", &q.two_factor),
        ("source", &q.source),
        ("sort", &q.sort),
    ])
}

#[component]
pub fn AdminUsersPage() -> impl IntoView {
    let i18n = use_i18n();
    let toasts = use_toasts();
    let query = use_query_map();
    let filter = Memo::new(move |_| {
        let q = query.read();
        let get = |k: &str| q.get(k).unwrap_or_default();
        UserQuery {
            q: get("q"),
            role: get("role"),
            state: get("state"),
            two_factor: get("two_factor"),
            source: get("source"),
            sort: get("sort"),
        }
    });
    let after = move || query.read().get("after");
    let version = RwSignal::new(0_u32);
    let page = Resource::new(
        move || (filter.get(), after(), version.get()),
        |(f, after, _)| admin_list_users(f, after),
    );
    let reload = move || version.update(|v| *v += 1);

    let role = ServerAction::<AdminSetRole>::new();
    let disable = ServerAction::<AdminSetDisabled>::new();
    let sign_out = ServerAction::<AdminSignOutEverywhere>::new();
    let reset_link = ServerAction::<AdminSendResetLink>::new();
    let reset_2fa = ServerAction::<AdminResetTwoFactor>::new();
    let delete = ServerAction::<AdminDeleteUser>::new();
    let guards = (
        SudoGuard::new(role),
        SudoGuard::new(disable),
        SudoGuard::new(sign_out),
        SudoGuard::new(reset_link),
        SudoGuard::new(reset_2fa),
        SudoGuard::new(delete),
    );
    // One action at a time: every row's buttons wait while one runs.
    let busy = Signal::derive(move || {
        role.pending().get()
            || disable.pending().get()
            || sign_out.pending().get()
            || reset_link.pending().get()
            || reset_2fa.pending().get()
            || delete.pending().get()
    });
    let done = move |message: String| {
        toasts.push(ToastKind::Success, message);
        reload();
    };
    on_result(role, &[], move |()| {
        done(t_string!(i18n, admin.done_role).to_string());
    });
    on_result(disable, &[], move |()| {
        done(t_string!(i18n, admin.done_state).to_string());
    });
    on_result(sign_out, &[], move |n| {
        done(t_string!(i18n, admin.done_signed_out, n = n).to_string());
    });
    on_result(reset_link, &[], move |()| {
        done(t_string!(i18n, admin.done_reset_link).to_string());
    });
    on_result(reset_2fa, &[], move |_| {
        done(t_string!(i18n, admin.done_2fa).to_string());
    });
    on_result(delete, &[], move |()| {
        done(t_string!(i18n, admin.done_delete).to_string());
    });

    let pending = RwSignal::new(None::<Pending>);
    let confirm_open = RwSignal::new(false);
    let ask = move |p: Pending| {
        pending.set(Some(p));
        confirm_open.set(true);
    };
    let confirm_title = Signal::derive(move || match pending.get() {
        Some(Pending::Role(u, true)) => {
            t_string!(i18n, admin.ask_make_admin, user = u.username).to_string()
        }
        Some(Pending::Role(u, false)) => {
            t_string!(i18n, admin.ask_make_user, user = u.username).to_string()
        }
        Some(Pending::Disable(u, true)) => {
            t_string!(i18n, admin.ask_disable, user = u.username).to_string()
        }
        Some(Pending::Disable(u, false)) => {
            t_string!(i18n, admin.ask_enable, user = u.username).to_string()
        }
        Some(Pending::SignOut(u)) => {
            t_string!(i18n, admin.ask_sign_out, user = u.username).to_string()
        }
        Some(Pending::ResetLink(u)) => {
            t_string!(i18n, admin.ask_reset_link, user = u.username).to_string()
        }
        Some(Pending::Reset2fa(u)) => {
            t_string!(i18n, admin.ask_reset_2fa, user = u.username).to_string()
        }
        Some(Pending::Delete(u)) => {
            t_string!(i18n, admin.ask_delete, user = u.username).to_string()
        }
        None => String::new(),
    });
    let confirm_lead = move || match pending.get() {
        Some(Pending::Role(_, true)) => t_string!(i18n, admin.lead_make_admin),
        Some(Pending::Role(_, false)) => t_string!(i18n, admin.lead_make_user),
        Some(Pending::Disable(_, true)) => t_string!(i18n, admin.lead_disable),
        Some(Pending::Disable(_, false)) => t_string!(i18n, admin.lead_enable),
        Some(Pending::SignOut(_)) => t_string!(i18n, admin.lead_sign_out),
        Some(Pending::ResetLink(_)) => t_string!(i18n, admin.lead_reset_link),
        Some(Pending::Reset2fa(_)) => t_string!(i18n, admin.lead_reset_2fa),
        Some(Pending::Delete(_)) => t_string!(i18n, admin.lead_delete),
        None => "",
    };
    let run = move |()| match pending.get_untracked() {
        Some(Pending::Role(u, admin)) => guards.0.dispatch(AdminSetRole { id: u.id, admin }),
        Some(Pending::Disable(u, disabled)) => {
            guards.1.dispatch(AdminSetDisabled { id: u.id, disabled });
        }
        Some(Pending::SignOut(u)) => guards.2.dispatch(AdminSignOutEverywhere { id: u.id }),
        Some(Pending::ResetLink(u)) => guards.3.dispatch(AdminSendResetLink { id: u.id }),
        Some(Pending::Reset2fa(u)) => guards.4.dispatch(AdminResetTwoFactor {
            username: u.username,
        }),
        Some(Pending::Delete(u)) => guards.5.dispatch(AdminDeleteUser {
            confirm: u.username,
            id: u.id,
        }),
        None => {}
    };
    // Deleting asks for the username to be typed, as the account page does.
    let typed = Signal::derive(move || match pending.get() {
        Some(Pending::Delete(u)) => u.username,
        _ => String::new(),
    });
    let confirm_label = move || match pending.get() {
        Some(Pending::Delete(_)) => t_string!(i18n, admin.delete),
        _ => t_string!(i18n, common.confirm),
    };
    let qs = move || query_string(&filter.get());

    view! {
        <PageTitle text=move || t_string!(i18n, admin.users_title).to_string()/>
        <h1>{t!(i18n, admin.users_title)}</h1>
        <NewUserForm on_created=move || reload()/>
        <section class="card" aria-labelledby="find-heading">
            <h2 id="find-heading">{t!(i18n, admin.find)}</h2>
            <FilterForm action="/admin/users">
                <FilterInput id="u-q" name="q" kind="search" label=move || t!(i18n, admin.search) current=Signal::derive(move || filter.get().q)/>
                <FilterSelect id="u-role" name="role" label=move || t!(i18n, admin.role) current=Signal::derive(move || filter.get().role)
                    options=vec![("admin", t_string!(i18n, admin.badge_admin).to_string()), ("user", t_string!(i18n, admin.role_user).to_string())]/>
                <FilterSelect id="u-state" name="state" label=move || t!(i18n, admin.state_label) current=Signal::derive(move || filter.get().state)
                    options=vec![("active", t_string!(i18n, admin.active).to_string()), ("disabled", t_string!(i18n, admin.badge_disabled).to_string())]/>
                <FilterSelect id="u-2fa" name="two_factor" label=move || t!(i18n, admin.two_factor) current=Signal::derive(move || filter.get().two_factor)
                    options=vec![("on", t_string!(i18n, admin.on).to_string()), ("off", t_string!(i18n, admin.off).to_string())]/>
                <FilterSelect id="u-source" name="source" label=move || t!(i18n, admin.source) current=Signal::derive(move || filter.get().source)
                    options=vec![("local", t_string!(i18n, admin.local).to_string()), ("external", t_string!(i18n, admin.badge_external).to_string())]/>
                <div class="field">
                    <label for="u-sort">{t!(i18n, admin.sort)}</label>
                    <select id="u-sort" name="sort">
                        <option value="" selected=move || filter.get().sort.is_empty()>{t!(i18n, admin.sort_name)}</option>
                        <option value="created" selected=move || filter.get().sort == "created">{t!(i18n, admin.sort_created)}</option>
                        <option value="last_sign_in" selected=move || filter.get().sort == "last_sign_in">{t!(i18n, admin.sort_last_sign_in)}</option>
                    </select>
                </div>
            </FilterForm>
        </section>
        <section class="card">
            <Transition fallback=move || view! { <p class="loading" aria-busy="true">{t!(i18n, common.loading)}</p> }>
                {move || page.get().map(|r| match r {
                    Ok(p) if p.users.is_empty() => view! { <p class="muted">{t!(i18n, admin.no_users)}</p> }.into_any(),
                    Ok(p) => view! {
                        <div class="table-scroll" tabindex="0" role="region" aria-label=move || t_string!(i18n, admin.users_title).to_string()>
                            <table class="log users">
                                <thead>
                                    <tr>
                                        <th scope="col">{t!(i18n, admin.user)}</th>
                                        <th scope="col">{t!(i18n, admin.email)}</th>
                                        <th scope="col">{t!(i18n, admin.two_factor)}</th>
                                        <th scope="col">{t!(i18n, admin.created)}</th>
                                        <th scope="col">{t!(i18n, admin.last_sign_in)}</th>
                                        <th scope="col">{t!(i18n, admin.actions)}</th>
                                    </tr>
                                </thead>
                                <tbody>
                                    {p.users.into_iter().map(|u| view! { <UserLine user=u ask=ask busy=busy/> }).collect_view()}
                                </tbody>
                            </table>
                        </div>
                        <Pager path="/admin/users" query=Signal::derive(qs) cursor_key="after" paged=after().is_some() next=p.next
                            first_label=move || t!(i18n, admin.first_page) next_label=move || t!(i18n, admin.next_page)/>
                    }.into_any(),
                    Err(e) => view! { <LoadError error=e retry=move |()| page.refetch()/> }.into_any(),
                })}
            </Transition>
        </section>
        <ConfirmDialog open=confirm_open title=confirm_title lead=confirm_lead
            confirm_label=confirm_label on_confirm=run typed=typed/>
        <SudoDialog open=guards.0.open on_confirmed=move |_| guards.0.retry()/>
        <SudoDialog open=guards.1.open on_confirmed=move |_| guards.1.retry()/>
        <SudoDialog open=guards.2.open on_confirmed=move |_| guards.2.retry()/>
        <SudoDialog open=guards.3.open on_confirmed=move |_| guards.3.retry()/>
        <SudoDialog open=guards.4.open on_confirmed=move |_| guards.4.retry()/>
        <SudoDialog open=guards.5.open on_confirmed=move |_| guards.5.retry()/>
    }
}

#[component]
fn UserLine(
    user: AdminUserRow,
    ask: impl Fn(Pending) + Copy + Send + Sync + 'static,
    /// An action runs: the buttons wait.
    busy: Signal<bool>,
) -> impl IntoView {
    let i18n = use_i18n();
    let u = user.clone();
    let name = u.username.clone();
    let label = move |what: String| format!("{what}: {name}");
    let (role_text, disable_text) = (
        if u.is_admin() {
            t_string!(i18n, admin.make_user)
        } else {
            t_string!(i18n, admin.make_admin)
        },
        if u.disabled {
            t_string!(i18n, admin.enable)
        } else {
            t_string!(i18n, admin.disable)
        },
    );
    let (a, b, c, d, e, f) = (
        user.clone(),
        user.clone(),
        user.clone(),
        user.clone(),
        user.clone(),
        user.clone(),
    );
    view! {
        <tr class:failed=u.disabled>
            <td>
                <strong>{u.username.clone()}</strong>
                {u.is_admin().then(|| view! { " " <span class="badge">{t!(i18n, admin.badge_admin)}</span> })}
                {u.is_external().then(|| view! { " " <span class="badge">{t!(i18n, admin.badge_external)}</span> })}
                {u.disabled.then(|| view! { " " <span class="badge warn">{t!(i18n, admin.badge_disabled)}</span> })}
                {(u.name != u.username).then(|| view! { <br/><span class="muted small">{u.name.clone()}</span> })}
            </td>
            <td class="small">
                {u.email.clone()}
                {(!u.pending_email.is_empty()).then(|| view! {
                    <br/><span class="muted">{t_string!(i18n, admin.pending_email, email = u.pending_email.clone()).to_string()}</span>
                })}
            </td>
            <td>
                {if u.two_factor { t_string!(i18n, admin.on) } else { t_string!(i18n, admin.off) }}
                {(u.passkeys > 0).then(|| view! {
                    <br/><span class="muted small">{t_string!(i18n, admin.passkeys, n = u.passkeys).to_string()}</span>
                })}
            </td>
            <td class="small nowrap">{u.created.clone()}</td>
            <td class="small nowrap">{u.last_sign_in.clone().unwrap_or_else(|| t_string!(i18n, admin.never).to_string())}</td>
            <td>
                <div class="row-actions">
                    <button type="button" class="link" disabled=busy aria-label=label(role_text.to_string())
                        on:click=move |_| ask(Pending::Role(a.clone(), !a.is_admin()))>{role_text}</button>
                    <button type="button" class="link" disabled=busy aria-label=label(disable_text.to_string())
                        on:click=move |_| ask(Pending::Disable(b.clone(), !b.disabled))>{disable_text}</button>
                    <button type="button" class="link" disabled=busy aria-label=label(t_string!(i18n, admin.sign_out_all).to_string())
                        on:click=move |_| ask(Pending::SignOut(c.clone()))>{t!(i18n, admin.sign_out_all)}</button>
                    {(!u.is_external()).then(|| view! {
                        <button type="button" class="link" disabled=busy aria-label=label(t_string!(i18n, admin.reset_link).to_string())
                            on:click=move |_| ask(Pending::ResetLink(d.clone()))>{t!(i18n, admin.reset_link)}</button>
                    })}
                    {u.two_factor.then(|| view! {
                        <button type="button" class="link" disabled=busy aria-label=label(t_string!(i18n, admin.reset_2fa).to_string())
                            on:click=move |_| ask(Pending::Reset2fa(e.clone()))>{t!(i18n, admin.reset_2fa)}</button>
                    })}
                    <button type="button" class="link danger" disabled=busy aria-label=label(t_string!(i18n, admin.delete).to_string())
                        on:click=move |_| ask(Pending::Delete(f.clone()))>{t!(i18n, admin.delete)}</button>
                </div>
            </td>
        </tr>
    }
}

/// "New user": username, email, role and source; a local account gets a
/// link by mail to set its own password.
#[component]
fn NewUserForm(on_created: impl Fn() + Copy + Send + Sync + 'static) -> impl IntoView {
    let i18n = use_i18n();
    let toasts = use_toasts();
    let create = ServerAction::<AdminCreateUser>::new();
    let guard = SudoGuard::new(create);
    let username = RwSignal::new(String::new());
    let email = RwSignal::new(String::new());
    let admin = RwSignal::new(false);
    let external = RwSignal::new(false);
    on_result(create, &["username", "email"], move |made| {
        toasts.push(
            ToastKind::Success,
            t_string!(i18n, admin.created_user, user = made.username).to_string(),
        );
        username.set(String::new());
        email.set(String::new());
        on_created();
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        guard.dispatch(AdminCreateUser {
            username: username.get_untracked(),
            email: email.get_untracked(),
            admin: admin.get_untracked(),
            external: external.get_untracked(),
        });
    };
    view! {
        <section class="card" aria-labelledby="new-user-heading">
            <h2 id="new-user-heading">{t!(i18n, admin.new_user)}</h2>
            <p class="muted">{t!(i18n, admin.new_user_lead)}</p>
            <form class="form" method="post" on:submit=submit novalidate>
                <div class="grid-2">
                    <TextField id="new-username" label=move || t!(i18n, admin.username) value=username
                        autocomplete="off" error=field_error(create, "username")/>
                    <TextField id="new-email" label=move || t!(i18n, admin.email) value=email input_type="email"
                        autocomplete="off" error=field_error(create, "email")/>
                </div>
                <div class="choices">
                    <label><input type="checkbox" prop:checked=move || admin.get()
                        on:change=move |ev| admin.set(event_target_checked(&ev))/>{t!(i18n, admin.as_admin)}</label>
                    <label><input type="checkbox" prop:checked=move || external.get()
                        on:change=move |ev| external.set(event_target_checked(&ev))/>{t!(i18n, admin.as_external)}</label>
                </div>
                <div class="actions">
                    <button type="submit" class="button primary" disabled=move || create.pending().get()
                        aria-busy=move || create.pending().get().to_string()>
                        {move || if create.pending().get() { t_string!(i18n, admin.creating) } else { t_string!(i18n, admin.create) }}
                    </button>
                </div>
            </form>
        </section>
        <SudoDialog open=guard.open on_confirmed=move |_| guard.retry()/>
    }
}
