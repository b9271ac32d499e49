//! The managers' repair figures for a range of campus days — backlog now,
//! jobs completed, mean time to repair, SLA compliance and reopen rate, in
//! total and by category, building and technician — and the monthly
//! technician performance and piece-rate pay report (`shared::repairs::
//! job_pay`); both as CSV or XLSX too.

use std::collections::{BTreeMap, HashMap};

use axum::extract::State;
use axum::response::Response;
use chrono::{Datelike, NaiveDate};
use houqin_shared::ids::UserId;
use houqin_shared::kiosk::campus_day;
use houqin_shared::repairs::{
    Breakdown, Category, PayLine, RepairDashboard, Status, Urgency, job_pay,
};
use houqin_shared::text::LocalName;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;

use crate::authz::Principal;
use crate::entities::{buildings, users, work_orders};
use crate::error::{ApiError, ApiResult};
use crate::export::{Cell, table};
use crate::extract::{Json, Query};
use crate::payments::settlement::day_bounds;
use crate::state::AppState;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RangeQuery {
    /// First campus day (default: 29 days before `to`).
    pub from: Option<NaiveDate>,
    /// Last campus day (default: today).
    pub to: Option<NaiveDate>,
    /// Exports only: `csv` or `xlsx`.
    pub format: Option<String>,
}

#[derive(Default)]
struct Tally {
    backlog: u32,
    completed: u32,
    minutes: i64,
    met: u32,
    reopened: u32,
}

impl Tally {
    fn add(&mut self, w: &work_orders::Model, done_in_range: bool) {
        let status = Status::parse(&w.status).unwrap_or(Status::Open);
        if !status.is_done() {
            self.backlog += 1;
        }
        if done_in_range && let Some(done) = w.completed_at {
            self.completed += 1;
            self.minutes += (done - w.created_at).num_minutes().max(0);
            if done <= w.resolve_by {
                self.met += 1;
            }
            if w.reopened > 0 {
                self.reopened += 1;
            }
        }
    }

    fn line(&self, key: String, name: LocalName) -> Breakdown {
        let pct =
            |n: u32| (self.completed > 0).then(|| (100 * n + self.completed / 2) / self.completed);
        Breakdown {
            key,
            name,
            backlog: self.backlog,
            completed: self.completed,
            mttr_minutes: (self.completed > 0).then(|| {
                u32::try_from(self.minutes / i64::from(self.completed)).unwrap_or(u32::MAX)
            }),
            sla_met_pct: pct(self.met),
            reopened_pct: pct(self.reopened),
        }
    }
}

fn category_name(c: Category) -> LocalName {
    let (zh, en) = match c {
        Category::Plumbing => ("水暖", "Plumbing"),
        Category::Electrical => ("电气", "Electrical"),
        Category::Carpentry => ("门窗家具", "Doors and furniture"),
        Category::Hvac => ("空调暖通", "Heating and AC"),
        Category::Appliance => ("电器", "Appliances"),
        Category::Network => ("网络", "Network"),
        Category::Locks => ("门锁", "Locks"),
        Category::Other => ("其他", "Other"),
    };
    LocalName::new(zh, en)
}

fn range(state: &AppState, q: &RangeQuery) -> ApiResult<(NaiveDate, NaiveDate)> {
    let to = q.to.unwrap_or_else(|| campus_day(state.clock.now()));
    let from = q.from.unwrap_or(to - chrono::Duration::days(29));
    if from > to {
        return Err(ApiError::validation("from", "must not be after `to`"));
    }
    if (to - from).num_days() > 366 {
        return Err(ApiError::validation("from", "at most a year at once"));
    }
    Ok((from, to))
}

async fn build(
    state: &AppState,
    campus: Uuid,
    from: NaiveDate,
    to: NaiveDate,
) -> ApiResult<RepairDashboard> {
    let conn = &state.db.conn;
    let (start, _) = day_bounds(from);
    let (_, end) = day_bounds(to);
    let all = work_orders::Entity::find()
        .filter(work_orders::Column::CampusId.eq(campus))
        .all(conn)
        .await?;
    let building_names: HashMap<Uuid, LocalName> = buildings::Entity::find()
        .filter(buildings::Column::CampusId.eq(campus))
        .all(conn)
        .await?
        .into_iter()
        .map(|b| (b.id, LocalName::new(b.name_zh, b.name_en)))
        .collect();
    let mut total = Tally::default();
    let mut by_category: BTreeMap<Category, Tally> = BTreeMap::new();
    let mut by_building: BTreeMap<Uuid, Tally> = BTreeMap::new();
    let mut by_tech: BTreeMap<Uuid, Tally> = BTreeMap::new();
    let mut reported = 0;
    for w in &all {
        let done_in_range = w.completed_at.is_some_and(|d| d >= start && d < end);
        if w.created_at >= start && w.created_at < end {
            reported += 1;
        }
        total.add(w, done_in_range);
        let c = Category::parse(&w.category).unwrap_or(Category::Other);
        by_category.entry(c).or_default().add(w, done_in_range);
        if let Some(b) = w.building_id {
            by_building.entry(b).or_default().add(w, done_in_range);
        }
        if let Some(t) = w.completed_by.or(w.assignee_id) {
            by_tech.entry(t).or_default().add(w, done_in_range);
        }
    }
    let names: HashMap<Uuid, String> = users::Entity::find()
        .filter(users::Column::Id.is_in(by_tech.keys().copied()))
        .all(conn)
        .await?
        .into_iter()
        .map(|u| (u.id, u.display_name))
        .collect();
    let mut by_building: Vec<Breakdown> = by_building
        .iter()
        .map(|(id, t)| {
            t.line(
                id.to_string(),
                building_names
                    .get(id)
                    .cloned()
                    .unwrap_or_else(|| LocalName::new("", "")),
            )
        })
        .collect();
    by_building.sort_by_key(|b| std::cmp::Reverse((b.backlog, b.completed)));
    let mut by_technician: Vec<Breakdown> = by_tech
        .iter()
        .map(|(id, t)| {
            let n = names.get(id).cloned().unwrap_or_default();
            t.line(id.to_string(), LocalName::new(n.clone(), n))
        })
        .collect();
    by_technician.sort_by_key(|b| std::cmp::Reverse(b.completed));
    Ok(RepairDashboard {
        from,
        to,
        reported,
        total: total.line("total".into(), LocalName::new("合计", "Total")),
        by_category: by_category
            .iter()
            .map(|(c, t)| t.line(c.slug().into(), category_name(*c)))
            .collect(),
        by_building,
        by_technician,
    })
}

/// The managers' repair figures for a range of campus days.
#[utoipa::path(get, path = "/repairs/dashboard", tag = "repairs", params(RangeQuery),
    responses((status = 200, body = RepairDashboard), (status = 401, body = houqin_shared::ApiErrorBody),
        (status = 403, body = houqin_shared::ApiErrorBody), (status = 422, body = houqin_shared::ApiErrorBody)))]
pub async fn dashboard(
    State(state): State<AppState>,
    p: Principal,
    Query(q): Query<RangeQuery>,
) -> ApiResult<Json<RepairDashboard>> {
    let (from, to) = range(&state, &q)?;
    Ok(Json(build(&state, p.campus_id, from, to).await?))
}

fn breakdown_rows(section: &str, list: &[Breakdown]) -> Vec<Vec<Cell>> {
    list.iter()
        .map(|b| {
            vec![
                section.into(),
                format!("{} {}", b.name.zh, b.name.en)
                    .trim()
                    .to_owned()
                    .into(),
                f64::from(b.backlog).into(),
                f64::from(b.completed).into(),
                b.mttr_minutes.map(f64::from).into(),
                b.sla_met_pct.map(f64::from).into(),
                b.reopened_pct.map(f64::from).into(),
            ]
        })
        .collect()
}

/// The same figures as a file.
#[utoipa::path(get, path = "/repairs/dashboard/export", tag = "repairs", params(RangeQuery),
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
    let (from, to) = range(&state, &q)?;
    let d = build(&state, p.campus_id, from, to).await?;
    let mut rows = breakdown_rows("合计 Total", std::slice::from_ref(&d.total));
    rows.extend(breakdown_rows("类别 Category", &d.by_category));
    rows.extend(breakdown_rows("楼栋 Building", &d.by_building));
    rows.extend(breakdown_rows("师傅 Technician", &d.by_technician));
    table(
        &format,
        &format!("houqin-repairs-{from}-{to}"),
        "维修 Repairs",
        &[
            "类别 Section",
            "项目 Item",
            "积压 Backlog",
            "完成 Completed",
            "平均修复分钟 MTTR min",
            "按时率% SLA met %",
            "返修率% Reopened %",
        ],
        &rows,
    )
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MonthQuery {
    /// `2026-12` (default: this month, campus time).
    pub month: Option<String>,
    /// `csv` or `xlsx` for a file; JSON otherwise.
    pub format: Option<String>,
}

async fn pay_lines(state: &AppState, campus: Uuid, month: &str) -> ApiResult<Vec<PayLine>> {
    let first = NaiveDate::parse_from_str(&format!("{month}-01"), "%Y-%m-%d")
        .map_err(|_| ApiError::validation("month", "must be like 2026-12"))?;
    let next = if first.month() == 12 {
        NaiveDate::from_ymd_opt(first.year() + 1, 1, 1)
    } else {
        NaiveDate::from_ymd_opt(first.year(), first.month() + 1, 1)
    }
    .ok_or_else(|| ApiError::validation("month", "out of range"))?;
    let (start, _) = day_bounds(first);
    let (end, _) = day_bounds(next);
    let done = work_orders::Entity::find()
        .filter(work_orders::Column::CampusId.eq(campus))
        .filter(work_orders::Column::CompletedAt.gte(start))
        .filter(work_orders::Column::CompletedAt.lt(end))
        .all(&state.db.conn)
        .await?;
    #[derive(Default)]
    struct Acc {
        completed: u32,
        minutes: i64,
        stars: u32,
        rated: u32,
        met: u32,
        reopened: u32,
        pay: i64,
    }
    let mut per: BTreeMap<Uuid, Acc> = BTreeMap::new();
    for w in &done {
        let Some(tech) = w.completed_by.or(w.assignee_id) else {
            continue;
        };
        let a = per.entry(tech).or_default();
        a.completed += 1;
        a.minutes += i64::from(w.minutes);
        if let Some(r) = w.rating {
            a.stars += u32::try_from(r).unwrap_or(0);
            a.rated += 1;
        }
        if w.completed_at.is_some_and(|d| d <= w.resolve_by) {
            a.met += 1;
        }
        if w.reopened > 0 {
            a.reopened += 1;
        }
        a.pay += job_pay(
            Urgency::parse(&w.urgency).unwrap_or(Urgency::Normal),
            w.rating.and_then(|r| u8::try_from(r).ok()),
            w.reopened > 0,
        );
    }
    let names: HashMap<Uuid, String> = users::Entity::find()
        .filter(users::Column::Id.is_in(per.keys().copied()))
        .all(&state.db.conn)
        .await?
        .into_iter()
        .map(|u| (u.id, u.display_name))
        .collect();
    let mut lines: Vec<PayLine> = per
        .into_iter()
        .map(|(id, a)| PayLine {
            technician_id: UserId(id),
            name: names.get(&id).cloned().unwrap_or_default(),
            completed: a.completed,
            minutes: u32::try_from(a.minutes).unwrap_or(u32::MAX),
            rating_tenths: (a.rated > 0).then(|| (a.stars * 10 + a.rated / 2) / a.rated),
            sla_met_pct: (a.completed > 0).then(|| (100 * a.met + a.completed / 2) / a.completed),
            reopened: a.reopened,
            pay: a.pay,
        })
        .collect();
    lines.sort_by(|a, b| b.pay.cmp(&a.pay).then_with(|| a.name.cmp(&b.name)));
    Ok(lines)
}

/// The monthly technician performance and piece-rate pay report (managers).
#[utoipa::path(get, path = "/repairs/pay", tag = "repairs", params(MonthQuery),
    responses((status = 200, body = Vec<PayLine>), (status = 401, body = houqin_shared::ApiErrorBody),
        (status = 403, body = houqin_shared::ApiErrorBody), (status = 422, body = houqin_shared::ApiErrorBody)))]
pub async fn pay(
    State(state): State<AppState>,
    p: Principal,
    Query(q): Query<MonthQuery>,
) -> ApiResult<Response> {
    use axum::response::IntoResponse;
    let month = q
        .month
        .clone()
        .unwrap_or_else(|| campus_day(state.clock.now()).format("%Y-%m").to_string());
    let lines = pay_lines(&state, p.campus_id, &month).await?;
    let Some(format) = q.format.as_deref() else {
        return Ok(Json(lines).into_response());
    };
    let rows: Vec<Vec<Cell>> = lines
        .iter()
        .map(|l| {
            vec![
                l.name.clone().into(),
                f64::from(l.completed).into(),
                f64::from(l.minutes).into(),
                l.rating_tenths.map(|r| f64::from(r) / 10.0).into(),
                l.sla_met_pct.map(f64::from).into(),
                f64::from(l.reopened).into(),
                (l.pay as f64 / 100.0).into(),
            ]
        })
        .collect();
    table(
        format,
        &format!("houqin-repair-pay-{month}"),
        "计件 Pay",
        &[
            "师傅 Technician",
            "完成 Jobs",
            "用时分钟 Minutes",
            "评分 Stars",
            "按时率% SLA met %",
            "返修 Reopened",
            "计件工资元 Pay (yuan)",
        ],
        &rows,
    )
}
