//! The "Security log" page: the reader's own account events, newest first,
//! 50 to a page.

use super::security_log;
use super::types::SecurityLogEntry;
use crate::components::listing::Pager;
use crate::components::load::LoadError;
use crate::components::title::PageTitle;
use crate::i18n::*;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

/// Every action the audit log records (`server::audit::AuditAction::name`).
pub const ACTIONS: &[&str] = &[
    "auth.sign_in",
    "auth.password_ok",
    "auth.sign_out",
    "auth.reauthenticate",
    "auth.two_factor",
    "password.change",
    "password.reset_requested",
    "password.reset",
    "session.revoke",
    "session.revoke_others",
    "2fa.enrol_started",
    "2fa.enable",
    "2fa.enabled",
    "2fa.recovery_codes_regenerated",
    "2fa.disable",
    "2fa.disabled",
    "2fa.recovery_code_used",
    "2fa.reset",
    "passkey.add",
    "passkey.rename",
    "passkey.remove",
    "passkey.use",
    "passkey.cloned",
    "email.change_requested",
    "email.changed",
    "email.recovery_changed",
    "email.recovery_requested",
    "notifications.preference",
    "notifications.slack_set",
    "notifications.slack_remove",
    "avatar.change",
    "avatar.remove",
    "token.create",
    "token.regenerate",
    "token.delete",
    "token.admin_revoke",
    "app_password.create",
    "app_password.revoke",
    "app_password.admin_revoke",
    "settings.change",
    "notification.publish",
    "admin.denied",
    "audit.export",
    "user.role",
    "user.disable",
    "user.signed_out",
    "user.reset_link",
    "user.create",
    "account.delete",
    "account.export",
];

/// Every outcome an audit row can have.
pub const OUTCOMES: &[&str] = &[
    "success",
    "failure",
    "throttled",
    "second_factor_needed",
    "noop",
    "revoked_by_admin",
];

/// An audit action in the reader's language (its stable name when unknown).
pub fn action_label(i18n: leptos_i18n::I18nContext<Locale>, action: &str) -> String {
    match action {
        "auth.sign_in" => t_string!(i18n, audit_action.auth_sign_in),
        "auth.password_ok" => t_string!(i18n, audit_action.auth_password_ok),
        "auth.sign_out" => t_string!(i18n, audit_action.auth_sign_out),
        "auth.reauthenticate" => t_string!(i18n, audit_action.auth_reauthenticate),
        "auth.two_factor" => t_string!(i18n, audit_action.auth_two_factor),
        "password.change" => t_string!(i18n, audit_action.password_change),
        "password.reset_requested" => t_string!(i18n, audit_action.password_reset_requested),
        "password.reset" => t_string!(i18n, audit_action.password_reset),
        "session.revoke" => t_string!(i18n, audit_action.session_revoke),
        "session.revoke_others" => t_string!(i18n, audit_action.session_revoke_others),
        "2fa.enrol_started" => t_string!(i18n, audit_action.two_factor_enrol_started),
        "2fa.enable" => t_string!(i18n, audit_action.two_factor_enable),
        "2fa.enabled" => t_string!(i18n, audit_action.two_factor_enabled),
        "2fa.recovery_codes_regenerated" => {
            t_string!(i18n, audit_action.two_factor_recovery_codes_regenerated)
        }
        "2fa.disable" => t_string!(i18n, audit_action.two_factor_disable),
        "2fa.disabled" => t_string!(i18n, audit_action.two_factor_disabled),
        "2fa.recovery_code_used" => t_string!(i18n, audit_action.two_factor_recovery_code_used),
        "2fa.reset" => t_string!(i18n, audit_action.two_factor_reset),
        "passkey.add" => t_string!(i18n, audit_action.passkey_add),
        "passkey.rename" => t_string!(i18n, audit_action.passkey_rename),
        "passkey.remove" => t_string!(i18n, audit_action.passkey_remove),
        "passkey.use" => t_string!(i18n, audit_action.passkey_use),
        "passkey.cloned" => t_string!(i18n, audit_action.passkey_cloned),
        "email.change_requested" => t_string!(i18n, audit_action.email_change_requested),
        "email.changed" => t_string!(i18n, audit_action.email_changed),
        "email.recovery_changed" => t_string!(i18n, audit_action.email_recovery_changed),
        "email.recovery_requested" => t_string!(i18n, audit_action.email_recovery_requested),
        "notifications.preference" => t_string!(i18n, audit_action.notifications_preference),
        "notifications.slack_set" => t_string!(i18n, audit_action.notifications_slack_set),
        "notifications.slack_remove" => t_string!(i18n, audit_action.notifications_slack_remove),
        "avatar.change" => t_string!(i18n, audit_action.avatar_change),
        "avatar.remove" => t_string!(i18n, audit_action.avatar_remove),
        "token.create" => t_string!(i18n, audit_action.token_create),
        "token.regenerate" => t_string!(i18n, audit_action.token_regenerate),
        "token.delete" => t_string!(i18n, audit_action.token_delete),
        "token.admin_revoke" => t_string!(i18n, audit_action.token_admin_revoke),
        "app_password.create" => t_string!(i18n, audit_action.app_password_create),
        "app_password.revoke" => t_string!(i18n, audit_action.app_password_revoke),
        "app_password.admin_revoke" => t_string!(i18n, audit_action.app_password_admin_revoke),
        "settings.change" => t_string!(i18n, audit_action.settings_change),
        "notification.publish" => t_string!(i18n, audit_action.notification_publish),
        "admin.denied" => t_string!(i18n, audit_action.admin_denied),
        "audit.export" => t_string!(i18n, audit_action.audit_export),
        "user.role" => t_string!(i18n, audit_action.user_role),
        "user.disable" => t_string!(i18n, audit_action.user_disable),
        "user.signed_out" => t_string!(i18n, audit_action.user_signed_out),
        "user.reset_link" => t_string!(i18n, audit_action.user_reset_link),
        "user.create" => t_string!(i18n, audit_action.user_create),
        "account.delete" => t_string!(i18n, audit_action.account_delete),
        "account.export" => t_string!(i18n, audit_action.account_export),
        other => return other.to_string(),
    }
    .to_string()
}

/// An audit outcome in the reader's language.
pub fn outcome_label(i18n: leptos_i18n::I18nContext<Locale>, outcome: &str) -> String {
    match outcome {
        "success" => t_string!(i18n, audit_outcome.success),
        "failure" => t_string!(i18n, audit_outcome.failure),
        "throttled" => t_string!(i18n, audit_outcome.throttled),
        "second_factor_needed" => t_string!(i18n, audit_outcome.second_factor_needed),
        "noop" => t_string!(i18n, audit_outcome.noop),
        "revoked_by_admin" => t_string!(i18n, audit_outcome.revoked_by_admin),
        other => return other.to_string(),
    }
    .to_string()
}

#[component]
pub fn SecurityLogPage() -> impl IntoView {
    let i18n = use_i18n();
    let query = use_query_map();
    let before = move || query.read().get("before");
    let log = Resource::new(before, security_log);
    view! {
        <PageTitle text=move || t_string!(i18n, security_log.title).to_string()/>
        <h1>{t!(i18n, security_log.title)}</h1>
        <p class="muted">{t!(i18n, security_log.lead)}</p>
        <section class="card">
            <Transition fallback=move || view! { <p class="loading" aria-busy="true">{t!(i18n, common.loading)}</p> }>
                {move || log.get().map(|r| match r {
                    Ok(p) if p.entries.is_empty() => view! { <p class="muted">{t!(i18n, security_log.empty)}</p> }.into_any(),
                    Ok(p) => view! {
                        <div class="table-scroll" tabindex="0" role="region" aria-label=move || t_string!(i18n, security_log.title).to_string()>
                            <table class="log">
                                <thead>
                                    <tr>
                                        <th scope="col">{t!(i18n, security_log.when)}</th>
                                        <th scope="col">{t!(i18n, security_log.event)}</th>
                                        <th scope="col">{t!(i18n, security_log.outcome)}</th>
                                        <th scope="col">{t!(i18n, security_log.from)}</th>
                                    </tr>
                                </thead>
                                <tbody>
                                    {p.entries.into_iter().map(|e| view! { <LogRow entry=e/> }).collect_view()}
                                </tbody>
                            </table>
                        </div>
                        <Pager path="/settings/security-log" query=String::new() cursor_key="before" paged=before().is_some() next=p.older
                            first_label=move || t!(i18n, security_log.newest) next_label=move || t!(i18n, security_log.older)/>
                    }.into_any(),
                    Err(e) => view! { <LoadError error=e retry=move |()| log.refetch()/> }.into_any(),
                })}
            </Transition>
        </section>
    }
}

#[component]
fn LogRow(entry: SecurityLogEntry) -> impl IntoView {
    let i18n = use_i18n();
    let SecurityLogEntry {
        when,
        action,
        outcome,
        by,
        ip,
        browser,
        os,
        detail,
        ..
    } = entry;
    let failed = outcome != "success";
    view! {
        <tr class:failed=failed>
            <td class="nowrap">{when}</td>
            <td>
                {action_label(i18n, &action)}
                {(!detail.is_empty()).then(|| view! { " " <span class="muted">{format!("({detail})")}</span> })}
                {by.map(|name| view! { " " <span class="muted">{t_string!(i18n, security_log.by, name = name).to_string()}</span> })}
            </td>
            <td><span class="badge" class:warn=failed>{outcome_label(i18n, &outcome)}</span></td>
            <td>
                <span class="nowrap">{ip}</span>
                {(!browser.is_empty()).then(|| view! {
                    <br/><span class="muted">{t_string!(i18n, security_log.device, browser = browser, os = os).to_string()}</span>
                })}
            </td>
        </tr>
    }
}
