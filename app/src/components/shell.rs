//! The signed-in frame around every page but the login page: top bar,
//! navigation for the role's layout, and the page itself.

use houqin_shared::accounts::Role;
use leptos::prelude::*;
use leptos_router::NavigateOptions;
use leptos_router::components::{Outlet, Redirect};

use crate::components::nav::{SideNav, TabBar, TopBar};
use crate::components::toast::Toasts;
use crate::i18n::{Key, tx};
use crate::routes::Route;
use crate::session::{Layout, use_session};
use crate::sync::provide_sync_monitor;

/// Every page's `<main>` has this id, for the skip link.
pub const MAIN_ID: &str = "main";

#[component]
pub fn Shell() -> impl IntoView {
    let session = use_session();
    let signed_in = Memo::new(move |_| session.user.with(Option::is_some));
    move || {
        if signed_in.get() {
            view! { <SignedIn /> }.into_any()
        } else if session.restoring.get() {
            view! { <Loading /> }.into_any()
        } else {
            let options = NavigateOptions {
                replace: true,
                ..Default::default()
            };
            view! { <Redirect path=Route::Login.path() options /> }.into_any()
        }
    }
}

#[component]
pub fn Loading() -> impl IntoView {
    view! {
        <div class="loading" role="status" data-testid="loading">
            {tx(Key::Loading)}
        </div>
    }
}

#[component]
fn SignedIn() -> impl IntoView {
    let session = use_session();
    let sync = provide_sync_monitor(session);
    // The navigation shows the unread count on every page, fresh after each
    // sync; the home page says when it could not be loaded.
    let unread_failed = RwSignal::new(false);
    Effect::new(move |_| {
        sync.revision.track();
        crate::pages::home::load_unread(session, unread_failed);
    });
    let class = move || {
        let role = session.role.get().unwrap_or(Role::Student);
        format!(
            "shell {} role-{}",
            Layout::for_role(role).class(),
            role.as_str()
        )
    };
    view! {
        <div class=class>
            <SkipLink />
            <TopBar />
            <SideNav />
            <Toasts />
            <div class="shell-body">
                <Outlet />
            </div>
            <TabBar />
        </div>
    }
}

/// Moves keyboard focus past the navigation. A button, not a `#main` link, so
/// the router does not treat it as navigation.
#[component]
pub fn SkipLink() -> impl IntoView {
    let skip = |_| {
        let main = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.get_element_by_id(MAIN_ID));
        if let Some(main) =
            main.and_then(|m| wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(m).ok())
        {
            let _ = main.focus();
        }
    };
    view! {
        <button type="button" class="skip-link" on:click=skip>
            {tx(Key::SkipToContent)}
        </button>
    }
}
