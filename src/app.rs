//! The HTML shell and the routes.

use crate::components::layout::SignedInLayout;
use crate::components::toast::{provide_toasts, Toaster};
use crate::features::auth::page::LoginPage;
use crate::features::email::page::ConfirmEmailPage;
use crate::features::password::page::PasswordPage;
use crate::features::profile::page::ProfilePage;
use crate::features::recovery::page::{ForgotPasswordPage, ResetPasswordPage};
use crate::features::sessions::page::SessionsPage;
use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags, Title};
use leptos_router::components::{ParentRoute, Redirect, Route, Router, Routes};
use leptos_router::path;

pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en" data-theme=crate::components::theme::current()>
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <meta name="color-scheme" content="light dark"/>
                <link rel="stylesheet" href="/pkg/tessera.css"/>
                <link rel="icon" href="/favicon.svg" type="image/svg+xml"/>
                <HydrationScripts options/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    provide_toasts();
    // Effects run only in the browser: this marks the moment the page is interactive
    // (end-to-end tests wait for it before clicking).
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));

    view! {
        <Title formatter=|page: String| format!("{page} · Tessera")/>
        <div id="app" data-hydrated=move || hydrated.get().to_string()>
            <Router>
                <Routes fallback=NotFound>
                    <Route path=path!("/login") view=LoginPage/>
                    <Route path=path!("/forgot-password") view=ForgotPasswordPage/>
                    <Route path=path!("/reset-password") view=ResetPasswordPage/>
                    <Route path=path!("/confirm-email") view=ConfirmEmailPage/>
                    <ParentRoute path=path!("") view=SignedInLayout>
                        <Route path=path!("") view=|| view! { <Redirect path="/settings/profile"/> }/>
                        <Route path=path!("/settings") view=|| view! { <Redirect path="/settings/profile"/> }/>
                        <Route path=path!("/settings/profile") view=ProfilePage/>
                        <Route path=path!("/settings/password") view=PasswordPage/>
                        <Route path=path!("/settings/sessions") view=SessionsPage/>
                    </ParentRoute>
                </Routes>
            </Router>
            <Toaster/>
        </div>
    }
}

#[component]
fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(opts) = use_context::<leptos_axum::ResponseOptions>() {
        opts.set_status(http::StatusCode::NOT_FOUND);
    }
    view! {
        <Title text="Page not found"/>
        <main class="auth-page">
            <div class="auth-card">
                <h1>"Page not found"</h1>
                <p>"There is nothing at this address."</p>
                <a class="button primary" href="/">"Go to your settings"</a>
            </div>
        </main>
    }
}
