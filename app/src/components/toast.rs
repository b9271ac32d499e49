//! Short messages that confirm or warn, announced politely to screen readers
//! and dismissed after a few seconds.

use std::time::Duration;

use leptos::prelude::*;

use crate::i18n::{Key, tx};

const SHOWN_FOR: Duration = Duration::from_secs(6);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ToastKind {
    Success,
    Error,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Toast {
    id: u64,
    key: Key,
    kind: ToastKind,
}

#[derive(Debug, Clone, Copy)]
pub struct Toaster {
    toasts: RwSignal<Vec<Toast>>,
    next_id: StoredValue<u64>,
}

impl Toaster {
    pub fn show(self, key: Key, kind: ToastKind) {
        let id = self.next_id.get_value();
        self.next_id.set_value(id + 1);
        self.toasts.update(|t| t.push(Toast { id, key, kind }));
        set_timeout(move || self.dismiss(id), SHOWN_FOR);
    }

    fn dismiss(self, id: u64) {
        // The toaster lives as long as the app; try_ guards a torn-down page.
        self.toasts.try_update(|t| t.retain(|toast| toast.id != id));
    }
}

pub fn provide_toaster() -> Toaster {
    let toaster = Toaster {
        toasts: RwSignal::new(Vec::new()),
        next_id: StoredValue::new(0),
    };
    provide_context(toaster);
    toaster
}

/// The live region for toasts, in the shell's flow between the top bar and
/// the page, so a toast never covers what the user is about to press.
#[component]
pub fn Toasts() -> impl IntoView {
    let toaster = expect_context::<Toaster>();
    view! {
        <div class="toasts" aria-live="polite" aria-atomic="false" data-testid="toasts">
            <For
                each=move || toaster.toasts.get()
                key=|toast| toast.id
                children=move |toast| {
                    let class = match toast.kind {
                        ToastKind::Success => "toast toast-success",
                        ToastKind::Error => "toast toast-error",
                    };
                    view! {
                        <div class=class role="status" data-testid="toast">
                            <span class="toast-text">{tx(toast.key)}</span>
                            <button
                                type="button"
                                class="toast-close"
                                aria-label=tx(Key::Close)
                                on:click=move |_| toaster.dismiss(toast.id)
                            >
                                "×"
                            </button>
                        </div>
                    }
                }
            />
        </div>
    }
}
