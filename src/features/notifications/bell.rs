//! The bell in the header: the unread count, live, and a panel with the
//! newest notifications.
//!
//! The count arrives over server-sent events (`/api/events/notifications`):
//! once when the stream opens (also after every reconnect, which is how the
//! client re-reads it) and after every change. When the browser cannot keep
//! a stream (no `EventSource`, or the server refused it) the bell polls
//! every ten seconds instead.

use super::types::{NotificationItem, NotificationPage};
use super::{list_notifications, MarkAllNotificationsRead, MarkNotificationsRead};
use crate::components::layout::{focus_went, FocusWent};
use crate::components::toast::on_result;
use crate::i18n::*;
use crate::model::NotificationArea;
use leptos::prelude::*;
use leptos_router::components::A;

/// How many notifications the panel shows.
const PANEL_ITEMS: i64 = 8;

/// The live state every part of the signed-in frame shares: the bell, and
/// the notifications page (which reloads when something new arrives).
#[derive(Clone, Copy)]
pub struct Live {
    /// None until the first count arrived.
    pub unread: RwSignal<Option<i64>>,
    /// Bumped whenever the list of notifications changed.
    pub version: RwSignal<u64>,
    newest: RwSignal<String>,
}

impl Live {
    pub fn provide() -> Live {
        let live = Live {
            unread: RwSignal::new(None),
            version: RwSignal::new(0),
            newest: RwSignal::new(String::new()),
        };
        provide_context(live);
        live
    }

    /// Takes a count (and the newest id) from the stream or a page read.
    pub fn update(&self, unread: i64, newest: &str) {
        self.unread.set(Some(unread));
        if self.newest.get_untracked() != newest {
            self.newest.set(newest.to_string());
            self.version.update(|v| *v += 1);
        }
    }
}

pub fn use_live() -> Live {
    expect_context::<Live>()
}

/// "99+" above 99.
pub fn badge_text(n: i64) -> String {
    if n > 99 {
        "99+".into()
    } else {
        n.to_string()
    }
}

pub fn area_label(i18n: leptos_i18n::I18nContext<Locale>, area: &str) -> String {
    match NotificationArea::parse(area) {
        Some(NotificationArea::Compliance) => t_string!(i18n, notifications.area_compliance),
        Some(NotificationArea::Policies) => t_string!(i18n, notifications.area_policies),
        Some(NotificationArea::RapidResponse) => {
            t_string!(i18n, notifications.area_rapid_response)
        }
        Some(NotificationArea::Alerts) => t_string!(i18n, notifications.area_alerts),
        Some(NotificationArea::Security) | None => t_string!(i18n, notifications.area_security),
    }
    .to_string()
}

#[component]
pub fn Bell() -> impl IntoView {
    let i18n = use_i18n();
    let live = use_live();
    let open = RwSignal::new(false);
    Effect::new(move |_| feed::start(live));
    // Loaded only while the panel is open, and again when news arrives.
    let items = Resource::new(
        move || (open.get(), live.version.get()),
        |(open, _)| async move {
            if open {
                list_notifications(false, None, PANEL_ITEMS).await.map(Some)
            } else {
                Ok(None)
            }
        },
    );
    let mark = ServerAction::<MarkNotificationsRead>::new();
    let mark_all = ServerAction::<MarkAllNotificationsRead>::new();
    track_marks(live, mark, mark_all);
    let button = NodeRef::<leptos::html::Button>::new();
    let focus_bell = move || {
        if let Some(b) = button.get_untracked() {
            let _ = b.focus();
        }
    };
    // After "mark read" the list is drawn again: focus goes back to the bell.
    Effect::new(move |_| {
        if mark.value().with(Option::is_some) || mark_all.value().with(Option::is_some) {
            focus_bell();
        }
    });
    let label = move || match live.unread.get() {
        Some(n) if n > 0 => t_string!(i18n, bell.label_unread, n = badge_text(n)).to_string(),
        _ => t_string!(i18n, bell.label).to_string(),
    };
    view! {
        <div class="bell" on:keydown=move |ev| if ev.key() == "Escape" && open.get_untracked() { open.set(false); focus_bell(); }
            on:focusout=move |ev| if focus_went(&ev) == FocusWent::Outside { open.set(false) }>
            // A click anywhere outside the panel closes it.
            <Show when=move || open.get()>
                <div class="bell-scrim" aria-hidden="true" on:click=move |_| open.set(false)></div>
            </Show>
            <button type="button" class="bell-button" aria-label=label node_ref=button
                aria-expanded=move || open.get().to_string() aria-controls="bell-panel"
                on:click=move |_| open.update(|o| *o = !*o)>
                <svg viewBox="0 0 24 24" width="22" height="22" aria-hidden="true" focusable="false">
                    <path fill="currentColor" d="M12 22a2.5 2.5 0 0 0 2.45-2h-4.9A2.5 2.5 0 0 0 12 22Zm7-6V11a7 7 0 0 0-5.5-6.84V3.5a1.5 1.5 0 0 0-3 0v.66A7 7 0 0 0 5 11v5l-2 2v1h18v-1l-2-2Z"/>
                </svg>
                {move || live.unread.get().filter(|n| *n > 0).map(|n| view! {
                    <span class="bell-badge" aria-hidden="true">{badge_text(n)}</span>
                })}
            </button>
            // Read out when the count changes (a changed label is not).
            <span class="sr-only" aria-live="polite">{move || live.unread.get().filter(|n| *n > 0).map(|_| label())}</span>
            <div id="bell-panel" class="menu bell-panel" role="region" aria-labelledby="bell-heading" hidden=move || !open.get()>
                <div class="bell-head">
                    <h2 id="bell-heading">{t!(i18n, bell.title)}</h2>
                    <button type="button" class="link" disabled=move || mark_all.pending().get() || live.unread.get().unwrap_or(0) == 0
                        on:click=move |_| { mark_all.dispatch(MarkAllNotificationsRead {}); }>
                        {t!(i18n, bell.mark_all)}
                    </button>
                </div>
                <Transition fallback=move || view! { <p class="loading" aria-busy="true">{t!(i18n, common.loading)}</p> }>
                    {move || items.get().map(|r| match r {
                        Ok(Some(NotificationPage { items, .. })) if items.is_empty() => view! {
                            <p class="muted bell-empty">{t!(i18n, bell.empty)}</p>
                        }.into_any(),
                        Ok(Some(page)) => view! {
                            <ul class="notes">
                                {page.items.into_iter().map(|item| view! {
                                    <NoteItem item=item mark=mark on_open=move || open.set(false)/>
                                }).collect_view()}
                            </ul>
                        }.into_any(),
                        Ok(None) => ().into_any(),
                        Err(e) => view! { <p class="field-error">{e.message()}</p> }.into_any(),
                    })}
                </Transition>
                <A href="/notifications" attr:class="bell-all" on:click=move |_| open.set(false)>{t!(i18n, bell.see_all)}</A>
            </div>
        </div>
    }
}

/// After marking one or all read: the new count everywhere, lists reloaded.
pub fn track_marks(
    live: Live,
    mark: ServerAction<MarkNotificationsRead>,
    mark_all: ServerAction<MarkAllNotificationsRead>,
) {
    on_result(mark, &[], move |unread| {
        live.unread.set(Some(unread));
        live.version.update(|v| *v += 1);
    });
    on_result(mark_all, &[], move |unread| {
        live.unread.set(Some(unread));
        live.version.update(|v| *v += 1);
    });
}

/// One notification in the bell's panel or on the notifications page.
#[component]
pub fn NoteItem(
    item: NotificationItem,
    mark: ServerAction<MarkNotificationsRead>,
    on_open: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let i18n = use_i18n();
    let NotificationItem {
        id,
        area,
        title,
        body,
        link,
        created,
        read,
    } = item;
    let id_for_open = id.clone();
    let title_for_label = title.clone();
    let open_it = move |_| {
        if !read {
            mark.dispatch(MarkNotificationsRead {
                ids: vec![id_for_open.clone()],
            });
        }
        on_open();
    };
    let heading = if link.is_empty() {
        view! { <span class="note-title">{title}</span> }.into_any()
    } else {
        view! { <A href=link attr:class="note-title" on:click=open_it>{title}</A> }.into_any()
    };
    view! {
        <li class="note" class:unread=!read>
            <div class="note-meta">
                <span class=format!("tag area-{area}")>{area_label(i18n, &area)}</span>
                <time>{created}</time>
                {(!read).then(|| view! { <span class="sr-only">{t!(i18n, bell.unread)}</span> })}
            </div>
            {heading}
            {(!body.is_empty()).then(|| view! { <p class="note-body">{body}</p> })}
            {(!read).then(|| {
                let label = t_string!(i18n, bell.mark_one_label, title = &title_for_label).to_string();
                view! {
                    <button type="button" class="link note-read" aria-label=label
                        on:click=move |_| { mark.dispatch(MarkNotificationsRead { ids: vec![id.clone()] }); }>
                        {t!(i18n, bell.mark_one)}
                    </button>
                }
            })}
        </li>
    }
}

/// The live feed (in the browser; nothing on the server).
mod feed {
    use super::Live;

    #[cfg(feature = "hydrate")]
    use leptos::prelude::*;

    /// The open stream and its two handlers (dropped with it).
    #[cfg(feature = "hydrate")]
    type Stream = (
        web_sys::EventSource,
        wasm_bindgen::closure::Closure<dyn FnMut(web_sys::MessageEvent)>,
        wasm_bindgen::closure::Closure<dyn FnMut(web_sys::Event)>,
    );

    #[cfg(feature = "hydrate")]
    #[derive(Clone, Copy)]
    struct Feed {
        live: Live,
        current: StoredValue<Option<Stream>, LocalStorage>,
        stopped: StoredValue<bool>,
    }

    /// Opens the stream; when the server refuses it (or the browser has no
    /// `EventSource`), reads the count every 10 seconds and tries the
    /// stream again each time. Stops when the page goes or the session ended.
    #[cfg(feature = "hydrate")]
    pub fn start(live: Live) {
        let feed = Feed {
            live,
            current: StoredValue::new_local(None),
            stopped: StoredValue::new(false),
        };
        connect(feed);
        on_cleanup(move || {
            feed.stopped.try_set_value(true);
            close(feed);
        });
    }

    #[cfg(feature = "hydrate")]
    fn close(feed: Feed) {
        feed.current.try_update_value(|c| {
            if let Some((source, _, _)) = c.take() {
                source.close();
            }
        });
    }

    #[cfg(feature = "hydrate")]
    fn connect(feed: Feed) {
        use wasm_bindgen::closure::Closure;
        use wasm_bindgen::JsCast;

        #[derive(serde::Deserialize)]
        struct State {
            unread: i64,
            newest: String,
        }

        if feed.stopped.try_get_value().unwrap_or(true) {
            return;
        }
        let Ok(source) = web_sys::EventSource::new("/api/events/notifications") else {
            fallback(feed);
            return;
        };
        let on_unread =
            Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |ev: web_sys::MessageEvent| {
                let text = ev.data().as_string().unwrap_or_default();
                if let Ok(s) = serde_json::from_str::<State>(&text) {
                    feed.live.update(s.unread, &s.newest);
                }
            });
        let _ =
            source.add_event_listener_with_callback("unread", on_unread.as_ref().unchecked_ref());
        // A network hiccup reconnects by itself (and the server sends the
        // count again); a refusal closes the stream for good: fall back.
        let watched = source.clone();
        let on_error = Closure::<dyn FnMut(web_sys::Event)>::new(move |_: web_sys::Event| {
            if watched.ready_state() == web_sys::EventSource::CLOSED {
                close(feed);
                fallback(feed);
            }
        });
        source.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        close(feed);
        feed.current
            .try_set_value(Some((source, on_unread, on_error)));
    }

    /// Reads the count once, then tries the stream again in 10 seconds;
    /// signed out, it stops.
    #[cfg(feature = "hydrate")]
    fn fallback(feed: Feed) {
        leptos::task::spawn_local(async move {
            match super::super::unread_state().await {
                Ok((unread, newest)) => feed.live.update(unread, &newest),
                Err(crate::error::AppError::Unauthorized) => {
                    feed.stopped.try_set_value(true);
                    return;
                }
                Err(_) => {}
            }
            crate::components::browser::after(10_000, move || connect(feed));
        });
    }

    #[cfg(not(feature = "hydrate"))]
    pub fn start(live: Live) {
        let _ = live;
    }
}

#[cfg(test)]
mod tests {
    use super::badge_text;

    #[test]
    fn the_badge_says_99_plus_above_99() {
        assert_eq!(badge_text(1), "1");
        assert_eq!(badge_text(99), "99");
        assert_eq!(badge_text(100), "99+");
        assert_eq!(badge_text(12_345), "99+");
    }
}
