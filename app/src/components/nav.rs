//! Navigation: the top bar, the side list (desktop and tablet) and the bottom
//! tab bar (phones, kiosks). CSS shows the ones that fit the layout and width.

use houqin_shared::accounts::Role;
use houqin_shared::services::Service;
use leptos::prelude::*;
use leptos_router::hooks::use_location;

use crate::components::button::{Button, ButtonKind};
use crate::components::icon::{ICON_BELL, ICON_GRID, ICON_HOME, ICON_PERSON, Icon};
use crate::components::lang_toggle::LangToggle;
use crate::components::sync_indicator::SyncIndicator;
use crate::i18n::{Key, fill, role_key, service_key, tx, use_i18n};
use crate::routes::Route;
use crate::session::use_session;

/// Services whose own pages exist; the others say plainly that they are not
/// open yet. Add a service here when its pages land.
const OPEN_SERVICES: &[Service] = &[Service::Dining, Service::Payments, Service::Repairs];

pub fn is_open(service: Service) -> bool {
    OPEN_SERVICES.contains(&service)
}

/// The services a role's navigation offers, in the action plan's order.
pub fn services_for(role: Role) -> Vec<Service> {
    Service::ALL
        .into_iter()
        .filter(|s| s.used_by(role))
        .collect()
}

/// `aria-current="page"` for the link to where the user is.
pub fn current(route: Route) -> impl Fn() -> Option<&'static str> + Copy + Send + Sync + 'static {
    let pathname = use_location().pathname;
    move || {
        let here = pathname.get();
        let path = route.path();
        let on = match route {
            Route::Home => here == path,
            _ => here == path || here.starts_with(&format!("{path}/")),
        };
        on.then_some("page")
    }
}

#[component]
pub fn TopBar() -> impl IntoView {
    let session = use_session();
    let role_name = move || {
        session
            .role
            .get()
            .map(role_key)
            .map(|k| k.text(session.i18n.lang.get()))
    };
    view! {
        <header class="top-bar">
            <a class="brand" href=Route::Home.path()>
                <span class="brand-mark" aria-hidden="true">
                    "勤"
                </span>
                <span class="brand-name">{tx(Key::AppName)}</span>
            </a>
            <span class="top-bar-role" data-testid="current-role">
                {role_name}
            </span>
            <div class="top-bar-actions">
                <SyncIndicator />
                <LangToggle />
                <Button kind=ButtonKind::Quiet testid="logout" on:click=move |_| session.logout()>
                    {tx(Key::Logout)}
                </Button>
            </div>
        </header>
    }
}

/// The unread count as a small badge, when there is any.
fn unread_badge() -> impl IntoView {
    let session = use_session();
    move || {
        session.unread.get().filter(|n| *n > 0).map(|n| {
            let shown = if n > 99 {
                "99+".to_owned()
            } else {
                n.to_string()
            };
            view! {
                <span class="badge badge-attention nav-count" aria-hidden="true">
                    {shown}
                </span>
            }
        })
    }
}

/// The label of the notifications link, with the unread count for screen readers.
fn notifications_label() -> impl Fn() -> String + Copy + Send + Sync + 'static {
    let session = use_session();
    let lang = use_i18n().lang;
    move || {
        let lang = lang.get();
        let base = Key::NavNotifications.text(lang);
        match session.unread.get() {
            Some(n) if n > 0 => format!("{base}（{}）", fill(Key::UnreadMany.text(lang), n)),
            _ => base.to_owned(),
        }
    }
}

#[component]
pub fn SideNav() -> impl IntoView {
    let session = use_session();
    let services = Memo::new(move |_| session.role.get().map(services_for).unwrap_or_default());
    view! {
        <nav class="side-nav" aria-label=tx(Key::NavMain)>
            <ul class="side-nav-list">
                <li>
                    <a
                        class="side-nav-link"
                        href=Route::Home.path()
                        aria-current=current(Route::Home)
                        data-testid="sidenav-home"
                    >
                        {tx(Key::NavHome)}
                    </a>
                </li>
                <For
                    each=move || services.get()
                    key=|service| service.slug()
                    children=|service| {
                        let route = Route::Service(service);
                        view! {
                            <li>
                                <a
                                    class="side-nav-link"
                                    href=route.path()
                                    aria-current=current(route)
                                    data-testid=format!("sidenav-service-{}", service.slug())
                                >
                                    {tx(service_key(service))}
                                </a>
                            </li>
                        }
                    }
                />
                <li class="side-nav-gap">
                    <a
                        class="side-nav-link"
                        href=Route::Notifications.path()
                        aria-current=current(Route::Notifications)
                        aria-label=notifications_label()
                        data-testid="sidenav-notifications"
                    >
                        {tx(Key::NavNotifications)}
                        {unread_badge()}
                    </a>
                </li>
                <li>
                    <a
                        class="side-nav-link"
                        href=Route::Me.path()
                        aria-current=current(Route::Me)
                        data-testid="sidenav-me"
                    >
                        {tx(Key::NavMe)}
                    </a>
                </li>
            </ul>
        </nav>
    }
}

#[component]
pub fn TabBar() -> impl IntoView {
    view! {
        <nav class="tab-bar" aria-label=tx(Key::NavMain)>
            <a
                class="tab"
                href=Route::Home.path()
                aria-current=current(Route::Home)
                data-testid="tab-home"
            >
                <Icon path=ICON_HOME />
                <span class="tab-label">{tx(Key::NavHome)}</span>
            </a>
            <a
                class="tab"
                href=Route::Services.path()
                aria-current=current(Route::Services)
                data-testid="tab-services"
            >
                <Icon path=ICON_GRID />
                <span class="tab-label">{tx(Key::NavServices)}</span>
            </a>
            <a
                class="tab"
                href=Route::Notifications.path()
                aria-current=current(Route::Notifications)
                aria-label=notifications_label()
                data-testid="tab-notifications"
            >
                <span class="tab-icon-wrap">
                    <Icon path=ICON_BELL />
                    {unread_badge()}
                </span>
                <span class="tab-label">{tx(Key::NavNotifications)}</span>
            </a>
            <a class="tab" href=Route::Me.path() aria-current=current(Route::Me) data-testid="tab-me">
                <Icon path=ICON_PERSON />
                <span class="tab-label">{tx(Key::NavMe)}</span>
            </a>
        </nav>
    }
}
