//! The "Account" page: "Download my data" (JSON, sudo mode) and "Delete my
//! account" (what goes, what stays; sudo mode and the typed username).

use super::{DeleteAccount, ExportAccount};
use crate::components::browser;
use crate::components::form::{field_error, TextField};
use crate::components::layout::use_current_user;
use crate::components::sudo::{SudoDialog, SudoGuard};
use crate::components::title::PageTitle;
use crate::components::toast::{on_result, use_toasts, ToastKind};
use crate::i18n::*;
use leptos::prelude::*;

#[component]
pub fn AccountPage() -> impl IntoView {
    let i18n = use_i18n();
    let toasts = use_toasts();
    let user = use_current_user();
    let export = ServerAction::<ExportAccount>::new();
    let export_guard = SudoGuard::new(export);
    on_result(export, &[], move |json: String| {
        browser::download("tessera-export.json", "application/json", &json);
        toasts.push(
            ToastKind::Success,
            t_string!(i18n, account.exported).to_string(),
        );
    });
    let delete = ServerAction::<DeleteAccount>::new();
    let delete_guard = SudoGuard::new(delete);
    on_result(delete, &["confirm"], move |()| browser::go_to("/login"));
    let typed = RwSignal::new(String::new());
    let username = move || user.get().map(|u| u.username).unwrap_or_default();
    let matches = move || typed.with(|t| t.trim().eq_ignore_ascii_case(&username()));
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        delete_guard.dispatch(DeleteAccount {
            confirm: typed.get_untracked(),
        });
    };
    view! {
        <PageTitle text=move || t_string!(i18n, account.title).to_string()/>
        <h1>{t!(i18n, account.title)}</h1>
        <section class="card" aria-labelledby="export-heading">
            <h2 id="export-heading">{t!(i18n, account.export_title)}</h2>
            <p class="muted">{t!(i18n, account.export_lead)}</p>
            <div class="actions start">
                <button type="button" class="button" disabled=move || export.pending().get()
                    aria-busy=move || export.pending().get().to_string()
                    on:click=move |_| export_guard.dispatch(ExportAccount {})>
                    {move || if export.pending().get() { t_string!(i18n, account.exporting) } else { t_string!(i18n, account.export_button) }}
                </button>
            </div>
        </section>
        <section class="card danger-zone" aria-labelledby="delete-heading">
            <h2 id="delete-heading">{t!(i18n, account.delete_title)}</h2>
            <p>{t!(i18n, account.delete_goes)}</p>
            <p>{t!(i18n, account.delete_stays)}</p>
            <form class="form" method="post" on:submit=submit novalidate>
                <TextField id="confirm" value=typed autocomplete="off" error=field_error(delete, "confirm")
                    label=move || t_string!(i18n, account.type_to_confirm, username = username()).to_string()/>
                <div class="actions">
                    <button type="submit" class="button danger" disabled=move || !matches() || delete.pending().get()
                        aria-busy=move || delete.pending().get().to_string()>
                        {move || if delete.pending().get() { t_string!(i18n, account.deleting) } else { t_string!(i18n, account.delete_button) }}
                    </button>
                </div>
            </form>
        </section>
        <SudoDialog open=export_guard.open on_confirmed=move |_| export_guard.retry()/>
        <SudoDialog open=delete_guard.open on_confirmed=move |_| delete_guard.retry()/>
    }
}
