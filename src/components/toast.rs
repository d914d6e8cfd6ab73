//! Toasts: short confirmations that go away by themselves.

use leptos::prelude::*;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ToastKind {
    Success,
    Error,
}

#[derive(Clone, Debug, PartialEq, Eq)]
struct Toast {
    id: u64,
    kind: ToastKind,
    message: String,
}

/// Handle to the toast list, available everywhere through context.
#[derive(Clone, Copy)]
pub struct Toasts {
    list: RwSignal<Vec<Toast>>,
    next: StoredValue<u64>,
}

/// How long a toast stays: long enough to read, short enough not to pile up.
const VISIBLE_MS: u32 = 5_000;

impl Toasts {
    pub fn push(&self, kind: ToastKind, message: impl Into<String>) {
        let id = self.next.get_value();
        self.next.set_value(id + 1);
        self.list.update(|l| {
            l.push(Toast {
                id,
                kind,
                message: message.into(),
            });
        });
        let this = *self;
        // Errors stay twice as long: they usually ask the reader to do something.
        let ms = if kind == ToastKind::Error {
            VISIBLE_MS * 2
        } else {
            VISIBLE_MS
        };
        crate::components::browser::after(ms, move || this.dismiss(id));
    }

    fn dismiss(&self, id: u64) {
        // The list may already be gone (page left); try_update ignores that.
        self.list.try_update(|l| l.retain(|t| t.id != id));
    }
}

pub fn provide_toasts() -> Toasts {
    let toasts = Toasts {
        list: RwSignal::new(Vec::new()),
        next: StoredValue::new(0),
    };
    provide_context(toasts);
    toasts
}

pub fn use_toasts() -> Toasts {
    expect_context::<Toasts>()
}

/// The live region that shows the toasts.
#[component]
pub fn Toaster() -> impl IntoView {
    let toasts = use_toasts();
    let i18n = crate::i18n::use_i18n();
    view! {
        <div class="toasts" role="status" aria-live="polite">
            <For each=move || toasts.list.get() key=|t| t.id let:toast>
                <div class="toast" class:toast-error=toast.kind == ToastKind::Error>
                    <span>{toast.message.clone()}</span>
                    <button type="button" class="toast-close" aria-label=move || crate::i18n::t_string!(i18n, common.dismiss)
                        on:click=move |_| toasts.dismiss(toast.id)>"×"</button>
                </div>
            </For>
        </div>
    }
}

/// What a form does after each run of its server action: `on_ok` with the value;
/// an error that none of `fields` shows next to itself becomes an error toast
/// (field errors stand next to their fields, the sudo prompt has its dialog).
pub fn on_result<S>(
    action: ServerAction<S>,
    fields: &'static [&'static str],
    on_ok: impl Fn(S::Output) + 'static,
) where
    S: leptos::server_fn::ServerFn<Error = crate::error::AppError> + Clone + Send + Sync + 'static,
    S::Output: Clone + Send + Sync + 'static,
{
    let toasts = use_toasts();
    Effect::new(move |_| match action.value().get() {
        Some(Ok(value)) => on_ok(value),
        Some(Err(e)) if e.belongs_to_form(fields) => toasts.push(ToastKind::Error, e.message()),
        _ => {}
    });
}
