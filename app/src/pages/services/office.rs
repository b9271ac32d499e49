//! The canteen office's card on the payments page (managers): a campus
//! day's reconciliation — sales against the ledger per canteen and window,
//! offline sales and what they left owed, refunds, the tills — the day's
//! offline exceptions, settling an ended day, and exports (CSV, XLSX).

use chrono::{DateTime, NaiveDate, Utc};
use houqin_shared::Money;
use houqin_shared::ids::CanteenId;
use houqin_shared::kiosk::campus_day;
use houqin_shared::settlement::{CanteenDay, OfflineException, Reconciliation, SettleDay};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api;
use crate::components::button::{Button, ButtonKind};
use crate::components::card::Card;
use crate::components::toast::ToastKind;
use crate::i18n::{Key, error_key, fill, format_datetime, local_name, tx, use_i18n};
use crate::session::use_session;

fn yuan(fen: i64) -> String {
    Money(fen).to_string()
}

/// The words for an exception kind (the server's `offline::exception`).
pub(super) fn exception_key(kind: &str) -> Key {
    match kind {
        "seq_gap" => Key::ExcSeqGap,
        "seq_reused" => Key::ExcSeqReused,
        "unknown_payer" => Key::ExcUnknownPayer,
        "shortfall" => Key::ExcShortfall,
        "hot_card_sold" => Key::ExcHotCardSold,
        "code_reused" => Key::ExcCodeReused,
        "code_stale" => Key::ExcCodeStale,
        _ => Key::ExcOther,
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Load {
    Idle,
    Loading,
    Ready(Reconciliation),
    Failed(Key),
}

#[component]
pub fn OfficeCard() -> impl IntoView {
    let session = use_session();
    // `Utc::now()` has no clock on wasm32: the browser's is asked.
    let now =
        DateTime::<Utc>::from_timestamp_millis(js_sys::Date::now() as i64).unwrap_or_default();
    let today = campus_day(now);
    let day = RwSignal::new(today);
    let state = RwSignal::new(Load::Idle);
    let load = move || {
        let d = day.get_untracked();
        state.set(Load::Loading);
        spawn_local(async move {
            match api::reconciliation(d).await {
                Ok(r) => {
                    state.try_set(Load::Ready(r));
                }
                Err(e) if session.check(&e) => {}
                Err(e) => {
                    state.try_set(Load::Failed(error_key(&e)));
                }
            }
        });
    };
    Effect::new(move |_| {
        day.track();
        load();
    });
    let export = move |format: &'static str| {
        let d = day.get_untracked();
        spawn_local(async move {
            if let Err(e) = api::download_reconciliation(d, format).await
                && !session.check(&e)
            {
                session.toaster.show(error_key(&e), ToastKind::Error);
            }
        });
    };

    view! {
        <Card testid="office" labelled_by="office-title">
            <h2 id="office-title" class="card-title">{tx(Key::OfficeTitle)}</h2>
            <div class="office-controls">
                <label class="field-inline" for="office-day">
                    <span class="field-label">{tx(Key::OfficeDay)}</span>
                    <input
                        id="office-day"
                        class="field-input"
                        type="date"
                        data-testid="office-day"
                        prop:value=move || day.get().to_string()
                        on:change=move |ev| {
                            if let Ok(d) = NaiveDate::parse_from_str(&event_target_value(&ev), "%Y-%m-%d") {
                                day.set(d);
                            }
                        }
                    />
                </label>
                {api::can_download().then(|| view! {
                    <Button kind=ButtonKind::Secondary testid="office-export-csv" on:click=move |_| export("csv")>
                        {tx(Key::OfficeExportCsv)}
                    </Button>
                    <Button kind=ButtonKind::Secondary testid="office-export-xlsx" on:click=move |_| export("xlsx")>
                        {tx(Key::OfficeExportXlsx)}
                    </Button>
                })}
            </div>
            {move || match state.get() {
                Load::Idle | Load::Loading => view! { <p class="muted">{tx(Key::Loading)}</p> }.into_any(),
                Load::Failed(key) => view! {
                    <p class="alert alert-error" data-testid="office-error">{tx(key)}</p>
                }
                    .into_any(),
                Load::Ready(r) => view! { <Report report=r today=today on_settled=load /> }.into_any(),
            }}
        </Card>
    }
}

#[component]
fn Report(
    report: Reconciliation,
    today: NaiveDate,
    on_settled: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let lang = use_i18n().lang;
    let day = report.day;
    let summary = move || {
        let lang = lang.get();
        let mut lines = vec![
            if report.matches {
                Key::OfficeMatches.text(lang).to_owned()
            } else {
                Key::OfficeMismatch.text(lang).to_owned()
            },
            if report.books_balance {
                Key::OfficeBooks.text(lang).to_owned()
            } else {
                fill(Key::OfficeBooksOff.text(lang), report.audit_differences)
            },
        ];
        lines.push(fill(
            &fill(Key::OfficeOwed.text(lang), report.owing_accounts),
            yuan(report.owed),
        ));
        lines.join(" · ")
    };
    let ok = report.matches && report.books_balance;
    let canteens = report.canteens.clone();
    let exceptions = report.exceptions.clone();
    view! {
        <p
            class=if ok { "kiosk-net" } else { "kiosk-net kiosk-net-offline" }
            role="status"
            data-testid="office-summary"
            data-matches=report.matches.to_string()
        >
            {summary}
        </p>
        {canteens
            .into_iter()
            .map(|c| view! { <CanteenTable canteen=c day=day today=today on_settled=on_settled /> })
            .collect_view()}
        <h3 class="card-subtitle">{tx(Key::OfficeExceptions)}</h3>
        {if exceptions.is_empty() {
            view! { <p class="muted" data-testid="office-no-exceptions">{tx(Key::OfficeNoExceptions)}</p> }.into_any()
        } else {
            view! {
                <ul class="list" data-testid="office-exceptions">
                    {exceptions.into_iter().map(|e| view! { <ExceptionRow exception=e /> }).collect_view()}
                </ul>
            }
                .into_any()
        }}
    }
}

#[component]
fn ExceptionRow(exception: OfflineException) -> impl IntoView {
    let key = exception_key(&exception.kind);
    view! {
        <li class="list-row" data-testid="office-exception" data-kind=exception.kind.clone()>
            <span>{tx(key)}</span>
            <span class="num">{yuan(exception.amount)}</span>
            <span class="muted num">{format_datetime(exception.at)}</span>
            <span class="muted">{exception.detail}</span>
        </li>
    }
}

#[component]
fn CanteenTable(
    canteen: CanteenDay,
    day: NaiveDate,
    today: NaiveDate,
    on_settled: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let session = use_session();
    let lang = use_i18n().lang;
    let busy = RwSignal::new(false);
    let id: CanteenId = canteen.canteen_id;
    let settle = move |_| {
        busy.set(true);
        spawn_local(async move {
            match api::settle(SettleDay {
                canteen_id: id,
                day,
            })
            .await
            {
                Ok(_) => {
                    session
                        .toaster
                        .show(Key::OfficeSettledToast, ToastKind::Success);
                    on_settled();
                }
                Err(e) if session.check(&e) => {}
                Err(e) => session.toaster.show(error_key(&e), ToastKind::Error),
            }
            busy.try_set(false);
        });
    };
    let name = canteen.name.clone();
    let caption = move || local_name(&name, lang.get());
    let headers = [
        Key::KioskWindow,
        Key::OfficeColSales,
        Key::OfficeColGross,
        Key::OfficeColOffline,
        Key::OfficeColOwed,
        Key::OfficeColRefunded,
        Key::OfficeColNet,
        Key::OfficeColLedger,
        Key::OfficeColTill,
    ];
    let settlement = canteen.settlement.clone();
    view! {
        <table class="data-table" data-testid="office-canteen" data-matches=canteen.matches.to_string()>
            <caption>{caption}</caption>
            <thead>
                <tr>{headers.map(|k| view! { <th scope="col">{tx(k)}</th> }).collect_view()}</tr>
            </thead>
            <tbody>
                {canteen
                    .windows
                    .into_iter()
                    .map(|w| {
                        let name = w.name.clone();
                        view! {
                            <tr data-testid="office-window" data-matches=w.matches.to_string()
                                class=if w.matches { "" } else { "row-alert" }>
                                <th scope="row">{move || local_name(&name, lang.get())}</th>
                                <td class="num">{w.sales}</td>
                                <td class="num">{yuan(w.gross)}</td>
                                <td class="num">{format!("{} / {}", w.offline_sales, yuan(w.offline_amount))}</td>
                                <td class="num">{yuan(w.receivable)}</td>
                                <td class="num">{yuan(w.refunded)}</td>
                                <td class="num">{yuan(w.net)}</td>
                                <td class="num">{yuan(w.ledger_net)}</td>
                                <td class="num">{yuan(w.till_balance)}</td>
                            </tr>
                        }
                    })
                    .collect_view()}
            </tbody>
        </table>
        {match settlement {
            Some(s) => view! {
                <p class="muted" data-testid="office-settled">
                    {move || fill(&fill(Key::OfficeSettled.text(lang.get()), yuan(s.swept)), format_datetime(s.settled_at))}
                </p>
            }
                .into_any(),
            None if day < today => view! {
                <Button kind=ButtonKind::Primary testid="office-settle" disabled=busy on:click=settle>
                    {tx(Key::OfficeSettle)}
                </Button>
            }
                .into_any(),
            None => view! { <p class="muted">{tx(Key::OfficeSettleLater)}</p> }.into_any(),
        }}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_exception_kind_has_words() {
        let kinds = [
            "seq_gap",
            "seq_reused",
            "unknown_payer",
            "shortfall",
            "hot_card_sold",
            "code_reused",
            "code_stale",
        ];
        let keys: std::collections::HashSet<Key> = kinds.iter().map(|k| exception_key(k)).collect();
        assert_eq!(keys.len(), kinds.len());
        assert!(!keys.contains(&Key::ExcOther));
        assert_eq!(exception_key("new_kind"), Key::ExcOther);
    }
}
