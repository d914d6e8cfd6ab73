//! The sign-in page.

use super::{Login, LoginSecondFactor};
use crate::components::form::{typed, FieldMessage};
use crate::components::title::PageTitle;
use crate::components::{browser, webauthn};
use crate::error::AppError;
use crate::features::passkeys::ceremony::{with_passkey, PasskeyButton};
use crate::features::passkeys::{
    finish_passkey_second_factor, finish_passkey_sign_in, start_passkey_second_factor,
    start_passkey_sign_in,
};
use crate::i18n::*;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_router::hooks::use_query_map;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

#[component]
pub fn LoginPage() -> impl IntoView {
    let action = ServerAction::<Login>::new();
    let i18n = use_i18n();
    let query = use_query_map();
    let next = move || query.read().get("next").unwrap_or_default();

    // After a successful sign-in load the target page afresh, so everything on it
    // is rendered for the signed-in user.
    Effect::new(move |_| {
        if let Some(Ok(target)) = action.value().get() {
            browser::go_to(&target);
        }
    });

    // Password-less: any passkey of this site the browser offers.
    let passkey = Action::new_local(move |()| {
        let next = next();
        async move {
            let target = with_passkey(i18n, start_passkey_sign_in(), |ceremony, credential| {
                finish_passkey_sign_in(ceremony, credential, Some(next))
            })
            .await?;
            browser::go_to(&target);
            Ok(target)
        }
    });

    // Passkeys offered in the username field's autofill list, where the
    // browser can (conditional mediation): asked for in the background while
    // the page is open. The button's modal request ends it; it starts again
    // when that one has failed.
    let autofill_error = RwSignal::new(None::<String>);
    let autofill_busy = RwSignal::new(false);
    Effect::new(move |_| {
        if passkey.pending().get() || matches!(passkey.value().get(), Some(Ok(_))) {
            return;
        }
        let next = next();
        let open = Arc::new(AtomicBool::new(true));
        let still_open = open.clone();
        on_cleanup(move || {
            still_open.store(false, Ordering::Relaxed);
            webauthn::stop_autofill();
        });
        leptos::task::spawn_local(autofill(open, next, autofill_busy, autofill_error));
    });
    // A password typed after a failed autofill: that message is old.
    Effect::new(move |_| {
        if action.pending().get() {
            autofill_error.set(None);
        }
    });
    let error = move || action.value().get().and_then(Result::err);
    let form_error = move || match error() {
        Some(AppError::Validation(_)) | None => autofill_error.get(),
        Some(e) => Some(e.message()),
    };
    let pending = move || action.pending().get() || autofill_busy.get();
    let field_error = move |name: &'static str| {
        Signal::derive(move || error().and_then(|e| e.field_message(name)))
    };
    // The form names the server function's address and posts to it by itself
    // until the app runs (`src/boot.js` leaves it alone); then the app sends it.
    let (login_input, password_input) = (NodeRef::new(), NodeRef::new());
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        action.dispatch(Login {
            login: typed(login_input),
            password: typed(password_input),
            next: Some(query.with_untracked(|q| q.get("next").unwrap_or_default())),
        });
    };

    view! {
        <PageTitle text=move || t_string!(i18n, login.title).to_string()/>
        <main class="auth-page">
            <div class="auth-card">
                <h1 class="brand-title">"Tessera"</h1>
                <p class="muted">{t!(i18n, login.lead)}</p>
                <form class="form" novalidate action=Login::url() method="post" on:submit=submit>
                    <input type="hidden" name="next" value=next/>
                    <Show when=move || form_error().is_some()>
                        <p class="alert alert-error" role="alert">{form_error}</p>
                    </Show>
                    <div class="field">
                        <label for="login">{t!(i18n, common.username_or_email)}</label>
                        <input id="login" name="login" node_ref=login_input type="text" autocomplete="username webauthn" required
                            autocapitalize="none" spellcheck="false" autofocus
                            aria-invalid=move || field_error("login").get().is_some().to_string()
                            aria-describedby="login-error"/>
                        <FieldMessage id="login-error" message=field_error("login")/>
                    </div>
                    <div class="field">
                        <label for="password">{t!(i18n, common.password)}</label>
                        <input id="password" name="password" node_ref=password_input type="password" autocomplete="current-password" required
                            aria-invalid=move || field_error("password").get().is_some().to_string()
                            aria-describedby="password-error"/>
                        <FieldMessage id="password-error" message=field_error("password")/>
                    </div>
                    <button type="submit" class="button primary wide" disabled=pending
                        aria-busy=move || pending().to_string()>
                        {move || if pending() { t_string!(i18n, login.signing_in) } else { t_string!(i18n, common.sign_in) }}
                    </button>
                </form>
                <p class="separator" aria-hidden="true"><span>{t!(i18n, passkeys.or)}</span></p>
                <PasskeyButton action=passkey label=move || t!(i18n, passkeys.sign_in) busy_label=move || t!(i18n, passkeys.signing_in)
                    also_busy=autofill_busy/>
                <p class="below-form"><a href="/forgot-password">{t!(i18n, login.forgot)}</a></p>
            </div>
        </main>
    }
}

/// How long one background request waits for the person (a ceremony lives
/// five minutes on the server): then a fresh one takes its place.
const AUTOFILL_ROUND_MS: u32 = 240_000;
/// Failed autofill sign-ins in a row before the page stops asking (an
/// authenticator that answers by itself would otherwise loop).
const AUTOFILL_TRIES: u32 = 3;

/// The background passkey request of the sign-in page, round after round,
/// while `open`: signs in with the passkey picked from the autofill list.
async fn autofill(
    open: Arc<AtomicBool>,
    next: String,
    busy: RwSignal<bool>,
    error: RwSignal<Option<String>>,
) {
    if !webauthn::autofill_available().await {
        return;
    }
    let mut failures = 0;
    while open.load(Ordering::Relaxed) && failures < AUTOFILL_TRIES {
        let Ok(ceremony) = start_passkey_sign_in().await else {
            return;
        };
        if !open.load(Ordering::Relaxed) {
            return;
        }
        // Before the server's ceremony expires, this round ends and the next
        // one begins (unless the page was left or a button asked meanwhile).
        let round_over = Arc::new(AtomicBool::new(false));
        let (over, still_open) = (round_over.clone(), open.clone());
        let picked = {
            let _round = browser::Timer::after(AUTOFILL_ROUND_MS, move || {
                if still_open.load(Ordering::Relaxed) {
                    over.store(true, Ordering::Relaxed);
                    webauthn::stop_autofill();
                }
            });
            webauthn::get_from_autofill(&ceremony.options).await
        };
        let Ok(credential) = picked else {
            if round_over.load(Ordering::Relaxed) {
                continue;
            }
            // Cancelled: the page was left or a button asked instead.
            return;
        };
        error.set(None);
        busy.set(true);
        match finish_passkey_sign_in(ceremony.id, credential, Some(next.clone())).await {
            Ok(target) => {
                browser::go_to(&target);
                return;
            }
            Err(e) => {
                busy.set(false);
                error.set(Some(e.message()));
                failures += 1;
            }
        }
    }
}

/// The second step of signing in: a code from the app, or a recovery code.
#[component]
pub fn LoginTwoFactorPage() -> impl IntoView {
    let action = ServerAction::<LoginSecondFactor>::new();
    let i18n = use_i18n();
    let query = use_query_map();
    let next = move || query.read().get("next").unwrap_or_default();
    let recovery = RwSignal::new(false);
    let passkey = Action::new_local(move |()| {
        let next = next();
        async move {
            let target = with_passkey(
                i18n,
                start_passkey_second_factor(),
                |ceremony, credential| {
                    finish_passkey_second_factor(ceremony, credential, Some(next))
                },
            )
            .await?;
            browser::go_to(&target);
            Ok(target)
        }
    });
    Effect::new(move |_| {
        if let Some(Ok(target)) = action.value().get() {
            browser::go_to(&target);
        }
    });
    let error = move || action.value().get().and_then(Result::err);
    let form_error = move || {
        error()
            .filter(|e| e.belongs_to_form(&["code"]))
            .map(|e| e.message())
    };
    let code_error = Signal::derive(move || error().and_then(|e| e.field_message("code")));
    let code_input = NodeRef::new();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        action.dispatch(LoginSecondFactor {
            code: typed(code_input),
            recovery: Some(recovery.get_untracked().to_string()),
            next: Some(query.with_untracked(|q| q.get("next").unwrap_or_default())),
        });
    };
    view! {
        <PageTitle text=move || t_string!(i18n, two_factor.login_title).to_string()/>
        <main class="auth-page">
            <div class="auth-card">
                <h1>{t!(i18n, two_factor.login_title)}</h1>
                <p class="muted">{move || if recovery.get() { t_string!(i18n, two_factor.login_recovery_lead) } else { t_string!(i18n, two_factor.login_lead) }}</p>
                <form class="form" novalidate action=LoginSecondFactor::url() method="post" on:submit=submit>
                    <input type="hidden" name="next" value=next/>
                    <input type="hidden" name="recovery" value=move || recovery.get().to_string()/>
                    <Show when=move || form_error().is_some()>
                        <p class="alert alert-error" role="alert">{form_error}</p>
                    </Show>
                    <div class="field">
                        <label for="code">{move || if recovery.get() { t_string!(i18n, two_factor.recovery_code) } else { t_string!(i18n, two_factor.code) }}</label>
                        <input id="code" name="code" node_ref=code_input type="text" required autofocus spellcheck="false"
                            autocomplete="one-time-code" autocapitalize="none"
                            inputmode=move || if recovery.get() { "text" } else { "numeric" }
                            aria-invalid=move || code_error.get().is_some().to_string()
                            aria-describedby="code-error"/>
                        <FieldMessage id="code-error" message=code_error/>
                    </div>
                    <button type="submit" class="button primary wide" disabled=move || action.pending().get()
                        aria-busy=move || action.pending().get().to_string()>
                        {move || if action.pending().get() { t_string!(i18n, two_factor.checking) } else { t_string!(i18n, two_factor.verify) }}
                    </button>
                </form>
                <p class="separator" aria-hidden="true"><span>{t!(i18n, passkeys.or)}</span></p>
                <PasskeyButton action=passkey label=move || t!(i18n, passkeys.use_passkey) busy_label=move || t!(i18n, passkeys.signing_in)/>
                <p class="below-form">
                    <button type="button" class="link" on:click=move |_| recovery.update(|r| *r = !*r)>
                        {move || if recovery.get() { t_string!(i18n, two_factor.use_app) } else { t_string!(i18n, two_factor.use_recovery) }}
                    </button>
                </p>
                <p class="below-form"><a href="/login">{t!(i18n, common.back_to_sign_in)}</a></p>
            </div>
        </main>
    }
}
