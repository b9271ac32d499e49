//! The top bar's sync indicator: small and calm — an icon and a few words
//! (已同步, 离线, 3 项待同步 …), a full sentence for screen readers, and a
//! link to the sync page.

use leptos::prelude::*;

use crate::api;
use crate::components::icon::{
    ICON_ALERT, ICON_OFFLINE, ICON_SYNCED, ICON_SYNCING, ICON_WAITING, Icon,
};
use crate::components::nav::current;
use crate::i18n::use_i18n;
use crate::routes::Route;
use crate::sync::{Indicator, use_sync};

fn icon(indicator: Indicator) -> &'static str {
    match indicator {
        Indicator::Online => ICON_SYNCED,
        Indicator::Offline { .. } => ICON_OFFLINE,
        Indicator::Syncing => ICON_SYNCING,
        Indicator::Pending(_) => ICON_WAITING,
        Indicator::Rejected(_) => ICON_ALERT,
    }
}

#[component]
pub fn SyncIndicator() -> impl IntoView {
    let sync = use_sync();
    let lang = use_i18n().lang;
    let outbox = api::has_outbox();
    let shown = Memo::new(move |_| sync.indicator());
    view! {
        <a
            class=move || format!("sync-indicator sync-{}", shown.get().state())
            href=Route::Sync.path()
            aria-current=current(Route::Sync)
            aria-label=move || shown.get().label(lang.get(), outbox)
            title=move || shown.get().label(lang.get(), outbox)
            data-testid="sync-indicator"
            data-state=move || shown.get().state()
        >
            <span class="sync-pill">
                {move || view! { <Icon path=icon(shown.get()) /> }}
                <span class="sync-text">{move || shown.get().text(lang.get())}</span>
            </span>
        </a>
    }
}
