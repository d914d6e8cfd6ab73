//! The signed-in frame: header with the user menu, side navigation, content.

use crate::components::browser;
use crate::components::toast::on_result;
use crate::error::AppError;
use crate::features::auth::{get_current_user, Logout};
use crate::i18n::*;
use crate::model::CurrentUser;
use leptos::prelude::*;
use leptos_router::components::{Outlet, A};
use leptos_router::hooks::use_location;

/// The signed-in user as loaded for this page, updated in place when a form saves.
#[derive(Clone, Copy)]
pub struct CurrentUserCtx {
    loaded: Resource<Result<Option<CurrentUser>, AppError>>,
    saved: RwSignal<Option<CurrentUser>>,
}

impl CurrentUserCtx {
    pub fn get(&self) -> Option<CurrentUser> {
        self.saved
            .get()
            .or_else(|| self.loaded.get().and_then(|r| r.ok().flatten()))
    }
    pub fn get_untracked(&self) -> Option<CurrentUser> {
        self.saved
            .get_untracked()
            .or_else(|| self.loaded.get_untracked().and_then(|r| r.ok().flatten()))
    }
    pub fn set(&self, user: Option<CurrentUser>) {
        self.saved.set(user);
    }
}

pub fn use_current_user() -> CurrentUserCtx {
    expect_context::<CurrentUserCtx>()
}

/// The parent of every page that needs a session.
#[component]
pub fn SignedInLayout() -> impl IntoView {
    let loaded = Resource::new_blocking(|| (), |_| get_current_user());
    let ctx = CurrentUserCtx {
        loaded,
        saved: RwSignal::new(None),
    };
    provide_context(ctx);
    crate::features::notifications::bell::Live::provide();
    let location = use_location();
    let i18n = use_i18n();
    // While the workspace mandates 2FA and this account has none, only the
    // enrolment page works (the server refuses everything else too).
    // Likewise a generated password must be replaced first.
    Effect::new(move |_| {
        let (password, two_factor) = ctx.get().map_or((false, false), |u| {
            (u.must_change_password, u.two_factor_required)
        });
        let here = location.pathname.get();
        if password && here != "/settings/password" {
            browser::go_to("/settings/password");
        } else if !password
            && two_factor
            && here != "/settings/two-factor"
            && here != "/settings/passkeys"
        {
            browser::go_to("/settings/two-factor");
        }
    });

    // Each page is built once per request on the server. `<Suspense>` walks its
    // children twice before rendering them (leptos 0.8 `suspense_component.rs`)
    // and calls every closure it meets again on each walk: with `move ||
    // Suspend::new(…)` here and the closure `<Outlet/>` is, the page, its
    // resources and their queries were built up to three times per request
    // (`tests/it/http_layer.rs` holds this to one). So: a plain `Suspend`,
    // polled in place, and the page resolved inside it (`page`). It does not
    // re-run when `loaded` changes, so "Try again" reloads the page.
    view! {
        <Suspense fallback=move || view! { <p class="loading" aria-busy="true">{t!(i18n, common.loading)}</p> }>
            {Suspend::new(async move {
                match loaded.await {
                    Ok(Some(_)) => {
                        // The frame before the page, in the order the browser
                        // builds them: resources are numbered as they are made,
                        // and hydration matches them by number.
                        let header = view! { <Header/> };
                        let nav = view! { <SideNav/> };
                        let page = page().await;
                        view! {
                            <a class="skip-link" href="#main">{t!(i18n, common.skip_to_content)}</a>
                            {header}
                            <div class="shell">
                                {nav}
                                <main id="main" class="content" tabindex="-1">
                                    {page}
                                </main>
                            </div>
                        }.into_any()
                    }
                    Ok(None) | Err(AppError::Unauthorized) => {
                        // The session ended while the page was open: sign in again, then come back.
                        let here = location.pathname.get_untracked();
                        browser::go_to(&format!("/login?next={}", crate::validate::encode_component(&here)));
                        view! { <p class="loading">{t!(i18n, common.redirecting)}</p> }.into_any()
                    }
                    Err(e) => view! {
                        <main id="main" class="auth-page">
                            <crate::components::load::LoadError error=e retry=move |()| browser::reload()/>
                        </main>
                    }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// The signed-in page the route names. On the server, built and resolved now,
/// once (`<Suspense>` renders its children's resolved form anyway, so the HTML
/// is the same); in the browser the `<Outlet/>` itself, which swaps pages as
/// the person moves between them.
async fn page() -> impl IntoView {
    #[cfg(feature = "ssr")]
    {
        use leptos::tachys::view::RenderHtml;
        Outlet().resolve().await
    }
    #[cfg(not(feature = "ssr"))]
    Outlet()
}

#[component]
fn Header() -> impl IntoView {
    view! {
        <header class="topbar">
            <a href={crate::validate::HOME} class="brand">"Tessera"</a>
            <div class="topbar-end">
                <crate::features::notifications::bell::Bell/>
                <UserMenu/>
            </div>
        </header>
    }
}

#[component]
fn UserMenu() -> impl IntoView {
    let user = use_current_user();
    let open = RwSignal::new(false);
    let logout = ServerAction::<Logout>::new();
    let i18n = use_i18n();
    on_result(logout, &[], move |_| {
        browser::go_to("/login");
    });
    let name = move || user.get().map(|u| u.shown_name()).unwrap_or_default();

    view! {
        <div class="user-menu" on:keydown=move |ev| if ev.key() == "Escape" { open.set(false) }
            on:focusout=move |ev| if focus_went(&ev) != FocusWent::Inside { open.set(false) }>
            <button type="button" class="user-button" aria-haspopup="true"
                aria-expanded=move || open.get().to_string() aria-controls="user-menu-list"
                on:click=move |_| open.update(|o| *o = !*o)>
                <crate::features::avatar::page::Avatar user=Signal::derive(move || user.get())/>
                <span class="user-name">{name}</span>
            </button>
            <div id="user-menu-list" class="menu" hidden=move || !open.get()>
                <a href="/settings/profile" class="menu-item" on:click=move |_| open.set(false)>{t!(i18n, common.your_profile)}</a>
                <button type="button" class="menu-item" disabled=move || logout.pending().get()
                    on:click=move |_| { logout.dispatch(Logout {}); }>
                    {move || if logout.pending().get() { t_string!(i18n, common.signing_out) } else { t_string!(i18n, common.sign_out) }}
                </button>
            </div>
        </div>
    }
}

/// Where focus went when it left an element (a `focusout` event).
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum FocusWent {
    /// To another element inside it (a menu stays open).
    Inside,
    /// To an element outside it (Tab out of a menu: it closes).
    Outside,
    /// Nowhere: a click on the page's background, or the focused element
    /// was re-rendered or disabled.
    Nowhere,
}

pub fn focus_went(ev: &leptos::ev::FocusEvent) -> FocusWent {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsCast;
        let container = ev
            .current_target()
            .and_then(|t| t.dyn_into::<web_sys::Node>().ok());
        let next = ev
            .related_target()
            .and_then(|t| t.dyn_into::<web_sys::Node>().ok());
        match (container, next) {
            (Some(c), Some(n)) if c.contains(Some(&n)) => FocusWent::Inside,
            (Some(_), Some(_)) => FocusWent::Outside,
            _ => FocusWent::Nowhere,
        }
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = ev;
        FocusWent::Nowhere
    }
}

#[component]
fn SideNav() -> impl IntoView {
    let i18n = use_i18n();
    let user = use_current_user();
    // The settings sections that exist so far.
    let sections: [(&str, ViewFn); 10] = [
        ("/settings/profile", (move || t!(i18n, nav.profile)).into()),
        (
            "/settings/password",
            (move || t!(i18n, nav.password)).into(),
        ),
        (
            "/settings/two-factor",
            (move || t!(i18n, nav.two_factor)).into(),
        ),
        (
            "/settings/passkeys",
            (move || t!(i18n, nav.passkeys)).into(),
        ),
        (
            "/settings/sessions",
            (move || t!(i18n, nav.sessions)).into(),
        ),
        ("/settings/tokens", (move || t!(i18n, nav.tokens)).into()),
        (
            "/settings/app-passwords",
            (move || t!(i18n, nav.app_passwords)).into(),
        ),
        (
            "/settings/notifications",
            (move || t!(i18n, nav.notifications)).into(),
        ),
        (
            "/settings/security-log",
            (move || t!(i18n, nav.security_log)).into(),
        ),
        ("/settings/account", (move || t!(i18n, nav.account)).into()),
    ];
    // Only administrators see the console's links (the server checks anyway).
    let admin = move || {
        user.get()
            .is_some_and(|u| u.role == crate::model::Role::Admin)
    };
    view! {
        <nav class="sidenav" aria-label=move || t_string!(i18n, common.settings)>
            <ul>
                {sections.into_iter().map(|(href, label)| view! {
                    <li><A href=href>{label.run()}</A></li>
                }).collect_view()}
            </ul>
            <Show when=admin>
                <h2 class="nav-heading" id="admin-nav">{t!(i18n, admin.nav)}</h2>
                <ul aria-labelledby="admin-nav">
                    <li><A href="/admin/users">{t!(i18n, nav.admin_users)}</A></li>
                    <li><A href="/admin/audit">{t!(i18n, nav.admin_audit)}</A></li>
                    <li><A href="/admin/tokens">{t!(i18n, nav.admin_tokens)}</A></li>
                    <li><A href="/admin/workspace">{t!(i18n, nav.admin_workspace)}</A></li>
                </ul>
            </Show>
        </nav>
    }
}
