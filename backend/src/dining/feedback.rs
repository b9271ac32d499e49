//! Ratings, complaints and food-safety inspections (`houqin_shared::feedback`).
//!
//! A diner rates each dish and the window of an order they picked up, once;
//! everyone sees averages and anonymous comments. A complaint goes to the
//! canteen's supervisors (a notification each) and shows its status to its
//! author until a supervisor acknowledges or resolves it (the author is
//! told). Inspections are recorded by managers, photos included, and are
//! public on campus.

use std::collections::HashMap;

use axum::extract::State;
use axum::http::StatusCode;
use chrono::NaiveDate;
use houqin_shared::accounts::{Role, Scope};
use houqin_shared::attachments::ContentHash;
use houqin_shared::dining::OrderStatus;
use houqin_shared::feedback::{
    Complain, Complaint, ComplaintStatus, Inspection, InspectionResult, Rate, RatingSummary,
    RecordInspection, Reply,
};
use houqin_shared::ids::{CanteenId, DishId, OrderId, UserId, WindowId};
use houqin_shared::kiosk::campus_day;
use houqin_shared::services::Service;
use houqin_shared::text::LocalName;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set};
use uuid::Uuid;

use crate::authz::Principal;
use crate::entities::{
    canteen_windows, canteens, complaints, dishes, inspections, order_lines, orders, ratings,
    user_roles, user_scopes,
};
use crate::error::{ApiError, ApiResult};
use crate::extract::{Json, Path};
use crate::notifications::{self, NewNotification};
use crate::state::AppState;
use crate::sync::changes::{self, Changes};

/// Rates a dish (or the window) of the caller's picked-up order, once.
#[utoipa::path(post, path = "/dining/ratings", tag = "dining", request_body = Rate,
    responses((status = 201), (status = 401, body = houqin_shared::ApiErrorBody),
        (status = 409, body = houqin_shared::ApiErrorBody, description = "rated already, or not picked up"),
        (status = 422, body = houqin_shared::ApiErrorBody)))]
pub async fn rate(
    State(state): State<AppState>,
    p: Principal,
    Json(req): Json<Rate>,
) -> ApiResult<StatusCode> {
    req.validate()?;
    let now = state.clock.now();
    let tx = state.db.write().await?;
    let order = orders::Entity::find_by_id(req.order_id.0)
        .filter(orders::Column::UserId.eq(p.user_id))
        .one(&*tx)
        .await?
        .ok_or_else(|| ApiError::validation("order_id", "no such order of yours"))?;
    if order.status != OrderStatus::PickedUp.slug() {
        return Err(ApiError::Conflict {
            message: "an order is rated once it has been picked up".into(),
            field: Some("order_id".into()),
        });
    }
    if let Some(dish) = req.dish_id {
        let on_order = order_lines::Entity::find()
            .filter(order_lines::Column::OrderId.eq(order.id))
            .filter(order_lines::Column::DishId.eq(dish.0))
            .one(&*tx)
            .await?;
        if on_order.is_none() {
            return Err(ApiError::validation(
                "dish_id",
                "is not a dish of this order",
            ));
        }
    }
    let target = req
        .dish_id
        .map_or_else(|| "window".to_owned(), |d| format!("dish:{d}"));
    let done = ratings::Entity::find()
        .filter(ratings::Column::OrderId.eq(order.id))
        .filter(ratings::Column::Target.eq(&target))
        .one(&*tx)
        .await?;
    if done.is_some() {
        return Err(ApiError::Conflict {
            message: "rated already".into(),
            field: Some("dish_id".into()),
        });
    }
    ratings::Entity::insert(ratings::ActiveModel {
        id: Set(Uuid::now_v7()),
        campus_id: Set(p.campus_id),
        order_id: Set(order.id),
        user_id: Set(p.user_id),
        window_id: Set(order.window_id),
        dish_id: Set(req.dish_id.map(|d| d.0)),
        target: Set(target),
        stars: Set(i16::from(req.stars)),
        comment: Set(req.comment.map(|c| c.trim().to_owned())),
        created_at: Set(now),
    })
    .exec_without_returning(&*tx)
    .await?;
    tx.commit().await?;
    Ok(StatusCode::CREATED)
}

/// How diners rate a canteen's dishes and windows (anonymous comments).
#[utoipa::path(get, path = "/dining/canteens/{id}/ratings", tag = "dining",
    params(("id" = Uuid, Path, description = "the canteen")),
    responses((status = 200, body = Vec<RatingSummary>), (status = 401, body = houqin_shared::ApiErrorBody),
        (status = 404, body = houqin_shared::ApiErrorBody)))]
pub async fn ratings_of(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<Vec<RatingSummary>>> {
    let conn = &state.db.conn;
    let canteen = canteens::Entity::find_by_id(id)
        .filter(canteens::Column::CampusId.eq(p.campus_id))
        .one(conn)
        .await?
        .ok_or(ApiError::NotFound("canteen"))?;
    let windows = canteen_windows::Entity::find()
        .filter(canteen_windows::Column::CanteenId.eq(canteen.id))
        .all(conn)
        .await?;
    let names: HashMap<Uuid, LocalName> = windows
        .iter()
        .map(|w| (w.id, LocalName::new(w.name_zh.clone(), w.name_en.clone())))
        .collect();
    let dish_names: HashMap<Uuid, LocalName> = dishes::Entity::find()
        .filter(dishes::Column::CanteenId.eq(canteen.id))
        .all(conn)
        .await?
        .into_iter()
        .map(|d| (d.id, LocalName::new(d.name_zh, d.name_en)))
        .collect();
    let all = ratings::Entity::find()
        .filter(ratings::Column::WindowId.is_in(windows.iter().map(|w| w.id)))
        .order_by_desc(ratings::Column::CreatedAt)
        .all(conn)
        .await?;
    // Ratings by (window, dish), newest first within each.
    type Group<'a> = ((Uuid, Option<Uuid>), Vec<&'a ratings::Model>);
    let mut groups: Vec<Group<'_>> = Vec::new();
    for r in &all {
        let key = (r.window_id, r.dish_id);
        match groups.iter_mut().find(|(k, _)| *k == key) {
            Some((_, list)) => list.push(r),
            None => groups.push((key, vec![r])),
        }
    }
    let out = groups
        .into_iter()
        .map(|((window, dish), list)| {
            let count = u32::try_from(list.len()).unwrap_or(u32::MAX);
            let sum: u32 = list
                .iter()
                .map(|r| u32::try_from(r.stars).unwrap_or(0))
                .sum();
            RatingSummary {
                window_id: WindowId(window),
                dish_id: dish.map(DishId),
                name: dish
                    .and_then(|d| dish_names.get(&d).cloned())
                    .or_else(|| names.get(&window).cloned())
                    .unwrap_or_else(|| LocalName::new("", "")),
                count,
                average_tenths: (sum * 10 + count / 2) / count.max(1),
                comments: list
                    .iter()
                    .filter_map(|r| r.comment.clone())
                    .take(5)
                    .collect(),
            }
        })
        .collect();
    Ok(Json(out))
}

fn complaint_view(c: &complaints::Model) -> Complaint {
    Complaint {
        id: c.id,
        canteen_id: CanteenId(c.canteen_id),
        window_id: c.window_id.map(WindowId),
        order_id: c.order_id.map(OrderId),
        user_id: UserId(c.user_id),
        text: c.text.clone(),
        status: ComplaintStatus::from_slug(&c.status).unwrap_or(ComplaintStatus::Open),
        reply: c.reply.clone(),
        created_at: c.created_at,
        updated_at: c.updated_at,
    }
}

/// Sends a complaint to a canteen: its supervisors are told at once.
#[utoipa::path(post, path = "/dining/complaints", tag = "dining", request_body = Complain,
    responses((status = 201, body = Complaint), (status = 200, body = Complaint, description = "sent before"),
        (status = 401, body = houqin_shared::ApiErrorBody), (status = 422, body = houqin_shared::ApiErrorBody)))]
pub async fn complain(
    State(state): State<AppState>,
    p: Principal,
    Json(req): Json<Complain>,
) -> ApiResult<(StatusCode, Json<Complaint>)> {
    req.validate()?;
    let now = state.clock.now();
    let tx = state.db.write().await?;
    if let Some(c) = complaints::Entity::find_by_id(req.id).one(&*tx).await? {
        if c.user_id != p.user_id {
            return Err(ApiError::Conflict {
                message: "this id was used for another complaint".into(),
                field: Some("id".into()),
            });
        }
        return Ok((StatusCode::OK, Json(complaint_view(&c))));
    }
    let canteen = canteens::Entity::find_by_id(req.canteen_id.0)
        .filter(canteens::Column::CampusId.eq(p.campus_id))
        .one(&*tx)
        .await?
        .ok_or_else(|| ApiError::validation("canteen_id", "no such canteen"))?;
    if let Some(w) = req.window_id {
        let ok = canteen_windows::Entity::find_by_id(w.0)
            .filter(canteen_windows::Column::CanteenId.eq(canteen.id))
            .one(&*tx)
            .await?;
        if ok.is_none() {
            return Err(ApiError::validation(
                "window_id",
                "is not a window of this canteen",
            ));
        }
    }
    if let Some(o) = req.order_id {
        let ok = orders::Entity::find_by_id(o.0)
            .filter(orders::Column::UserId.eq(p.user_id))
            .one(&*tx)
            .await?;
        if ok.is_none() {
            return Err(ApiError::validation("order_id", "no such order of yours"));
        }
    }
    let row = complaints::Model {
        id: req.id,
        campus_id: p.campus_id,
        canteen_id: canteen.id,
        window_id: req.window_id.map(|w| w.0),
        order_id: req.order_id.map(|o| o.0),
        user_id: p.user_id,
        text: req.text.trim().to_owned(),
        status: ComplaintStatus::Open.slug().into(),
        reply: None,
        handled_by: None,
        created_at: now,
        updated_at: now,
    };
    complaints::Entity::insert(complaints::ActiveModel::from(row.clone()))
        .exec_without_returning(&*tx)
        .await?;
    // The canteen's supervisors.
    let scoped: Vec<Uuid> = user_scopes::Entity::find()
        .select_only()
        .column(user_scopes::Column::UserId)
        .filter(user_scopes::Column::Kind.eq("canteen"))
        .filter(user_scopes::Column::RefId.eq(canteen.id))
        .into_tuple()
        .all(&*tx)
        .await?;
    let supervisors: Vec<Uuid> = user_roles::Entity::find()
        .select_only()
        .column(user_roles::Column::UserId)
        .filter(user_roles::Column::Role.eq(Role::Supervisor.as_str()))
        .filter(user_roles::Column::UserId.is_in(scoped))
        .into_tuple()
        .all(&*tx)
        .await?;
    let mut changes = Changes::default();
    let preview: String = row.text.chars().take(60).collect();
    for s in supervisors {
        notifications::post(
            &*tx,
            &mut changes,
            NewNotification {
                campus_id: p.campus_id,
                user_id: s,
                service: Some(Service::Dining),
                title: LocalName::new(
                    format!("{}收到一条投诉", canteen.name_zh),
                    format!("A complaint to {}", canteen.name_en),
                ),
                body: LocalName::new(preview.clone(), preview.clone()),
                link: Some("/s/dining".into()),
                at: now,
            },
        )
        .await?;
    }
    let moved = changes::commit(&*tx, p.campus_id, changes, now).await?;
    tx.commit().await?;
    state.pokes.send(moved);
    Ok((StatusCode::CREATED, Json(complaint_view(&row))))
}

/// The caller's complaints, or — for a canteen's supervisors — their
/// canteens' complaints, newest first.
#[utoipa::path(get, path = "/dining/complaints", tag = "dining",
    responses((status = 200, body = Vec<Complaint>), (status = 401, body = houqin_shared::ApiErrorBody)))]
pub async fn complaints_list(
    State(state): State<AppState>,
    p: Principal,
) -> ApiResult<Json<Vec<Complaint>>> {
    let canteens: Vec<Uuid> = if p.has_role(Role::Supervisor) {
        p.scopes
            .iter()
            .filter_map(|s| match s {
                Scope::Canteen(c) => Some(*c),
                _ => None,
            })
            .collect()
    } else {
        Vec::new()
    };
    let rows = complaints::Entity::find()
        .filter(complaints::Column::CampusId.eq(p.campus_id))
        .filter(
            Condition::any()
                .add(complaints::Column::UserId.eq(p.user_id))
                .add(complaints::Column::CanteenId.is_in(canteens)),
        )
        .order_by_desc(complaints::Column::CreatedAt)
        .limit(100)
        .all(&state.db.conn)
        .await?;
    Ok(Json(rows.iter().map(complaint_view).collect()))
}

/// A supervisor of the complaint's canteen answers it; its author is told.
#[utoipa::path(post, path = "/dining/complaints/{id}/reply", tag = "dining", request_body = Reply,
    params(("id" = Uuid, Path, description = "the complaint")),
    responses((status = 200, body = Complaint), (status = 401, body = houqin_shared::ApiErrorBody),
        (status = 403, body = houqin_shared::ApiErrorBody), (status = 404, body = houqin_shared::ApiErrorBody),
        (status = 422, body = houqin_shared::ApiErrorBody)))]
pub async fn reply(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<Uuid>,
    Json(req): Json<Reply>,
) -> ApiResult<Json<Complaint>> {
    req.validate()?;
    let now = state.clock.now();
    let tx = state.db.write().await?;
    let c = complaints::Entity::find_by_id(id)
        .filter(complaints::Column::CampusId.eq(p.campus_id))
        .one(&*tx)
        .await?
        .filter(|c| p.scopes.contains(&Scope::Canteen(c.canteen_id)))
        .ok_or(ApiError::NotFound("complaint"))?;
    complaints::Entity::update_many()
        .col_expr(complaints::Column::Status, Expr::value(req.status.slug()))
        .col_expr(
            complaints::Column::Reply,
            Expr::value(Some(req.reply.trim().to_owned())),
        )
        .col_expr(complaints::Column::HandledBy, Expr::value(Some(p.user_id)))
        .col_expr(complaints::Column::UpdatedAt, Expr::value(now))
        .filter(complaints::Column::Id.eq(c.id))
        .exec(&*tx)
        .await?;
    let mut changes = Changes::default();
    notifications::post(
        &*tx,
        &mut changes,
        NewNotification {
            campus_id: p.campus_id,
            user_id: c.user_id,
            service: Some(Service::Dining),
            title: LocalName::new("你的投诉有了回复", "Your complaint has an answer"),
            body: LocalName::new(req.reply.trim(), req.reply.trim()),
            link: Some("/s/dining".into()),
            at: now,
        },
    )
    .await?;
    let moved = changes::commit(&*tx, p.campus_id, changes, now).await?;
    let c = complaints::Entity::find_by_id(id)
        .one(&*tx)
        .await?
        .ok_or(ApiError::NotFound("complaint"))?;
    tx.commit().await?;
    state.pokes.send(moved);
    Ok(Json(complaint_view(&c)))
}

fn inspection_view(i: &inspections::Model) -> Inspection {
    Inspection {
        id: i.id,
        canteen_id: CanteenId(i.canteen_id),
        date: NaiveDate::parse_from_str(&i.date, "%Y-%m-%d").unwrap_or_default(),
        inspector: i.inspector.clone(),
        result: InspectionResult::from_slug(&i.result).unwrap_or(InspectionResult::Pass),
        notes: i.notes.clone(),
        photos: i
            .photos
            .split(',')
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect(),
    }
}

/// Records a food-safety inspection (managers); its photos must be uploaded first.
#[utoipa::path(post, path = "/dining/inspections", tag = "dining", request_body = RecordInspection,
    responses((status = 201, body = Inspection), (status = 200, body = Inspection, description = "recorded before"),
        (status = 401, body = houqin_shared::ApiErrorBody), (status = 403, body = houqin_shared::ApiErrorBody),
        (status = 422, body = houqin_shared::ApiErrorBody)))]
pub async fn record_inspection(
    State(state): State<AppState>,
    p: Principal,
    Json(req): Json<RecordInspection>,
) -> ApiResult<(StatusCode, Json<Inspection>)> {
    let now = state.clock.now();
    let photos: Vec<ContentHash> = req.validate(campus_day(now))?;
    let tx = state.db.write().await?;
    if let Some(i) = inspections::Entity::find_by_id(req.id).one(&*tx).await? {
        return Ok((StatusCode::OK, Json(inspection_view(&i))));
    }
    let canteen = canteens::Entity::find_by_id(req.canteen_id.0)
        .filter(canteens::Column::CampusId.eq(p.campus_id))
        .one(&*tx)
        .await?
        .ok_or_else(|| ApiError::validation("canteen_id", "no such canteen"))?;
    crate::attachments::require_complete(&*tx, p.campus_id, &photos, "photos").await?;
    let row = inspections::Model {
        id: req.id,
        campus_id: p.campus_id,
        canteen_id: canteen.id,
        date: req.date.to_string(),
        inspector: req.inspector.trim().to_owned(),
        result: req.result.slug().into(),
        notes: req.notes.trim().to_owned(),
        photos: photos
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(","),
        recorded_by: p.user_id,
        created_at: now,
    };
    inspections::Entity::insert(inspections::ActiveModel::from(row.clone()))
        .exec_without_returning(&*tx)
        .await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(inspection_view(&row))))
}

/// A canteen's food-safety inspections, newest first (everyone on campus).
#[utoipa::path(get, path = "/dining/canteens/{id}/inspections", tag = "dining",
    params(("id" = Uuid, Path, description = "the canteen")),
    responses((status = 200, body = Vec<Inspection>), (status = 401, body = houqin_shared::ApiErrorBody),
        (status = 404, body = houqin_shared::ApiErrorBody)))]
pub async fn inspections_of(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<Vec<Inspection>>> {
    let conn = &state.db.conn;
    let canteen = canteens::Entity::find_by_id(id)
        .filter(canteens::Column::CampusId.eq(p.campus_id))
        .one(conn)
        .await?
        .ok_or(ApiError::NotFound("canteen"))?;
    let rows = inspections::Entity::find()
        .filter(inspections::Column::CanteenId.eq(canteen.id))
        .order_by_desc(inspections::Column::Date)
        .limit(50)
        .all(conn)
        .await?;
    Ok(Json(rows.iter().map(inspection_view).collect()))
}
