//! "Forgot your password?" and the page its link opens.

use super::{RequestPasswordReset, ResetPassword};
use crate::components::form::TextField;
use crate::components::title::PageTitle;
use crate::error::AppError;
use crate::i18n::*;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

/// The message for the alert above the form, when the error is not a field's.
fn form_error(e: Option<AppError>, fields: &[&str]) -> Option<String> {
    e.filter(|e| e.belongs_to_form(fields)).map(|e| e.message())
}

#[component]
pub fn ForgotPasswordPage() -> impl IntoView {
    let action = ServerAction::<RequestPasswordReset>::new();
    let i18n = use_i18n();
    let login = RwSignal::new(String::new());
    let error = move || action.value().get().and_then(Result::err);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        action.dispatch(RequestPasswordReset {
            login: login.get_untracked(),
        });
    };
    view! {
        <PageTitle text=move || t_string!(i18n, recovery.forgot_title).to_string()/>
        <main class="auth-page">
            <div class="auth-card">
                <h1>{t!(i18n, recovery.forgot_title)}</h1>
                {move || if matches!(action.value().get(), Some(Ok(()))) {
                    view! {
                        <p role="status">{t!(i18n, recovery.sent)}</p>
                        <a href="/login">{t!(i18n, common.back_to_sign_in)}</a>
                    }.into_any()
                } else {
                    view! {
                        <p class="muted">{t!(i18n, recovery.forgot_lead)}</p>
                        {move || form_error(error(), &["login"]).map(|m| view! { <p class="alert alert-error" role="alert">{m}</p> })}
                        <form class="form" method="post" on:submit=submit novalidate>
                            <TextField id="login" label=move || t!(i18n, common.username_or_email) value=login autocomplete="username"
                                error=Signal::derive(move || error().and_then(|e| e.field_message("login")))/>
                            <button type="submit" class="button primary wide" disabled=move || action.pending().get()>
                                {move || if action.pending().get() { t_string!(i18n, common.sending) } else { t_string!(i18n, recovery.send_link) }}
                            </button>
                        </form>
                        <p><a href="/login">{t!(i18n, common.back_to_sign_in)}</a></p>
                    }.into_any()
                }}
            </div>
        </main>
    }
}

#[component]
pub fn ResetPasswordPage() -> impl IntoView {
    let query = use_query_map();
    let action = ServerAction::<ResetPassword>::new();
    let i18n = use_i18n();
    let new = RwSignal::new(String::new());
    let confirm = RwSignal::new(String::new());
    let error = move || action.value().get().and_then(Result::err);
    let field =
        move |f: &'static str| Signal::derive(move || error().and_then(|e| e.field_message(f)));
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        action.dispatch(ResetPassword {
            token: query.read_untracked().get("token").unwrap_or_default(),
            new_password: new.get_untracked(),
            confirm_password: confirm.get_untracked(),
        });
    };
    view! {
        <PageTitle text=move || t_string!(i18n, recovery.reset_title).to_string()/>
        <main class="auth-page">
            <div class="auth-card">
                <h1>{t!(i18n, recovery.reset_title)}</h1>
                {move || if matches!(action.value().get(), Some(Ok(()))) {
                    view! {
                        <p role="status">{t!(i18n, recovery.reset_done)}</p>
                        <a class="button primary wide" href="/login">{t!(i18n, common.sign_in)}</a>
                    }.into_any()
                } else {
                    view! {
                        {move || form_error(error(), &["new_password", "confirm_password"]).map(|m| view! { <p class="alert alert-error" role="alert">{m}</p> })}
                        <form class="form" method="post" on:submit=submit novalidate>
                            <TextField id="new_password" label=move || t!(i18n, common.new_password) value=new input_type="password"
                                autocomplete="new-password" error=field("new_password")
                                hint=move || t!(i18n, recovery.reset_hint)/>
                            <TextField id="confirm_password" label=move || t!(i18n, common.confirm_new_password) value=confirm input_type="password"
                                autocomplete="new-password" error=field("confirm_password")/>
                            <button type="submit" class="button primary wide" disabled=move || action.pending().get()>
                                {move || if action.pending().get() { t_string!(i18n, common.saving) } else { t_string!(i18n, recovery.set_password) }}
                            </button>
                        </form>
                    }.into_any()
                }}
            </div>
        </main>
    }
}
