//! Rows of a list: one item each, with room for a trailing action.

use leptos::prelude::*;

#[component]
pub fn ListRow(
    #[prop(optional)] testid: Option<&'static str>,
    /// Marks the row as needing attention (e.g. an unread notification).
    #[prop(into, optional)]
    highlighted: Signal<bool>,
    children: Children,
) -> impl IntoView {
    view! {
        <li class="list-row" class:list-row-highlighted=move || highlighted.get() data-testid=testid>
            {children()}
        </li>
    }
}
