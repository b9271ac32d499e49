//! When canteens open: each canteen's calendar (rules per meal period over
//! workdays, weekends and public holidays, and dated overrides) read
//! against the State Council's holidays and make-up workdays
//! (`houqin_shared::calendar`). Orders for a closed meal are refused.

use axum::extract::State;
use chrono::NaiveDate;
use houqin_shared::calendar::{CanteenCalendar, MealPeriod};
use houqin_shared::dining::default_calendar;
use sea_orm::sea_query::OnConflict;
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, Set};
use uuid::Uuid;

use crate::authz::Principal;
use crate::entities::{canteen_calendars, canteens};
use crate::error::{ApiError, ApiResult};
use crate::extract::{Json, Path};
use crate::state::AppState;

/// A canteen's calendar: its own, or the default.
pub async fn calendar_of(
    conn: &impl ConnectionTrait,
    canteen: Uuid,
) -> Result<CanteenCalendar, DbErr> {
    Ok(canteen_calendars::Entity::find_by_id(canteen)
        .one(conn)
        .await?
        .and_then(|c| serde_json::from_str(&c.calendar).ok())
        .unwrap_or_else(default_calendar))
}

/// The meal periods a calendar opens on a day.
pub fn open_periods(calendar: &CanteenCalendar, day: NaiveDate) -> Vec<MealPeriod> {
    [
        MealPeriod::Breakfast,
        MealPeriod::Lunch,
        MealPeriod::Dinner,
        MealPeriod::LateNight,
    ]
    .into_iter()
    .filter(|p| calendar.opens(day, *p))
    .collect()
}

async fn own_canteen(
    conn: &impl ConnectionTrait,
    p: &Principal,
    id: Uuid,
) -> ApiResult<canteens::Model> {
    canteens::Entity::find_by_id(id)
        .filter(canteens::Column::CampusId.eq(p.campus_id))
        .one(conn)
        .await?
        .ok_or(ApiError::NotFound("canteen"))
}

/// A canteen's opening calendar (everyone signed in).
#[utoipa::path(get, path = "/dining/canteens/{id}/calendar", tag = "dining",
    params(("id" = Uuid, Path, description = "the canteen")),
    responses((status = 200, body = CanteenCalendar), (status = 401, body = houqin_shared::ApiErrorBody),
        (status = 404, body = houqin_shared::ApiErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<CanteenCalendar>> {
    let c = own_canteen(&state.db.conn, &p, id).await?;
    Ok(Json(calendar_of(&state.db.conn, c.id).await?))
}

/// Sets a canteen's opening calendar (managers): rules per meal period and
/// dated overrides (a closed day, an extra opening), which win over the
/// public-holiday calendar.
#[utoipa::path(put, path = "/dining/canteens/{id}/calendar", tag = "dining", request_body = CanteenCalendar,
    params(("id" = Uuid, Path, description = "the canteen")),
    responses((status = 200, body = CanteenCalendar), (status = 401, body = houqin_shared::ApiErrorBody),
        (status = 403, body = houqin_shared::ApiErrorBody), (status = 404, body = houqin_shared::ApiErrorBody),
        (status = 422, body = houqin_shared::ApiErrorBody)))]
pub async fn put(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<Uuid>,
    Json(req): Json<CanteenCalendar>,
) -> ApiResult<Json<CanteenCalendar>> {
    req.validate()?;
    let now = state.clock.now();
    let tx = state.db.write().await?;
    let c = own_canteen(&*tx, &p, id).await?;
    let text = serde_json::to_string(&req).map_err(|e| ApiError::Internal(e.to_string()))?;
    canteen_calendars::Entity::insert(canteen_calendars::ActiveModel {
        canteen_id: Set(c.id),
        campus_id: Set(p.campus_id),
        calendar: Set(text),
        updated_at: Set(now),
    })
    .on_conflict(
        OnConflict::column(canteen_calendars::Column::CanteenId)
            .update_columns([
                canteen_calendars::Column::Calendar,
                canteen_calendars::Column::UpdatedAt,
            ])
            .to_owned(),
    )
    .exec_without_returning(&*tx)
    .await?;
    tx.commit().await?;
    Ok(Json(req))
}
