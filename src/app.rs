//! The HTML shell and the routes.

use crate::components::layout::SignedInLayout;
use crate::components::toast::{provide_toasts, Toaster};
use crate::features::account::page::AccountPage;
use crate::features::admin::audit::AdminAuditPage;
use crate::features::admin::tokens::AdminTokensPage;
use crate::features::admin::users::AdminUsersPage;
use crate::features::admin::workspace::AdminWorkspacePage;
use crate::features::auth::page::{LoginPage, LoginTwoFactorPage};
use crate::features::email::page::ConfirmEmailPage;
use crate::features::notifications::page::{
    NotificationListPage, NotificationsPage, UnsubscribePage,
};
use crate::features::passkeys::page::PasskeysPage;
use crate::features::password::page::PasswordPage;
use crate::features::profile::page::ProfilePage;
use crate::features::recovery::page::{ForgotPasswordPage, ResetPasswordPage};
use crate::features::security_log::page::SecurityLogPage;
use crate::features::sessions::page::SessionsPage;
use crate::features::tokens::page::{AppPasswordsPage, TokensPage};
use crate::features::two_factor::page::TwoFactorPage;
use crate::i18n::*;
use leptos::prelude::*;
use leptos_meta::{provide_meta_context, HashedStylesheet, MetaTags, Title};
use leptos_router::components::{ParentRoute, Redirect, Route, Router, Routes};
use leptos_router::{lazy_route, path, Lazy, LazyRoute, SsrMode};

/// Given to each page render by the server (in a split build): names the
/// modules of the page being rendered in its `<head>`, so the browser fetches
/// them beside the shell, and those of the lazy parts (by name: `profile_view`)
/// the page leads to, which the browser fetches once the page is interactive
/// (`server::infra::page_modules::announce_page_modules`).
#[derive(Clone, Copy)]
pub struct AnnouncePageModules(pub fn(&[&str]));

/// Given to each page render by the server: the script that starts the app,
/// `src/boot.js` with the addresses of the app's JS and WASM as built
/// (content-hashed names) and of the pages' packs (`server::infra::assets::boot_script`).
#[derive(Clone)]
pub struct BootCode(pub std::sync::Arc<str>);

/// Starts the app after the page's first paint (`src/boot.js`), in place of
/// Leptos' `<HydrationScripts>`, which names the WASM in `<link rel="preload">`
/// tags: the browser then fetched the whole app while the page was still to be
/// painted, which on a slow phone delays what the person sees (Lighthouse, on
/// a simulated phone, counted the WASM in the time to the largest paint in one
/// run of two).
#[component]
fn BootScript() -> impl IntoView {
    let code = use_context::<BootCode>();
    let nonce = leptos::nonce::use_nonce();
    code.map(|BootCode(script)| view! { <script type="module" nonce=nonce>{script}</script> })
}

/// Every page is its own WebAssembly module (`cargo leptos build --split`): the
/// browser first downloads the shell (router, layout, shared components) and the
/// page it opened, whose modules the server names in `<meta name="tessera-module">`, and
/// each other page's module when it is first shown. `$route` is the page's
/// marker type, `$page` its component.
/// A page followed by `then [...]` names the lazy parts it leads to.
macro_rules! lazy_pages {
    ($($route:ident => $page:ident $(then [$($next:literal),*])?),* $(,)?) => {$(
        struct $route;
        #[lazy_route]
        impl LazyRoute for $route {
            fn data() -> Self {
                $route
            }
            fn view(_this: Self) -> AnyView {
                #[cfg(feature = "ssr")]
                if let Some(announce) = use_context::<AnnouncePageModules>() {
                    (announce.0)(&[$($($next),*)?]);
                }
                view! { <$page/> }.into_any()
            }
        }
    )*};
}

lazy_pages! {
    // Signing in leads to the profile, inside the signed-in frame: its modules
    // come while the person types.
    Login => LoginPage then ["signed_in_view", "profile_view"],
    LoginTwoFactor => LoginTwoFactorPage,
    ForgotPassword => ForgotPasswordPage,
    ResetPassword => ResetPasswordPage,
    ConfirmEmail => ConfirmEmailPage,
    Unsubscribe => UnsubscribePage,
    Profile => ProfilePage,
    Password => PasswordPage,
    Sessions => SessionsPage,
    TwoFactor => TwoFactorPage,
    Passkeys => PasskeysPage,
    Tokens => TokensPage,
    AppPasswords => AppPasswordsPage,
    NotificationSettings => NotificationsPage,
    NotificationList => NotificationListPage,
    SecurityLog => SecurityLogPage,
    Account => AccountPage,
    AdminAudit => AdminAuditPage,
    AdminTokens => AdminTokensPage,
    AdminUsers => AdminUsersPage,
    AdminWorkspace => AdminWorkspacePage,
}

/// The signed-in frame (header, navigation, the signed-in user) is lazy too, so
/// that the shell, which the sign-in page loads, holds none of it. Its modules
/// are named by the page inside it, with the page's own, in one pack.
struct SignedIn;

#[lazy_route]
impl LazyRoute for SignedIn {
    fn data() -> Self {
        SignedIn
    }
    fn view(_this: Self) -> AnyView {
        view! { <SignedInLayout/> }.into_any()
    }
}

pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang=crate::lang::code(crate::lang::initial()) data-theme=crate::components::theme::current()>
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <meta name="color-scheme" content="light dark"/>
                <HashedStylesheet options/>
                <link rel="icon" href="/favicon.svg" type="image/svg+xml"/>
                <BootScript/>
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

    view! {
        <Localized>
        <Title formatter=|page: String| format!("{page} · Tessera")/>
        // `data-hydrated` turns "true" once the page is interactive, its module
        // loaded (`crate::hydrate`); end-to-end tests wait for it before clicking.
        <div id="app" data-hydrated="false">
            <Router>
                <Routes fallback=NotFound>
                    // The sign-in pages have no data to wait for: rendered whole like
                    // the signed-in pages, they are sent compressed like them
                    // (`headers::mark_own_whole_pages`), `/login` in 3.9 KB instead of 8.3.
                    <Route path=path!("/login") view={Lazy::<Login>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/login/two-factor") view={Lazy::<LoginTwoFactor>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/forgot-password") view={Lazy::<ForgotPassword>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/reset-password") view={Lazy::<ResetPassword>::new()}/>
                    <Route path=path!("/confirm-email") view={Lazy::<ConfirmEmail>::new()}/>
                    <Route path=path!("/unsubscribe") view={Lazy::<Unsubscribe>::new()}/>
                    // Signed-in pages render whole on the server (`Async`): the page's
                    // data is in the first response, so it reads with JavaScript off and
                    // no part of it hinges on when its data happened to be ready (with
                    // out-of-order streaming the frame arrived as a "Loading…" to be
                    // swapped in by a script about half the time, by the clock).
                    <ParentRoute path=path!("") view={Lazy::<SignedIn>::new()} ssr=SsrMode::Async>
                        <Route path=path!("") view=|| view! { <Redirect path="/settings/profile"/> }/>
                        <Route path=path!("/settings") view=|| view! { <Redirect path="/settings/profile"/> }/>
                        <Route path=path!("/settings/profile") view={Lazy::<Profile>::new()}/>
                        <Route path=path!("/settings/password") view={Lazy::<Password>::new()}/>
                        <Route path=path!("/settings/sessions") view={Lazy::<Sessions>::new()}/>
                        <Route path=path!("/settings/two-factor") view={Lazy::<TwoFactor>::new()}/>
                        <Route path=path!("/settings/passkeys") view={Lazy::<Passkeys>::new()}/>
                        <Route path=path!("/settings/tokens") view={Lazy::<Tokens>::new()}/>
                        <Route path=path!("/settings/app-passwords") view={Lazy::<AppPasswords>::new()}/>
                        <Route path=path!("/settings/notifications") view={Lazy::<NotificationSettings>::new()}/>
                        <Route path=path!("/notifications") view={Lazy::<NotificationList>::new()}/>
                        <Route path=path!("/settings/security-log") view={Lazy::<SecurityLog>::new()}/>
                        <Route path=path!("/settings/account") view={Lazy::<Account>::new()}/>
                        <Route path=path!("/admin/audit") view={Lazy::<AdminAudit>::new()}/>
                        <Route path=path!("/admin/tokens") view={Lazy::<AdminTokens>::new()}/>
                        <Route path=path!("/admin/users") view={Lazy::<AdminUsers>::new()}/>
                        <Route path=path!("/admin/workspace") view={Lazy::<AdminWorkspace>::new()}/>
                    </ParentRoute>
                </Routes>
            </Router>
            <Toaster/>
        </div>
        </Localized>
    }
}

/// The page's language for everything inside (`use_i18n`). It was chosen for this
/// request on the server (user, workspace default, Accept-Language) and written
/// into `<html lang>`; the browser starts from there. No cookie: the choice lives
/// with the account.
///
/// In place of the generated `I18nSubContextProvider`, because of one thing it
/// does on the server: its context starts an isomorphic effect, a task of its own
/// that reads the language signal once. A render that ended before that task ran
/// (on another worker thread, now and then) had disposed the signal under it, and
/// the task panicked "… already been disposed" (about 1 in 1,000 renders). Here the
/// context's own owner is paused on the server once it is made, so that task never
/// runs there; it has nothing to do there anyway (the effect keeps a language
/// cookie, which Tessera does not use). `renders::no_render_leaves_a_task_…` checks it.
/// `Owner::pause` marks only the owners that exist when it is called (an effect's
/// owner starts unpaused), so it must come after the context is made, and an effect
/// the context made later (a newer `leptos_i18n`, its `cookie` feature) would run
/// on the server again: that test would say so.
#[component]
fn Localized(children: Children) -> impl IntoView {
    let owner = Owner::new();
    let context = owner.with(|| {
        leptos_i18n::context::init_i18n_subcontext::<Locale>(Some(Signal::stored(
            crate::lang::initial(),
        )))
    });
    #[cfg(feature = "ssr")]
    owner.pause();
    // The context's values live as long as this component.
    on_cleanup(move || owner.cleanup());
    provide_context(context);
    children()
}

#[component]
fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(opts) = use_context::<leptos_axum::ResponseOptions>() {
        opts.set_status(http::StatusCode::NOT_FOUND);
    }
    let i18n = use_i18n();
    view! {
        <crate::components::title::PageTitle text=move || t_string!(i18n, common.page_not_found).to_string()/>
        <main class="auth-page">
            <div class="auth-card">
                <h1>{t!(i18n, common.page_not_found)}</h1>
                <p>{t!(i18n, common.nothing_here)}</p>
                <a class="button primary" href={crate::validate::HOME}>{t!(i18n, common.go_to_settings)}</a>
            </div>
        </main>
    }
}
