//! The zh-CN ↔ en switch, labelled with the language it switches to.

use houqin_shared::accounts::Lang;
use leptos::prelude::*;

use crate::i18n::{Key, tx};
use crate::session::use_session;

fn other(lang: Lang) -> Lang {
    match lang {
        Lang::ZhCn => Lang::En,
        Lang::En => Lang::ZhCn,
    }
}

#[component]
pub fn LangToggle() -> impl IntoView {
    let session = use_session();
    let lang = session.i18n.lang;
    view! {
        <button
            type="button"
            class="btn btn-quiet lang-toggle"
            data-testid="lang-toggle"
            aria-label=tx(Key::LangToggleLabel)
            on:click=move |_| session.choose_lang(other(lang.get_untracked()))
        >
            <span lang=move || other(lang.get()).as_str()>{tx(Key::LangToggle)}</span>
        </button>
    }
}
