//! The cashier's sale screen (the kiosk's home, 1920×1080): pick dishes of
//! the kiosk's window or type an amount, then the payer's card — a card
//! reader or barcode scanner that types into the payer field, ending with
//! Enter — and the answer: approved, or declined with the reason. A PIN is
//! asked for above the payer's no-PIN amount. Receipts print; the shift
//! summary is one key away. Everything works from the keyboard alone.

use houqin_shared::Money;
use houqin_shared::accounts::Scope;
use houqin_shared::directory::{CanteenWindow, Dish};
use houqin_shared::ids::{CanteenId, TransferId, WindowId};
use houqin_shared::payments::{
    Charge, ChargeOutcome, Decline, Payer, ShiftSummary, check_card_uid,
};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api;
use crate::components::button::{Button, ButtonKind};
use crate::components::card::Card;
use crate::components::form_field::{InputKind, TextField};
use crate::components::shell::MAIN_ID;
use crate::i18n::{Key, error_key, format_datetime, local_name, tx, use_i18n};
use crate::session::use_session;

mod offline;
mod queue;
use offline::OfflineIndicator;
use queue::QueueCard;

/// Where a sale stands.
#[derive(Debug, Clone, PartialEq)]
enum Step {
    /// Building the ticket; waiting for the card.
    Ready,
    Charging,
    /// The payer's PIN is needed for this amount; the same sale id retries.
    NeedPin {
        payer: Payer,
        wrong: Option<u32>,
    },
    Done(ChargeOutcome),
    Failed(Key),
}

fn decline_key(decline: Decline) -> Key {
    match decline {
        Decline::UnknownCard => Key::DeclineUnknownCard,
        Decline::CardFrozen => Key::DeclineCardFrozen,
        Decline::CardReplaced => Key::DeclineCardReplaced,
        Decline::AccountFrozen => Key::DeclineAccountFrozen,
        Decline::InsufficientFunds => Key::DeclineInsufficientFunds,
        Decline::DailyLimit => Key::DeclineDailyLimit,
        Decline::PinRequired => Key::DeclinePinRequired,
        Decline::WrongPin => Key::DeclineWrongPin,
        Decline::PinLocked => Key::DeclinePinLocked,
        Decline::CodeInvalid => Key::DeclineCodeInvalid,
        Decline::CodeExpired => Key::DeclineCodeExpired,
        Decline::CodeUsed => Key::DeclineCodeUsed,
        Decline::OfflineUnavailable => Key::DeclineOfflineUnavailable,
        Decline::HotlistStale => Key::DeclineHotlistStale,
        Decline::OfflineSaleCap => Key::DeclineOfflineSaleCap,
        Decline::OfflineCardCap => Key::DeclineOfflineCardCap,
        Decline::OfflineKioskCap => Key::DeclineOfflineKioskCap,
        Decline::OfflineBlocked => Key::DeclineOfflineBlocked,
    }
}

/// Queues a paid sale's dishes at the window (a walk-in order, under the
/// sale's id so a retry is the same order), so they are cooked in turn with
/// the app's orders.
fn queue_walk_in(
    session: crate::session::Session,
    sale: TransferId,
    window: WindowId,
    dishes: &[Dish],
) {
    let mut lines: Vec<houqin_shared::dining::LineRequest> = Vec::new();
    for d in dishes {
        match lines.iter_mut().find(|l| l.dish_id == d.id) {
            Some(l) => l.quantity += 1,
            None => lines.push(houqin_shared::dining::LineRequest {
                dish_id: d.id,
                quantity: 1,
            }),
        }
    }
    let now = chrono::DateTime::<chrono::Utc>::from_timestamp_millis(js_sys::Date::now() as i64)
        .unwrap_or_default();
    let (_, period) = crate::pages::services::dining::current_period(now);
    let req = crate::api::WalkIn {
        id: houqin_shared::ids::OrderId(sale.0),
        window_id: window,
        period,
        lines,
    };
    spawn_local(async move {
        if let Err(e) = api::walk_in(req).await
            && !session.check(&e)
        {
            session.toaster.show(
                Key::KioskQueueFailed,
                crate::components::toast::ToastKind::Error,
            );
        }
    });
}

/// What the payer field holds: a pay code a scanner typed, or a card's id a
/// reader typed.
fn read_payer(text: &str) -> Option<Payer> {
    let text = text.trim();
    if text.starts_with(houqin_shared::paycode::PREFIX) {
        houqin_shared::paycode::PayCode::parse(text)
            .ok()
            .map(|_| Payer::Qr {
                code: text.to_owned(),
            })
    } else {
        check_card_uid(text).ok().map(|uid| Payer::Card { uid })
    }
}

/// What the reader's refusal means for the cashier.
fn card_error_key(code: Option<&str>) -> Key {
    match code {
        Some("card_removed") => Key::CardErrRemoved,
        Some("wrong_mac") => Key::CardErrWrongMac,
        Some("unknown_card") => Key::DeclineUnknownCard,
        Some("malformed") => Key::CardErrMalformed,
        Some("no_card") => Key::CardErrNoCard,
        _ => Key::CardErrReader,
    }
}

/// The decline's wire name (`insufficient_funds`), for `data-decline`.
fn decline_slug(decline: Decline) -> String {
    serde_json::to_value(decline)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// The amount to charge: what was typed, else the picked dishes.
fn total(typed: &str, picked: &[Dish]) -> Result<i64, Key> {
    if typed.trim().is_empty() {
        let sum: i64 = picked.iter().map(|d| d.price.0).sum();
        return if sum > 0 {
            Ok(sum)
        } else {
            Err(Key::ErrNothingToCharge)
        };
    }
    Money::parse_yuan(typed)
        .map(|m| m.0)
        .map_err(|_| Key::ErrAmount)
}

#[component]
pub fn CashierPage() -> impl IntoView {
    let session = use_session();
    let lang = use_i18n().lang;
    let canteen = Memo::new(move |_| {
        session.user.with(|u| {
            u.as_ref().and_then(|me| {
                me.scopes.iter().find_map(|s| match s {
                    Scope::Canteen(id) => Some(CanteenId(*id)),
                    _ => None,
                })
            })
        })
    });
    let windows = RwSignal::new(Vec::<CanteenWindow>::new());
    let dishes = RwSignal::new(Vec::<Dish>::new());
    let window = RwSignal::new(None::<WindowId>);
    Effect::new(move |_| {
        let Some(canteen) = canteen.get() else { return };
        spawn_local(async move {
            match api::windows(canteen).await {
                Ok(list) => {
                    let saved = api::kiosk_window();
                    let chosen = list
                        .iter()
                        .find(|w| Some(w.id.to_string()) == saved)
                        .or(list.first())
                        .map(|w| w.id);
                    window.try_set(chosen);
                    windows.try_set(list);
                }
                Err(e) => {
                    if !session.check(&e) {
                        session
                            .toaster
                            .show(error_key(&e), crate::components::toast::ToastKind::Error);
                    }
                }
            }
            if let Ok(list) = api::dishes(canteen).await {
                dishes.try_set(list);
            }
        });
    });

    let picked = RwSignal::new(Vec::<Dish>::new());
    let typed = RwSignal::new(String::new());
    let payer = RwSignal::new(String::new());
    let pin = RwSignal::new(String::new());
    let step = RwSignal::new(Step::Ready);
    // Bumped after each answer: the offline indicator reads the allowance again.
    let answers = RwSignal::new(0u32);
    let sale_id = RwSignal::new(TransferId::new());
    let amount_error = RwSignal::new(None::<Key>);
    let payer_error = RwSignal::new(None::<Key>);
    let shift = RwSignal::new(None::<ShiftSummary>);

    let focus = |id: &'static str| {
        if let Some(el) = leptos::prelude::document().get_element_by_id(id)
            && let Ok(el) = wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(el)
        {
            let _ = el.focus();
        }
    };
    let next_sale = move || {
        picked.set(Vec::new());
        typed.set(String::new());
        payer.set(String::new());
        pin.set(String::new());
        amount_error.set(None);
        payer_error.set(None);
        sale_id.set(TransferId::new());
        step.set(Step::Ready);
        focus("kiosk-amount");
    };

    let send = move |who: Payer, with_pin: Option<String>| {
        let Some(window_id) = window.get_untracked() else {
            step.set(Step::Failed(Key::ErrNoWindow));
            return;
        };
        let amount = match total(&typed.get_untracked(), &picked.get_untracked()) {
            Ok(a) => a,
            Err(key) => {
                amount_error.set(Some(key));
                focus("kiosk-amount");
                return;
            }
        };
        step.set(Step::Charging);
        let req = Charge {
            id: sale_id.get_untracked(),
            window_id,
            payer: who.clone(),
            amount,
            pin: with_pin,
        };
        spawn_local(async move {
            match api::charge(req).await {
                Ok(outcome) => match outcome.decline {
                    Some(Decline::PinRequired) => {
                        step.try_set(Step::NeedPin {
                            payer: who,
                            wrong: None,
                        });
                        focus("kiosk-pin");
                    }
                    Some(Decline::WrongPin) => {
                        pin.try_set(String::new());
                        step.try_set(Step::NeedPin {
                            payer: who,
                            wrong: outcome.pin_tries_left,
                        });
                        focus("kiosk-pin");
                    }
                    _ => {
                        // Dishes picked for an approved sale join the window's queue.
                        let dishes = picked.get_untracked();
                        if outcome.approved && !dishes.is_empty() {
                            queue_walk_in(session, outcome.id, window_id, &dishes);
                        }
                        step.try_set(Step::Done(outcome));
                        answers.try_update(|n| *n += 1);
                        focus("kiosk-next");
                    }
                },
                Err(e) if session.check(&e) => {}
                Err(e) => {
                    // Unanswered: the same sale id makes a retry safe.
                    step.try_set(Step::Failed(error_key(&e)));
                }
            }
        });
    };

    let on_pay = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if step.get_untracked() == Step::Charging {
            return;
        }
        amount_error.set(None);
        if let Err(key) = total(&typed.get_untracked(), &picked.get_untracked()) {
            amount_error.set(Some(key));
            focus("kiosk-amount");
            return;
        }
        match read_payer(&payer.get_untracked()) {
            Some(who) => {
                payer_error.set(None);
                send(who, None);
            }
            None => {
                payer_error.set(Some(Key::ErrCardUid));
                focus("kiosk-payer");
            }
        }
    };
    let on_pin = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if let Step::NeedPin { payer: who, .. } = step.get_untracked() {
            send(who, Some(pin.get_untracked()));
        }
    };
    let reading = RwSignal::new(false);
    let read_card = move |_| {
        if reading.get_untracked() || step.get_untracked() == Step::Charging {
            return;
        }
        if let Err(key) = total(&typed.get_untracked(), &picked.get_untracked()) {
            amount_error.set(Some(key));
            focus("kiosk-amount");
            return;
        }
        amount_error.set(None);
        payer_error.set(None);
        reading.set(true);
        spawn_local(async move {
            let result = api::read_card(30).await;
            reading.try_set(false);
            match result {
                Ok(uid) => {
                    payer.try_set(uid.clone());
                    send(Payer::Card { uid }, None);
                }
                Err(e) => {
                    payer_error.try_set(Some(card_error_key(e.field())));
                }
            }
        });
    };
    let load_shift = move |_| {
        spawn_local(async move {
            match api::shift().await {
                Ok(s) => {
                    shift.try_set(Some(s));
                }
                Err(e) => {
                    if !session.check(&e) {
                        session
                            .toaster
                            .show(error_key(&e), crate::components::toast::ToastKind::Error);
                    }
                }
            }
        });
    };
    let print = move |_| {
        if let Some(w) = web_sys::window() {
            let _ = w.print();
        }
    };
    let window_name = move |id: WindowId| {
        windows.with(|list| {
            list.iter()
                .find(|w| w.id == id)
                .map(|w| local_name(&w.name, lang.get()))
                .unwrap_or_default()
        })
    };
    let window_dishes = move || {
        let chosen = window.get();
        dishes.with(|all| {
            all.iter()
                .filter(|d| Some(d.window_id) == chosen)
                .cloned()
                .collect::<Vec<_>>()
        })
    };
    let ticket_total =
        move || Money(picked.with(|p| p.iter().map(|d| d.price.0).sum())).to_string();

    view! {
        <main
            id=MAIN_ID
            class="page cashier"
            tabindex="-1"
            data-testid="home"
            data-role="cashier"
        >
            <div class="page-head">
                <h1 class="page-title">
                    {tx(Key::KioskTitle)}
                    " · "
                    <span data-testid="user-display-name">
                        {move || session.user.with(|u| u.as_ref().map(|m| m.display_name.clone()))}
                    </span>
                </h1>
                <OfflineIndicator refresh=answers />
                <label class="field-inline" for="kiosk-window">
                    <span class="field-label">{tx(Key::KioskWindow)}</span>
                    <select
                        id="kiosk-window"
                        class="field-input"
                        data-testid="kiosk-window"
                        on:change=move |ev| {
                            let value = event_target_value(&ev);
                            api::store_kiosk_window(&value);
                            window.set(value.parse().ok().map(WindowId));
                            picked.set(Vec::new());
                        }
                    >
                        {move || {
                            windows
                                .get()
                                .into_iter()
                                .map(|w| {
                                    let id = w.id;
                                    view! {
                                        <option value=id.to_string() selected=move || window.get() == Some(id)>
                                            {local_name(&w.name, lang.get())}
                                        </option>
                                    }
                                })
                                .collect_view()
                        }}
                    </select>
                </label>
            </div>
            <div class="kiosk-grid">
                <Card testid="kiosk-dishes" labelled_by="kiosk-dishes-title">
                    <h2 id="kiosk-dishes-title" class="card-title">{tx(Key::KioskDishes)}</h2>
                    <ul class="dish-grid">
                        {move || {
                            window_dishes()
                                .into_iter()
                                .map(|d| {
                                    let dish = d.clone();
                                    view! {
                                        <li>
                                            <button
                                                type="button"
                                                class="btn btn-secondary dish"
                                                data-testid="kiosk-dish"
                                                on:click=move |_| {
                                                    typed.set(String::new());
                                                    picked.update(|p| p.push(dish.clone()));
                                                }
                                            >
                                                <span>{local_name(&d.name, lang.get())}</span>
                                                <span class="num">{d.price.to_string()}</span>
                                            </button>
                                        </li>
                                    }
                                })
                                .collect_view()
                        }}
                    </ul>
                </Card>
                <Card testid="kiosk-sale" labelled_by="kiosk-sale-title">
                    <h2 id="kiosk-sale-title" class="card-title">{tx(Key::KioskSale)}</h2>
                    <ul class="list" aria-live="polite">
                        {move || {
                            picked
                                .get()
                                .into_iter()
                                .enumerate()
                                .map(|(i, d)| {
                                    view! {
                                        <li class="list-row" data-testid="kiosk-ticket-line">
                                            <span class="list-row-title">{local_name(&d.name, lang.get())}</span>
                                            <span class="num">{d.price.to_string()}</span>
                                            <button
                                                type="button"
                                                class="btn btn-quiet"
                                                aria-label=move || Key::KioskRemove.text(lang.get())
                                                on:click=move |_| picked.update(|p| {
                                                    if i < p.len() {
                                                        p.remove(i);
                                                    }
                                                })
                                            >
                                                "×"
                                            </button>
                                        </li>
                                    }
                                })
                                .collect_view()
                        }}
                    </ul>
                    <p class="kiosk-total">
                        {tx(Key::KioskTicketTotal)}
                        " "
                        <span class="num" data-testid="kiosk-ticket-total">{ticket_total}</span>
                    </p>
                    <form class="form" novalidate=true on:submit=on_pay>
                        <TextField
                            id="kiosk-amount"
                            label=Key::KioskAmount
                            hint=Key::KioskAmountHint
                            kind=InputKind::Decimal
                            value=typed
                            testid="kiosk-amount"
                            error=amount_error
                        />
                        <TextField
                            id="kiosk-payer"
                            label=Key::KioskPayer
                            hint=Key::KioskPayerHint
                            value=payer
                            autocomplete="off"
                            testid="kiosk-payer"
                            error=payer_error
                        />
                        <Button submit=true disabled=Signal::derive(move || step.get() == Step::Charging) testid="kiosk-pay">
                            {tx(Key::KioskCharge)}
                        </Button>
                    </form>
                    {api::has_card_reader()
                        .then(|| {
                            view! {
                                <Button
                                    kind=ButtonKind::Secondary
                                    testid="kiosk-read-card"
                                    disabled=reading
                                    on:click=read_card
                                >
                                    {move || {
                                        if reading.get() {
                                            tx(Key::KioskReadingCard)()
                                        } else {
                                            tx(Key::KioskReadCard)()
                                        }
                                    }}
                                </Button>
                            }
                        })}
                </Card>
                <Card testid="kiosk-result" labelled_by="kiosk-result-title">
                    <h2 id="kiosk-result-title" class="card-title">{tx(Key::KioskResult)}</h2>
                    <div aria-live="assertive">
                        {move || match step.get() {
                            Step::Ready => view! { <p class="muted">{tx(Key::KioskWaiting)}</p> }.into_any(),
                            Step::Charging => view! { <p data-testid="kiosk-charging">{tx(Key::KioskCharging)}</p> }.into_any(),
                            Step::NeedPin { wrong, .. } => {
                                view! {
                                    <form class="form" novalidate=true on:submit=on_pin>
                                        <p class="alert" data-testid="kiosk-pin-needed">
                                            {move || match wrong {
                                                Some(left) => format!("{} {left}", Key::DeclineWrongPin.text(lang.get())),
                                                None => Key::KioskPinNeeded.text(lang.get()).to_owned(),
                                            }}
                                        </p>
                                        <TextField
                                            id="kiosk-pin"
                                            label=Key::KioskPin
                                            kind=InputKind::Pin
                                            value=pin
                                            autocomplete="off"
                                            testid="kiosk-pin"
                                        />
                                        <Button submit=true testid="kiosk-pin-submit">{tx(Key::KioskCharge)}</Button>
                                    </form>
                                }
                                    .into_any()
                            }
                            Step::Failed(key) => {
                                view! {
                                    <p class="alert alert-error" data-testid="kiosk-failed">{tx(key)}</p>
                                    <p class="muted">{tx(Key::KioskRetrySafe)}</p>
                                }
                                    .into_any()
                            }
                            Step::Done(o) => {
                                let approved = o.approved;
                                let reason = o.decline.map(decline_key);
                                view! {
                                    <section
                                        class="receipt"
                                        data-testid="kiosk-outcome"
                                        data-approved=approved.to_string()
                                        data-decline=o.decline.map(decline_slug)
                                    >
                                        <p class=if approved { "outcome outcome-ok" } else { "outcome outcome-no" }>
                                            {if approved { tx(Key::KioskApproved)() } else { tx(Key::KioskDeclined)() }}
                                        </p>
                                        {reason.map(|k| view! { <p class="alert alert-error" data-testid="kiosk-decline">{tx(k)}</p> })}
                                        {(approved && o.offline).then(|| view! {
                                            <p class="alert" data-testid="kiosk-offline-approved">{tx(Key::KioskOfflineApproved)}</p>
                                        })}
                                        <dl class="facts">
                                            <div>
                                                <dt>{tx(Key::KioskAmount)}</dt>
                                                <dd class="num" data-testid="kiosk-outcome-amount">{Money(o.amount).to_string()}</dd>
                                            </div>
                                            {o.payer_name.clone().map(|n| view! {
                                                <div><dt>{tx(Key::KioskPayerName)}</dt><dd>{n}</dd></div>
                                            })}
                                            {o.balance_after.map(|b| view! {
                                                <div><dt>{tx(Key::WalletBalance)}</dt><dd class="num">{Money(b).to_string()}</dd></div>
                                            })}
                                            {(o.from_subsidy > 0).then(|| view! {
                                                <div><dt>{tx(Key::WalletSubsidy)}</dt><dd class="num">{Money(o.from_subsidy).to_string()}</dd></div>
                                            })}
                                            <div>
                                                <dt>{tx(Key::KioskWindow)}</dt>
                                                <dd>{move || window.get().map(window_name)}</dd>
                                            </div>
                                            <div>
                                                <dt>{tx(Key::KioskTime)}</dt>
                                                <dd class="num">{format_datetime(o.at)}</dd>
                                            </div>
                                            <div>
                                                <dt>{tx(Key::KioskSaleId)}</dt>
                                                <dd class="num">{o.id.to_string()}</dd>
                                            </div>
                                        </dl>
                                        {approved.then(|| view! {
                                            <Button kind=ButtonKind::Secondary testid="kiosk-print" on:click=print>
                                                {tx(Key::KioskPrint)}
                                            </Button>
                                            // An offline sale is refunded once it has settled.
                                            {(!o.offline).then(|| view! { <RefundForm sale=o.id amount=o.amount /> })}
                                        })}
                                    </section>
                                }
                                    .into_any()
                            }
                        }}
                    </div>
                    <Button kind=ButtonKind::Primary testid="kiosk-next" on:click=move |_| next_sale()>
                        {tx(Key::KioskNext)}
                    </Button>
                </Card>
                <QueueCard canteen=canteen window=window />
                <Card testid="kiosk-shift" labelled_by="kiosk-shift-title">
                    <h2 id="kiosk-shift-title" class="card-title">{tx(Key::KioskShift)}</h2>
                    <Button kind=ButtonKind::Secondary testid="kiosk-shift-load" on:click=load_shift>
                        {tx(Key::KioskShiftLoad)}
                    </Button>
                    {move || shift.get().map(|s| view! {
                        <dl class="facts" data-testid="kiosk-shift-summary" data-sales=s.sales data-total=s.total>
                            <div><dt>{tx(Key::KioskShiftSince)}</dt><dd class="num">{format_datetime(s.since)}</dd></div>
                            <div><dt>{tx(Key::KioskShiftSales)}</dt><dd class="num">{s.sales}</dd></div>
                            <div><dt>{tx(Key::KioskShiftTotal)}</dt><dd class="num">{Money(s.total).to_string()}</dd></div>
                            {s.windows.into_iter().map(|w| {
                                let id = w.window_id;
                                view! {
                                    <div>
                                        <dt>{move || window_name(id)}</dt>
                                        <dd class="num">{format!("{} · {}", w.sales, Money(w.total))}</dd>
                                    </div>
                                }
                            }).collect_view()}
                        </dl>
                    })}
                </Card>
            </div>
        </main>
    }
}

/// A refund of the sale just made (a wrong dish, a change of mind), approved
/// by a supervisor who types their own credentials here — unless the one
/// signed in is a supervisor.
#[component]
fn RefundForm(sale: TransferId, amount: i64) -> impl IntoView {
    let session = use_session();
    let supervisor_signed_in = session.user.with_untracked(|u| {
        u.as_ref().is_some_and(|me| {
            me.roles
                .contains(&houqin_shared::accounts::Role::Supervisor)
        })
    });
    let open = RwSignal::new(false);
    let value = RwSignal::new(format!("{}.{:02}", amount / 100, amount % 100));
    let username = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let problem = RwSignal::new(None::<(&'static str, Key)>);
    let done = RwSignal::new(None::<String>);
    let saving = RwSignal::new(false);
    let refund_id = RwSignal::new(TransferId::new());
    let error_for = move |field: &'static str| {
        Signal::derive(move || problem.get().filter(|(f, _)| *f == field).map(|(_, k)| k))
    };
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if saving.get_untracked() {
            return;
        }
        let Ok(money) = Money::parse_yuan(&value.get_untracked()) else {
            problem.set(Some(("amount", Key::ErrAmount)));
            return;
        };
        let supervisor =
            (!supervisor_signed_in).then(|| houqin_shared::payments::SupervisorApproval {
                username: username.get_untracked(),
                password: password.get_untracked(),
            });
        problem.set(None);
        saving.set(true);
        let req = houqin_shared::payments::Refund {
            id: refund_id.get_untracked(),
            sale_id: sale,
            amount: money.0,
            supervisor,
        };
        spawn_local(async move {
            let result = api::refund(req).await;
            saving.try_set(false);
            password.try_set(String::new());
            match result {
                Ok(r) => {
                    done.try_set(Some(format!("{} · {}", Money(r.amount), r.approved_by)));
                }
                Err(e) if session.check(&e) => {}
                Err(e) => {
                    let place = match e.field() {
                        Some("amount") => ("amount", Key::ErrRefundAmount),
                        Some("supervisor" | "supervisor.username" | "supervisor.password") => {
                            ("supervisor", Key::ErrSupervisor)
                        }
                        _ => ("form", error_key(&e)),
                    };
                    problem.try_set(Some(place));
                }
            }
        });
    };
    view! {
        <div class="refund" data-testid="kiosk-refund">
            {move || match done.get() {
                Some(text) => view! {
                    <p class="alert" data-testid="kiosk-refund-done">{tx(Key::RefundDone)} " " {text}</p>
                }.into_any(),
                None if !open.get() => view! {
                    <Button kind=ButtonKind::Quiet testid="kiosk-refund-open" on:click=move |_| open.set(true)>
                        {tx(Key::RefundTitle)}
                    </Button>
                }.into_any(),
                None => view! {
                    <form class="form" novalidate=true on:submit=on_submit>
                        <TextField id="refund-amount" label=Key::KioskAmount kind=InputKind::Decimal value=value testid="refund-amount" error=error_for("amount") />
                        {(!supervisor_signed_in).then(|| view! {
                            <TextField id="refund-supervisor" label=Key::RefundSupervisor value=username autocomplete="off" testid="refund-supervisor" error=error_for("supervisor") />
                            <TextField id="refund-password" label=Key::Password kind=InputKind::Password value=password autocomplete="off" testid="refund-password" />
                        })}
                        {move || problem.get().filter(|(f, _)| *f == "form").map(|(_, k)| view! { <p class="alert alert-error">{tx(k)}</p> })}
                        <Button submit=true kind=ButtonKind::Secondary disabled=saving testid="refund-submit">
                            {tx(Key::RefundSubmit)}
                        </Button>
                    </form>
                }.into_any(),
            }}
        </div>
    }
}

#[cfg(test)]
mod tests {
    use houqin_shared::ids::{CampusId, DishId};
    use houqin_shared::text::LocalName;

    use super::*;

    fn dish(fen: i64) -> Dish {
        Dish {
            id: DishId::new(),
            campus_id: CampusId::new(),
            canteen_id: CanteenId::new(),
            window_id: WindowId::new(),
            name: LocalName::new("米饭", "Rice"),
            price: Money(fen),
        }
    }

    #[test]
    fn the_amount_is_typed_or_picked() {
        assert_eq!(total("12.5", &[dish(300)]), Ok(1250), "typed wins");
        assert_eq!(total("", &[dish(300), dish(450)]), Ok(750));
        assert_eq!(total("  ", &[]), Err(Key::ErrNothingToCharge));
        assert_eq!(total("abc", &[]), Err(Key::ErrAmount));
    }

    #[test]
    fn the_payer_field_takes_cards_and_codes() {
        assert_eq!(
            read_payer(" 04a1b2c3 "),
            Some(Payer::Card {
                uid: "04A1B2C3".into()
            })
        );
        assert_eq!(read_payer("hello"), None);
        assert_eq!(read_payer("HQ1:garbage"), None);
    }

    #[test]
    fn reader_refusals_have_words() {
        assert_eq!(card_error_key(Some("card_removed")), Key::CardErrRemoved);
        assert_eq!(card_error_key(Some("wrong_mac")), Key::CardErrWrongMac);
        assert_eq!(card_error_key(Some("sam")), Key::CardErrReader);
        assert_eq!(card_error_key(None), Key::CardErrReader);
    }

    #[test]
    fn every_decline_has_words() {
        let all = [
            Decline::UnknownCard,
            Decline::CardFrozen,
            Decline::CardReplaced,
            Decline::AccountFrozen,
            Decline::InsufficientFunds,
            Decline::DailyLimit,
            Decline::PinRequired,
            Decline::WrongPin,
            Decline::PinLocked,
            Decline::CodeInvalid,
            Decline::CodeExpired,
            Decline::CodeUsed,
            Decline::OfflineUnavailable,
            Decline::HotlistStale,
            Decline::OfflineSaleCap,
            Decline::OfflineCardCap,
            Decline::OfflineKioskCap,
            Decline::OfflineBlocked,
        ];
        let keys: std::collections::HashSet<Key> = all.into_iter().map(decline_key).collect();
        assert_eq!(keys.len(), all.len());
    }
}
