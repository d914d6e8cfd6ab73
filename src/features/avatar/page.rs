//! The avatar card on the profile page.

#[cfg(feature = "hydrate")]
use super::upload_avatar;
use super::RemoveAvatar;
use crate::components::layout::use_current_user;
use crate::components::toast::{use_toasts, ToastKind};
use crate::error::AppError;
use crate::i18n::*;
use crate::model::CurrentUser;
use leptos::prelude::*;

/// The picture of a user, or their initials when there is none.
#[component]
pub fn Avatar(
    #[prop(into)] user: Signal<Option<CurrentUser>>,
    #[prop(default = "avatar")] class: &'static str,
) -> impl IntoView {
    move || match user.get() {
        Some(CurrentUser {
            avatar_url: Some(url),
            ..
        }) => view! { <img class=class src=url alt=""/> }.into_any(),
        Some(u) => view! { <span class=class aria-hidden="true">{u.initials()}</span> }.into_any(),
        None => view! { <span class=class aria-hidden="true"></span> }.into_any(),
    }
}

#[component]
pub fn AvatarCard() -> impl IntoView {
    let toasts = use_toasts();
    let current = use_current_user();
    let user = Signal::derive(move || current.get());
    let preview = RwSignal::new(None::<String>);
    let error = RwSignal::new(None::<String>);
    let form = NodeRef::<leptos::html::Form>::new();
    let i18n = use_i18n();

    #[cfg(feature = "hydrate")]
    let upload = Action::new_local(|data: &web_sys::FormData| upload_avatar(data.clone().into()));
    // Uploads happen only in the browser; the server renders the same card idle.
    #[cfg(not(feature = "hydrate"))]
    let upload =
        Action::new_local(|_: &()| async { Err::<CurrentUser, AppError>(AppError::Transport) });
    let remove = ServerAction::<RemoveAvatar>::new();

    let apply = move |result: Option<Result<CurrentUser, AppError>>, done: String| match result {
        Some(Ok(saved)) => {
            current.set(Some(saved));
            preview.set(None);
            error.set(None);
            if let Some(f) = form.get_untracked() {
                f.reset();
            }
            toasts.push(ToastKind::Success, done);
        }
        Some(Err(e)) => error.set(Some(
            e.field_message("avatar").unwrap_or_else(|| e.message()),
        )),
        None => {}
    };
    Effect::new(move |_| {
        apply(
            upload.value().get(),
            tu_string!(i18n, avatar.updated).into(),
        );
    });
    Effect::new(move |_| {
        apply(
            remove.value().get(),
            tu_string!(i18n, avatar.removed).into(),
        );
    });

    let on_pick = move |ev: leptos::ev::Event| {
        show_picked(&ev, preview, error, || {
            tu_string!(i18n, avatar.too_big).into()
        });
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        #[cfg(feature = "hydrate")]
        if let Some(data) = crate::components::form::form_data(&ev) {
            upload.dispatch_local(data);
        }
    };
    let busy = move || upload.pending().get() || remove.pending().get();

    view! {
        <section class="card" aria-labelledby="avatar-heading">
            <h2 id="avatar-heading">{t!(i18n, avatar.title)}</h2>
            <div class="avatar-row">
                {move || match preview.get() {
                    Some(url) => view! { <img class="avatar-large" src=url alt=move || t_string!(i18n, avatar.preview)/> }.into_any(),
                    None => view! { <Avatar user=user class="avatar-large"/> }.into_any(),
                }}
                <form class="form avatar-form" node_ref=form method="post" on:submit=submit>
                    <div class="field">
                        <label for="avatar">{t!(i18n, avatar.choose)}</label>
                        <input id="avatar" name="avatar" type="file" accept="image/png,image/jpeg,image/webp,image/gif"
                            on:change=on_pick aria-describedby="avatar-hint avatar-error"
                            aria-invalid=move || error.get().is_some().to_string()/>
                        <p class="hint" id="avatar-hint">{t!(i18n, avatar.hint)}</p>
                        <p class="field-error" id="avatar-error" aria-live="polite">{move || error.get()}</p>
                    </div>
                    <div class="actions start">
                        <button type="submit" class="button primary" disabled=move || busy() || preview.get().is_none()
                            aria-busy=move || upload.pending().get().to_string()>
                            {move || if upload.pending().get() { t_string!(i18n, avatar.uploading) } else { t_string!(i18n, avatar.upload) }}
                        </button>
                        <Show when=move || user.get().is_some_and(|u| u.avatar_url.is_some())>
                            <button type="button" class="button" disabled=busy
                                on:click=move |_| { remove.dispatch(RemoveAvatar {}); }>
                                {move || if remove.pending().get() { t_string!(i18n, avatar.removing) } else { t_string!(i18n, avatar.remove) }}
                            </button>
                        </Show>
                    </div>
                </form>
            </div>
        </section>
    }
}

/// Shows the file chosen in the input `ev` came from before it is sent, and
/// refuses one that is too large at once (the server checks again).
fn show_picked(
    ev: &leptos::ev::Event,
    preview: RwSignal<Option<String>>,
    error: RwSignal<Option<String>>,
    too_big: impl FnOnce() -> String,
) {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsCast;
        let Some(input) = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
        else {
            return;
        };
        if let Some(old) = preview.get_untracked() {
            let _ = web_sys::Url::revoke_object_url(&old);
        }
        match input.files().and_then(|f| f.get(0)) {
            Some(file) if file.size() > 5.0 * 1024.0 * 1024.0 => {
                error.set(Some(too_big()));
                preview.set(None);
            }
            Some(file) => {
                error.set(None);
                preview.set(web_sys::Url::create_object_url_with_blob(&file).ok());
            }
            None => preview.set(None),
        }
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (ev, preview, error, too_big);
}
