//! The "confirm your password" dialog of sudo mode, reusable by every form whose
//! action may answer `ReauthRequired`.

use crate::error::AppError;
use crate::features::auth::{ConfirmPassword, GetSudoMethods};
use crate::features::passkeys::ceremony::{with_passkey, PasskeyButton};
use crate::features::passkeys::{finish_passkey_sudo, start_passkey_sudo};
use crate::i18n::*;
use leptos::html::Input;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;

/// A modal asking for the password. `open` shows it; after a successful
/// confirmation it closes and calls `on_confirmed` (typically: retry the action).
#[component]
pub fn SudoDialog(open: RwSignal<bool>, #[prop(into)] on_confirmed: Callback<()>) -> impl IntoView {
    let action = ServerAction::<ConfirmPassword>::new();
    let i18n = use_i18n();
    // An account with the authenticator app may confirm with a code from it,
    // one with a passkey with the passkey: asked afresh each time it opens.
    let methods = ServerAction::<GetSudoMethods>::new();
    Effect::new(move |_| {
        if open.get() {
            methods.dispatch(GetSudoMethods {});
        }
    });
    let offered = move || {
        methods
            .value()
            .get()
            .and_then(Result::ok)
            .unwrap_or_default()
    };
    let with_code = move || offered().code;
    let offers_passkey = move || offered().passkey;
    let password = RwSignal::new(String::new());
    let input = NodeRef::<Input>::new();
    // Move focus into the dialog when it opens.
    Effect::new(move |_| {
        if open.get() {
            if let Some(el) = input.get() {
                let _ = el.focus();
            }
        }
    });
    Effect::new(move |_| {
        if let Some(Ok(())) = action.value().get() {
            password.set(String::new());
            action.value().set(None);
            open.set(false);
            on_confirmed.run(());
        }
    });
    let error = move || match action.value().get() {
        Some(Err(AppError::Validation(_))) => action
            .value()
            .get()
            .and_then(Result::err)
            .and_then(|e| e.field_message("password")),
        Some(Err(e)) => Some(e.message()),
        _ => None,
    };
    // Or with a passkey.
    let passkey = Action::new_local(move |()| async move {
        with_passkey(i18n, start_passkey_sudo(), finish_passkey_sudo).await?;
        Ok(String::new())
    });
    Effect::new(move |_| {
        if let Some(Ok(_)) = passkey.value().get() {
            passkey.value().set(None);
            open.set(false);
            on_confirmed.run(());
        }
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        action.dispatch(ConfirmPassword {
            password: password.get_untracked(),
        });
    };
    view! {
        <Show when=move || open.get()>
            <div class="backdrop">
                <div class="dialog" role="dialog" aria-modal="true" aria-labelledby="sudo-title"
                    on:keydown=move |ev| if ev.key() == "Escape" { open.set(false) }>
                    <h2 id="sudo-title">{t!(i18n, sudo.title)}</h2>
                    <p class="muted">{t!(i18n, sudo.lead)}</p>
                    <form class="form" method="post" on:submit=submit novalidate>
                        <div class="field">
                            <label for="sudo-password">{move || if with_code() { t_string!(i18n, sudo.password_or_code) } else { t_string!(i18n, common.password) }}</label>
                            <input id="sudo-password" type="password" autocomplete="current-password" node_ref=input
                                prop:value=move || password.get() on:input=move |ev| password.set(event_target_value(&ev))
                                aria-invalid=move || error().is_some().to_string() aria-describedby="sudo-error"/>
                            <p class="field-error" id="sudo-error" aria-live="polite">{error}</p>
                        </div>
                        <div class="actions">
                            <button type="button" class="button" on:click=move |_| open.set(false)>{t!(i18n, common.cancel)}</button>
                            <button type="submit" class="button primary" disabled=move || action.pending().get()>
                                {move || if action.pending().get() { t_string!(i18n, common.confirming) } else { t_string!(i18n, common.confirm) }}
                            </button>
                        </div>
                    </form>
                    <Show when=offers_passkey>
                        <p class="separator" aria-hidden="true"><span>{t!(i18n, passkeys.or)}</span></p>
                        <PasskeyButton action=passkey label=move || t!(i18n, passkeys.confirm_with_passkey)
                            busy_label=move || t!(i18n, passkeys.signing_in)/>
                    </Show>
                </div>
            </div>
        </Show>
    }
}

/// Connects a server action to the sudo dialog: remembers the last input, opens
/// the dialog when the server answers `ReauthRequired`, re-sends after confirming.
pub struct SudoGuard<S>
where
    S: ServerFn + Send + Sync + 'static,
    S::Output: 'static,
{
    pub open: RwSignal<bool>,
    last: StoredValue<Option<S>>,
    action: ServerAction<S>,
}

impl<S> Clone for SudoGuard<S>
where
    S: ServerFn + Send + Sync + 'static,
    S::Output: 'static,
{
    fn clone(&self) -> Self {
        *self
    }
}

impl<S> Copy for SudoGuard<S>
where
    S: ServerFn + Send + Sync + 'static,
    S::Output: 'static,
{
}

impl<S> SudoGuard<S>
where
    S: ServerFn<Error = AppError> + Clone + Send + Sync + 'static,
    S::Output: Send + Sync + 'static,
{
    pub fn new(action: ServerAction<S>) -> Self {
        let guard = SudoGuard {
            open: RwSignal::new(false),
            last: StoredValue::new(None),
            action,
        };
        Effect::new(move |_| {
            if action
                .value()
                .with(|v| matches!(v, Some(Err(AppError::ReauthRequired))))
            {
                guard.open.set(true);
            }
        });
        guard
    }

    pub fn dispatch(&self, input: S) {
        self.last.set_value(Some(input.clone()));
        self.action.dispatch(input);
    }

    pub fn retry(&self) {
        if let Some(input) = self.last.get_value() {
            self.action.dispatch(input);
        }
    }
}
