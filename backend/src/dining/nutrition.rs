//! A person's week of canteen food, for the healthy-diet guidance
//! (`houqin_shared::nutrition`): their own picked-up orders only, summed
//! from each dish's nutrition. Shown to them alone; nothing is shared, and
//! the targets (sex, activity) stay on their device.

use std::collections::{BTreeSet, HashMap};

use axum::extract::State;
use houqin_shared::dining::{OrderStatus, WeekIntake};
use houqin_shared::kiosk::campus_day;
use houqin_shared::nutrition::Nutrients;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use crate::authz::Principal;
use crate::entities::{dish_details, order_lines, orders};
use crate::error::ApiResult;
use crate::extract::Json;
use crate::state::AppState;

/// What the caller's picked-up orders of the last seven campus days add up to.
#[utoipa::path(get, path = "/dining/nutrition/week", tag = "dining",
    responses((status = 200, body = WeekIntake), (status = 401, body = houqin_shared::ApiErrorBody)))]
pub async fn week(State(state): State<AppState>, p: Principal) -> ApiResult<Json<WeekIntake>> {
    let conn = &state.db.conn;
    let to = campus_day(state.clock.now());
    let from = to - chrono::Duration::days(6);
    let days: Vec<String> = from.iter_days().take(7).map(|d| d.to_string()).collect();
    let mine = orders::Entity::find()
        .filter(orders::Column::UserId.eq(p.user_id))
        .filter(orders::Column::Status.eq(OrderStatus::PickedUp.slug()))
        .filter(orders::Column::Day.is_in(days))
        .all(conn)
        .await?;
    let with_data: BTreeSet<&str> = mine.iter().map(|o| o.day.as_str()).collect();
    let ids: Vec<Uuid> = mine.iter().map(|o| o.id).collect();
    let mut lines = Vec::new();
    for chunk in ids.chunks(500) {
        lines.extend(
            order_lines::Entity::find()
                .filter(order_lines::Column::OrderId.is_in(chunk.iter().copied()))
                .all(conn)
                .await?,
        );
    }
    let dish_ids: Vec<Uuid> = lines.iter().map(|l| l.dish_id).collect();
    let mut per_dish: HashMap<Uuid, Nutrients> = HashMap::new();
    for chunk in dish_ids.chunks(500) {
        for d in dish_details::Entity::find()
            .filter(dish_details::Column::DishId.is_in(chunk.iter().copied()))
            .all(conn)
            .await?
        {
            per_dish.insert(
                d.dish_id,
                Nutrients {
                    energy_kcal: d.energy_kcal,
                    protein_mg: d.protein_mg,
                    fat_mg: d.fat_mg,
                    carbohydrate_mg: d.carbohydrate_mg,
                    sodium_mg: d.sodium_mg,
                },
            );
        }
    }
    let total = lines
        .iter()
        .filter_map(|l| {
            per_dish
                .get(&l.dish_id)
                .map(|n| n.times(u32::try_from(l.quantity).unwrap_or(0)))
        })
        .sum();
    Ok(Json(WeekIntake {
        from,
        to,
        days_with_data: u32::try_from(with_data.len()).unwrap_or(0),
        orders: u32::try_from(mine.len()).unwrap_or(0),
        total,
    }))
}
