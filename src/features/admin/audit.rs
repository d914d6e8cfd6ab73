//! Admin › Audit log (`/admin/audit`): every audit row, filtered by actor,
//! account, action, outcome and days, 50 to a page, and the same selection
//! as a CSV download.

use super::admin_audit;
use super::types::{AuditEntry, AuditFilter};
use crate::components::load::LoadError;
use crate::components::title::PageTitle;
use crate::features::security_log::page::{action_label, outcome_label, ACTIONS, OUTCOMES};
use crate::i18n::*;
use leptos::prelude::*;
use leptos_router::components::{Form, A};
use leptos_router::hooks::use_query_map;

/// The filter's query string (without `before`), for paging and the export.
fn query_string(f: &AuditFilter) -> String {
    let pairs = [
        ("actor", &f.actor),
        ("target", &f.target),
        ("action", &f.action),
        ("outcome", &f.outcome),
        ("from", &f.from),
        ("to", &f.to),
    ];
    pairs
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| format!("{k}={}", crate::validate::encode_component(v)))
        .collect::<Vec<_>>()
        .join("&")
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
            <Form method="GET" action="/admin/audit">
                <div class="filter-grid">
                    <div class="field">
                        <label for="f-actor">{t!(i18n, admin.actor)}</label>
                        <input id="f-actor" name="actor" prop:value=move || filter.get().actor/>
                    </div>
                    <div class="field">
                        <label for="f-target">{t!(i18n, admin.target)}</label>
                        <input id="f-target" name="target" prop:value=move || filter.get().target/>
                    </div>
                    <div class="field">
                        <label for="f-action">{t!(i18n, admin.action)}</label>
                        <select id="f-action" name="action">
                            <option value="">{t!(i18n, admin.any)}</option>
                            {ACTIONS.iter().map(|a| view! {
                                <option value=*a selected=move || filter.get().action == *a>{move || action_label(i18n, a)}</option>
                            }).collect_view()}
                        </select>
                    </div>
                    <div class="field">
                        <label for="f-outcome">{t!(i18n, admin.outcome)}</label>
                        <select id="f-outcome" name="outcome">
                            <option value="">{t!(i18n, admin.any)}</option>
                            {OUTCOMES.iter().map(|o| view! {
                                <option value=*o selected=move || filter.get().outcome == *o>{move || outcome_label(i18n, o)}</option>
                            }).collect_view()}
                        </select>
                    </div>
                    <div class="field">
                        <label for="f-from">{t!(i18n, admin.from)}</label>
                        <input id="f-from" name="from" type="date" prop:value=move || filter.get().from/>
                    </div>
                    <div class="field">
                        <label for="f-to">{t!(i18n, admin.to)}</label>
                        <input id="f-to" name="to" type="date" prop:value=move || filter.get().to/>
                    </div>
                </div>
                <div class="actions">
                    <A href="/admin/audit">{t!(i18n, admin.clear)}</A>
                    <a class="button" href=move || format!("/api/admin/audit-export?{}", qs()) download="audit.csv">{t!(i18n, admin.export)}</a>
                    <button type="submit" class="button primary">{t!(i18n, admin.filter)}</button>
                </div>
            </Form>
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
                        <nav class="pager" aria-label=move || t_string!(i18n, bell.pages)>
                            {before().is_some().then(|| view! { <A href=move || format!("/admin/audit?{}", qs())>{t!(i18n, security_log.newest)}</A> })}
                            {p.older.map(|c| view! {
                                <A href=move || format!("/admin/audit?{}&before={}", qs(), crate::validate::encode_component(&c))>{t!(i18n, security_log.older)}</A>
                            })}
                        </nav>
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
