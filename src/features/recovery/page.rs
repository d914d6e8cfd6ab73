//! "Forgot your password?" and the page its link opens.

use super::{RequestPasswordReset, ResetPassword};
use crate::components::form::TextField;
use crate::error::AppError;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

/// The message for the alert above the form, when the error is not a field's.
fn form_error(e: Option<AppError>, fields: &[&str]) -> Option<String> {
    e.filter(|e| e.belongs_to_form(fields))
        .map(|e| e.to_string())
}

#[component]
pub fn ForgotPasswordPage() -> impl IntoView {
    let action = ServerAction::<RequestPasswordReset>::new();
    let login = RwSignal::new(String::new());
    let error = move || action.value().get().and_then(Result::err);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        action.dispatch(RequestPasswordReset {
            login: login.get_untracked(),
        });
    };
    view! {
        <Title text="Forgot password"/>
        <main class="auth-page">
            <div class="auth-card">
                <h1>"Forgot your password?"</h1>
                {move || if matches!(action.value().get(), Some(Ok(()))) {
                    view! {
                        <p role="status">"If an account with that name or address exists, we have sent a link to reset its password. It works for 30 minutes."</p>
                        <a href="/login">"Back to sign in"</a>
                    }.into_any()
                } else {
                    view! {
                        <p class="muted">"Enter your username or email address and we will send you a link to choose a new password."</p>
                        {move || form_error(error(), &["login"]).map(|m| view! { <p class="alert alert-error" role="alert">{m}</p> })}
                        <form class="form" on:submit=submit novalidate>
                            <TextField id="login" label="Username or email" value=login autocomplete="username"
                                error=Signal::derive(move || error().and_then(|e| e.field_message("login")))/>
                            <button type="submit" class="button primary wide" disabled=move || action.pending().get()>
                                {move || if action.pending().get() { "Sending…" } else { "Send reset link" }}
                            </button>
                        </form>
                        <p><a href="/login">"Back to sign in"</a></p>
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
        <Title text="Choose a new password"/>
        <main class="auth-page">
            <div class="auth-card">
                <h1>"Choose a new password"</h1>
                {move || if matches!(action.value().get(), Some(Ok(()))) {
                    view! {
                        <p role="status">"Your password was changed, and every session of your account was signed out."</p>
                        <a class="button primary wide" href="/login">"Sign in"</a>
                    }.into_any()
                } else {
                    view! {
                        {move || form_error(error(), &["new_password", "confirm_password"]).map(|m| view! { <p class="alert alert-error" role="alert">{m}</p> })}
                        <form class="form" on:submit=submit novalidate>
                            <TextField id="new_password" label="New password" value=new input_type="password"
                                autocomplete="new-password" error=field("new_password")
                                hint="At least 8 characters with a digit or special character; not a common password."/>
                            <TextField id="confirm_password" label="Confirm new password" value=confirm input_type="password"
                                autocomplete="new-password" error=field("confirm_password")/>
                            <button type="submit" class="button primary wide" disabled=move || action.pending().get()>
                                {move || if action.pending().get() { "Saving…" } else { "Set new password" }}
                            </button>
                        </form>
                    }.into_any()
                }}
            </div>
        </main>
    }
}
