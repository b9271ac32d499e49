//! Line icons, drawn on a 24-unit grid in the text colour. Decorative: the
//! label beside (or on) their control carries the meaning.

use leptos::prelude::*;

pub const ICON_HOME: &str = "M3 11.5 12 4l9 7.5V20a1 1 0 0 1-1 1h-5v-6H9v6H4a1 1 0 0 1-1-1z";
pub const ICON_GRID: &str = "M4 4h7v7H4zM13 4h7v7h-7zM4 13h7v7H4zM13 13h7v7h-7z";
pub const ICON_BELL: &str =
    "M12 3a6 6 0 0 0-6 6v4l-2 3h16l-2-3V9a6 6 0 0 0-6-6zM10 19a2 2 0 0 0 4 0";
pub const ICON_PERSON: &str = "M12 12a4 4 0 1 0 0-8 4 4 0 0 0 0 8zM4 21a8 8 0 0 1 16 0";

/// A cloud with a tick: everything is saved.
pub const ICON_SYNCED: &str =
    "M7.5 18.5h10a4 4 0 0 0 .6-7.95A6 6 0 0 0 6.6 9.6a4.5 4.5 0 0 0 .9 8.9zM9.5 14l2 2 3.5-3.5";
/// A struck-through cloud: no connection.
pub const ICON_OFFLINE: &str =
    "M7.5 18.5h10a4 4 0 0 0 .6-7.95A6 6 0 0 0 6.6 9.6a4.5 4.5 0 0 0 .9 8.9zM4 4l16 16";
/// Two turning arrows: syncing.
pub const ICON_SYNCING: &str =
    "M20 12a8 8 0 0 1-14.3 4.9M4 12a8 8 0 0 1 14.3-4.9M18.5 3v4h-4M5.5 21v-4h4";
/// A clock: waiting.
pub const ICON_WAITING: &str = "M12 3a9 9 0 1 0 0 18 9 9 0 0 0 0-18zM12 7v5l3 2";
/// An exclamation mark in a circle: needs the user.
pub const ICON_ALERT: &str = "M12 3a9 9 0 1 0 0 18 9 9 0 0 0 0-18zM12 7.5v5.5M12 16.5v.01";

/// A 24 px line icon, hidden from assistive technology.
#[component]
pub fn Icon(path: &'static str) -> impl IntoView {
    view! {
        <svg
            class="icon"
            viewBox="0 0 24 24"
            width="24"
            height="24"
            aria-hidden="true"
            focusable="false"
        >
            <path
                d=path
                fill="none"
                stroke="currentColor"
                stroke-width="1.8"
                stroke-linejoin="round"
                stroke-linecap="round"
            />
        </svg>
    }
}
