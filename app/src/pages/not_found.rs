//! An address that names no page.

use leptos::prelude::*;

use crate::components::shell::MAIN_ID;
use crate::i18n::{Key, tx};
use crate::routes::Route;

#[component]
pub fn NotFoundPage() -> impl IntoView {
    view! {
        <main id=MAIN_ID class="page page-narrow" tabindex="-1" data-testid="not-found">
            <h1 class="page-title">{tx(Key::NotFoundTitle)}</h1>
            <p>{tx(Key::NotFoundBody)}</p>
            <a class="btn btn-secondary" href=Route::Home.path()>
                {tx(Key::BackHome)}
            </a>
        </main>
    }
}
