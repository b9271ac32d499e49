//! Every place in the app, and the router that shows it. Links are built with
//! [`Route::path`]; no other module spells a path.

use houqin_shared::services::Service;
use leptos::prelude::*;
use leptos_router::components::{ParentRoute, Redirect, Route as RouteDef, Router, Routes};
use leptos_router::{ParamSegment, StaticSegment};

use crate::components::shell::Shell;
use crate::pages;

const LOGIN: &str = "login";
const SERVICES: &str = "services";
const SERVICE: &str = "s";
const SERVICE_PARAM: &str = "service";
const NOTIFICATIONS: &str = "notifications";
const ME: &str = "me";
const SYNC: &str = "sync";
/// A repair asset's tag page (its QR code's link); no sign-in.
const REPORT: &str = "report";
const CODE_PARAM: &str = "code";
/// Some hosts open the app at its file name rather than at `/`.
const INDEX_FILE: &str = "index.html";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    Login,
    /// The home of the user's current role.
    Home,
    /// The role's services, as one list.
    Services,
    Service(Service),
    Notifications,
    /// The account: language, password, sign-out, privacy note.
    Me,
    /// What waits to sync, what the server refused, and "sync now".
    Sync,
}

impl Route {
    pub fn path(self) -> String {
        match self {
            Route::Login => format!("/{LOGIN}"),
            Route::Home => "/".to_owned(),
            Route::Services => format!("/{SERVICES}"),
            Route::Service(service) => format!("/{SERVICE}/{}", service.slug()),
            Route::Notifications => format!("/{NOTIFICATIONS}"),
            Route::Me => format!("/{ME}"),
            Route::Sync => format!("/{SYNC}"),
        }
    }

    /// A route for an in-app link, e.g. a notification's. Links name either a
    /// route of this app or a service's area (`/repairs/…`), which opens that
    /// service.
    pub fn from_link(link: &str) -> Option<Route> {
        let path = link.split(['?', '#']).next().unwrap_or_default();
        let mut segments = path
            .trim_start_matches('/')
            .split('/')
            .filter(|s| !s.is_empty());
        let first = segments.next();
        let second = segments.next();
        match (first, second) {
            (None, _) => Some(Route::Home),
            (Some(LOGIN), None) => Some(Route::Login),
            (Some(SERVICES), None) => Some(Route::Services),
            (Some(NOTIFICATIONS), None) => Some(Route::Notifications),
            (Some(ME), None) => Some(Route::Me),
            (Some(SYNC), None) => Some(Route::Sync),
            (Some(SERVICE), Some(slug)) => Service::from_slug(slug).map(Route::Service),
            (Some(slug), _) => Service::from_slug(slug).map(Route::Service),
        }
    }
}

/// The service named in the current `/s/:service` URL, if it is one.
pub fn service_param() -> Memo<Option<Service>> {
    let params = leptos_router::hooks::use_params_map();
    Memo::new(move |_| {
        params
            .with(|p| p.get(SERVICE_PARAM))
            .as_deref()
            .and_then(Service::from_slug)
    })
}

/// The router: the login page on its own, everything else inside the
/// signed-in shell.
#[component]
pub fn AppRouter() -> impl IntoView {
    view! {
        <Router>
            <Routes fallback=|| view! { <pages::not_found::NotFoundPage /> }>
                <RouteDef path=StaticSegment(LOGIN) view=pages::accounts::login::LoginPage />
                <RouteDef
                    path=(StaticSegment(REPORT), ParamSegment(CODE_PARAM))
                    view=pages::report_tag::ReportTagPage
                />
                <RouteDef path=StaticSegment(INDEX_FILE) view=|| view! { <Redirect path=Route::Home.path() /> } />
                <ParentRoute path=StaticSegment("") view=Shell>
                    <RouteDef path=StaticSegment("") view=pages::home::RoleHome />
                    <RouteDef path=StaticSegment(SERVICES) view=pages::services::list::ServicesPage />
                    <RouteDef
                        path=(StaticSegment(SERVICE), ParamSegment(SERVICE_PARAM))
                        view=pages::services::unavailable::ServicePage
                    />
                    <RouteDef
                        path=StaticSegment(NOTIFICATIONS)
                        view=pages::notifications::NotificationsPage
                    />
                    <RouteDef path=StaticSegment(ME) view=pages::accounts::me::MePage />
                    <RouteDef path=StaticSegment(SYNC) view=pages::sync::SyncPage />
                </ParentRoute>
            </Routes>
        </Router>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_parse_back() {
        let mut routes = vec![
            Route::Login,
            Route::Home,
            Route::Services,
            Route::Notifications,
            Route::Me,
            Route::Sync,
        ];
        routes.extend(Service::ALL.map(Route::Service));
        for route in routes {
            assert_eq!(Route::from_link(&route.path()), Some(route), "{route:?}");
        }
    }

    #[test]
    fn service_links_open_the_service() {
        assert_eq!(
            Route::from_link("/repairs/0190-abc"),
            Some(Route::Service(Service::Repairs))
        );
        assert_eq!(
            Route::from_link("/s/parcels?x=1"),
            Some(Route::Service(Service::Parcels))
        );
        assert_eq!(Route::from_link("/nowhere"), None);
        assert_eq!(Route::from_link("/s/nowhere"), None);
    }
}
