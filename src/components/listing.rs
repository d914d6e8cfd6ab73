//! The pieces of a filtered, paged list whose state lives in the address
//! (Admin › Users, Admin › Audit log, the security log, `/notifications`): a
//! GET form of filters, and the links to the first and the next page. The
//! address is the state, so a filtered page can be bookmarked, reloaded and
//! shared, and the browser's back button goes back a page.

use crate::i18n::*;
use crate::validate::encode_component;
use leptos::prelude::*;
use leptos_router::components::{Form, A};

/// `k=v&…` of the non-empty pairs, values percent-encoded.
pub fn query_string(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| format!("{k}={}", encode_component(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// `path` with the query string `query` (none when empty).
pub fn with_query(path: &str, query: &str) -> String {
    if query.is_empty() {
        path.to_string()
    } else {
        format!("{path}?{query}")
    }
}

/// The filters of a list: a GET form to `action` whose fields are the
/// children, with "Clear" (back to `action`), `extra` actions (an export)
/// and "Filter".
#[component]
pub fn FilterForm(
    action: &'static str,
    /// More actions before the submit button.
    #[prop(optional, into)]
    extra: ViewFn,
    children: Children,
) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <Form method="GET" action=action>
            <div class="filter-grid">{children()}</div>
            <div class="actions">
                <A href=action>{t!(i18n, admin.clear)}</A>
                {extra.run()}
                <button type="submit" class="button primary">{t!(i18n, admin.filter)}</button>
            </div>
        </Form>
    }
}

/// A labelled text (or `kind`: search, date) field of a [`FilterForm`].
#[component]
pub fn FilterInput(
    id: &'static str,
    name: &'static str,
    #[prop(into)] label: ViewFn,
    /// What the address says now.
    current: Signal<String>,
    #[prop(default = "text")] kind: &'static str,
) -> impl IntoView {
    view! {
        <div class="field">
            <label for=id>{label.run()}</label>
            <input id=id name=name type=kind prop:value=move || current.get()/>
        </div>
    }
}

/// A labelled choice of a [`FilterForm`]: "Any" (empty), then `options`
/// (value, text).
#[component]
pub fn FilterSelect(
    id: &'static str,
    name: &'static str,
    #[prop(into)] label: ViewFn,
    current: Signal<String>,
    options: Vec<(&'static str, String)>,
) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <div class="field">
            <label for=id>{label.run()}</label>
            <select id=id name=name>
                <option value="" selected=move || current.get().is_empty()>{t!(i18n, admin.any)}</option>
                {options.into_iter().map(|(value, text)| view! {
                    <option value=value selected=move || current.get() == value>{text}</option>
                }).collect_view()}
            </select>
        </div>
    }
}

/// The links under a page of a list: back to the first page (unless this is
/// it) and on to the next one (when there is one). `path` and `query` are the
/// list's address and filters; the next page adds `cursor_key=next`.
#[component]
pub fn Pager(
    path: &'static str,
    /// The filters, as [`query_string`] writes them.
    #[prop(into)]
    query: Signal<String>,
    /// The query key of the cursor: `before` or `after`.
    cursor_key: &'static str,
    /// Whether the address names a cursor (this is not the first page).
    paged: bool,
    /// The cursor of the next page; None: this is the last one.
    next: Option<String>,
    #[prop(into)] first_label: ViewFn,
    #[prop(into)] next_label: ViewFn,
) -> impl IntoView {
    let i18n = use_i18n();
    let next_href = next.map(|cursor| {
        move || {
            let cursor = format!("{cursor_key}={}", encode_component(&cursor));
            let q = query.get();
            if q.is_empty() {
                with_query(path, &cursor)
            } else {
                with_query(path, &format!("{q}&{cursor}"))
            }
        }
    });
    view! {
        <nav class="pager" aria-label=move || t_string!(i18n, bell.pages)>
            {paged.then(|| view! { <A href=move || with_query(path, &query.get())>{first_label.run()}</A> })}
            {next_href.map(|href| view! { <A href=href>{next_label.run()}</A> })}
        </nav>
    }
}
