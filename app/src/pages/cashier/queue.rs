//! The window's one queue on the kiosk: orders placed ahead in the app and
//! walk-in sales, in pickup-slot order, each with the next step (start
//! cooking, ready — the customer is told —, picked up). A scanner typing a
//! customer's pickup code (and Enter) hands the order over.

use std::time::Duration;

use houqin_shared::dining::{Order, OrderSource, OrderStatus, parse_pickup_code};
use houqin_shared::ids::{CanteenId, WindowId};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api;
use crate::components::button::{Button, ButtonKind};
use crate::components::card::Card;
use crate::components::form_field::TextField;
use crate::components::toast::ToastKind;
use crate::i18n::{Key, error_key, local_name, tx, use_i18n};
use crate::pages::services::dining::status_key;
use crate::session::use_session;

const POLL_EVERY: Duration = Duration::from_secs(5);

/// The words on the button that takes an order one step on.
fn step_key(status: OrderStatus) -> Option<Key> {
    match status.next()? {
        OrderStatus::Cooking => Some(Key::QueueStartCooking),
        OrderStatus::Ready => Some(Key::QueueMarkReady),
        OrderStatus::PickedUp => Some(Key::QueueMarkPickedUp),
        _ => None,
    }
}

fn clock(at: chrono::DateTime<chrono::Utc>) -> String {
    (at + chrono::Duration::hours(8))
        .format("%H:%M")
        .to_string()
}

#[component]
pub fn QueueCard(
    #[prop(into)] canteen: Signal<Option<CanteenId>>,
    #[prop(into)] window: Signal<Option<WindowId>>,
) -> impl IntoView {
    let session = use_session();
    let lang = use_i18n().lang;
    let orders = RwSignal::new(Vec::<Order>::new());
    let scanned = RwSignal::new(String::new());
    let scan_error = RwSignal::new(None::<Key>);
    let load = move || {
        let (Some(c), w) = (canteen.get_untracked(), window.get_untracked()) else {
            return;
        };
        spawn_local(async move {
            if let Ok(list) = api::queue(c, w).await {
                orders.try_set(list.into_iter().filter(|o| o.status.open()).collect());
            }
        });
    };
    let live = crate::live::use_live();
    Effect::new(move |_| {
        canteen.track();
        window.track();
        live.track();
        load();
    });
    let timer = set_interval_with_handle(load, POLL_EVERY).ok();
    on_cleanup(move || {
        if let Some(t) = timer {
            t.clear();
        }
    });
    let advance = move |order: Order| {
        let Some(to) = order.status.next() else {
            return;
        };
        spawn_local(async move {
            match api::advance_order(order.id, to).await {
                Ok(_) => {}
                Err(e) if session.check(&e) => {}
                Err(e) => session.toaster.show(error_key(&e), ToastKind::Error),
            }
            load();
        });
    };
    let scan = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let text = scanned.get_untracked();
        let found = parse_pickup_code(&text).and_then(|id| {
            orders.with_untracked(|list| {
                list.iter()
                    .find(|o| o.id == id && o.status == OrderStatus::Ready)
                    .cloned()
            })
        });
        match found {
            Some(order) => {
                scan_error.set(None);
                scanned.set(String::new());
                advance(order);
            }
            None => scan_error.set(Some(Key::QueueCodeUnknown)),
        }
    };
    view! {
        <Card testid="kiosk-queue" labelled_by="kiosk-queue-title">
            <h2 id="kiosk-queue-title" class="card-title">{tx(Key::QueueTitle)}</h2>
            <form on:submit=scan novalidate>
                <TextField
                    id="queue-scan"
                    label=Key::QueueScan
                    hint=Key::QueueScanHint
                    value=scanned
                    autocomplete="off"
                    testid="queue-scan"
                    error=scan_error
                />
            </form>
            {move || orders.with(Vec::is_empty).then(|| view! { <p class="muted">{tx(Key::QueueEmpty)}</p> })}
            <ul class="list" aria-live="polite">
                {move || orders.get().into_iter().map(|o| {
                    let status = o.status;
                    let next = step_key(status);
                    let lines = o.lines.clone();
                    let order = o.clone();
                    view! {
                        <li class="list-row" data-testid="queue-order" data-status=status.slug() data-order=o.id.to_string()>
                            <div class="list-row-main">
                                <span class="list-row-title">
                                    {o.number.clone()} " · " {tx(status_key(status))}
                                    {(o.source == OrderSource::WalkIn).then(|| view! { " · " {tx(Key::QueueWalkIn)} })}
                                </span>
                                <span class="list-row-sub">
                                    {lines.iter().map(|l| {
                                        let name = l.name.clone();
                                        let q = l.quantity;
                                        view! { <span>{move || local_name(&name, lang.get())} " × " {q} " "</span> }
                                    }).collect_view()}
                                </span>
                                <span class="list-row-sub num">{clock(o.slot)}</span>
                            </div>
                            {next.map(|k| view! {
                                <Button kind=ButtonKind::Secondary testid="queue-advance" on:click=move |_| advance(order.clone())>
                                    {tx(k)}
                                </Button>
                            })}
                        </li>
                    }
                }).collect_view()}
            </ul>
        </Card>
    }
}
