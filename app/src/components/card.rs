//! Cards: a surface for one topic, or one link.

use leptos::prelude::*;

#[component]
pub fn Card(
    #[prop(optional)] testid: Option<&'static str>,
    /// Names the card for assistive technology, by the id of its heading.
    #[prop(optional)]
    labelled_by: Option<&'static str>,
    children: Children,
) -> impl IntoView {
    view! {
        <section class="card" data-testid=testid aria-labelledby=labelled_by>
            {children()}
        </section>
    }
}

/// A whole card that is one link, e.g. to a service.
#[component]
pub fn LinkCard(
    href: String,
    #[prop(optional, into)] testid: Option<String>,
    children: Children,
) -> impl IntoView {
    view! {
        <a class="card card-link" href=href data-testid=testid>
            {children()}
        </a>
    }
}
