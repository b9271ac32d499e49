//! The managers' view of the canteens (`houqin_shared::dining::Dashboard`):
//! orders served and kiosk card sales by window and hour, dishes sold,
//! cancellations, the average wait from pickup time to ready, and the
//! satisfaction trend — with CSV and XLSX exports. From orders (app and
//! walk-in), the kiosks' approved sales and ratings; campus time.

use std::collections::{BTreeMap, HashMap};

use axum::extract::State;
use axum::response::Response;
use chrono::{NaiveDate, Timelike};
use houqin_shared::dining::{
    Dashboard, DaySatisfaction, DishSales, HourSales, OrderStatus, WindowSales,
};
use houqin_shared::ids::{DishId, WindowId};
use houqin_shared::kiosk::campus_day;
use houqin_shared::text::LocalName;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;

use crate::authz::Principal;
use crate::entities::{canteen_windows, order_lines, orders, ratings, sales};
use crate::error::{ApiError, ApiResult};
use crate::export::{Cell, table};
use crate::extract::{Json, Query};
use crate::state::AppState;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RangeQuery {
    /// First campus day (default: 6 days before `to`).
    pub from: Option<NaiveDate>,
    /// Last campus day (default: today).
    pub to: Option<NaiveDate>,
    /// Exports only: `csv` or `xlsx`.
    pub format: Option<String>,
}

async fn build(state: &AppState, campus: Uuid, q: &RangeQuery) -> ApiResult<Dashboard> {
    let to = q.to.unwrap_or_else(|| campus_day(state.clock.now()));
    let from = q.from.unwrap_or(to - chrono::Duration::days(6));
    if from > to {
        return Err(ApiError::validation("from", "must not be after `to`"));
    }
    if (to - from).num_days() > 92 {
        return Err(ApiError::validation("from", "at most 93 days at once"));
    }
    let days: Vec<String> = from
        .iter_days()
        .take_while(|d| *d <= to)
        .map(|d| d.to_string())
        .collect();
    let conn = &state.db.conn;
    let list = orders::Entity::find()
        .filter(orders::Column::CampusId.eq(campus))
        .filter(orders::Column::Day.is_in(days))
        .all(conn)
        .await?;
    let served: Vec<&orders::Model> = list
        .iter()
        .filter(|o| o.status == OrderStatus::PickedUp.slug())
        .collect();
    let cancelled = list
        .iter()
        .filter(|o| o.status == OrderStatus::Cancelled.slug())
        .count();
    let windows: HashMap<Uuid, canteen_windows::Model> = canteen_windows::Entity::find()
        .filter(canteen_windows::Column::CampusId.eq(campus))
        .all(conn)
        .await?
        .into_iter()
        .map(|w| (w.id, w))
        .collect();
    // Window → (orders, fen, card sales, card fen).
    let mut by_window: BTreeMap<Uuid, (u32, i64, u32, i64)> = BTreeMap::new();
    // Hour → (orders, card sales).
    let mut by_hour = [(0u32, 0u32); 24];
    let mut waits = Vec::new();
    for o in &served {
        let e = by_window.entry(o.window_id).or_default();
        e.0 += 1;
        e.1 += o.total;
        let local = o.slot + chrono::Duration::hours(8);
        by_hour[local.hour() as usize].0 += 1;
        if let Some(ready) = o.ready_at {
            let from = o.slot.max(o.created_at);
            waits.push((ready - from).num_minutes().max(0));
        }
    }
    let (start, _) = crate::payments::settlement::day_bounds(from);
    let (_, end) = crate::payments::settlement::day_bounds(to);
    let card = sales::Entity::find()
        .filter(sales::Column::CampusId.eq(campus))
        .filter(sales::Column::Status.eq("approved"))
        .filter(sales::Column::CreatedAt.gte(start))
        .filter(sales::Column::CreatedAt.lt(end))
        .all(conn)
        .await?;
    for sale in &card {
        let e = by_window.entry(sale.window_id).or_default();
        e.2 += 1;
        e.3 += sale.amount;
        let local = sale.created_at + chrono::Duration::hours(8);
        by_hour[local.hour() as usize].1 += 1;
    }
    // Dishes sold: orders picked up, and the dishes of kiosk sales (walk-ins,
    // paid at the till) however far the window has got with them.
    let ids: Vec<Uuid> = list
        .iter()
        .filter(|o| {
            o.status == OrderStatus::PickedUp.slug()
                || (o.source == "walk_in" && o.status != OrderStatus::Cancelled.slug())
        })
        .map(|o| o.id)
        .collect();
    let mut portions: HashMap<Uuid, (LocalName, u32)> = HashMap::new();
    for chunk in ids.chunks(500) {
        for l in order_lines::Entity::find()
            .filter(order_lines::Column::OrderId.is_in(chunk.iter().copied()))
            .all(conn)
            .await?
        {
            let e = portions
                .entry(l.dish_id)
                .or_insert_with(|| (LocalName::new(l.name_zh.clone(), l.name_en.clone()), 0));
            e.1 += u32::try_from(l.quantity).unwrap_or(0);
        }
    }
    let mut popular: Vec<DishSales> = portions
        .into_iter()
        .map(|(id, (name, n))| DishSales {
            dish_id: DishId(id),
            name,
            portions: n,
        })
        .collect();
    popular.sort_by_key(|d| std::cmp::Reverse(d.portions));
    popular.truncate(10);
    let mut per_day: BTreeMap<NaiveDate, (u32, u32)> = BTreeMap::new();
    for r in ratings::Entity::find()
        .filter(ratings::Column::CampusId.eq(campus))
        .filter(ratings::Column::CreatedAt.gte(start))
        .filter(ratings::Column::CreatedAt.lt(end))
        .all(conn)
        .await?
    {
        let e = per_day.entry(campus_day(r.created_at)).or_default();
        e.0 += 1;
        e.1 += u32::try_from(r.stars).unwrap_or(0);
    }
    let count = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
    Ok(Dashboard {
        from,
        to,
        orders: count(served.len()),
        revenue: served.iter().map(|o| o.total).sum(),
        cancelled: count(cancelled),
        card_sales: count(card.len()),
        card_revenue: card.iter().map(|s| s.amount).sum(),
        average_wait_minutes: (!waits.is_empty())
            .then(|| u32::try_from(waits.iter().sum::<i64>() / waits.len() as i64).unwrap_or(0)),
        by_window: by_window
            .into_iter()
            .map(|(id, (n, fen, card_n, card_fen))| WindowSales {
                window_id: WindowId(id),
                name: windows
                    .get(&id)
                    .map(|w| LocalName::new(w.name_zh.clone(), w.name_en.clone()))
                    .unwrap_or_else(|| LocalName::new("", "")),
                orders: n,
                revenue: fen,
                card_sales: card_n,
                card_revenue: card_fen,
            })
            .collect(),
        by_hour: by_hour
            .iter()
            .enumerate()
            .filter(|(_, (n, card_n))| *n + *card_n > 0)
            .map(|(h, (n, card_n))| HourSales {
                hour: u32::try_from(h).unwrap_or(0),
                orders: *n,
                card_sales: *card_n,
            })
            .collect(),
        popular,
        satisfaction: per_day
            .into_iter()
            .map(|(day, (n, stars))| DaySatisfaction {
                day,
                ratings: n,
                average_tenths: (stars * 10 + n / 2) / n.max(1),
            })
            .collect(),
    })
}

/// The canteens' figures for a range of campus days (managers).
#[utoipa::path(get, path = "/dining/dashboard", tag = "dining", params(RangeQuery),
    responses((status = 200, body = Dashboard), (status = 401, body = houqin_shared::ApiErrorBody),
        (status = 403, body = houqin_shared::ApiErrorBody), (status = 422, body = houqin_shared::ApiErrorBody)))]
pub async fn dashboard(
    State(state): State<AppState>,
    p: Principal,
    Query(q): Query<RangeQuery>,
) -> ApiResult<Json<Dashboard>> {
    Ok(Json(build(&state, p.campus_id, &q).await?))
}

fn yuan(fen: i64) -> f64 {
    fen as f64 / 100.0
}

/// The same figures as a file: CSV (UTF-8 with a BOM) or XLSX.
#[utoipa::path(get, path = "/dining/dashboard/export", tag = "dining", params(RangeQuery),
    responses((status = 200, description = "the file", content_type = "text/csv"),
        (status = 401, body = houqin_shared::ApiErrorBody), (status = 403, body = houqin_shared::ApiErrorBody),
        (status = 422, body = houqin_shared::ApiErrorBody)))]
pub async fn export(
    State(state): State<AppState>,
    p: Principal,
    Query(q): Query<RangeQuery>,
) -> ApiResult<Response> {
    let format = q.format.clone().unwrap_or_default();
    if format != "csv" && format != "xlsx" {
        return Err(ApiError::validation("format", "must be csv or xlsx"));
    }
    let d = build(&state, p.campus_id, &q).await?;
    // One table: section, item, orders/portions, yuan.
    let mut rows: Vec<(String, String, u32, Option<f64>)> = vec![(
        "总计 Total".into(),
        format!("{} – {}", d.from, d.to),
        d.orders,
        Some(yuan(d.revenue)),
    )];
    rows.push(("取消 Cancelled".into(), String::new(), d.cancelled, None));
    rows.push((
        "刷卡 Card sales".into(),
        format!("{} – {}", d.from, d.to),
        d.card_sales,
        Some(yuan(d.card_revenue)),
    ));
    for w in &d.by_window {
        rows.push((
            "窗口 Window".into(),
            w.name.zh.clone(),
            w.orders,
            Some(yuan(w.revenue)),
        ));
        rows.push((
            "窗口刷卡 Window card sales".into(),
            w.name.zh.clone(),
            w.card_sales,
            Some(yuan(w.card_revenue)),
        ));
    }
    for h in &d.by_hour {
        rows.push((
            "时段 Hour".into(),
            format!("{:02}:00", h.hour),
            h.orders,
            None,
        ));
        rows.push((
            "时段刷卡 Hour card sales".into(),
            format!("{:02}:00", h.hour),
            h.card_sales,
            None,
        ));
    }
    for dish in &d.popular {
        rows.push((
            "热销 Popular".into(),
            dish.name.zh.clone(),
            dish.portions,
            None,
        ));
    }
    for s in &d.satisfaction {
        rows.push((
            "满意度 Satisfaction".into(),
            s.day.to_string(),
            s.ratings,
            Some(f64::from(s.average_tenths) / 10.0),
        ));
    }
    let rows: Vec<Vec<Cell>> = rows
        .into_iter()
        .map(|(a, b, n, v)| vec![a.into(), b.into(), f64::from(n).into(), v.into()])
        .collect();
    table(
        &format,
        &format!("houqin-dining-{}-{}", d.from, d.to),
        "餐饮 Dining",
        &[
            "类别 Section",
            "项目 Item",
            "数量 Count",
            "金额/星级 Yuan/Stars",
        ],
        &rows,
    )
}
