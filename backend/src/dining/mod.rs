//! Dining (`houqin_shared::dining`): menus with what managers keep about
//! each dish, each day's portions per meal period, pickup slots, and the
//! `menu:{campus}` scope; orders live in `orders.rs`.
//!
//! A day's portions come into being from each dish's default the first
//! time anything asks for that day (the menu, an order, the housekeeping
//! that prepares today and tomorrow); windows then set them.
//!
//! Invariant: portions and slot bookings change only by conditional
//! `UPDATE`s (`left_count >= n`, `booked < capacity`), so a race for the
//! last portion or the last place in a slot is won by exactly one order.

pub mod calendar;
pub mod dashboard;
pub mod deliveries;
pub mod feedback;
pub mod nutrition;
pub mod orders;

use std::collections::HashMap;

use axum::extract::State;
use chrono::{DateTime, NaiveDate, Utc};
use houqin_shared::calendar::MealPeriod;
use houqin_shared::dining::{
    DEFAULT_PREP_MINUTES, DEFAULT_SLOT_CAPACITY, DishDetails, MenuDish, MenuView, Portions,
    SetPortions, SlotLoad, SlotOffer, period_from_slug, period_slots, period_slug, portions_id,
    slot_id,
};
use houqin_shared::ids::{CanteenId, DishId, WindowId};
use houqin_shared::kiosk::campus_day;
use houqin_shared::nutrition::Nutrients;
use houqin_shared::sync::entity::{DISH, PORTIONS, SLOT};
use houqin_shared::sync::scope;
use houqin_shared::text::LocalName;
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use utoipa::IntoParams;
use uuid::Uuid;

use crate::authz::Principal;
use crate::entities::{
    canteen_windows, canteens, dish_details, dishes, portions, slot_loads, window_settings,
};
use crate::error::{ApiError, ApiResult};
use crate::extract::{Json, Path, Query};
use crate::state::AppState;
use crate::sync::changes::{self, Changes};

/// Portions of a dish a day and period when nobody has said (a canteen's
/// ordinary batch).
pub const DEFAULT_PORTIONS: i32 = 60;
/// Periods a dish is served in when nobody has said.
const DEFAULT_PERIODS: [MealPeriod; 2] = [MealPeriod::Lunch, MealPeriod::Dinner];

fn slugs<T: serde::Serialize>(items: &[T]) -> String {
    items
        .iter()
        .filter_map(|i| serde_json::to_value(i).ok())
        .filter_map(|v| v.as_str().map(str::to_owned))
        .collect::<Vec<_>>()
        .join(",")
}

fn unslug<T: DeserializeOwned>(text: &str) -> Vec<T> {
    text.split(',')
        .filter(|s| !s.is_empty())
        .filter_map(|s| serde_json::from_value(serde_json::Value::String(s.to_owned())).ok())
        .collect()
}

pub fn dish_view(d: &dishes::Model, details: Option<&dish_details::Model>) -> MenuDish {
    MenuDish {
        id: DishId(d.id),
        canteen_id: CanteenId(d.canteen_id),
        window_id: WindowId(d.window_id),
        name: LocalName::new(d.name_zh.clone(), d.name_en.clone()),
        price: d.price_fen,
        photo: details.and_then(|x| x.photo.clone()),
        allergens: details.map(|x| unslug(&x.allergens)).unwrap_or_default(),
        tags: details.map(|x| unslug(&x.tags)).unwrap_or_default(),
        nutrition: details
            .map(|x| Nutrients {
                energy_kcal: x.energy_kcal,
                protein_mg: x.protein_mg,
                fat_mg: x.fat_mg,
                carbohydrate_mg: x.carbohydrate_mg,
                sodium_mg: x.sodium_mg,
            })
            .unwrap_or_default(),
        periods: details
            .map(|x| unslug(&x.periods))
            .unwrap_or_else(|| DEFAULT_PERIODS.to_vec()),
    }
}

pub fn portions_view(p: &portions::Model) -> Portions {
    Portions {
        dish_id: DishId(p.dish_id),
        window_id: WindowId(p.window_id),
        day: NaiveDate::parse_from_str(&p.day, "%Y-%m-%d").unwrap_or_default(),
        period: period_from_slug(&p.period).unwrap_or(MealPeriod::Lunch),
        total: u32::try_from(p.total).unwrap_or(0),
        left: u32::try_from(p.left_count).unwrap_or(0),
    }
}

pub fn slot_view(s: &slot_loads::Model) -> SlotLoad {
    SlotLoad {
        window_id: WindowId(s.window_id),
        start: s.start,
        capacity: u32::try_from(s.capacity).unwrap_or(0),
        booked: u32::try_from(s.booked).unwrap_or(0),
    }
}

async fn details_of(
    conn: &impl ConnectionTrait,
    ids: Vec<Uuid>,
) -> Result<HashMap<Uuid, dish_details::Model>, DbErr> {
    let mut out = HashMap::new();
    for chunk in ids.chunks(500) {
        for d in dish_details::Entity::find()
            .filter(dish_details::Column::DishId.is_in(chunk.iter().copied()))
            .all(conn)
            .await?
        {
            out.insert(d.dish_id, d);
        }
    }
    Ok(out)
}

/// A window's slot capacity and minutes per order.
pub async fn window_setup(conn: &impl ConnectionTrait, window: Uuid) -> Result<(u32, u32), DbErr> {
    Ok(window_settings::Entity::find_by_id(window)
        .one(conn)
        .await?
        .map_or((DEFAULT_SLOT_CAPACITY, DEFAULT_PREP_MINUTES), |w| {
            (
                u32::try_from(w.slot_capacity).unwrap_or(DEFAULT_SLOT_CAPACITY),
                u32::try_from(w.prep_minutes).unwrap_or(DEFAULT_PREP_MINUTES),
            )
        }))
}

/// Creates the missing portions rows of a canteen's day from each dish's
/// default (in the caller's write transaction); they join the menu scope.
pub async fn ensure_day(
    conn: &impl ConnectionTrait,
    changes: &mut Changes,
    campus_id: Uuid,
    canteen_id: Uuid,
    day: NaiveDate,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let day_text = day.to_string();
    let have: std::collections::HashSet<Uuid> = portions::Entity::find()
        .filter(portions::Column::CanteenId.eq(canteen_id))
        .filter(portions::Column::Day.eq(&day_text))
        .all(conn)
        .await?
        .into_iter()
        .map(|p| p.id)
        .collect();
    let list = dishes::Entity::find()
        .filter(dishes::Column::CanteenId.eq(canteen_id))
        .all(conn)
        .await?;
    let details = details_of(conn, list.iter().map(|d| d.id).collect()).await?;
    let mut rows = Vec::new();
    for d in &list {
        let info = details.get(&d.id);
        let periods: Vec<MealPeriod> = info
            .map(|x| unslug(&x.periods))
            .unwrap_or_else(|| DEFAULT_PERIODS.to_vec());
        let total = info.map_or(DEFAULT_PORTIONS, |x| x.default_portions);
        for period in periods {
            let id = portions_id(DishId(d.id), day, period);
            if have.contains(&id) {
                continue;
            }
            let row = portions::Model {
                id,
                campus_id,
                canteen_id,
                window_id: d.window_id,
                dish_id: d.id,
                day: day_text.clone(),
                period: period_slug(period).into(),
                total,
                left_count: total,
                updated_at: now,
            };
            changes.put(scope::menu(campus_id), PORTIONS, id, &portions_view(&row));
            rows.push(portions::ActiveModel::from(row));
        }
    }
    for chunk in rows.chunks(200) {
        portions::Entity::insert_many(chunk.to_vec())
            .on_conflict(
                OnConflict::column(portions::Column::Id)
                    .do_nothing()
                    .to_owned(),
            )
            .exec_without_returning(conn)
            .await?;
    }
    Ok(())
}

/// Everything `menu:{campus}` holds now: dishes, today's and tomorrow's
/// portions, and the bookings of slots from today on.
pub async fn materialize(
    conn: &impl ConnectionTrait,
    campus_id: Uuid,
    now: DateTime<Utc>,
) -> Result<Vec<(&'static str, Uuid, serde_json::Value)>, DbErr> {
    let json = |v: serde_json::Result<serde_json::Value>| v.unwrap_or_default();
    let mut rows = Vec::new();
    let list = dishes::Entity::find()
        .filter(dishes::Column::CampusId.eq(campus_id))
        .all(conn)
        .await?;
    let details = details_of(conn, list.iter().map(|d| d.id).collect()).await?;
    for d in &list {
        rows.push((
            DISH,
            d.id,
            json(serde_json::to_value(dish_view(d, details.get(&d.id)))),
        ));
    }
    let today = campus_day(now);
    let days = [
        today.to_string(),
        today.succ_opt().unwrap_or(today).to_string(),
    ];
    for p in portions::Entity::find()
        .filter(portions::Column::CampusId.eq(campus_id))
        .filter(portions::Column::Day.is_in(days))
        .all(conn)
        .await?
    {
        rows.push((
            PORTIONS,
            p.id,
            json(serde_json::to_value(portions_view(&p))),
        ));
    }
    let (start, _) = crate::payments::settlement::day_bounds(today);
    for s in slot_loads::Entity::find()
        .filter(slot_loads::Column::CampusId.eq(campus_id))
        .filter(slot_loads::Column::Start.gte(start))
        .all(conn)
        .await?
    {
        rows.push((SLOT, s.id, json(serde_json::to_value(slot_view(&s)))));
    }
    Ok(rows)
}

/// Housekeeping: today's and tomorrow's portions exist for every canteen.
pub async fn prepare_days(db: &crate::db::Db, now: DateTime<Utc>) -> Result<Vec<String>, DbErr> {
    let today = campus_day(now);
    let mut moved = Vec::new();
    for c in canteens::Entity::find().all(&db.conn).await? {
        let tx = db.write().await?;
        let mut changes = Changes::default();
        for day in [today, today.succ_opt().unwrap_or(today)] {
            ensure_day(&*tx, &mut changes, c.campus_id, c.id, day, now).await?;
        }
        moved.extend(changes::commit(&*tx, c.campus_id, changes, now).await?);
        tx.commit().await?;
    }
    Ok(moved)
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MenuQuery {
    /// The campus day (default: today).
    pub day: Option<NaiveDate>,
}

/// A canteen's menu for a day (everyone signed in).
#[utoipa::path(get, path = "/dining/canteens/{id}/menu", tag = "dining", params(("id" = Uuid, Path, description = "the canteen"), MenuQuery),
    responses((status = 200, body = MenuView), (status = 401, body = houqin_shared::ApiErrorBody),
        (status = 404, body = houqin_shared::ApiErrorBody), (status = 422, body = houqin_shared::ApiErrorBody)))]
pub async fn menu(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<Uuid>,
    Query(q): Query<MenuQuery>,
) -> ApiResult<Json<MenuView>> {
    let now = state.clock.now();
    let today = campus_day(now);
    let day = q.day.unwrap_or(today);
    if day < today || day > today + chrono::Duration::days(houqin_shared::dining::MAX_DAYS_AHEAD) {
        return Err(ApiError::validation(
            "day",
            "menus are for today and tomorrow",
        ));
    }
    let conn = &state.db.conn;
    let canteen = canteens::Entity::find_by_id(id)
        .filter(canteens::Column::CampusId.eq(p.campus_id))
        .one(conn)
        .await?
        .ok_or(ApiError::NotFound("canteen"))?;
    let day_text = day.to_string();
    let count = portions::Entity::find()
        .filter(portions::Column::CanteenId.eq(canteen.id))
        .filter(portions::Column::Day.eq(&day_text))
        .one(conn)
        .await?;
    if count.is_none() {
        let tx = state.db.write().await?;
        let mut changes = Changes::default();
        ensure_day(&*tx, &mut changes, p.campus_id, canteen.id, day, now).await?;
        let moved = changes::commit(&*tx, p.campus_id, changes, now).await?;
        tx.commit().await?;
        state.pokes.send(moved);
    }
    let list = dishes::Entity::find()
        .filter(dishes::Column::CanteenId.eq(canteen.id))
        .order_by_asc(dishes::Column::WindowId)
        .order_by_asc(dishes::Column::NameZh)
        .all(conn)
        .await?;
    let details = details_of(conn, list.iter().map(|d| d.id).collect()).await?;
    let portions_list = portions::Entity::find()
        .filter(portions::Column::CanteenId.eq(canteen.id))
        .filter(portions::Column::Day.eq(&day_text))
        .all(conn)
        .await?;
    let (start, end) = crate::payments::settlement::day_bounds(day);
    let slots = slot_loads::Entity::find()
        .filter(slot_loads::Column::CanteenId.eq(canteen.id))
        .filter(slot_loads::Column::Start.gte(start))
        .filter(slot_loads::Column::Start.lt(end))
        .all(conn)
        .await?;
    let calendar = calendar::calendar_of(conn, canteen.id).await?;
    Ok(Json(MenuView {
        dishes: list
            .iter()
            .map(|d| dish_view(d, details.get(&d.id)))
            .collect(),
        portions: portions_list.iter().map(portions_view).collect(),
        slots: slots.iter().map(slot_view).collect(),
        open_periods: calendar::open_periods(&calendar, day),
    }))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SlotQuery {
    pub day: NaiveDate,
    /// `breakfast`, `lunch`, `dinner` or `late_night`.
    pub period: String,
}

/// The slots of a window still open for orders (not full, not past).
#[utoipa::path(get, path = "/dining/windows/{id}/slots", tag = "dining", params(("id" = Uuid, Path, description = "the window"), SlotQuery),
    responses((status = 200, body = Vec<SlotOffer>), (status = 401, body = houqin_shared::ApiErrorBody),
        (status = 404, body = houqin_shared::ApiErrorBody), (status = 422, body = houqin_shared::ApiErrorBody)))]
pub async fn slots(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<Uuid>,
    Query(q): Query<SlotQuery>,
) -> ApiResult<Json<Vec<SlotOffer>>> {
    let period = period_from_slug(&q.period)
        .ok_or_else(|| ApiError::validation("period", "is not a meal period"))?;
    let conn = &state.db.conn;
    let window = canteen_windows::Entity::find_by_id(id)
        .filter(canteen_windows::Column::CampusId.eq(p.campus_id))
        .one(conn)
        .await?
        .ok_or(ApiError::NotFound("window"))?;
    let (capacity, _) = window_setup(conn, window.id).await?;
    let now = state.clock.now();
    let mut out = Vec::new();
    for start in period_slots(q.day, period) {
        if start + chrono::Duration::minutes(houqin_shared::dining::SLOT_MINUTES) <= now {
            continue;
        }
        let load = slot_loads::Entity::find_by_id(slot_id(WindowId(window.id), start))
            .one(conn)
            .await?;
        let (cap, booked) = load.map_or((capacity, 0), |l| {
            (
                u32::try_from(l.capacity).unwrap_or(0),
                u32::try_from(l.booked).unwrap_or(0),
            )
        });
        if booked < cap {
            out.push(SlotOffer {
                start,
                capacity: cap,
                booked,
            });
        }
    }
    Ok(Json(out))
}

/// Sets what managers keep about a dish (allergens, tags, nutrition, periods, photo).
#[utoipa::path(put, path = "/dining/dishes/{id}", tag = "dining", request_body = DishDetails,
    params(("id" = Uuid, Path, description = "the dish")),
    responses((status = 200, body = MenuDish), (status = 401, body = houqin_shared::ApiErrorBody),
        (status = 403, body = houqin_shared::ApiErrorBody), (status = 404, body = houqin_shared::ApiErrorBody),
        (status = 422, body = houqin_shared::ApiErrorBody)))]
pub async fn put_dish(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<Uuid>,
    Json(req): Json<DishDetails>,
) -> ApiResult<Json<MenuDish>> {
    req.validate()?;
    let now = state.clock.now();
    let tx = state.db.write().await?;
    let dish = dishes::Entity::find_by_id(id)
        .filter(dishes::Column::CampusId.eq(p.campus_id))
        .one(&*tx)
        .await?
        .ok_or(ApiError::NotFound("dish"))?;
    if let Some(photo) = &req.photo {
        let hash = houqin_shared::attachments::ContentHash::parse(photo)?;
        // One photo: the field is `photo`, not a list's `photo.0`.
        crate::attachments::require_complete(&*tx, p.campus_id, &[hash], "photo")
            .await
            .map_err(|e| match e {
                ApiError::Validation { message, .. } => ApiError::validation("photo", message),
                other => other,
            })?;
    }
    let row = dish_details::Model {
        dish_id: dish.id,
        campus_id: p.campus_id,
        allergens: slugs(&req.allergens),
        tags: slugs(&req.tags),
        periods: slugs(&req.periods),
        energy_kcal: req.nutrition.energy_kcal,
        protein_mg: req.nutrition.protein_mg,
        fat_mg: req.nutrition.fat_mg,
        carbohydrate_mg: req.nutrition.carbohydrate_mg,
        sodium_mg: req.nutrition.sodium_mg,
        photo: req.photo.clone(),
        default_portions: DEFAULT_PORTIONS,
        updated_at: now,
    };
    dish_details::Entity::insert(dish_details::ActiveModel::from(row.clone()))
        .on_conflict(
            OnConflict::column(dish_details::Column::DishId)
                .update_columns([
                    dish_details::Column::Allergens,
                    dish_details::Column::Tags,
                    dish_details::Column::Periods,
                    dish_details::Column::EnergyKcal,
                    dish_details::Column::ProteinMg,
                    dish_details::Column::FatMg,
                    dish_details::Column::CarbohydrateMg,
                    dish_details::Column::SodiumMg,
                    dish_details::Column::Photo,
                    dish_details::Column::UpdatedAt,
                ])
                .to_owned(),
        )
        .exec_without_returning(&*tx)
        .await?;
    let view = dish_view(&dish, Some(&row));
    let mut changes = Changes::default();
    changes.put(scope::menu(p.campus_id), DISH, dish.id, &view);
    let moved = changes::commit(&*tx, p.campus_id, changes, now).await?;
    tx.commit().await?;
    state.pokes.send(moved);
    Ok(Json(view))
}

/// Sets a dish's portions for a day and period (its canteen's staff, or
/// managers). Portions already ordered stay ordered: what is left is the new
/// total less them, and 0 marks the dish sold out at once.
#[utoipa::path(put, path = "/dining/portions", tag = "dining", request_body = SetPortions,
    responses((status = 200, body = Portions), (status = 401, body = houqin_shared::ApiErrorBody),
        (status = 403, body = houqin_shared::ApiErrorBody), (status = 422, body = houqin_shared::ApiErrorBody)))]
pub async fn put_portions(
    State(state): State<AppState>,
    p: Principal,
    Json(req): Json<SetPortions>,
) -> ApiResult<Json<Portions>> {
    req.validate()?;
    let now = state.clock.now();
    let tx = state.db.write().await?;
    let dish = dishes::Entity::find_by_id(req.dish_id.0)
        .filter(dishes::Column::CampusId.eq(p.campus_id))
        .one(&*tx)
        .await?
        .ok_or_else(|| ApiError::validation("dish_id", "no such dish"))?;
    let manager = p.has_role(houqin_shared::accounts::Role::Manager)
        || p.has_role(houqin_shared::accounts::Role::Admin);
    if !manager
        && !p
            .scopes
            .contains(&houqin_shared::accounts::Scope::Canteen(dish.canteen_id))
    {
        return Err(ApiError::Forbidden);
    }
    let mut changes = Changes::default();
    ensure_day(
        &*tx,
        &mut changes,
        p.campus_id,
        dish.canteen_id,
        req.day,
        now,
    )
    .await?;
    let id = portions_id(req.dish_id, req.day, req.period);
    let total = i32::try_from(req.total).unwrap_or(i32::MAX);
    let existing = portions::Entity::find_by_id(id).one(&*tx).await?;
    let row = match existing {
        Some(e) => {
            let ordered = e.total - e.left_count;
            let left = (total - ordered).max(0);
            portions::Entity::update_many()
                .col_expr(portions::Column::Total, Expr::value(total.max(ordered)))
                .col_expr(portions::Column::LeftCount, Expr::value(left))
                .col_expr(portions::Column::UpdatedAt, Expr::value(now))
                .filter(portions::Column::Id.eq(id))
                .exec(&*tx)
                .await?;
            portions::Model {
                total: total.max(ordered),
                left_count: left,
                updated_at: now,
                ..e
            }
        }
        None => {
            let row = portions::Model {
                id,
                campus_id: p.campus_id,
                canteen_id: dish.canteen_id,
                window_id: dish.window_id,
                dish_id: dish.id,
                day: req.day.to_string(),
                period: period_slug(req.period).into(),
                total,
                left_count: total,
                updated_at: now,
            };
            portions::Entity::insert(portions::ActiveModel::from(row.clone()))
                .exec_without_returning(&*tx)
                .await?;
            row
        }
    };
    let view = portions_view(&row);
    changes.put(scope::menu(p.campus_id), PORTIONS, id, &view);
    let moved = changes::commit(&*tx, p.campus_id, changes, now).await?;
    tx.commit().await?;
    state.pokes.send(moved);
    Ok(Json(view))
}
