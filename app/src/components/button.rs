//! Buttons: at least 44 px tall, with a visible focus ring.

use leptos::prelude::*;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum ButtonKind {
    /// The one main action of a view.
    #[default]
    Primary,
    Secondary,
    /// Low emphasis, e.g. in the top bar.
    Quiet,
}

impl ButtonKind {
    fn class(self) -> &'static str {
        match self {
            ButtonKind::Primary => "btn btn-primary",
            ButtonKind::Secondary => "btn btn-secondary",
            ButtonKind::Quiet => "btn btn-quiet",
        }
    }
}

/// A button; events go on it directly (`<Button on:click=…>`).
#[component]
pub fn Button(
    #[prop(optional)] kind: ButtonKind,
    /// Submits its form instead of being a plain button.
    #[prop(optional)]
    submit: bool,
    #[prop(into, optional)] disabled: Signal<bool>,
    #[prop(optional)] testid: Option<&'static str>,
    children: Children,
) -> impl IntoView {
    view! {
        <button
            type=if submit { "submit" } else { "button" }
            class=kind.class()
            disabled=move || disabled.get()
            aria-disabled=move || disabled.get().then_some("true")
            data-testid=testid
        >
            {children()}
        </button>
    }
}
