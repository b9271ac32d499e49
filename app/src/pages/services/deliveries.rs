//! Takeout deliveries for couriers (the parcels service's first part):
//! deliveries waiting for someone, claimed by tapping (the first courier
//! gets it), and one's own until marked delivered.

use std::time::Duration;

use houqin_shared::Money;
use houqin_shared::dining::{Delivery, DeliveryStatus};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api;
use crate::components::button::{Button, ButtonKind};
use crate::components::card::Card;
use crate::components::shell::MAIN_ID;
use crate::components::toast::ToastKind;
use crate::i18n::{Key, error_key, tx};
use crate::session::use_session;

const POLL_EVERY: Duration = Duration::from_secs(10);

fn clock(at: chrono::DateTime<chrono::Utc>) -> String {
    (at + chrono::Duration::hours(8))
        .format("%H:%M")
        .to_string()
}

#[component]
pub fn DeliveriesPage() -> impl IntoView {
    let session = use_session();
    let list = RwSignal::new(Vec::<Delivery>::new());
    let load = move || {
        spawn_local(async move {
            match api::deliveries().await {
                Ok(l) => {
                    list.try_set(l);
                }
                Err(e) if session.check(&e) => {}
                Err(e) => session.toaster.show(error_key(&e), ToastKind::Error),
            }
        });
    };
    load();
    let timer = set_interval_with_handle(load, POLL_EVERY).ok();
    on_cleanup(move || {
        if let Some(t) = timer {
            t.clear();
        }
    });
    let act = move |d: Delivery| {
        spawn_local(async move {
            let result = if d.status == DeliveryStatus::Open {
                api::claim_delivery(d.id).await
            } else {
                api::deliver(d.id).await
            };
            match result {
                Ok(_) => {}
                Err(e) if session.check(&e) => {}
                Err(e) => session.toaster.show(error_key(&e), ToastKind::Error),
            }
            load();
        });
    };
    view! {
        <main id=MAIN_ID class="page" tabindex="-1" data-testid="deliveries">
            <h1 class="page-title">{tx(Key::DeliveriesTitle)}</h1>
            <Card testid="deliveries-list" labelled_by="deliveries-title">
                <h2 id="deliveries-title" class="card-title">{tx(Key::DeliveriesTakeout)}</h2>
                {move || list.with(Vec::is_empty).then(|| view! { <p class="muted">{tx(Key::DeliveriesNone)}</p> })}
                <ul class="list">
                    {move || list.get().into_iter().map(|d| {
                        let mine = d.status == DeliveryStatus::Claimed;
                        let item = d.clone();
                        view! {
                            <li class="list-row" data-testid="delivery" data-status=d.status.slug()>
                                <div class="list-row-main">
                                    <span class="list-row-title">{d.number.clone()} " · " {tx(Key::DeliveriesRoom)} " " {d.room.clone()}</span>
                                    <span class="list-row-sub num">{tx(Key::DiningPickupAt)} " " {clock(d.slot)} " · " {Money(d.fee).to_string()}</span>
                                </div>
                                <Button kind=if mine { ButtonKind::Primary } else { ButtonKind::Secondary } testid="delivery-act" on:click=move |_| act(item.clone())>
                                    {if mine { tx(Key::DeliveriesDelivered) } else { tx(Key::DeliveriesClaim) }}
                                </Button>
                            </li>
                        }
                    }).collect_view()}
                </ul>
            </Card>
        </main>
    }
}
