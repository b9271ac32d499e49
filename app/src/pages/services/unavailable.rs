//! A service's page: the service itself where it is open (the campus card),
//! otherwise a plain "not open yet" that shows nothing made up.

use leptos::prelude::*;

use houqin_shared::services::Service;

use crate::components::shell::MAIN_ID;
use crate::i18n::{Key, service_about_key, service_key, tx};
use crate::pages::services::deliveries::DeliveriesPage;
use crate::pages::services::dining::DiningPage;
use crate::pages::services::payments::WalletPage;
use crate::pages::services::repairs::RepairsPage;
use crate::routes::{Route, service_param};
use crate::session::use_session;

#[component]
pub fn ServicePage() -> impl IntoView {
    let service = service_param();
    let session = use_session();
    let courier = move || {
        session.user.with(|u| {
            u.as_ref()
                .is_some_and(|me| me.roles.contains(&houqin_shared::accounts::Role::Courier))
        })
    };
    move || {
        match service.get() {
        Some(Service::Parcels) if courier() => view! { <DeliveriesPage /> }.into_any(),
        Some(Service::Payments) => view! { <WalletPage /> }.into_any(),
        Some(Service::Dining) => view! { <DiningPage /> }.into_any(),
        Some(Service::Repairs) => view! { <RepairsPage /> }.into_any(),
        Some(service) => view! {
            <main id=MAIN_ID class="page" tabindex="-1" data-service=service.slug()>
                <h1 class="page-title" data-testid="service-title">
                    {tx(service_key(service))}
                </h1>
                <p class="muted">{tx(service_about_key(service))}</p>
                <section class="card empty-state" data-testid="service-unavailable" aria-labelledby="unavailable-title">
                    <h2 id="unavailable-title" class="empty-title">
                        {tx(Key::ServiceUnavailableTitle)}
                    </h2>
                    <p>{tx(Key::ServiceUnavailableBody)}</p>
                    <a class="btn btn-secondary" href=Route::Home.path()>
                        {tx(Key::BackHome)}
                    </a>
                </section>
            </main>
        }
        .into_any(),
        None => view! {
            <main id=MAIN_ID class="page" tabindex="-1" data-testid="not-found">
                <h1 class="page-title">{tx(Key::NotFoundTitle)}</h1>
                <p>{tx(Key::UnknownService)}</p>
                <a class="btn btn-secondary" href=Route::Home.path()>
                    {tx(Key::BackHome)}
                </a>
            </main>
        }
        .into_any(),
    }
    }
}
