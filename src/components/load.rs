//! What a page shows instead of its content when loading it failed: the reason and
//! a way to try again, so no page is ever left with an empty main area.

use crate::error::AppError;
use crate::i18n::*;
use leptos::prelude::*;

/// The error in an alert, and a "Try again" button that runs `retry`.
#[component]
pub fn LoadError(error: AppError, #[prop(into)] retry: Callback<()>) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <div class="alert alert-error load-error" role="alert">
            <p><strong>{t!(i18n, common.load_failed)}</strong>" "{error.message()}</p>
            <button type="button" class="button small" on:click=move |_| retry.run(())>
                {t!(i18n, common.retry)}
            </button>
        </div>
    }
}
