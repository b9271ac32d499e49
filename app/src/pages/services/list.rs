//! The "Services" tab: every service of the current role, as a list.

use houqin_shared::accounts::Role;
use leptos::prelude::*;

use crate::components::badge::Badge;
use crate::components::list_row::ListRow;
use crate::components::nav::{is_open, services_for};
use crate::components::shell::MAIN_ID;
use crate::i18n::{Key, service_about_key, service_key, tx};
use crate::routes::Route;
use crate::session::use_session;

#[component]
pub fn ServicesPage() -> impl IntoView {
    let session = use_session();
    let services = move || services_for(session.role.get().unwrap_or(Role::Student));
    view! {
        <main id=MAIN_ID class="page" tabindex="-1" data-testid="services">
            <h1 class="page-title">{tx(Key::ServicesTitle)}</h1>
            <p class="muted">{tx(Key::ServicesIntro)}</p>
            <ul class="list card">
                <For
                    each=services
                    key=|service| service.slug()
                    children=|service| {
                        view! {
                            <ListRow>
                                <a
                                    class="list-row-link"
                                    href=Route::Service(service).path()
                                    data-testid=format!("services-item-{}", service.slug())
                                >
                                    <span class="list-row-main">
                                        <span class="list-row-title">{tx(service_key(service))}</span>
                                        <span class="list-row-sub">
                                            {tx(service_about_key(service))}
                                        </span>
                                    </span>
                                    {(!is_open(service)).then(|| view! { <Badge>{tx(Key::NotYetOpen)}</Badge> })}
                                </a>
                            </ListRow>
                        }
                    }
                />
            </ul>
        </main>
    }
}
