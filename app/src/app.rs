//! The root: language, toasts and session contexts, then the router.

use leptos::prelude::*;

use crate::components::toast::provide_toaster;
use crate::i18n::provide_i18n;
use crate::routes::AppRouter;
use crate::session::provide_session;

#[component]
pub fn App() -> impl IntoView {
    let i18n = provide_i18n();
    let toaster = provide_toaster();
    provide_session(i18n, toaster);
    view! { <AppRouter /> }
}
