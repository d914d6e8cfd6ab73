//! The profile settings screen.

use super::{UpdateContact, UpdateLanguage, UpdateNames, UpdateTimeZone};
use crate::components::browser;
use crate::components::form::TextField;
use crate::components::layout::use_current_user;
use crate::components::title::PageTitle;
use crate::components::toast::{on_result, use_toasts, ToastKind};
use crate::i18n::*;
use crate::lang;
use crate::model::{CurrentUser, Role};
use crate::validate;
use leptos::prelude::*;

#[component]
pub fn ProfilePage() -> impl IntoView {
    let user = use_current_user();
    let i18n = use_i18n();
    view! {
        <PageTitle text=move || t_string!(i18n, profile.title).to_string()/>
        <h1>{t!(i18n, profile.title)}</h1>
        {move || user.get().map(|u| view! {
            <AccountCard user=u.clone()/>
            <crate::features::avatar::page::AvatarCard/>
            <NamesForm user=u.clone()/>
            <crate::features::email::page::EmailCard user=u.clone()/>
            <ContactForm user=u.clone()/>
            <TimeZoneForm user=u.clone()/>
            <LanguageForm user=u.clone()/>
            <PermissionsCard user=u/>
            <crate::components::theme::ThemeChoice/>
        })}
    }
}

#[component]
fn AccountCard(user: CurrentUser) -> impl IntoView {
    let toasts = use_toasts();
    let i18n = use_i18n();
    let id = user.id.clone();
    let copy = move |_| {
        let id = id.clone();
        leptos::task::spawn_local(async move {
            if browser::copy_to_clipboard(&id).await {
                toasts.push(ToastKind::Success, tu_string!(i18n, profile.id_copied));
            } else {
                toasts.push(ToastKind::Error, tu_string!(i18n, profile.copy_failed));
            }
        });
    };
    view! {
        <section class="card" aria-labelledby="account-heading">
            <h2 id="account-heading">{t!(i18n, profile.account)}</h2>
            <dl class="facts">
                <div>
                    <dt>{t!(i18n, profile.username)}</dt>
                    <dd><span class="mono">{user.username.clone()}</span>
                        <span class="hint">{t!(i18n, profile.username_hint)}</span></dd>
                </div>
                <div>
                    <dt>{t!(i18n, profile.user_id)}</dt>
                    <dd class="with-action">
                        <code id="user-id">{user.id.clone()}</code>
                        <button type="button" class="button small" on:click=copy
                            aria-label=move || t_string!(i18n, profile.copy_user_id)>{t!(i18n, common.copy)}</button>
                    </dd>
                </div>
            </dl>
        </section>
    }
}

#[component]
fn NamesForm(user: CurrentUser) -> impl IntoView {
    let toasts = use_toasts();
    let current = use_current_user();
    let action = ServerAction::<UpdateNames>::new();
    let first = RwSignal::new(user.first_name.clone());
    let last = RwSignal::new(user.last_name.clone());
    let display = RwSignal::new(user.display_name.clone());
    let i18n = use_i18n();
    let lock = user.identity_locked;
    // A closure inside: the hint follows a change of language like every other text.
    let display_hint = move || {
        move || match lock {
            Some(reason) => t_string!(
                i18n,
                profile.cannot_change,
                reason = reason.text(i18n.get_locale())
            )
            .to_string(),
            None => t_string!(i18n, profile.display_hint).to_string(),
        }
    };

    // Messages shown next to the fields: the server's answer, else the local check.
    let server_error = move |field: &'static str| {
        action
            .value()
            .get()
            .and_then(Result::err)
            .and_then(|e| e.field_message(field))
    };
    let field_error = move |field: &'static str, value: RwSignal<String>| {
        Signal::derive(move || {
            validate::name(&value.get(), i18n.get_locale())
                .err()
                .or_else(|| server_error(field))
        })
    };
    let invalid = move || {
        [first, last, display]
            .iter()
            .any(|s| validate::name(&s.get(), lang::current()).is_err())
    };

    on_result(
        action,
        &["first_name", "last_name", "display_name"],
        move |saved| {
            display.set(saved.display_name.clone());
            current.set(Some(saved));
            toasts.push(ToastKind::Success, tu_string!(i18n, profile.saved));
        },
    );

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if invalid() {
            return;
        }
        action.dispatch(UpdateNames {
            first_name: first.get_untracked(),
            last_name: last.get_untracked(),
            display_name: display.get_untracked(),
        });
    };

    view! {
        <section class="card" aria-labelledby="names-heading">
            <h2 id="names-heading">{t!(i18n, profile.name)}</h2>
            <form class="form" method="post" on:submit=submit novalidate>
                <div class="grid-2">
                    <TextField id="first_name" label=move || t!(i18n, profile.first_name) value=first autocomplete="given-name"
                        error=field_error("first_name", first)/>
                    <TextField id="last_name" label=move || t!(i18n, profile.last_name) value=last autocomplete="family-name"
                        error=field_error("last_name", last)/>
                </div>
                <TextField id="display_name" label=move || t!(i18n, profile.display_name) value=display autocomplete="nickname"
                    hint=display_hint readonly=lock.is_some()
                    error=field_error("display_name", display)/>
                <div class="actions">
                    <button type="submit" class="button primary" disabled=move || action.pending().get()
                        aria-busy=move || action.pending().get().to_string()>
                        {move || if action.pending().get() { t_string!(i18n, common.saving) } else { t_string!(i18n, profile.save_name) }}
                    </button>
                </div>
            </form>
        </section>
    }
}

#[component]
fn ContactForm(user: CurrentUser) -> impl IntoView {
    let toasts = use_toasts();
    let current = use_current_user();
    let action = ServerAction::<UpdateContact>::new();
    let i18n = use_i18n();
    let contact = RwSignal::new(user.contact_person.clone());
    let phone = RwSignal::new(user.phone_display.clone());
    let error = move |field: &'static str| {
        Signal::derive(move || {
            action
                .value()
                .get()
                .and_then(Result::err)
                .and_then(|e| e.field_message(field))
        })
    };
    on_result(action, &["phone", "contact_person"], move |saved| {
        // Show the number as the server understood it.
        phone.set(saved.phone_display.clone());
        current.set(Some(saved));
        toasts.push(ToastKind::Success, tu_string!(i18n, profile.contact_saved));
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        action.dispatch(UpdateContact {
            contact_person: contact.get_untracked(),
            phone: phone.get_untracked(),
        });
    };
    view! {
        <section class="card" aria-labelledby="contact-heading">
            <h2 id="contact-heading">{t!(i18n, profile.contact)}</h2>
            <form class="form" method="post" on:submit=submit novalidate>
                <div class="grid-2">
                    <TextField id="contact_person" label=move || t!(i18n, profile.contact_person) value=contact
                        hint=move || t!(i18n, profile.contact_hint) error=error("contact_person")/>
                    <TextField id="phone" label=move || t!(i18n, profile.phone) value=phone input_type="tel" autocomplete="tel"
                        hint=move || t!(i18n, profile.phone_hint) error=error("phone")/>
                </div>
                <div class="actions">
                    <button type="submit" class="button primary" disabled=move || action.pending().get()
                        aria-busy=move || action.pending().get().to_string()>
                        {move || if action.pending().get() { t_string!(i18n, common.saving) } else { t_string!(i18n, profile.save_contact) }}
                    </button>
                </div>
            </form>
        </section>
    }
}

#[component]
fn TimeZoneForm(user: CurrentUser) -> impl IntoView {
    let toasts = use_toasts();
    let current = use_current_user();
    let action = ServerAction::<UpdateTimeZone>::new();
    let i18n = use_i18n();
    let options = crate::time_zones::options_html(&user.time_zone);
    let chosen = RwSignal::new(user.time_zone.clone());
    on_result(action, &[], move |saved| {
        current.set(Some(saved));
        toasts.push(ToastKind::Success, tu_string!(i18n, profile.tz_saved));
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        action.dispatch(UpdateTimeZone {
            time_zone: chosen.get_untracked(),
        });
    };
    view! {
        <section class="card" aria-labelledby="tz-heading">
            <h2 id="tz-heading">{t!(i18n, profile.time_zone)}</h2>
            <form class="form" method="post" on:submit=submit>
                <div class="field">
                    <label for="time_zone">{t!(i18n, profile.show_times_in)}</label>
                    <select id="time_zone" name="time_zone" autocomplete="off" inner_html=options
                        on:change=move |ev| chosen.set(event_target_value(&ev))></select>
                </div>
                <div class="actions">
                    <button type="submit" class="button primary" disabled=move || action.pending().get()
                        aria-busy=move || action.pending().get().to_string()>
                        {move || if action.pending().get() { t_string!(i18n, common.saving) } else { t_string!(i18n, profile.save_tz) }}
                    </button>
                </div>
            </form>
        </section>
    }
}

/// The interface language: saved with the account, applied to the page at once.
#[component]
fn LanguageForm(user: CurrentUser) -> impl IntoView {
    let toasts = use_toasts();
    let current = use_current_user();
    let action = ServerAction::<UpdateLanguage>::new();
    let i18n = use_i18n();
    let chosen = RwSignal::new(user.language.clone());
    let default_name = lang::parse(&user.default_language).map_or("English", lang::name);
    on_result(action, &[], move |saved| {
        let locale = lang::parse(&saved.language)
            .or_else(|| lang::parse(&saved.default_language))
            .unwrap_or_default();
        current.set(Some(saved));
        lang::switch(locale);
        toasts.push(ToastKind::Success, tu_string!(i18n, profile.language_saved));
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        action.dispatch(UpdateLanguage {
            language: chosen.get_untracked(),
        });
    };
    let initial = user.language;
    view! {
        <section class="card" aria-labelledby="language-heading">
            <h2 id="language-heading">{t!(i18n, profile.language)}</h2>
            <form class="form" method="post" on:submit=submit>
                <div class="field">
                    <label for="language">{t!(i18n, profile.language_label)}</label>
                    <select id="language" name="language" aria-describedby="language-hint"
                        on:change=move |ev| chosen.set(event_target_value(&ev))>
                        <option value="" selected=initial.is_empty()>
                            {move || t_string!(i18n, profile.language_default, name = default_name).to_string()}
                        </option>
                        {lang::LANGUAGES.iter().map(|(locale, name)| {
                            let code = lang::code(*locale);
                            view! { <option value=code lang=code selected=initial == code>{*name}</option> }
                        }).collect_view()}
                    </select>
                    <p class="hint" id="language-hint">{t!(i18n, profile.language_hint)}</p>
                </div>
                <div class="actions">
                    <button type="submit" class="button primary" disabled=move || action.pending().get()
                        aria-busy=move || action.pending().get().to_string()>
                        {move || if action.pending().get() { t_string!(i18n, common.saving) } else { t_string!(i18n, profile.save_language) }}
                    </button>
                </div>
            </form>
        </section>
    }
}

#[component]
fn PermissionsCard(user: CurrentUser) -> impl IntoView {
    let i18n = use_i18n();
    let admin = user.role == Role::Admin;
    view! {
        <section class="card" aria-labelledby="permissions-heading">
            <h2 id="permissions-heading">{t!(i18n, profile.permissions)}</h2>
            <p>{t!(i18n, profile.role)} " " <strong class="badge">
                {move || if admin { t_string!(i18n, profile.role_admin) } else { t_string!(i18n, profile.role_user) }}
            </strong></p>
            <ul class="checklist">
                <li>{t!(i18n, profile.perm_own)}</li>
                <li>{t!(i18n, profile.perm_sign_in)}</li>
                {admin.then(|| view! {
                    <li>{t!(i18n, profile.perm_users)}</li>
                    <li>{t!(i18n, profile.perm_audit)}</li>
                })}
            </ul>
        </section>
    }
}
