//! Small labels: a role, a count, a state.

use leptos::prelude::*;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Tone {
    #[default]
    Neutral,
    /// Needs the user's attention (unread, due).
    Attention,
    Info,
}

impl Tone {
    fn class(self) -> &'static str {
        match self {
            Tone::Neutral => "badge badge-neutral",
            Tone::Attention => "badge badge-attention",
            Tone::Info => "badge badge-info",
        }
    }
}

#[component]
pub fn Badge(
    #[prop(optional)] tone: Tone,
    #[prop(optional)] testid: Option<&'static str>,
    children: Children,
) -> impl IntoView {
    view! {
        <span class=tone.class() data-testid=testid>
            {children()}
        </span>
    }
}
