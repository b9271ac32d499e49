//! The canteen office's side of the money (`houqin_shared::settlement`):
//! the daily settlement of each canteen (its windows' tills swept into its
//! merchant account), the reconciliation report (sales against the ledger,
//! offline exceptions, what is owed, the audit) with CSV and XLSX exports,
//! and the campus's offline policy for kiosks.
//!
//! Invariant: a canteen's day is settled once (unique on canteen and day);
//! its sweep is the ledger's net movement of each till that day, so every
//! till movement is swept exactly once, by the settlement of the day it
//! reached the ledger.

use std::collections::HashMap;

use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, FixedOffset, NaiveDate, NaiveTime, TimeZone, Utc};
use houqin_shared::audit::AuditAction;
use houqin_shared::ids::{AccountId, CanteenId, TransferId, UserId, WindowId};
use houqin_shared::kiosk::{KioskPolicy, campus_day};
use houqin_shared::ledger::{AccountKind, NewTransfer, TransferCode, TransferResult};
use houqin_shared::settlement::{
    CanteenDay, OfflineException, Reconciliation, SettleDay, Settlement, WindowDay, check_policy,
};
use houqin_shared::sync::entity::KIOSK_POLICY;
use houqin_shared::sync::scope;
use houqin_shared::text::LocalName;
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;

use crate::audit::{self, AuditRecord};
use crate::authz::Principal;
use crate::entities::{
    canteen_windows, canteens, kiosk_policies, ledger_accounts, ledger_transfers,
    offline_exceptions, offline_sales, refunds, sales, settlements,
};
use crate::error::{ApiError, ApiResult};
use crate::extract::{Json, Query};
use crate::http::ClientAddr;
use crate::ledger;
use crate::state::AppState;
use crate::sync::changes::{self, Changes};

/// The instants a campus day starts and ends (China Standard Time).
pub fn day_bounds(day: NaiveDate) -> (DateTime<Utc>, DateTime<Utc>) {
    let cst = FixedOffset::east_opt(8 * 3600).expect("UTC+8 is a valid offset");
    let at = |d: NaiveDate| {
        cst.from_local_datetime(&d.and_time(NaiveTime::MIN))
            .single()
            .expect("a fixed offset has no gaps")
            .with_timezone(&Utc)
    };
    let next = day.succ_opt().unwrap_or(day);
    (at(day), at(next))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DayQuery {
    /// The campus day, `YYYY-MM-DD` (default: today).
    pub day: Option<NaiveDate>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExportQuery {
    /// The campus day, `YYYY-MM-DD` (default: today).
    pub day: Option<NaiveDate>,
    /// `csv` or `xlsx`.
    pub format: String,
}

#[derive(Default, Clone, Copy)]
struct Tally {
    sales: u32,
    gross: i64,
    from_subsidy: i64,
    offline_sales: u32,
    offline_amount: i64,
    receivable: i64,
    refunds: u32,
    refunded: i64,
    ledger_net: i64,
}

/// Each window's figures for the day, from sales, refunds, offline sales and the ledger.
async fn tallies(
    conn: &impl ConnectionTrait,
    campus_id: Uuid,
    day: NaiveDate,
) -> Result<(HashMap<Uuid, Tally>, HashMap<Uuid, ledger_accounts::Model>), DbErr> {
    let (start, end) = day_bounds(day);
    let mut out: HashMap<Uuid, Tally> = HashMap::new();
    let sold: Vec<(Uuid, i64, i64)> = sales::Entity::find()
        .select_only()
        .column(sales::Column::WindowId)
        .column(sales::Column::Amount)
        .column(sales::Column::FromSubsidy)
        .filter(sales::Column::CampusId.eq(campus_id))
        .filter(sales::Column::Status.eq("approved"))
        .filter(sales::Column::CreatedAt.gte(start))
        .filter(sales::Column::CreatedAt.lt(end))
        .into_tuple()
        .all(conn)
        .await?;
    for (w, amount, subsidy) in sold {
        let t = out.entry(w).or_default();
        t.sales += 1;
        t.gross += amount;
        t.from_subsidy += subsidy;
    }
    let offline: Vec<(Uuid, i64, i64)> = offline_sales::Entity::find()
        .select_only()
        .column(offline_sales::Column::WindowId)
        .column(offline_sales::Column::Amount)
        .column(offline_sales::Column::FromReceivable)
        .filter(offline_sales::Column::CampusId.eq(campus_id))
        .filter(offline_sales::Column::Status.eq("booked"))
        .filter(offline_sales::Column::SettledAt.gte(start))
        .filter(offline_sales::Column::SettledAt.lt(end))
        .into_tuple()
        .all(conn)
        .await?;
    for (w, amount, owed) in offline {
        let t = out.entry(w).or_default();
        t.offline_sales += 1;
        t.offline_amount += amount;
        t.receivable += owed;
    }
    let back: Vec<(Uuid, i64)> = refunds::Entity::find()
        .select_only()
        .column(refunds::Column::WindowId)
        .column(refunds::Column::Amount)
        .filter(refunds::Column::CampusId.eq(campus_id))
        .filter(refunds::Column::CreatedAt.gte(start))
        .filter(refunds::Column::CreatedAt.lt(end))
        .into_tuple()
        .all(conn)
        .await?;
    for (w, amount) in back {
        let t = out.entry(w).or_default();
        t.refunds += 1;
        t.refunded += amount;
    }
    let tills = ledger_accounts::Entity::find()
        .filter(ledger_accounts::Column::CampusId.eq(campus_id))
        .filter(ledger_accounts::Column::Kind.eq(AccountKind::MerchantTill.slug()))
        .all(conn)
        .await?;
    let mut by_account = HashMap::new();
    let mut tills_by_window = HashMap::new();
    for till in tills {
        if let Ok(window) = Uuid::parse_str(&till.holder) {
            by_account.insert(till.id, window);
            tills_by_window.insert(window, till);
        }
    }
    if !by_account.is_empty() {
        let ids: Vec<Uuid> = by_account.keys().copied().collect();
        let moved: Vec<(Uuid, Uuid, i64)> = ledger_transfers::Entity::find()
            .select_only()
            .column(ledger_transfers::Column::DebitAccountId)
            .column(ledger_transfers::Column::CreditAccountId)
            .column(ledger_transfers::Column::Amount)
            .filter(ledger_transfers::Column::CampusId.eq(campus_id))
            .filter(ledger_transfers::Column::Phase.is_in(["single", "post"]))
            .filter(ledger_transfers::Column::Code.ne(TransferCode::Sweep.slug()))
            .filter(ledger_transfers::Column::CreatedAt.gte(start))
            .filter(ledger_transfers::Column::CreatedAt.lt(end))
            .filter(
                Condition::any()
                    .add(ledger_transfers::Column::CreditAccountId.is_in(ids.clone()))
                    .add(ledger_transfers::Column::DebitAccountId.is_in(ids)),
            )
            .into_tuple()
            .all(conn)
            .await?;
        for (debit, credit, amount) in moved {
            if let Some(w) = by_account.get(&credit) {
                out.entry(*w).or_default().ledger_net += amount;
            }
            if let Some(w) = by_account.get(&debit) {
                out.entry(*w).or_default().ledger_net -= amount;
            }
        }
    }
    Ok((out, tills_by_window))
}

fn settlement_dto(s: &settlements::Model) -> Settlement {
    Settlement {
        id: s.id,
        canteen_id: CanteenId(s.canteen_id),
        day: NaiveDate::parse_from_str(&s.day, "%Y-%m-%d").unwrap_or_default(),
        sales: u32::try_from(s.sales).unwrap_or(0),
        gross: s.gross,
        refunded: s.refunded,
        swept: s.swept,
        settled_by: UserId(s.settled_by),
        settled_at: s.created_at,
    }
}

/// The whole report for one campus day.
pub async fn reconcile(
    state: &AppState,
    campus_id: Uuid,
    day: NaiveDate,
) -> ApiResult<Reconciliation> {
    let conn = &state.db.conn;
    let (tallies, tills) = tallies(conn, campus_id, day).await?;
    let canteen_rows = canteens::Entity::find()
        .filter(canteens::Column::CampusId.eq(campus_id))
        .order_by_asc(canteens::Column::NameZh)
        .all(conn)
        .await?;
    let windows = canteen_windows::Entity::find()
        .filter(canteen_windows::Column::CampusId.eq(campus_id))
        .order_by_asc(canteen_windows::Column::Number)
        .all(conn)
        .await?;
    let settled = settlements::Entity::find()
        .filter(settlements::Column::CampusId.eq(campus_id))
        .filter(settlements::Column::Day.eq(day.to_string()))
        .all(conn)
        .await?;
    let mut canteens_out = Vec::new();
    for c in canteen_rows {
        let mut rows = Vec::new();
        for w in windows.iter().filter(|w| w.canteen_id == c.id) {
            let t = tallies.get(&w.id).copied().unwrap_or_default();
            let net = t.gross - t.refunded;
            let till_balance = tills
                .get(&w.id)
                .map_or(0, |a| a.credits_posted - a.debits_posted);
            rows.push(WindowDay {
                window_id: WindowId(w.id),
                name: LocalName::new(w.name_zh.clone(), w.name_en.clone()),
                sales: t.sales,
                gross: t.gross,
                from_subsidy: t.from_subsidy,
                offline_sales: t.offline_sales,
                offline_amount: t.offline_amount,
                receivable: t.receivable,
                refunds: t.refunds,
                refunded: t.refunded,
                net,
                ledger_net: t.ledger_net,
                matches: net == t.ledger_net,
                till_balance,
            });
        }
        let gross = rows.iter().map(|r| r.gross).sum();
        let refunded = rows.iter().map(|r| r.refunded).sum();
        canteens_out.push(CanteenDay {
            canteen_id: CanteenId(c.id),
            name: LocalName::new(c.name_zh, c.name_en),
            matches: rows.iter().all(|r| r.matches),
            windows: rows,
            gross,
            refunded,
            net: gross - refunded,
            settlement: settled
                .iter()
                .find(|s| s.canteen_id == c.id)
                .map(settlement_dto),
        });
    }
    let (start, end) = day_bounds(day);
    let exceptions = offline_exceptions::Entity::find()
        .filter(offline_exceptions::Column::CampusId.eq(campus_id))
        .filter(offline_exceptions::Column::CreatedAt.gte(start))
        .filter(offline_exceptions::Column::CreatedAt.lt(end))
        .order_by_asc(offline_exceptions::Column::CreatedAt)
        .limit(1000)
        .all(conn)
        .await?
        .into_iter()
        .map(|e| OfflineException {
            id: e.id,
            kind: e.kind,
            kiosk_id: e.kiosk_id,
            sale_id: e.sale_id,
            window_id: e.window_id.map(WindowId),
            user_id: e.user_id.map(UserId),
            amount: e.amount,
            detail: e.detail,
            at: e.created_at,
        })
        .collect();
    let owing: Vec<(i64, i64)> = ledger_accounts::Entity::find()
        .select_only()
        .column(ledger_accounts::Column::DebitsPosted)
        .column(ledger_accounts::Column::CreditsPosted)
        .filter(ledger_accounts::Column::CampusId.eq(campus_id))
        .filter(ledger_accounts::Column::Kind.eq(AccountKind::OfflineReceivable.slug()))
        .filter({
            use sea_orm::sea_query::{Expr, ExprTrait};
            Expr::col(ledger_accounts::Column::DebitsPosted)
                .gt(Expr::col(ledger_accounts::Column::CreditsPosted))
        })
        .into_tuple()
        .all(conn)
        .await?;
    let audit = ledger::audit(&state.db).await?;
    Ok(Reconciliation {
        day,
        matches: canteens_out.iter().all(|c| c.matches),
        canteens: canteens_out,
        exceptions,
        owing_accounts: u32::try_from(owing.len()).unwrap_or(u32::MAX),
        owed: owing.iter().map(|(d, c)| d - c).sum(),
        books_balance: audit.balanced(),
        audit_differences: u32::try_from(audit.differences.len()).unwrap_or(u32::MAX),
    })
}

/// Sales against the ledger for a campus day, every canteen and window,
/// with what offline selling left to look at (managers).
#[utoipa::path(get, path = "/payments/reconciliation", tag = "payments", params(DayQuery),
    responses((status = 200, body = Reconciliation), (status = 401, body = houqin_shared::ApiErrorBody),
        (status = 403, body = houqin_shared::ApiErrorBody), (status = 422, body = houqin_shared::ApiErrorBody)))]
pub async fn reconciliation(
    State(state): State<AppState>,
    p: Principal,
    Query(q): Query<DayQuery>,
) -> ApiResult<Json<Reconciliation>> {
    let day = q.day.unwrap_or_else(|| campus_day(state.clock.now()));
    Ok(Json(reconcile(&state, p.campus_id, day).await?))
}

fn yuan(fen: i64) -> String {
    let sign = if fen < 0 { "-" } else { "" };
    format!("{sign}{}.{:02}", fen.abs() / 100, fen.abs() % 100)
}

const WINDOW_HEADERS: [&str; 16] = [
    "日期 Day",
    "食堂 Canteen",
    "窗口 Window",
    "笔数 Sales",
    "销售额 Gross (¥)",
    "补贴支付 From subsidy (¥)",
    "离线笔数 Offline sales",
    "离线金额 Offline (¥)",
    "离线欠款 Owed (¥)",
    "退款笔数 Refunds",
    "退款额 Refunded (¥)",
    "净额 Net (¥)",
    "账本净额 Ledger net (¥)",
    "一致 Matches",
    "待结余额 Till balance (¥)",
    "已结算 Swept (¥)",
];

const EXCEPTION_HEADERS: [&str; 8] = [
    "时间 At",
    "类型 Kind",
    "金额 Amount (¥)",
    "窗口 Window",
    "终端 Kiosk",
    "交易 Sale",
    "用户 Person",
    "说明 Detail",
];

enum Cell {
    Text(String),
    Fen(i64),
    Count(u32),
}

fn window_rows(r: &Reconciliation) -> Vec<Vec<Cell>> {
    let mut rows = Vec::new();
    for c in &r.canteens {
        let swept = c.settlement.as_ref().map(|s| s.swept);
        for (i, w) in c.windows.iter().enumerate() {
            rows.push(vec![
                Cell::Text(r.day.to_string()),
                Cell::Text(c.name.zh.clone()),
                Cell::Text(w.name.zh.clone()),
                Cell::Count(w.sales),
                Cell::Fen(w.gross),
                Cell::Fen(w.from_subsidy),
                Cell::Count(w.offline_sales),
                Cell::Fen(w.offline_amount),
                Cell::Fen(w.receivable),
                Cell::Count(w.refunds),
                Cell::Fen(w.refunded),
                Cell::Fen(w.net),
                Cell::Fen(w.ledger_net),
                Cell::Text(if w.matches { "是 yes" } else { "否 NO" }.into()),
                Cell::Fen(w.till_balance),
                // The sweep is per canteen: shown on its first window's row.
                match swept {
                    Some(s) if i == 0 => Cell::Fen(s),
                    _ => Cell::Text(String::new()),
                },
            ]);
        }
    }
    rows
}

fn exception_rows(r: &Reconciliation) -> Vec<Vec<Cell>> {
    let opt = |v: Option<String>| Cell::Text(v.unwrap_or_default());
    r.exceptions
        .iter()
        .map(|e| {
            vec![
                Cell::Text(e.at.to_rfc3339()),
                Cell::Text(e.kind.clone()),
                Cell::Fen(e.amount),
                opt(e.window_id.map(|w| w.to_string())),
                opt(e.kiosk_id.map(|k| k.to_string())),
                opt(e.sale_id.map(|s| s.to_string())),
                opt(e.user_id.map(|u| u.to_string())),
                Cell::Text(e.detail.clone()),
            ]
        })
        .collect()
}

fn csv_bytes(r: &Reconciliation) -> Result<Vec<u8>, csv::Error> {
    let mut out = Vec::from("\u{FEFF}".as_bytes());
    {
        let mut w = csv::WriterBuilder::new()
            .flexible(true)
            .from_writer(&mut out);
        let text = |c: &Cell| match c {
            Cell::Text(t) => t.clone(),
            Cell::Fen(f) => yuan(*f),
            Cell::Count(n) => n.to_string(),
        };
        w.write_record(WINDOW_HEADERS)?;
        for row in window_rows(r) {
            w.write_record(row.iter().map(text))?;
        }
        w.write_record([""])?;
        w.write_record(EXCEPTION_HEADERS)?;
        for row in exception_rows(r) {
            w.write_record(row.iter().map(text))?;
        }
        w.flush()?;
    }
    Ok(out)
}

/// A worksheet: its name, its header row, its rows.
type Sheet<'a> = (&'a str, &'a [&'a str], Vec<Vec<Cell>>);

fn xlsx_bytes(r: &Reconciliation) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    use rust_xlsxwriter::{Format, Workbook};
    let mut book = Workbook::new();
    let bold = Format::new().set_bold();
    let money = Format::new().set_num_format("0.00");
    let sheets: [Sheet<'_>; 2] = [
        ("对账 Reconciliation", &WINDOW_HEADERS, window_rows(r)),
        ("异常 Exceptions", &EXCEPTION_HEADERS, exception_rows(r)),
    ];
    for (name, headers, rows) in sheets {
        let sheet = book.add_worksheet();
        sheet.set_name(name)?;
        for (col, h) in headers.iter().enumerate() {
            let col = u16::try_from(col).unwrap_or(u16::MAX);
            sheet.write_string_with_format(0, col, *h, &bold)?;
            sheet.set_column_width(col, 16)?;
        }
        for (i, row) in rows.iter().enumerate() {
            let at = u32::try_from(i + 1).unwrap_or(u32::MAX);
            for (col, cell) in row.iter().enumerate() {
                let col = u16::try_from(col).unwrap_or(u16::MAX);
                match cell {
                    Cell::Text(t) => {
                        sheet.write_string(at, col, t)?;
                    }
                    // Yuan for reading; the figures come from integer fen.
                    Cell::Fen(f) => {
                        sheet.write_number_with_format(at, col, *f as f64 / 100.0, &money)?;
                    }
                    Cell::Count(n) => {
                        sheet.write_number(at, col, f64::from(*n))?;
                    }
                }
            }
        }
    }
    book.save_to_buffer()
}

/// The reconciliation report as a file: CSV (UTF-8 with BOM, windows then
/// exceptions) or XLSX (one sheet each). Amounts in yuan.
#[utoipa::path(get, path = "/payments/reconciliation/export", tag = "payments", params(ExportQuery),
    responses((status = 200, description = "the file", content_type = "text/csv"),
        (status = 401, body = houqin_shared::ApiErrorBody), (status = 403, body = houqin_shared::ApiErrorBody),
        (status = 422, body = houqin_shared::ApiErrorBody)))]
pub async fn export(
    State(state): State<AppState>,
    p: Principal,
    Query(q): Query<ExportQuery>,
) -> ApiResult<Response> {
    let day = q.day.unwrap_or_else(|| campus_day(state.clock.now()));
    let (bytes, mime, ext) = match q.format.as_str() {
        "csv" | "xlsx" => {
            let report = reconcile(&state, p.campus_id, day).await?;
            if q.format == "csv" {
                let bytes =
                    csv_bytes(&report).map_err(|e| ApiError::Internal(format!("csv: {e}")))?;
                (bytes, "text/csv; charset=utf-8", "csv")
            } else {
                let bytes =
                    xlsx_bytes(&report).map_err(|e| ApiError::Internal(format!("xlsx: {e}")))?;
                (
                    bytes,
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    "xlsx",
                )
            }
        }
        _ => return Err(ApiError::validation("format", "must be csv or xlsx")),
    };
    let name = format!("attachment; filename=\"houqin-reconciliation-{day}.{ext}\"");
    let mut response = (StatusCode::OK, bytes).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(mime));
    if let Ok(v) = HeaderValue::from_str(&name) {
        headers.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(response)
}

/// Settles one canteen's ended day: each window's net takings that day
/// (from the ledger) move from its till to the canteen's merchant account.
/// Settling a settled day answers the settlement made (200).
#[utoipa::path(post, path = "/payments/settlements", tag = "payments", request_body = SettleDay,
    responses((status = 201, body = Settlement), (status = 200, body = Settlement, description = "settled before"),
        (status = 401, body = houqin_shared::ApiErrorBody), (status = 403, body = houqin_shared::ApiErrorBody),
        (status = 409, body = houqin_shared::ApiErrorBody), (status = 422, body = houqin_shared::ApiErrorBody)))]
pub async fn settle(
    State(state): State<AppState>,
    axum::Extension(addr): axum::Extension<ClientAddr>,
    p: Principal,
    Json(req): Json<SettleDay>,
) -> ApiResult<(StatusCode, Json<Settlement>)> {
    let now = state.clock.now();
    req.validate(campus_day(now))?;
    let tx = state.db.write().await?;
    let canteen = canteens::Entity::find_by_id(req.canteen_id.0)
        .filter(canteens::Column::CampusId.eq(p.campus_id))
        .one(&*tx)
        .await?
        .ok_or_else(|| ApiError::validation("canteen_id", "no such canteen"))?;
    let day = req.day.to_string();
    let id = Uuid::now_v7();
    // Claims the day first: a second settlement of it waits here (PostgreSQL)
    // or after this one (SQLite), then finds it taken.
    let claimed = settlements::Entity::insert(settlements::ActiveModel {
        id: Set(id),
        campus_id: Set(p.campus_id),
        canteen_id: Set(canteen.id),
        day: Set(day.clone()),
        sales: Set(0),
        gross: Set(0),
        refunded: Set(0),
        swept: Set(0),
        settled_by: Set(p.user_id),
        created_at: Set(now),
    })
    .on_conflict(
        OnConflict::columns([settlements::Column::CanteenId, settlements::Column::Day])
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(&*tx)
    .await?;
    if claimed == 0 {
        let existing = settlements::Entity::find()
            .filter(settlements::Column::CanteenId.eq(canteen.id))
            .filter(settlements::Column::Day.eq(&day))
            .one(&*tx)
            .await?
            .ok_or(ApiError::NotFound("settlement"))?;
        return Ok((StatusCode::OK, Json(settlement_dto(&existing))));
    }
    let (tallies, tills) = tallies(&*tx, p.campus_id, req.day).await?;
    let windows = canteen_windows::Entity::find()
        .filter(canteen_windows::Column::CanteenId.eq(canteen.id))
        .order_by_asc(canteen_windows::Column::Number)
        .all(&*tx)
        .await?;
    let merchant = ledger::open_account(
        &*tx,
        p.campus_id,
        AccountKind::Merchant,
        Some(canteen.id),
        now,
    )
    .await?;
    let mut sweeps = Vec::new();
    let (mut sales_count, mut gross, mut refunded) = (0u32, 0i64, 0i64);
    for w in &windows {
        let t = tallies.get(&w.id).copied().unwrap_or_default();
        sales_count += t.sales;
        gross += t.gross;
        refunded += t.refunded;
        // A day whose refunds outweigh its sales sweeps nothing; the till
        // keeps the difference for the next day's net.
        if let Some(till) = tills.get(&w.id)
            && t.ledger_net > 0
        {
            sweeps.push(NewTransfer {
                reference: Some(format!("settlement {day} window {}", w.number)),
                ..NewTransfer::single(
                    TransferId::new(),
                    AccountId(till.id),
                    AccountId(merchant.id),
                    t.ledger_net,
                    TransferCode::Sweep,
                )
            });
        }
    }
    let swept: i64 = sweeps.iter().map(|t| t.amount).sum();
    let results = ledger::create_transfers(&tx, p.campus_id, now, &sweeps).await?;
    if let Some(failed) = results.iter().find(|r| **r != TransferResult::Created) {
        return Err(ApiError::Conflict {
            message: format!(
                "a till cannot be swept ({failed:?}); refunds taken from it since may exceed its takings"
            ),
            field: None,
        });
    }
    sea_orm::ActiveModelTrait::update(
        settlements::ActiveModel {
            id: sea_orm::Unchanged(id),
            sales: Set(i32::try_from(sales_count).unwrap_or(i32::MAX)),
            gross: Set(gross),
            refunded: Set(refunded),
            swept: Set(swept),
            ..Default::default()
        },
        &*tx,
    )
    .await?;
    audit::record(
        &*tx,
        AuditRecord::by(
            &p,
            AuditAction::SettlementMade,
            crate::accounts::Caller {
                addr: &addr.0,
                request_id: crate::error::current_request_id(),
            },
            now,
        )
        .target(format!("canteen:{}", canteen.id))
        .detail(format!("{day}: {sales_count} sales, swept {swept} fen")),
    )
    .await?;
    let row = settlements::Entity::find_by_id(id)
        .one(&*tx)
        .await?
        .ok_or(ApiError::NotFound("settlement"))?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(settlement_dto(&row))))
}

/// The campus's offline policy for kiosks.
#[utoipa::path(get, path = "/payments/kiosk-policy", tag = "payments",
    responses((status = 200, body = KioskPolicy), (status = 401, body = houqin_shared::ApiErrorBody),
        (status = 403, body = houqin_shared::ApiErrorBody)))]
pub async fn get_policy(
    State(state): State<AppState>,
    p: Principal,
) -> ApiResult<Json<KioskPolicy>> {
    Ok(Json(
        super::offline::policy(&state.db.conn, p.campus_id).await?,
    ))
}

/// Sets the campus's offline caps (managers); kiosks get them at their next sync.
#[utoipa::path(put, path = "/payments/kiosk-policy", tag = "payments", request_body = KioskPolicy,
    responses((status = 200, body = KioskPolicy), (status = 401, body = houqin_shared::ApiErrorBody),
        (status = 403, body = houqin_shared::ApiErrorBody), (status = 422, body = houqin_shared::ApiErrorBody)))]
pub async fn put_policy(
    State(state): State<AppState>,
    axum::Extension(addr): axum::Extension<ClientAddr>,
    p: Principal,
    Json(req): Json<KioskPolicy>,
) -> ApiResult<Json<KioskPolicy>> {
    check_policy(&req)?;
    let now = state.clock.now();
    let tx = state.db.write().await?;
    kiosk_policies::Entity::insert(kiosk_policies::ActiveModel {
        campus_id: Set(p.campus_id),
        per_sale: Set(req.per_sale),
        per_card_day: Set(req.per_card_day),
        per_kiosk: Set(req.per_kiosk),
        max_hotlist_age_secs: Set(req.max_hotlist_age_secs),
        updated_at: Set(now),
    })
    .on_conflict(
        OnConflict::column(kiosk_policies::Column::CampusId)
            .update_columns([
                kiosk_policies::Column::PerSale,
                kiosk_policies::Column::PerCardDay,
                kiosk_policies::Column::PerKiosk,
                kiosk_policies::Column::MaxHotlistAgeSecs,
                kiosk_policies::Column::UpdatedAt,
            ])
            .to_owned(),
    )
    .exec_without_returning(&*tx)
    .await?;
    let mut changes = Changes::default();
    changes.put(scope::kiosk(p.campus_id), KIOSK_POLICY, p.campus_id, &req);
    audit::record(
        &*tx,
        AuditRecord::by(
            &p,
            AuditAction::KioskPolicyChanged,
            crate::accounts::Caller {
                addr: &addr.0,
                request_id: crate::error::current_request_id(),
            },
            now,
        )
        .target(format!("campus:{}", p.campus_id))
        .detail(format!(
            "per sale {}, per card a day {}, per kiosk {}, hotlist age {} s",
            req.per_sale, req.per_card_day, req.per_kiosk, req.max_hotlist_age_secs
        )),
    )
    .await?;
    let moved = changes::commit(&*tx, p.campus_id, changes, now).await?;
    tx.commit().await?;
    state.pokes.send(moved);
    Ok(Json(req))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_are_campus_days() {
        let (start, end) = day_bounds(NaiveDate::from_ymd_opt(2026, 12, 1).unwrap());
        assert_eq!(start.to_rfc3339(), "2026-11-30T16:00:00+00:00");
        assert_eq!(end.to_rfc3339(), "2026-12-01T16:00:00+00:00");
        assert_eq!(
            campus_day(start),
            NaiveDate::from_ymd_opt(2026, 12, 1).unwrap()
        );
        assert_eq!(
            campus_day(end - chrono::Duration::seconds(1)),
            NaiveDate::from_ymd_opt(2026, 12, 1).unwrap()
        );
    }

    #[test]
    fn yuan_text() {
        assert_eq!(yuan(0), "0.00");
        assert_eq!(yuan(1250), "12.50");
        assert_eq!(yuan(7), "0.07");
        assert_eq!(yuan(-305), "-3.05");
    }
}
