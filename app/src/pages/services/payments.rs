//! The campus card (校园卡) for its owner: balance, cards (report lost,
//! unfreeze), top-up through the gateway simulator, limits and PIN, and the
//! statement. In the app with no network it shows the last synced balance and
//! cards, and a card can still be reported lost (it syncs later).

use houqin_shared::Money;
use houqin_shared::ids::{CardId, TransferId};
use houqin_shared::ledger::TransferCode;
use houqin_shared::payments::{
    Card as CardDto, CardStatus, ReportCardLost, SetPin, Statement, StatementLine, TopUp, Wallet,
    WalletSettings, check_pin,
};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api::{self, ApiError, WalletView};
use crate::components::badge::{Badge, Tone};
use crate::components::button::{Button, ButtonKind};
use crate::components::card::Card;
use crate::components::form_field::{InputKind, TextField};
use crate::components::shell::{Loading, MAIN_ID};
use crate::components::toast::ToastKind;
use crate::i18n::{Key, error_key, format_datetime, tx, use_i18n};
use crate::session::{Session, use_session};
use crate::sync::use_sync;

#[derive(Debug, Clone, PartialEq)]
enum Load {
    Loading,
    Ready(WalletView),
    Failed(Key),
}

fn yuan(fen: i64) -> String {
    Money(fen).to_string()
}

fn reload(session: Session, state: RwSignal<Load>) {
    spawn_local(async move {
        match api::wallet().await {
            Ok(view) => {
                state.try_set(Load::Ready(view));
            }
            Err(e) if session.check(&e) => {}
            Err(e) => {
                state.try_set(Load::Failed(error_key(&e)));
            }
        }
    });
}

/// Shows `error` as a toast unless it ended the session.
fn complain(session: Session, error: &ApiError) {
    if !session.check(error) {
        session.toaster.show(error_key(error), ToastKind::Error);
    }
}

#[component]
pub fn WalletPage() -> impl IntoView {
    let session = use_session();
    let sync = use_sync();
    let state = RwSignal::new(Load::Loading);
    // The canteen office (managers) reconciles and settles here too.
    let office = Memo::new(move |_| session.is_manager());
    // Statement pages reload after a top-up or a change of filter.
    let statement_revision = RwSignal::new(0u32);
    Effect::new(move |_| {
        sync.revision.track();
        reload(session, state);
    });
    let changed = move |wallet: Option<Wallet>| {
        match wallet {
            Some(w) => state.set(Load::Ready(WalletView::Live(w))),
            None => reload(session, state),
        }
        statement_revision.update(|n| *n += 1);
    };

    view! {
        <main id=MAIN_ID class="page wallet" tabindex="-1" data-testid="wallet">
            <h1 class="page-title">{tx(Key::ServicePayments)}</h1>
            {move || office.get().then(|| view! { <super::office::OfficeCard /> })}
            {move || match state.get() {
                Load::Loading => view! { <Loading /> }.into_any(),
                Load::Failed(key) => {
                    view! {
                        <div class="card empty-state" aria-live="polite">
                            <p class="alert alert-error" data-testid="wallet-error">
                                {tx(key)}
                            </p>
                            <Button kind=ButtonKind::Secondary on:click=move |_| reload(session, state)>
                                {tx(Key::Retry)}
                            </Button>
                        </div>
                    }
                        .into_any()
                }
                Load::Ready(WalletView::Live(w)) => {
                    let cards = w.cards.clone();
                    view! {
                        <PayCodeCard />
                        <BalanceCard
                            balance=w.balance
                            available=Some(w.available)
                            subsidy=w.subsidy
                            owed=w.owed
                            spent_today=Some((w.spent_today, w.daily_limit))
                            saved=false
                        />
                        <CardsCard cards=cards on_change=move || changed(None) />
                        <TopUpCard on_done=move |w| changed(Some(w)) />
                        <StatementCard revision=statement_revision />
                        <LimitsCard wallet=w.clone() on_done=move |w| changed(Some(w)) />
                        <PinCard wallet=w on_done=move || changed(None) />
                    }
                        .into_any()
                }
                Load::Ready(WalletView::Saved { summary, cards }) => {
                    view! {
                        <p class="alert" data-testid="wallet-saved">{tx(Key::WalletSavedNote)}</p>
                        <PayCodeCard />
                        {summary
                            .map(|s| {
                                view! {
                                    <BalanceCard
                                        balance=s.balance
                                        available=None
                                        subsidy=s.subsidy
                                        owed=s.owed
                                        spent_today=None
                                        saved=true
                                    />
                                }
                            })}
                        <CardsCard cards=cards on_change=move || changed(None) />
                    }
                        .into_any()
                }
            }}
        </main>
    }
}

/// The code as an SVG picture (dark modules on white, with a quiet zone).
pub(crate) fn qr_svg(text: &str) -> Option<String> {
    let code = qrcode::QrCode::with_error_correction_level(text, qrcode::EcLevel::M).ok()?;
    Some(
        code.render::<qrcode::render::svg::Color<'_>>()
            .min_dimensions(240, 240)
            .quiet_zone(true)
            .build(),
    )
}

/// The QR pay code: shown on demand, replaced every 30 seconds while shown,
/// made on this device (no network needed).
#[component]
fn PayCodeCard() -> impl IntoView {
    let session = use_session();
    let shown = RwSignal::new(false);
    let code = RwSignal::new(None::<String>);
    let left = RwSignal::new(0i64);
    let refresh = move || {
        spawn_local(async move {
            match api::pay_code().await {
                Ok(text) => {
                    code.try_set(Some(text));
                    left.try_set(houqin_shared::paycode::ROTATE_SECS);
                }
                Err(e) => {
                    shown.try_set(false);
                    complain(session, &e);
                }
            }
        });
    };
    // One tick a second while shown: count down, then a new code.
    let ticker = leptos::prelude::set_interval_with_handle(
        move || {
            if !shown.get_untracked() {
                return;
            }
            let next = left.get_untracked() - 1;
            if next <= 0 {
                refresh();
            } else {
                left.set(next);
            }
        },
        std::time::Duration::from_secs(1),
    )
    .ok();
    on_cleanup(move || {
        if let Some(t) = ticker {
            t.clear();
        }
    });
    let toggle = move |_| {
        let now_shown = !shown.get_untracked();
        shown.set(now_shown);
        if now_shown {
            refresh();
        } else {
            code.set(None);
        }
    };
    let lang = use_i18n().lang;
    view! {
        <Card testid="wallet-pay-code" labelled_by="pay-code-title">
            <h2 id="pay-code-title" class="card-title">{tx(Key::PayCodeTitle)}</h2>
            <p class="muted">{tx(Key::PayCodeNote)}</p>
            {move || {
                code.get()
                    .filter(|_| shown.get())
                    .map(|text| {
                        let svg = qr_svg(&text).unwrap_or_default();
                        view! {
                            <div
                                class="pay-code"
                                role="img"
                                aria-label=move || Key::PayCodeTitle.text(lang.get())
                                data-testid="pay-code"
                                data-code=text.clone()
                                inner_html=svg
                            ></div>
                            <p class="muted num" aria-live="polite">
                                {move || format!("{} {}s", Key::PayCodeRefresh.text(lang.get()), left.get())}
                            </p>
                        }
                    })
            }}
            <Button kind=ButtonKind::Secondary testid="pay-code-toggle" on:click=toggle>
                {move || if shown.get() { tx(Key::PayCodeHide)() } else { tx(Key::PayCodeShow)() }}
            </Button>
        </Card>
    }
}

#[component]
fn BalanceCard(
    balance: i64,
    available: Option<i64>,
    subsidy: i64,
    owed: i64,
    spent_today: Option<(i64, i64)>,
    saved: bool,
) -> impl IntoView {
    view! {
        <Card testid="wallet-balance" labelled_by="balance-title">
            <h2 id="balance-title" class="card-title">{tx(Key::WalletBalance)}</h2>
            <p class="hero-title num" data-testid="wallet-balance-amount" data-fen=balance data-saved=saved.to_string()>
                {yuan(balance)}
            </p>
            <dl class="facts">
                {available
                    .filter(|a| *a != balance)
                    .map(|a| {
                        view! {
                            <div>
                                <dt>{tx(Key::WalletAvailable)}</dt>
                                <dd class="num" data-testid="wallet-available">{yuan(a)}</dd>
                            </div>
                        }
                    })}
                {(subsidy > 0)
                    .then(|| {
                        view! {
                            <div>
                                <dt>{tx(Key::WalletSubsidy)}</dt>
                                <dd class="num">{yuan(subsidy)}</dd>
                            </div>
                        }
                    })}
                {spent_today
                    .map(|(spent, limit)| {
                        view! {
                            <div>
                                <dt>{tx(Key::SpentToday)}</dt>
                                <dd class="num" data-testid="wallet-spent-today">
                                    {format!("{} / {}", yuan(spent), yuan(limit))}
                                </dd>
                            </div>
                        }
                    })}
            </dl>
            {(owed > 0)
                .then(|| {
                    view! {
                        <p class="alert alert-error" data-testid="wallet-owed">
                            {tx(Key::WalletOwed)}
                            " "
                            <span class="num">{yuan(owed)}</span>
                            " — "
                            {tx(Key::WalletOwedNote)}
                        </p>
                    }
                })}
        </Card>
    }
}

fn status_key(status: CardStatus) -> (Key, Tone) {
    match status {
        CardStatus::Active => (Key::CardActive, Tone::Info),
        CardStatus::Frozen => (Key::CardFrozen, Tone::Attention),
        CardStatus::Replaced => (Key::CardReplaced, Tone::Neutral),
    }
}

#[component]
fn CardsCard(
    cards: Vec<CardDto>,
    on_change: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let session = use_session();
    let busy = RwSignal::new(false);
    let report = move |id: CardId| {
        busy.set(true);
        spawn_local(async move {
            let result = api::report_card_lost(ReportCardLost { card_id: id }).await;
            busy.try_set(false);
            match result {
                Ok(()) => {
                    session
                        .toaster
                        .show(Key::CardReportedLost, ToastKind::Success);
                    on_change();
                }
                Err(e) => complain(session, &e),
            }
        });
    };
    let unfreeze = move |id: CardId| {
        busy.set(true);
        spawn_local(async move {
            let result = api::unfreeze_card(id).await;
            busy.try_set(false);
            match result {
                Ok(_) => {
                    session.toaster.show(Key::CardUnfrozen, ToastKind::Success);
                    on_change();
                }
                Err(e) => complain(session, &e),
            }
        });
    };
    let empty = cards.is_empty();
    view! {
        <Card testid="wallet-cards" labelled_by="cards-title">
            <h2 id="cards-title" class="card-title">{tx(Key::CardsTitle)}</h2>
            {empty.then(|| view! { <p class="muted">{tx(Key::NoCards)}</p> })}
            <ul class="list">
                {cards
                    .into_iter()
                    .map(|c| {
                        let (label, tone) = status_key(c.status);
                        let id = c.id;
                        view! {
                            <li class="list-row" data-testid="card-row" data-status=c.status.slug()>
                                <div class="list-row-main">
                                    <span class="list-row-title num">
                                        {tx(Key::CardNumber)}
                                        " "
                                        {c.uid.clone()}
                                    </span>
                                    <span class="list-row-sub">
                                        <Badge tone=tone>{tx(label)}</Badge>
                                    </span>
                                </div>
                                <div class="list-row-actions">
                                    {match c.status {
                                        CardStatus::Active => {
                                            view! {
                                                <Button
                                                    kind=ButtonKind::Secondary
                                                    testid="card-report-lost"
                                                    disabled=busy
                                                    on:click=move |_| report(id)
                                                >
                                                    {tx(Key::CardReportLost)}
                                                </Button>
                                            }
                                                .into_any()
                                        }
                                        CardStatus::Frozen => {
                                            view! {
                                                <Button
                                                    kind=ButtonKind::Secondary
                                                    testid="card-unfreeze"
                                                    disabled=busy
                                                    on:click=move |_| unfreeze(id)
                                                >
                                                    {tx(Key::CardUnfreeze)}
                                                </Button>
                                            }
                                                .into_any()
                                        }
                                        CardStatus::Replaced => ().into_any(),
                                    }}
                                </div>
                            </li>
                        }
                    })
                    .collect_view()}
            </ul>
        </Card>
    }
}

#[component]
fn TopUpCard(on_done: impl Fn(Wallet) + Copy + Send + Sync + 'static) -> impl IntoView {
    let session = use_session();
    let amount = RwSignal::new(String::new());
    let error = RwSignal::new(None::<Key>);
    let saving = RwSignal::new(false);
    // One id per attempt: a retry after a lost answer is paid once.
    let attempt = RwSignal::new(TransferId::new());
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if saving.get_untracked() {
            return;
        }
        let Ok(money) = Money::parse_yuan(&amount.get_untracked()) else {
            error.set(Some(Key::ErrAmount));
            return;
        };
        error.set(None);
        saving.set(true);
        let req = TopUp {
            id: attempt.get_untracked(),
            amount: money.0,
        };
        spawn_local(async move {
            let result = api::top_up(req).await;
            saving.try_set(false);
            match result {
                Ok(wallet) => {
                    attempt.try_set(TransferId::new());
                    amount.try_set(String::new());
                    session.toaster.show(Key::TopUpDone, ToastKind::Success);
                    on_done(wallet);
                }
                Err(e) if e.field() == Some("amount") => {
                    error.try_set(Some(Key::ErrAmount));
                }
                Err(e) => complain(session, &e),
            }
        });
    };
    view! {
        <Card testid="wallet-top-up" labelled_by="top-up-title">
            <h2 id="top-up-title" class="card-title">
                {tx(Key::TopUpTitle)}
                " "
                <Badge tone=Tone::Attention testid="top-up-simulator">{tx(Key::Simulator)}</Badge>
            </h2>
            <p class="muted">{tx(Key::TopUpSimulatorNote)}</p>
            <form class="form" novalidate=true on:submit=on_submit>
                <TextField
                    id="top-up-amount"
                    label=Key::AmountYuan
                    kind=InputKind::Decimal
                    value=amount
                    testid="top-up-amount"
                    error=error
                />
                <Button submit=true disabled=saving testid="top-up-submit">
                    {tx(Key::TopUpSubmit)}
                </Button>
            </form>
        </Card>
    }
}

fn code_key(code: TransferCode) -> Key {
    match code {
        TransferCode::TopUp => Key::CodeTopUp,
        TransferCode::Sale => Key::CodeSale,
        TransferCode::SubsidySale => Key::CodeSubsidySale,
        TransferCode::SubsidyGrant => Key::CodeSubsidyGrant,
        TransferCode::Refund => Key::CodeRefund,
        TransferCode::Sweep => Key::CodeSweep,
        TransferCode::Receivable => Key::CodeReceivable,
        TransferCode::Collection => Key::CodeCollection,
        TransferCode::Withdrawal => Key::CodeWithdrawal,
        TransferCode::Correction => Key::CodeCorrection,
    }
}

/// A date input bound to `day` (empty: no bound).
fn date_field(
    day: RwSignal<Option<chrono::NaiveDate>>,
    label: Key,
    id: &'static str,
) -> impl IntoView {
    view! {
        <label class="field-inline" for=id>
            <span class="field-label">{tx(label)}</span>
            <input
                id=id
                class="field-input"
                type="date"
                data-testid=id
                prop:value=move || day.get().map(|d| d.to_string()).unwrap_or_default()
                on:change=move |ev| {
                    day.set(chrono::NaiveDate::parse_from_str(&event_target_value(&ev), "%Y-%m-%d").ok());
                }
            />
        </label>
    }
}

#[component]
fn StatementCard(revision: RwSignal<u32>) -> impl IntoView {
    let session = use_session();
    let filter = RwSignal::new(None::<TransferCode>);
    // Campus days, inclusive; empty means open-ended.
    let from = RwSignal::new(None::<chrono::NaiveDate>);
    let to = RwSignal::new(None::<chrono::NaiveDate>);
    let lines = RwSignal::new(Vec::<StatementLine>::new());
    let next = RwSignal::new(None::<TransferId>);
    let loading = RwSignal::new(false);
    let fetch = move |before: Option<TransferId>| {
        loading.set(true);
        let code = filter.get_untracked();
        let days = (from.get_untracked(), to.get_untracked());
        spawn_local(async move {
            let result = api::statement(code, days, before).await;
            loading.try_set(false);
            match result {
                Ok(Statement { items, next: more }) => {
                    if before.is_none() {
                        lines.try_set(items);
                    } else {
                        lines.try_update(|l| l.extend(items));
                    }
                    next.try_set(more);
                }
                Err(e) => complain(session, &e),
            }
        });
    };
    Effect::new(move |_| {
        revision.track();
        filter.track();
        from.track();
        to.track();
        fetch(None);
    });
    let lang = use_i18n().lang;
    let option = move |value: Option<TransferCode>, label: Key, id: &'static str| {
        view! {
            <label class="choice" for=id>
                <input
                    type="radio"
                    name="statement-filter"
                    id=id
                    data-testid=id
                    prop:checked=move || filter.get() == value
                    on:change=move |_| filter.set(value)
                />
                <span>{tx(label)}</span>
            </label>
        }
    };
    view! {
        <Card testid="wallet-statement" labelled_by="statement-title">
            <h2 id="statement-title" class="card-title">{tx(Key::StatementTitle)}</h2>
            <fieldset class="choices">
                <legend class="field-label">{tx(Key::StatementFilter)}</legend>
                {option(None, Key::FilterAll, "statement-all")}
                {option(Some(TransferCode::Sale), Key::FilterSales, "statement-sales")}
                {option(Some(TransferCode::TopUp), Key::FilterTopUps, "statement-top-ups")}
            </fieldset>
            <div class="office-controls">
                {date_field(from, Key::StatementFrom, "statement-from")}
                {date_field(to, Key::StatementTo, "statement-to")}
            </div>
            {move || {
                (lines.with(Vec::is_empty) && !loading.get())
                    .then(|| view! { <p class="muted">{tx(Key::StatementEmpty)}</p> })
            }}
            <ul class="list" aria-live="polite">
                {move || {
                    lines
                        .get()
                        .into_iter()
                        .map(|l| {
                            let signed = l.signed_amount;
                            let amount = if signed > 0 {
                                format!("+{}", yuan(signed))
                            } else {
                                yuan(signed)
                            };
                            view! {
                                <li class="list-row" data-testid="statement-line" data-code=l.transfer.code.slug()>
                                    <div class="list-row-main">
                                        <span class="list-row-title">
                                            {move || code_key(l.transfer.code).text(lang.get())}
                                        </span>
                                        <span class="list-row-sub num">
                                            {format_datetime(l.transfer.created_at)}
                                        </span>
                                    </div>
                                    <span class="num" data-fen=signed>{amount}</span>
                                </li>
                            }
                        })
                        .collect_view()
                }}
            </ul>
            {move || {
                next.get()
                    .map(|before| {
                        view! {
                            <Button
                                kind=ButtonKind::Secondary
                                testid="statement-more"
                                disabled=loading
                                on:click=move |_| fetch(Some(before))
                            >
                                {tx(Key::LoadMore)}
                            </Button>
                        }
                    })
            }}
        </Card>
    }
}

/// Reads the limits form: both amounts in yuan (the no-PIN amount may be 0).
fn read_limits(daily: &str, no_pin: &str) -> Result<WalletSettings, (&'static str, Key)> {
    let daily = Money::parse_yuan(daily).map_err(|_| ("daily", Key::ErrAmount))?;
    let no_pin = match no_pin.trim() {
        "0" | "0.0" | "0.00" => Money(0),
        text => Money::parse_yuan(text).map_err(|_| ("no_pin", Key::ErrAmount))?,
    };
    let settings = WalletSettings {
        daily_limit: daily.0,
        no_pin_limit: no_pin.0,
    };
    match settings.validate() {
        Ok(()) => Ok(settings),
        Err(e) if e.field == "daily_limit" => Err(("daily", Key::ErrDailyLimitRange)),
        Err(_) => Err(("no_pin", Key::ErrNoPinRange)),
    }
}

fn plain_yuan(fen: i64) -> String {
    format!("{}.{:02}", fen / 100, fen % 100)
}

#[component]
fn LimitsCard(
    wallet: Wallet,
    on_done: impl Fn(Wallet) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let session = use_session();
    let daily = RwSignal::new(plain_yuan(wallet.daily_limit));
    let no_pin = RwSignal::new(plain_yuan(wallet.no_pin_limit));
    let problem = RwSignal::new(None::<(&'static str, Key)>);
    let saving = RwSignal::new(false);
    let error_for = move |field: &'static str| {
        Signal::derive(move || problem.get().filter(|(f, _)| *f == field).map(|(_, k)| k))
    };
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if saving.get_untracked() {
            return;
        }
        let settings = match read_limits(&daily.get_untracked(), &no_pin.get_untracked()) {
            Ok(s) => s,
            Err(p) => {
                problem.set(Some(p));
                return;
            }
        };
        problem.set(None);
        saving.set(true);
        spawn_local(async move {
            let result = api::wallet_settings(settings).await;
            saving.try_set(false);
            match result {
                Ok(w) => {
                    session.toaster.show(Key::LimitsSaved, ToastKind::Success);
                    on_done(w);
                }
                Err(e) => complain(session, &e),
            }
        });
    };
    view! {
        <Card testid="wallet-limits" labelled_by="limits-title">
            <h2 id="limits-title" class="card-title">{tx(Key::LimitsTitle)}</h2>
            <form class="form" novalidate=true on:submit=on_submit>
                <TextField
                    id="limits-daily"
                    label=Key::DailyLimit
                    kind=InputKind::Decimal
                    value=daily
                    testid="limits-daily"
                    error=error_for("daily")
                />
                <TextField
                    id="limits-no-pin"
                    label=Key::NoPinLimit
                    hint=Key::NoPinLimitHint
                    kind=InputKind::Decimal
                    value=no_pin
                    testid="limits-no-pin"
                    error=error_for("no_pin")
                />
                <Button submit=true kind=ButtonKind::Secondary disabled=saving testid="limits-submit">
                    {tx(Key::Save)}
                </Button>
            </form>
        </Card>
    }
}

#[component]
fn PinCard(wallet: Wallet, on_done: impl Fn() + Copy + Send + Sync + 'static) -> impl IntoView {
    let session = use_session();
    let password = RwSignal::new(String::new());
    let pin = RwSignal::new(String::new());
    let problem = RwSignal::new(None::<(&'static str, Key)>);
    let saving = RwSignal::new(false);
    let error_for = move |field: &'static str| {
        Signal::derive(move || problem.get().filter(|(f, _)| *f == field).map(|(_, k)| k))
    };
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if saving.get_untracked() {
            return;
        }
        let (pw, new_pin) = (password.get_untracked(), pin.get_untracked());
        if check_pin(&new_pin).is_err() {
            problem.set(Some(("pin", Key::ErrPinFormat)));
            return;
        }
        if pw.is_empty() {
            problem.set(Some(("password", Key::ErrPasswordRequired)));
            return;
        }
        problem.set(None);
        saving.set(true);
        spawn_local(async move {
            let result = api::set_pin(SetPin {
                password: pw,
                pin: new_pin,
            })
            .await;
            saving.try_set(false);
            match result {
                Ok(()) => {
                    password.try_set(String::new());
                    pin.try_set(String::new());
                    session.toaster.show(Key::PinSaved, ToastKind::Success);
                    on_done();
                }
                Err(e) if e.field() == Some("password") => {
                    problem.try_set(Some(("password", Key::ErrCurrentPasswordWrong)));
                }
                Err(e) if e.field() == Some("pin") => {
                    problem.try_set(Some(("pin", Key::ErrPinFormat)));
                }
                Err(e) => complain(session, &e),
            }
        });
    };
    let state = if wallet.pin_set {
        Key::PinIsSet
    } else {
        Key::PinNotSet
    };
    view! {
        <Card testid="wallet-pin" labelled_by="pin-title">
            <h2 id="pin-title" class="card-title">{tx(Key::PinTitle)}</h2>
            <p class="muted" data-testid="pin-state" data-set=wallet.pin_set.to_string()>
                {tx(state)}
            </p>
            {wallet
                .pin_locked_until
                .map(|until| {
                    view! {
                        <p class="alert alert-error" data-testid="pin-locked">
                            {tx(Key::PinLockedUntil)}
                            " "
                            {format_datetime(until)}
                        </p>
                    }
                })}
            <form class="form" novalidate=true on:submit=on_submit>
                <TextField
                    id="pin-new"
                    label=Key::PinNew
                    hint=Key::PinHint
                    kind=InputKind::Pin
                    value=pin
                    autocomplete="off"
                    testid="pin-new"
                    error=error_for("pin")
                />
                <TextField
                    id="pin-password"
                    label=Key::Password
                    kind=InputKind::Password
                    value=password
                    autocomplete="current-password"
                    testid="pin-password"
                    error=error_for("password")
                />
                <Button submit=true kind=ButtonKind::Secondary disabled=saving testid="pin-submit">
                    {tx(Key::PinSave)}
                </Button>
            </form>
        </Card>
    }
}

#[cfg(test)]
mod tests {
    use houqin_shared::payments::MAX_DAILY_LIMIT;

    use super::*;

    #[test]
    fn limits_are_read_in_yuan() {
        assert_eq!(
            read_limits("300", "20"),
            Ok(WalletSettings {
                daily_limit: 30_000,
                no_pin_limit: 2_000
            })
        );
        assert_eq!(read_limits("300", "0").map(|s| s.no_pin_limit), Ok(0));
        assert_eq!(read_limits("abc", "20"), Err(("daily", Key::ErrAmount)));
        assert_eq!(read_limits("300", "x"), Err(("no_pin", Key::ErrAmount)));
        assert_eq!(read_limits("10", "20"), Err(("no_pin", Key::ErrNoPinRange)));
        let too_high = plain_yuan(MAX_DAILY_LIMIT + 100);
        assert_eq!(
            read_limits(&too_high, "20"),
            Err(("daily", Key::ErrDailyLimitRange))
        );
        assert_eq!(plain_yuan(2005), "20.05");
    }

    #[test]
    fn every_movement_has_a_name() {
        let keys: std::collections::HashSet<Key> =
            TransferCode::ALL.into_iter().map(code_key).collect();
        assert_eq!(keys.len(), TransferCode::ALL.len());
    }
}
