//! The profile settings screen.

use super::{list_time_zones, UpdateContact, UpdateNames, UpdateTimeZone};
use crate::components::browser;
use crate::components::form::TextField;
use crate::components::layout::use_current_user;
use crate::components::toast::{use_toasts, ToastKind};
use crate::model::CurrentUser;
use crate::validate;
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn ProfilePage() -> impl IntoView {
    let user = use_current_user();
    view! {
        <Title text="Profile"/>
        <h1>"Profile"</h1>
        {move || user.get().map(|u| view! {
            <AccountCard user=u.clone()/>
            <crate::features::avatar::page::AvatarCard/>
            <NamesForm user=u.clone()/>
            <crate::features::email::page::EmailCard user=u.clone()/>
            <ContactForm user=u.clone()/>
            <TimeZoneForm user=u.clone()/>
            <PermissionsCard user=u/>
            <crate::components::theme::ThemeChoice/>
        })}
    }
}

#[component]
fn AccountCard(user: CurrentUser) -> impl IntoView {
    let toasts = use_toasts();
    let id = user.id.clone();
    let copy = move |_| {
        let id = id.clone();
        leptos::task::spawn_local(async move {
            if browser::copy_to_clipboard(&id).await {
                toasts.push(ToastKind::Success, "User ID copied to the clipboard.");
            } else {
                toasts.push(
                    ToastKind::Error,
                    "Could not copy. Select the ID and copy it by hand.",
                );
            }
        });
    };
    view! {
        <section class="card" aria-labelledby="account-heading">
            <h2 id="account-heading">"Account"</h2>
            <dl class="facts">
                <div>
                    <dt>"Username"</dt>
                    <dd><span class="mono">{user.username.clone()}</span>
                        <span class="hint">"Your username is permanent and cannot be changed."</span></dd>
                </div>
                <div>
                    <dt>"User ID"</dt>
                    <dd class="with-action">
                        <code id="user-id">{user.id.clone()}</code>
                        <button type="button" class="button small" on:click=copy aria-label="Copy user ID">"Copy"</button>
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
    let lock = user.identity_locked.clone();
    let display_hint = match &lock {
        Some(reason) => format!("Cannot be changed. {reason}"),
        None => "Shown to others. Leave empty to use your first and last name.".to_string(),
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
            validate::name(&value.get())
                .err()
                .or_else(|| server_error(field))
        })
    };
    let invalid = move || {
        [first, last, display]
            .iter()
            .any(|s| validate::name(&s.get()).is_err())
    };

    Effect::new(move |_| match action.value().get() {
        Some(Ok(saved)) => {
            display.set(saved.display_name.clone());
            current.set(Some(saved));
            toasts.push(ToastKind::Success, "Profile saved.");
        }
        Some(Err(e)) if e.belongs_to_form(&["first_name", "last_name", "display_name"]) => {
            toasts.push(ToastKind::Error, e.to_string());
        }
        _ => {}
    });

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
            <h2 id="names-heading">"Name"</h2>
            <form class="form" on:submit=submit novalidate>
                <div class="grid-2">
                    <TextField id="first_name" label="First name" value=first autocomplete="given-name"
                        error=field_error("first_name", first)/>
                    <TextField id="last_name" label="Last name" value=last autocomplete="family-name"
                        error=field_error("last_name", last)/>
                </div>
                <TextField id="display_name" label="Display name" value=display autocomplete="nickname"
                    hint=display_hint readonly=lock.is_some()
                    error=field_error("display_name", display)/>
                <div class="actions">
                    <button type="submit" class="button primary" disabled=move || action.pending().get()
                        aria-busy=move || action.pending().get().to_string()>
                        {move || if action.pending().get() { "Saving…" } else { "Save name" }}
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
    Effect::new(move |_| match action.value().get() {
        Some(Ok(saved)) => {
            // Show the number as the server understood it.
            phone.set(saved.phone_display.clone());
            current.set(Some(saved));
            toasts.push(ToastKind::Success, "Contact details saved.");
        }
        Some(Err(e)) if e.belongs_to_form(&["phone", "contact_person"]) => {
            toasts.push(ToastKind::Error, e.to_string());
        }
        _ => {}
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
            <h2 id="contact-heading">"Contact details"</h2>
            <form class="form" on:submit=submit novalidate>
                <div class="grid-2">
                    <TextField id="contact_person" label="Contact person (optional)" value=contact
                        hint="Someone to reach on your behalf." error=error("contact_person")/>
                    <TextField id="phone" label="Phone (optional)" value=phone input_type="tel" autocomplete="tel"
                        hint="With the country code, e.g. +49 30 1234567." error=error("phone")/>
                </div>
                <div class="actions">
                    <button type="submit" class="button primary" disabled=move || action.pending().get()
                        aria-busy=move || action.pending().get().to_string()>
                        {move || if action.pending().get() { "Saving…" } else { "Save contact details" }}
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
    let zones = Resource::new(|| (), |_| list_time_zones());
    let chosen = RwSignal::new(user.time_zone.clone());
    Effect::new(move |_| match action.value().get() {
        Some(Ok(saved)) => {
            current.set(Some(saved));
            toasts.push(ToastKind::Success, "Time zone saved.");
        }
        Some(Err(e)) => toasts.push(ToastKind::Error, e.to_string()),
        None => {}
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        action.dispatch(UpdateTimeZone {
            time_zone: chosen.get_untracked(),
        });
    };
    view! {
        <section class="card" aria-labelledby="tz-heading">
            <h2 id="tz-heading">"Time zone"</h2>
            <form class="form" on:submit=submit>
                <div class="field">
                    <label for="time_zone">"Show times in"</label>
                    <Transition fallback=|| view! { <p class="muted">"Loading time zones…"</p> }>
                        <select id="time_zone" name="time_zone" on:change=move |ev| chosen.set(event_target_value(&ev))>
                            {move || zones.get().map(|r| r.unwrap_or_default().into_iter().map(|z| {
                                let selected = z == chosen.get_untracked();
                                view! { <option value=z.clone() selected=selected>{z.clone()}</option> }
                            }).collect_view())}
                        </select>
                    </Transition>
                </div>
                <div class="actions">
                    <button type="submit" class="button primary" disabled=move || action.pending().get()
                        aria-busy=move || action.pending().get().to_string()>
                        {move || if action.pending().get() { "Saving…" } else { "Save time zone" }}
                    </button>
                </div>
            </form>
        </section>
    }
}

#[component]
fn PermissionsCard(user: CurrentUser) -> impl IntoView {
    let role = match user.role {
        crate::model::Role::Admin => "Administrator",
        crate::model::Role::User => "User",
    };
    view! {
        <section class="card" aria-labelledby="permissions-heading">
            <h2 id="permissions-heading">"Your permissions"</h2>
            <p>"Role: " <strong class="badge">{role}</strong></p>
            <ul class="checklist">
                {user.role.permissions().iter().map(|p| view! { <li>{*p}</li> }).collect_view()}
            </ul>
        </section>
    }
}
