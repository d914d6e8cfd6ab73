//! The password screen: change it, with every broken rule listed as you type.

use super::{check_password, strength, ChangePassword};
use crate::components::browser;
use crate::components::form::TextField;
use crate::components::layout::use_current_user;
use crate::components::title::PageTitle;
use crate::components::toast::{on_result, use_toasts, ToastKind};
use crate::i18n::*;
use crate::model::AccountSource;
use crate::validate;
use leptos::prelude::*;

#[component]
pub fn PasswordPage() -> impl IntoView {
    let user = use_current_user();
    let i18n = use_i18n();
    view! {
        <PageTitle text=move || t_string!(i18n, password.title).to_string()/>
        <h1>{t!(i18n, password.title)}</h1>
        {move || user.get().filter(|u| u.must_change_password).map(|_| view! {
            <p class="notice" role="alert" id="must-change">{t!(i18n, password.must_change)}</p>
        })}
        {move || user.get().map(|u| if u.source == AccountSource::External {
            view! {
                <section class="card">
                    <p>{t!(i18n, password.external)}</p>
                </section>
            }.into_any()
        } else {
            view! { <ChangePasswordForm username=u.username email=u.email min=u.password_min_length/> }.into_any()
        })}
    }
}

#[component]
fn ChangePasswordForm(username: String, email: String, min: usize) -> impl IntoView {
    let toasts = use_toasts();
    let me = use_current_user();
    let action = ServerAction::<ChangePassword>::new();
    let i18n = use_i18n();
    let current = RwSignal::new(String::new());
    let new = RwSignal::new(String::new());
    let confirm = RwSignal::new(String::new());

    let server_error = move |field: &'static str| {
        action
            .value()
            .get()
            .and_then(Result::err)
            .and_then(|e| e.field_message(field))
    };
    let mismatch = move || !confirm.get().is_empty() && confirm.get() != new.get();

    on_result(
        action,
        &["current_password", "new_password", "confirm_password"],
        move |()| {
            current.set(String::new());
            new.set(String::new());
            confirm.set(String::new());
            if let Some(mut u) = me.get_untracked().filter(|u| u.must_change_password) {
                u.must_change_password = false;
                me.set(Some(u));
            }
            toasts.push(ToastKind::Success, tu_string!(i18n, password.changed));
        },
    );

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        action.dispatch(ChangePassword {
            current_password: current.get_untracked(),
            new_password: new.get_untracked(),
            confirm_password: confirm.get_untracked(),
        });
    };

    view! {
        <section class="card" aria-labelledby="change-heading">
            <h2 id="change-heading">{t!(i18n, password.change)}</h2>
            <form class="form" method="post" on:submit=submit novalidate>
                // Lets password managers tie the new password to this account.
                <input type="text" name="username" autocomplete="username" value=username.clone() hidden readonly/>
                <TextField id="current_password" label=move || t!(i18n, password.current) value=current input_type="password"
                    autocomplete="current-password" error=Signal::derive(move || server_error("current_password"))/>
                <TextField id="new_password" label=move || t!(i18n, common.new_password) value=new input_type="password"
                    autocomplete="new-password"
                    error=Signal::derive(move || server_error("new_password"))/>
                <PasswordChecks new=new username=username.clone() email=email min=min/>
                <TextField id="confirm_password" label=move || t!(i18n, common.confirm_new_password) value=confirm input_type="password"
                    autocomplete="new-password"
                    error=Signal::derive(move || if mismatch() { Some(t_string!(i18n, password.mismatch).to_string()) } else { server_error("confirm_password") })/>
                <div class="actions">
                    <button type="submit" class="button primary" disabled=move || action.pending().get()
                        aria-busy=move || action.pending().get().to_string()>
                        {move || if action.pending().get() { t_string!(i18n, password.changing) } else { t_string!(i18n, password.change) }}
                    </button>
                </div>
            </form>
        </section>
    }
}

/// A strength meter and the list of rules `new` breaks, updated as it is typed:
/// the rules the browser can check at once, and the common-password list asked
/// of the server once typing pauses.
#[component]
fn PasswordChecks(
    new: RwSignal<String>,
    username: String,
    email: String,
    /// The workspace's shortest password.
    min: usize,
) -> impl IntoView {
    let i18n = use_i18n();
    let local_rules = Memo::new(move |_| {
        validate::password_problems(&new.get(), &username, &email, min, i18n.get_locale())
    });
    let settled = RwSignal::new(String::new());
    Effect::new(move |_| {
        let value = new.get();
        browser::after(300, move || {
            if new.get_untracked() == value {
                settled.set(value);
            }
        });
    });
    // The server's answer, with the password it is about. A signal, not a
    // Resource: a Resource read here would suspend the layout's <Suspense> at
    // every check, taking the whole form out of the page and putting it back
    // while the person (or a test) was typing into it.
    let server_rules = RwSignal::new((String::new(), Vec::<String>::new()));
    Effect::new(move |_| {
        let pw = settled.get();
        if pw.chars().count() < min {
            return;
        }
        leptos::task::spawn_local(async move {
            let rules = check_password(pw.clone()).await.unwrap_or_default();
            // An answer about an older password, come late, is dropped.
            if settled.get_untracked() == pw {
                server_rules.set((pw, rules));
            }
        });
    });
    let broken = move || {
        let mut all = local_rules.get();
        let typed = new.get();
        server_rules.with(|(about, rules)| {
            if *about == typed {
                all.extend(rules.iter().cloned());
            }
        });
        all
    };
    let score = move || strength(&new.get(), broken().len());
    view! {
        <div class="strength" aria-live="polite">
            <meter id="strength" min="0" max="4" low="2" high="3" optimum="4"
                value=move || score().to_string() aria-label=move || t_string!(i18n, password.strength)></meter>
            <span class="muted">{move || {
                let label = match score() {
                    0 => t_string!(i18n, password.very_weak),
                    1 => t_string!(i18n, password.weak),
                    2 => t_string!(i18n, password.fair),
                    3 => t_string!(i18n, password.good),
                    _ => t_string!(i18n, password.strong),
                };
                t_string!(i18n, password.strength_is, label = label).to_string()
            }}</span>
        </div>
        <ul class="rules" id="password-rules" aria-label=move || t_string!(i18n, password.rules)>
            {move || (!new.get().is_empty()).then(|| broken().into_iter().map(|r| view! { <li>{r}</li> }).collect_view())}
        </ul>
    }
}
