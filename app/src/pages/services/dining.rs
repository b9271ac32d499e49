//! Dining (餐饮) for students and staff: a canteen's whole menu for today
//! or tomorrow by meal period — price, allergens, tags, nutrition, portions
//! left (sold out shown, not orderable) — a basket at one window, a pickup
//! slot from those with room, ordering (held on the campus card, paid at
//! pickup), and one's orders with their number, status, ready time, pickup
//! QR code and cancel until cooking starts. In the app with no network the
//! last synced menu is shown and an order queues, pending, until it syncs.

use chrono::{DateTime, NaiveDate, Timelike, Utc};
use houqin_shared::Money;
use houqin_shared::calendar::MealPeriod;
use houqin_shared::dining::{
    Allergen, DishTag, LineRequest, MenuDish, MenuView, Order, OrderStatus, PlaceOrder, SlotOffer,
    period_slots,
};
use houqin_shared::directory::Canteen;
use houqin_shared::ids::{CanteenId, OrderId};
use houqin_shared::kiosk::campus_day;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api;
use crate::components::button::{Button, ButtonKind};
use crate::components::card::Card;
use crate::components::photo::Photo;
use crate::components::shell::MAIN_ID;
use crate::components::toast::ToastKind;
use crate::i18n::{Key, error_key, fill, local_name, tx, use_i18n};
use crate::session::use_session;
use crate::sync::use_sync;

fn now() -> DateTime<Utc> {
    DateTime::<Utc>::from_timestamp_millis(js_sys::Date::now() as i64).unwrap_or_default()
}

pub(super) const PERIODS: [MealPeriod; 4] = [
    MealPeriod::Breakfast,
    MealPeriod::Lunch,
    MealPeriod::Dinner,
    MealPeriod::LateNight,
];

/// The meal being served now or next, in campus time (UTC+8).
pub(crate) fn current_period(at: DateTime<Utc>) -> (NaiveDate, MealPeriod) {
    let day = campus_day(at);
    let local = at + chrono::Duration::hours(8);
    let minutes = local.hour() * 60 + local.minute();
    let period = match minutes {
        m if m < 9 * 60 + 30 => MealPeriod::Breakfast,
        m if m < 13 * 60 + 30 => MealPeriod::Lunch,
        m if m < 19 * 60 + 30 => MealPeriod::Dinner,
        m if m < 23 * 60 => MealPeriod::LateNight,
        _ => return (day.succ_opt().unwrap_or(day), MealPeriod::Breakfast),
    };
    (day, period)
}

pub(super) fn period_key(p: MealPeriod) -> Key {
    match p {
        MealPeriod::Breakfast => Key::PeriodBreakfast,
        MealPeriod::Lunch => Key::PeriodLunch,
        MealPeriod::Dinner => Key::PeriodDinner,
        MealPeriod::LateNight => Key::PeriodLateNight,
    }
}

pub(super) fn allergen_key(a: Allergen) -> Key {
    match a {
        Allergen::Gluten => Key::AllergenGluten,
        Allergen::Crustacean => Key::AllergenCrustacean,
        Allergen::Fish => Key::AllergenFish,
        Allergen::Egg => Key::AllergenEgg,
        Allergen::Peanut => Key::AllergenPeanut,
        Allergen::Soy => Key::AllergenSoy,
        Allergen::Milk => Key::AllergenMilk,
        Allergen::TreeNut => Key::AllergenTreeNut,
        Allergen::Sesame => Key::AllergenSesame,
    }
}

pub(super) fn tag_key(t: DishTag) -> Key {
    match t {
        DishTag::Spicy => Key::TagSpicy,
        DishTag::Halal => Key::TagHalal,
        DishTag::Vegetarian => Key::TagVegetarian,
        DishTag::Vegan => Key::TagVegan,
        DishTag::LowSalt => Key::TagLowSalt,
        DishTag::LowFat => Key::TagLowFat,
        DishTag::Staple => Key::TagStaple,
        DishTag::Soup => Key::TagSoup,
        DishTag::Drink => Key::TagDrink,
    }
}

pub(crate) fn status_key(s: OrderStatus) -> Key {
    match s {
        OrderStatus::Placed => Key::OrderPlaced,
        OrderStatus::Cooking => Key::OrderCooking,
        OrderStatus::Ready => Key::OrderReady,
        OrderStatus::PickedUp => Key::OrderPickedUp,
        OrderStatus::Cancelled => Key::OrderCancelled,
    }
}

/// `08:10` in campus time.
fn clock(at: DateTime<Utc>) -> String {
    (at + chrono::Duration::hours(8))
        .format("%H:%M")
        .to_string()
}

#[derive(Debug, Clone, PartialEq)]
enum Load {
    Loading,
    Ready(MenuView, bool),
    Failed(Key),
}

#[component]
pub fn DiningPage() -> impl IntoView {
    let session = use_session();
    let sync = use_sync();
    let live = crate::live::use_live();
    let lang = use_i18n().lang;
    let canteens = RwSignal::new(Vec::<Canteen>::new());
    let canteen = RwSignal::new(None::<CanteenId>);
    let (day0, period0) = current_period(now());
    let day = RwSignal::new(day0);
    let period = RwSignal::new(period0);
    let menu = RwSignal::new(Load::Loading);
    let tag = RwSignal::new(None::<DishTag>);
    let basket = RwSignal::new(Vec::<(MenuDish, u32)>::new());
    let orders = RwSignal::new(Vec::<Order>::new());
    let orders_revision = RwSignal::new(0u32);
    let manager = move || session.is_manager();

    spawn_local(async move {
        match api::canteens().await {
            Ok(list) => {
                canteen.try_set(list.first().map(|c| c.id));
                canteens.try_set(list);
            }
            Err(e) if session.check(&e) => {}
            Err(e) => {
                menu.try_set(Load::Failed(error_key(&e)));
            }
        }
    });
    Effect::new(move |_| {
        sync.revision.track();
        live.track();
        let (Some(c), d) = (canteen.get(), day.get()) else {
            return;
        };
        spawn_local(async move {
            match api::menu(c, d).await {
                Ok((m, saved)) => {
                    menu.try_set(Load::Ready(m, saved));
                }
                Err(e) if session.check(&e) => {}
                Err(e) => {
                    menu.try_set(Load::Failed(error_key(&e)));
                }
            }
        });
    });
    Effect::new(move |_| {
        sync.revision.track();
        live.track();
        orders_revision.track();
        spawn_local(async move {
            if let Ok(list) = api::my_orders().await {
                orders.try_set(list);
            }
        });
    });
    // A change of day, period or canteen starts a new basket.
    Effect::new(move |_| {
        day.track();
        period.track();
        canteen.track();
        basket.set(Vec::new());
    });

    let add = move |dish: MenuDish| {
        basket.update(|b| {
            if b.first()
                .is_some_and(|(d, _)| d.window_id != dish.window_id)
            {
                session
                    .toaster
                    .show(Key::DiningOneWindow, ToastKind::Success);
                b.clear();
            }
            match b.iter_mut().find(|(d, _)| d.id == dish.id) {
                Some((_, q)) if *q < houqin_shared::dining::MAX_QUANTITY => *q += 1,
                Some(_) => {}
                None => b.push((dish, 1)),
            }
        });
    };

    view! {
        <main id=MAIN_ID class="page dining" tabindex="-1" data-testid="dining">
            <h1 class="page-title">{tx(Key::ServiceDining)}</h1>
            {move || manager().then(|| view! {
                <super::dining_dashboard::DashboardCard />
                <super::canteen_office::DishEditorCard canteen=canteen />
                <super::canteen_office::CalendarCard canteen=canteen />
            })}
            <Card testid="dining-menu" labelled_by="dining-menu-title">
                <h2 id="dining-menu-title" class="card-title">{tx(Key::DiningMenu)}</h2>
                <div class="office-controls">
                    <label class="field-inline" for="dining-canteen">
                        <span class="field-label">{tx(Key::DiningCanteen)}</span>
                        <select
                            id="dining-canteen"
                            class="field-input"
                            data-testid="dining-canteen"
                            on:change=move |ev| canteen.set(event_target_value(&ev).parse().ok().map(CanteenId))
                        >
                            {move || canteens.get().into_iter().map(|c| {
                                let id = c.id;
                                view! {
                                    <option value=id.to_string() selected=move || canteen.get() == Some(id)>
                                        {move || local_name(&c.name, lang.get())}
                                    </option>
                                }
                            }).collect_view()}
                        </select>
                    </label>
                    <label class="field-inline" for="dining-day">
                        <span class="field-label">{tx(Key::DiningDay)}</span>
                        <select
                            id="dining-day"
                            class="field-input"
                            data-testid="dining-day"
                            on:change=move |ev| {
                                let today = campus_day(now());
                                day.set(if event_target_value(&ev) == "tomorrow" { today.succ_opt().unwrap_or(today) } else { today });
                            }
                        >
                            <option value="today" selected=move || day.get() == campus_day(now())>{tx(Key::DiningToday)}</option>
                            <option value="tomorrow" selected=move || day.get() != campus_day(now())>{tx(Key::DiningTomorrow)}</option>
                        </select>
                    </label>
                    <fieldset class="choices" data-testid="dining-periods">
                        <legend class="field-label">{tx(Key::DiningPeriod)}</legend>
                        {PERIODS.map(|p| view! {
                            <label class="choice">
                                <input type="radio" name="dining-period" data-testid=format!("dining-period-{}", houqin_shared::dining::period_slug(p))
                                    prop:checked=move || period.get() == p on:change=move |_| period.set(p) />
                                <span>{tx(period_key(p))}</span>
                            </label>
                        }).collect_view()}
                    </fieldset>
                    <fieldset class="choices">
                        <legend class="field-label">{tx(Key::DiningFilter)}</legend>
                        <label class="choice">
                            <input type="radio" name="dining-tag" prop:checked=move || tag.get().is_none() on:change=move |_| tag.set(None) />
                            <span>{tx(Key::FilterAll)}</span>
                        </label>
                        {[DishTag::Vegetarian, DishTag::Halal, DishTag::LowSalt, DishTag::Spicy].map(|t| view! {
                            <label class="choice">
                                <input type="radio" name="dining-tag" prop:checked=move || tag.get() == Some(t) on:change=move |_| tag.set(Some(t)) />
                                <span>{tx(tag_key(t))}</span>
                            </label>
                        }).collect_view()}
                    </fieldset>
                </div>
                {move || match menu.get() {
                    Load::Loading => view! { <p class="muted">{tx(Key::Loading)}</p> }.into_any(),
                    Load::Failed(k) => view! { <p class="alert alert-error" data-testid="dining-error">{tx(k)}</p> }.into_any(),
                    Load::Ready(m, saved) => {
                        let (d, p) = (day.get(), period.get());
                        let wanted = tag.get();
                        let dishes: Vec<MenuDish> = m
                            .dishes
                            .iter()
                            .filter(|x| x.periods.contains(&p))
                            .filter(|x| wanted.is_none_or(|t| x.tags.contains(&t)))
                            .cloned()
                            .collect();
                        let left = move |dish: &MenuDish| {
                            m.portions
                                .iter()
                                .find(|x| x.dish_id == dish.id && x.day == d && x.period == p)
                                .map(|x| x.left)
                        };
                        let rows: Vec<(MenuDish, Option<u32>)> =
                            dishes.into_iter().map(|x| { let l = left(&x); (x, l) }).collect();
                        // A synced copy does not say; the server decides then.
                        let closed = !m.open_periods.is_empty() && !m.open_periods.contains(&p);
                        let rows = if closed { Vec::new() } else { rows };
                        view! {
                            {closed.then(|| view! { <p class="alert" data-testid="dining-closed">{tx(Key::DiningClosed)}</p> })}
                            {saved.then(|| view! { <p class="alert" data-testid="dining-saved">{tx(Key::DiningSavedMenu)}</p> })}
                            {rows.is_empty().then(|| view! { <p class="muted">{tx(Key::DiningNoDishes)}</p> })}
                            <ul class="list dish-list" aria-live="polite">
                                {rows.into_iter().map(|(dish, left)| view! { <DishRow dish=dish left=left on_add=add /> }).collect_view()}
                            </ul>
                        }
                            .into_any()
                    }
                }}
            </Card>
            <BasketCard basket=basket day=day period=period on_placed=move || orders_revision.update(|n| *n += 1) />
            <OrdersCard orders=orders on_change=move || orders_revision.update(|n| *n += 1) />
            <super::feedback::RatingsCard canteen=canteen />
            <super::feedback::ComplaintsCard canteen=canteen />
            <super::feedback::InspectionsCard canteen=canteen />
            <super::diet::DietCard />
        </main>
    }
}

#[component]
fn DishRow(
    dish: MenuDish,
    left: Option<u32>,
    on_add: impl Fn(MenuDish) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let lang = use_i18n().lang;
    let sold_out = left == Some(0);
    let name = dish.name.clone();
    let kcal = dish.nutrition.energy_kcal;
    let protein = dish.nutrition.protein_mg / 1000;
    let allergens = dish.allergens.clone();
    let tags = dish.tags.clone();
    let d = dish.clone();
    view! {
        <li class="list-row dish" data-testid="dining-dish" data-dish=dish.id.to_string()
            data-sold-out=sold_out.to_string() data-left=left.map(|n| n.to_string())>
            <div class="dish-head">
            {dish.photo.clone().map(|hash| {
                let name = dish.name.clone();
                view! {
                    <Photo hash=hash alt=Signal::derive(move || fill(Key::DishPhotoAlt.text(lang.get()), local_name(&name, lang.get()))) />
                }
            })}
            <div class="list-row-main">
                <span class="list-row-title">{move || local_name(&name, lang.get())}</span>
                <span class="list-row-sub">
                    {tags.iter().map(|t| view! { <span class="badge">{tx(tag_key(*t))}</span> " " }).collect_view()}
                    {(kcal > 0).then_some(move || fill(&fill(Key::DiningNutrition.text(lang.get()), kcal), protein))}
                </span>
                {(!allergens.is_empty()).then(|| view! {
                    <span class="list-row-sub" data-testid="dining-allergens">
                        {tx(Key::DiningAllergens)} ": "
                        {allergens.iter().map(|a| view! { <span>{tx(allergen_key(*a))}</span> " " }).collect_view()}
                    </span>
                })}
            </div>
            </div>
            <span class="num">{Money(dish.price).to_string()}</span>
            <span class="muted num" data-testid="dining-left">
                {move || match left {
                    Some(0) => Key::DiningSoldOut.text(lang.get()).to_owned(),
                    Some(n) => fill(Key::DiningLeft.text(lang.get()), n),
                    None => Key::DiningNotServed.text(lang.get()).to_owned(),
                }}
            </span>
            <Button kind=ButtonKind::Secondary testid="dining-add" disabled=Signal::derive(move || left.unwrap_or(0) == 0)
                on:click=move |_| on_add(d.clone())>
                {tx(Key::DiningAdd)}
            </Button>
        </li>
    }
}

#[component]
fn BasketCard(
    basket: RwSignal<Vec<(MenuDish, u32)>>,
    day: RwSignal<NaiveDate>,
    period: RwSignal<MealPeriod>,
    on_placed: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let session = use_session();
    let lang = use_i18n().lang;
    let slots = RwSignal::new(Vec::<SlotOffer>::new());
    let slot = RwSignal::new(None::<DateTime<Utc>>);
    let busy = RwSignal::new(false);
    let takeout = RwSignal::new(false);
    let dorms = RwSignal::new(Vec::<houqin_shared::directory::Building>::new());
    let dorm = RwSignal::new(None::<houqin_shared::ids::BuildingId>);
    let room = RwSignal::new(String::new());
    Effect::new(move |_| {
        if !takeout.get() || !dorms.with_untracked(Vec::is_empty) {
            return;
        }
        spawn_local(async move {
            if let Ok(list) = api::dorms().await {
                dorm.try_set(list.first().map(|b| b.id));
                dorms.try_set(list);
            }
        });
    });
    let window = Memo::new(move |_| basket.with(|b| b.first().map(|(d, _)| d.window_id)));
    Effect::new(move |_| {
        let (Some(w), d, p) = (window.get(), day.get(), period.get()) else {
            slots.set(Vec::new());
            return;
        };
        spawn_local(async move {
            let offered = match api::pickup_slots(w, d, p).await {
                Ok(list) => list,
                // Offline (the app): every slot not yet over, as far as this
                // device knows; the server decides when the order syncs.
                Err(e) if e.is_unreachable() => period_slots(d, p)
                    .into_iter()
                    .filter(|s| {
                        *s + chrono::Duration::minutes(houqin_shared::dining::SLOT_MINUTES) > now()
                    })
                    .map(|start| SlotOffer {
                        start,
                        capacity: 0,
                        booked: 0,
                    })
                    .collect(),
                Err(_) => Vec::new(),
            };
            slot.try_set(offered.first().map(|s| s.start));
            slots.try_set(offered);
        });
    });
    let total =
        move || basket.with(|b| b.iter().map(|(d, q)| d.price * i64::from(*q)).sum::<i64>());
    let place = move |_| {
        let (Some(w), Some(s)) = (window.get_untracked(), slot.get_untracked()) else {
            return;
        };
        let lines: Vec<LineRequest> = basket.with_untracked(|b| {
            b.iter()
                .map(|(d, q)| LineRequest {
                    dish_id: d.id,
                    quantity: *q,
                })
                .collect()
        });
        let req = PlaceOrder {
            id: OrderId::new(),
            window_id: w,
            day: day.get_untracked(),
            period: period.get_untracked(),
            slot: s,
            lines,
            takeout: match (takeout.get_untracked(), dorm.get_untracked()) {
                (true, Some(building_id)) => Some(houqin_shared::dining::Takeout {
                    building_id,
                    room: room.get_untracked(),
                }),
                _ => None,
            },
        };
        if let Err(e) = req.validate() {
            session
                .toaster
                .show(Key::DiningBasketInvalid, ToastKind::Error);
            leptos::logging::warn!("order refused before sending: {}", e.message);
            return;
        }
        busy.set(true);
        spawn_local(async move {
            match api::place_order(req).await {
                Ok(Some(_)) => session.toaster.show(Key::DiningPlaced, ToastKind::Success),
                Ok(None) => session.toaster.show(Key::DiningQueued, ToastKind::Success),
                Err(e) if session.check(&e) => {}
                Err(e) => session.toaster.show(error_key(&e), ToastKind::Error),
            }
            busy.try_set(false);
            basket.try_set(Vec::new());
            on_placed();
        });
    };
    view! {
        <Card testid="dining-basket" labelled_by="dining-basket-title">
            <h2 id="dining-basket-title" class="card-title">{tx(Key::DiningBasket)}</h2>
            {move || basket.with(Vec::is_empty).then(|| view! { <p class="muted">{tx(Key::DiningBasketEmpty)}</p> })}
            <ul class="list">
                {move || basket.get().into_iter().enumerate().map(|(i, (d, q))| {
                    let name = d.name.clone();
                    view! {
                        <li class="list-row" data-testid="dining-basket-line">
                            <span class="list-row-title">{move || local_name(&name, lang.get())} " × " {q}</span>
                            <span class="num">{Money(d.price * i64::from(q)).to_string()}</span>
                            <Button kind=ButtonKind::Secondary on:click=move |_| basket.update(|b| { b.remove(i); })>
                                {tx(Key::KioskRemove)}
                            </Button>
                        </li>
                    }
                }).collect_view()}
            </ul>
            {move || (!basket.with(Vec::is_empty)).then(|| view! {
                <p class="num">{tx(Key::DiningTotal)} " " {Money(total()).to_string()}</p>
                <label class="field-inline" for="dining-slot">
                    <span class="field-label">{tx(Key::DiningSlot)}</span>
                    <select id="dining-slot" class="field-input" data-testid="dining-slot"
                        on:change=move |ev| slot.set(DateTime::parse_from_rfc3339(&event_target_value(&ev)).ok().map(|t| t.with_timezone(&Utc)))>
                        {move || slots.get().into_iter().map(|s| {
                            let label = if s.capacity > 0 {
                                format!("{} · {}/{}", clock(s.start), s.booked, s.capacity)
                            } else {
                                clock(s.start)
                            };
                            view! { <option value=s.start.to_rfc3339() selected=move || slot.get() == Some(s.start)>{label}</option> }
                        }).collect_view()}
                    </select>
                </label>
                {move || slots.with(Vec::is_empty).then(|| view! { <p class="alert alert-error">{tx(Key::DiningNoSlots)}</p> })}
                <label class="choice">
                    <input type="checkbox" data-testid="dining-takeout" prop:checked=move || takeout.get()
                        on:change=move |ev| takeout.set(event_target_checked(&ev)) />
                    <span>{move || fill(Key::DiningTakeout.text(lang.get()), Money(houqin_shared::dining::TAKEOUT_FEE))}</span>
                </label>
                {move || takeout.get().then(|| view! {
                    <div class="office-controls">
                        <label class="field-inline" for="dining-dorm">
                            <span class="field-label">{tx(Key::DiningDorm)}</span>
                            <select id="dining-dorm" class="field-input" data-testid="dining-dorm"
                                on:change=move |ev| dorm.set(event_target_value(&ev).parse().ok().map(houqin_shared::ids::BuildingId))>
                                {move || dorms.get().into_iter().map(|b| {
                                    let id = b.id;
                                    view! { <option value=id.to_string() selected=move || dorm.get() == Some(id)>{move || local_name(&b.name, lang.get())}</option> }
                                }).collect_view()}
                            </select>
                        </label>
                        <label class="field-inline" for="dining-room">
                            <span class="field-label">{tx(Key::DiningRoom)}</span>
                            <input id="dining-room" class="field-input" data-testid="dining-room" maxlength="16"
                                prop:value=move || room.get() on:input=move |ev| room.set(event_target_value(&ev)) />
                        </label>
                    </div>
                })}
                <p class="muted">{tx(Key::DiningHoldNote)}</p>
                <Button kind=ButtonKind::Primary testid="dining-place" disabled=Signal::derive(move || busy.get() || slot.get().is_none()) on:click=place>
                    {tx(Key::DiningPlace)}
                </Button>
            })}
        </Card>
    }
}

#[component]
fn OrdersCard(
    orders: RwSignal<Vec<Order>>,
    on_change: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let session = use_session();
    let lang = use_i18n().lang;
    let rated = RwSignal::new(Vec::<OrderId>::new());
    view! {
        <Card testid="dining-orders" labelled_by="dining-orders-title">
            <h2 id="dining-orders-title" class="card-title">{tx(Key::DiningOrders)}</h2>
            {move || orders.with(Vec::is_empty).then(|| view! { <p class="muted">{tx(Key::DiningNoOrders)}</p> })}
            <ul class="list">
                {move || orders.get().into_iter().map(|o| {
                    let id = o.id;
                    let status = o.status;
                    let open = matches!(status, OrderStatus::Placed | OrderStatus::Cooking | OrderStatus::Ready);
                    let pending = o.number.is_empty();
                    let code = houqin_shared::dining::pickup_code(id);
                    let svg = crate::pages::services::payments::qr_svg(&code).unwrap_or_default();
                    let lines = o.lines.clone();
                    let cancel = move |_| {
                        spawn_local(async move {
                            match api::cancel_order(id).await {
                                Ok(()) => session.toaster.show(Key::DiningCancelled, ToastKind::Success),
                                Err(e) if session.check(&e) => {}
                                Err(e) => session.toaster.show(error_key(&e), ToastKind::Error),
                            }
                            on_change();
                        });
                    };
                    view! {
                        <li class="list-row order" data-testid="dining-order" data-status=status.slug() data-order=id.to_string()>
                            <div class="list-row-main">
                                <span class="list-row-title">
                                    {if pending { Key::DiningPending.text(lang.get()).to_owned() } else { o.number.clone() }}
                                    " · " {tx(status_key(status))}
                                </span>
                                <span class="list-row-sub">
                                    {lines.iter().map(|l| {
                                        let name = l.name.clone();
                                        let q = l.quantity;
                                        view! { <span>{move || local_name(&name, lang.get())} " × " {q} " "</span> }
                                    }).collect_view()}
                                </span>
                                <span class="list-row-sub num">
                                    {tx(Key::DiningPickupAt)} " " {clock(o.slot)}
                                    {o.ready_at.map(|r| view! { " · " {tx(Key::DiningReadyAt)} " " {clock(r)} })}
                                    " · " {Money(o.total).to_string()}
                                </span>
                            </div>
                            {(open && !pending).then(|| view! {
                                <div class="pickup-code" role="img" aria-label=move || Key::DiningPickupCode.text(lang.get()) inner_html=svg.clone() data-code=code.clone()></div>
                            })}
                            {(status == OrderStatus::PickedUp).then(|| view! { <super::feedback::RateForm order=o.clone() rated=rated /> })}
                            {(status == OrderStatus::Placed).then(|| view! {
                                <Button kind=ButtonKind::Secondary testid="dining-cancel" on:click=cancel>{tx(Key::DiningCancel)}</Button>
                            })}
                        </li>
                    }
                }).collect_view()}
            </ul>
        </Card>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn the_meal_being_served_in_campus_time() {
        let d = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
        assert_eq!(
            current_period(at("2026-11-30T23:00:00Z")),
            (d, MealPeriod::Breakfast)
        );
        assert_eq!(
            current_period(at("2026-12-01T03:00:00Z")),
            (d, MealPeriod::Lunch)
        );
        assert_eq!(
            current_period(at("2026-12-01T09:00:00Z")),
            (d, MealPeriod::Dinner)
        );
        assert_eq!(
            current_period(at("2026-12-01T13:00:00Z")),
            (d, MealPeriod::LateNight)
        );
        assert_eq!(
            current_period(at("2026-12-01T15:30:00Z")),
            (d.succ_opt().unwrap(), MealPeriod::Breakfast)
        );
    }

    #[test]
    fn every_label_has_words() {
        let allergens: std::collections::HashSet<Key> = Allergen::ALL.map(allergen_key).into();
        assert_eq!(allergens.len(), Allergen::ALL.len());
        let tags: std::collections::HashSet<Key> = DishTag::ALL.map(tag_key).into();
        assert_eq!(tags.len(), DishTag::ALL.len());
        let periods: std::collections::HashSet<Key> = PERIODS.map(period_key).into();
        assert_eq!(periods.len(), 4);
        assert_eq!(clock(at("2026-12-01T03:10:00Z")), "11:10");
    }
}
