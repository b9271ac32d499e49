//! Reporting without an account, by an asset's QR tag in a public space,
//! and the printable sheet of a building's tags.
//!
//! A tag's QR code opens `/report/{code}` in the web app. Anyone may see
//! what the asset is and whether it already has an open repair, and
//! report it in a sentence. No name, no account, no photo (uploads need a
//! session): the least a passer-by needs to give. An asset has at most one
//! open anonymous-or-not job: a second report of it joins the open one (its
//! words are added to the job's history), so a tag cannot be used to flood
//! the technicians; and one client address may send only so many reports
//! an hour (`Config::public_reports_per_hour`), so it cannot flood the
//! history either.

use axum::Extension;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use houqin_shared::error::FieldError;
use houqin_shared::repairs::{Category, Report, Status, Urgency, check_asset_code};
use houqin_shared::text::LocalName;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::record_as;
use crate::authz::Principal;
use crate::entities::{assets, buildings, work_order_events, work_orders};
use crate::error::{ApiError, ApiResult};
use crate::extract::{Json, Path, Query};
use crate::http::ClientAddr;
use crate::state::AppState;
use crate::sync::changes::{self, Changes};

/// What a passer-by sees of a tagged asset.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PublicAsset {
    pub code: String,
    pub category: Category,
    pub name: LocalName,
    pub building_name: LocalName,
    pub room: Option<String>,
    /// Numbers of its open repairs (no names, no details).
    pub open: Vec<String>,
}

/// `POST /repairs/public/{code}`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct PublicReport {
    /// Made by the page: a retried report is recorded once.
    pub id: Uuid,
    pub urgency: Urgency,
    pub description: String,
}

/// The answer: the repair's number, and whether the report joined one
/// already open.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PublicReceipt {
    pub number: String,
    pub joined: bool,
}

async fn asset_by_code(
    conn: &impl sea_orm::ConnectionTrait,
    code: &str,
) -> ApiResult<assets::Model> {
    check_asset_code(code)?;
    assets::Entity::find()
        .filter(assets::Column::Code.eq(code))
        .one(conn)
        .await?
        .ok_or(ApiError::NotFound("asset"))
}

async fn open_on(
    conn: &impl sea_orm::ConnectionTrait,
    asset: Uuid,
) -> Result<Vec<work_orders::Model>, sea_orm::DbErr> {
    let done = [Status::Completed.slug(), Status::Closed.slug()];
    work_orders::Entity::find()
        .filter(work_orders::Column::AssetId.eq(asset))
        .filter(work_orders::Column::Status.is_not_in(done))
        .order_by_asc(work_orders::Column::CreatedAt)
        .all(conn)
        .await
}

/// A tagged asset, for anyone who scanned its tag.
#[utoipa::path(get, path = "/repairs/public/{code}", tag = "repairs",
    params(("code" = String, Path, description = "the asset's tag, HQ-…")),
    responses((status = 200, body = PublicAsset), (status = 404, body = houqin_shared::ApiErrorBody),
        (status = 422, body = houqin_shared::ApiErrorBody)))]
pub async fn asset(
    State(state): State<AppState>,
    Path(code): Path<String>,
) -> ApiResult<Json<PublicAsset>> {
    let conn = &state.db.conn;
    let a = asset_by_code(conn, &code).await?;
    let b = buildings::Entity::find_by_id(a.building_id)
        .one(conn)
        .await?
        .ok_or(ApiError::NotFound("building"))?;
    Ok(Json(PublicAsset {
        code: a.code,
        category: Category::parse(&a.category).unwrap_or(Category::Other),
        name: LocalName::new(a.name_zh, a.name_en),
        building_name: LocalName::new(b.name_zh, b.name_en),
        room: a.room,
        open: open_on(conn, a.id)
            .await?
            .into_iter()
            .map(|w| w.number)
            .collect(),
    }))
}

/// Reports a tagged asset without signing in; joins its open repair if it has one.
#[utoipa::path(post, path = "/repairs/public/{code}", tag = "repairs", request_body = PublicReport,
    params(("code" = String, Path, description = "the asset's tag, HQ-…")),
    responses((status = 201, body = PublicReceipt), (status = 200, body = PublicReceipt, description = "joined the open repair"),
        (status = 404, body = houqin_shared::ApiErrorBody), (status = 422, body = houqin_shared::ApiErrorBody),
        (status = 429, body = houqin_shared::ApiErrorBody, description = "too many reports from this address this hour")))]
pub async fn report(
    State(state): State<AppState>,
    Extension(addr): Extension<ClientAddr>,
    Path(code): Path<String>,
    Json(req): Json<PublicReport>,
) -> ApiResult<(StatusCode, Json<PublicReceipt>)> {
    let words = req.description.trim();
    let n = words.chars().count();
    if n == 0 || n > houqin_shared::repairs::MAX_DESCRIPTION_CHARS {
        return Err(FieldError::new(
            "description",
            format!(
                "must be 1 to {} characters",
                houqin_shared::repairs::MAX_DESCRIPTION_CHARS
            ),
        )
        .into());
    }
    let now = state.clock.now();
    let tx = state.db.write().await?;
    let a = asset_by_code(&*tx, &code).await?;
    let mut changes = Changes::default();
    // The same report sent twice (a retry) answers the same: a new job has
    // the report's id, words joined to an open one are an event with it.
    if let Some(w) = work_orders::Entity::find_by_id(req.id).one(&*tx).await? {
        return Ok((
            StatusCode::OK,
            Json(PublicReceipt {
                number: w.number,
                joined: false,
            }),
        ));
    }
    if let Some(e) = work_order_events::Entity::find_by_id(req.id)
        .one(&*tx)
        .await?
        && let Some(w) = work_orders::Entity::find_by_id(e.work_order_id)
            .one(&*tx)
            .await?
    {
        return Ok((
            StatusCode::OK,
            Json(PublicReceipt {
                number: w.number,
                joined: true,
            }),
        ));
    }
    // Anyone may report here, so a flood from one address stops early
    // (retries above are not counted).
    if let Err(retry_after_secs) = state.public_reports.hit(&addr.0, now) {
        return Err(ApiError::RateLimited { retry_after_secs });
    }
    let (status, receipt, campus) = match open_on(&*tx, a.id).await?.into_iter().next() {
        Some(w) => {
            record_as(&*tx, req.id, &w, now, None, None, "reported_again", words).await?;
            super::publish(&*tx, &mut changes, &w, None).await?;
            (
                StatusCode::OK,
                PublicReceipt {
                    number: w.number,
                    joined: true,
                },
                w.campus_id,
            )
        }
        None => {
            let r = Report {
                id: req.id,
                category: Category::parse(&a.category).unwrap_or(Category::Other),
                urgency: req.urgency,
                building_id: None,
                room: None,
                asset_code: Some(a.code.clone()),
                description: words.to_owned(),
                photos: Vec::new(),
            };
            let w = super::jobs::create(&tx, &mut changes, a.campus_id, None, &r, now).await?;
            (
                StatusCode::CREATED,
                PublicReceipt {
                    number: w.number,
                    joined: false,
                },
                w.campus_id,
            )
        }
    };
    let moved = changes::commit(&*tx, campus, changes, now).await?;
    tx.commit().await?;
    state.pokes.send(moved);
    Ok((status, Json(receipt)))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SheetQuery {
    pub building_id: Uuid,
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A building's asset tags as a printable page: one QR code per asset,
/// linking to its public report page, with its tag, name and place.
#[utoipa::path(get, path = "/repairs/assets/sheet", tag = "repairs", params(SheetQuery),
    responses((status = 200, description = "an HTML page to print", content_type = "text/html"),
        (status = 401, body = houqin_shared::ApiErrorBody), (status = 403, body = houqin_shared::ApiErrorBody),
        (status = 404, body = houqin_shared::ApiErrorBody)))]
pub async fn sheet(
    State(state): State<AppState>,
    p: Principal,
    headers: HeaderMap,
    Query(q): Query<SheetQuery>,
) -> ApiResult<Response> {
    let conn = &state.db.conn;
    let b = buildings::Entity::find_by_id(q.building_id)
        .filter(buildings::Column::CampusId.eq(p.campus_id))
        .one(conn)
        .await?
        .ok_or(ApiError::NotFound("building"))?;
    let list = assets::Entity::find()
        .filter(assets::Column::BuildingId.eq(b.id))
        .order_by_asc(assets::Column::Code)
        .all(conn)
        .await?;
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("localhost");
    let scheme = headers
        .get("x-forwarded-proto")
        .and_then(|h| h.to_str().ok())
        .unwrap_or("http");
    let mut cells = String::new();
    for a in &list {
        let link = format!("{scheme}://{host}/report/{}", a.code);
        let svg = qrcode::QrCode::with_error_correction_level(&link, qrcode::EcLevel::M)
            .map_err(|e| ApiError::Internal(format!("qr: {e}")))?
            .render::<qrcode::render::svg::Color<'_>>()
            .min_dimensions(160, 160)
            .quiet_zone(true)
            .build();
        cells.push_str(&format!(
            "<figure>{svg}<figcaption><b>{code}</b><br>{zh} {en}<br>{room}<br><small>{link}</small></figcaption></figure>\n",
            code = escape(&a.code),
            zh = escape(&a.name_zh),
            en = escape(&a.name_en),
            room = escape(a.room.as_deref().unwrap_or("")),
            link = escape(&link),
        ));
    }
    let page = format!(
        "<!doctype html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\">\
         <title>{title} · 报修二维码</title>\
         <style>body{{font-family:sans-serif;margin:1cm}}\
         main{{display:grid;grid-template-columns:repeat(3,1fr);gap:8mm}}\
         figure{{margin:0;border:1px dashed #999;padding:4mm;text-align:center;break-inside:avoid}}\
         svg{{width:40mm;height:40mm}}figcaption{{font-size:10pt}}</style></head>\
         <body><h1>{title} · 扫码报修 Scan to report a fault</h1><main>{cells}</main></body></html>",
        title = escape(&b.name_zh),
    );
    let mut response = (StatusCode::OK, page).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    Ok(response)
}
