//! The managers' dining dashboard: orders served, revenue, cancellations
//! and the average wait for a range of days; bar charts of orders by hour
//! and by window and of satisfaction by day; the most ordered dishes; CSV
//! and XLSX exports (in a browser).

use chrono::{DateTime, Utc};
use houqin_shared::Money;
use houqin_shared::dining::Dashboard;
use houqin_shared::kiosk::campus_day;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api;
use crate::components::button::{Button, ButtonKind};
use crate::components::card::Card;
use crate::components::form_field::DateField;
use crate::components::toast::ToastKind;
use crate::i18n::{Key, error_key, fill, local_name, tx, use_i18n};
use crate::session::use_session;

/// Bars as SVG: one per (label, value), scaled to the largest; the values
/// are also in the title of each bar and in the table beside it for
/// screen readers.
pub(crate) fn bars(id: &'static str, items: Vec<(String, u32)>) -> impl IntoView {
    let max = items.iter().map(|(_, v)| *v).max().unwrap_or(0).max(1);
    // At least eight bars' room: one bar is not drawn wall to wall.
    let n = (items.len() as u32).max(8);
    let width = 40 * n;
    view! {
        <svg class="chart" data-testid=id viewBox=format!("0 0 {width} 120") role="img" aria-hidden="true">
            {items.into_iter().enumerate().map(|(i, (label, v))| {
                let h = 100 * v / max;
                let x = 40 * i as u32 + 6;
                view! {
                    <g>
                        <title>{format!("{label}: {v}")}</title>
                        <rect x=x y=100 - h width="28" height=h class="chart-bar" />
                        <text x=x + 14 y="115" class="chart-label" text-anchor="middle">{label}</text>
                    </g>
                }
            }).collect_view()}
        </svg>
    }
}

#[component]
pub fn DashboardCard() -> impl IntoView {
    let session = use_session();
    let lang = use_i18n().lang;
    let now =
        DateTime::<Utc>::from_timestamp_millis(js_sys::Date::now() as i64).unwrap_or_default();
    let to = RwSignal::new(campus_day(now));
    let from = RwSignal::new(campus_day(now) - chrono::Duration::days(6));
    let data = RwSignal::new(None::<Dashboard>);
    Effect::new(move |_| {
        let (f, t) = (from.get(), to.get());
        spawn_local(async move {
            match api::dining_dashboard(f, t).await {
                Ok(d) => {
                    data.try_set(Some(d));
                }
                Err(e) if session.check(&e) => {}
                Err(e) => session.toaster.show(error_key(&e), ToastKind::Error),
            }
        });
    });
    let export = move |format: &'static str| {
        let (f, t) = (from.get_untracked(), to.get_untracked());
        spawn_local(async move {
            if let Err(e) = api::download_dining(f, t, format).await
                && !session.check(&e)
            {
                session.toaster.show(error_key(&e), ToastKind::Error);
            }
        });
    };
    view! {
        <Card testid="dining-dashboard" labelled_by="dining-dashboard-title">
            <h2 id="dining-dashboard-title" class="card-title">{tx(Key::DashTitle)}</h2>
            <div class="office-controls">
                <DateField id="dash-from" label=Key::StatementFrom value=from />
                <DateField id="dash-to" label=Key::StatementTo value=to />
                {api::can_download().then(|| view! {
                    <Button kind=ButtonKind::Secondary testid="dash-export-csv" on:click=move |_| export("csv")>{tx(Key::OfficeExportCsv)}</Button>
                    <Button kind=ButtonKind::Secondary testid="dash-export-xlsx" on:click=move |_| export("xlsx")>{tx(Key::OfficeExportXlsx)}</Button>
                })}
            </div>
            {move || data.get().map(|d| {
                let lang = lang.get();
                let summary = format!(
                    "{} · {} · {} · {} · {}{}",
                    fill(Key::DashOrders.text(lang), d.orders),
                    Money(d.revenue),
                    fill(Key::DashCardSales.text(lang), d.card_sales),
                    Money(d.card_revenue),
                    fill(Key::DashCancelled.text(lang), d.cancelled),
                    d.average_wait_minutes
                        .map(|m| format!(" · {}", fill(Key::DashWait.text(lang), m)))
                        .unwrap_or_default(),
                );
                let hours: Vec<(String, u32)> = d.by_hour.iter().map(|h| (format!("{}", h.hour), h.orders + h.card_sales)).collect();
                let windows: Vec<(String, u32)> = d.by_window.iter().enumerate().map(|(i, w)| (format!("{}", i + 1), w.orders + w.card_sales)).collect();
                let trend: Vec<(String, u32)> = d.satisfaction.iter().map(|s| (s.day.format("%m-%d").to_string(), s.average_tenths)).collect();
                view! {
                    <p data-testid="dash-summary" data-orders=d.orders data-card-sales=d.card_sales>{summary}</p>
                    <div class="charts">
                        <figure>
                            <figcaption>{tx(Key::DashByHour)}</figcaption>
                            {bars("dash-by-hour", hours)}
                        </figure>
                        <figure>
                            <figcaption>{tx(Key::DashByWindow)}</figcaption>
                            {bars("dash-by-window", windows)}
                            <ol class="chart-legend">
                                {d.by_window.iter().map(|w| {
                                    let name = local_name(&w.name, lang);
                                    let card = Key::DashCardShort.text(lang);
                                    view! {
                                        <li>
                                            {name} " · " {w.orders} " · " {Money(w.revenue).to_string()}
                                            " · " {card} " " {w.card_sales} " · " {Money(w.card_revenue).to_string()}
                                        </li>
                                    }
                                }).collect_view()}
                            </ol>
                        </figure>
                        <figure>
                            <figcaption>{tx(Key::DashSatisfaction)}</figcaption>
                            {bars("dash-satisfaction", trend)}
                        </figure>
                    </div>
                    <h3 class="card-subtitle">{tx(Key::DashPopular)}</h3>
                    <ol class="list" data-testid="dash-popular">
                        {d.popular.iter().map(|p| {
                            let name = local_name(&p.name, lang);
                            view! { <li class="list-row"><span class="list-row-title">{name}</span><span class="num">{p.portions}</span></li> }
                        }).collect_view()}
                    </ol>
                }
            })}
        </Card>
    }
}
