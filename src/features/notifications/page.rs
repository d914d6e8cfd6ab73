//! The "Notifications" settings page: a matrix of areas × channels, each cell
//! saved as soon as it changes.

use super::{get_notification_preferences, SetNotificationPreference};
use crate::components::load::LoadError;
use crate::components::title::PageTitle;
use crate::components::toast::{on_result, use_toasts, ToastKind};
use crate::i18n::*;
use crate::model::{NotificationArea, NotificationChannel, NotificationPref};
use leptos::prelude::*;

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
    Effect::new(move |_| {
        if let Some(Err(_)) = save.value().get() {
            reload();
        }
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
        save.dispatch(SetNotificationPreference {
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
    }
}
