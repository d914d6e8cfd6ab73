//! The notification pages: `/notifications` (every notification, paged, with
//! an unread filter), the settings page (a matrix of areas × channels, each
//! cell saved as soon as it changes, and the Slack webhook), and the page
//! behind a mail's unsubscribe link.

use super::bell::{track_marks, use_live, NoteItem};
use super::types::SlackStatus;
use super::{
    get_notification_preferences, get_slack, list_notifications, unsubscribe_info,
    MarkAllNotificationsRead, MarkNotificationsRead, RemoveSlack, SetNotificationPreference,
    SetSlack, TestSlack,
};
use crate::components::dialog::ConfirmDialog;
use crate::components::form::{field_error, TextField};
use crate::components::listing::Pager;
use crate::components::load::LoadError;
use crate::components::sudo::{SudoDialog, SudoGuard};
use crate::components::title::PageTitle;
use crate::components::toast::{on_result, use_toasts, ToastKind};
use crate::error::AppError;
use crate::i18n::*;
use crate::model::{NotificationArea, NotificationChannel, NotificationPref};
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_query_map;

fn area_label(i18n: leptos_i18n::I18nContext<Locale>, area: NotificationArea) -> String {
    match area {
        NotificationArea::Compliance => t_string!(i18n, notifications.area_compliance),
        NotificationArea::Policies => t_string!(i18n, notifications.area_policies),
        NotificationArea::RapidResponse => t_string!(i18n, notifications.area_rapid_response),
        NotificationArea::Alerts => t_string!(i18n, notifications.area_alerts),
        NotificationArea::Security => t_string!(i18n, notifications.area_security),
    }
    .to_string()
}

fn channel_label(i18n: leptos_i18n::I18nContext<Locale>, channel: NotificationChannel) -> String {
    match channel {
        NotificationChannel::InApp => t_string!(i18n, notifications.channel_in_app),
        NotificationChannel::Email => t_string!(i18n, notifications.channel_email),
        NotificationChannel::Slack => t_string!(i18n, notifications.channel_slack),
    }
    .to_string()
}

#[component]
pub fn NotificationsPage() -> impl IntoView {
    let i18n = use_i18n();
    let prefs = Resource::new(|| (), |()| get_notification_preferences());
    view! {
        <PageTitle text=move || t_string!(i18n, notifications.prefs_title).to_string()/>
        <h1>{t!(i18n, notifications.prefs_title)}</h1>
        <p class="muted">{t!(i18n, notifications.prefs_lead)}</p>
        <section class="card">
            <Transition fallback=move || view! { <p class="loading" aria-busy="true">{t!(i18n, common.loading)}</p> }>
                {move || prefs.get().map(|r| match r {
                    Ok(cells) => view! { <PreferenceMatrix initial=cells reload=move || prefs.refetch()/> }.into_any(),
                    Err(e) => view! { <LoadError error=e retry=move |()| prefs.refetch()/> }.into_any(),
                })}
            </Transition>
        </section>
        <SlackSection/>
    }
}

/// The table itself. A change is shown at once, saved, and confirmed by a
/// toast; when saving fails the stored state is read again (the change undone)
/// and the error shown.
#[component]
fn PreferenceMatrix(
    initial: Vec<NotificationPref>,
    reload: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let i18n = use_i18n();
    let toasts = use_toasts();
    let cells = RwSignal::new(initial);
    let save = ServerAction::<SetNotificationPreference>::new();
    // Turning a Security cell off asks for the password first.
    let guard = SudoGuard::new(save);
    let last = RwSignal::new(None::<NotificationPref>);
    on_result(save, &[], move |stored: Vec<NotificationPref>| {
        cells.set(stored);
        if let Some(cell) = last.get_untracked() {
            let state = if cell.enabled {
                t_string!(i18n, notifications.on)
            } else {
                t_string!(i18n, notifications.off)
            };
            toasts.push(
                ToastKind::Success,
                t_string!(
                    i18n,
                    notifications.saved,
                    area = area_label(i18n, cell.area),
                    channel = channel_label(i18n, cell.channel),
                    state = state
                )
                .to_string(),
            );
        }
    });
    Effect::new(move |_| match save.value().get() {
        // Waiting for the password: show the stored state meanwhile (the
        // dialog's retry saves the change). Reloading here would replace
        // this table, and the dialog with it.
        Some(Err(AppError::ReauthRequired)) => {
            if let Some(cell) = last.get_untracked() {
                cells.update(|all| {
                    if let Some(c) = all
                        .iter_mut()
                        .find(|c| c.area == cell.area && c.channel == cell.channel)
                    {
                        c.enabled = !cell.enabled;
                    }
                });
            }
        }
        Some(Err(_)) => reload(),
        _ => {}
    });
    let toggle = move |area: NotificationArea, channel: NotificationChannel, enabled: bool| {
        cells.update(|all| {
            if let Some(c) = all
                .iter_mut()
                .find(|c| c.area == area && c.channel == channel)
            {
                c.enabled = enabled;
            }
        });
        last.set(Some(NotificationPref {
            area,
            channel,
            enabled,
            locked: false,
        }));
        guard.dispatch(SetNotificationPreference {
            area: area.as_str().to_string(),
            channel: channel.as_str().to_string(),
            enabled,
        });
    };
    let enabled = move |area: NotificationArea, channel: NotificationChannel| {
        cells.with(|all| {
            all.iter()
                .any(|c| c.area == area && c.channel == channel && c.enabled)
        })
    };
    view! {
        <table class="matrix" aria-describedby="matrix-note">
            <thead>
                <tr>
                    <th scope="col">{t!(i18n, notifications.area)}</th>
                    {NotificationChannel::ALL.into_iter().map(|ch| view! {
                        <th scope="col">{move || channel_label(i18n, ch)}</th>
                    }).collect_view()}
                </tr>
            </thead>
            <tbody>
                {NotificationArea::ALL.into_iter().map(|area| view! {
                    <tr>
                        <th scope="row">{move || area_label(i18n, area)}</th>
                        {NotificationChannel::ALL.into_iter().map(|ch| {
                            let locked = NotificationPref::default_for(area, ch).locked;
                            let id = format!("pref-{}-{}", area.as_str(), ch.as_str());
                            view! {
                                <td>
                                    <input type="checkbox" id=id
                                        aria-label=move || t_string!(i18n, notifications.cell_label,
                                            area = area_label(i18n, area), channel = channel_label(i18n, ch)).to_string()
                                        aria-describedby=locked.then_some("matrix-note")
                                        prop:checked=move || enabled(area, ch)
                                        disabled=move || locked || save.pending().get()
                                        aria-busy=move || save.pending().get().to_string()
                                        on:change=move |ev| toggle(area, ch, event_target_checked(&ev))/>
                                </td>
                            }
                        }).collect_view()}
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
        <p class="hint" id="matrix-note">{t!(i18n, notifications.security_locked_hint)}</p>
        <SudoDialog open=guard.open on_confirmed=move |_| guard.retry()/>
    }
}

/// The Slack webhook: paste it (sudo mode), send a test message, remove it;
/// when deliveries keep failing the reason shows, and "Retry" sends a test
/// that resumes them. Its state is loaded inside a `Transition` of its own,
/// like every resource: read outside one during server rendering, a resource
/// can deadlock Leptos' reactive graph against the page's suspense
/// (lock-order inversion between threads, seen once in 150 runs).
#[component]
fn SlackSection() -> impl IntoView {
    let i18n = use_i18n();
    let status = Resource::new(|| (), |()| get_slack());
    view! {
        <section class="card" aria-labelledby="slack-heading">
            <h2 id="slack-heading">{t!(i18n, slack.title)}</h2>
            <p class="muted">{t!(i18n, slack.lead)}</p>
            <Transition fallback=move || view! { <p class="loading" aria-busy="true">{t!(i18n, common.loading)}</p> }>
                {move || status.get().map(|r| match r {
                    Ok(s) => view! { <SlackForm initial=s/> }.into_any(),
                    Err(e) => view! { <LoadError error=e retry=move |()| status.refetch()/> }.into_any(),
                })}
            </Transition>
        </section>
    }
}

#[component]
fn SlackForm(initial: SlackStatus) -> impl IntoView {
    let i18n = use_i18n();
    let toasts = use_toasts();
    let shown = RwSignal::new(initial);
    let current = move || shown.get();
    let set = ServerAction::<SetSlack>::new();
    let guard = SudoGuard::new(set);
    let remove = ServerAction::<RemoveSlack>::new();
    let remove_guard = SudoGuard::new(remove);
    let test = ServerAction::<TestSlack>::new();
    let url = RwSignal::new(String::new());
    let confirm_remove = RwSignal::new(false);
    on_result(set, &["url"], move |s| {
        shown.set(s);
        url.set(String::new());
        toasts.push(ToastKind::Success, t_string!(i18n, slack.saved).to_string());
    });
    on_result(remove, &[], move |s| {
        shown.set(s);
        toasts.push(
            ToastKind::Success,
            t_string!(i18n, slack.removed).to_string(),
        );
    });
    on_result(test, &["url"], move |s| {
        shown.set(s);
        toasts.push(
            ToastKind::Success,
            t_string!(i18n, slack.test_sent).to_string(),
        );
    });
    let test_error = field_error(test, "url");
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        guard.dispatch(SetSlack {
            url: url.get_untracked(),
        });
    };
    let busy = move || set.pending().get() || remove.pending().get() || test.pending().get();
    view! {
        {move || {
                let s = current();
                s.configured.then(|| view! {
                    <div class="slack-state" role="status">
                        <p>{t_string!(i18n, slack.configured, last4 = s.last4.clone()).to_string()}</p>
                        {s.broken.then(|| view! {
                            <p class="alert alert-error">{t_string!(i18n, slack.broken, error = s.last_error.clone()).to_string()}</p>
                        })}
                        {(!s.broken && !s.failing_since.is_empty()).then(|| view! {
                            <p class="alert alert-error">{t_string!(i18n, slack.failing, since = s.failing_since.clone(), error = s.last_error.clone()).to_string()}</p>
                        })}
                    </div>
                    <div class="actions">
                        <button type="button" class="button" disabled=busy aria-busy=move || test.pending().get().to_string()
                            on:click=move |_| { test.dispatch(TestSlack {}); }>
                            {move || if test.pending().get() { t_string!(i18n, slack.testing) }
                                else if current().broken { t_string!(i18n, slack.retry) }
                                else { t_string!(i18n, slack.test) }}
                        </button>
                        <button type="button" class="button danger" disabled=busy
                            on:click=move |_| confirm_remove.set(true)>
                            {t!(i18n, slack.remove)}
                        </button>
                    </div>
                    <p class="field-error" id="slack-test-error" aria-live="polite">{move || test_error.get().unwrap_or_default()}</p>
                })
            }}
            <form class="form" method="post" on:submit=submit novalidate>
                <TextField id="slack-url" label=move || t!(i18n, slack.url) value=url input_type="url" autocomplete="off"
                    hint=move || t!(i18n, slack.url_hint) error=field_error(set, "url")/>
                <div class="actions">
                    <button type="submit" class="button primary" disabled=busy aria-busy=move || set.pending().get().to_string()>
                        {move || if set.pending().get() { t_string!(i18n, common.saving) }
                            else if current().configured { t_string!(i18n, slack.replace) }
                            else { t_string!(i18n, slack.save) }}
                    </button>
                </div>
            </form>
        <SudoDialog open=guard.open on_confirmed=move |_| guard.retry()/>
        <ConfirmDialog open=confirm_remove
            title=Signal::derive(move || t_string!(i18n, slack.remove_title).to_string())
            lead=move || t!(i18n, slack.remove_lead)
            confirm_label=move || t!(i18n, slack.remove)
            on_confirm=move |()| remove_guard.dispatch(RemoveSlack {})/>
        <SudoDialog open=remove_guard.open on_confirmed=move |_| remove_guard.retry()/>
    }
}

/// How many notifications `/notifications` shows per page.
const PAGE_SIZE: i64 = 20;

/// `/notifications`: every notification, newest first, 20 per page
/// (`?before=` pages back), all or only the unread ones (`?filter=unread`).
#[component]
pub fn NotificationListPage() -> impl IntoView {
    let i18n = use_i18n();
    let live = use_live();
    let query = use_query_map();
    let unread_only = move || query.read().get("filter").as_deref() == Some("unread");
    let before = move || query.read().get("before");
    let page = Resource::new(
        move || (unread_only(), before(), live.version.get()),
        |(unread, before, _)| list_notifications(unread, before, PAGE_SIZE),
    );
    let mark = ServerAction::<MarkNotificationsRead>::new();
    let mark_all = ServerAction::<MarkAllNotificationsRead>::new();
    track_marks(live, mark, mark_all);
    let filter_link = move |unread: bool| {
        if unread {
            "/notifications?filter=unread"
        } else {
            "/notifications"
        }
    };
    view! {
        <PageTitle text=move || t_string!(i18n, bell.title).to_string()/>
        <h1>{t!(i18n, bell.title)}</h1>
        <div class="filters">
            <A href=filter_link(false) attr:aria-current=move || (!unread_only()).then_some("page")>{t!(i18n, bell.all)}</A>
            <A href=filter_link(true) attr:aria-current=move || unread_only().then_some("page")>{t!(i18n, bell.only_unread)}</A>
            <button type="button" class="button" disabled=move || mark_all.pending().get() || live.unread.get().unwrap_or(0) == 0
                on:click=move |_| { mark_all.dispatch(MarkAllNotificationsRead {}); }>
                {t!(i18n, bell.mark_all)}
            </button>
        </div>
        <section class="card">
            <Transition fallback=move || view! { <p class="loading" aria-busy="true">{t!(i18n, common.loading)}</p> }>
                {move || page.get().map(|r| match r {
                    Ok(p) if p.items.is_empty() => view! {
                        <p class="muted">{move || if unread_only() { t_string!(i18n, bell.none_unread) } else { t_string!(i18n, bell.empty) }}</p>
                    }.into_any(),
                    Ok(p) => {
                        view! {
                            <ul class="notes">
                                {p.items.into_iter().map(|item| view! { <NoteItem item=item mark=mark on_open=|| ()/> }).collect_view()}
                            </ul>
                            <Pager path="/notifications" cursor_key="before" paged=before().is_some() next=p.older
                                query=Signal::derive(move || if unread_only() { "filter=unread".to_string() } else { String::new() })
                                first_label=move || t!(i18n, bell.newest) next_label=move || t!(i18n, bell.older)/>
                        }.into_any()
                    }
                    Err(e) => view! { <LoadError error=e retry=move |()| page.refetch()/> }.into_any(),
                })}
            </Transition>
        </section>
    }
}

/// `/unsubscribe?t=…`, the page behind a mail's unsubscribe link: it asks
/// first (link checkers open links), then posts the form that turns the cell
/// off — with JavaScript on or off.
#[component]
pub fn UnsubscribePage() -> impl IntoView {
    let i18n = use_i18n();
    let query = use_query_map();
    let token = move || query.read().get("t").unwrap_or_default();
    let info = Resource::new(token, unsubscribe_info);
    view! {
        <PageTitle text=move || t_string!(i18n, unsubscribe.title).to_string()/>
        <main class="auth-page">
            <div class="auth-card">
                <h1>{t!(i18n, unsubscribe.title)}</h1>
                <Suspense fallback=move || view! { <p class="loading" aria-busy="true">{t!(i18n, common.loading)}</p> }>
                    {move || info.get().map(|r| match r {
                        Ok(Some(info)) if info.off => view! {
                            <p role="status">{t_string!(i18n, unsubscribe.done, area = info.area.clone(), username = info.username.clone()).to_string()}</p>
                            <a class="button" href="/settings/notifications">{t!(i18n, unsubscribe.settings)}</a>
                        }.into_any(),
                        Ok(Some(info)) => view! {
                            <p>{t_string!(i18n, unsubscribe.ask, area = info.area.clone(), username = info.username.clone()).to_string()}</p>
                            <form method="post" action=format!("/unsubscribe?t={}", crate::validate::encode_component(&token()))>
                                <input type="hidden" name="confirm" value="1"/>
                                <button type="submit" class="button primary wide">
                                    {t_string!(i18n, unsubscribe.button, area = info.area.clone()).to_string()}
                                </button>
                            </form>
                        }.into_any(),
                        Ok(None) => view! { <p class="alert alert-error" role="alert">{t!(i18n, unsubscribe.invalid)}</p> }.into_any(),
                        Err(e) => view! { <p class="alert alert-error" role="alert">{e.message()}</p> }.into_any(),
                    })}
                </Suspense>
            </div>
        </main>
    }
}
