//! Admin › Audit log (`/admin/audit`): every audit row, filtered by actor,
//! account, action, outcome and days, 50 to a page, and the same selection
//! as a CSV download.

use super::admin_audit;
use super::types::{AuditEntry, AuditFilter};
use crate::components::listing::{self, FilterForm, FilterInput, FilterSelect, Pager};
use crate::components::load::LoadError;
use crate::components::title::PageTitle;
use crate::features::security_log::page::{action_label, outcome_label, ACTIONS, OUTCOMES};
use crate::i18n::*;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

/// The filter's query string (without `before`), for paging and the export.
fn query_string(f: &AuditFilter) -> String {
    listing::query_string(&[
        ("actor", &f.actor),
        ("target", &f.target),
        ("action", &f.action),
        ("outcome", &f.outcome),
        ("from", &f.from),
        ("to", &f.to),
    ])
}

#[component]
pub fn AdminAuditPage() -> impl IntoView {
    let i18n = use_i18n();
    let query = use_query_map();
    let filter = Memo::new(move |_| {
        let q = query.read();
        let get = |k: &str| q.get(k).unwrap_or_default();
        AuditFilter {
            actor: get("actor"),
            target: get("target"),
            action: get("action"),
            outcome: get("outcome"),
            from: get("from"),
            to: get("to"),
        }
    });
    let before = move || query.read().get("before");
    let page = Resource::new(
        move || (filter.get(), before()),
        |(f, before)| admin_audit(f, before),
    );
    let qs = move || query_string(&filter.get());
    view! {
        <PageTitle text=move || t_string!(i18n, admin.audit_title).to_string()/>
        <h1>{t!(i18n, admin.audit_title)}</h1>
        <p class="muted">{t!(i18n, admin.audit_lead)}</p>
        <section class="card">
            <FilterForm action="/admin/audit"
                extra=move || view! {
                    <a class="button" href=move || format!("/api/admin/audit-export?{}", qs()) download="audit.csv">{t!(i18n, admin.export)}</a>
                }>
                <FilterInput id="f-actor" name="actor" label=move || t!(i18n, admin.actor) current=Signal::derive(move || filter.get().actor)/>
                <FilterInput id="f-target" name="target" label=move || t!(i18n, admin.target) current=Signal::derive(move || filter.get().target)/>
                <FilterSelect id="f-action" name="action" label=move || t!(i18n, admin.action) current=Signal::derive(move || filter.get().action)
                    options=ACTIONS.iter().map(|a| (*a, action_label(i18n, a))).collect()/>
                <FilterSelect id="f-outcome" name="outcome" label=move || t!(i18n, admin.outcome) current=Signal::derive(move || filter.get().outcome)
                    options=OUTCOMES.iter().map(|o| (*o, outcome_label(i18n, o))).collect()/>
                <FilterInput id="f-from" name="from" kind="date" label=move || t!(i18n, admin.from) current=Signal::derive(move || filter.get().from)/>
                <FilterInput id="f-to" name="to" kind="date" label=move || t!(i18n, admin.to) current=Signal::derive(move || filter.get().to)/>
            </FilterForm>
        </section>
        <section class="card">
            <Transition fallback=move || view! { <p class="loading" aria-busy="true">{t!(i18n, common.loading)}</p> }>
                {move || page.get().map(|r| match r {
                    Ok(p) if p.entries.is_empty() => view! { <p class="muted">{t!(i18n, admin.empty)}</p> }.into_any(),
                    Ok(p) => view! {
                        <div class="table-scroll" tabindex="0" role="region" aria-label=move || t_string!(i18n, admin.audit_title).to_string()>
                            <table class="log">
                                <thead>
                                    <tr>
                                        <th scope="col">{t!(i18n, admin.time)}</th>
                                        <th scope="col">{t!(i18n, admin.actor)}</th>
                                        <th scope="col">{t!(i18n, admin.action)}</th>
                                        <th scope="col">{t!(i18n, admin.target)}</th>
                                        <th scope="col">{t!(i18n, admin.address)}</th>
                                        <th scope="col">{t!(i18n, admin.outcome)}</th>
                                        <th scope="col">{t!(i18n, admin.detail)}</th>
                                    </tr>
                                </thead>
                                <tbody>
                                    {p.entries.into_iter().map(|e| view! { <AuditRow entry=e/> }).collect_view()}
                                </tbody>
                            </table>
                        </div>
                        <Pager path="/admin/audit" query=Signal::derive(qs) cursor_key="before" paged=before().is_some() next=p.older
                            first_label=move || t!(i18n, security_log.newest) next_label=move || t!(i18n, security_log.older)/>
                    }.into_any(),
                    Err(e) => view! { <LoadError error=e retry=move |()| page.refetch()/> }.into_any(),
                })}
            </Transition>
        </section>
    }
}

#[component]
fn AuditRow(entry: AuditEntry) -> impl IntoView {
    let i18n = use_i18n();
    let AuditEntry {
        utc,
        local,
        actor,
        action,
        target,
        ip,
        user_agent,
        device,
        outcome,
        detail,
        summary,
        ..
    } = entry;
    let failed = outcome != "success";
    let code = action.clone();
    view! {
        <tr class:failed=failed>
            <td class="nowrap">{local}<br/><span class="muted small">{utc}</span></td>
            <td>{actor}</td>
            <td>{action_label(i18n, &action)}<br/><code class="muted small">{code}</code></td>
            <td>{target}</td>
            <td><span class="nowrap">{ip}</span><br/><span class="muted small" title=user_agent>{device}</span></td>
            <td><span class="badge" class:warn=failed>{outcome_label(i18n, &outcome)}</span></td>
            <td class="small" title=(detail != "{}").then_some(detail)>{summary}</td>
        </tr>
    }
}
